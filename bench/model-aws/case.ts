/** Runs one case of the AWS model and sums it up: figures, end-state checks, what bounds it. */
import { inventoryKey } from '../../shared/domain/counters.js';
import { INDEX_KEY_SPREAD } from '../../shared/domain/index-keys.js';
import { approveAll, type ModelConfig, modelWorld, seedWorkload } from './model.js';
import { storedItems } from './ports.js';

export interface CaseResult {
  shipments: number;
  licenses: number;
  /** Modeled seconds from the approval to the last shipment RELEASED, and to the last message published. */
  releaseSeconds: number;
  notifySeconds: number;
  releasedPerSecond: number;
  /** Each license's first customer message after the approval: first, last, spread (modeled seconds). */
  firstMessage: { earliest: number; latest: number; spread: number };
  transactions: {
    all: number;
    release: number;
    history: number;
    /** History writes (transactions and single puts) throttled on a license's History key and retried. */
    historyThrottled: number;
    /** History entries written as single PutItems after a throttled transaction. */
    historySinglePuts: number;
    attempts: number;
    retries: number;
    conflicts: number;
    throttled: number;
    /** Cancelled with TransactionConflict, of all TransactWriteItems (release, History). */
    conflictRate: number;
    /** The same, of the release writer's attempts only. */
    writerConflictRate: number;
  };
  calls: { reads: number; singleWrites: number; publishBatches: number };
  hotItems: { peakWcu: number; peakKey: string; utilisation: number; peakByKind: Record<string, number> };
  streams: {
    licenseInvocations: number;
    shipmentInvocations: number;
    /** shipment-history's invocations (the Shipments stream's second mapping). */
    historyInvocations: number;
    peakShipmentBacklog: number;
    retried: number;
    dropped: number;
  };
  /**
   * The largest license's History key over time (modeled seconds): its first
   * write, the first second it used ≥ 90 % of its 1,000 WCU, its mean WCU/s
   * before that, and its last write.
   */
  historyKeyOfLargest: {
    licenseId: string;
    first: number;
    saturatedFrom: number;
    meanWcuBefore: number;
    last: number;
  };
  /** Lower bounds on the modeled time from each candidate bound, seconds. */
  bounds: Record<string, number>;
  /**
   * The largest bound of all but History's (what the last notification waits
   * for), of History (what the last entry waits for), and of the release alone.
   */
  bound: string;
  historyBound: string;
  releaseBound: string;
  /** Approval → the last History entry's 1-s window (shipment-history finishes behind the messages). */
  historySeconds: number;
  checks: {
    released: number;
    customerMessages: number;
    duplicates: number;
    countersExact: boolean;
    /** Distinct shipment History entries written (one per committed change: one per release here). */
    historyEntries: number;
  };
  realSeconds: number;
  events: number;
  heapMb: number;
}

export async function runCase(config: ModelConfig): Promise<CaseResult> {
  const w = modelWorld(config);
  const { licenseIds } = seedWorkload(w, config);
  const seeded = performance.now();
  await w.clock.run(async () => approveAll(w, licenseIds));
  const realSeconds = (performance.now() - seeded) / 1000;
  const s = w.sim.stats;
  const sec = (t: number) => Math.max(0, (t - w.t0) / 1000);
  const firsts = [...w.publisher.firstByCustomer.values()].map(sec);
  const release = w.shipments.writer.committed;
  const lat = config.latency;
  const mean = (r: [number, number]) => (r[0] + r[1]) / 2;
  const dup = [...w.publisher.customerMessages.values()].filter((n) => n !== 1).length;
  // Shipments per license, read once: the bounds and the History-key report both start from the largest.
  const perLicense = new Map<string, number>();
  for (const item of storedItems(w.tables, 'shipments'))
    perLicense.set(String(item.licenseId), (perLicense.get(String(item.licenseId)) ?? 0) + 1);
  const bounds = boundsOf(
    w,
    config,
    release,
    mean(lat.txMs),
    mean(lat.readMs),
    mean(lat.publishMs),
    perLicense,
  );
  const notifySeconds = sec(w.publisher.lastPublishedAt);
  return {
    shipments: config.shipments,
    licenses: config.licenses,
    releaseSeconds: sec(w.tables.lastReleaseAt),
    notifySeconds,
    historySeconds: lastHistoryWrite(w),
    releasedPerSecond: w.tables.released / Math.max(1e-9, sec(w.tables.lastReleaseAt)),
    firstMessage: {
      earliest: Math.min(...firsts),
      latest: Math.max(...firsts),
      spread: Math.max(...firsts) - Math.min(...firsts),
    },
    transactions: {
      all: s.transactions,
      release,
      history: w.history.transactions,
      historyThrottled: w.history.throttled,
      historySinglePuts: w.history.singlePuts,
      attempts: w.shipments.writer.attempts,
      retries: w.shipments.writer.retries,
      conflicts: s.conflicts,
      throttled: s.throttled,
      conflictRate: s.conflicts / Math.max(1, s.transactions),
      writerConflictRate: w.shipments.writer.conflicts / Math.max(1, w.shipments.writer.attempts),
    },
    calls: { reads: s.reads, singleWrites: s.singleWrites, publishBatches: s.publishBatches },
    hotItems: {
      peakWcu: s.peakWcu,
      peakKey: s.peakKey,
      utilisation: s.peakWcu / lat.partitionWcu,
      peakByKind: s.peakByKind,
    },
    streams: {
      licenseInvocations: w.mappings.licenses?.invocations ?? 0,
      shipmentInvocations: w.mappings.shipments?.invocations ?? 0,
      peakShipmentBacklog: w.mappings.shipments?.peakBacklog ?? 0,
      historyInvocations: w.mappings.shipmentHistory?.invocations ?? 0,
      retried: mappingsOf(w).reduce((n, m) => n + m.retried, 0),
      dropped: mappingsOf(w).reduce((n, m) => n + m.dropped, 0),
    },
    historyKeyOfLargest: historyKeyOfLargest(w, config, perLicense),
    bounds,
    // History is recorded apart from notifying (shipment-history): it bounds only itself.
    bound: largestOf(Object.entries(bounds).filter(([k]) => !k.startsWith('History'))),
    historyBound: largestOf(Object.entries(bounds).filter(([k]) => k.startsWith('History'))),
    // Publishing is shipment-events' work, after the release.
    releaseBound: largestOf(
      Object.entries(bounds).filter(([k]) => !k.startsWith('shipment-events') && !k.startsWith('History')),
    ),
    checks: {
      released: w.tables.released,
      customerMessages: w.publisher.customerMessages.size,
      duplicates: dup,
      countersExact: countersExact(w.tables, licenseIds),
      historyEntries: w.history.seen.size,
    },
    realSeconds,
    events: w.clock.events,
    heapMb: Math.round(process.memoryUsage().heapUsed / 1e6),
  };
}

/**
 * What each part of the pipeline needs at least, in modeled seconds, from
 * the calls it made; the largest is named as the bound:
 * - the busiest license's writer: its transactions and page reads one after another;
 * - the item held longest by committed transactions (holds of one item cannot overlap);
 * - the largest license's keys in each Shipments GSI: one WCU per shipment moved, 1,000 WCU/s per key;
 * - the largest license's History key: its entries (one per release) at 1 WCU each (single puts once
 *   hot; 2 in a transaction), 1,000 WCU/s;
 * - the Shipments stream: each shard's History transactions and PublishBatch calls one after another.
 */
function boundsOf(
  w: ReturnType<typeof modelWorld>,
  config: ModelConfig,
  release: number,
  txMs: number,
  readMs: number,
  publishMs: number,
  perLicense: ReadonlyMap<string, number>,
): Record<string, number> {
  const largest = Math.max(...perLicense.values());
  const share = largest / Math.max(1, config.shipments);
  const { shipmentKb } = config.sizes;
  const shards = config.shipmentShards;
  const publishing = (w.sim.stats.publishBatches * publishMs) / config.publishConcurrency;
  return {
    'license writer (one transaction in flight per license, then its next page read)':
      (share * (release * txMs + (config.shipments / config.pageSize) * readMs)) / 1000,
    [`item held back to back (${w.sim.stats.busiestHeld.replace('\u0000', '#') || 'none'})`]:
      w.sim.stats.busiestHeldMs / 1000,
    [`GSI keys of the largest license (${INDEX_KEY_SPREAD} keys, 1 WCU per shipment moved, 1,000 WCU/s per key)`]:
      (largest * Math.max(1, Math.ceil(shipmentKb))) / INDEX_KEY_SPREAD / config.latency.partitionWcu,
    'History key of the largest license (1 WCU per entry as a single put, 1,000 WCU/s per key)':
      (largest * Math.max(1, Math.ceil(config.sizes.historyKb))) / config.latency.partitionWcu,
    'shipment-events per shard (PublishBatch calls, serial)': publishing / shards / 1000,
    'History consumer per shard (shipment-history: History transactions, serial)':
      (w.history.transactions * txMs) / shards / 1000,
  };
}

/** Approval → the last 1-s window in which any History key was written, seconds. */
function lastHistoryWrite(w: ReturnType<typeof modelWorld>): number {
  let last = 0;
  for (const use of w.sim.historyUse.values()) for (const second of use.keys()) last = Math.max(last, second);
  return last === 0 ? 0 : last - Math.floor(w.t0 / 1000);
}

/** The model's stream mappings that exist. */
const mappingsOf = (w: ReturnType<typeof modelWorld>) =>
  [w.mappings.licenses, w.mappings.shipments, w.mappings.shipmentHistory].filter(
    (m): m is NonNullable<typeof m> => m !== undefined,
  );

/** How the largest license's History key was used over the run (see CaseResult.historyKeyOfLargest). */
function historyKeyOfLargest(
  w: ReturnType<typeof modelWorld>,
  config: ModelConfig,
  perLicense: ReadonlyMap<string, number>,
) {
  const [licenseId] = [...perLicense].reduce((a, b) => (b[1] > a[1] ? b : a), ['', -1]);
  const use = w.sim.historyUse.get(`history/${licenseId}`) ?? new Map<number, number>();
  const seconds = [...use.keys()].sort((a, b) => a - b);
  const t0 = Math.floor(w.t0 / 1000);
  const first = seconds[0] ?? t0;
  const saturated = seconds.find((s) => (use.get(s) ?? 0) >= 0.9 * config.latency.partitionWcu) ?? first;
  let before = 0;
  for (const s of seconds) if (s < saturated) before += use.get(s) ?? 0;
  return {
    licenseId,
    first: first - t0,
    saturatedFrom: saturated - t0,
    meanWcuBefore: saturated > first ? before / (saturated - first) : 0,
    last: (seconds.at(-1) ?? t0) - t0 + 1,
  };
}

const largestOf = (entries: [string, number][]): string =>
  entries.reduce((a, b) => (b[1] > a[1] ? b : a), ['none', -1])[0];

/** Inventory counters and license drawdowns equal what the released shipments add up to. */
function countersExact(
  tables: ReturnType<typeof modelWorld>['tables'],
  licenseIds: readonly string[],
): boolean {
  const byWarehouse = new Map<string, number>();
  const byLicense = new Map<string, number>();
  let heldLeft = 0;
  for (const s of storedItems(tables, 'shipments')) {
    if (s.status !== 'RELEASED') {
      heldLeft++;
      continue;
    }
    const key = inventoryKey({ sku: String(s.sku), warehouseId: String(s.warehouseId) });
    byWarehouse.set(key, (byWarehouse.get(key) ?? 0) + Number(s.quantity));
    byLicense.set(String(s.licenseId), (byLicense.get(String(s.licenseId)) ?? 0) + Number(s.quantity));
  }
  const inventoryOk = [...byWarehouse].every(([key, units]) => {
    const inv = tables.get('inventory', key);
    return inv?.released === units && inv.held === 0;
  });
  const licensesOk = licenseIds.every((id) => {
    const l = tables.get('licenses', id);
    return l?.releasedQuantity === (byLicense.get(id) ?? 0) && l?.pendingWork === undefined;
  });
  return heldLeft === 0 && inventoryOk && licensesOk;
}
