/**
 * DynamoDB: transactions (actions, distinct items, sizes), batch reads and
 * writes (keys, requests, duplicates, item size), PutItem and UpdateItem
 * item size.
 */
import { type Check, hasDuplicate, type Input, isRecord, records, violation } from './common.js';
import { attributesSize, itemSize, parseNumber, utf8Length, valueSize } from './sizes.js';

const KB = 1024;
const MAX_TRANSACT_ACTIONS = 100;
const MAX_TRANSACT_BYTES = 4 * KB * KB;
const MAX_ITEM_BYTES = 400 * KB;
const MAX_BATCH_GET_KEYS = 100;
const MAX_BATCH_WRITE_REQUESTS = 25;

const DDB = 'dynamodb';
const VALIDATION = 'ValidationException';
const DUPLICATE_KEYS = 'Provided list of item keys contains duplicates';
const ITEM_TOO_LARGE = 'Item size has exceeded the maximum allowed size';

const tooLong = (at: string, max: number) =>
  `1 validation error detected: Value at '${at}' failed to satisfy constraint: Member must have length less than or equal to ${max}`;

/** A key value in a form where equal keys compare equal (numbers are canonical). */
function keyValue(value: unknown): string {
  if (!isRecord(value)) return '?';
  if (typeof value.S === 'string') return `S${value.S}`;
  if (typeof value.N === 'string') {
    const n = parseNumber(value.N);
    return n ? `N${n.negative ? '-' : ''}${n.digits}e${n.exponent}` : `N${value.N}`;
  }
  if (typeof value.B === 'string') return `B${value.B}`;
  return `?${JSON.stringify(value)}`;
}

const keyId = (table: string, key: Record<string, unknown>, names: readonly string[]): string =>
  `${table}\u0000${names.map((name) => `${name}=${keyValue(key[name])}`).join('\u0001')}`;

/** JSON with sorted object keys, so two equal items give equal text. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (isRecord(value)) {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson(value[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * Key attribute names per table, learnt from the keys the request spells out.
 * A Put carries no key of its own; see the module comment.
 */
class KeyNames {
  private readonly byTable = new Map<string, readonly string[]>();
  learn(table: string, key: Record<string, unknown>): void {
    if (!this.byTable.has(table)) this.byTable.set(table, Object.keys(key).sort());
  }
  ofKey(table: string, key: Record<string, unknown>): string {
    return keyId(table, key, Object.keys(key).sort());
  }
  ofItem(table: string, item: Record<string, unknown>): string {
    const names = this.byTable.get(table);
    if (names?.every((name) => Object.hasOwn(item, name))) return keyId(table, item, names);
    return `${table}\u0000item\u0000${stableJson(item)}`;
  }
}

const WRITE_ACTIONS = ['Put', 'Update', 'Delete', 'ConditionCheck'] as const;

function transactAction(
  entry: Record<string, unknown>,
): { kind: (typeof WRITE_ACTIONS)[number]; body: Record<string, unknown>; table: string } | undefined {
  for (const kind of WRITE_ACTIONS) {
    const body = entry[kind];
    if (isRecord(body))
      return { kind, body, table: typeof body.TableName === 'string' ? body.TableName : '' };
  }
  return undefined;
}

export const transactWriteItems: Check = (input) => {
  const entries = Array.isArray(input.TransactItems) ? input.TransactItems : [];
  if (entries.length > MAX_TRANSACT_ACTIONS) {
    return violation(
      DDB,
      VALIDATION,
      tooLong('transactItems', MAX_TRANSACT_ACTIONS),
      'dynamodb.TransactWriteItems.actions',
    );
  }
  const actions = entries.map((entry) => (isRecord(entry) ? transactAction(entry) : undefined));
  const keys = new KeyNames();
  for (const action of actions) {
    if (action && action.kind !== 'Put' && isRecord(action.body.Key))
      keys.learn(action.table, action.body.Key);
  }
  const ids = actions.flatMap((action) => {
    if (!action) return [];
    if (action.kind === 'Put')
      return isRecord(action.body.Item) ? [keys.ofItem(action.table, action.body.Item)] : [];
    return isRecord(action.body.Key) ? [keys.ofKey(action.table, action.body.Key)] : [];
  });
  if (hasDuplicate(ids)) {
    return violation(
      DDB,
      VALIDATION,
      'Transaction request cannot include multiple operations on one item',
      'dynamodb.TransactWriteItems.distinctItems',
    );
  }
  // A Put carries its whole item. For the others only the key and the
  // expression attribute values are known (each value counted under its
  // placeholder name): the stored item may be larger, so this is a floor.
  const sizes = actions.map((action) => {
    if (!action) return 0;
    if (action.kind === 'Put') return itemSize(action.body.Item);
    return itemSize(action.body.Key) + itemSize(action.body.ExpressionAttributeValues);
  });
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total > MAX_TRANSACT_BYTES) {
    // The docs give no message text for this; this is their sentence.
    return violation(
      DDB,
      VALIDATION,
      'The aggregate size of the items in the transaction cannot exceed 4 MB',
      'dynamodb.TransactWriteItems.aggregateSize',
    );
  }
  // The docs list an item grown past 400 KB as a cancellation reason
  // (ValidationError), not as a ValidationException of the whole request.
  const tooLarge = actions.map((action, i) => action?.kind === 'Put' && (sizes[i] ?? 0) > MAX_ITEM_BYTES);
  if (tooLarge.some(Boolean)) {
    const reasons = tooLarge.map((large) => (large ? 'ValidationError' : 'None')).join(', ');
    return violation(
      DDB,
      'TransactionCanceledException',
      `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons}]`,
      'dynamodb.TransactWriteItems.itemSize',
    );
  }
  return undefined;
};

export const transactGetItems: Check = (input) => {
  const entries = Array.isArray(input.TransactItems) ? input.TransactItems : [];
  if (entries.length <= MAX_TRANSACT_ACTIONS) return undefined;
  return violation(
    DDB,
    VALIDATION,
    tooLong('transactItems', MAX_TRANSACT_ACTIONS),
    'dynamodb.TransactGetItems.actions',
  );
};

const requestTables = (input: Input): [string, unknown][] =>
  isRecord(input.RequestItems) ? Object.entries(input.RequestItems) : [];

export const batchGetItem: Check = (input) => {
  const tables = requestTables(input).map(([table, request]) => ({
    table,
    keys: isRecord(request) ? records(request.Keys) : [],
  }));
  // AWS words the two cases differently: one table over 100, and all tables together.
  const over = tables.find(({ keys }) => keys.length > MAX_BATCH_GET_KEYS);
  if (over) {
    return violation(
      DDB,
      VALIDATION,
      tooLong(`requestItems.${over.table}.member.keys`, MAX_BATCH_GET_KEYS),
      'dynamodb.BatchGetItem.keys',
    );
  }
  if (tables.reduce((n, { keys }) => n + keys.length, 0) > MAX_BATCH_GET_KEYS) {
    return violation(
      DDB,
      VALIDATION,
      'Too many items requested for the BatchGetItem call',
      'dynamodb.BatchGetItem.keys',
    );
  }
  const names = new KeyNames();
  if (hasDuplicate(tables.flatMap(({ table, keys }) => keys.map((key) => names.ofKey(table, key))))) {
    return violation(DDB, VALIDATION, DUPLICATE_KEYS, 'dynamodb.BatchGetItem.distinctKeys');
  }
  return undefined;
};

export const batchWriteItem: Check = (input) => {
  const tables = requestTables(input).map(([table, requests]) => ({ table, requests: records(requests) }));
  const over = tables.find(({ requests }) => requests.length > MAX_BATCH_WRITE_REQUESTS);
  if (over) {
    return violation(
      DDB,
      VALIDATION,
      `1 validation error detected: Value at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to ${MAX_BATCH_WRITE_REQUESTS}, Member must have length greater than or equal to 1]`,
      'dynamodb.BatchWriteItem.requests',
    );
  }
  if (tables.reduce((n, { requests }) => n + requests.length, 0) > MAX_BATCH_WRITE_REQUESTS) {
    return violation(
      DDB,
      VALIDATION,
      'Too many items requested for the BatchWriteItem call',
      'dynamodb.BatchWriteItem.requests',
    );
  }
  const keys = new KeyNames();
  for (const { table, requests } of tables) {
    for (const request of requests) {
      const key = isRecord(request.DeleteRequest) ? request.DeleteRequest.Key : undefined;
      if (isRecord(key)) keys.learn(table, key);
    }
  }
  const ids: string[] = [];
  const items: unknown[] = [];
  for (const { table, requests } of tables) {
    for (const request of requests) {
      const put = isRecord(request.PutRequest) ? request.PutRequest.Item : undefined;
      const key = isRecord(request.DeleteRequest) ? request.DeleteRequest.Key : undefined;
      if (isRecord(put)) {
        ids.push(keys.ofItem(table, put));
        items.push(put);
      } else if (isRecord(key)) ids.push(keys.ofKey(table, key));
    }
  }
  if (hasDuplicate(ids)) {
    return violation(DDB, VALIDATION, DUPLICATE_KEYS, 'dynamodb.BatchWriteItem.distinctKeys');
  }
  if (items.some((item) => itemSize(item) > MAX_ITEM_BYTES)) {
    return violation(DDB, VALIDATION, ITEM_TOO_LARGE, 'dynamodb.BatchWriteItem.itemSize');
  }
  return undefined;
};

export const putItem: Check = (input) =>
  itemSize(input.Item) > MAX_ITEM_BYTES
    ? violation(DDB, VALIDATION, ITEM_TOO_LARGE, 'dynamodb.PutItem.itemSize')
    : undefined;

const CLAUSE = /(?<![#:\w.])(SET|REMOVE|ADD|DELETE)(?![\w])/gi;

/** Splits `text` at top-level occurrences of `separator` (outside parentheses and brackets). */
function splitTopLevel(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (c === separator && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/**
 * A floor for the size of the item after an UpdateItem: its key plus every
 * top-level attribute the SET clause assigns a plain value (`#a = :v`).
 * Everything else (REMOVE, ADD, if_not_exists, list_append, nested paths,
 * attributes the item already has) is left out, so a floor over 400 KB is
 * certainly refused and a floor under it says nothing.
 */
function updatedItemFloor(input: Input): number {
  const key = isRecord(input.Key) ? input.Key : {};
  const expression = typeof input.UpdateExpression === 'string' ? input.UpdateExpression : '';
  const names = isRecord(input.ExpressionAttributeNames) ? input.ExpressionAttributeNames : {};
  const values = isRecord(input.ExpressionAttributeValues) ? input.ExpressionAttributeValues : {};
  const assigned = new Map<string, unknown>();
  const clauses = [...expression.matchAll(CLAUSE)];
  clauses.forEach((clause, i) => {
    if (clause[1]?.toUpperCase() !== 'SET' || clause.index === undefined) return;
    const body = expression.slice(
      clause.index + clause[0].length,
      clauses[i + 1]?.index ?? expression.length,
    );
    for (const action of splitTopLevel(body, ',')) {
      const [path, operand, ...rest] = splitTopLevel(action, '=');
      if (path === undefined || operand === undefined || rest.length > 0) continue;
      const target = path.trim();
      const source = operand.trim();
      if (!/^#?[A-Za-z0-9_]+$/.test(target) || !/^:[A-Za-z0-9_]+$/.test(source)) continue;
      const name = target.startsWith('#') ? names[target] : target;
      if (typeof name === 'string' && !Object.hasOwn(key, name) && Object.hasOwn(values, source)) {
        assigned.set(name, values[source]);
      }
    }
  });
  let size = attributesSize(key);
  for (const [name, value] of assigned) size += utf8Length(name) + valueSize(value);
  return size;
}

export const updateItem: Check = (input) =>
  updatedItemFloor(input) > MAX_ITEM_BYTES
    ? violation(
        DDB,
        VALIDATION,
        'Item size to update has exceeded the maximum allowed size',
        'dynamodb.UpdateItem.itemSize',
      )
    : undefined;
