/**
 * The rules of the compliance alerts to ops (docs/data-contract.md,
 * "Notifications"): drawdown thresholds a license crosses, and the lead times
 * before `validUntil` the clock warns at. Pure: what is due, given what the
 * license records as already announced (`drawdownAlerted`, `expiryAlerted`;
 * docs/system-attributes.md).
 */
import type { License } from './model.js';
import { valueCap } from './planning.js';
import { sameInstant } from './terms.js';

/** Percentages of a limit ops is told about by default (`-c drawdownThresholds`). */
export const DEFAULT_DRAWDOWN_THRESHOLDS: readonly number[] = [80, 90, 100];
/** Days before `validUntil` the clock warns at by default (`-c expiryLeadDays`). */
export const DEFAULT_EXPIRY_LEAD_DAYS: readonly number[] = [30, 7, 1];
/** The longest lead time: a year. */
export const MAX_EXPIRY_LEAD_DAYS = 365;

const DAY_MS = 86_400_000;

/** A list setting as read from context or environment: the numbers, or why not. */
export type ListSetting = { ok: true; value: number[] } | { ok: false; problem: string };

/**
 * Reads a list of whole numbers from `min` to `max`: a comma-separated string
 * (`80,90,100`, as `-c` and environment variables pass it), one number, or an
 * array (cdk.json). Sorted, without repeats; at least one.
 */
function parseWholeList(raw: unknown, min: number, max: number, what: string, example: string): ListSetting {
  const parts = Array.isArray(raw)
    ? raw
    : typeof raw === 'number'
      ? [raw]
      : typeof raw === 'string'
        ? raw.split(',')
        : undefined;
  const numbers = parts?.map((p) => (typeof p === 'string' && p.trim() !== '' ? Number(p) : p));
  const bad =
    numbers === undefined ||
    numbers.length === 0 ||
    numbers.some((n) => typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max);
  if (bad) {
    const got = typeof raw === 'string' ? `"${raw}"` : JSON.stringify(raw);
    return {
      ok: false,
      problem: `must be ${what} from ${min} to ${max}, comma-separated (e.g. ${example}); got ${got}`,
    };
  }
  return { ok: true, value: [...new Set(numbers as number[])].sort((a, b) => a - b) };
}

/** The drawdown thresholds: whole percentages 1..100. */
export const parseDrawdownThresholds = (raw: unknown): ListSetting =>
  parseWholeList(raw, 1, 100, 'whole percentages', '80,90,100');

/** The expiry lead times: whole days 1..365. */
export const parseExpiryLeadDays = (raw: unknown): ListSetting =>
  parseWholeList(raw, 1, MAX_EXPIRY_LEAD_DAYS, 'whole numbers of days', '30,7,1');

const numberList = (v: unknown): number[] =>
  Array.isArray(v) ? v.filter((n): n is number => typeof n === 'number' && Number.isFinite(n)) : [];
const record = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const union = (a: readonly number[], b: readonly number[]) =>
  [...new Set([...a, ...b])].sort((x, y) => x - y);

// ----------------------------------------------------------------- drawdown

/**
 * `drawdownAlerted`: the thresholds announced under one approval, per limit.
 * `approval` is the `at` of the LICENSE_APPROVED decision, stamped by the
 * transaction that commits the approval (a reinstatement is a new approval,
 * so a fresh record). A limit's list holds for the limit it was announced
 * against (`quantityLimit`, `valueLimit`: the value cap); an amendment that
 * changes a limit carries the list over to the new one (`carriedOver`).
 */
export interface DrawdownRecord {
  approval?: string;
  quantityLimit?: number;
  quantity: number[];
  valueLimit?: number;
  value: number[];
}

/** Reads `drawdownAlerted` leniently: anything unreadable counts as nothing announced (at least once). */
export function readDrawdownRecord(v: unknown): DrawdownRecord {
  const r = record(v);
  return {
    ...(typeof r.approval === 'string' ? { approval: r.approval } : {}),
    ...(typeof r.quantityLimit === 'number' ? { quantityLimit: r.quantityLimit } : {}),
    quantity: numberList(r.quantity),
    ...(typeof r.valueLimit === 'number' ? { valueLimit: r.valueLimit } : {}),
    value: numberList(r.value),
  };
}

/** The record a new approval starts with (stamped in the approval's own transaction). */
export const approvalRecord = (approvedAt: string): DrawdownRecord => ({
  approval: approvedAt,
  quantity: [],
  value: [],
});

export type DrawdownDimension = 'quantity' | 'value';

/** One threshold a license has reached and not yet announced. */
export interface DrawdownCrossing {
  dimension: DrawdownDimension;
  threshold: number;
  /** `authorizedQuantity`, or the value cap (`authorizedValue` with its tolerance). */
  limit: number;
  drawn: number;
}

type Limits = Pick<License, 'authorizedQuantity' | 'authorizedValue' | 'valueTolerancePercent'>;

type Drawn = { quantity: number; value: number };

/** Whether `amount` reaches `threshold` % of `limit`. */
const reaches = (amount: number, threshold: number, limit: number) => amount * 100 >= threshold * limit;

/** Each limit as the record keeps it: dimension, the limit now (undefined: none), the draw. */
function dimensions(license: Limits, drawn: Drawn): [DrawdownDimension, number | undefined, number][] {
  return [
    ['quantity', license.authorizedQuantity, drawn.quantity],
    ['value', valueCap(license), drawn.value],
  ];
}

/** The thresholds already announced for the limit as it is now. */
function announced(rec: DrawdownRecord, dimension: DrawdownDimension, limit: number): number[] {
  const was = dimension === 'quantity' ? rec.quantityLimit : rec.valueLimit;
  return was === limit ? rec[dimension] : [];
}

/**
 * The thresholds `drawn` has reached and `rec` does not list, above the
 * highest it lists for that limit, quantity first, each in ascending order. A threshold t is reached when drawn ≥ t % of the
 * limit (so 100 % means nothing is left). Value counts only under a value
 * limit, against its cap: what the system lets a license release.
 */
export function drawdownCrossings(
  license: Limits,
  drawn: { quantity: number; value: number },
  rec: DrawdownRecord,
  thresholds: readonly number[],
): DrawdownCrossing[] {
  const out: DrawdownCrossing[] = [];
  for (const [dimension, limit, amount] of dimensions(license, drawn)) {
    if (limit === undefined || limit <= 0) continue;
    const done = announced(rec, dimension, limit);
    // A threshold below one announced was passed on the way there: one added to the configuration
    // later (a redeploy) is not a crossing, and is not sent long after the fact.
    // Only thresholds a configuration can hold (1..100): a record damaged by hand only repeats an alert.
    const highest = Math.max(-Infinity, ...done.filter((t) => Number.isInteger(t) && t >= 1 && t <= 100));
    for (const threshold of [...thresholds].sort((a, b) => a - b)) {
      if (reaches(amount, threshold, limit) && !done.includes(threshold) && threshold > highest)
        out.push({ dimension, threshold, limit, drawn: amount });
    }
  }
  return out;
}

/** `rec` with `crossings` announced, against the license's limits as they are now. */
export function withAnnounced(
  rec: DrawdownRecord,
  license: Limits,
  crossings: readonly DrawdownCrossing[],
): DrawdownRecord {
  const cap = valueCap(license);
  const add = (d: DrawdownDimension) => crossings.filter((c) => c.dimension === d).map((c) => c.threshold);
  return {
    ...(rec.approval === undefined ? {} : { approval: rec.approval }),
    quantityLimit: license.authorizedQuantity,
    quantity: union(announced(rec, 'quantity', license.authorizedQuantity), add('quantity')),
    ...(cap === undefined
      ? { value: [] }
      : { valueLimit: cap, value: union(announced(rec, 'value', cap), add('value')) }),
  };
}

/**
 * The record an amendment leaves, judged with what the license draws as it
 * is amended (`drawn`): for each limit whose list was announced against
 * another number than the limit now, a threshold stays announced if `drawn`
 * reaches it under the old limit and under the new one; the others are
 * dropped. So a raised limit sends nothing again, and a threshold it leaves
 * the license below is announced when a release reaches it again; a lowered
 * limit announces (once, at the end of its pass) only the thresholds it takes
 * the license across. A limit removed drops its list; one added starts
 * empty. Undefined when no list changes (nothing to write).
 */
export function carriedOver(rec: DrawdownRecord, license: Limits, drawn: Drawn): DrawdownRecord | undefined {
  const lists = { quantity: rec.quantity, value: rec.value };
  const limits = { quantity: rec.quantityLimit, value: rec.valueLimit };
  let changed = false;
  for (const [dimension, limit, amount] of dimensions(license, drawn)) {
    const was = limits[dimension];
    if (lists[dimension].length === 0 || was === limit) continue;
    lists[dimension] =
      was === undefined || limit === undefined || limit <= 0
        ? []
        : lists[dimension].filter((t) => reaches(amount, t, was) && reaches(amount, t, limit));
    limits[dimension] = limit;
    changed = true;
  }
  if (!changed) return undefined;
  return {
    ...(rec.approval === undefined ? {} : { approval: rec.approval }),
    ...(limits.quantity === undefined ? {} : { quantityLimit: limits.quantity }),
    quantity: lists.quantity,
    ...(limits.value === undefined ? {} : { valueLimit: limits.value }),
    value: lists.value,
  };
}

/**
 * `rec` without the thresholds the license no longer reaches under the limit
 * each list was announced against (a trim back within a lowered limit freed
 * the units): a release that reaches one again announces it again.
 */
export function withoutUnreached(rec: DrawdownRecord, license: Limits, drawn: Drawn): DrawdownRecord {
  let next = rec;
  for (const [dimension, limit, amount] of dimensions(license, drawn)) {
    const was = dimension === 'quantity' ? rec.quantityLimit : rec.valueLimit;
    if (was !== limit || limit === undefined) continue;
    const kept = rec[dimension].filter((t) => reaches(amount, t, limit));
    if (kept.length < rec[dimension].length) next = { ...next, [dimension]: kept };
  }
  return next;
}

// ------------------------------------------------------------------- expiry

/**
 * `expiryAlerted`: the lead times (days) already judged for one `validUntil`,
 * and (`quiet`, left out when empty) those of them judged with nothing HELD
 * or RELEASED under the license and not announced since: the clock looks
 * again at the nearest while it is quiet (quietLead). A record written before
 * `quiet` existed has none: its leads count as announced. `pending` (left out
 * unless true) says the leads were judged while the license was PENDING:
 * its HELD backlog announced to ops, no warehouse told (nothing was
 * RELEASED). A grant re-arms the watch, as an amendment does, so the
 * warehouses get the lead due then with the shipments it released.
 */
export interface ExpiryRecord {
  validUntil: string;
  leads: number[];
  quiet?: number[];
  pending?: true;
}

/**
 * The leads judged for `validUntil` while the license was PENDING
 * (`pending`) or not: none when the record is for another `validUntil` (an
 * amendment re-arms) or for the other (a grant re-arms).
 */
export function judgedLeads(v: unknown, validUntil: string, pending = false): number[] {
  const r = record(v);
  return sameInstant(r.validUntil, validUntil) && (r.pending === true) === pending ? numberList(r.leads) : [];
}

/** The judged leads of `validUntil` (and `pending`) that were quiet (nothing outstanding) and not announced since. */
export function quietLeads(v: unknown, validUntil: string, pending = false): number[] {
  const judged = judgedLeads(v, validUntil, pending);
  return numberList(record(v).quiet).filter((d) => judged.includes(d));
}

/**
 * The lead times that have come due at `now` and were not judged yet,
 * nearest (smallest) first: a lead of d days is due from `validUntil` − d
 * days until `validUntil`, unless a nearer lead was judged. Empty once
 * `validUntil` has passed.
 */
export function dueLeads(
  validUntil: string,
  now: Date,
  leadDays: readonly number[],
  judged: readonly number[],
): number[] {
  const until = Date.parse(validUntil);
  const t = now.getTime();
  if (!(t <= until)) return [];
  // A lead longer than one judged came due before it: one added to the configuration later (a
  // redeploy) is as stale as the farther leads judged silently when several come due together.
  // Only leads a configuration can hold (1..365): a record damaged by hand only repeats an alert.
  const nearestJudged = Math.min(
    Infinity,
    ...judged.filter((d) => Number.isInteger(d) && d >= 1 && d <= MAX_EXPIRY_LEAD_DAYS),
  );
  return leadDays
    .filter((d) => t >= until - d * DAY_MS && !judged.includes(d) && d < nearestJudged)
    .sort((a, b) => a - b);
}

/**
 * The lead to announce as soon as something is HELD or RELEASED under the
 * license: the nearest judged lead, when it was judged quiet, no later lead
 * has come due since (the nearest due lead is the one sent, as when several
 * come due together) and `validUntil` has not passed. Undefined otherwise.
 */
export function quietLead(
  v: unknown,
  validUntil: string,
  now: Date,
  leadDays: readonly number[],
  pending = false,
): number | undefined {
  const judged = judgedLeads(v, validUntil, pending);
  if (judged.length === 0 || dueLeads(validUntil, now, leadDays, judged).length > 0) return undefined;
  if (!(now.getTime() <= Date.parse(validUntil))) return undefined;
  const nearest = Math.min(...judged);
  return quietLeads(v, validUntil, pending).includes(nearest) ? nearest : undefined;
}

/**
 * The record after judging `due` for `validUntil`: `quiet` says whether
 * nothing was outstanding (the due leads join the quiet ones) or they were
 * announced (no lead is quiet any more: the nearest due one was sent).
 */
export const withJudged = (
  validUntil: string,
  judged: readonly number[],
  due: readonly number[],
  quiet: { was: readonly number[]; now: boolean } = { was: [], now: false },
  pending = false,
): ExpiryRecord => {
  const stillQuiet = quiet.now ? union(quiet.was, due).sort((a, b) => b - a) : [];
  return {
    validUntil,
    leads: union(judged, due).sort((a, b) => b - a),
    ...(stillQuiet.length > 0 ? { quiet: stillQuiet } : {}),
    ...(pending ? { pending } : {}),
  };
};

const byDayDesc = (leads: readonly number[]) => [...leads].sort((a, b) => b - a);

/**
 * `ours`, a tick's record judged from the record it read, merged with
 * `current`, the one on the item now (another tick's, overlapping or
 * delivered twice, written meanwhile): every lead either judged, and quiet
 * only those neither says were sent (a lead judged and not quiet was sent,
 * or passed over for a nearer one sent). A record for another `validUntil`,
 * or unreadable, counts for nothing: `ours` replaces it.
 */
export function mergeExpiry(current: unknown, ours: ExpiryRecord): ExpiryRecord {
  const pending = ours.pending === true;
  const theirs = judgedLeads(current, ours.validUntil, pending);
  const theirQuiet = quietLeads(current, ours.validUntil, pending);
  const ourQuiet = ours.quiet ?? [];
  const sent = [
    ...theirs.filter((d) => !theirQuiet.includes(d)),
    ...ours.leads.filter((d) => !ourQuiet.includes(d)),
  ];
  const quiet = byDayDesc(union(theirQuiet, ourQuiet).filter((d) => !sent.includes(d)));
  return {
    validUntil: ours.validUntil,
    leads: byDayDesc(union(theirs, ours.leads)),
    ...(quiet.length > 0 ? { quiet } : {}),
    ...(pending ? { pending } : {}),
  };
}

/** Whether `v` reads as `rec`: the same `validUntil` and `pending`, leads judged and quiet ones. */
export function readsAs(v: unknown, rec: ExpiryRecord): boolean {
  const same = (a: readonly number[], b: readonly number[]) =>
    a.length === b.length && union(a, b).length === a.length;
  const pending = rec.pending === true;
  return (
    sameInstant(record(v).validUntil, rec.validUntil) &&
    (record(v).pending === true) === pending &&
    same(judgedLeads(v, rec.validUntil, pending), rec.leads) &&
    same(quietLeads(v, rec.validUntil, pending), rec.quiet ?? [])
  );
}
