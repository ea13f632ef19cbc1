/**
 * What a CLI write whose condition failed left: its own write (committed, its
 * response lost, and the SDK's resend failed the condition the write itself
 * broke), or someone's edit, named attribute by attribute.
 */

import { Expr } from '../shared/adapters/dynamo/expressions.js';
import { sameValue, showValue } from '../shared/domain/model.js';
import type { RawItem } from '../shared/domain/ports.js';
import { SYSTEM_ACTOR } from '../shared/names.js';
import { cliChangedBy } from './identity.js';

/** One conditional UpdateItem of the CLI: the attributes it sets and removes, by `by`. */
export interface CliWrite {
  set: Record<string, unknown>;
  remove: readonly string[];
  by: string;
}

/** Whether `item` has, in each attribute of `expected`, that value; null means absent or NULL, as a write condition sees it. */
export function readsAs(item: RawItem, expected: Record<string, unknown>): boolean {
  return Object.entries(expected).every(([attr, v]) => sameValue(item[attr] ?? null, v ?? null));
}

/**
 * Whether `item` carries `write` as this command made it: every attribute set
 * as written (`changedBy` aside), every removed one absent, and `changedBy`
 * the CLI's for its author, or the system's once it has taken the write in
 * (it stamps every write of its own so, and leaves `updatedBy` and
 * `statusReason` as they are).
 */
export function carriesWrite(item: RawItem | undefined, write: CliWrite): boolean {
  if (item === undefined) return false;
  const { changedBy: _, ...set } = write.set;
  const changedBy = item.changedBy;
  return (
    readsAs(item, set) &&
    write.remove.every((attr) => item[attr] == null) &&
    (changedBy === cliChangedBy(write.by) || changedBy === SYSTEM_ACTOR)
  );
}

/** The attributes of `fields` whose values differ between `before` and `after` (absent and NULL alike). */
export function changedFields(before: RawItem, after: RawItem, fields: readonly string[]): string[] {
  return fields.filter((f) => !sameValue(before[f] ?? null, after[f] ?? null));
}

const shown = (v: unknown): string => (v == null ? '(none)' : showValue(v, 60));

/** "quantity 5 → 7, value 1000 → (none)": each of `fields` as it was read and as it is now. */
export function describeChanges(before: RawItem, after: RawItem, fields: readonly string[]): string {
  return fields.map((f) => `${f} ${shown(before[f])} → ${shown(after[f])}`).join(', ');
}

/**
 * The conditional UpdateItem of `write` on the item whose key is `key`: on
 * the condition that it exists (`keyAttr`) and has, in each attribute of
 * `expect`, the value read (null: absent or NULL, `Expr.conditions`).
 */
export function cliUpdate(
  table: string,
  key: Record<string, string>,
  write: CliWrite,
  expect: Record<string, unknown>,
) {
  const x = new Expr();
  const sets = Object.entries(write.set).map(([a, v]) => `${x.name(a)} = ${x.value(v)}`);
  const removes = write.remove.map((a) => x.name(a));
  const condition = [
    ...Object.keys(key).map((k) => `attribute_exists(${x.name(k)})`),
    ...x.conditions(expect),
  ];
  return {
    TableName: table,
    Key: key,
    UpdateExpression: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
    ConditionExpression: condition.join(' AND '),
    ...x.params(),
  };
}
