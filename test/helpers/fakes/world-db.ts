/**
 * A DynamoDB document client over a memory world's Licenses and Shipments
 * tables, for the CLI's decision commands: GetItem, Query (no items), and
 * UpdateItem with `SET #a = :v, …` / `REMOVE #a, …` and the conditions the CLI
 * writes (`#a = :v`, `attribute_exists(#a)`, `(attribute_not_exists(#a) OR …)`).
 * The world's stream records every write, so its engines judge them as they
 * would the real table's.
 */
import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { RawItem } from '../../../shared/domain/ports.js';
import type { MemoryWorld } from './world.js';

const TABLES: Record<string, { table: 'licenses' | 'shipments'; key: string }> = {
  Licenses: { table: 'licenses', key: 'licenseId' },
  Shipments: { table: 'shipments', key: 'shipmentId' },
};

export interface WorldDbOptions {
  /** Runs once, between the command's read and its first UpdateItem: someone's edit landing then. */
  beforeUpdate?: () => void | Promise<void>;
  /**
   * Every UpdateItem is done, its response lost, and resent as the SDK
   * resends it: the resend's answer (a condition failure when the write
   * broke its own condition) is the command's.
   */
  resend?: boolean;
  /** Runs on each GetItem after an UpdateItem: the system at work while a command waits. */
  afterUpdate?: () => Promise<void>;
}

function conditionOf(input: UpdateCommand['input'], name: (p: string) => string) {
  const values = (input.ExpressionAttributeValues ?? {}) as Record<string, unknown>;
  const checks: ((item: RawItem) => boolean)[] = [];
  for (const c of String(input.ConditionExpression ?? '')
    .split(' AND ')
    .filter(Boolean)) {
    const exists = /^attribute_exists\((#\w+)\)$/.exec(c);
    const absent = /^\(?attribute_not_exists\((#\w+)\)/.exec(c);
    const eq = /^(#\w+) = (:\w+)$/.exec(c);
    if (exists) checks.push((i) => i[name(exists[1] as string)] !== undefined);
    else if (absent) checks.push((i) => i[name(absent[1] as string)] == null);
    else if (eq)
      checks.push(
        (i) => JSON.stringify(i[name(eq[1] as string)]) === JSON.stringify(values[eq[2] as string]),
      );
    else throw new Error(`condition not understood: ${c}`);
  }
  return (item: RawItem) => checks.every((f) => f(item));
}

function updateSpec(input: UpdateCommand['input']) {
  const names = input.ExpressionAttributeNames ?? {};
  const values = (input.ExpressionAttributeValues ?? {}) as Record<string, unknown>;
  const name = (p: string) => names[p.trim()] ?? p.trim();
  const [setPart, removePart] = String(input.UpdateExpression).replace(/^SET /, '').split(' REMOVE ');
  const set: Record<string, unknown> = {};
  for (const clause of (setPart ?? '').split(', ')) {
    const [a, v] = clause.split(' = ');
    set[name(String(a))] = values[String(v).trim()];
  }
  const remove = removePart === undefined ? [] : removePart.split(',').map(name);
  return { set, remove, also: conditionOf(input, name) };
}

/** The client, and what each UpdateItem did: `first` (committed?) and, with `resend`, `resent`. */
export function worldDb(w: MemoryWorld, opts: WorldDbOptions = {}) {
  const updates: { first: boolean; resent?: boolean }[] = [];
  let armed = opts.beforeUpdate !== undefined;
  const tableOf = (name: unknown) => {
    const t = TABLES[String(name)];
    if (!t) throw new Error(`unexpected table ${String(name)}`);
    return t;
  };
  const failed = () =>
    Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });
  return {
    updates,
    async send(command: unknown) {
      if (command instanceof GetCommand) {
        if (updates.length > 0) await opts.afterUpdate?.();
        const t = tableOf(command.input.TableName);
        return { Item: w.store.get(t.table, String(command.input.Key?.[t.key])) };
      }
      if (command instanceof QueryCommand) return { Count: 0, Items: [] };
      if (command instanceof UpdateCommand) {
        if (armed) {
          armed = false;
          await opts.beforeUpdate?.();
        }
        const t = tableOf(command.input.TableName);
        const key = String(command.input.Key?.[t.key]);
        const spec = updateSpec(command.input);
        const first = w.store.update(t.table, key, spec);
        if (!opts.resend) {
          updates.push({ first });
          if (!first) throw failed();
          return {};
        }
        const resent = w.store.update(t.table, key, spec);
        updates.push({ first, resent });
        if (!resent) throw failed();
        return {};
      }
      throw new Error(`unexpected command ${String(command)}`);
    },
  };
}
