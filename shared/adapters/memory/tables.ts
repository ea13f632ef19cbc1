/**
 * The four tables in memory, for running the engines on a snapshot without
 * touching DynamoDB (`clearance license simulate`). Writes follow the rules
 * of DynamoDB the engines can see, as the DynamoDB adapters meet them:
 *
 * an update applies to an existing item only, as update.ts says DynamoDB
 * applies it.
 *
 * The sparse GSIs of Shipments (held and released, by GSI partition key, in
 * `holdOrder`; a license has several keys, see index-keys.ts) are kept as sorted keys, so reading a backlog of 50,000 page
 * by page stays linear. The same cases the DynamoDB adapters answer
 * (test/helpers/fakes/port-contract.ts) run against these adapters in
 * test/unit/adapters/memory-contract.test.ts.
 */
import { inventoryKey } from '../../domain/counters.js';
import { historyKey } from '../../domain/history.js';
import type { RawItem } from '../../domain/ports.js';
import { GSI_ATTR } from '../../names.js';
import {
  applyUpdate,
  checkIndexKeys,
  conditionHolds,
  copy,
  type MemoryUpdate,
  validate,
  withoutUndefined,
} from './update.js';

export type MemoryTableName = 'licenses' | 'shipments' | 'inventory' | 'history';

/**
 * What the memory repositories read and write through: {@link MemoryTables},
 * or the engine tests' store (test/helpers/fakes/store.ts), which also keeps
 * the tables' streams.
 */
export interface ItemStore {
  /** A copy of one item, or undefined. */
  get(table: MemoryTableName, key: string): RawItem | undefined;
  /** Copies of every item of a table, in key order. */
  all(table: MemoryTableName): RawItem[];
  /** Whether an item with `item`'s key is there. */
  holds(table: MemoryTableName, item: RawItem): boolean;
  /** PutItem. */
  put(table: MemoryTableName, item: RawItem): void;
  /** The item an update would make, or undefined when the item is missing or the condition fails. */
  plan(table: MemoryTableName, key: string, update: MemoryUpdate): RawItem | undefined;
  /** UpdateItem on an existing item; false when it is missing or the condition fails. */
  update(table: MemoryTableName, key: string, update: MemoryUpdate): boolean;
  /** Replaces an item (planned before). */
  write(table: MemoryTableName, key: string, next: RawItem): void;
}

/** Called first by each method of a memory repository with its name and arguments. */
export type CallGate = (op: string, args: readonly unknown[]) => Promise<void>;

/** How a memory repository is run: the engine tests log and stage calls through a gate, and page Scans smaller. */
export interface MemoryRepositoryOptions {
  /** Called first by every port method (a Scan: at its first page) with its name (`licenses.startWork`) and arguments. */
  gate?: CallGate;
  /** Items a Scan page holds. @default 100 */
  scanPage?: number;
}

/** The key of an item in its table, as one string. */
export function keyOf(table: MemoryTableName, item: RawItem): string {
  switch (table) {
    case 'licenses':
      return String(item.licenseId);
    case 'shipments':
      return String(item.shipmentId);
    case 'inventory':
      return inventoryKey({ sku: String(item.sku), warehouseId: String(item.warehouseId) });
    case 'history':
      return historyKey({ licenseId: String(item.licenseId), entryId: String(item.entryId) });
  }
}

/**
 * One sparse GSI partition: its sort keys in order, with tombstones left by items that moved out.
 * Several items may share a sort key (a console copy keeps its original's `holdOrder` and index
 * key until it is taken in), as in a GSI: each key holds every one of them.
 */
class IndexPartition {
  private keys: string[] = [];
  /** Keys added since the last read, merged in (sorted) before the next one: loading a backlog stays n log n. */
  private added: string[] = [];
  /** holdOrder → shipmentIds of the items in the partition now. */
  readonly members = new Map<string, Set<string>>();

  add(holdOrder: string, shipmentId: string): void {
    const ids = this.members.get(holdOrder);
    if (ids) ids.add(shipmentId);
    else {
      this.added.push(holdOrder);
      this.members.set(holdOrder, new Set([shipmentId]));
    }
  }

  delete(holdOrder: string, shipmentId: string): void {
    const ids = this.members.get(holdOrder);
    ids?.delete(shipmentId);
    if (ids?.size === 0) this.members.delete(holdOrder);
  }

  /** Merges the added keys in and, once most keys are tombstones, drops those. */
  private settle(): void {
    if (this.added.length > 0) {
      const added = [...new Set(this.added)].sort();
      const merged: string[] = [];
      let [i, j] = [0, 0];
      while (i < this.keys.length || j < added.length) {
        const [a, b] = [this.keys[i], added[j]];
        const next = b === undefined || (a !== undefined && a <= b) ? a : b;
        if (next === a) i++;
        if (next === b) j++;
        if (next !== undefined) merged.push(next);
      }
      this.keys = merged;
      this.added = [];
    }
    if (this.keys.length > 64 && this.members.size < this.keys.length / 4)
      this.keys = this.keys.filter((k) => this.members.has(k));
  }

  /** Ids of up to `limit` members after (or, backward, before) `after`, with their sort keys. */
  page(after: string | undefined, limit: number, backward: boolean): [string, string][] {
    this.settle();
    const out: [string, string][] = [];
    if (backward) {
      let i = after === undefined ? this.keys.length - 1 : this.search(after) - 1;
      for (; i >= 0 && out.length < limit; i--) this.collect(this.keys[i], out, limit);
    } else {
      let i = after === undefined ? 0 : this.search(after);
      if (after !== undefined && this.keys[i] === after) i++;
      for (; i < this.keys.length && out.length < limit; i++) this.collect(this.keys[i], out, limit);
    }
    return out;
  }

  /** The members under one key, up to `limit` in all (ties in shipmentId order; DynamoDB promises no order among them). */
  private collect(key: string | undefined, out: [string, string][], limit: number): void {
    const ids = key === undefined ? undefined : this.members.get(key);
    if (key === undefined || ids === undefined) return;
    for (const id of ids.size === 1 ? ids : [...ids].sort()) if (out.length < limit) out.push([key, id]);
  }

  /** The first position whose key is not below `key`. */
  private search(key: string): number {
    let [lo, hi] = [0, this.keys.length];
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.keys[mid] ?? '') < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

const INDEX_ATTR = { held: GSI_ATTR.heldLicenseId, released: GSI_ATTR.releasedLicenseId } as const;

/** The tables, their sparse Shipments indexes and a count of the writes made. */
export class MemoryTables implements ItemStore {
  private readonly items: Record<MemoryTableName, Map<string, RawItem>> = {
    licenses: new Map(),
    shipments: new Map(),
    inventory: new Map(),
    history: new Map(),
  };
  private readonly indexes = { held: new Map<string, IndexPartition>(), released: new Map() } as {
    held: Map<string, IndexPartition>;
    released: Map<string, IndexPartition>;
  };
  /** Items written (put or updated) since the tables were made, per table. */
  readonly writes: Record<MemoryTableName, number> = { licenses: 0, shipments: 0, inventory: 0, history: 0 };

  /** A copy of one item, or undefined. */
  get(table: MemoryTableName, key: string): RawItem | undefined {
    const item = this.items[table].get(key);
    return item === undefined ? undefined : copy(item);
  }

  has(table: MemoryTableName, key: string): boolean {
    return this.items[table].has(key);
  }

  holds(table: MemoryTableName, item: RawItem): boolean {
    return this.has(table, keyOf(table, item));
  }

  /** Copies of every item of a table, in key order. */
  all(table: MemoryTableName): RawItem[] {
    return [...this.items[table].entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, item]) => copy(item));
  }

  /** PutItem: the item as the document client sends it (undefined attributes dropped). */
  put(table: MemoryTableName, item: RawItem): void {
    const clean = withoutUndefined(item);
    checkIndexKeys(table, clean);
    this.write(table, keyOf(table, clean), clean);
  }

  /** Checks an update without applying it: the item it would make, or undefined when the item is missing or a condition fails. */
  plan(table: MemoryTableName, key: string, update: MemoryUpdate): RawItem | undefined {
    validate(update);
    const current = this.items[table].get(key);
    const next = applyUpdate(current ?? {}, update);
    checkIndexKeys(table, next);
    if (current === undefined || !conditionHolds(current, update)) return undefined;
    return next;
  }

  /** UpdateItem on an existing item; false when it is missing or the condition fails. */
  update(table: MemoryTableName, key: string, update: MemoryUpdate): boolean {
    const next = this.plan(table, key, update);
    if (next === undefined) return false;
    this.write(table, key, next);
    return true;
  }

  /** Replaces an item (planned before), keeping the Shipments indexes in step. */
  write(table: MemoryTableName, key: string, next: RawItem): void {
    const old = this.items[table].get(key);
    this.items[table].set(key, next);
    this.writes[table]++;
    if (table === 'shipments') this.reindex(old, next);
  }

  /** Items under one partition key (see index-keys.ts) of a sparse index in holdOrder (or reversed), after `after`, with their sort keys. */
  indexPage(
    index: 'held' | 'released',
    key: string,
    after: string | undefined,
    limit: number,
    backward: boolean,
  ): { holdOrder: string; item: RawItem }[] {
    const partition = this.indexes[index].get(key);
    if (partition === undefined) return [];
    return partition.page(after, limit, backward).flatMap(([holdOrder, id]) => {
      const item = this.get('shipments', id);
      return item === undefined ? [] : [{ holdOrder, item }];
    });
  }

  private reindex(old: RawItem | undefined, next: RawItem): void {
    for (const index of ['held', 'released'] as const) {
      const [was, now] = [indexKeyOf(old, index), indexKeyOf(next, index)];
      if (was && (!now || was.key !== now.key || was.holdOrder !== now.holdOrder))
        this.indexes[index].get(was.key)?.delete(was.holdOrder, String(old?.shipmentId));
      if (now) {
        const partition = this.indexes[index].get(now.key) ?? new IndexPartition();
        this.indexes[index].set(now.key, partition);
        partition.add(now.holdOrder, String(next.shipmentId));
      }
    }
  }
}

/** Where an item sits in a sparse index: both keys must be strings (else it is not in it). */
function indexKeyOf(
  item: RawItem | undefined,
  index: 'held' | 'released',
): { key: string; holdOrder: string } | undefined {
  const key = item?.[INDEX_ATTR[index]];
  const holdOrder = item?.[GSI_ATTR.holdOrder];
  return typeof key === 'string' && typeof holdOrder === 'string' ? { key, holdOrder } : undefined;
}
