import type { HistoryEntry } from '../shared/domain/history.js';
import { UNKNOWN_ACTOR } from '../shared/domain/history.js';
import { count, plural, renderTable, usd } from './format.js';
import {
  type Amount,
  type BalanceCheck,
  type BalanceRow,
  type DrawTotals,
  differenceText,
  reasonText,
} from './history.js';
import type { Reconciliation, UsageReport } from './usage-report.js';

/** Pure renderers of History for people: `license history`, `shipment history`, `report usage`. */

const dollars = (v: number) => (v < 0 ? `-${usd(-v)}` : usd(v));
const amount = (a: Amount) => `${count(a.quantity)} units / ${dollars(a.value)}`;
const num = (v: number | undefined) => (v === undefined ? '' : count(v));
const money = (v: number | undefined) => (v === undefined ? '' : dollars(v));

/** "drew 10 / $5,000", "returned 10 / $5,000", or nothing for an entry that moved nothing. */
export function drawnCell(drawn: Amount | undefined): string {
  if (drawn === undefined || (drawn.quantity === 0 && drawn.value === 0)) return '';
  const returned = drawn.quantity < 0 || (drawn.quantity === 0 && drawn.value < 0);
  const q = Math.abs(drawn.quantity);
  const v = Math.abs(drawn.value);
  return `${returned ? 'returned' : 'drew'} ${count(q)} / ${usd(v)}`;
}

/** The event, with the hold reason of a shipment put (back) on hold. */
function eventCell(e: HistoryEntry): string {
  return e.holdReason && e.status === 'HELD' ? `${e.eventType} (${e.holdReason})` : e.eventType;
}

const statusCell = (e: HistoryEntry) =>
  e.status === undefined ? '' : e.previousStatus ? `${e.previousStatus} → ${e.status}` : e.status;

/** Once under a table with `unknown` actors: what it means and where to look. */
export function unknownActorNote(entries: readonly HistoryEntry[]): string[] {
  const unknown = entries.filter((e) => e.actor === UNKNOWN_ACTOR).length;
  if (unknown === 0) return [];
  return [
    '',
    `${plural(unknown, 'entry', 'entries')} ${unknown === 1 ? 'names' : 'name'} actor "${UNKNOWN_ACTOR}": the edit behind ${unknown === 1 ? 'it' : 'them'} set no updatedBy (a console edit, most likely).`,
    'The CloudTrail audit trail records who wrote the item: find the PutItem or UpdateItem on the Licenses or',
    'Shipments table with the item\'s key, just before the entry\'s time (docs/OPERATIONS.md, "Answering an auditor").',
  ];
}

/** `license history`: every entry with the running balance, then the balance against the license. */
export function licenseHistoryText(input: {
  licenseId: string;
  rows: readonly BalanceRow[];
  totals: DrawTotals;
  check: BalanceCheck;
}): string {
  const { rows, totals, check } = input;
  if (rows.length === 0) return `No History entries for license ${input.licenseId}.${balanceLine(check)}`;
  const table = renderTable(
    [
      { header: 'AT' },
      { header: 'EVENT' },
      { header: 'STATUS' },
      { header: 'SHIPMENT' },
      { header: 'QTY', align: 'right' },
      { header: 'VALUE', align: 'right' },
      { header: 'DRAWN / RETURNED' },
      { header: 'BAL. QTY', align: 'right' },
      { header: 'BAL. VALUE', align: 'right' },
      { header: 'ACTOR' },
      { header: 'REASON' },
    ],
    rows.map(({ entry: e, balance }) => [
      e.at,
      eventCell(e),
      statusCell(e),
      e.shipmentId ?? '',
      num(e.quantity),
      money(e.value),
      drawnCell(e.drawn),
      count(balance.quantity),
      dollars(balance.value),
      e.actor,
      reasonText(e), // whole: the last column runs on; renderTable keeps it on one line
    ]),
  );
  return [
    table,
    ...unknownActorNote(rows.map((r) => r.entry)),
    '',
    `Balance: ${amount(totals.net)} drawn (drew ${amount(totals.drew)}, returned ${amount(totals.returned)}).${balanceLine(check)}`,
  ].join('\n');
}

function balanceLine(check: BalanceCheck): string {
  if (check.released === undefined) return `\nLicense ${check.licenseId} is not in the Licenses table.`;
  if (check.matches) {
    return `\nMatches the license: releasedQuantity ${count(check.released.quantity)}, releasedValue ${dollars(check.released.value)}.`;
  }
  return `\nDIFFERS from the license: ${differenceText(check)}.\nCheck it with \`clearance reconcile\` (I2: counters against shipments; I6: one entry per change).`;
}

/** `shipment history`: one shipment's entries in time order. */
export function shipmentHistoryText(shipmentId: string, entries: readonly HistoryEntry[]): string {
  const table = renderTable(
    [
      { header: 'AT' },
      { header: 'EVENT' },
      { header: 'STATUS' },
      { header: 'LICENSE' },
      { header: 'QTY', align: 'right' },
      { header: 'VALUE', align: 'right' },
      { header: 'DRAWN / RETURNED' },
      { header: 'ACTOR' },
      { header: 'REASON' },
    ],
    entries.map((e) => [
      e.at,
      eventCell(e),
      statusCell(e),
      e.licenseId,
      num(e.quantity),
      money(e.value),
      drawnCell(e.drawn),
      e.actor,
      reasonText(e), // whole: the last column runs on; renderTable keeps it on one line
    ]),
  );
  const net = entries.reduce(
    (a, e) => ({ quantity: a.quantity + (e.drawn?.quantity ?? 0), value: a.value + (e.drawn?.value ?? 0) }),
    { quantity: 0, value: 0 },
  );
  return [
    table,
    ...unknownActorNote(entries),
    '',
    `Shipment ${shipmentId}: ${plural(entries.length, 'entry', 'entries')}; it draws ${amount(net)} from its license now.`,
  ].join('\n');
}

/** The reconciliation verdict of `report usage`, one line (and one per difference). */
export function reconciliationLines(r: Reconciliation): string[] {
  if (r.kind === 'windowed') {
    return [
      `not reconciled: the window (${r.window}) holds part of the history, and releasedQuantity/releasedValue count all of it; run without --from/--to to reconcile`,
    ];
  }
  const total = `${count(r.total.quantity)} units / USD ${count(r.total.value)}`;
  if (r.kind === 'reconciled') {
    return [
      `reconciled: ${plural(r.licenses, 'license')}, total drawn ${total} match releasedQuantity/releasedValue`,
    ];
  }
  return [
    `NOT reconciled: ${count(r.differences.length)} of ${plural(r.licenses, 'license')} differ from releasedQuantity/releasedValue (History nets ${total} in all):`,
    ...r.differences.map((d) => `  - ${differenceText(d)}`),
    'Check them with `clearance reconcile` (I2: counters against shipments; I6: one History entry per change).',
  ];
}

/** The totals of `report usage`: per license, then overall. */
export function usageTotalsLines(report: UsageReport): string[] {
  const o = report.overall;
  return [
    `Total: ${plural(o.rows, 'draw or return', 'draws and returns')}; drew ${amount(o.drew)}, returned ${amount(o.returned)}, net ${amount(o.net)} (${report.window.text}).`,
  ];
}

/** `report usage` as tables. */
export function usageReportText(report: UsageReport): string {
  const lines: string[] = [];
  if (report.rows.length === 0) lines.push(`No draws or returns in ${report.window.text}.`);
  else {
    lines.push(
      renderTable(
        [
          { header: 'LICENSE' },
          { header: 'AT' },
          { header: 'SHIPMENT' },
          { header: 'EVENT' },
          { header: 'QTY', align: 'right' },
          { header: 'VALUE', align: 'right' },
          { header: 'ACTOR' },
          { header: 'REASON' },
        ],
        report.rows.map((r) => [
          r.licenseId,
          r.at,
          r.shipmentId,
          r.eventType,
          r.quantity > 0 ? `+${count(r.quantity)}` : count(r.quantity),
          r.value > 0 ? `+${usd(r.value)}` : dollars(r.value),
          r.actor,
          r.reason,
        ]),
      ),
      '',
      renderTable(
        [
          { header: 'LICENSE' },
          { header: 'ROWS', align: 'right' },
          { header: 'DREW', align: 'right' },
          { header: 'RETURNED', align: 'right' },
          { header: 'NET', align: 'right' },
        ],
        report.licenses.map((l) => [
          l.licenseId,
          count(l.rows),
          amount(l.drew),
          amount(l.returned),
          amount(l.net),
        ]),
      ),
    );
  }
  lines.push('', ...usageTotalsLines(report), ...reconciliationLines(report.reconciliation));
  return lines.join('\n');
}
