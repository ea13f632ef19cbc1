/**
 * One run of the AWS model: a workload seeded as shipment-events' intake
 * leaves it (HELD, counted, in the held index), licenses PENDING; at t0 the
 * admin approves every license in the console; the Licenses stream drives
 * license-events (the real engine, the handler's batching) and the Shipments
 * stream drives shipment-events (the real engine), in virtual time, until
 * nothing is left to do.
 */

import {
  LICENSE_EVENTS_BATCH_SIZE,
  RELEASE_CONCURRENCY,
  RELEASE_FIRST_SLICE_MS,
  RELEASE_TIME_BUDGET_MS,
  SETTLE_DELAY_MS,
  STREAM_BISECT_ON_ERROR,
  STREAM_RETRY_ATTEMPTS,
} from '../../infra/tuning.js';
import { mulberry32 } from '../../local/random.js';
import { PUBLISH_CONCURRENCY } from '../../shared/adapters/sns.js';
import { countedAsOf, inventoryKey } from '../../shared/domain/counters.js';
import { indexKey } from '../../shared/domain/index-keys.js';
import { isSettledImage } from '../../shared/domain/license-rules.js';
import { holdOrderKey } from '../../shared/domain/planning.js';
import type { RawItem } from '../../shared/domain/ports.js';
import type { LicenseEngineDeps } from '../../shared/engine/license-engine.js';
import {
  processShipmentRecords,
  recordShipmentHistory,
  type ShipmentEngineDeps,
  shipmentRecordOf,
} from '../../shared/engine/shipment-engine.js';
import { GSI_ATTR, SYSTEM_ACTOR } from '../../shared/names.js';
import { applyBatch } from './apply.js';
import { VirtualClock } from './clock.js';
import { FunctionInstance, onInstance } from './cpu.js';
import { DEFAULT_LATENCY, type LatencyModel, SimDynamo } from './dynamo.js';
import { CountingHistory } from './history.js';
import { ModelAlerter, ModelPublisher } from './messaging.js';
import {
  DEFAULT_SIZES,
  type ItemSizes,
  ModelShipmentRepository,
  modelInventory,
  modelLicenses,
  StreamedTables,
} from './ports.js';
import { StreamMapping } from './streams.js';

export interface ModelConfig {
  shipments: number;
  licenses: number;
  seed: number;
  latency: LatencyModel;
  sizes: ItemSizes;
  /** license-events: records per invocation (LICENSE_EVENTS_BATCH_SIZE, as deployed). */
  licenseBatch: number;
  /**
   * Shipment transactions in flight across the licenses of one license-events
   * batch, all of which are applied at once (RELEASE_CONCURRENCY, as deployed).
   */
  licenseConcurrency: number;
  /**
   * Shards of the Shipments stream, each read by one shipment-events and one
   * shipment-history instance at a time. On AWS the stream has an open shard
   * per partition of the table (DescribeStream lists them; the count is not
   * set, nor published): a new on-demand table's 4,000 WCU and 12,000 RCU a
   * second take at least 4 partitions (1,000 WCU and 3,000 RCU each), so 4 is
   * the fewest such a table has; pre-warmed to 20,000 WCU/s it has at least
   * 20, and splits for size or heat add more. Fewer shards put the whole
   * notify path on fewer instances: the figures get worse, not better.
   */
  shipmentShards: number;
  /** PublishBatch calls in flight per audience and publish (PUBLISH_CONCURRENCY, as deployed). */
  publishConcurrency: number;
  /** Shipments read per GSI page (the engine's default 200). */
  pageSize: number;
  /** The Streams poller's idle interval, and a warm invocation's overhead. */
  streamLagMs: number;
  invokeOverheadMs: number;
}

export const DEFAULT_CONFIG: ModelConfig = {
  shipments: 1_000_000,
  licenses: 1,
  seed: 1,
  latency: DEFAULT_LATENCY,
  sizes: DEFAULT_SIZES,
  licenseBatch: LICENSE_EVENTS_BATCH_SIZE,
  licenseConcurrency: RELEASE_CONCURRENCY,
  shipmentShards: 4,
  publishConcurrency: PUBLISH_CONCURRENCY,
  pageSize: 200,
  streamLagMs: 250,
  invokeOverheadMs: 20,
};

const SKU = 'H20-M';
const WAREHOUSES = ['WH-1', 'WH-2', 'WH-3'];
const QUANTITIES = [8, 8, 16, 16, 16, 24, 32, 32, 48, 64, 96, 128, 256, 512];
const T0 = Date.parse('2026-06-01T12:00:00.000Z');
const LAMBDA_TIMEOUT_MS = 900_000;
const SAFETY_MS = 10_000;

/** Backlogs of `n` shipments over `licenses` licenses: uneven (1/(i+1) weights: a few large, many small). */
export function backlogs(n: number, licenses: number): number[] {
  const weights = Array.from({ length: licenses }, (_, i) => 1 / (i + 1));
  const total = weights.reduce((a, b) => a + b, 0);
  const sizes = weights.map((w) => Math.max(1, Math.floor((n * w) / total)));
  sizes[0] = (sizes[0] ?? 0) + n - sizes.reduce((a, b) => a + b, 0);
  return sizes;
}

/** The model's world: tables, ports, streams, the three stream handlers. */
export function modelWorld(config: ModelConfig) {
  const clock = new VirtualClock(T0, config.seed);
  const sim = new SimDynamo(clock, config.latency);
  const mappings: { licenses?: StreamMapping; shipments?: StreamMapping; shipmentHistory?: StreamMapping } =
    {};
  const tables = new StreamedTables(
    () => clock.now(),
    (table, entry) => {
      mappings[table]?.push(entry);
      if (table === 'shipments') mappings.shipmentHistory?.push(entry);
    },
  );
  const shipments = new ModelShipmentRepository(tables, sim, config.sizes);
  const licenses = modelLicenses(tables, sim, config.sizes);
  const inventory = modelInventory(tables, sim);
  const alerter = new ModelAlerter(sim);
  const publisher = new ModelPublisher(sim, 1, config.publishConcurrency);
  const history = new CountingHistory(sim, config.sizes);
  // The function instances, each a CPU of its own (cpu.ts): license-events has one (the Licenses stream
  // has one shard); shipment-events and shipment-history one per Shipments shard.
  const instances = {
    licenseEvents: new FunctionInstance('license-events'),
    shipmentEvents: Array.from(
      { length: config.shipmentShards },
      (_, i) => new FunctionInstance(`shipment-events/${i}`),
    ),
    shipmentHistory: Array.from(
      { length: config.shipmentShards },
      (_, i) => new FunctionInstance(`shipment-history/${i}`),
    ),
  };
  const { cpu } = config.latency;
  let tokens = 0;
  const newToken = () => `tok-${++tokens}`;
  const now = () => new Date(clock.now());
  const licenseDeps: LicenseEngineDeps = {
    licenses,
    shipments,
    inventory,
    alerter,
    now,
    newToken,
    settleDelayMs: SETTLE_DELAY_MS,
    firstSliceMs: RELEASE_FIRST_SLICE_MS,
    pageSize: config.pageSize,
  };
  // One function instance per shard: each keeps its own History state (which keys it found hot).
  const shipmentDeps = Array.from(
    { length: config.shipmentShards },
    (): ShipmentEngineDeps => ({
      shipments,
      licenses,
      inventory,
      alerter,
      publisher,
      // Rejected edits' entries only (none in the model's workload): shipment-history records the rest.
      history: history.instance(),
      newToken,
      now,
    }),
  );
  const stream = {
    lagMs: config.streamLagMs,
    overheadMs: config.invokeOverheadMs,
    // The deployed mappings' failure settings (infra/tuning.ts).
    maxRetries: STREAM_RETRY_ATTEMPTS,
    bisect: STREAM_BISECT_ON_ERROR,
  };
  // The Shipments stream's mapping settings (infra/stack.ts), for each of its consumers.
  const shipmentStream = { shards: config.shipmentShards, batchSize: 1000, windowMs: 2000, ...stream };
  mappings.licenses = new StreamMapping(
    clock,
    { shards: 1, batchSize: config.licenseBatch, windowMs: 0, ...stream },
    (records) =>
      onInstance(instances.licenseEvents, async () => {
        // functions/license-events.ts: each license of the batch once, from its first unsettled record.
        const first = new Map<string, string>();
        for (const r of records)
          if (r.eventName !== 'REMOVE' && !isSettledImage(r.newImage) && !first.has(r.key))
            first.set(r.key, r.sequence);
        const end = clock.now() + LAMBDA_TIMEOUT_MS - SAFETY_MS;
        const failed = await applyBatch(
          licenseDeps,
          [...first.keys()],
          end,
          RELEASE_TIME_BUDGET_MS,
          config.licenseConcurrency,
        );
        return [...failed].map((id) => first.get(id) ?? '');
      }),
  );
  // Each invocation first parses its event (both images of each record), then the engine's own work.
  mappings.shipments = new StreamMapping(clock, shipmentStream, (records, shard) =>
    onInstance(instances.shipmentEvents[shard] as FunctionInstance, async () => {
      await sim.cpu(records.length * (cpu.recordMs + cpu.notifyRecordMs));
      const result = await processShipmentRecords(
        shipmentDeps[shard] as ShipmentEngineDeps,
        records.map(shipmentRecordOf),
      );
      return result.failed;
    }),
  );
  // shipment-history, the Shipments stream's second consumer: one instance per shard, each with its
  // own History state; as functions/shipment-history.ts, the records of entries not written are
  // reported as failed (an append that wrote none fails the batch), and the mapping reads them again.
  const writers = Array.from({ length: config.shipmentShards }, () => history.instance());
  mappings.shipmentHistory = new StreamMapping(clock, shipmentStream, (records, shard) =>
    onInstance(instances.shipmentHistory[shard] as FunctionInstance, async () => {
      const writer = writers[shard];
      if (!writer) return [];
      await sim.cpu(records.length * (cpu.recordMs + cpu.historyRecordMs));
      return (await recordShipmentHistory({ history: writer }, records.map(shipmentRecordOf))).failed;
    }),
  );
  return { clock, sim, tables, shipments, publisher, alerter, history, mappings, instances, t0: T0 };
}

export type ModelWorld = ReturnType<typeof modelWorld>;

/** Seeds `config.licenses` PENDING licenses with uneven backlogs totalling `config.shipments`. */
export function seedWorkload(w: ModelWorld, config: ModelConfig): { licenseIds: string[]; units: number } {
  const random = mulberry32(config.seed);
  w.tables.seeding = true;
  for (const warehouseId of WAREHOUSES)
    w.tables.put('inventory', { sku: SKU, warehouseId, onHand: 1e12, held: 0, released: 0, shipped: 0 });
  const held = new Map<string, number>();
  const licenseIds: string[] = [];
  let units = 0;
  backlogs(config.shipments, config.licenses).forEach((n, i) => {
    const licenseId = `LIC-${String(i).padStart(3, '0')}`;
    const customerId = `CUST-${String(i).padStart(3, '0')}`;
    let licenseUnits = 0;
    for (let j = 0; j < n; j++) {
      const warehouseId = WAREHOUSES[Math.floor(random() * WAREHOUSES.length)] as string;
      const quantity = QUANTITIES[Math.floor(random() * QUANTITIES.length)] as number;
      const s = {
        shipmentId: `SHP-${String(i).padStart(3, '0')}-${String(j).padStart(7, '0')}`,
        licenseId,
        customerId,
        sku: SKU,
        warehouseId,
        quantity,
        priority: 5,
        requestedAt: new Date(T0 - 86_400_000 + j).toISOString(),
      };
      w.tables.put('shipments', accepted(s));
      licenseUnits += quantity;
      const key = inventoryKey({ sku: SKU, warehouseId });
      held.set(key, (held.get(key) ?? 0) + quantity);
    }
    units += licenseUnits;
    licenseIds.push(licenseId);
    w.tables.put('licenses', {
      licenseId,
      licenseNumber: `EAR-2026-${String(i).padStart(6, '0')}`,
      customerId,
      sku: SKU,
      destinationCountry: 'AE',
      authorizedQuantity: licenseUnits,
      releasedQuantity: 0,
      releasedValue: 0,
      status: 'PENDING',
      appliedStatus: 'PENDING',
      validFrom: '2020-01-01T00:00:00.000Z',
      validUntil: '2099-12-31T23:59:59.999Z',
    });
  });
  for (const warehouseId of WAREHOUSES) {
    const key = inventoryKey({ sku: SKU, warehouseId });
    const inv = w.tables.get('inventory', key) as RawItem;
    w.tables.write('inventory', key, { ...inv, held: held.get(key) ?? 0 });
  }
  w.tables.seeding = false;
  return { licenseIds, units };
}

/** A shipment as shipment-events' intake leaves it (test/helpers/factories.ts `asAccepted`). */
function accepted(s: {
  shipmentId: string;
  licenseId: string;
  customerId: string;
  sku: string;
  warehouseId: string;
  quantity: number;
  priority: number;
  requestedAt: string;
}): RawItem {
  return {
    ...s,
    status: 'HELD',
    holdReason: 'LICENSE_PENDING',
    countedStatus: 'HELD',
    countedAs: countedAsOf(s),
    [GSI_ATTR.heldLicenseId]: indexKey(s.licenseId, s.shipmentId),
    [GSI_ATTR.holdOrder]: holdOrderKey(s),
    changedBy: SYSTEM_ACTOR,
    revision: 1,
  };
}

/** The admin approves every license at t0, in the console (one Licenses stream record each). */
export function approveAll(w: ModelWorld, licenseIds: readonly string[]): void {
  for (const id of licenseIds) {
    const current = w.tables.get('licenses', id) as RawItem;
    w.tables.write('licenses', id, { ...current, status: 'APPROVED' });
  }
}
