import type { HistoryEntry, HistoryEventType, Trigger } from '../shared/domain/history.js';
import { UNKNOWN_ACTOR } from '../shared/domain/history.js';
import type { RawItem } from '../shared/domain/ports.js';
import { UsageError } from './errors.js';

/**
 * History as the CLI reads it (docs/data-contract.md, "History"): entries
 * read leniently (an auditor must see every entry, even a malformed one),
 * the running balance a license's entries draw, how that balance compares
 * with the license's own `releasedQuantity` and `releasedValue`, and the
 * time windows of `report usage`.
 */

/** Units and dollars, drawn or returned. */
export interface Amount {
  quantity: number;
  value: number;
}

export const ZERO: Amount = Object.freeze({ quantity: 0, value: 0 });

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const nullable = (v: unknown): string | null | undefined => (v === null ? null : text(v));

function readTrigger(v: unknown): Trigger | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const t = v as Record<string, unknown>;
  const eventType = text(t.eventType);
  if (eventType === undefined) return undefined;
  const reason = text(t.reason);
  return {
    eventType: eventType as Trigger['eventType'],
    actor: text(t.actor) ?? UNKNOWN_ACTOR,
    ...(reason ? { reason } : {}),
  };
}

function readDrawn(v: unknown): Amount | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const d = v as Record<string, unknown>;
  return { quantity: num(d.quantity) ?? 0, value: num(d.value) ?? 0 };
}

/** One stored History item as an entry; a missing actor reads `unknown`, like an edit without `updatedBy`. */
export function toEntry(raw: RawItem): HistoryEntry {
  const optional = {
    reason: text(raw.reason),
    trigger: readTrigger(raw.trigger),
    shipmentId: text(raw.shipmentId),
    quantity: num(raw.quantity),
    value: num(raw.value),
    status: text(raw.status),
    previousStatus: nullable(raw.previousStatus),
    holdReason: nullable(raw.holdReason),
    drawn: readDrawn(raw.drawn),
    changes: text(raw.changes),
  };
  return {
    licenseId: String(raw.licenseId ?? ''),
    entryId: String(raw.entryId ?? ''),
    at: String(raw.at ?? ''),
    eventType: String(raw.eventType ?? '') as HistoryEventType,
    actor: text(raw.actor) ?? UNKNOWN_ACTOR,
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
  };
}

/** A shipment entry that moved units or value: a draw (+) or a return (−). */
export const isDraw = (e: HistoryEntry): boolean =>
  e.shipmentId !== undefined &&
  e.eventType !== 'EDIT_REJECTED' &&
  e.drawn !== undefined &&
  (e.drawn.quantity !== 0 || e.drawn.value !== 0);

/** An entry with the license's balance after it. */
export interface BalanceRow {
  entry: HistoryEntry;
  balance: Amount;
}

/** What a run of entries drew, returned, and nets to. */
export interface DrawTotals {
  drew: Amount;
  returned: Amount;
  net: Amount;
}

const add = (a: Amount, b: Amount): Amount => ({
  quantity: a.quantity + b.quantity,
  value: a.value + b.value,
});

/** Adds one entry's draw to `totals` (a negative draw is a return). */
export function addDraw(totals: DrawTotals, drawn: Amount): DrawTotals {
  const positive = { quantity: Math.max(0, drawn.quantity), value: Math.max(0, drawn.value) };
  const negative = { quantity: Math.max(0, -drawn.quantity), value: Math.max(0, -drawn.value) };
  return {
    drew: add(totals.drew, positive),
    returned: add(totals.returned, negative),
    net: add(totals.net, drawn),
  };
}

export const noDraws = (): DrawTotals => ({ drew: ZERO, returned: ZERO, net: ZERO });

/** The running balance of a license's entries, in the order given (time order). */
export function runningBalance(entries: readonly HistoryEntry[]): { rows: BalanceRow[]; totals: DrawTotals } {
  let totals = noDraws();
  const rows = entries.map((entry) => {
    if (isDraw(entry) && entry.drawn) totals = addDraw(totals, entry.drawn);
    return { entry, balance: totals.net };
  });
  return { rows, totals };
}

/** Entries of one license in time order: by `entryId`, which starts with `at`. */
export const byEntryId = (a: HistoryEntry, b: HistoryEntry): number =>
  a.licenseId.localeCompare(b.licenseId) || a.entryId.localeCompare(b.entryId);

/** Entries of one shipment in time order: by `at` (as times), then `entryId`. */
export const byTime = (a: HistoryEntry, b: HistoryEntry): number =>
  (Date.parse(a.at) || 0) - (Date.parse(b.at) || 0) || a.entryId.localeCompare(b.entryId);

/** Why the entry's change was made: the reason, who set off a system decision, the terms amended. */
export function reasonText(e: HistoryEntry): string {
  const t = e.trigger;
  const decision = t ? `${t.eventType} by ${t.actor}${t.reason ? `: ${t.reason}` : ''}` : undefined;
  // The clock's expiry was set off by validUntil, not by the license's decision before it: named as such.
  if (decision && e.eventType.startsWith('LICENSE_'))
    return [e.reason, `previous decision ${decision}`, e.changes].filter((p) => p).join('; ');
  const parts: string[] = [];
  if (decision) parts.push(`after ${decision}`);
  if (e.reason) parts.push(e.reason);
  if (e.changes) parts.push(e.changes);
  return parts.join('; ');
}

/** "by clearance after LICENSE_APPROVED by alice: BIS letter 117", "by alice: BIS letter 117". */
export function decidedBy(e: HistoryEntry): string {
  const why = reasonText(e);
  if (e.trigger) return `by ${e.actor} ${why}`;
  return `by ${e.actor}${why ? `: ${why}` : ''}`;
}

/** How History's net draw compares with what a license says it has released. */
export interface BalanceCheck {
  licenseId: string;
  history: Amount;
  /** The license's `releasedQuantity` and `releasedValue` (absent: 0); undefined when the license is not in the table. */
  released?: Amount;
  matches: boolean;
  /** The system is still applying a change to the license: a difference may close by itself. */
  busy: boolean;
}

/** Compares `history` (the net of a license's draws) with the license item (undefined: not in the table). */
export function checkBalance(licenseId: string, history: Amount, license: RawItem | undefined): BalanceCheck {
  if (license === undefined) return { licenseId, history, matches: false, busy: false };
  const released = { quantity: num(license.releasedQuantity) ?? 0, value: num(license.releasedValue) ?? 0 };
  const busy =
    license.pendingWork !== undefined ||
    (license.status !== license.appliedStatus && license.statusError === undefined);
  return {
    licenseId,
    history,
    released,
    matches: released.quantity === history.quantity && released.value === history.value,
    busy,
  };
}

const n = (x: number) => x.toLocaleString('en-US');
const dollars = (x: number) => `${x < 0 ? '-' : ''}$${n(Math.abs(x))}`;
const signed = (x: number, show: (v: number) => string) =>
  `${x > 0 ? '+' : x < 0 ? '-' : ''}${show(Math.abs(x))}`;

/** What differs, in words, naming the attribute and which side has more. */
export function differenceText(c: BalanceCheck): string {
  if (c.released === undefined) {
    return `${c.licenseId} is not in the Licenses table, but its History entries net ${n(c.history.quantity)} units / ${dollars(c.history.value)}`;
  }
  const parts: string[] = [];
  if (c.released.quantity !== c.history.quantity) {
    parts.push(
      `releasedQuantity is ${n(c.released.quantity)} but History nets ${n(c.history.quantity)} units (${signed(c.released.quantity - c.history.quantity, n)} on the license)`,
    );
  }
  if (c.released.value !== c.history.value) {
    parts.push(
      `releasedValue is ${dollars(c.released.value)} but History nets ${dollars(c.history.value)} (${signed(c.released.value - c.history.value, (v) => `$${n(v)}`)} on the license)`,
    );
  }
  const busy = c.busy ? ' (the system is still applying a change to it: run again once it settles)' : '';
  return `${c.licenseId}: ${parts.join('; ')}${busy}`;
}

/** A time window of `report usage`: `from` inclusive, `until` exclusive, in epoch milliseconds. */
export interface TimeWindow {
  from?: number;
  until?: number;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

function validDay(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/**
 * Parses `--from` / `--to`: an ISO-8601 date (`2026-03-01`, a whole UTC day)
 * or time with a zone (`2026-03-01T09:00:00Z`, `…+02:00`). A date as `--to`
 * includes that whole day.
 */
export function parseTimeOption(flag: '--from' | '--to', value: string): number {
  const v = value.trim();
  const date = DATE.exec(v);
  const time = date ? undefined : TIME.exec(v);
  const parts = (date ?? time)?.slice(1, 4).map(Number) ?? [];
  const [y = 0, m = 0, d = 0] = parts;
  const clock = time ? [Number(time[4]), Number(time[5]), Number(time[6] ?? 0)] : [0, 0, 0];
  const ok =
    (date || time) &&
    validDay(y, m, d) &&
    (clock[0] ?? 0) < 24 &&
    (clock[1] ?? 0) < 60 &&
    (clock[2] ?? 0) < 60 &&
    !Number.isNaN(Date.parse(v));
  if (!ok) {
    const hint = /^\d{4}-\d{2}-\d{2}T[\d:.]+$/.test(v)
      ? ' (add Z for UTC: a time without a zone is ambiguous)'
      : '';
    throw new UsageError(
      `${flag} must be an ISO-8601 date (2026-03-01) or time with a zone (2026-03-01T09:00:00Z), not "${value}"${hint}`,
    );
  }
  // Date.parse, not Date.UTC, which reads the years 0–99 as 1900–1999 (a mistyped 0026 as 1926).
  const ms = date ? Date.parse(`${v}T00:00:00Z`) : Date.parse(v);
  if (flag === '--to') return date ? ms + 86_400_000 : ms + 1;
  return ms;
}

/** The window of `--from` / `--to`, checked: `--from` must come before `--to`. */
export function timeWindow(opts: { from?: string; to?: string }): TimeWindow {
  const from = opts.from === undefined ? undefined : parseTimeOption('--from', opts.from);
  const until = opts.to === undefined ? undefined : parseTimeOption('--to', opts.to);
  if (from !== undefined && until !== undefined && from >= until) {
    throw new UsageError(
      `--from (${opts.from}) must come before --to (${opts.to}); swap them, or widen the window`,
    );
  }
  return { ...(from === undefined ? {} : { from }), ...(until === undefined ? {} : { until }) };
}

export const isWindowed = (w: TimeWindow): boolean => w.from !== undefined || w.until !== undefined;

/** Whether an entry's `at` falls in the window (an unreadable `at` falls in no window). */
export function inWindow(at: string, w: TimeWindow): boolean {
  if (!isWindowed(w)) return true;
  const t = Date.parse(at);
  if (Number.isNaN(t)) return false;
  return (w.from === undefined || t >= w.from) && (w.until === undefined || t < w.until);
}

/** The window in words: "2026-03-01T00:00:00.000Z to 2026-06-01T00:00:00.000Z (exclusive)", or "all of History". */
export function windowText(w: TimeWindow): string {
  if (!isWindowed(w)) return 'all of History';
  const from = w.from === undefined ? 'the beginning' : new Date(w.from).toISOString();
  const until = w.until === undefined ? 'now' : `${new Date(w.until).toISOString()} (exclusive)`;
  return `${from} to ${until}`;
}
