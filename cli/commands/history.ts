import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { type Command, Option } from 'commander';
import type { RawItem } from '../../shared/domain/ports.js';
import type { CliContext } from '../context.js';
import { EXIT, NotFoundError, UsageError } from '../errors.js';
import { byEntryId, byTime, checkBalance, runningBalance, timeWindow, toEntry } from '../history.js';
import {
  licenseHistoryText,
  reconciliationLines,
  shipmentHistoryText,
  usageReportText,
  usageTotalsLines,
} from '../history-views.js';
import { usageCsv, usageReport } from '../usage-report.js';
import { collect } from './common.js';
import { allEntries, historyTable, licenseEntries, shipmentEntries } from './history-read.js';
import { checkReadId, licenses } from './license-common.js';
import { type Act, example, type Wiring } from './wiring.js';

/** `license history`, `shipment history` and `report usage`: what History says, for auditors. */

const licenseSummary = (l: RawItem) => ({
  status: l.status,
  appliedStatus: l.appliedStatus,
  releasedQuantity: l.releasedQuantity ?? 0,
  releasedValue: l.releasedValue ?? 0,
});

/**
 * Every entry of a license in time order with the running balance of what
 * its shipments drew, then that balance against the license's
 * `releasedQuantity` and `releasedValue`. Exit 3 when they differ.
 */
export async function licenseHistory(ctx: CliContext, licenseId: string): Promise<number> {
  checkReadId('licenseId', licenseId);
  await historyTable(ctx);
  const license = await (await licenses(ctx)).get(licenseId);
  const raw = await licenseEntries(ctx, licenseId);
  if (!license && raw.length === 0) {
    const r = await ctx.resources();
    throw new NotFoundError(
      `no license ${licenseId} in table ${r.tables.licenses} and no History entries for it; list licenses with \`clearance license list\``,
    );
  }
  const { rows, totals } = runningBalance(raw.map(toEntry).sort(byEntryId));
  const check = checkBalance(licenseId, totals.net, license);
  ctx.emit(
    {
      licenseId,
      license: license ? licenseSummary(license) : null,
      entries: rows.map((r) => ({ ...r.entry, balance: r.balance })),
      totals,
      check,
    },
    () => licenseHistoryText({ licenseId, rows, totals, check }),
  );
  return check.matches ? EXIT.ok : EXIT.incomplete;
}

/** One shipment's entries, from the `byShipment` index, in time order. */
export async function shipmentHistory(ctx: CliContext, shipmentId: string): Promise<number> {
  checkReadId('shipmentId', shipmentId);
  const raw = await shipmentEntries(ctx, shipmentId);
  const entries = raw.map(toEntry).sort(byTime);
  if (entries.length === 0) {
    const r = await ctx.resources();
    const { db } = await ctx.clients();
    const out = await db.send(new GetCommand({ TableName: r.tables.shipments, Key: { shipmentId } }));
    if (!out.Item) {
      throw new NotFoundError(
        `no shipment ${shipmentId} in table ${r.tables.shipments} and no History entries for it; find it with \`clearance shipment list --license ID\``,
      );
    }
    const revision = typeof out.Item.revision === 'number' ? out.Item.revision : 0;
    ctx.emit({ shipmentId, entries: [], revision }, () =>
      revision === 0
        ? `No History entries for shipment ${shipmentId}: the system has not accepted it yet.`
        : `No History entries for shipment ${shipmentId}, though it has ${revision} committed changes (revision ${revision}). The index trails the table by a moment: run it again; if they stay missing, run \`clearance reconcile\` (I6).`,
    );
    return EXIT.ok;
  }
  ctx.emit({ shipmentId, entries }, () => shipmentHistoryText(shipmentId, entries));
  return EXIT.ok;
}

export const REPORT_FORMATS = ['table', 'csv', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface UsageOptions {
  license?: string;
  from?: string;
  to?: string;
  format?: string;
}

/** `--format`, or json with the global --json; both at once must agree. */
export function reportFormat(format: string | undefined, json: boolean): ReportFormat {
  const f = format?.trim().toLowerCase();
  if (f !== undefined && !(REPORT_FORMATS as readonly string[]).includes(f)) {
    throw new UsageError(`--format must be one of ${REPORT_FORMATS.join(', ')}, not "${format}"`);
  }
  if (json && f !== undefined && f !== 'json') {
    throw new UsageError(`--json asks for JSON but --format asks for ${f}: pass one of them`);
  }
  return json ? 'json' : ((f as ReportFormat | undefined) ?? 'table');
}

/** Licenses and their History entries: one license (Query), or all (Scan of each table). */
async function readUsage(ctx: CliContext, licenseId: string | undefined) {
  if (licenseId !== undefined) {
    await historyTable(ctx);
    const license = await (await licenses(ctx)).get(licenseId);
    const entries = await licenseEntries(ctx, licenseId);
    if (!license && entries.length === 0) {
      throw new NotFoundError(
        `no license ${licenseId} and no History entries for it; list licenses with \`clearance license list\``,
      );
    }
    return { licenses: license ? [license] : [], entries };
  }
  await historyTable(ctx);
  const all = await collect(ctx, 'scanning licenses', (await licenses(ctx)).scan());
  return { licenses: all, entries: await allEntries(ctx, { drawsOnly: true }) };
}

/**
 * One row per draw or return, totals per license and overall, and (over the
 * whole history) the reconciliation with each license's counters. Exit 3
 * when a license differs.
 */
export async function reportUsage(ctx: CliContext, opts: UsageOptions): Promise<number> {
  if (opts.license !== undefined) checkReadId('licenseId', opts.license, '--license');
  const format = reportFormat(opts.format, ctx.json);
  const window = timeWindow(opts);
  const read = await readUsage(ctx, opts.license);
  const report = usageReport({ licenses: read.licenses, entries: read.entries.map(toEntry), window });
  if (format === 'json') ctx.io.out(JSON.stringify(report, null, 2));
  else if (format === 'table') ctx.io.out(usageReportText(report));
  else {
    // stdout is the CSV alone (each record ends with CRLF; io.out adds the last LF);
    // the totals and the verdict go to stderr, so the file sums to them.
    ctx.io.out(usageCsv(report.rows).slice(0, -1));
    for (const line of [...usageTotalsLines(report), ...reconciliationLines(report.reconciliation)]) {
      ctx.io.err(line);
    }
  }
  return report.reconciliation.kind === 'differs' ? EXIT.incomplete : EXIT.ok;
}

const AUDIT_HELP = `
An entry's actor is the updatedBy of the edit behind it, "clearance" for the system's own decisions (with
the license event and person that set them off), or "unknown" when the edit named nobody: the CloudTrail
audit trail then says who wrote the item (docs/OPERATIONS.md, "Answering an auditor").
`;

/** `license history`. */
export function registerLicenseHistory(license: Command, act: Act): void {
  license
    .command('history')
    .description(
      "every History entry of a license in time order, with the running balance its shipments drew, checked against the license's releasedQuantity and releasedValue",
    )
    .argument('<licenseId>', 'e.g. LIC-H20-0001')
    .addHelpText(
      'after',
      `${AUDIT_HELP}Exit codes: 0 when the balance matches the license, 3 when it differs (or the license is gone).
${example('clearance license history LIC-H20-0001', 'clearance license history LIC-H20-0001 --json')}`,
    )
    .action(act((ctx, id: string) => licenseHistory(ctx, id)));
}

/** `shipment history`. */
export function registerShipmentHistory(shipment: Command, act: Act): void {
  shipment
    .command('history')
    .description("one shipment's story: every History entry of it in time order (the byShipment index)")
    .argument('<shipmentId>', 'e.g. SHP-000042')
    .addHelpText(
      'after',
      `${AUDIT_HELP}${example('clearance shipment history SHP-000042', 'clearance shipment history SHP-000042 --json')}`,
    )
    .action(act((ctx, id: string) => shipmentHistory(ctx, id)));
}

/** `clearance report usage`. */
export function registerReportCommands(program: Command, { act }: Wiring): void {
  const report = program.command('report').description('reports for auditors, from the History table');
  report
    .command('usage')
    .description(
      'every draw on a license and every return to it (shipment History entries that moved units or value), with totals, reconciled with releasedQuantity and releasedValue',
    )
    .option('--license <licenseId>', 'one license (default: all, by scanning Licenses and History)')
    .option('--from <time>', 'only entries at or after this ISO-8601 date or UTC time, e.g. 2026-03-01')
    .option('--to <time>', 'only entries up to this date (the whole day) or time, e.g. 2026-05-31')
    .addOption(
      new Option('--format <format>', 'table for people, csv for spreadsheets, json for scripts').choices(
        REPORT_FORMATS,
      ),
    )
    .addHelpText(
      'after',
      `
Quantities and values are signed: + drawn from the license (a release), - returned to it (a re-hold or
a cancellation of a released shipment). With --format csv, stdout holds only the CSV (RFC 4180: a header
row, then one row per draw or return; each column sums to the net draw) and the totals and the
reconciliation go to stderr. Without --from/--to every license's net draw is reconciled with its
releasedQuantity and releasedValue ("reconciled: N licenses, ..."); a window holds part of the history
only, so it is reported but not reconciled.
Exit codes: 0 reconciled (or a window), 3 when a license differs, 2 a bad option.
${example(
  'clearance report usage',
  'clearance report usage --license LIC-H20-0001 --from 2026-03-01 --to 2026-05-31',
  'clearance report usage --format csv > usage.csv',
)}`,
    )
    .action(act((ctx, opts: UsageOptions) => reportUsage(ctx, opts)));
}
