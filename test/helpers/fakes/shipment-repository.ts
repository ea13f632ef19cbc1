import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { commitPacked } from '../../../shared/adapters/dynamo/transactions.js';
import { scanPages } from '../../../shared/adapters/memory/license-repository.js';
import {
  groupActions,
  type TransactAction,
  transactOn,
  updateShipmentOn,
} from '../../../shared/adapters/memory/shipment-repository.js';
import {
  type TallyUpdate,
  tallyAttrs,
  tallyCommitted,
  tallyUpdateOf,
} from '../../../shared/domain/event-tally.js';
import type { HistoryEntry } from '../../../shared/domain/history.js';
import { licenseOfIndexKey, mergePages } from '../../../shared/domain/index-keys.js';
import type {
  CommitResult,
  LicenseGuard,
  RawItem,
  ShipmentPage,
  ShipmentRepository,
  ShipmentWrite,
} from '../../../shared/domain/ports.js';
import { conflictPause, type Group, pack } from '../../../shared/domain/transactions.js';
import { GSI_ATTR } from '../../../shared/names.js';
import { keyOf, type MemoryStore, type TableName, type UpdateSpec } from './store.js';

/**
 * Writes are packed into transactions by the adapter's own `pack`
 * (shared/domain/transactions.ts): the fake must group exactly as the
 * deployed writer does.
 */
export { pack };

/**
 * A transaction cancelled because another transaction held one of its items
 * (DynamoDB's `TransactionConflict` cancellation reason). Arm it with
 * `store.failNext('shipments.transact', new FakeTransactionConflict())`; the
 * fake retries it as the adapter does, within MAX_CONFLICT_ATTEMPTS.
 */
export class FakeTransactionConflict extends Error {
  constructor() {
    super('Transaction cancelled: TransactionConflict (injected)');
    this.name = 'TransactionCanceledException';
  }
}

/** One TransactWriteItems the fake ran: what it held and how it ended. */
export interface TransactionRecord {
  actions: number;
  shipmentIds: string[];
  /** `committed`, or the cancellation reasons per action (`ConditionalCheckFailed` / `None`). */
  outcome: 'committed' | string[];
}

type Action = TransactAction<TableName, UpdateSpec>;

/**
 * ShipmentRepository over a MemoryStore. `commit` is the adapter's own
 * (`commitPacked`) over the memory adapter's transaction (`transactOn`,
 * shared/adapters/memory/shipment-repository.ts), with the license event's
 * tally as the adapter adds it; each attempt is logged in `transactions`,
 * and can be cancelled by a conflict (`holdPending`, or an injected
 * FakeTransactionConflict).
 */
export class MemoryShipmentRepository implements ShipmentRepository {
  /** Every transaction attempted, in order. */
  readonly transactions: TransactionRecord[] = [];

  constructor(private readonly store: MemoryStore) {}

  async page(
    index: 'held' | 'released',
    licenseId: string,
    after: string | undefined,
    limit: number,
    order: 'forward' | 'backward' = 'forward',
  ): Promise<ShipmentPage> {
    await this.store.enter('shipments.page', [index, licenseId, after, limit, order]);
    const inOrder = this.indexed(index, licenseId);
    if (order === 'backward') inOrder.reverse();
    const beyond = (key: string) => (order === 'forward' ? key > String(after) : key < String(after));
    const matching = inOrder.filter((s) => after === undefined || beyond(String(s[GSI_ATTR.holdOrder])));
    // As one key's answer, merged as the adapters merge theirs (a full page has a `next`, also when nothing follows).
    const answer = { items: matching.slice(0, limit), more: matching.length > limit };
    return mergePages([answer], limit, order, GSI_ATTR.holdOrder);
  }

  /** The sparse GSI: items with both keys under any of the license's partition keys, in holdOrder. */
  private indexed(index: 'held' | 'released', licenseId: string): RawItem[] {
    const pk = index === 'held' ? GSI_ATTR.heldLicenseId : GSI_ATTR.releasedLicenseId;
    return this.store
      .all('shipments')
      .filter((s) => typeof s[pk] === 'string' && licenseOfIndexKey(s[pk]) === licenseId)
      .filter((s) => typeof s[GSI_ATTR.holdOrder] === 'string')
      .sort((a, b) => {
        const [x, y] = [String(a[GSI_ATTR.holdOrder]), String(b[GSI_ATTR.holdOrder])];
        return x < y ? -1 : x > y ? 1 : 0;
      });
  }

  /**
   * With `holdPending`, a transaction holds its items for one macrotask
   * between its request and its commit, and a transaction touching an item
   * held by another is cancelled with TransactionConflict, as DynamoDB does.
   */
  holdPending = false;
  /** The pause between attempts cancelled by a conflict: the engine's jitter (real time) unless a test shortens it. */
  pauseAfterConflict: (conflicts: number) => Promise<unknown> = conflictPause;
  private readonly held = new Set<string>();

  async commit(units: readonly ShipmentWrite[], guard?: LicenseGuard): Promise<CommitResult> {
    await this.store.enter('shipments.commit', [units, guard]);
    return commitPacked(units, guard, (group) => this.attempt(group, guard), {
      pauseAfterConflict: (conflicts) => this.pauseAfterConflict(conflicts),
    });
  }

  /** One attempt of a group's transaction, logged: it commits, or throws as DynamoDB would. */
  private async attempt(group: Group, guard: LicenseGuard | undefined): Promise<void> {
    // The license event's tally, last, as the adapter adds it (see DynamoShipmentRepository.commit).
    const tally = guard?.tally ? tallyUpdateOf(guard.tally, group.writes, this.store.clock()) : undefined;
    const actions: Action[] = [
      ...groupActions(group, guard, this.store.clock()),
      ...(tally ? [tallyAction(tally)] : []),
    ];
    const record: TransactionRecord = {
      actions: actions.length,
      shipmentIds: group.writes.map((u) => u.shipmentId),
      outcome: 'committed',
    };
    try {
      await this.store.enter('shipments.transact', [record.shipmentIds]);
    } catch (error) {
      if (error instanceof FakeTransactionConflict) this.conflicted(record, actions.length);
      throw error;
    }
    this.transactions.push(record);
    const keys = actions.map((a) => `${a.table}/${a.key}`);
    const hold = this.holdPending;
    if (hold) {
      if (keys.some((k) => this.held.has(k))) this.conflicted(record, actions.length);
      for (const k of keys) this.held.add(k);
      await new Promise((resolve) => setImmediate(resolve));
    }
    try {
      transactOn(this.store, actions);
    } catch (error) {
      record.outcome =
        error instanceof TransactionCanceledException
          ? (error.CancellationReasons ?? []).map((r) => String(r.Code))
          : [`${(error as Error).name}: ${(error as Error).message}`];
      throw error;
    } finally {
      if (hold) for (const k of keys) this.held.delete(k);
    }
    if (tally && guard?.tally) tallyCommitted(guard.tally, tally);
  }

  /** Logs the attempt as cancelled by a conflict and throws DynamoDB's cancellation. */
  private conflicted(record: TransactionRecord, actions: number): never {
    record.outcome = ['TransactionConflict'];
    if (!this.transactions.includes(record)) this.transactions.push(record);
    throw new TransactionCanceledException({
      message:
        'Transaction cancelled, please refer cancellation reasons for specific reasons [TransactionConflict]',
      $metadata: {},
      CancellationReasons: Array.from({ length: actions }, (_, i) => ({
        Code: i === 0 ? 'TransactionConflict' : 'None',
      })),
    });
  }

  async update(unit: ShipmentWrite, entry?: HistoryEntry): Promise<boolean> {
    await this.store.enter('shipments.update', entry ? [unit, entry] : [unit]);
    return updateShipmentOn(this.store, unit, entry, this.store.clock());
  }

  async get(shipmentId: string): Promise<RawItem | undefined> {
    await this.store.enter('shipments.get', [shipmentId]);
    return this.store.get('shipments', shipmentId);
  }

  scan(): AsyncIterable<RawItem[]> {
    return scanPages(() => this.store.all('shipments'), this.store.repositoryOptions, 'shipments.scan');
  }

  async countHeldByReason(licenseId: string): Promise<Map<string, number>> {
    await this.store.enter('shipments.countHeldByReason', [licenseId]);
    const counts = new Map<string, number>();
    for (const item of this.indexed('held', licenseId)) {
      const reason = String(item.holdReason ?? 'UNKNOWN');
      counts.set(reason, (counts.get(reason) ?? 0) + 1);
    }
    return counts;
  }

  async sumHeld(licenseId: string): Promise<{ shipments: number; units: number; value: number }> {
    await this.store.enter('shipments.sumHeld', [licenseId]);
    const sum = { shipments: 0, units: 0, value: 0 };
    for (const item of this.indexed('held', licenseId)) {
      sum.shipments++;
      sum.units += typeof item.quantity === 'number' ? item.quantity : 0;
      sum.value += typeof item.value === 'number' ? item.value : 0;
    }
    return sum;
  }
}

/** The tally's update as the adapter's `tallyUpdate` builds it: unconditional, creating the item. */
function tallyAction(u: TallyUpdate): Action {
  const add: Record<string, number> = { transactions: 1 };
  const append: Record<string, unknown[]> = {};
  for (const [group, sum] of u.add) {
    const attrs = tallyAttrs(group);
    add[attrs.count] = sum.count;
    add[attrs.quantity] = sum.quantity;
    const lines = u.lines.get(group);
    if (lines && lines.length > 0) append[attrs.lines] = lines;
  }
  const key = { licenseId: u.licenseId, event: u.event };
  return {
    table: 'tallies',
    key: keyOf('tallies', key),
    update: { upsert: key, set: { expiresAt: u.expiresAt }, setIfMissing: { opened: u.opened }, add, append },
  };
}
