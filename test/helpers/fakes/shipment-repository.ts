import { inventoryKey } from '../../../shared/domain/counters.js';
import { ConflictError, DependencyError } from '../../../shared/domain/errors.js';
import type {
  CommitResult,
  LicenseGuard,
  RawItem,
  ShipmentPage,
  ShipmentRepository,
  ShipmentWrite,
} from '../../../shared/domain/ports.js';
import { GSI_ATTR, SYSTEM_ACTOR } from '../../../shared/names.js';
import { scanPages } from './license-repository.js';
import { FakeValidationError, type MemoryStore, type TableName, type UpdateSpec } from './store.js';

/** DynamoDB allows 100 actions per TransactWriteItems. */
export const MAX_ACTIONS = 100;

/** One TransactWriteItems the fake ran: what it held and how it ended. */
export interface TransactionRecord {
  actions: number;
  shipmentIds: string[];
  /** `committed`, or the cancellation reasons per action (`ConditionalCheckFailed` / `None`). */
  outcome: 'committed' | string[];
}

interface Group {
  units: ShipmentWrite[];
  inventory: Map<string, { sku: string; warehouseId: string; delta: Record<string, number> }>;
  licenses: Map<string, number>;
}

const actionsOf = (g: Group) => g.units.length + g.inventory.size + g.licenses.size;

/**
 * Packs writes into transactions exactly as the adapter does: each shipment
 * write, one aggregated counter update per (sku, warehouse), and either one
 * update per license or, with a guard, one guarded license update (reserved).
 */
export function pack(units: readonly ShipmentWrite[], guard: LicenseGuard | undefined): Group[] {
  const groups: Group[] = [];
  let current: Group = { units: [], inventory: new Map(), licenses: new Map() };
  const reserve = guard ? 1 : 0;
  for (const unit of units) {
    const invKey = unit.counters ? inventoryKey(unit.counters) : undefined;
    const extra =
      1 +
      (invKey && !current.inventory.has(invKey) ? 1 : 0) +
      (unit.license && !current.licenses.has(unit.license.licenseId) && !guard ? 1 : 0);
    if (current.units.length > 0 && actionsOf(current) + extra + reserve > MAX_ACTIONS) {
      groups.push(current);
      current = { units: [], inventory: new Map(), licenses: new Map() };
    }
    current.units.push(unit);
    if (unit.counters && invKey) {
      const entry = current.inventory.get(invKey) ?? {
        sku: unit.counters.sku,
        warehouseId: unit.counters.warehouseId,
        delta: { onHand: 0, held: 0, released: 0, shipped: 0 },
      };
      for (const [k, v] of Object.entries(unit.counters.delta)) entry.delta[k] = (entry.delta[k] ?? 0) + v;
      current.inventory.set(invKey, entry);
    }
    if (unit.license) {
      const id = unit.license.licenseId;
      current.licenses.set(id, (current.licenses.get(id) ?? 0) + unit.license.delta);
    }
  }
  if (current.units.length > 0) groups.push(current);
  return groups;
}

/** The item update of one shipment write, as the adapter's `shipmentUpdate` builds it. */
export const shipmentSpec = (unit: ShipmentWrite): UpdateSpec => ({
  set: { ...unit.set, changedBy: SYSTEM_ACTOR },
  remove: unit.remove ?? [],
  increment: unit.bumpRevision ? ['revision'] : [],
  expect: unit.expect,
  also: (item) => item.shipmentId !== undefined,
});

const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

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
  ): Promise<ShipmentPage> {
    await this.store.enter('shipments.page', [index, licenseId, after, limit]);
    const matching = this.indexed(index, licenseId).filter(
      (s) => after === undefined || String(s[GSI_ATTR.holdOrder]) > after,
    );
    const items = matching.slice(0, limit);
    const last = items.at(-1);
    // DynamoDB returns LastEvaluatedKey whenever the page is full, also when nothing follows.
    const full = items.length === limit;
    return { items, next: full && last ? String(last[GSI_ATTR.holdOrder]) : undefined };
  }

  /** The sparse GSI: items with both keys, in holdOrder. */
  private indexed(index: 'held' | 'released', licenseId: string): RawItem[] {
    const pk = index === 'held' ? GSI_ATTR.heldLicenseId : GSI_ATTR.releasedLicenseId;
    return this.store
      .all('shipments')
      .filter((s) => s[pk] === licenseId && typeof s[GSI_ATTR.holdOrder] === 'string')
      .sort((a, b) => {
        const [x, y] = [String(a[GSI_ATTR.holdOrder]), String(b[GSI_ATTR.holdOrder])];
        return x < y ? -1 : x > y ? 1 : 0;
      });
  }

  async commit(units: readonly ShipmentWrite[], guard?: LicenseGuard): Promise<CommitResult> {
    await this.store.enter('shipments.commit', [units, guard]);
    const result: CommitResult = { committed: [], skipped: [] };
    for (const group of pack(units, guard)) {
      const done = await this.commitGroup(group.units, guard);
      result.committed.push(...done.committed);
      result.skipped.push(...done.skipped);
    }
    return result;
  }

  private async commitGroup(units: ShipmentWrite[], guard: LicenseGuard | undefined): Promise<CommitResult> {
    const skipped: ShipmentWrite[] = [];
    let pending = units;
    while (pending.length > 0) {
      const [group] = pack(pending, guard);
      if (!group) break;
      await this.store.enter('shipments.transact', [group.units.map((u) => u.shipmentId)]);
      const actions = this.actions(group, guard);
      const failed = this.transact(actions, group.units);
      if (failed.length === 0) return { committed: group.units, skipped };
      const failedUnits = new Set(failed.filter((i) => i < group.units.length));
      if (failedUnits.size === 0) {
        if (guard) throw new ConflictError(`license ${guard.licenseId} changed during the write`);
        throw new DependencyError('an Inventory or License item is missing for a counter update');
      }
      skipped.push(...group.units.filter((_, i) => failedUnits.has(i)));
      pending = group.units.filter((_, i) => !failedUnits.has(i));
    }
    return { committed: [], skipped };
  }

  private actions(group: Group, guard: LicenseGuard | undefined): Action[] {
    const licenseUpdate = (licenseId: string, delta: number, expect: Record<string, unknown> = {}) => ({
      table: 'licenses' as const,
      key: licenseId,
      spec: {
        set: { changedBy: SYSTEM_ACTOR },
        add: { releasedQuantity: delta },
        expect,
        also: (item: RawItem) => {
          if (item.licenseId === undefined) return false;
          if (!guard || delta <= 0 || item.releasedQuantity === undefined) return true;
          return (
            typeof item.releasedQuantity === 'number' &&
            item.releasedQuantity <= guard.authorizedQuantity - delta
          );
        },
      },
    });
    return [
      ...group.units.map((u) => ({ table: 'shipments' as const, key: u.shipmentId, spec: shipmentSpec(u) })),
      ...[...group.inventory.values()].map((inv) => {
        const adds = Object.entries(inv.delta).filter(([, v]) => v !== 0);
        return {
          table: 'inventory' as const,
          key: inventoryKey(inv),
          spec: {
            add: Object.fromEntries(adds.length > 0 ? adds : [['held', 0]]),
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
    const planned: ({ ok: true; next: RawItem } | { ok: false })[] = [];
    try {
      for (const a of actions) planned.push(this.store.plan(a.table, a.key, a.spec));
    } catch (error) {
      if (error instanceof FakeValidationError) return fail(record, error.message);
      throw error;
    }
    const failed = planned.flatMap((p, i) => (p.ok ? [] : [i]));
    if (failed.length > 0) {
      record.outcome = planned.map((p) => (p.ok ? 'None' : 'ConditionalCheckFailed'));
      return failed;
    }
    actions.forEach((a, i) => {
      const p = planned[i];
      if (p?.ok) this.store.write(a.table, a.key, p.next);
    });
    return [];
  }

  async update(unit: ShipmentWrite): Promise<boolean> {
    await this.store.enter('shipments.update', [unit]);
    return this.store.update('shipments', unit.shipmentId, shipmentSpec(unit));
  }

  scan(): AsyncIterable<RawItem[]> {
    return scanPages(this.store, 'shipments.scan', () => this.store.all('shipments'));
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
}

/** A request DynamoDB refuses outright: the adapter wraps it as a DependencyError (not retryable). */
function fail(record: TransactionRecord, message: string): never {
  record.outcome = [`ValidationException: ${message}`];
  throw new DependencyError(`TransactWriteItems failed: ${message}`);
}
