/**
 * What the compliance alerts say (docs/messages.md): LICENSE_DRAWDOWN and
 * LICENSE_EXPIRING to ops, with value where it matters to compliance, and the
 * LICENSE_EXPIRING digest to each warehouse holding RELEASED shipments of the
 * license, without value (the exporter's commercial data never goes to
 * logistics or customers) and with no customer data beyond ids.
 */
import { createHash } from 'node:crypto';
import type { DrawdownCrossing } from './compliance.js';
import type { License, Shipment } from './model.js';
import { cutBefore } from './notifications.js';
import { valueCap } from './planning.js';
import type { OpsAlert, OutgoingMessage } from './ports.js';

/** The `alertType` attribute of the compliance alerts, and the digest's `eventType`. */
export const ALERT_TYPES = { drawdown: 'LICENSE_DRAWDOWN', expiring: 'LICENSE_EXPIRING' } as const;

/** How many shipments the expiry digest lists before it gives the rest as a total. */
export const EXPIRY_DIGEST_LIST_LIMIT = 200;

const usd = (n: number) => `USD ${n.toLocaleString('en-US')}`;
const units = (n: number) => `${n.toLocaleString('en-US')} units`;
const shipments = (n: number) => `${n.toLocaleString('en-US')} ${n === 1 ? 'shipment' : 'shipments'}`;
const percent = (part: number, whole: number) =>
  `${(Math.floor((part * 1000) / whole) / 10).toLocaleString('en-US')} %`;

/** Count, units and (for ops) value of a group of shipments. */
export interface Totals {
  shipments: number;
  units: number;
  value: number;
}

type Limits = Pick<License, 'licenseId' | 'authorizedQuantity' | 'authorizedValue' | 'valueTolerancePercent'>;

/** The value limit in words: the authorized value, its tolerance and the cap the system enforces. */
function valueLimitText(license: Limits): string {
  const cap = valueCap(license);
  if (cap === undefined) return 'no value limit';
  return `value limit ${usd(license.authorizedValue ?? 0)} + ${license.valueTolerancePercent ?? 0} % tolerance = cap ${usd(cap)}`;
}

/**
 * LICENSE_DRAWDOWN: a release took the license to `crossing.threshold` % of
 * one limit. Says how far, what is left on both limits, and the held backlog
 * still waiting.
 */
export function drawdownAlert(input: {
  license: Limits;
  crossing: DrawdownCrossing;
  drawn: { quantity: number; value: number };
  backlog: Pick<Totals, 'shipments' | 'units'>;
  thresholds: readonly number[];
}): OpsAlert {
  const { license, crossing, drawn, backlog } = input;
  const id = license.licenseId;
  const cap = valueCap(license);
  const what = crossing.dimension === 'quantity' ? 'quantity limit' : 'value limit';
  const reached =
    crossing.dimension === 'quantity'
      ? `${units(crossing.drawn)} released of ${units(crossing.limit)} authorized`
      : `${usd(crossing.drawn)} released of the cap ${usd(crossing.limit)} (${valueLimitText(license)})`;
  const left = [
    units(Math.max(0, license.authorizedQuantity - drawn.quantity)),
    cap === undefined ? 'no value limit' : `${usd(Math.max(0, cap - drawn.value))} of value`,
  ].join(' and ');
  const exhausted =
    crossing.dimension === 'quantity' ? 'LICENSE_QUANTITY_EXHAUSTED' : 'LICENSE_VALUE_EXHAUSTED';
  // By what is drawn, not the threshold's number: an 80 % alert sent with the limit used up says so too.
  const next =
    crossing.drawn >= crossing.limit
      ? `Nothing more can be released under this limit: held shipments wait as ${exhausted} until an amendment raises it (OPERATIONS.md, "Amend a license").`
      : 'Releases go on in hold order until the limit is reached.';
  return {
    severity: 'normal',
    alertType: ALERT_TYPES.drawdown,
    subject: cutBefore(`License ${id}`, `: ${crossing.threshold} % of its ${what} drawn`),
    message: [
      `License ${id} has drawn ${crossing.threshold} % of its ${what}: ${reached}, ${percent(crossing.drawn, crossing.limit)}.`,
      `Left to release: ${left}.`,
      `Held backlog still waiting under it: ${shipments(backlog.shipments)} (${units(backlog.units)}).`,
      next,
      `Sent once per threshold (${input.thresholds.join(', ')} %) per approval, and not again for an amendment of the limit that leaves the license above it.`,
    ].join('\n'),
    subjectKey: { licenseId: id },
  };
}

/** "6 days 23 hours" until `until`, from `now`. */
function timeLeft(until: string, now: Date): string {
  const hours = Math.max(0, Math.floor((Date.parse(until) - now.getTime()) / 3_600_000));
  // A quiet lead announced in the last hour: "0 hours" would read as already ended.
  if (hours === 0) return 'less than an hour';
  const days = Math.floor(hours / 24);
  const rest = hours % 24;
  const d = days === 0 ? '' : `${days} ${days === 1 ? 'day' : 'days'}`;
  const h = rest === 0 && days > 0 ? '' : `${rest} ${rest === 1 ? 'hour' : 'hours'}`;
  return [d, h].filter(Boolean).join(' ');
}

/**
 * `validUntil` as a deadline to ship by, to the minute in UTC, cut down (never
 * later than the license allows): "2026-06-02 00:00 UTC". A date alone read
 * as "ship by 2026-06-02" would allow the whole day after a license ending at
 * midnight, and a local day in zones behind UTC.
 */
export function deadline(validUntil: string): string {
  const t = Date.parse(validUntil);
  if (Number.isNaN(t)) return validUntil;
  const iso = new Date(t).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** A license the expiry watch reports on. */
type Expiring = Pick<License, 'licenseId' | 'customerId' | 'sku' | 'validUntil'> &
  Partial<Pick<License, 'appliedStatus'>>;

/** RELEASED shipments of unknown warehouse an expiry alert names, at most. */
const UNKNOWN_LISTED = 20;

/**
 * LICENSE_EXPIRING to ops: the license expires within `lead` days while
 * shipments are still outstanding under it; units and value by status, and
 * the warehouses told. `unknown`: RELEASED shipments whose `countedAs` stamp
 * was edited, so the warehouse that holds them is not known: in no digest
 * and not in the RELEASED totals, named for a person to act.
 */
export function expiryAlert(input: {
  license: Expiring;
  lead: number;
  now: Date;
  released: Totals;
  held: Totals;
  warehouses: readonly string[];
  unknown?: readonly string[];
}): OpsAlert {
  const { license, released, held } = input;
  const id = license.licenseId;
  const suspended = license.appliedStatus === 'SUSPENDED';
  const pending = license.appliedStatus === 'PENDING';
  const line = (status: string, t: Totals, note: string) =>
    `  ${status.padEnd(10)}${shipments(t.shipments)}, ${units(t.units)}, ${usd(t.value)}: ${note}`;
  const told =
    input.warehouses.length === 0
      ? 'none'
      : `each warehouse is sent the list (LICENSE_EXPIRING digest): ${input.warehouses.join(', ')}`;
  return {
    severity: 'normal',
    alertType: ALERT_TYPES.expiring,
    // The id is cut, never the deadline.
    subject: cutBefore(
      `License ${id}`,
      ` expires in ${input.lead} ${input.lead === 1 ? 'day' : 'days'} or less (until ${deadline(license.validUntil)})`,
    ),
    message: [
      `License ${id} (customer ${license.customerId}, sku ${license.sku}${suspended || pending ? `, ${license.appliedStatus}` : ''}) expires at ${license.validUntil}, in ${timeLeft(license.validUntil, input.now)} (lead time ${input.lead} ${input.lead === 1 ? 'day' : 'days'}).`,
      'Still outstanding under it:',
      // A PENDING license has released nothing: its backlog is all HELD.
      ...(pending && released.shipments === 0
        ? []
        : [line('RELEASED', released, `must ship before then; ${told}`)]),
      line(
        'HELD',
        held,
        suspended
          ? 'cannot ship: the license is SUSPENDED, so only a reinstatement (APPROVED) before then releases them'
          : pending
            ? 'cannot ship: the license is PENDING, so only a grant (APPROVED) before then releases them'
            : 'cannot ship unless released before then',
      ),
      ...unknownLines(input.unknown ?? []),
      pending
        ? 'When validUntil passes, a grant releases nothing: the clock expires an APPROVED license past its window at once, holding its shipments as LICENSE_EXPIRED.'
        : 'When validUntil passes, the clock expires the license: its HELD shipments and any unshipped RELEASED ones are held as LICENSE_EXPIRED.',
      'To extend it, amend validUntil (OPERATIONS.md, "When a license is about to expire"); an amendment re-arms this watch.',
    ].join('\n'),
    subjectKey: { licenseId: id },
  };
}

/** The RELEASED shipments no digest lists: warehouse unknown. */
function unknownLines(ids: readonly string[]): string[] {
  if (ids.length === 0) return [];
  const more = ids.length > UNKNOWN_LISTED ? [`  … and ${ids.length - UNKNOWN_LISTED} more.`] : [];
  return [
    `Also RELEASED, in no warehouse's list and not in the totals above (${shipments(ids.length)}): tell the warehouse that holds each before then, and put each back right (OPERATIONS.md, "A shipment put back with an edited stamp"):`,
    ...ids.slice(0, UNKNOWN_LISTED).map((id) => `  ${id}: warehouse unknown: its countedAs stamp was edited`),
    ...more,
  ];
}

type Listed = Pick<Shipment, 'shipmentId' | 'customerId' | 'sku' | 'warehouseId' | 'quantity'>;

/**
 * The LICENSE_EXPIRING digests to logistics: one per warehouse holding
 * RELEASED shipments of the license, listing them in hold order (`released`
 * comes in hold order), with a `dedupKey` stable for (license, validUntil,
 * lead, warehouse): a repeat after a crash carries the same key.
 */
export function expiryDigests(input: {
  license: Expiring;
  lead: number;
  now: Date;
  released: readonly Listed[];
}): OutgoingMessage[] {
  const { license, lead } = input;
  const byWarehouse = new Map<string, Listed[]>();
  for (const s of input.released) {
    const list = byWarehouse.get(s.warehouseId);
    if (list) list.push(s);
    else byWarehouse.set(s.warehouseId, [s]);
  }
  return [...byWarehouse].map(([warehouseId, list]) => {
    const total = list.reduce((n, s) => n + s.quantity, 0);
    const lines = list
      .slice(0, EXPIRY_DIGEST_LIST_LIMIT)
      .map((s, i) => `  ${i + 1}. ${s.shipmentId}: ${s.quantity} × ${s.sku} for customer ${s.customerId}`);
    const more =
      list.length > EXPIRY_DIGEST_LIST_LIMIT
        ? [`  … and ${list.length - EXPIRY_DIGEST_LIST_LIMIT} more (${list.length} in total).`]
        : [];
    const dedupKey = `expiring#${createHash('sha256')
      .update([license.licenseId, license.validUntil, String(lead), warehouseId].join('\u0000'))
      .digest('hex')
      .slice(0, 32)}`;
    return {
      id: `logistics:${dedupKey}`,
      subject: cutBefore(
        `Warehouse ${warehouseId}: ${shipments(list.length)} under license ${license.licenseId}`,
        ` must ship before ${deadline(license.validUntil)}`,
      ),
      body: [
        `Export license ${license.licenseId} expires at ${license.validUntil}, in ${timeLeft(license.validUntil, input.now)}.`,
        `${shipments(list.length)} (${units(total)}) released under it at warehouse ${warehouseId} must ship before then.`,
        'After that they go back on hold (the export license has expired) unless the license is extended.',
        '',
        'In hold order:',
        ...lines,
        ...more,
        '',
        'Please ship these first and mark them SHIPPED.',
        '',
        '— clearance',
      ].join('\n'),
      attributes: { warehouseId, eventType: ALERT_TYPES.expiring, kind: 'digest', dedupKey },
      covers: [],
    };
  });
}
