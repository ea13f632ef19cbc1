/**
 * The expiry watch, run by the clock on every tick (docs/messages.md,
 * LICENSE_EXPIRING): when a lead time before an APPROVED, SUSPENDED or
 * PENDING license's `validUntil` comes due (30, 7 and 1 days by default), ops gets one alert
 * with the units and value still HELD and RELEASED under it, and each
 * warehouse holding RELEASED shipments of it a digest of what must ship
 * before then, in hold order. Each lead is judged once per `validUntil`
 * (`expiryAlerted`): an amendment that moves `validUntil` re-arms the watch,
 * and so does the grant of a PENDING license (its alert named only the HELD
 * backlog; the warehouses hear of what the grant released).
 * Leads that came due together (the clock was down, or an amendment brought
 * `validUntil` near) are judged together and only the nearest is sent. A
 * lead judged with nothing outstanding is recorded as quiet, and the clock
 * re-checks it (recheckQuiet) until shipments appear under the license, the
 * next lead comes due or `validUntil` passes. A RELEASED shipment whose
 * stamp is edited (its seal is not its own) is counted under a warehouse not
 * known: the lead waits for shipment-events to set the edit back, at most
 * {@link EXPIRY_BUSY_MS} past the time it came due, then goes out without it
 * in any digest, the alert naming it ("warehouse unknown").
 */
import {
  dueLeads,
  type ExpiryRecord,
  judgedLeads,
  mergeExpiry,
  quietLead,
  quietLeads,
  readsAs,
  withJudged,
} from '../domain/compliance.js';
import { expiryAlert, expiryDigests, type Totals } from '../domain/compliance-notices.js';
import { stampIntact } from '../domain/counters.js';
import { appliedInEffect } from '../domain/license-rules.js';
import { type License, parseItem, type Shipment, ShipmentSchema } from '../domain/model.js';
import { compareHoldOrder, copiedFrom, drawnValue } from '../domain/planning.js';
import type { Alerter, LicenseRepository, Publisher, ShipmentRepository } from '../domain/ports.js';

/** What the watch needs: the clock's ports plus the alert and logistics topics. */
export interface ExpiryWatchDeps {
  licenses: LicenseRepository;
  shipments: ShipmentRepository;
  alerter: Alerter;
  publisher: Publisher;
  /** Days before `validUntil` to warn at (EXPIRY_LEAD_DAYS). */
  leadDays: readonly number[];
  /** Shipments read per page of the released index. @default 200 */
  pageSize?: number;
}

/** What the watch did for one license this tick. */
export type ExpiryVerdict =
  /** No lead came due (and none is quiet, for recheckQuiet): nothing was read. */
  | { kind: 'idle' }
  /**
   * Nothing HELD or RELEASED under the license: a lead that came due is
   * recorded as quiet, nothing sent; a quiet lead re-checked stays so, nothing written.
   */
  | { kind: 'quiet'; leads: number[] }
  /** A lead came due, or a quiet one found shipments: ops alerted, warehouses told, recorded. */
  | { kind: 'alerted'; lead: number; leads: number[]; warehouses: string[] }
  /**
   * A RELEASED shipment's stamp was edited (its seal is not its own), so which
   * warehouse holds it is not known until shipment-events sets the edit back,
   * and the lead came due less than {@link EXPIRY_BUSY_MS} ago: nothing sent
   * or recorded, the next tick judges the lead again.
   */
  | { kind: 'busy' };

/**
 * How long past the time a lead came due (`validUntil` − lead) the watch
 * waits for an edited stamp of a RELEASED shipment to be set back: 15
 * minutes. shipment-events sets back a console edit in the batch that
 * carries it (a 2 s batching window); a batch that fails is run again up to
 * 5 times (STREAM_RETRY_ATTEMPTS) within its 120 s timeout each, about 12
 * minutes before it goes to the DLQ, and the clock ticks every minute
 * (test/infra/expiry-busy-window.test.ts ties this to the stack). A stamp
 * still edited after that is not being set back (a shipment put back from
 * an edited copy, which nothing sets back; a batch parked in the DLQ): the
 * lead goes out without that shipment in any digest, and the alert names it.
 */
export const EXPIRY_BUSY_MS = 15 * 60_000;

const DAY_MS = 86_400_000;

/**
 * The applied statuses the watch looks at: those under which something HELD
 * or RELEASED may still ship before `validUntil` (DESIGN §6: "while the
 * license still has HELD or RELEASED shipments"). A suspended license's held
 * backlog is lost at expiry unless it is reinstated first, a PENDING one's
 * unless it is granted first (the clock expires an APPROVED license past its
 * window at once), so compliance hears of both. DENIED, REVOKED and EXPIRED
 * are final: nothing under them can ship, so a warning would ask for nothing.
 */
const WATCHED: ReadonlySet<string> = new Set(['APPROVED', 'SUSPENDED', 'PENDING']);

/** Whether the license's leads are judged as PENDING (`expiryAlerted.pending`): a grant re-arms them. */
const isPending = (l: License): boolean => l.appliedStatus === 'PENDING';

/**
 * Whether the watch looks at this license at all: APPROVED, SUSPENDED or
 * PENDING (in effect), before `validUntil`. A rejected status typo does not
 * stop the watch, as it does not stop the expiry.
 */
export const watched = (l: License, now: Date): boolean =>
  l.appliedStatus !== undefined &&
  WATCHED.has(l.appliedStatus) &&
  appliedInEffect(l) &&
  now.getTime() <= Date.parse(l.validUntil);

/**
 * Whether the license awaits a re-check of its quiet lead (recheckQuiet), from
 * the item alone: the clock runs those after its scan, as time allows.
 */
export const awaitsRecheck = (deps: Pick<ExpiryWatchDeps, 'leadDays'>, l: License, now: Date): boolean =>
  quietLead(l.expiryAlerted, l.validUntil, now, deps.leadDays, isPending(l)) !== undefined;

/**
 * Judges the lead times of `license` due at `now`. Sends the digests first,
 * then the alert, then records the leads (conditional on the license still
 * in the status and `validUntil` judged, merged with what an overlapping
 * tick recorded meanwhile: see `record`): a failure or crash before the record
 * repeats all of it on the next tick (digests with the same `dedupKey`),
 * never loses it. With nothing HELD or RELEASED, records them as quiet.
 * Throws when a digest could not be published.
 */
export async function watchExpiry(
  deps: ExpiryWatchDeps,
  license: License,
  now: Date,
): Promise<ExpiryVerdict> {
  const pending = isPending(license);
  const judged = judgedLeads(license.expiryAlerted, license.validUntil, pending);
  const due = dueLeads(license.validUntil, now, deps.leadDays, judged);
  const [lead] = due;
  if (lead === undefined) return { kind: 'idle' };
  const outstanding = await outstandingOf(deps, license, lead, now);
  if (outstanding === 'busy') return { kind: 'busy' };
  if (outstanding === undefined) {
    const was = quietLeads(license.expiryAlerted, license.validUntil, pending);
    const quiet = withJudged(license.validUntil, judged, due, { was, now: true }, pending);
    await record(deps, license, quiet);
    return { kind: 'quiet', leads: quiet.leads };
  }
  const leads = withJudged(license.validUntil, judged, due, undefined, pending);
  const warehouses = await announce(deps, license, lead, now, outstanding);
  await record(deps, license, leads);
  return { kind: 'alerted', lead, leads: leads.leads, warehouses };
}

/**
 * Re-checks a license whose nearest due lead was judged quiet (quietLead):
 * one Query of `Limit` 1 per key of each of its two indexes, nothing more
 * while both are empty. Once shipments are HELD or RELEASED under it, sends
 * that lead as watchExpiry would have (same digests, same `dedupKey`), then
 * records it as announced: at least once, and once only. Throws when a
 * digest could not be published.
 */
export async function recheckQuiet(
  deps: ExpiryWatchDeps,
  license: License,
  now: Date,
): Promise<ExpiryVerdict> {
  const pending = isPending(license);
  const lead = quietLead(license.expiryAlerted, license.validUntil, now, deps.leadDays, pending);
  if (lead === undefined) return { kind: 'idle' };
  const judged = judgedLeads(license.expiryAlerted, license.validUntil, pending);
  const [held, released] = await Promise.all(
    (['held', 'released'] as const).map((index) =>
      deps.shipments.page(index, license.licenseId, undefined, 1),
    ),
  );
  if (held?.items.length === 0 && released?.items.length === 0) return { kind: 'quiet', leads: judged };
  // An index may show a shipment that has just left it: the full read decides.
  const outstanding = await outstandingOf(deps, license, lead, now);
  if (outstanding === 'busy') return { kind: 'busy' };
  if (outstanding === undefined) return { kind: 'quiet', leads: judged };
  const warehouses = await announce(deps, license, lead, now, outstanding);
  await record(deps, license, withJudged(license.validUntil, judged, [], undefined, pending));
  return { kind: 'alerted', lead, leads: judged, warehouses };
}

interface Outstanding {
  /** RELEASED, as counted (their stamps vouch for them), in hold order. */
  released: Shipment[];
  /** RELEASED with an edited stamp: the warehouse that holds them is not known. */
  unknown: Shipment[];
  held: Totals;
}

/**
 * The RELEASED shipments and the HELD totals of the license; undefined when
 * there are none of either; 'busy' when a RELEASED one's stamp is edited and
 * `lead` came due less than {@link EXPIRY_BUSY_MS} before `now`.
 */
async function outstandingOf(
  deps: ExpiryWatchDeps,
  license: License,
  lead: number,
  now: Date,
): Promise<Outstanding | undefined | 'busy'> {
  const { released, unknown } = await releasedOf(deps, license.licenseId);
  const dueAt = Date.parse(license.validUntil) - lead * DAY_MS;
  if (unknown.length > 0 && now.getTime() - dueAt < EXPIRY_BUSY_MS) return 'busy';
  const held = await deps.shipments.sumHeld(license.licenseId);
  const none = released.length === 0 && unknown.length === 0 && held.shipments === 0;
  return none ? undefined : { released, unknown, held };
}

/** Digests, then the alert; the warehouses told. Throws when a digest could not be published. */
async function announce(
  deps: ExpiryWatchDeps,
  license: License,
  lead: number,
  now: Date,
  { released, unknown, held }: Outstanding,
): Promise<string[]> {
  const digests = expiryDigests({ license, lead, now, released });
  const failed = await deps.publisher.publish('logistics', digests);
  if (failed.size > 0)
    throw new Error(
      `${failed.size} LICENSE_EXPIRING digest(s) of ${license.licenseId} could not be published`,
    );
  const warehouses = digests.map((d) => d.attributes.warehouseId ?? '');
  await deps.alerter.alert([
    expiryAlert({
      license,
      lead,
      now,
      released: totalsOf(released),
      held,
      warehouses,
      unknown: unknown.map((s) => s.shipmentId),
    }),
  ]);
  return warehouses;
}

/** Writes of `expiryAlerted` conditional on the record read, before one that replaces it. */
export const RECORD_ATTEMPTS = 4;

/**
 * Writes `expiryAlerted`, conditional on the license still in the status and
 * `validUntil` judged and on the record as read. When only the record changed
 * (a tick that overlaps this one, or the same tick delivered twice, wrote it
 * meanwhile), reads the license again and writes the two merged (mergeExpiry),
 * so a tick that read before the other's write never takes back a lead the
 * other sent, which the next tick would send again. Nothing is written once
 * the status or `validUntil` changed (the judgment no longer holds), nor when
 * the record already says all this one would. The last attempt replaces the
 * record whatever it is: one that never matches what was read of it (edited
 * by hand into something that does not read back the same) must not leave
 * the lead unrecorded, to be sent again on every tick.
 */
async function record(deps: ExpiryWatchDeps, license: License, value: ExpiryRecord): Promise<void> {
  const { licenseId, appliedStatus, validUntil } = license;
  let read = license.expiryAlerted;
  for (let attempt = 1; ; attempt++) {
    const next = mergeExpiry(read, value);
    if (readsAs(read, next)) return;
    const last = attempt === RECORD_ATTEMPTS;
    const expect = { appliedStatus, validUntil, ...(last ? {} : { expiryAlerted: read ?? null }) };
    if ((await deps.licenses.recordAlerted(licenseId, 'expiryAlerted', { ...next }, expect)) || last) return;
    const item = await deps.licenses.get(licenseId);
    if (item === undefined || item.appliedStatus !== appliedStatus || item.validUntil !== validUntil) return;
    read = item.expiryAlerted;
  }
}

/**
 * Every RELEASED shipment of the license, in hold order: as counted, and,
 * apart, those whose stamp is edited (not stampIntact), whose warehouse is not known.
 */
async function releasedOf(
  deps: ExpiryWatchDeps,
  licenseId: string,
): Promise<{ released: Shipment[]; unknown: Shipment[] }> {
  const out: Shipment[] = [];
  const unknown: Shipment[] = [];
  let after: string | undefined;
  do {
    const page = await deps.shipments.page('released', licenseId, after, deps.pageSize ?? 200);
    for (const item of page.items) {
      const parsed = parseItem(ShipmentSchema, item);
      // A copy of another shipment (console "Duplicate item") is not released: shipment-events takes it in HELD.
      if (parsed.ok && parsed.value.status === 'RELEASED' && copiedFrom(item) === undefined) {
        const stamp = parsed.value.countedAs;
        if (stamp !== undefined && !stampIntact(parsed.value.shipmentId, stamp)) unknown.push(parsed.value);
        else out.push(asCounted(parsed.value));
      }
    }
    after = page.next;
  } while (after !== undefined);
  return { released: out.sort(compareHoldOrder), unknown: unknown.sort(compareHoldOrder) };
}

/**
 * The shipment with the fixed fields its counters and license hold (its
 * `countedAs`): an edit of its warehouse or customer still to be set back
 * neither moves it to another warehouse's digest nor names the edited customer.
 */
function asCounted(s: Shipment): Shipment {
  const c = s.countedAs;
  if (c === undefined) return s;
  return {
    ...s,
    quantity: c.quantity,
    sku: c.sku,
    warehouseId: c.warehouseId,
    customerId: c.customerId ?? s.customerId,
  };
}

const totalsOf = (list: readonly Shipment[]): Totals => ({
  shipments: list.length,
  units: list.reduce((n, s) => n + s.quantity, 0),
  value: list.reduce((n, s) => n + drawnValue(s), 0),
});
