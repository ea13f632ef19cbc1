import { putEntry, scanPages } from '../../../shared/adapters/memory/license-repository.js';
import { MemoryValidationError } from '../../../shared/adapters/memory/update.js';
import { inventoryKey } from '../../../shared/domain/counters.js';
import { ConflictError, DependencyError } from '../../../shared/domain/errors.js';
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
import {
  conflictPause,
  type Group,
  MAX_CONFLICT_ATTEMPTS,
  pack,
  sum,
} from '../../../shared/domain/transactions.js';
import { COUNTER_REVISION, GSI_ATTR, SYSTEM_ACTOR } from '../../../shared/names.js';
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

/** The item update of one shipment write, as the adapter's `shipmentUpdate` builds it. */
export const shipmentSpec = (unit: ShipmentWrite, now: Date): UpdateSpec => ({
  set: {
    ...unit.set,
    changedBy: SYSTEM_ACTOR,
    ...(unit.bumpRevision
      ? { changedAt: now.toISOString(), ...(unit.decision ? { decision: unit.decision } : {}) }
      : {}),
  },
  remove: unit.remove ?? [],
  increment: unit.bumpRevision ? ['revision'] : [],
  expect: unit.expect,
  also: (item) => item.shipmentId !== undefined,
});

type Action = { table: TableName; key: string; spec: UpdateSpec };

/**
 * ShipmentRepository over a MemoryStore. `commit` runs the adapter's
 * algorithm: groups of up to 100 actions, each all-or-nothing; shipment
 * writes whose condition fails are skipped and the rest of the group is
 * retried; a failed guard alone is a ConflictError, a failed counter or
 * license update without a guard (missing item) a DependencyError, and a
 * request DynamoDB refuses (two writes to one shipment, an undefined value)
 * a DependencyError as the adapter wraps it.
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
    const result: CommitResult = { committed: [], skipped: [], transactions: 0, conflicts: 0 };
    for (const group of pack(units, guard)) await this.commitGroup(group.writes, guard, result);
    return result;
  }

  private async commitGroup(
    units: ShipmentWrite[],
    guard: LicenseGuard | undefined,
    result: CommitResult,
  ): Promise<void> {
    let pending = units;
    let conflicts = 0;
    while (pending.length > 0) {
      const [group] = pack(pending, guard);
      if (!group) break;
      result.transactions = (result.transactions ?? 0) + 1;
      const failed = await this.attempt(group, guard);
      if (failed === 'conflict') {
        result.conflicts = (result.conflicts ?? 0) + 1;
        if (++conflicts >= MAX_CONFLICT_ATTEMPTS)
          throw new DependencyError(`transaction kept conflicting (${conflicts} attempts)`);
        await this.pauseAfterConflict(conflicts);
        continue;
      }
      if (failed.length === 0) {
        result.committed.push(...group.writes);
        return;
      }
      const failedUnits = new Set(failed.filter((i) => i < group.writes.length));
      if (failedUnits.size === 0) {
        if (failed.some((i) => i < group.writes.length + group.inventory.size))
          throw new DependencyError('an Inventory item is missing for a counter update');
        if (guard) throw new ConflictError(`license ${guard.licenseId} changed during the write`);
        throw new DependencyError('a License item is missing for a drawdown update');
      }
      result.skipped.push(...group.writes.filter((_, i) => failedUnits.has(i)));
      pending = group.writes.filter((_, i) => !failedUnits.has(i));
    }
  }

  /** One attempt of a group's transaction: 'conflict', or the failed actions' positions (none: committed). */
  private async attempt(group: Group, guard: LicenseGuard | undefined): Promise<number[] | 'conflict'> {
    try {
      await this.store.enter('shipments.transact', [group.writes.map((u) => u.shipmentId)]);
    } catch (error) {
      if (error instanceof FakeTransactionConflict) return this.conflicted(group);
      throw error;
    }
    // The license event's tally, last, as the adapter adds it (see DynamoShipmentRepository.commit).
    const tally = guard?.tally ? tallyUpdateOf(guard.tally, group.writes, this.store.clock()) : undefined;
    const actions = [...this.actions(group, guard), ...(tally ? [tallyAction(tally)] : [])];
    const failed = await this.transactHeld(actions, group);
    if (tally && guard?.tally && Array.isArray(failed) && failed.length === 0)
      tallyCommitted(guard.tally, tally);
    return failed;
  }

  private async transactHeld(actions: Action[], group: Group): Promise<number[] | 'conflict'> {
    if (!this.holdPending) return this.transact(actions, group.writes);
    const keys = actions.map((a) => `${a.table}/${a.key}`);
    if (keys.some((k) => this.held.has(k))) return this.conflicted(group);
    for (const k of keys) this.held.add(k);
    try {
      await new Promise((resolve) => setImmediate(resolve));
      return this.transact(actions, group.writes);
    } finally {
      for (const k of keys) this.held.delete(k);
    }
  }

  private conflicted(group: Group): 'conflict' {
    this.transactions.push({
      actions: group.writes.length + group.inventory.size + group.licenses.size,
      shipmentIds: group.writes.map((u) => u.shipmentId),
      outcome: ['TransactionConflict'],
    });
    return 'conflict';
  }

  private actions(group: Group, guard: LicenseGuard | undefined): Action[] {
    const within = (item: RawItem, attr: string, limit: number, add: number) =>
      item[attr] === undefined || (typeof item[attr] === 'number' && item[attr] <= limit - add);
    const licenseUpdate = (
      licenseId: string,
      delta: { quantity: number; value: number },
      expect: Record<string, unknown> = {},
    ) => ({
      table: 'licenses' as const,
      key: licenseId,
      spec: {
        set: { changedBy: SYSTEM_ACTOR },
        add: {
          releasedQuantity: delta.quantity,
          ...(delta.value !== 0 ? { releasedValue: delta.value } : {}),
          [COUNTER_REVISION]: 1,
        },
        expect,
        also: (item: RawItem) => {
          if (item.licenseId === undefined) return false;
          if (!guard) return true;
          if (
            delta.quantity > 0 &&
            !within(item, 'releasedQuantity', guard.authorizedQuantity, delta.quantity)
          )
            return false;
          if (guard.valueCap !== undefined && delta.value > 0)
            return within(item, 'releasedValue', guard.valueCap, delta.value);
          return true;
        },
      },
    });
    return [
      ...group.writes.map((u) => ({
        table: 'shipments' as const,
        key: u.shipmentId,
        spec: shipmentSpec(u, this.store.clock()),
      })),
      ...[...group.inventory.values()].map((inv) => {
        const adds = Object.entries(inv.delta).filter(([, v]) => v !== 0);
        return {
          table: 'inventory' as const,
          key: inventoryKey(inv),
          spec: {
            add: { ...Object.fromEntries(adds), [COUNTER_REVISION]: 1 },
            also: (item: RawItem) => item.sku !== undefined,
          },
        };
      }),
      ...(guard
        ? [licenseUpdate(guard.licenseId, sum(group.licenses), guard.expect)]
        : [...group.licenses].map(([licenseId, delta]) => licenseUpdate(licenseId, delta))),
    ];
  }

  /** One TransactWriteItems: validates the request, checks every condition, then writes all or nothing. */
  private transact(actions: Action[], units: ShipmentWrite[]): number[] {
    const record: TransactionRecord = {
      actions: actions.length,
      shipmentIds: units.map((u) => u.shipmentId),
      outcome: 'committed',
    };
    this.transactions.push(record);
    const items = actions.map((a) => `${a.table}/${a.key}`);
    if (new Set(items).size !== items.length) {
      return fail(record, 'Transaction request cannot include multiple operations on one item');
    }
    const planned: (RawItem | undefined)[] = [];
    try {
      for (const a of actions) planned.push(this.store.plan(a.table, a.key, a.spec));
    } catch (error) {
      if (error instanceof MemoryValidationError) return fail(record, error.message);
      throw error;
    }
    const failed = planned.flatMap((p, i) => (p ? [] : [i]));
    if (failed.length > 0) {
      record.outcome = planned.map((p) => (p ? 'None' : 'ConditionalCheckFailed'));
      return failed;
    }
    actions.forEach((a, i) => {
      const next = planned[i];
      if (next) this.store.write(a.table, a.key, next);
    });
    return [];
  }

  async update(unit: ShipmentWrite, entry?: HistoryEntry): Promise<boolean> {
    await this.store.enter('shipments.update', entry ? [unit, entry] : [unit]);
    const spec = shipmentSpec(unit, this.store.clock());
    if (!entry) return this.store.update('shipments', unit.shipmentId, spec);
    // One transaction with a Put under attribute_not_exists(entryId), as the adapter's updateWithEntry.
    const next = this.store.plan('shipments', unit.shipmentId, spec);
    if (next === undefined || this.store.holds('history', entry as unknown as RawItem)) return false;
    this.store.write('shipments', unit.shipmentId, next);
    putEntry(this.store, entry);
    return true;
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
    spec: { upsert: key, set: { expiresAt: u.expiresAt }, setIfMissing: { opened: u.opened }, add, append },
  };
}

/** A request DynamoDB refuses outright: the adapter wraps it as a DependencyError (not retryable). */
function fail(record: TransactionRecord, message: string): never {
  record.outcome = [`ValidationException: ${message}`];
  throw new DependencyError(`TransactWriteItems failed: ${message}`);
}
