/**
 * The AWS model's DynamoDB: latency, transaction conflicts and hot-item
 * throughput around the in-memory tables (shared/adapters/memory). What it
 * models, with `LatencyModel` for the figures:
 *
 * - `TransactWriteItems` takes `txMs` (uniform, seeded). Its items are HELD
 *   from `holdFrom` to `holdTo` of that latency (fractions; default 0 → 1,
 *   the whole call: conservative; the DynamoDB transactions paper, USENIX ATC
 *   2023, holds an item from prepare to commit, a part of it). A transaction
 *   whose hold starts while another holds one of its items is cancelled:
 *   `TransactionCanceledException`, `TransactionConflict` at that item's index.
 * - Conditions are checked, and the writes applied, at the end of the hold,
 *   all or nothing; a failed one is `ConditionalCheckFailed` at its index.
 * - Hot items (Inventory, License, and each license's key in the two
 *   Shipments GSIs) have `partitionWcu` per second (fixed one-second windows,
 *   no burst): transactional writes cost 2 WCU per KB, GSI writes 1 per KB.
 *   A transaction over budget is cancelled with `ThrottlingError`.
 * - Reads take `readMs`; single writes `writeMs`, after the item's hold ends
 *   (the license decisions, a transaction with their History entry, `txMs`;
 *   they wait rather than conflict: a handful per license pass).
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { VirtualClock } from './clock.js';

export interface LatencyModel {
  txMs: [number, number];
  readMs: [number, number];
  writeMs: [number, number];
  publishMs: [number, number];
  holdFrom: number;
  holdTo: number;
  partitionWcu: number;
}

export const DEFAULT_LATENCY: LatencyModel = {
  txMs: [25, 40],
  readMs: [5, 10],
  writeMs: [5, 10],
  publishMs: [15, 25],
  holdFrom: 0,
  holdTo: 1,
  partitionWcu: 1000,
};

/** One action of a transaction: the item it touches, its condition-and-write, its WCU on hot keys. */
export interface SimAction {
  /** `table/key`, unique per item. */
  item: string;
  /** Checks the condition; true and applied, or false (nothing written). Called at the commit point. */
  apply?: () => boolean;
  /** Checks the condition only (all actions are checked before any is applied). */
  check: () => boolean;
  /** Hot keys this action writes and the WCU it costs on each. */
  hot?: readonly { key: string; wcu: number }[];
}

/** What the layer counted. */
export interface SimStats {
  transactions: number;
  committed: number;
  conflicts: number;
  throttled: number;
  conditionFailures: number;
  reads: number;
  singleWrites: number;
  publishBatches: number;
  /** Peak WCU in one second on one hot key, and that key. */
  peakWcu: number;
  peakKey: string;
  /** Peak per kind of hot key (`inventory`, `license`, `gsi`). */
  peakByKind: Record<string, number>;
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
    reads: 0,
    singleWrites: 0,
    publishBatches: 0,
    peakWcu: 0,
    peakKey: '',
    peakByKind: {},
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

  async read(): Promise<void> {
    this.stats.reads++;
    await this.clock.sleep(this.draw(this.model.readMs));
  }

  async publishBatch(): Promise<void> {
    this.stats.publishBatches++;
    await this.clock.sleep(this.draw(this.model.publishMs));
  }

  /** A single UpdateItem/PutItem of `item`: waits out a transaction's hold on it, then its latency. */
  async write(
    item: string,
    hot: readonly { key: string; wcu: number }[] = [],
    latency: 'write' | 'tx' = 'write',
  ): Promise<void> {
    this.stats.singleWrites++;
    const until = this.held.get(item);
    if (until !== undefined && until > this.clock.now()) await this.clock.sleep(until - this.clock.now());
    this.consume(hot);
    await this.clock.sleep(this.draw(latency === 'tx' ? this.model.txMs : this.model.writeMs));
  }

  /**
   * A single conditional PutItem that a hot key can throttle: false (after
   * its latency) when a key is over its budget this second, as DynamoDB
   * answers ProvisionedThroughputExceeded; nothing is written then.
   */
  async put(item: string, hot: readonly { key: string; wcu: number }[]): Promise<boolean> {
    this.stats.singleWrites++;
    const latency = this.draw(this.model.writeMs);
    if (!this.fits(hot)) {
      this.stats.throttled++;
      await this.clock.sleep(latency);
      return false;
    }
    this.consume(hot);
    await this.clock.sleep(latency);
    return item !== '';
  }

  /**
   * One TransactWriteItems. Resolves when committed; rejects with
   * TransactionCanceledException (conflict, throttling, condition) as DynamoDB would.
   */
  async transact(actions: readonly SimAction[]): Promise<void> {
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
      if (!a.hot?.length || a.item.startsWith('shipments/')) continue;
      const ms = (this.heldMs.get(a.item) ?? 0) + latency * (holdTo - holdFrom);
      this.heldMs.set(a.item, ms);
      if (ms > this.stats.busiestHeldMs) {
        this.stats.busiestHeldMs = ms;
        this.stats.busiestHeld = a.item;
      }
    }
  }

  /** Whether every hot key has the WCU left in this second. */
  private fits(hot: readonly { key: string; wcu: number }[]): boolean {
    return this.overBudget(hot).size === 0;
  }

  /** The hot keys that lack the WCU in this second. */
  private overBudget(hot: readonly { key: string; wcu: number }[]): Set<string> {
    const second = Math.floor(this.clock.now() / 1000);
    const need = new Map<string, number>();
    for (const h of hot) need.set(h.key, (need.get(h.key) ?? 0) + h.wcu);
    const over = new Set<string>();
    for (const [key, wcu] of need) {
      const u = this.used.get(key);
      const spent = u && u[0] === second ? u[1] : 0;
      if (spent + wcu > this.model.partitionWcu) over.add(key);
    }
    return over;
  }

  private consume(hot: readonly { key: string; wcu: number }[]): void {
    const second = Math.floor(this.clock.now() / 1000);
    for (const h of hot) {
      const u = this.used.get(h.key);
      const spent = (u && u[0] === second ? u[1] : 0) + h.wcu;
      this.used.set(h.key, [second, spent]);
      if (spent > this.stats.peakWcu) {
        this.stats.peakWcu = spent;
        this.stats.peakKey = h.key;
      }
      const kind = h.key.split('/')[0] ?? h.key;
      if (kind === 'history') {
        const use = this.historyUse.get(h.key) ?? new Map<number, number>();
        this.historyUse.set(h.key, use.set(second, spent));
      }
      if (spent > (this.stats.peakByKind[kind] ?? 0)) this.stats.peakByKind[kind] = spent;
    }
  }
}

function cancelled(codes: readonly string[]): TransactionCanceledException {
  return new TransactionCanceledException({
    message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes.join(', ')}]`,
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });
}
