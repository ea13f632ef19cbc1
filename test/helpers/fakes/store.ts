/**
 * The state the in-memory fakes of the ports share: the tables, their
 * streams, a call log and fault hooks. Updates are applied as
 * shared/adapters/memory/update.ts says DynamoDB applies them (the memory
 * adapters' own rules; see test/unit/engine/fakes-contract.test.ts), and a
 * write that changes nothing writes no stream record (checked on DynamoDB
 * Local 2026-01-16).
 */

import type { MemoryRepositoryOptions } from '../../../shared/adapters/memory/tables.js';
import {
  applyUpdate,
  checkIndexKeys,
  conditionHolds,
  type MemoryUpdate,
  validate,
  withoutUndefined,
} from '../../../shared/adapters/memory/update.js';
import { sameValue } from '../../../shared/domain/model.js';
import type { RawItem } from '../../../shared/domain/ports.js';
import type { KeyedStreamRecord } from '../../../shared/engine/shipment-engine.js';

export type TableName = 'licenses' | 'shipments' | 'inventory' | 'history' | 'tallies';

/** One stream record (NEW_AND_OLD_IMAGES), keyed by the item's key. */
export type StreamEntry = KeyedStreamRecord;

/** One UpdateItem (alone or as a transaction action); `upsert`: it may create the item (no `attribute_exists` condition), with these key attributes. */
export type UpdateSpec = MemoryUpdate & { upsert?: RawItem };

/** Which attributes make an item's key, per table. */
export const KEY_ATTRS: Record<TableName, readonly string[]> = {
  licenses: ['licenseId'],
  shipments: ['shipmentId'],
  inventory: ['sku', 'warehouseId'],
  history: ['licenseId', 'entryId'],
  tallies: ['licenseId', 'event'],
};

export const keyOf = (table: TableName, item: RawItem): string =>
  KEY_ATTRS[table].map((a) => String(item[a])).join('\u0000');

type Hook = (call: { op: string; args: readonly unknown[] }) => void | Promise<void>;

/** Tables, streams, a call log and fault hooks shared by the fakes of one world. */
export class MemoryStore {
  readonly tables: Record<TableName, Map<string, RawItem>> = {
    licenses: new Map(),
    shipments: new Map(),
    inventory: new Map(),
    history: new Map(),
    tallies: new Map(),
  };
  readonly streams: Record<'licenses' | 'shipments', StreamEntry[]> = { licenses: [], shipments: [] };
  /** Every port call in order, e.g. `{ op: 'shipments.update', args }`. */
  readonly calls: { op: string; args: readonly unknown[] }[] = [];
  private sequence = 0;
  private readonly failures = new Map<string, { error: Error; skip: number }[]>();
  private readonly hooks = new Map<string, { fn: Hook; once: boolean }[]>();

  constructor(readonly clock: () => Date) {}

  /**
   * How the memory adapters run over this store: each call logged and staged
   * by {@link MemoryStore.enter}, and Scans paged by 25 so that small tables
   * take several pages.
   */
  readonly repositoryOptions: MemoryRepositoryOptions = {
    gate: (op, args) => this.enter(op, args),
    scanPage: 25,
  };

  /** Called first by every fake method: logs the call, then throws an armed failure, then runs hooks. */
  async enter(op: string, args: readonly unknown[]): Promise<void> {
    this.calls.push({ op, args: structuredClone(args) });
    const armed = this.failures.get(op) ?? [];
    const first = armed[0];
    if (first) {
      if (first.skip > 0) first.skip--;
      else {
        armed.shift();
        throw first.error;
      }
    }
    const hooks = this.hooks.get(op) ?? [];
    this.hooks.set(
      op,
      hooks.filter((h) => !h.once),
    );
    for (const h of hooks) await h.fn({ op, args });
  }

  /** Makes a later call of `op` throw `error`: the next one, or the one after `skip` calls. */
  failNext(op: string, error: Error = new Error(`injected failure of ${op}`), skip = 0): void {
    this.failures.set(op, [...(this.failures.get(op) ?? []), { error, skip }]);
  }

  /** Runs `fn` before the next call of `op` only (to stage a race), before its write. */
  beforeNext(op: string, fn: Hook): void {
    this.hooks.set(op, [...(this.hooks.get(op) ?? []), { fn, once: true }]);
  }

  /** Runs `fn` before every call of `op` until the returned function is called. */
  before(op: string, fn: Hook): () => void {
    const entry = { fn, once: false };
    this.hooks.set(op, [...(this.hooks.get(op) ?? []), entry]);
    return () =>
      this.hooks.set(
        op,
        (this.hooks.get(op) ?? []).filter((h) => h !== entry),
      );
  }

  /** Names of the calls made so far, in order (e.g. to check that an alert came before a write). */
  ops(): string[] {
    return this.calls.map((c) => c.op);
  }

  get(table: TableName, key: string): RawItem | undefined {
    const item = this.tables[table].get(key);
    return item === undefined ? undefined : structuredClone(item);
  }

  /** Whether an item with `item`'s key is there. */
  holds(table: TableName, item: RawItem): boolean {
    return this.tables[table].has(keyOf(table, item));
  }

  /** Items of a table in key order, copied. */
  all(table: TableName): RawItem[] {
    return [...this.tables[table].entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, item]) => structuredClone(item));
  }

  /** PutItem (the document client drops undefined attributes). */
  put(table: TableName, item: RawItem): void {
    const clean = withoutUndefined(item);
    checkIndexKeys(table, clean);
    this.write(table, keyOf(table, clean), clean);
  }

  /** Writes an item as the starting state of a test: no stream record, no `changedBy`. */
  seed(table: TableName, item: RawItem): void {
    const clean = withoutUndefined(item);
    checkIndexKeys(table, clean);
    this.tables[table].set(keyOf(table, clean), clean);
  }

  delete(table: TableName, key: string): void {
    this.write(table, key, undefined);
  }

  /** Checks an update without applying it: the item it would make, or undefined when the item is missing or the condition fails. */
  plan(table: TableName, key: string, spec: UpdateSpec): RawItem | undefined {
    validate(spec);
    const found = this.tables[table].get(key);
    const current = found ?? (spec.upsert ? structuredClone(spec.upsert) : undefined);
    const next = applyUpdate(current ?? {}, spec);
    checkIndexKeys(table, next);
    if (current === undefined || !conditionHolds(current, spec)) return undefined;
    return next;
  }

  /** UpdateItem on an existing item (or an upsert's); false when the item is missing or the condition fails. */
  update(table: TableName, key: string, spec: UpdateSpec): boolean {
    const next = this.plan(table, key, spec);
    if (next === undefined) return false;
    this.write(table, key, next);
    return true;
  }

  /** Replaces (or deletes) an item and writes a stream record when anything changed. */
  write(table: TableName, key: string, next: RawItem | undefined): void {
    const old = this.tables[table].get(key);
    if (next === undefined) this.tables[table].delete(key);
    else this.tables[table].set(key, next);
    if (
      table === 'inventory' ||
      table === 'history' ||
      table === 'tallies' ||
      (old !== undefined && next !== undefined && sameValue(old, next))
    )
      return;
    if (old === undefined && next === undefined) return;
    this.streams[table].push({
      sequence: String(++this.sequence).padStart(21, '0'),
      eventName: old === undefined ? 'INSERT' : next === undefined ? 'REMOVE' : 'MODIFY',
      key,
      ...(old ? { oldImage: structuredClone(old) } : {}),
      ...(next ? { newImage: structuredClone(next) } : {}),
      at: this.clock().toISOString(),
    });
  }
}
