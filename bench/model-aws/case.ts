/** Runs one case of the AWS model and sums it up: figures, end-state checks, what bounds it. */
import { APPEND_CONCURRENCY } from '../../shared/adapters/dynamo/history-repository.js';
import { inventoryKey } from '../../shared/domain/counters.js';
import { INDEX_KEY_SPREAD } from '../../shared/domain/index-keys.js';
import { NEW_TABLE_WRU } from './dynamo.js';
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
  /** reads: Query and GetItem calls (a held-index page is four); singleWriteConflicts: single writes a transaction held back. */
  calls: { reads: number; singleWrites: number; singleWriteConflicts: number; publishBatches: number };
  /**
   * Busiest hot key (1 s windows) of all, per kind, and on the notify path
   * (Inventory, License and GSI keys: what the release writes; History keys
   * are shipment-history's, apart from the messages). Utilisation: of
   * `partitionWcu`.
   */
  hotItems: {
    peakWcu: number;
    peakKey: string;
    utilisation: number;
    peakByKind: Record<string, number>;
    notifyPath: { peakWcu: number; peakKey: string; utilisation: number };
  };
  /** Each table's and GSI's peak write units in one second, and of its budget (`tableWru`). */
  tables: Record<string, { peakWru: number; budget: number; utilisation: number }>;
  /** Each function instance's CPU (s) and its share of the time to the last message (busiest instance per function). */
  cpu: Record<string, { seconds: number; utilisation: number }>;
  /**
   * Where license-events' transaction slots (licenseConcurrency) went from
   * the approval to the last release, slot-seconds: transactions that
   * committed, that conflicted, that failed otherwise (throttled), the
   * adapter's pauses between attempts, and no transaction waiting for the
   * slot (licenses reading, planning, handing over, or waiting on the stream).
   */
  writerSlots: {
    slots: number;
    committed: number;
    conflicted: number;
    failed: number;
    paused: number;
    idle: number;
    /** The busiest held item's holds as a share of the release. */
    busiestItemBusy: number;
  };
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
  /**
   * Lower bounds on the modeled times, seconds: each is time the run cannot
   * have done without (measured time in flight or on a CPU that could not
   * overlap, or write units over a budget), so none exceeds the figure it bounds.
   */
  bounds: Record<string, number>;
  /**
   * The largest bound of the release alone, of the last message (the
   * release's and shipment-events'), and of the last History entry (all).
   */
  bound: string;
  historyBound: string;
  releaseBound: string;
  /** Figure less its largest bound, seconds: what the bounds do not explain. */
  gaps: { release: number; notify: number; history: number };
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
  const dup = [...w.publisher.customerMessages.values()].filter((n) => n !== 1).length;
  // Shipments per license, read once: the bounds and the History-key report both start from the largest.
  const perLicense = new Map<string, number>();
  for (const item of storedItems(w.tables, 'shipments'))
    perLicense.set(String(item.licenseId), (perLicense.get(String(item.licenseId)) ?? 0) + 1);
  const releaseSeconds = sec(w.tables.lastReleaseAt);
  const notifySeconds = sec(w.publisher.lastPublishedAt);
  const historySeconds = lastHistoryWrite(w);
  const groups = boundsOf(w, config, perLicense);
  const bounds = { ...groups.release, ...groups.notify, ...groups.history };
  const releaseBound = largestOf(Object.entries(groups.release));
  const bound = largestOf(Object.entries({ ...groups.release, ...groups.notify }));
  const historyBound = largestOf(Object.entries(bounds));
  const writer = w.shipments.writer;
  const slots = config.licenseConcurrency;
  const slotSeconds = slots * releaseSeconds;
  const busiest = (list: { busyMs: number }[]) => Math.max(0, ...list.map((i) => i.busyMs)) / 1000;
  const cpuOf = (seconds: number) => ({ seconds, utilisation: seconds / Math.max(1e-9, notifySeconds) });
  const tableWru = (table: string) => lat.tableWru[table] ?? NEW_TABLE_WRU;
  return {
    shipments: config.shipments,
    licenses: config.licenses,
    releaseSeconds,
    notifySeconds,
    historySeconds,
    releasedPerSecond: w.tables.released / Math.max(1e-9, releaseSeconds),
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
    calls: {
      reads: s.reads,
      singleWrites: s.singleWrites,
      singleWriteConflicts: s.singleWriteConflicts,
      publishBatches: s.publishBatches,
    },
    hotItems: {
      peakWcu: s.peakWcu,
      peakKey: s.peakKey,
      utilisation: s.peakWcu / lat.partitionWcu,
      peakByKind: s.peakByKind,
      notifyPath: {
        peakWcu: s.notifyPathPeakWcu,
        peakKey: s.notifyPathPeakKey,
        utilisation: s.notifyPathPeakWcu / lat.partitionWcu,
      },
    },
    tables: Object.fromEntries(
      Object.entries(s.peakByTable).map(([t, peak]) => [
        t,
        { peakWru: peak, budget: tableWru(t), utilisation: peak / tableWru(t) },
      ]),
    ),
    cpu: {
      'license-events': cpuOf(w.instances.licenseEvents.busyMs / 1000),
      'shipment-events (busiest shard)': cpuOf(busiest(w.instances.shipmentEvents)),
      'shipment-history (busiest shard)': cpuOf(busiest(w.instances.shipmentHistory)),
    },
    writerSlots: {
      slots,
      committed: writer.committedMs / 1000,
      conflicted: writer.conflictedMs / 1000,
      failed: writer.failedMs / 1000,
      paused: (writer.commitMs - writer.committedMs - writer.conflictedMs - writer.failedMs) / 1000,
      idle: slotSeconds - writer.commitMs / 1000,
      busiestItemBusy: s.busiestHeldMs / 1000 / Math.max(1e-9, releaseSeconds),
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
    bound,
    historyBound,
    releaseBound,
    gaps: {
      release: releaseSeconds - (bounds[releaseBound] ?? 0),
      notify: notifySeconds - (bounds[bound] ?? 0),
      history: historySeconds - (bounds[historyBound] ?? 0),
    },
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
 * Lower bounds on each figure, seconds, from what the run measured; each
 * holds whatever the rest of the pipeline does, so the figure it bounds is
 * at least as large:
 * - release: the largest license's transactions, one in flight at a time
 *   (their CPU and latency as drawn; page reads overlap them and are left
 *   out); the item held longest by committed transactions (holds of one item
 *   cannot overlap); the largest license's GSI keys (1 WCU per shipment
 *   moved, `partitionWcu` a second each); license-events' CPU (one instance);
 *   each table's write units over its budget;
 * - notify, besides: PublishBatch latency as drawn over the most calls that
 *   can be in flight (shards × 2 audiences × publishConcurrency); the
 *   busiest shipment-events instance's CPU;
 * - History, besides: the largest license's History key (1 WCU per entry as
 *   a single put); History transactions' time in flight over the most that
 *   can be in flight (shards × APPEND_CONCURRENCY); the busiest
 *   shipment-history instance's CPU.
 */
function boundsOf(
  w: ReturnType<typeof modelWorld>,
  config: ModelConfig,
  perLicense: ReadonlyMap<string, number>,
): { release: Record<string, number>; notify: Record<string, number>; history: Record<string, number> } {
  const [largestId, largest] = [...perLicense].reduce((a, b) => (b[1] > a[1] ? b : a), ['', 0]);
  const { shipmentKb, historyKb } = config.sizes;
  const { partitionWcu, tableWru } = config.latency;
  const shards = config.shipmentShards;
  const s = w.sim.stats;
  const busiest = (list: { busyMs: number }[]) => Math.max(0, ...list.map((i) => i.busyMs)) / 1000;
  const tables = Object.fromEntries(
    Object.entries(s.unitsByTable).map(([t, units]) => [
      `${t} table's write units (${units} over ${tableWru[t] ?? NEW_TABLE_WRU} WRU/s)`,
      units / (tableWru[t] ?? NEW_TABLE_WRU),
    ]),
  );
  const historyTable = Object.keys(tables).filter((k) => k.startsWith('history '));
  return {
    release: {
      [`license writer (${largestId}'s transactions one at a time: their time in flight)`]:
        (w.shipments.writer.inFlightMsByLicense.get(largestId) ?? 0) / 1000,
      [`item held back to back (${s.busiestHeld.replace('\u0000', '#') || 'none'})`]: s.busiestHeldMs / 1000,
      [`GSI keys of the largest license (${INDEX_KEY_SPREAD} keys, 1 WCU per shipment moved, ${partitionWcu} WCU/s per key)`]:
        (largest * Math.max(1, Math.ceil(shipmentKb))) / INDEX_KEY_SPREAD / partitionWcu,
      'license-events CPU (one instance)': w.instances.licenseEvents.busyMs / 1000,
      ...Object.fromEntries(Object.entries(tables).filter(([k]) => !historyTable.includes(k))),
    },
    notify: {
      [`shipment-events PublishBatch latency (${shards} shards × 2 audiences × ${config.publishConcurrency} in flight)`]:
        s.publishMs / (shards * 2 * config.publishConcurrency) / 1000,
      'shipment-events CPU (busiest instance)': busiest(w.instances.shipmentEvents),
    },
    history: {
      [`History key of the largest license (1 WCU per entry as a single put, ${partitionWcu} WCU/s per key)`]:
        (largest * Math.max(1, Math.ceil(historyKb))) / partitionWcu,
      [`History transactions' time in flight (${shards} shards × ${APPEND_CONCURRENCY} in flight)`]:
        w.history.transactionMs / (shards * APPEND_CONCURRENCY) / 1000,
      'shipment-history CPU (busiest instance)': busiest(w.instances.shipmentHistory),
      ...Object.fromEntries(Object.entries(tables).filter(([k]) => historyTable.includes(k))),
    },
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
