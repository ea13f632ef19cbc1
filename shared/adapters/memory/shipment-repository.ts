import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { inventoryKey } from '../../domain/counters.js';
import type { HistoryEntry } from '../../domain/history.js';
import { indexKeys, mergePages } from '../../domain/index-keys.js';
import type {
  CommitResult,
  LicenseGuard,
  RawItem,
  ShipmentPage,
  ShipmentRepository,
  ShipmentWrite,
} from '../../domain/ports.js';
import { type Group, sum } from '../../domain/transactions.js';
import { COUNTER_REVISION, GSI_ATTR, SYSTEM_ACTOR } from '../../names.js';
import { commitPacked } from '../dynamo/transactions.js';
import { putEntry, scanPages } from './license-repository.js';
import type { ItemStore, MemoryTableName, MemoryTables } from './tables.js';
import { type MemoryUpdate, MemoryValidationError } from './update.js';

/** One action of a TransactWriteItems: an update of one item of `table`. */
export type TransactAction<T extends string = MemoryTableName, U extends MemoryUpdate = MemoryUpdate> = {
  table: T;
  key: string;
  update: U;
};
type Action = TransactAction;

/** The item update of one shipment write, as the DynamoDB adapter's `shipmentUpdate` builds it. */
export function shipmentAction(write: ShipmentWrite, now: Date): MemoryUpdate {
  return {
    set: {
      ...write.set,
      changedBy: SYSTEM_ACTOR,
      ...(write.bumpRevision
        ? { changedAt: now.toISOString(), ...(write.decision ? { decision: write.decision } : {}) }
        : {}),
    },
    remove: write.remove ?? [],
    increment: write.bumpRevision ? ['revision'] : [],
    expect: write.expect,
    also: (item) => item.shipmentId !== undefined,
  };
}

/** `releasedQuantity <= limit - add`, or absent: the guard's `within` condition. */
const within = (item: RawItem, attr: string, limit: number, add: number) =>
  item[attr] === undefined || (typeof item[attr] === 'number' && item[attr] <= limit - add);

/** The drawdown update of a license, guarded as the adapter's `guardedLicenseUpdate` when `guard` is given. */
export function licenseAction(
  licenseId: string,
  delta: { quantity: number; value: number },
  guard: LicenseGuard | undefined,
): Action {
  return {
    table: 'licenses',
    key: licenseId,
    update: {
      set: { changedBy: SYSTEM_ACTOR },
      add: {
        releasedQuantity: delta.quantity,
        ...(delta.value !== 0 ? { releasedValue: delta.value } : {}),
        [COUNTER_REVISION]: 1,
      },
      expect: guard?.expect ?? {},
      also: (item) => {
        if (item.licenseId === undefined) return false;
        if (!guard) return true;
        if (delta.quantity > 0 && !within(item, 'releasedQuantity', guard.authorizedQuantity, delta.quantity))
          return false;
        if (guard.valueCap !== undefined && delta.value > 0)
          return within(item, 'releasedValue', guard.valueCap, delta.value);
        return true;
      },
    },
  };
}

/** The counter update of one Inventory item, as the adapter's: its deltas, and the item must exist. */
export function inventoryAction(inv: {
  sku: string;
  warehouseId: string;
  delta: Record<string, number>;
}): Action {
  const adds = Object.entries(inv.delta).filter(([, v]) => v !== 0);
  return {
    table: 'inventory',
    key: inventoryKey(inv),
    update: {
      add: { ...Object.fromEntries(adds), [COUNTER_REVISION]: 1 },
      also: (item: RawItem) => item.sku !== undefined,
    },
  };
}

/**
 * A group's actions in the DynamoDB adapter's order: the shipments (their
 * positions are the writes'), then the counters, then the guarded license
 * (or, without a guard, each license's drawdown).
 */
export function groupActions(group: Group, guard: LicenseGuard | undefined, now: Date): Action[] {
  return [
    ...group.writes.map((w) => ({
      table: 'shipments' as const,
      key: w.shipmentId,
      update: shipmentAction(w, now),
    })),
    ...[...group.inventory.values()].map(inventoryAction),
    ...(guard
      ? [licenseAction(guard.licenseId, sum(group.licenses), guard)]
      : [...group.licenses].map(([licenseId, delta]) => licenseAction(licenseId, delta, undefined))),
  ];
}

/** Where a transaction is planned and written: the memory tables, or the engine tests' store. */
export interface TransactionTarget<T extends string, U extends MemoryUpdate = MemoryUpdate> {
  plan(table: T, key: string, update: U): RawItem | undefined;
  write(table: T, key: string, next: RawItem): void;
}

/**
 * One TransactWriteItems on `target`, answered as DynamoDB answers it, so
 * that the adapter's `commitPacked` classifies the outcome as it does the
 * real one's:
 * - a request DynamoDB refuses (two actions on one item; an update it
 *   rejects, see MemoryValidationError) throws a `ValidationException`, and
 *   nothing is written;
 * - a missing item or a failed condition cancels the whole transaction:
 *   `TransactionCanceledException`, `ConditionalCheckFailed` at that
 *   action's position and `None` at the others;
 * - otherwise every action is written.
 */
export function transactOn<T extends string, U extends MemoryUpdate>(
  target: TransactionTarget<T, U>,
  actions: readonly TransactAction<T, U>[],
): void {
  const items = actions.map((a) => `${a.table}/${a.key}`);
  if (new Set(items).size !== items.length)
    refused('Transaction request cannot include multiple operations on one item');
  const planned: (RawItem | undefined)[] = [];
  try {
    for (const a of actions) planned.push(target.plan(a.table, a.key, a.update));
  } catch (error) {
    if (error instanceof MemoryValidationError) refused(error.message);
    throw error;
  }
  if (planned.some((p) => p === undefined)) {
    throw new TransactionCanceledException({
      message: 'Transaction cancelled, please refer cancellation reasons for specific reasons',
      $metadata: {},
      CancellationReasons: planned.map((p) => ({
        Code: p === undefined ? 'ConditionalCheckFailed' : 'None',
      })),
    });
  }
  actions.forEach((a, i) => {
    const next = planned[i];
    if (next !== undefined) target.write(a.table, a.key, next);
  });
}

/** A request DynamoDB refuses outright (not retryable: the adapter's commit wraps it as a DependencyError). */
function refused(message: string): never {
  const error = new Error(message);
  error.name = 'ValidationException';
  throw error;
}

/**
 * One shipment's UpdateItem on `store`, or with a History entry one
 * transaction of both (the entry a Put under `attribute_not_exists`), as the
 * DynamoDB adapter's `update`: false when the shipment is missing, its
 * condition fails or the entry is there already; nothing is written then.
 */
export function updateShipmentOn(
  store: ItemStore,
  write: ShipmentWrite,
  entry: HistoryEntry | undefined,
  now: Date,
): boolean {
  const action = shipmentAction(write, now);
  if (!entry) return store.update('shipments', write.shipmentId, action);
  const next = store.plan('shipments', write.shipmentId, action);
  if (next === undefined || store.holds('history', entry as unknown as RawItem)) return false;
  store.write('shipments', write.shipmentId, next);
  putEntry(store, entry);
  return true;
}

/**
 * ShipmentRepository in memory. `commit` is the DynamoDB adapter's own
 * (`commitPacked`, with its `pack` and its reading of failures) over
 * {@link transactOn}: transactions of up to 100 actions, each all or
 * nothing; writes whose own condition fails are skipped and the rest of the
 * transaction retried; a failed guard is a ConflictError, a missing
 * Inventory or License item a DependencyError, and a request DynamoDB
 * refuses (two writes to one item, an undefined value) a DependencyError.
 * The license event's tally (`guard.tally`) is not kept: no digest is sent
 * from memory.
 */
export class MemoryShipmentRepository implements ShipmentRepository {
  constructor(
    private readonly tables: MemoryTables,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async page(
    index: 'held' | 'released',
    licenseId: string,
    after: string | undefined,
    limit: number,
    order: 'forward' | 'backward' = 'forward',
  ): Promise<ShipmentPage> {
    // Every GSI key of the license, merged as the DynamoDB adapter merges them. DynamoDB returns
    // LastEvaluatedKey whenever a key's answer is full, also when nothing follows.
    const answers = indexKeys(licenseId).map((key) => {
      const found = this.tables.indexPage(index, key, after, limit, order === 'backward');
      return { items: found.map((f) => f.item), more: found.length === limit };
    });
    return mergePages(answers, limit, order, GSI_ATTR.holdOrder);
  }

  /** The DynamoDB adapter's commit (`commitPacked`), each transaction run by {@link transactOn} on these tables. */
  commit(writes: readonly ShipmentWrite[], guard?: LicenseGuard): Promise<CommitResult> {
    return commitPacked(writes, guard, async (group) =>
      transactOn(this.tables, groupActions(group, guard, this.now())),
    );
  }

  async update(write: ShipmentWrite, entry?: HistoryEntry): Promise<boolean> {
    return updateShipmentOn(this.tables, write, entry, this.now());
  }

  async get(shipmentId: string): Promise<RawItem | undefined> {
    return this.tables.get('shipments', shipmentId);
  }

  scan(): AsyncIterable<RawItem[]> {
    return scanPages(() => this.tables.all('shipments'));
  }

  async countHeldByReason(licenseId: string): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (let after: string | undefined, page: ShipmentPage; ; after = page.next) {
      page = await this.page('held', licenseId, after, 1000);
      for (const item of page.items) {
        const reason = String(item.holdReason ?? 'UNKNOWN');
        counts.set(reason, (counts.get(reason) ?? 0) + 1);
      }
      if (page.next === undefined) return counts;
    }
  }

  async sumHeld(licenseId: string): Promise<{ shipments: number; units: number; value: number }> {
    const sum = { shipments: 0, units: 0, value: 0 };
    for (let after: string | undefined, page: ShipmentPage; ; after = page.next) {
      page = await this.page('held', licenseId, after, 1000);
      for (const item of page.items) {
        sum.shipments++;
        sum.units += typeof item.quantity === 'number' ? item.quantity : 0;
        sum.value += typeof item.value === 'number' ? item.value : 0;
      }
      if (page.next === undefined) return sum;
    }
  }
}
