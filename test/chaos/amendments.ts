/**
 * The authority's amendments and the admins' value edits in a chaos run,
 * played while licenses release, are suspended, revoked and shipped from.
 * Each step is one console edit of one attribute; which step, which license
 * and by how much come from the run's seed, what is raised or lowered from
 * what the license has released or shipped when the step is taken.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { RawItem } from '../../shared/domain/ports.js';
import type { ConsoleCopy } from './duplicates.js';
import type { Rng } from './faults.js';
import type { admin } from './workload.js';

type Admin = ReturnType<typeof admin>;

/** The limit an amendment lowers, as checkInvariants names it in a shipped-over-limit finding. */
export type Limit = 'quantity' | 'value';

/** An edit that must be rejected and written back, with an ops alert. */
export interface IllegalEdit {
  readonly licenseId: string;
  readonly field: string;
  readonly value: unknown;
  readonly kind: 'identity' | 'invalid';
  /**
   * The license had applied terms when the edit was written, so the system
   * judges it as an amendment and must write it back. (Under heavy faults
   * license-events may not have applied the license yet; then the edit is
   * part of the license it first applies, or rejects as invalid.)
   */
  readonly applied: boolean;
}

/** What the script did to license terms and shipment values, for the checks and the run's log. */
export interface AmendmentLog {
  /** Legal amendments written (one term each). */
  written: number;
  readonly illegal: IllegalEdit[];
  /** Limits lowered, per license: a shipped-over-limit finding is allowed only on these. */
  readonly lowered: Map<string, Set<Limit>>;
  /** Lowerings written below what the license had shipped when they were written. */
  belowShipped: number;
  /** Value edits of HELD shipments (set where missing, or corrected). */
  shipmentValues: number;
  /** The console's "Duplicate item"s of shipments (test/chaos/duplicates.ts). */
  readonly copies: ConsoleCopy[];
}

export const newAmendmentLog = (): AmendmentLog => ({
  written: 0,
  illegal: [],
  lowered: new Map(),
  belowShipped: 0,
  shipmentValues: 0,
  copies: [],
});

/** What a step needs: the console, the seeded choices, the log and a line for the run's report. */
export interface Amender {
  readonly a: Admin;
  readonly rng: Rng;
  readonly log: AmendmentLog;
  readonly note: (line: string) => void;
}

const FAR_VALID_FROM = '2099-01-01T00:00:00.000Z';
const PAST_VALID_UNTIL = '2025-06-01T00:00:00.000Z';
const EARLY_VALID_FROM = '2019-01-01T00:00:00.000Z';
const short = (licenseId: string) => licenseId.replace(/^LIC-/, '');
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/** Units and value of a license's SHIPPED shipments (status as the console shows it now). */
async function shipped(a: Admin, licenseId: string): Promise<{ quantity: number; value: number }> {
  const items = (await a.shipmentsOf(licenseId)).filter((s) => s.status === 'SHIPPED');
  return {
    quantity: items.reduce((n, s) => n + Number(s.quantity), 0),
    value: items.reduce((n, s) => n + (num(s.value) ?? 0), 0),
  };
}

/**
 * The first of `licenseIds` with at least 3 units SHIPPED, waiting up to `ms`
 * for logistics (who ships at the same time) to get there.
 */
export async function firstWithShipped(
  m: Amender,
  licenseIds: readonly string[],
  ms: number,
): Promise<string | undefined> {
  const end = Date.now() + ms;
  for (;;) {
    for (const licenseId of licenseIds) if ((await shipped(m.a, licenseId)).quantity >= 3) return licenseId;
    if (Date.now() >= end) return undefined;
    await sleep(100);
  }
}

async function amend(
  m: Amender,
  licenseId: string,
  field: string,
  value: unknown,
  why: string,
): Promise<void> {
  const before = (await m.a.license(licenseId))?.[field];
  m.note(`amend ${short(licenseId)} ${field} ${String(before ?? '(none)')} → ${String(value)} (${why})`);
  await m.a.setLicenseField(licenseId, field, value);
  m.log.written++;
}

function markLowered(m: Amender, licenseId: string, limit: Limit): void {
  m.log.lowered.set(licenseId, (m.log.lowered.get(licenseId) ?? new Set()).add(limit));
}

/** Raises `authorizedQuantity`, or `authorizedValue` where the license has one. */
export async function raise(m: Amender, licenseId: string, limit: Limit): Promise<void> {
  const l = await m.a.license(licenseId);
  if (limit === 'quantity') {
    const current = num(l?.authorizedQuantity) ?? 1;
    return amend(m, licenseId, 'authorizedQuantity', current + m.rng.int(5, 60), 'raised');
  }
  const current = num(l?.authorizedValue);
  if (current === undefined) return;
  const raised = current + Math.max(1, Math.floor(current * (0.05 + m.rng.next() * 0.4)));
  return amend(m, licenseId, 'authorizedValue', raised, 'raised');
}

/**
 * Lowers a limit below what the license has released (or, before anything
 * is released, below the limit), or, with `belowShipped` and something
 * shipped, below what has shipped.
 */
export async function lower(m: Amender, licenseId: string, limit: Limit, belowShipped: boolean) {
  const fraction = 0.4 + m.rng.next() * 0.5;
  const l = await m.a.license(licenseId);
  const field = limit === 'quantity' ? 'authorizedQuantity' : 'authorizedValue';
  const current = num(l?.[field]);
  if (current === undefined) return;
  const out = belowShipped ? await shipped(m.a, licenseId) : undefined;
  const gone = limit === 'quantity' ? out?.quantity : out?.value;
  const tolerance = limit === 'value' ? 1 + (num(l?.valueTolerancePercent) ?? 0) / 100 : 1;
  if (gone !== undefined && gone > 1 && Math.floor(gone * fraction) >= 1) {
    // Below shipped even with the tolerance on value.
    const target = Math.max(1, Math.floor((gone * fraction) / tolerance) - 1);
    markLowered(m, licenseId, limit);
    m.log.belowShipped++;
    return amend(m, licenseId, field, target, `below the ${gone} shipped`);
  }
  const released = num(l?.[limit === 'quantity' ? 'releasedQuantity' : 'releasedValue']) ?? 0;
  const base = released > 1 ? released : current;
  const target = Math.max(1, Math.floor(base * fraction));
  if (target >= current) return;
  markLowered(m, licenseId, limit);
  return amend(m, licenseId, field, target, released > 1 ? `below the ${released} released` : 'lowered');
}

/** A new shipping tolerance on value (0–25 %). */
export async function retolerate(m: Amender, licenseId: string): Promise<void> {
  const l = await m.a.license(licenseId);
  if (num(l?.authorizedValue) === undefined) return;
  const to = m.rng.int(0, 25);
  const from = num(l?.valueTolerancePercent) ?? 0;
  if (to === from) return;
  if (to < from) markLowered(m, licenseId, 'value');
  return amend(
    m,
    licenseId,
    'valueTolerancePercent',
    to,
    to < from ? 'tolerance lowered' : 'tolerance raised',
  );
}

/** validFrom moved into the future (releases go back on hold), then back into the past. */
export async function moveValidFrom(m: Amender, licenseId: string): Promise<void> {
  const original = String((await m.a.license(licenseId))?.validFrom);
  const back = m.rng.pick([original, EARLY_VALID_FROM]);
  const pause = m.rng.int(0, 250);
  await amend(m, licenseId, 'validFrom', FAR_VALID_FROM, 'later: not yet valid');
  await sleep(pause);
  await amend(m, licenseId, 'validFrom', back, 'earlier again');
}

/** validUntil moved into the past: the license expires. */
export const expire = (m: Amender, licenseId: string) =>
  amend(m, licenseId, 'validUntil', PAST_VALID_UNTIL, 'into the past');

const IDENTITY_EDITS: readonly (readonly [string, unknown])[] = [
  ['customerId', 'CU-9'],
  ['sku', 'CH-S9'],
  ['destinationCountry', 'CN'],
];
const INVALID_EDITS: readonly (readonly [string, unknown])[] = [
  ['authorizedQuantity', -5],
  ['authorizedQuantity', 12.5],
  ['authorizedValue', 0],
  ['authorizedValue', '5000'],
  ['valueTolerancePercent', 30],
  ['validUntil', '2018-01-01T00:00:00.000Z'],
];

/** An edit the system must reject and write back: an identity term, or an invalid value. */
export async function illegalEdit(m: Amender, licenseId: string, kind: IllegalEdit['kind']) {
  const [field, value] = m.rng.pick(kind === 'identity' ? IDENTITY_EDITS : INVALID_EDITS);
  const applied = (await m.a.license(licenseId))?.appliedTerms !== undefined;
  m.note(
    `${kind} edit of ${short(licenseId)}: ${field} → ${JSON.stringify(value)} (${applied ? 'must be rejected' : 'license not applied yet'})`,
  );
  m.log.illegal.push({ licenseId, field, value, kind, applied });
  await m.a.setLicenseField(licenseId, field, value);
}

/**
 * Value edits of HELD shipments, as an admin fixes SHIPMENT_VALUE_MISSING or
 * corrects a value: `count` of them, those without a value first. The
 * shipment may be released by the time the edit lands (then it is rejected).
 */
export async function editValues(m: Amender, licenseId: string, count: number): Promise<void> {
  const held = m.rng.shuffle(
    (await m.a.shipmentsOf(licenseId)).filter((s) => s.status === 'HELD' && s.countedStatus === 'HELD'),
  );
  const missing = held.filter((s) => s.value === undefined);
  const chosen = [...missing, ...held.filter((s) => s.value !== undefined)].slice(0, count);
  for (const s of chosen) {
    await sleep(m.rng.int(0, 40));
    const value = valueFor(m.rng, s);
    m.note(`value of ${String(s.shipmentId)}: ${String(s.value ?? '(none)')} → ${value}`);
    await m.a.setShipmentField(String(s.shipmentId), 'value', value);
    m.log.shipmentValues++;
  }
}

const valueFor = (rng: Rng, s: RawItem) => Number(s.quantity) * rng.int(20, 600);

/**
 * Waits, for at most `ms`, until license-events has applied these licenses'
 * approval (appliedStatus and appliedTerms), so that what follows are
 * amendments. An outage may hold the approval back until the redrive: then
 * the script goes on regardless.
 */
export async function untilApproved(m: Amender, licenseIds: readonly string[], ms: number): Promise<void> {
  const end = Date.now() + ms;
  for (const licenseId of licenseIds) {
    for (;;) {
      const l = await m.a.license(licenseId);
      if (l?.appliedStatus === 'APPROVED' && l.appliedTerms !== undefined) break;
      if (Date.now() >= end) {
        m.note(`amendments start before ${short(licenseId)}'s approval was applied`);
        return;
      }
      await sleep(50);
    }
  }
}

/** One line of counts for the run's log. */
export const describeLog = (log: AmendmentLog): string =>
  `${log.written} amendments written, ${log.illegal.filter((e) => e.applied).length} illegal edits to be written back, ` +
  `${log.belowShipped} below shipped, ` +
  `${log.shipmentValues} shipment values edited, ${log.copies.length} console copies`;
