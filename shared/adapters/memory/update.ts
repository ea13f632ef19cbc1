/**
 * UpdateItem as DynamoDB applies it, on an item in memory: the one
 * implementation behind the memory adapters (`clearance license simulate`)
 * and the engine tests' fakes (test/helpers/fakes/store.ts).
 *
 * - an update is `SET`, `REMOVE`, `ADD` and a condition, all or nothing;
 * - `attr = v` compares type and value (a missing attribute equals nothing);
 *   `null` in `expect` means absent or NULL;
 * - every attribute name is one top-level attribute, taken literally (a name
 *   with a dot is no path): a condition on a map's member is `expectIn`;
 * - a value the document client would drop (`undefined`), two clauses on one
 *   attribute, an `ADD` to a non-number or a GSI key that is not a string is
 *   refused (a {@link MemoryValidationError}) before any condition is looked at.
 */
import { sameValue } from '../../domain/model.js';
import { isInexactNumber } from '../../domain/numbers.js';
import type { RawItem } from '../../domain/ports.js';
import { GSI_ATTR } from '../../names.js';

/** DynamoDB refused the request itself (a `ValidationException`); no condition was evaluated. */
export class MemoryValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValidationException';
  }
}

/** One UpdateItem, alone or as a transaction action. */
export interface MemoryUpdate {
  set?: Record<string, unknown>;
  remove?: readonly string[];
  /** `ADD attr n`: a missing attribute counts as 0. */
  add?: Record<string, number>;
  /** `attr = if_not_exists(attr, 0) + 1`. */
  increment?: readonly string[];
  /** `attr = if_not_exists(attr, v)`. */
  setIfMissing?: Record<string, unknown>;
  /** `attr = list_append(if_not_exists(attr, []), v)`. */
  append?: Record<string, readonly unknown[]>;
  /** `attr = v`; `null` means absent or NULL. */
  expect?: Record<string, unknown>;
  /** `map.member = v` for each member, as `expect` says it: `{ appliedTerms: { sku: … } }`. */
  expectIn?: Record<string, Record<string, unknown>>;
  /** Conditions `expect` cannot say (`releasedQuantity <= :max`). */
  also?: (item: RawItem) => boolean;
}

/**
 * A deep copy of an item as the document client reads it: plain maps and
 * lists copied by hand (several times faster than `structuredClone` on a big
 * backlog), an inexact number as it is (immutable; `structuredClone` would
 * drop the mark validation tells it by), anything else (sets, binary) by
 * `structuredClone`.
 */
export function copy<T>(value: T): T {
  if (typeof value !== 'object' || value === null || isInexactNumber(value)) return value;
  if (Array.isArray(value)) return value.map(copy) as T;
  if (Object.getPrototypeOf(value) !== Object.prototype) return structuredClone(value);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = copy((value as Record<string, unknown>)[key]);
  return out as T;
}

/** A copy of an item as the document client sends it: attributes set to `undefined` dropped (`removeUndefinedValues`). */
export const withoutUndefined = (item: RawItem): RawItem =>
  Object.fromEntries(Object.entries(copy(item)).filter(([, v]) => v !== undefined));

/** Refuses what DynamoDB refuses before it reads the item: two clauses on one path, an undefined value. */
export function validate(update: MemoryUpdate): void {
  const paths = [
    ...Object.keys(update.set ?? {}),
    ...(update.remove ?? []),
    ...Object.keys(update.add ?? {}),
    ...(update.increment ?? []),
    ...Object.keys(update.setIfMissing ?? {}),
    ...Object.keys(update.append ?? {}),
  ];
  const twice = paths.find((p, i) => paths.indexOf(p) !== i);
  if (twice !== undefined)
    throw new MemoryValidationError(`Invalid UpdateExpression: Two document paths overlap: [${twice}]`);
  const members = Object.entries(update.expectIn ?? {}).flatMap(([map, m]) =>
    Object.entries(m).map(([member, v]): [string, unknown] => [`${map}.${member}`, v]),
  );
  for (const [attr, v] of [
    ...Object.entries(update.set ?? {}),
    ...Object.entries(update.expect ?? {}),
    ...members,
  ]) {
    if (v === undefined)
      throw new MemoryValidationError(
        `An expression attribute value used in expression is not defined (the value of ${attr} was undefined)`,
      );
  }
}

/** Whether `actual` is `v`, as `attr = v` says it (null: absent or NULL). */
const holds = (actual: unknown, v: unknown): boolean =>
  v === null ? actual === undefined || actual === null : sameValue(actual, v);

/** The member `member` of the map attribute `map`, as a document path `map.member` reads it. */
function memberOf(item: RawItem, map: string, member: string): unknown {
  const m = item[map];
  return typeof m === 'object' && m !== null && !Array.isArray(m) ? (m as RawItem)[member] : undefined;
}

/** Whether the update's condition holds on `item`. */
export function conditionHolds(item: RawItem, update: MemoryUpdate): boolean {
  for (const [attr, v] of Object.entries(update.expect ?? {})) if (!holds(item[attr], v)) return false;
  for (const [map, members] of Object.entries(update.expectIn ?? {}))
    for (const [member, v] of Object.entries(members))
      if (!holds(memberOf(item, map, member), v)) return false;
  return update.also ? update.also(item) : true;
}

const wrongType = (attr: string) =>
  new MemoryValidationError(`An operand in the update expression has an incorrect data type (${attr})`);

/** The item the update makes of `current` (a copy; the condition is not looked at). */
export function applyUpdate(current: RawItem, update: MemoryUpdate): RawItem {
  const next = copy(current);
  for (const [attr, v] of Object.entries(update.set ?? {})) next[attr] = copy(v);
  for (const [attr, v] of Object.entries(update.setIfMissing ?? {}))
    if (next[attr] === undefined) next[attr] = copy(v);
  for (const [attr, v] of Object.entries(update.append ?? {})) {
    const was = next[attr] ?? [];
    if (!Array.isArray(was)) throw wrongType(attr);
    next[attr] = [...was, ...copy(v)];
  }
  for (const attr of update.remove ?? []) delete next[attr];
  const added = [
    ...Object.entries(update.add ?? {}),
    ...(update.increment ?? []).map((a): [string, number] => [a, 1]),
  ];
  for (const [attr, n] of added) {
    const was = next[attr] ?? 0;
    if (typeof was !== 'number') throw wrongType(attr);
    next[attr] = was + n;
  }
  return next;
}

/** A Shipments item's sparse GSI keys must be non-empty strings, or DynamoDB refuses the write. */
export function checkIndexKeys(table: string, item: RawItem): void {
  if (table !== 'shipments') return;
  for (const attr of [GSI_ATTR.heldLicenseId, GSI_ATTR.releasedLicenseId, GSI_ATTR.holdOrder]) {
    const v = item[attr];
    if (v !== undefined && (typeof v !== 'string' || v === ''))
      throw new MemoryValidationError(
        `One or more parameter values were invalid: Type mismatch for Index Key ${attr}`,
      );
  }
}
