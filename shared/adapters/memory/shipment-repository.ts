import { inventoryKey } from '../../domain/counters.js';
import { ConflictError, DependencyError } from '../../domain/errors.js';
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
import { type Group, pack, sum } from '../../domain/transactions.js';
import { COUNTER_REVISION, GSI_ATTR, SYSTEM_ACTOR } from '../../names.js';
import { putEntry, scanPages } from './license-repository.js';
import type { MemoryTableName, MemoryTables } from './tables.js';
import { type MemoryUpdate, MemoryValidationError } from './update.js';

type Action = { table: MemoryTableName; key: string; update: MemoryUpdate };

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

/**
 * ShipmentRepository in memory. `commit` runs the DynamoDB adapter's
 * algorithm with its own `pack`: transactions of up to 100 actions, each all
 * or nothing; writes whose own condition fails are skipped and the rest of
 * the transaction retried; a failed guard is a ConflictError, a missing
 * Inventory or License item a DependencyError, and a request DynamoDB
 * refuses (two writes to one item, an undefined value) a DependencyError.
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

  async commit(writes: readonly ShipmentWrite[], guard?: LicenseGuard): Promise<CommitResult> {
    const result: CommitResult = { committed: [], skipped: [], transactions: 0, conflicts: 0 };
    for (const group of pack(writes, guard)) {
      const done = this.commitGroup(group.writes, guard);
      result.committed.push(...done.committed);
      result.skipped.push(...done.skipped);
      result.transactions = (result.transactions ?? 0) + done.attempts;
    }
    return result;
  }

  private commitGroup(
    writes: ShipmentWrite[],
    guard: LicenseGuard | undefined,
  ): CommitResult & { attempts: number } {
    const skipped: ShipmentWrite[] = [];
    let pending = writes;
    let attempts = 0;
    while (pending.length > 0) {
      const [group] = pack(pending, guard);
      if (!group) break;
      attempts++;
      const failed = this.transact(this.actions(group, guard));
      if (failed.length === 0) return { committed: group.writes, skipped, attempts };
      const failedWrites = new Set(failed.filter((i) => i < group.writes.length));
      if (failedWrites.size === 0) {
        if (failed.some((i) => i < group.writes.length + group.inventory.size))
          throw new DependencyError('an Inventory item is missing for a counter update');
        if (guard) throw new ConflictError(`license ${guard.licenseId} changed during the write`);
        throw new DependencyError('a License item is missing for a drawdown update');
      }
      skipped.push(...group.writes.filter((_, i) => failedWrites.has(i)));
      pending = group.writes.filter((_, i) => !failedWrites.has(i));
    }
    return { committed: [], skipped, attempts };
  }

  /** The group's actions: shipments first (their positions match the failures), then counters, then licenses. */
  private actions(group: Group, guard: LicenseGuard | undefined): Action[] {
    const now = this.now();
    return [
      ...group.writes.map((w) => ({
        table: 'shipments' as const,
        key: w.shipmentId,
        update: shipmentAction(w, now),
      })),
      ...[...group.inventory.values()].map((inv) => {
        const adds = Object.entries(inv.delta).filter(([, v]) => v !== 0);
        return {
          table: 'inventory' as const,
          key: inventoryKey(inv),
          update: {
            add: { ...Object.fromEntries(adds), [COUNTER_REVISION]: 1 },
            also: (item: RawItem) => item.sku !== undefined,
          },
        };
      }),
      ...(guard
        ? [licenseAction(guard.licenseId, sum(group.licenses), guard)]
        : [...group.licenses].map(([licenseId, delta]) => licenseAction(licenseId, delta, undefined))),
    ];
  }

  /** One TransactWriteItems: validates, checks every condition, then writes all or nothing. Returns the failed positions. */
  private transact(actions: Action[]): number[] {
    const targets = actions.map((a) => `${a.table}/${a.key}`);
    if (new Set(targets).size !== targets.length)
      refused('Transaction request cannot include multiple operations on one item');
    const planned: (RawItem | undefined)[] = [];
    try {
      for (const a of actions) planned.push(this.tables.plan(a.table, a.key, a.update));
    } catch (error) {
      if (error instanceof MemoryValidationError) refused(error.message);
      throw error;
    }
    const failed = planned.flatMap((p, i) => (p === undefined ? [i] : []));
    if (failed.length > 0) return failed;
    actions.forEach((a, i) => {
      const next = planned[i];
      if (next !== undefined) this.tables.write(a.table, a.key, next);
    });
    return [];
  }

  async update(write: ShipmentWrite, entry?: HistoryEntry): Promise<boolean> {
    const action = shipmentAction(write, this.now());
    if (!entry) return this.tables.update('shipments', write.shipmentId, action);
    // One transaction with a Put under attribute_not_exists(entryId), as the DynamoDB adapter's.
    const next = this.tables.plan('shipments', write.shipmentId, action);
    if (next === undefined || this.tables.holds('history', entry as unknown as RawItem)) return false;
    this.tables.write('shipments', write.shipmentId, next);
    putEntry(this.tables, entry);
    return true;
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

/** A request DynamoDB refuses outright: the adapter wraps it as a DependencyError (not retryable). */
function refused(message: string): never {
  throw new DependencyError(`TransactWriteItems failed: ${message}`);
}
