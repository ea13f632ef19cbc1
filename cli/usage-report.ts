import type { HistoryEntry } from '../shared/domain/history.js';
import type { RawItem } from '../shared/domain/ports.js';
import { type CsvValue, renderCsv } from './csv.js';
import {
  type Amount,
  addDraw,
  type BalanceCheck,
  byEntryId,
  checkBalance,
  type DrawTotals,
  inWindow,
  isDraw,
  isWindowed,
  noDraws,
  reasonText,
  type TimeWindow,
  windowText,
} from './history.js';

/**
 * `clearance report usage`: one row per draw or return (a shipment entry
 * whose drawn quantity or value is not zero), totals per license and overall,
 * and, over the whole history, the reconciliation of each license's net draw
 * with its `releasedQuantity` and `releasedValue`.
 */

/** One draw (+) or return (−). */
export interface UsageRow {
  licenseId: string;
  at: string;
  shipmentId: string;
  eventType: string;
  /** Signed: + drawn from the license, − returned to it. */
  quantity: number;
  value: number;
  actor: string;
  reason: string;
  entryId: string;
}

export interface LicenseUsage extends DrawTotals {
  licenseId: string;
  rows: number;
}

/** What the report concludes about the licenses' own counters. */
export type Reconciliation =
  | { kind: 'reconciled'; licenses: number; total: Amount }
  | { kind: 'differs'; licenses: number; total: Amount; differences: BalanceCheck[] }
  /** A window was asked for: the counters count every draw, so there is nothing to compare with. */
  | { kind: 'windowed'; window: string };

export interface UsageReport {
  window: { from?: string; until?: string; text: string };
  rows: UsageRow[];
  licenses: LicenseUsage[];
  overall: DrawTotals & { rows: number };
  reconciliation: Reconciliation;
}

const toRow = (e: HistoryEntry): UsageRow => ({
  licenseId: e.licenseId,
  at: e.at,
  shipmentId: e.shipmentId ?? '',
  eventType: e.eventType,
  quantity: e.drawn?.quantity ?? 0,
  value: e.drawn?.value ?? 0,
  actor: e.actor,
  reason: reasonText(e),
  entryId: e.entryId,
});

/**
 * Builds the report from the licenses read and their History entries. Every
 * license in `licenses` is reconciled (none drawn: 0 against its counters),
 * and so is a license that has entries but no item.
 */
export function usageReport(input: {
  licenses: readonly RawItem[];
  entries: readonly HistoryEntry[];
  window: TimeWindow;
}): UsageReport {
  const draws = input.entries.filter((e) => isDraw(e) && inWindow(e.at, input.window)).sort(byEntryId);
  const perLicense = new Map<string, LicenseUsage>();
  let overall = { ...noDraws(), rows: 0 };
  for (const e of draws) {
    const drawn = e.drawn ?? { quantity: 0, value: 0 };
    const u = perLicense.get(e.licenseId) ?? { licenseId: e.licenseId, rows: 0, ...noDraws() };
    perLicense.set(e.licenseId, { ...u, ...addDraw(u, drawn), rows: u.rows + 1 });
    overall = { ...addDraw(overall, drawn), rows: overall.rows + 1 };
  }
  const licenses = [...perLicense.values()].sort((a, b) => a.licenseId.localeCompare(b.licenseId));
  const { from, until } = input.window;
  return {
    window: {
      ...(from === undefined ? {} : { from: new Date(from).toISOString() }),
      ...(until === undefined ? {} : { until: new Date(until).toISOString() }),
      text: windowText(input.window),
    },
    rows: draws.map(toRow),
    licenses,
    overall,
    reconciliation: isWindowed(input.window)
      ? { kind: 'windowed', window: windowText(input.window) }
      : reconcile(input.licenses, perLicense, overall.net),
  };
}

function reconcile(
  licenses: readonly RawItem[],
  usage: ReadonlyMap<string, LicenseUsage>,
  total: Amount,
): Reconciliation {
  const items = new Map(licenses.map((l) => [String(l.licenseId), l]));
  const ids = [...new Set([...items.keys(), ...usage.keys()])].sort();
  const checks = ids.map((id) =>
    checkBalance(id, usage.get(id)?.net ?? { quantity: 0, value: 0 }, items.get(id)),
  );
  const differences = checks.filter((c) => !c.matches);
  return differences.length === 0
    ? { kind: 'reconciled', licenses: checks.length, total }
    : { kind: 'differs', licenses: checks.length, total, differences };
}

export const USAGE_CSV_HEADER = [
  'licenseId',
  'at',
  'shipmentId',
  'eventType',
  'quantity',
  'value',
  'actor',
  'reason',
  'entryId',
] as const;

/** The rows as CSV (header first): quantity and value signed, so each column sums to the net draw. */
export function usageCsv(rows: readonly UsageRow[]): string {
  return renderCsv(
    USAGE_CSV_HEADER,
    rows.map((r): CsvValue[] => USAGE_CSV_HEADER.map((h) => r[h])),
  );
}
