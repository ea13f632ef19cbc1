import { QueryCommand, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import type { Command } from 'commander';
import { DynamoShipmentRepository } from '../../shared/adapters/dynamo.js';
import type { RawItem } from '../../shared/domain/ports.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../errors.js';
import { count } from '../format.js';
import { progress } from '../io.js';
import {
  checkAmendedLicense,
  parseSimulateOptions,
  SIMULATED_STATUSES,
  type SimulateOptions,
} from '../simulation/options.js';
import { renderSimulation } from '../simulation/render.js';
import { buildReport } from '../simulation/report.js';
import { runEngine, type Snapshot } from '../simulation/run.js';
import { checkReadId, getLicense } from './license-common.js';
import { type Act, example, whole } from './wiring.js';

export interface SimulateCommandOptions extends SimulateOptions {
  /** Rows shown per section (0: all). */
  limit: number;
}

/** Shipments read per Query page of a license index (DynamoDB stops at 1 MB first). */
const PAGE = 1000;

/**
 * Reads what the simulation runs on, once: the license (consistent read), its
 * HELD and RELEASED shipments through the two sparse indexes, and the
 * Inventory items of their skus. Reads only; progress on stderr.
 */
export async function readSnapshot(ctx: CliContext, licenseId: string): Promise<Snapshot> {
  const readAt = new Date();
  const license = await getLicense(ctx, licenseId);
  const r = await ctx.resources();
  const { db } = await ctx.clients();
  const repo = new DynamoShipmentRepository(db, r.tables);
  const bar = progress(ctx.io, `reading the HELD and RELEASED shipments of ${licenseId}`);
  // A shipment that moves between the indexes while they are read is kept once, as last read.
  const shipments = new Map<string, RawItem>();
  for (const index of ['held', 'released'] as const) {
    let after: string | undefined;
    do {
      const page = await repo.page(index, licenseId, after, PAGE);
      for (const item of page.items) shipments.set(String(item.shipmentId), item);
      after = page.next;
      bar.update(`${count(shipments.size)} read`);
    } while (after !== undefined);
  }
  if (shipments.size >= 5000) bar.done(`${count(shipments.size)} read`);
  const skus = new Set(
    [license.sku, ...[...shipments.values()].map((s) => s.sku)].filter(
      (s): s is string => typeof s === 'string',
    ),
  );
  const inventory: RawItem[] = [];
  for (const sku of skus) inventory.push(...(await inventoryOf(ctx, sku)));
  return { license, shipments: [...shipments.values()], inventory, readAt };
}

/** The Inventory items of one sku (one partition: a few warehouses). */
async function inventoryOf(ctx: CliContext, sku: string): Promise<RawItem[]> {
  const r = await ctx.resources();
  const { db } = await ctx.clients();
  const items: RawItem[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out: QueryCommandOutput = await db.send(
      new QueryCommand({
        TableName: r.tables.inventory,
        KeyConditionExpression: '#s = :sku',
        ExpressionAttributeNames: { '#s': 'sku' },
        ExpressionAttributeValues: { ':sku': sku },
        ExclusiveStartKey: start,
      }),
    );
    items.push(...((out.Items ?? []) as RawItem[]));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}

/** Says on stderr when the license is not settled: the simulation then also finishes what the system is doing. */
function notes(ctx: CliContext, license: RawItem): void {
  const id = String(license.licenseId);
  if (license.pendingWork !== undefined)
    ctx.io.err(
      `note: license ${id} is being applied right now (pendingWork); the report says under its head whether the simulation finishes that work before the edit (an amendment, or time alone) or sets the status while it runs (a status is taken at once)`,
    );
  if (license.appliedStatus !== undefined && license.status !== license.appliedStatus)
    ctx.io.err(
      `note: license ${id} shows status ${String(license.status)} but the system last applied ${String(license.appliedStatus)}; the simulation starts from what the item shows`,
    );
}

/**
 * `license simulate`: what the system would do if the license took a status
 * or new terms at a time, worked out by the engine itself on a copy.
 */
export async function licenseSimulate(
  ctx: CliContext,
  licenseId: string,
  opts: SimulateCommandOptions,
): Promise<number> {
  checkReadId('licenseId', licenseId);
  const { edit, at } = parseSimulateOptions(opts, new Date());
  const snapshot = await readSnapshot(ctx, licenseId);
  checkAmendedLicense(snapshot.license, edit);
  notes(ctx, snapshot.license);
  const bar = progress(ctx.io, `simulating ${licenseId}`);
  const run = await runEngine(snapshot, edit, at, (p) =>
    bar.update(`${count(p.shipmentWrites)} shipment changes worked out`),
  );
  if (run.writes.shipments >= 5000) bar.done(`${count(run.writes.shipments)} shipment changes worked out`);
  const report = buildReport(snapshot, edit, at, run);
  const { rows: _rows, ...json } = report;
  ctx.emit(json, () => renderSimulation(report, opts.limit));
  return EXIT.ok;
}

/** Adds `license simulate` to the `license` command. */
export function registerSimulateCommand(license: Command, act: Act): void {
  license
    .command('simulate')
    .description(
      'show what the system would do if a license took a status or new terms: releases, re-holds and hold reasons, per warehouse, with the alerts; writes nothing',
    )
    .argument('<licenseId>', 'the license to simulate')
    .option('--status <status>', `the status it would take: ${SIMULATED_STATUSES.join(', ')}`)
    .option('--at <time>', 'when: an ISO-8601 time such as 2026-07-01T09:00:00Z, or a date (default: now)')
    .option('--quantity <units>', 'amended authorizedQuantity: a whole number above 0')
    .option('--value <dollars>', 'amended authorizedValue in whole US dollars, or "none" (quantity only)')
    .option('--tolerance <percent>', 'amended valueTolerancePercent: a whole number from 0 to 25')
    .option('--valid-from <time>', 'amended validFrom, ISO-8601 UTC')
    .option('--valid-until <time>', 'amended validUntil, ISO-8601 UTC')
    .option(
      '--limit <rows>',
      'shipment rows per section (0: all); --json ignores it: every shipment, by id only',
      whole,
      20,
    )
    .addHelpText(
      'after',
      `
The engine itself (the license-events passes and the license clock) runs on an in-memory copy of the
license, its HELD and RELEASED shipments (read once through the license's two indexes) and their
Inventory items, with its clock set to --at. Nothing is written to the tables and nothing is published:
what the real system would send to ops is listed instead. --status may be left out for a pure amendment
(--quantity, --value, --tolerance, --valid-from, --valid-until), and both may be left out to see what
time alone does (--at past validUntil expires the license; past validFrom releases what waited for it).
The edit is made on the license as the clock leaves it by --at, ticking at each edge of its window on the way:
past validUntil it is judged from EXPIRED. LICENSE_EXPIRING: the clock's expiry watch, at the default leads
(30, 7 and 1 days before validUntil; a stack deployed with -c expiryLeadDays warns at its own).
LICENSE_DRAWDOWN: the alerts the simulated engine raises (only an APPROVED license's release pass alerts), one
per threshold the Drawdown line names, each against the limit in force then; those of the work done before the
edit (the clock's by --at, a running pass finished first) are marked "before the edit". The default thresholds,
80, 90 and 100 %; a stack deployed with -c drawdownThresholds alerts at its own.
A license being applied when read (pendingWork): its pass is finished before an amendment (license amend waits
for it); a status is set on the running pass, as the system takes it at once.

With --json: releases and reholds (shipment ids), reholdReasons and holds ({ shipmentId, holdReason,
previousHoldReason }), totals, warehouses, the license before and after, remaining, alerts, drawdown, runningPass.
Every shipment is there whatever --limit says, but by id (and hold reason) only: the rows' warehouse,
priority, units, value and before/after status are in the text alone.
${example(
  'clearance license simulate LIC-H20-0001 --status APPROVED',
  'clearance license simulate LIC-H20-0001 --status APPROVED --at 2026-07-01 --limit 50',
  'clearance license simulate LIC-H20-0001 --quantity 800 --tolerance 5',
  'clearance --json license simulate LIC-H20-0001 --status SUSPENDED | jq .reholds',
)}`,
    )
    .action(act(licenseSimulate));
}
