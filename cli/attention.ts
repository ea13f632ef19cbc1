/**
 * `clearance licenses --attention`, decided without a stack: which licenses
 * need a decision or an action, why (with the numbers), and in which order.
 *
 * Most urgent first:
 *  1. shipped goods above a lowered limit (a compliance finding: escalate);
 *  2. an APPROVED or SUSPENDED license's validity ending within 7 days (or
 *     already ended, not yet expired) with unshipped units: ship or re-plan
 *     before the clock re-holds them;
 *  3. a rejected edit (`statusError`): a decision did not take effect;
 *  4. the same, ending within 30 days;
 *  5. 80 % or more of a limit drawn (quantity, or value against the cap with its tolerance);
 *  6. PENDING with a held backlog: a decision is awaited. One whose validity
 *     has ended must be denied or amended (approving it expires it at once);
 *     the clock never expires a PENDING license, so nothing is imminent.
 * Within a rank: the soonest expiry, the fullest license, the largest
 * backlog first. A license is listed once, at its most urgent reason, with
 * all its reasons. Each is judged as the system acts on it: after a rejected
 * edit, on its applied status and applied terms (as the clock reads it).
 */
import { type License, LicenseSchema, LicenseStatusSchema, parseItem } from '../shared/domain/model.js';
import { overLimits, valueCap } from '../shared/domain/planning.js';
import type { RawItem } from '../shared/domain/ports.js';
import { failSafeLicense, termsSettled, underAppliedTerms } from '../shared/domain/terms.js';
import { clip, count, plural, renderTable, show, usd } from './format.js';

/** Shipments, units and value of one license index. */
export interface IndexSum {
  shipments: number;
  units: number;
  value: number;
}

/** The HELD and RELEASED shipments of a license, summed (only the indexes `backlogNeeded` asked for). */
export interface Backlog {
  held?: IndexSum;
  released?: IndexSum;
}

export type AttentionKind =
  | 'shipped-over-limit'
  | 'expiring'
  | 'rejected-edit'
  | 'drawn'
  | 'pending-backlog'
  | 'pending-ended';

export interface AttentionReason {
  kind: AttentionKind;
  /** 1 (most urgent) to 6, as in the list above. */
  rank: number;
  text: string;
  /** Numbers behind the text, for scripts. */
  data: Record<string, number | string>;
}

export interface AttentionItem {
  licenseId: string;
  status: unknown;
  appliedStatus: unknown;
  customerId: unknown;
  reasons: AttentionReason[];
}

export const EXPIRY_WINDOW_DAYS = 30;
export const EXPIRY_URGENT_DAYS = 7;
export const DRAWN_PERCENT = 80;
const DAY_MS = 86_400_000;

/** The statuses the clock expires (shared/engine/clock.ts): only they re-hold goods at validUntil. */
const EXPIRABLE = new Set(['APPROVED', 'SUSPENDED']);

/**
 * A license item as the system acts on it. After a rejected edit
 * (`statusError`) that is its applied status and, when the terms typed do not
 * match the applied ones, its applied terms: a typo in `status` (which the
 * schema cannot parse) hides nothing, and a limit or window typed beside it is
 * not in force. As the clock reads it (shared/engine/clock.ts).
 */
function asActedOn(raw: RawItem): License | undefined {
  const applied = LicenseStatusSchema.safeParse(raw.appliedStatus);
  if (raw.statusError === undefined || !applied.success) {
    const p = parseItem(LicenseSchema, raw);
    return p.ok ? p.value : undefined;
  }
  return failSafeLicense(termsSettled(raw) ? raw : underAppliedTerms(raw), applied.data);
}

/**
 * The status the system acts on: the applied one (a rejected typo in `status`
 * changes nothing, and an edit not yet applied changes nothing yet), else
 * `status`. What `--attention --status` filters on.
 */
export const actedStatus = (raw: RawItem): unknown => raw.appliedStatus ?? raw.status;

const effective = (l: License): string => l.appliedStatus ?? l.status;

/** Milliseconds until validUntil (negative: ended), when within 30 days or ended. */
function windowEndsIn(l: License, now: Date): number | undefined {
  const left = Date.parse(l.validUntil) - now.getTime();
  return left <= EXPIRY_WINDOW_DAYS * DAY_MS ? left : undefined;
}

/** As windowEndsIn, for a license the clock will expire (and whose goods it re-holds) at validUntil. */
const expiringIn = (l: License, now: Date): number | undefined =>
  EXPIRABLE.has(effective(l)) ? windowEndsIn(l, now) : undefined;

/** Which indexes of a license must be read to judge it: only those its item alone cannot settle. */
export function backlogNeeded(raw: RawItem, now: Date): { held: boolean; released: boolean } {
  const l = asActedOn(raw);
  if (!l) return { held: false, released: false };
  const expiring = expiringIn(l, now) !== undefined;
  return {
    held: expiring || effective(l) === 'PENDING',
    released: expiring || (overLimits(l) && l.pendingWork === undefined),
  };
}

/** "in 3 days", "in 5 hours", "2 days ago". */
function when(ms: number): string {
  const abs = Math.abs(ms);
  const span =
    abs >= DAY_MS
      ? plural(Math.floor(abs / DAY_MS), 'day')
      : plural(Math.max(1, Math.ceil(abs / 3_600_000)), 'hour');
  return ms >= 0 ? `in ${span}` : `${span} ago`;
}

function shippedOverLimit(l: License, backlog: Backlog): AttentionReason[] {
  if (!overLimits(l) || l.pendingWork !== undefined || (backlog.released?.shipments ?? 0) > 0) return [];
  const cap = valueCap(l);
  const over = [
    ...(l.releasedQuantity > l.authorizedQuantity
      ? [
          `${count(l.releasedQuantity)} units shipped, above authorizedQuantity ${count(l.authorizedQuantity)}`,
        ]
      : []),
    ...(cap !== undefined && l.releasedValue > cap
      ? [`${usd(l.releasedValue)} shipped, above the value limit ${usd(cap)}`]
      : []),
  ];
  return [
    {
      kind: 'shipped-over-limit',
      rank: 1,
      text: `shipped goods above a lowered limit: ${over.join('; ')} (escalate to compliance)`,
      data: {
        shippedQuantity: l.releasedQuantity,
        authorizedQuantity: l.authorizedQuantity,
        ...(cap === undefined ? {} : { shippedValue: l.releasedValue, valueCap: cap }),
      },
    },
  ];
}

function expiring(l: License, backlog: Backlog, now: Date): AttentionReason[] {
  const left = expiringIn(l, now);
  const released = backlog.released?.units ?? 0;
  const held = backlog.held?.units ?? 0;
  if (left === undefined || released + held === 0) return [];
  const what = [
    ...(released > 0 ? [`${plural(released, 'unit')} released unshipped`] : []),
    ...(held > 0 ? [`${plural(held, 'unit')} held`] : []),
  ].join(', ');
  const head =
    left >= 0
      ? `expires ${when(left)} (${l.validUntil})`
      : `validity ended ${when(left)} (${l.validUntil}), not expired yet`;
  return [
    {
      kind: 'expiring',
      rank: left <= EXPIRY_URGENT_DAYS * DAY_MS ? 2 : 4,
      text: `${head}: ${what}`,
      data: { validUntil: l.validUntil, msLeft: left, releasedUnits: released, heldUnits: held },
    },
  ];
}

function drawn(l: License): AttentionReason[] {
  if (effective(l) !== 'APPROVED' && effective(l) !== 'SUSPENDED') return [];
  // The value limit is the cap with its tolerance, as for LICENSE_DRAWDOWN and the release itself.
  const cap = valueCap(l);
  const quantity = (l.releasedQuantity * 100) / l.authorizedQuantity;
  const value = cap === undefined || cap === 0 ? 0 : (l.releasedValue * 100) / cap;
  const percent = Math.max(quantity, value);
  if (percent < DRAWN_PERCENT) return [];
  const byQuantity = quantity >= value;
  const text = byQuantity
    ? `${Math.floor(quantity)} % of authorizedQuantity drawn (${count(l.releasedQuantity)} of ${count(l.authorizedQuantity)} units)`
    : `${Math.floor(value)} % of the value cap drawn (${usd(l.releasedValue)} of ${usd(cap ?? 0)})`;
  // The limit the percent is of, and its figures: units of authorizedQuantity, or dollars of the value cap.
  const figures = byQuantity
    ? { limit: 'quantity', drawn: l.releasedQuantity, cap: l.authorizedQuantity }
    : { limit: 'value', drawn: l.releasedValue, cap: cap ?? 0 };
  return [{ kind: 'drawn', rank: 5, text, data: { percent: Math.floor(percent), ...figures } }];
}

/**
 * A PENDING license's held backlog: approve or deny. Once its window has
 * ended, approving it would expire it at once (the release pass of an
 * APPROVED license past validUntil expires it), so: deny, or amend validUntil
 * first. The clock leaves a PENDING license as it is, so neither is imminent.
 */
function pendingBacklog(l: License, backlog: Backlog, now: Date): AttentionReason[] {
  const held = backlog.held;
  if (effective(l) !== 'PENDING' || held === undefined || held.shipments === 0) return [];
  const units = `${plural(held.units, 'unit')} held in ${plural(held.shipments, 'shipment')}${held.value > 0 ? ` (${usd(held.value)})` : ''}`;
  const data = { heldShipments: held.shipments, heldUnits: held.units, heldValue: held.value };
  const left = windowEndsIn(l, now);
  if (left !== undefined && left < 0)
    return [
      {
        kind: 'pending-ended',
        rank: 6,
        text: `PENDING, validity ended ${when(left)} (${l.validUntil}): deny it, or amend validUntil before approving; ${units}`,
        data: { ...data, validUntil: l.validUntil, msLeft: left },
      },
    ];
  const ends = left === undefined ? '' : ` (validity ends ${when(left)}, ${l.validUntil})`;
  return [
    {
      kind: 'pending-backlog',
      rank: 6,
      text: `PENDING with ${units}: approve or deny${ends}`,
      data: left === undefined ? data : { ...data, validUntil: l.validUntil, msLeft: left },
    },
  ];
}

/** Why one license needs attention; empty when it does not. */
export function reasonsFor(raw: RawItem, backlog: Backlog, now: Date): AttentionReason[] {
  const rejected: AttentionReason[] =
    raw.statusError === undefined
      ? []
      : [
          {
            kind: 'rejected-edit',
            rank: 3,
            text: `rejected edit, not in effect: ${clip(show(raw.statusError), 100)}`,
            data: { statusError: show(raw.statusError) },
          },
        ];
  const l = asActedOn(raw);
  if (!l) return rejected;
  return [
    ...shippedOverLimit(l, backlog),
    ...expiring(l, backlog, now),
    ...rejected,
    ...drawn(l),
    ...pendingBacklog(l, backlog, now),
  ].sort((a, b) => a.rank - b.rank);
}

/** Orders within a rank: the soonest expiry, the fullest license, the largest backlog first. */
function urgency(item: AttentionItem): [number, number] {
  const top = item.reasons[0];
  if (!top) return [99, 0];
  const n = (k: string) => Number(top.data[k] ?? 0);
  if (top.kind === 'expiring') return [top.rank, n('msLeft')];
  if (top.kind === 'drawn') return [top.rank, -n('percent')];
  if (top.kind === 'pending-backlog' || top.kind === 'pending-ended') return [top.rank, -n('heldUnits')];
  return [top.rank, 0];
}

/** The licenses that need attention, most urgent first. */
export function rankAttention(
  licenses: readonly RawItem[],
  backlogs: ReadonlyMap<string, Backlog>,
  now: Date,
): AttentionItem[] {
  const items: AttentionItem[] = [];
  for (const raw of licenses) {
    const licenseId = String(raw.licenseId);
    const reasons = reasonsFor(raw, backlogs.get(licenseId) ?? {}, now);
    if (reasons.length === 0) continue;
    items.push({
      licenseId,
      status: raw.status,
      appliedStatus: raw.appliedStatus,
      customerId: raw.customerId,
      reasons,
    });
  }
  return items.sort((a, b) => {
    const [x, y] = [urgency(a), urgency(b)];
    return x[0] - y[0] || x[1] - y[1] || (a.licenseId < b.licenseId ? -1 : a.licenseId > b.licenseId ? 1 : 0);
  });
}

/** "APPROVED", or "PENDING (applied APPROVED)" when the item shows a status the system has not applied. */
const statusCell = (item: AttentionItem) =>
  item.appliedStatus === undefined || item.appliedStatus === item.status
    ? show(item.status)
    : `${show(item.status)} (applied ${show(item.appliedStatus)})`;

/** The attention list for people: one row per reason, the license's first row naming it. */
export function attentionTable(items: readonly AttentionItem[], now: Date): string {
  if (items.length === 0) return `No license needs attention (as of ${now.toISOString()}).`;
  const rows = items.flatMap((item, n) =>
    item.reasons.map((reason, i) =>
      i === 0
        ? [String(n + 1), item.licenseId, statusCell(item), show(item.customerId), reason.text]
        : ['', '', '', '', reason.text],
    ),
  );
  return [
    `${plural(items.length, 'license')} ${items.length === 1 ? 'needs' : 'need'} attention, most urgent first (as of ${now.toISOString()}):`,
    renderTable(
      [
        { header: '#', align: 'right' },
        { header: 'LICENSE' },
        { header: 'STATUS' },
        { header: 'CUSTOMER' },
        { header: 'WHY' },
      ],
      rows,
    ),
  ].join('\n');
}
