/**
 * Diagnostic for BENCHMARKS.md: what one shipment write costs DynamoDB Local
 * in each shape, so the gap between the ceiling and clearance can be split
 * into its causes. No handlers run (the emulator is not started).
 *
 *   put   / plain   BatchWriteItem into a table with no stream and no GSI (the ceiling)
 *   put   / shaped  BatchWriteItem into the Shipments table (stream + two sparse GSIs)
 *   tx    / plain   the release's TransactWriteItems (96 conditional updates + 3 Inventory ADDs
 *                   + the guarded license ADD), on a table with no stream and no GSI
 *   tx    / shaped  the same on the Shipments table: the release's write path
 *   update/ shaped  one conditional UpdateItem per shipment (the naive peer's shipment write)
 *
 *   tx    / shaped, pages of 200: the same, cut into pages of 200 first as the engine did
 *                   (96 + 96 + 8 a page: 149 transactions for 10,000 instead of 107)
 *   tx    / shaped, as the floor: the floor's release (bench/floor.ts): per license and
 *                   (sku, warehouse), 97 updates + 1 Inventory ADD + the guarded license ADD
 *                   + the license event's tally update, built by the product's
 *                   DynamoShipmentRepository.commit
 *   history / shaped: the floor's History entries, 100 conditional Puts a call
 *
 * `node --import tsx bench/write-shapes.ts [--n 10000] [--reps 2] [--only TEXT]`
 * prints wall time and CPU (Node + JVM) per 1,000 shipments for each shape.
 */
import { parseArgs } from 'node:util';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { startLocalStack } from '../local/stack.js';
import type { RawItem } from '../shared/domain/ports.js';
import { SYSTEM_ACTOR } from '../shared/names.js';
import { batchPut, collectGarbage } from './context.js';
import { replayHistory, replayRelease, workingLicenses } from './floor.js';
import { processCpuS } from './memory.js';
import {
  heldInventory,
  heldItems,
  makeWorkload,
  releasedItems,
  releaseUpdate,
  tagOf,
  type Workload,
} from './workload.js';

const { values } = parseArgs({
  options: { n: { type: 'string' }, reps: { type: 'string' }, only: { type: 'string' } },
});
const N = Number(values.n ?? 10_000);
const REPS = Number(values.reps ?? 2);
/** Only the shapes whose name contains this text. */
const ONLY = values.only;
const log = (line: string) => process.stderr.write(`${line}\n`);
process.stdout.write = (() => true) as typeof process.stdout.write;

const stack = await startLocalStack({
  prefix: `shapes-${Date.now().toString(36)}`,
  startEsm: false,
  environmentOverrides: { POWERTOOLS_LOG_LEVEL: 'WARN' },
});
const dynamodb = new DynamoDBClient({});
const ddb = DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } });
const jvm = stack.services.dynamoDbPid;
const tables = stack.resources.tables;
const floorTables = {
  shipments: tables.shipments.name,
  inventory: tables.inventory.name,
  licenses: tables.licenses.name,
  history: tables.history.name,
  tallies: tables.tallies.name,
};
let sequence = 0;

async function plainTable(): Promise<string> {
  const name = `shapes-plain-${++sequence}`;
  await dynamodb.send(
    new CreateTableCommand({
      TableName: name,
      KeySchema: [{ AttributeName: 'shipmentId', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'shipmentId', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  return name;
}

/** Accepted shipments, as the intake leaves them (revision 1). */
const acceptedItems = (w: Workload): RawItem[] => heldItems(w).map((s) => ({ ...s, revision: 1 }));

async function seedCounters(w: Workload): Promise<void> {
  await batchPut(ddb, tables.inventory.name, heldInventory(w));
  await batchPut(
    ddb,
    tables.licenses.name,
    w.licenses.map((l) => ({ ...l, status: 'APPROVED', appliedStatus: 'APPROVED', pendingWork: 'bench' })),
  );
}

/**
 * The release's transactions: per license, up to 96 shipments + its Inventory ADDs + the guarded
 * license ADD. `page` cuts the backlog into pages first, as the engine does (200 a page: 96 + 96 + 8).
 */
async function transactions(table: string, w: Workload, page = Number.POSITIVE_INFINITY): Promise<number> {
  const at = new Date().toISOString();
  let calls = 0;
  const groups = (list: Workload['shipments']) => {
    const out: Workload['shipments'][] = [];
    for (let p = 0; p < list.length; p += page) {
      const onePage = list.slice(p, p + page);
      for (let i = 0; i < onePage.length; i += 96) out.push(onePage.slice(i, i + 96));
    }
    return out;
  };
  for (const l of w.licenses) {
    for (const group of groups(w.shipments.filter((s) => s.licenseId === l.licenseId))) {
      const byWarehouse = new Map<string, number>();
      for (const s of group)
        byWarehouse.set(s.warehouseId, (byWarehouse.get(s.warehouseId) ?? 0) + s.quantity);
      const units = group.reduce((n, s) => n + s.quantity, 0);
      await ddb.send(
        new TransactWriteCommand({
          TransactItems: [
            ...group.map((s) => ({ Update: releaseUpdate(table, s, at) })),
            ...[...byWarehouse].map(([warehouseId, q]) => ({
              Update: {
                TableName: tables.inventory.name,
                Key: { sku: w.sku, warehouseId },
                UpdateExpression: 'ADD #h :m, #r :p',
                ConditionExpression: 'attribute_exists(#s)',
                ExpressionAttributeNames: { '#h': 'held', '#r': 'released', '#s': 'sku' },
                ExpressionAttributeValues: { ':m': -q, ':p': q },
              },
            })),
            {
              Update: {
                TableName: tables.licenses.name,
                Key: { licenseId: l.licenseId },
                UpdateExpression: 'ADD #rq :q SET #by = :by',
                ConditionExpression:
                  'attribute_exists(#id) AND #s = :a AND #as = :a AND #pw = :pw AND (attribute_not_exists(#rq) OR #rq <= :max)',
                ExpressionAttributeNames: {
                  '#rq': 'releasedQuantity',
                  '#by': 'changedBy',
                  '#id': 'licenseId',
                  '#s': 'status',
                  '#as': 'appliedStatus',
                  '#pw': 'pendingWork',
                },
                ExpressionAttributeValues: {
                  ':q': units,
                  ':by': SYSTEM_ACTOR,
                  ':a': 'APPROVED',
                  ':pw': 'bench',
                  ':max': l.authorizedQuantity - units,
                },
              },
            },
          ],
        }),
      );
      calls++;
    }
  }
  return calls;
}

async function updates(table: string, w: Workload): Promise<number> {
  const at = new Date().toISOString();
  for (const s of w.shipments) await ddb.send(new UpdateCommand(releaseUpdate(table, s, at)));
  return w.shipments.length;
}

interface Shape {
  name: string;
  /** Untimed preparation; returns the timed step. */
  prepare(w: Workload): Promise<() => Promise<number>>;
}

const shapes: Shape[] = [
  {
    name: 'put / plain, 1 in flight',
    prepare: async (w) => {
      const t = await plainTable();
      return () => batchPut(ddb, t, releasedItems(w), 1);
    },
  },
  {
    name: 'put / plain, 4 in flight (the ceiling)',
    prepare: async (w) => {
      const t = await plainTable();
      return () => batchPut(ddb, t, releasedItems(w), 4);
    },
  },
  {
    name: 'put / shaped (stream + GSIs), 4 in flight',
    prepare: async (w) => () => batchPut(ddb, tables.shipments.name, releasedItems(w), 4),
  },
  {
    name: 'tx / plain, serial',
    prepare: async (w) => {
      const t = await plainTable();
      await batchPut(ddb, t, acceptedItems(w), 4);
      await seedCounters(w);
      return () => transactions(t, w);
    },
  },
  {
    name: 'tx / shaped, serial (the release)',
    prepare: async (w) => {
      await batchPut(ddb, tables.shipments.name, acceptedItems(w), 4);
      await seedCounters(w);
      return () => transactions(tables.shipments.name, w);
    },
  },
  {
    name: 'tx / shaped, serial, pages of 200 (as the engine cuts them)',
    prepare: async (w) => {
      await batchPut(ddb, tables.shipments.name, acceptedItems(w), 4);
      await seedCounters(w);
      return () => transactions(tables.shipments.name, w, 200);
    },
  },
  {
    name: 'tx / shaped, serial, as the floor (97 + 1 + 1 + 1, one warehouse a transaction)',
    prepare: async (w) => {
      await batchPut(ddb, tables.shipments.name, acceptedItems(w), 4);
      await batchPut(ddb, tables.inventory.name, heldInventory(w));
      await batchPut(ddb, tables.licenses.name, workingLicenses(w));
      return async () => (await replayRelease(ddb, floorTables, w, new Date().toISOString())).calls;
    },
  },
  {
    name: 'history / shaped, serial (100 conditional Puts a call)',
    prepare: async (w) => () => replayHistory(ddb, tables.history.name, w, new Date().toISOString()),
  },
  {
    name: 'update / shaped, serial (naive shipment write)',
    prepare: async (w) => {
      await batchPut(ddb, tables.shipments.name, acceptedItems(w), 4);
      return () => updates(tables.shipments.name, w);
    },
  },
];

const selected = ONLY === undefined ? shapes : shapes.filter((s) => s.name.includes(ONLY));
try {
  const results = new Map<string, { ms: number[]; node: number[]; jvm: number[]; calls: number }>();
  // Warm-up: every shape once at a tenth of the size.
  for (const shape of selected)
    await (await shape.prepare(makeWorkload(tagOf('W', ++sequence), N / 10, 3)))();
  for (let rep = 0; rep < REPS; rep++) {
    for (const shape of rep % 2 === 0 ? selected : [...selected].reverse()) {
      const w = makeWorkload(tagOf('X', ++sequence), N, 11);
      const step = await shape.prepare(w);
      collectGarbage();
      const cpu0 = process.cpuUsage();
      const jvm0 = processCpuS(jvm) ?? 0;
      const t0 = performance.now();
      const calls = await step();
      const ms = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      const r = results.get(shape.name) ?? { ms: [], node: [], jvm: [], calls };
      r.ms.push(ms);
      r.node.push((cpu.user + cpu.system) / 1e6);
      r.jvm.push((processCpuS(jvm) ?? 0) - jvm0);
      results.set(shape.name, r);
      log(`${shape.name}: ${(ms / 1000).toFixed(2)} s`);
    }
  }
  const per = (v: number) => ((v / N) * 1000).toFixed(2);
  const min = (v: number[]) => Math.min(...v);
  const lines = [
    `${N} shipments, best of ${REPS} (wall and CPU per 1,000 shipments; JVM = DynamoDB Local):`,
    '',
    '| shape | calls | wall s / 1k | Node CPU s / 1k | JVM CPU s / 1k |',
    '|---|---:|---:|---:|---:|',
  ];
  for (const [name, r] of results)
    lines.push(
      `| ${name} | ${r.calls} | ${per(min(r.ms) / 1000)} | ${per(min(r.node))} | ${per(min(r.jvm))} |`,
    );
  process.stderr.write(`\n${lines.join('\n')}\n`);
} finally {
  await stack.stop();
}
process.exit(0);
