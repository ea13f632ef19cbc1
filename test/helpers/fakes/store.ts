/**
 * The state the in-memory fakes of the ports share: the three tables, their
 * streams, a call log and fault hooks. Writes follow DynamoDB's rules where
 * the engines can see them (see test/unit/engine/fakes-contract.test.ts):
 *
 * - an update is `SET`, `REMOVE`, `ADD` and a condition, all-or-nothing;
 * - a value the document client would drop (`undefined`), two clauses on one
 *   attribute, an `ADD` to a non-number or a GSI key that is not a string is a
 *   `ValidationException`, thrown before any condition is looked at;
 * - `attr = v` compares type and value (a missing attribute equals nothing);
 * - a write that changes nothing writes no stream record (checked on
 *   DynamoDB Local 2026-01-16, like the other rules here).
 */

import type { RawItem } from '../../../shared/domain/ports.js';
import type { KeyedStreamRecord } from '../../../shared/engine/shipment-engine.js';
import { GSI_ATTR } from '../../../shared/names.js';

export type TableName = 'licenses' | 'shipments' | 'inventory' | 'history' | 'tallies';

/** DynamoDB refused the request itself (the SDK's `ValidationException`); no condition was evaluated. */
export class FakeValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValidationException';
  }
}

/** One stream record (NEW_AND_OLD_IMAGES), keyed by the item's key. */
export type StreamEntry = KeyedStreamRecord;

/** One UpdateItem (alone or as a transaction action). */
export interface UpdateSpec {
  set?: Record<string, unknown>;
  remove?: readonly string[];
  /** `ADD attr n`: a missing attribute counts as 0. */
  add?: Record<string, number>;
  /** `attr = if_not_exists(attr, 0) + 1`. */
  increment?: readonly string[];
  /** `attr = v`; `null` means absent or NULL. */
  expect?: Record<string, unknown>;
  /** Conditions no `expect` entry can say (`rq <= :max`, `attribute_exists(statusError)`). */
  also?: (item: RawItem) => boolean;
  /** `attr = if_not_exists(attr, v)`. */
  setIfMissing?: Record<string, unknown>;
  /** `attr = list_append(if_not_exists(attr, []), v)`. */
  append?: Record<string, unknown[]>;
  /** The update may create the item (no `attribute_exists` condition): these are its key attributes. */
  upsert?: RawItem;
}

/** A value as DynamoDB compares it in `attr = :v`: same type and same value. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return canonical(a) === canonical(b);
}

const canonical = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([p], [q]) => (p < q ? -1 : 1)))
      : x,
  );

/** Keys of the sparse GSIs must be strings; DynamoDB refuses the write otherwise. */
const INDEX_KEYS: Record<TableName, readonly string[]> = {
  shipments: [GSI_ATTR.heldLicenseId, GSI_ATTR.releasedLicenseId, GSI_ATTR.holdOrder],
  licenses: [],
  inventory: [],
  history: [],
  tallies: [],
};

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

  read(table: TableName, key: string): RawItem | undefined {
    const item = this.tables[table].get(key);
    return item === undefined ? undefined : structuredClone(item);
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

  /** Checks an update without applying it: the item it would produce, or why it cannot be written. */
  plan(table: TableName, key: string, spec: UpdateSpec): { ok: true; next: RawItem } | { ok: false } {
    validate(spec);
    const found = this.tables[table].get(key);
    const current = found ?? (spec.upsert ? structuredClone(spec.upsert) : undefined);
    const next = applyUpdate(current ?? {}, spec);
    checkIndexKeys(table, next);
    if (current === undefined || !conditionHolds(current, spec)) return { ok: false };
    return { ok: true, next };
  }

  /** UpdateItem on an existing item; false when the item is missing or the condition fails. */
  update(table: TableName, key: string, spec: UpdateSpec): boolean {
    const planned = this.plan(table, key, spec);
    if (!planned.ok) return false;
    this.write(table, key, planned.next);
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

/** A copy without the attributes the document client drops (`removeUndefinedValues`). */
export const withoutUndefined = (item: RawItem): RawItem =>
  Object.fromEntries(Object.entries(structuredClone(item)).filter(([, v]) => v !== undefined));

function validate(spec: UpdateSpec): void {
  const paths = [
    ...Object.keys(spec.set ?? {}),
    ...(spec.remove ?? []),
    ...Object.keys(spec.add ?? {}),
    ...(spec.increment ?? []),
    ...Object.keys(spec.setIfMissing ?? {}),
    ...Object.keys(spec.append ?? {}),
  ];
  const twice = paths.find((p, i) => paths.indexOf(p) !== i);
  if (twice !== undefined)
    throw new FakeValidationError(`Invalid UpdateExpression: Two document paths overlap: [${twice}]`);
  for (const [attr, v] of [...Object.entries(spec.set ?? {}), ...Object.entries(spec.expect ?? {})]) {
    if (v === undefined)
      throw new FakeValidationError(
        `An expression attribute value used in expression is not defined (the value of ${attr} was undefined)`,
      );
  }
}

/** The value at a document path (`appliedTerms.validFrom`), as a condition expression reads it. */
function valueAt(item: RawItem, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>(
      (v, part) => (typeof v === 'object' && v !== null ? (v as RawItem)[part] : undefined),
      item,
    );
}

function conditionHolds(item: RawItem, spec: UpdateSpec): boolean {
  for (const [attr, v] of Object.entries(spec.expect ?? {})) {
    const actual = valueAt(item, attr);
    // null: absent or NULL, as the DynamoDB adapter's condition says.
    if (v === null ? actual !== undefined && actual !== null : !sameValue(actual, v)) return false;
  }
  return spec.also ? spec.also(item) : true;
}

function applyUpdate(current: RawItem, spec: UpdateSpec): RawItem {
  const next = structuredClone(current);
  for (const [attr, v] of Object.entries(spec.set ?? {})) next[attr] = structuredClone(v);
  for (const [attr, v] of Object.entries(spec.setIfMissing ?? {}))
    if (next[attr] === undefined) next[attr] = structuredClone(v);
  for (const [attr, v] of Object.entries(spec.append ?? {})) {
    const was = next[attr] ?? [];
    if (!Array.isArray(was))
      throw new FakeValidationError(
        `An operand in the update expression has an incorrect data type (${attr})`,
      );
    next[attr] = [...was, ...structuredClone(v)];
  }
  for (const attr of spec.remove ?? []) delete next[attr];
  for (const [attr, n] of Object.entries(spec.add ?? {})) {
    const was = next[attr] ?? 0;
    if (typeof was !== 'number')
      throw new FakeValidationError(
        `An operand in the update expression has an incorrect data type (${attr})`,
      );
    next[attr] = was + n;
  }
  for (const attr of spec.increment ?? []) {
    const was = next[attr] ?? 0;
    if (typeof was !== 'number')
      throw new FakeValidationError(
        `An operand in the update expression has an incorrect data type (${attr})`,
      );
    next[attr] = was + 1;
  }
  return next;
}

function checkIndexKeys(table: TableName, item: RawItem): void {
  for (const attr of INDEX_KEYS[table]) {
    const v = item[attr];
    if (v !== undefined && (typeof v !== 'string' || v === ''))
      throw new FakeValidationError(
        `One or more parameter values were invalid: Type mismatch for Index Key ${attr}`,
      );
  }
}
