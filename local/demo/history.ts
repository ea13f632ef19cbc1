/**
 * The report's History section: an excerpt of the amended license's History
 * as `clearance license history` prints it (the CLI's own pure functions),
 * with the running balance over every entry and the check against the
 * license's counters.
 */
import {
  type BalanceRow,
  byEntryId,
  checkBalance,
  isDraw,
  runningBalance,
  toEntry,
} from '../../cli/history.js';
import { licenseHistoryText } from '../../cli/history-views.js';
import type { RawItem } from '../../shared/domain/ports.js';
import { AMENDED, licenseIdOf, num, type Scenario } from './scenario.js';

/** The license decisions shown, at most. */
const DECISIONS = 4;
/**
 * The shipment entries shown of each kind (event, hold reason, the decision
 * that set it off, actor), at most: two of a kind that draws, so the
 * balance is seen running, one of any other.
 */
const perKind = (row: BalanceRow) => (isDraw(row.entry) ? 2 : 1);

const kindOf = ({ entry: e }: BalanceRow) =>
  `${e.eventType}|${e.holdReason ?? ''}|${e.trigger?.eventType ?? ''}|${e.actor}`;

/**
 * The rows the excerpt shows, in time order: the license's first decisions,
 * and the first entries of each kind of shipment change (the backlog's
 * arrival, the releases after the approval, the holds once the quantity ran
 * out, the releases after the amendment...). Each keeps its running balance.
 */
export function excerptRows(rows: readonly BalanceRow[]): BalanceRow[] {
  const seen = new Map<string, number>();
  let decisions = 0;
  return rows.filter((row) => {
    if (row.entry.shipmentId === undefined) return ++decisions <= DECISIONS;
    const kind = kindOf(row);
    const n = (seen.get(kind) ?? 0) + 1;
    seen.set(kind, n);
    return n <= perKind(row);
  });
}

/** The History section: the excerpt, how many entries there are, and where the full story is. */
export async function historyLines(scenario: Scenario, history: readonly RawItem[]): Promise<string[]> {
  const licenseId = licenseIdOf(AMENDED);
  const entries = history
    .filter((e) => e.licenseId === licenseId)
    .map(toEntry)
    .sort(byEntryId);
  const { rows, totals } = runningBalance(entries);
  const check = checkBalance(licenseId, totals.net, await scenario.repos.licenses.get(licenseId));
  const shown = excerptRows(rows);
  const text = licenseHistoryText({ licenseId, rows: shown, totals, check });
  return [
    '',
    `History of ${licenseId} (excerpt: ${num(shown.length)} of its ${num(rows.length)} entries, the running balance over all of them)`,
    ...text.split('\n').map((l) => (l === '' ? '' : `  ${l}`)),
    `  ${num(rows.length)} entries; full story: npx clearance license history ${licenseId}`,
    '    (against the stack `npm start -- --keep` leaves running: CLEARANCE_STACK=<the JSON line it prints>)',
  ];
}
