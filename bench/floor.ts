/**
 * The floor: what a release must write anyway, replayed with no handlers and
 * no pipeline, one call after another:
 *
 * 1. the release's TransactWriteItems as the engine shapes them: per
 *    license, the shipments grouped by (sku, warehouse) so one transaction
 *    touches one Inventory item, filled to 100 actions (97 conditional
 *    shipment updates + 1 Inventory ADD + the guarded license ADD + the
 *    license event's tally update). The actions are built by the product's
 *    own code (DynamoShipmentRepository.commit: shipmentUpdate,
 *    inventoryUpdate, guardedLicenseUpdate, tallyUpdate), from writes shaped
 *    by the engine's own releaseWrite (shared/engine/license-work.ts);
 * 2. the History entry of every release (shipmentEntry, as shipment-events
 *    builds it from the new image), appended by DynamoHistoryRepository:
 *    TransactWriteItems of up to 100 Puts conditional on `attribute_not_exists(entryId)`.
 *
 * Not into the stack's tables: the event source mappings are running, so the
 * release's stream records would set off the handlers (which the floor
 * excludes) and the licenses written for it would be acted on. The floor
 * writes into copies the bench makes of the Shipments, Inventory, Licenses
 * and History tables, with their keys, GSIs and stream settings (so every
 * write maintains the same indexes and stream as in the stack), in a
 * DynamoDB Local of its own, made once per stack and kept (see floorStore). The shipments go in hold order, as
 * the engine reads the held index. Seeding (the accepted shipments, counters
 * and the licenses with the work token) is not timed; the counters,
 * drawdowns and History entries are checked afterwards (not timed).
 */

import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import { startServices } from '../local/services.js';
import { DynamoHistoryRepository, DynamoShipmentRepository } from '../shared/adapters/dynamo.js';
import { eventKeyOf, type TallyTarget } from '../shared/domain/event-tally.js';
import { shipmentEntry, systemDecision } from '../shared/domain/history.js';
import type { Shipment } from '../shared/domain/model.js';
import { holdOrderKey } from '../shared/domain/planning.js';
import { approvedGuard, releaseWrite } from '../shared/engine/license-work.js';
import { type BenchContext, batchGet, batchPut, collectGarbage } from './context.js';
import { type MemoryReport, sampleMemory } from './memory.js';
import { heldInventory, heldItems, type Workload } from './workload.js';

/** Shipment updates per transaction: 100 actions − 1 Inventory ADD − the guarded license ADD − the tally update. */
export const SHIPMENTS_PER_TRANSACTION = 97;
const TOKEN = 'floor-token';

export interface FloorResult {
  kind: 'floor';
  tag: string;
  n: number;
  /** Release transactions + History appends, serial. */
  ms: number;
  /** The release's transactions alone, and the History appends alone. */
  releaseMs: number;
  historyMs: number;
  /** TransactWriteItems sent: release transactions, History appends. */
  calls: { release: number; history: number; perShipment: number };
  memory: MemoryReport;
  /** Untimed: writing the accepted shipments, counters and licenses into the copies. */
  seedMs: number;
  problems: string[];
}

/** A copy of a stack table (keys, GSIs, stream), under `name`. */
async function cloneTable(
  ctx: BenchContext,
  into: DynamoDBClient,
  from: string,
  name: string,
): Promise<void> {
  const { Table } = await ctx.dynamodb.send(new DescribeTableCommand({ TableName: from }));
  if (!Table) throw new Error(`floor: cannot describe ${from}`);
  const input: CreateTableCommandInput = {
    TableName: name,
    KeySchema: Table.KeySchema,
    AttributeDefinitions: Table.AttributeDefinitions,
    BillingMode: 'PAY_PER_REQUEST',
    ...(Table.GlobalSecondaryIndexes?.length
      ? {
          GlobalSecondaryIndexes: Table.GlobalSecondaryIndexes.map((g) => ({
            IndexName: g.IndexName,
            KeySchema: g.KeySchema,
            Projection: g.Projection,
          })),
        }
      : {}),
    ...(Table.StreamSpecification ? { StreamSpecification: Table.StreamSpecification } : {}),
  };
  await into.send(new CreateTableCommand(input));
}

/**
 * Per license, in hold order (the order the engine reads the held index), per
 * (sku, warehouse): chunks of up to 97 shipments, each one transaction.
 */
export function floorTransactions(w: Workload): { licenseId: string; shipments: Shipment[] }[] {
  const out: { licenseId: string; shipments: Shipment[] }[] = [];
  const keyed = w.shipments.map((s) => ({ s, key: holdOrderKey(s) }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const l of w.licenses) {
    const byWarehouse = new Map<string, Shipment[]>();
    for (const { s } of keyed) {
      if (s.licenseId !== l.licenseId) continue;
      const key = `${s.sku}\u0000${s.warehouseId}`;
      const list = byWarehouse.get(key) ?? [];
      list.push(s);
      byWarehouse.set(key, list);
    }
    for (const list of byWarehouse.values())
      for (let i = 0; i < list.length; i += SHIPMENTS_PER_TRANSACTION)
        out.push({ licenseId: l.licenseId, shipments: list.slice(i, i + SHIPMENTS_PER_TRANSACTION) });
  }
  return out;
}

/** Untimed: the counters and drawdowns the replay must leave, and one History entry per shipment. */
async function checkFloor(ddb: DynamoDBDocumentClient, w: Workload, names: FloorTables): Promise<string[]> {
  const problems: string[] = [];
  const inventory = await batchGet(
    ddb,
    names.inventory,
    w.warehouses.map((warehouseId) => ({ sku: w.sku, warehouseId })),
  );
  for (const i of inventory) {
    const units = w.units.byWarehouse.get(String(i.warehouseId)) ?? -1;
    if (Number(i.held) !== 0 || Number(i.released) !== units)
      problems.push(`floor ${String(i.warehouseId)}: held ${String(i.held)}, released ${String(i.released)}`);
  }
  const licenses = await batchGet(
    ddb,
    names.licenses,
    w.licenses.map((l) => ({ licenseId: l.licenseId })),
  );
  for (const l of licenses) {
    const units = w.units.byLicense.get(String(l.licenseId)) ?? -1;
    if (Number(l.releasedQuantity) !== units)
      problems.push(
        `floor ${String(l.licenseId)}: releasedQuantity ${String(l.releasedQuantity)}, expected ${units}`,
      );
  }
  let entries = 0;
  for (const l of w.licenses) {
    let start: Record<string, unknown> | undefined;
    do {
      const out: QueryCommandOutput = await ddb.send(
        new QueryCommand({
          TableName: names.history,
          KeyConditionExpression: '#l = :l',
          ExpressionAttributeNames: { '#l': 'licenseId' },
          ExpressionAttributeValues: { ':l': l.licenseId },
          Select: 'COUNT',
          ExclusiveStartKey: start,
        }),
      );
      entries += out.Count ?? 0;
      start = out.LastEvaluatedKey;
    } while (start);
  }
  if (entries !== w.n) problems.push(`floor: ${entries} History entries, expected ${w.n}`);
  return problems;
}

/** The tables a replay writes into. */
export interface FloorTables {
  shipments: string;
  inventory: string;
  licenses: string;
  history: string;
  /** License events' tallies: every release transaction adds to its license's. */
  tallies: string;
}

/** The licenses as the engine's guard finds them once it committed to the work of `token`. */
export const workingLicenses = (w: Workload, token = TOKEN) =>
  w.licenses.map((l) => ({ ...l, status: 'APPROVED', appliedStatus: 'APPROVED', pendingWork: token }));

/** What the release's writes stamp as the system's decision (the approval behind it as the trigger). */
const decisionAt = (at: string) =>
  systemDecision({
    eventType: 'LICENSE_APPROVED',
    actor: 'compliance@console',
    reason: 'BIS license granted',
    at,
  });

/**
 * The release's transactions, one after another, through the product's
 * DynamoShipmentRepository.commit: one call per floorTransactions entry.
 * Returns the calls and the writes whose condition failed (none, when the
 * shipments are HELD and the licenses hold `token`).
 */
export async function replayRelease(
  ddb: DynamoDBDocumentClient,
  tables: FloorTables,
  w: Workload,
  at: string,
  token = TOKEN,
): Promise<{ calls: number; skipped: number }> {
  const repo = new DynamoShipmentRepository(ddb, tables);
  const licenses = new Map(w.licenses.map((l) => [l.licenseId, l]));
  const decision = decisionAt(at);
  let calls = 0;
  let skipped = 0;
  // One tally per license (its approval's event), as the engine's slices keep it.
  const tallies = new Map<string, TallyTarget>();
  for (const t of floorTransactions(w)) {
    const license = licenses.get(t.licenseId);
    if (!license) continue;
    const tally = tallies.get(t.licenseId) ?? {
      licenseId: t.licenseId,
      event: eventKeyOf({ eventType: 'LICENSE_APPROVED', at }),
      opened: token,
      room: new Map(),
    };
    tallies.set(t.licenseId, tally);
    const guard = { ...approvedGuard(license, token), tally };
    const writes = t.shipments.map((s) => ({ ...releaseWrite(license.licenseId, s, at), decision }));
    skipped += (await repo.commit(writes, guard)).skipped.length;
    calls++;
  }
  return { calls, skipped };
}

/**
 * The History entries of the release (revision 1 → 2), as shipment-events
 * builds them from the new images and appends them, in its batches of up to
 * 1,000 records. Returns the TransactWriteItems calls.
 */
export async function replayHistory(
  ddb: DynamoDBDocumentClient,
  table: string,
  w: Workload,
  at: string,
): Promise<number> {
  const history = new DynamoHistoryRepository(ddb, table);
  const decision = decisionAt(at);
  const entries = w.shipments.map((s) =>
    shipmentEntry(
      {
        dedupKey: `${s.shipmentId}#r2`,
        eventType: 'SHIPMENT_RELEASED',
        shipmentId: s.shipmentId,
        licenseId: s.licenseId,
        customerId: s.customerId,
        warehouseId: s.warehouseId,
        sku: s.sku,
        quantity: s.quantity,
        status: 'RELEASED',
        previousStatus: 'HELD',
        holdReason: null,
        revision: 2,
        occurredAt: at,
      },
      { changedAt: at, decision, countedValue: s.value ?? 0 },
      at,
    ),
  );
  let calls = 0;
  // 100 entries a call, one call after another (append would keep several transactions in flight).
  for (let i = 0; i < entries.length; i += 100) {
    await history.append(entries.slice(i, i + 100));
    calls++;
  }
  return calls;
}

/**
 * Where the floor writes: copies of the stack's tables (keys, GSIs, streams)
 * in a DynamoDB Local of its own, started once per stack and kept, with
 * nothing else running on it. Not the stack's tables: the event source
 * mappings would act on the floor's writes. Not copies in the stack's
 * DynamoDB Local either: every streamed table and stream record there slows
 * the later measurements on it (a floor of 4,000 shipments took 29 s, then
 * 191 s and 274 s as two more sets of copies came and went, and clearance
 * after the floor took about twice as long as without it). Every workload has
 * ids of its own, as in the stack's tables.
 */
interface FloorStore {
  names: FloorTables;
  ddb: DynamoDBDocumentClient;
  dynamoDbPid: number | undefined;
}

const stores = new WeakMap<BenchContext['stack'], Promise<FloorStore>>();

function floorStore(ctx: BenchContext): Promise<FloorStore> {
  let store = stores.get(ctx.stack);
  if (!store) {
    store = (async () => {
      const services = await startServices({ region: ctx.stack.endpoints.region });
      process.once('exit', () => void services.stop());
      const client = new DynamoDBClient({
        endpoint: services.endpoints.dynamodb,
        region: services.endpoints.region,
        credentials: { accessKeyId: 'floor', secretAccessKey: 'floor' },
      });
      const names: FloorTables = {
        shipments: 'bench-floor-shipments',
        inventory: 'bench-floor-inventory',
        licenses: 'bench-floor-licenses',
        history: 'bench-floor-history',
        tallies: 'bench-floor-tallies',
      };
      for (const k of ['shipments', 'inventory', 'licenses', 'history', 'tallies'] as const)
        await cloneTable(ctx, client, ctx.tables[k], names[k]);
      const ddb = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
      return { names, ddb, dynamoDbPid: services.dynamoDbPid };
    })();
    stores.set(ctx.stack, store);
  }
  return store;
}

export async function measureFloor(ctx: BenchContext, w: Workload): Promise<FloorResult> {
  const { names, ddb, dynamoDbPid } = await floorStore(ctx);
  try {
    const seeding = performance.now();
    // Untimed: the state an approval finds once the engine has committed to the work (revision 1: accepted).
    await batchPut(ddb, names.inventory, heldInventory(w));
    await batchPut(ddb, names.licenses, workingLicenses(w));
    await batchPut(
      ddb,
      names.shipments,
      heldItems(w).map((s) => ({ ...s, revision: 1 })),
      4,
    );
    const at = new Date().toISOString();
    collectGarbage();
    const memory = sampleMemory(dynamoDbPid);
    const problems: string[] = [];
    const started = performance.now();
    const release = await replayRelease(ddb, names, w, at);
    const released = performance.now();
    const historyCalls = await replayHistory(ddb, names.history, w, at);
    const ended = performance.now();
    const mem = memory.stop();
    if (release.skipped > 0) problems.push(`floor: ${release.skipped} release write(s) skipped`);
    problems.push(...(await checkFloor(ddb, w, names)));
    return {
      kind: 'floor',
      tag: w.tag,
      n: w.n,
      ms: ended - started,
      releaseMs: released - started,
      historyMs: ended - released,
      calls: {
        release: release.calls,
        history: historyCalls,
        perShipment: (release.calls + historyCalls) / Math.max(1, w.n),
      },
      memory: mem,
      seedMs: started - seeding,
      problems,
    };
  } catch (error) {
    // A failed floor may leave the copies half written: the next one starts from fresh copies.
    stores.delete(ctx.stack);
    throw error;
  }
}
