/**
 * The AWS model's DynamoDB: latency, transaction conflicts, hot-key and
 * table throughput around the in-memory tables (shared/adapters/memory).
 * What it models, with `LatencyModel` for the figures:
 *
 * - `TransactWriteItems` takes `txMs` (uniform, seeded). Its items are HELD
 *   from `holdFrom` to `holdTo` of that latency (fractions; default 0 → 1,
 *   the whole call: conservative; the DynamoDB transactions paper, USENIX ATC
 *   2023, holds an item from prepare to commit, a part of it). A transaction
 *   whose hold starts while another holds one of its items is cancelled:
 *   `TransactionCanceledException`, `TransactionConflict` at that item's index.
 *   More than 100 actions, or two on one item, is a `ValidationException`
 *   (DynamoDB's "Transaction request cannot include multiple operations on
 *   one item"), before anything is held or written.
 * - Conditions are checked, and the writes applied, at the end of the hold,
 *   all or nothing; a failed one is `ConditionalCheckFailed` at its index. A
 *   cancelled transaction writes nothing.
 * - A single write (PutItem, UpdateItem) of an item a pending transaction
 *   holds is rejected with `TransactionConflictException` ("Operation was
 *   rejected because there is an ongoing transaction for the item"), after
 *   its latency; nothing is written. The SDK does not retry it; the callers
 *   see it as the real adapters would (ports.ts).
 * - Hot keys (Inventory items, License items, each license's keys in the
 *   two Shipments GSIs, each license's History key) have `partitionWcu` per
 *   second (fixed one-second windows, no burst): transactional writes cost 2
 *   WCU per KB, GSI writes and single puts 1 per KB. The budget is per KEY,
 *   not per partition: keys that share a partition (a license's four GSI
 *   keys, the Inventory items, other licenses' History keys) share its
 *   1,000 WCU/s on AWS until split for heat separates them; the model gives
 *   each its own from the start (optimistic).
 * - Each table and GSI (`table/<name>` keys) has `tableWru[name]` write
 *   request units per second, in the same windows: its warm throughput.
 * - A transaction over a key's or a table's budget is cancelled with
 *   `ThrottlingError` at the actions that write it; a single put over budget
 *   fails (the caller answers ProvisionedThroughputExceeded). Single updates
 *   (`write`) use the budget but are not throttled.
 * - Reads take `readMs`; `read(n)` is n Queries sent at once, the slowest of
 *   n draws. Single writes `writeMs`.
 * - CPU: `cpu(ms)` spends the calling function instance's CPU (cpu.ts).
 */
import {
  DynamoDBServiceException,
  TransactionCanceledException,
  TransactionConflictException,
} from '@aws-sdk/client-dynamodb';
import type { VirtualClock } from './clock.js';
import { type CpuModel, DEFAULT_CPU, spend } from './cpu.js';

export interface LatencyModel {
  txMs: [number, number];
  readMs: [number, number];
  writeMs: [number, number];
  publishMs: [number, number];
  holdFrom: number;
  holdTo: number;
  partitionWcu: number;
  /** Write request units a second each table or GSI sustains (its warm throughput), by name; see TABLE_WRU. */
  tableWru: Record<string, number>;
  /** The handlers' CPU (cpu.ts). */
  cpu: CpuModel;
}

/** What a new on-demand table (or GSI) sustains before it scales: 4,000 write request units a second. */
export const NEW_TABLE_WRU = 4000;

/**
 * Tables' write budgets: the Shipments table and both its GSIs pre-warmed to
 * 20,000 WRU/s (ARCHITECTURE.md, "Scale plan", step 4); every other table a
 * new on-demand table's 4,000 (an older table's warm throughput is at least that).
 */
export const TABLE_WRU: Record<string, number> = {
  shipments: 20_000,
  'shipments.held': 20_000,
  'shipments.released': 20_000,
};

export const DEFAULT_LATENCY: LatencyModel = {
  txMs: [25, 40],
  readMs: [5, 10],
  writeMs: [5, 10],
  publishMs: [15, 25],
  holdFrom: 0,
  holdTo: 1,
  partitionWcu: 1000,
  tableWru: TABLE_WRU,
  cpu: DEFAULT_CPU,
};

/** A key the budget applies to and what a write costs on it. */
export type HotUse = { key: string; wcu: number };

/** One action of a transaction: the item it touches, its condition-and-write, its WCU on hot keys. */
export interface SimAction {
  /** `table/key`, unique per item. */
  item: string;
  /** Checks the condition; true and applied, or false (nothing written). Called at the commit point. */
  apply?: () => boolean;
  /** Checks the condition only (all actions are checked before any is applied). */
  check: () => boolean;
  /** Hot keys (and `table/<name>` budgets) this action writes and the WCU it costs on each. */
  hot?: readonly HotUse[];
}

/** What the layer counted. */
export interface SimStats {
  transactions: number;
  committed: number;
  conflicts: number;
  throttled: number;
  conditionFailures: number;
  /** Single writes rejected with TransactionConflictException (an item a transaction held). */
  singleWriteConflicts: number;
  /** Read calls (Queries, GetItems): a held-index page is four. */
  reads: number;
  singleWrites: number;
  publishBatches: number;
  /** PublishBatch latency drawn, summed (ms). */
  publishMs: number;
  /** Peak WCU in one second on one hot key, and that key. */
  peakWcu: number;
  peakKey: string;
  /** Peak per kind of hot key (`inventory`, `license`, `gsi`, `history`). */
  peakByKind: Record<string, number>;
  /** The same over the keys other than History's (what the release and notifications write). */
  notifyPathPeakWcu: number;
  notifyPathPeakKey: string;
  /** Peak write units in one second on each table and GSI, and their sum over the run. */
  peakByTable: Record<string, number>;
  unitsByTable: Record<string, number>;
  /** The item with hot keys held longest in all (committed transactions' holds, ms): a serial bound. */
  busiestHeldMs: number;
  busiestHeld: string;
}

export class SimDynamo {
  /** item → end of its hold (virtual ms). */
  private readonly held = new Map<string, number>();
  /** hot key → [second, WCU used in it]. */
  private readonly used = new Map<string, [number, number]>();
  /** History key → WCU used in each second (epoch second → WCU): when a license's key was busy. */
  readonly historyUse = new Map<string, Map<number, number>>();
  readonly stats: SimStats = {
    transactions: 0,
    committed: 0,
    conflicts: 0,
    throttled: 0,
    conditionFailures: 0,
    singleWriteConflicts: 0,
    reads: 0,
    singleWrites: 0,
    publishBatches: 0,
    publishMs: 0,
    peakWcu: 0,
    peakKey: '',
    peakByKind: {},
    notifyPathPeakWcu: 0,
    notifyPathPeakKey: '',
    peakByTable: {},
    unitsByTable: {},
    busiestHeldMs: 0,
    busiestHeld: '',
  };
  /** Hot item → ms it was held by committed transactions. */
  private readonly heldMs = new Map<string, number>();

  constructor(
    readonly clock: VirtualClock,
    readonly model: LatencyModel = DEFAULT_LATENCY,
  ) {}

  private draw(range: [number, number]): number {
    return this.clock.between(range[0], range[1]);
  }

  /** Spends `ms` of the calling function instance's CPU (before the model's scale). */
  cpu(ms: number): Promise<void> {
    return spend(this.clock, this.model.cpu, ms);
  }

  /** `parallel` reads sent at once: done when the slowest answers. */
  async read(parallel = 1): Promise<void> {
    this.stats.reads += parallel;
    let latency = 0;
    for (let i = 0; i < parallel; i++) latency = Math.max(latency, this.draw(this.model.readMs));
    await this.clock.sleep(latency);
  }

  async publishBatch(): Promise<void> {
    this.stats.publishBatches++;
    const latency = this.draw(this.model.publishMs);
    this.stats.publishMs += latency;
    await this.clock.sleep(latency);
  }

  /**
   * A single UpdateItem/PutItem of `item`, after its latency; rejected with
   * TransactionConflictException (nothing written) when a pending
   * transaction holds the item as it arrives.
   */
  async write(item: string, hot: readonly HotUse[] = []): Promise<void> {
    this.stats.singleWrites++;
    const latency = this.draw(this.model.writeMs);
    if (this.isHeld(item)) {
      this.stats.singleWriteConflicts++;
      await this.clock.sleep(latency);
      throw conflictOfSingleWrite();
    }
    this.consume(hot);
    await this.clock.sleep(latency);
  }

  /**
   * A single conditional PutItem that a hot key can throttle: false (after
   * its latency) when a key is over its budget this second, as DynamoDB
   * answers ProvisionedThroughputExceeded; nothing is written then. Rejected
   * with TransactionConflictException when a pending transaction holds the item.
   */
  async put(item: string, hot: readonly HotUse[]): Promise<boolean> {
    this.stats.singleWrites++;
    const latency = this.draw(this.model.writeMs);
    if (this.isHeld(item)) {
      this.stats.singleWriteConflicts++;
      await this.clock.sleep(latency);
      throw conflictOfSingleWrite();
    }
    if (this.overBudget(hot).size > 0) {
      this.stats.throttled++;
      await this.clock.sleep(latency);
      return false;
    }
    this.consume(hot);
    await this.clock.sleep(latency);
    return true;
  }

  private isHeld(item: string): boolean {
    return (this.held.get(item) ?? -1) > this.clock.now();
  }

  /**
   * One TransactWriteItems. Resolves when committed; rejects as DynamoDB
   * would: ValidationException (more than 100 actions, two on one item),
   * TransactionCanceledException (conflict, throttling, condition).
   */
  async transact(actions: readonly SimAction[]): Promise<void> {
    const invalid = validationProblem(actions);
    if (invalid !== undefined) {
      await this.clock.sleep(this.draw(this.model.writeMs));
      throw new DynamoDBServiceException({
        name: 'ValidationException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: invalid,
      });
    }
    this.stats.transactions++;
    const latency = this.draw(this.model.txMs);
    const { holdFrom, holdTo } = this.model;
    await this.clock.sleep(latency * holdFrom);
    const now = this.clock.now();
    const conflicting = actions.map((a) => (this.held.get(a.item) ?? -1) > now);
    if (conflicting.some(Boolean)) {
      this.stats.conflicts++;
      await this.clock.sleep(latency * (1 - holdFrom));
      throw cancelled(conflicting.map((c) => (c ? 'TransactionConflict' : 'None')));
    }
    const hot = actions.flatMap((a) => a.hot ?? []);
    const over = this.overBudget(hot);
    if (over.size > 0) {
      this.stats.throttled++;
      await this.clock.sleep(latency * (1 - holdFrom));
      // ThrottlingError on the actions that write a key over its budget.
      throw cancelled(actions.map((a) => (a.hot?.some((h) => over.has(h.key)) ? 'ThrottlingError' : 'None')));
    }
    this.consume(hot);
    const end = now + latency * (holdTo - holdFrom);
    for (const a of actions) this.held.set(a.item, end);
    await this.clock.sleep(latency * (holdTo - holdFrom));
    const failed = actions.map((a) => !a.check());
    if (!failed.some(Boolean)) for (const a of actions) a.apply?.();
    for (const a of actions) if (this.held.get(a.item) === end) this.held.delete(a.item);
    await this.clock.sleep(latency * (1 - holdTo));
    if (failed.some(Boolean)) {
      this.stats.conditionFailures++;
      throw cancelled(failed.map((f) => (f ? 'ConditionalCheckFailed' : 'None')));
    }
    this.stats.committed++;
    for (const a of actions) {
      if (!a.hot?.some((h) => !isTable(h.key)) || a.item.startsWith('shipments/')) continue;
      const ms = (this.heldMs.get(a.item) ?? 0) + latency * (holdTo - holdFrom);
      this.heldMs.set(a.item, ms);
      if (ms > this.stats.busiestHeldMs) {
        this.stats.busiestHeldMs = ms;
        this.stats.busiestHeld = a.item;
      }
    }
  }

  /** The budget of a hot key or table, per second. */
  private budgetOf(key: string): number {
    return isTable(key)
      ? (this.model.tableWru[key.slice('table/'.length)] ?? NEW_TABLE_WRU)
      : this.model.partitionWcu;
  }

  /** The hot keys and tables that lack the WCU in this second. */
  private overBudget(hot: readonly HotUse[]): Set<string> {
    const second = Math.floor(this.clock.now() / 1000);
    const need = new Map<string, number>();
    for (const h of hot) need.set(h.key, (need.get(h.key) ?? 0) + h.wcu);
    const over = new Set<string>();
    for (const [key, wcu] of need) {
      const u = this.used.get(key);
      const spent = u && u[0] === second ? u[1] : 0;
      if (spent + wcu > this.budgetOf(key)) over.add(key);
    }
    return over;
  }

  private consume(hot: readonly HotUse[]): void {
    const second = Math.floor(this.clock.now() / 1000);
    const s = this.stats;
    for (const h of hot) {
      const u = this.used.get(h.key);
      const spent = (u && u[0] === second ? u[1] : 0) + h.wcu;
      this.used.set(h.key, [second, spent]);
      if (isTable(h.key)) {
        const table = h.key.slice('table/'.length);
        s.unitsByTable[table] = (s.unitsByTable[table] ?? 0) + h.wcu;
        if (spent > (s.peakByTable[table] ?? 0)) s.peakByTable[table] = spent;
        continue;
      }
      if (spent > s.peakWcu) {
        s.peakWcu = spent;
        s.peakKey = h.key;
      }
      const kind = h.key.split('/')[0] ?? h.key;
      if (kind === 'history') {
        const use = this.historyUse.get(h.key) ?? new Map<number, number>();
        this.historyUse.set(h.key, use.set(second, spent));
      } else if (spent > s.notifyPathPeakWcu) {
        s.notifyPathPeakWcu = spent;
        s.notifyPathPeakKey = h.key;
      }
      if (spent > (s.peakByKind[kind] ?? 0)) s.peakByKind[kind] = spent;
    }
  }
}

const isTable = (key: string) => key.startsWith('table/');

/** What DynamoDB's validation rejects in a TransactWriteItems, or undefined. */
function validationProblem(actions: readonly SimAction[]): string | undefined {
  if (actions.length === 0 || actions.length > 100)
    return `1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100 and greater than or equal to 1 (${actions.length})`;
  if (new Set(actions.map((a) => a.item)).size < actions.length)
    return 'Transaction request cannot include multiple operations on one item';
  return undefined;
}

function conflictOfSingleWrite(): TransactionConflictException {
  return new TransactionConflictException({
    message: 'Transaction is ongoing for the item',
    $metadata: { httpStatusCode: 400 },
  });
}

function cancelled(codes: readonly string[]): TransactionCanceledException {
  return new TransactionCanceledException({
    message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes.join(', ')}]`,
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });
}

/** A table's budget key and the write units a write of `kb` costs it (`factor` 2 in a transaction). */
export const tableUse = (table: string, kb: number, factor: number): HotUse => ({
  key: `table/${table}`,
  wcu: factor * Math.max(1, Math.ceil(kb)),
});
