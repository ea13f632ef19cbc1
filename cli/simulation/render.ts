/**
 * `clearance license simulate` for people: totals first, then the license,
 * the warehouses and the alerts, then the shipments row by row up to
 * `--limit` per section, so a backlog of 50,000 stays readable.
 */
import type { Remaining } from '../../shared/domain/planning.js';
import { count, plural, renderFields, renderTable, show, usd } from '../format.js';
import type { Crossing, LicenseState, ShipmentRow, SimulationReport, Tally } from './report.js';

const tallyText = (t: Tally) =>
  t.shipments === 0
    ? '0 shipments'
    : `${plural(t.shipments, 'shipment')}, ${count(t.units)} units, ${usd(t.value)}`;

const remainingText = (r: Remaining | null) =>
  r === null
    ? '(the license item is invalid)'
    : `${count(r.quantity)} units${r.value === undefined ? '' : `, ${usd(r.value)}`}`;

/** Every line indented by two spaces, under its section's title. */
const indent = (text: string) =>
  text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');

const units = (v: unknown) => (typeof v === 'number' ? count(v) : show(v));

/** Whether the simulation makes an edit (a status or terms), not only lets time pass. */
const edited = (r: SimulationReport) => Object.keys(r.edit).length > 0;

/** "A → B", or "A" when it did not change. */
const change = (a: string, b: string) => (a === b ? a : `${a} → ${b}`);

function editText(r: SimulationReport): string {
  const parts = [
    ...(r.edit.status ? [`status ${show(r.license.before.status)} → ${r.edit.status}`] : []),
    ...Object.entries(r.edit.set ?? {}).map(([term, v]) => `${term} ${show(v)}`),
    ...(r.edit.remove ?? []).map((term) => `${term} removed`),
  ];
  return parts.length === 0 ? 'no edit (only time passes)' : parts.join(', ');
}

function releasedText(before: LicenseState, after: LicenseState): string {
  const quantity = `${change(count(before.releasedQuantity), count(after.releasedQuantity))} of ${units(after.authorizedQuantity)} units`;
  const value = change(usd(before.releasedValue), usd(after.releasedValue));
  return after.valueCap === null
    ? `${quantity}; value ${value} (no value limit)`
    : `${quantity}; value ${value} of cap ${usd(after.valueCap)}`;
}

const LIMIT_NAME = { quantity: 'authorizedQuantity', value: 'the value cap' } as const;

/**
 * The thresholds crossed, one phrase per run of crossings of one limit as in
 * force then: "value reaches 80 and 90 % of the value cap ($0 → $9,000 of
 * $11,000)"; those of the work before an edit say so.
 */
function crossingsText(crossed: readonly Crossing[], afterAnEdit: boolean): string {
  if (crossed.length === 0) return 'crosses no 80/90/100 % threshold';
  const runs: { first: Crossing; last: Crossing; levels: string[] }[] = [];
  for (const c of crossed) {
    const run = runs.at(-1);
    const same =
      run && run.last.limit === c.limit && run.last.of === c.of && run.last.beforeEdit === c.beforeEdit;
    if (run && same) {
      run.last = c;
      run.levels.push(String(c.thresholdPercent));
    } else runs.push({ first: c, last: c, levels: [String(c.thresholdPercent)] });
  }
  return runs
    .map(({ first, last, levels }) => {
      const list = levels.length === 1 ? levels[0] : `${levels.slice(0, -1).join(', ')} and ${levels.at(-1)}`;
      const drawn = last.limit === 'quantity' ? count : usd;
      const when = afterAnEdit && last.beforeEdit ? ', before the edit' : '';
      const numbers = `${drawn(first.drawnBefore)} → ${drawn(last.drawnAfter)} of ${drawn(last.of)}${when}`;
      return `${last.limit} reaches ${list} % of ${LIMIT_NAME[last.limit]} (${numbers})`;
    })
    .join('; ');
}

function licenseSection(r: SimulationReport): string {
  const { before, after } = r.license;
  const applied = change(show(before.appliedStatus) || '(none)', show(after.appliedStatus) || '(none)');
  return renderFields([
    ['Status', `${change(show(before.status), show(after.status))} (applied ${applied})`],
    ['Released', releasedText(before, after)],
    ['Remaining', change(remainingText(r.remaining.before), remainingText(r.remaining.after))],
    [
      'Waiting',
      after.waitingForValidFrom === undefined
        ? undefined
        : `for validFrom ${show(after.waitingForValidFrom)} (the clock releases then)`,
    ],
    ['Drawdown', `${crossingsText(r.drawdown.crossed, edited(r))} (predicted)`],
  ]);
}

function totalsSection(r: SimulationReport): string {
  const reasons = Object.entries(r.totals.heldByReason).sort(([a], [b]) => (a < b ? -1 : 1));
  return [
    renderFields([
      ['Would release', tallyText(r.totals.released)],
      ['Would re-hold', tallyText(r.totals.reheld)],
      ['Would stay held', tallyText(r.totals.stillHeld)],
      ['Would stay released', tallyText(r.totals.stillReleased)],
    ]),
    ...(reasons.length === 0
      ? []
      : ['HELD after, by reason', ...reasons.map(([reason, t]) => `  ${reason}: ${tallyText(t)}`)]),
  ].join('\n');
}

function warehouseSection(r: SimulationReport): string {
  if (r.warehouses.length === 0) return 'Warehouses: none (no HELD or RELEASED shipments)';
  const cells = (t: Tally) => [count(t.shipments), count(t.units), usd(t.value)];
  const table = renderTable(
    [
      { header: 'WAREHOUSE' },
      { header: 'RELEASE', align: 'right' },
      { header: 'UNITS', align: 'right' },
      { header: 'VALUE', align: 'right' },
      { header: 'RE-HOLD', align: 'right' },
      { header: 'UNITS', align: 'right' },
      { header: 'VALUE', align: 'right' },
      { header: 'HELD AFTER', align: 'right' },
      { header: 'UNITS', align: 'right' },
      { header: 'VALUE', align: 'right' },
    ],
    r.warehouses.map((w) => [w.warehouseId, ...cells(w.released), ...cells(w.reheld), ...cells(w.held)]),
  );
  return `Warehouses\n${indent(table)}`;
}

function alertsSection(r: SimulationReport): string {
  const alerts = r.alerts.map((a) =>
    [
      `  [${a.severity}${a.alertType ? ` ${a.alertType}` : ''}] ${a.subject}${a.beforeEdit ? ' (before the edit)' : ''}`,
      ...a.message.split('\n').map((l) => `      ${l}`),
    ].join('\n'),
  );
  return ['Alerts ops would get', ...(alerts.length === 0 ? ['  none'] : alerts)].join('\n');
}

function rowsSection(title: string, rows: readonly ShipmentRow[], limit: number): string {
  if (rows.length === 0) return `${title}: none`;
  const shown = limit === 0 ? rows : rows.slice(0, limit);
  const table = renderTable(
    [
      { header: 'SHIPMENT' },
      { header: 'WAREHOUSE' },
      { header: 'PRIO', align: 'right' },
      { header: 'UNITS', align: 'right' },
      { header: 'VALUE', align: 'right' },
      { header: 'NOW' },
      { header: 'WOULD BE' },
    ],
    shown.map((s) => [
      s.shipmentId,
      s.warehouseId,
      String(s.priority),
      count(s.units),
      s.value === undefined ? '-' : usd(s.value),
      s.before,
      s.after,
    ]),
  );
  const more = rows.length - shown.length;
  return [
    `${title} (${count(rows.length)}, in hold order)`,
    indent(table),
    ...(more > 0 ? [`  … ${count(more)} more (--limit to see more, --json for every id)`] : []),
  ].join('\n');
}

/**
 * What still happens past a rejection: nothing; the clock's work by `at`,
 * done before the edit (an expiry's re-holds); the running pass finished
 * before it; or (a restrictive status on an
 * invalid item, a re-hold under way) the applied status's work, which the
 * engine runs all the same under the terms last applied.
 */
function afterRejection(r: SimulationReport): string {
  if (r.releases.length + r.reholds.length === 0) return 'Nothing would move.';
  if (r.clockFirst !== undefined)
    return `The shipments below move by the clock's doing: by then it has made the license ${r.clockFirst}, before this edit.`;
  if (r.runningPass === 'finished-first')
    return 'The shipments below move by the pass that was running when read, finished before this edit.';
  return `Its status ${show(r.license.after.appliedStatus)} is applied all the same, under the terms last applied: the shipments below still move.`;
}

/** What the simulation did with the pass the license was running when read (pendingWork). */
function runningPassText(r: SimulationReport): string[] {
  const head = `License ${r.licenseId} was being applied when read (pendingWork):`;
  if (r.runningPass === 'replaced-by-edit')
    return [
      `${head} the status is set while that pass runs, as the system takes a status at once; its own pass replaces the running one, which does not finish first.`,
    ];
  if (r.runningPass !== 'finished-first') return [];
  if (!edited(r)) return [`${head} the simulation finishes that pass, as the system does within seconds.`];
  const then =
    r.edit.status === undefined
      ? 'then makes the amendment (`license amend` refuses until the pass has finished)'
      : "before the clock's next edge on the way to --at, then makes the edit";
  return [`${head} the simulation finishes that pass first, as the system does within seconds, ${then}.`];
}

/** The whole report as text; `limit` rows per section (0: all). */
export function renderSimulation(r: SimulationReport, limit: number): string {
  const head = [
    `Simulation of license ${r.licenseId}: ${editText(r)}, at ${r.at}`,
    `Nothing was written and nothing was sent: the engine ran on a copy of the license and its ${count(r.cost.shipmentsRead)} HELD and RELEASED shipments.`,
    ...runningPassText(r),
    ...r.rejected.map((reason) => `The system would REJECT this edit: ${reason}. ${afterRejection(r)}`),
  ].join('\n');
  return [
    head,
    totalsSection(r),
    `License\n${indent(licenseSection(r))}`,
    warehouseSection(r),
    alertsSection(r),
    rowsSection('Would release', r.rows.released, limit),
    rowsSection('Would re-hold', r.rows.reheld, limit),
    rowsSection('Would stay held', r.rows.held, limit),
  ].join('\n\n');
}
