/**
 * AWS limits that the local emulators (DynamoDB Local, fauxqs) do not
 * enforce, so that a request the local stack accepts but AWS would refuse
 * fails locally too, with the error code and message AWS uses.
 *
 * Pure functions over the decoded request: no I/O, no SDK, no state. The
 * request gateway calls {@link checkLimits} on every request and turns a
 * {@link LimitViolation} into the service's wire error. For SQS (JSON
 * protocol with query compatibility) the gateway renders `code` as
 * `__type: com.amazonaws.sqs#<code>`; the query-compatible code in
 * `x-amzn-query-error` is `AWS.SimpleQueueService.<code>` for the batch
 * errors and plain `InvalidParameterValue` for a message that is too long.
 *
 * What is measured from the request alone, and so approximated:
 *
 * - DynamoDB item sizes follow the documented rules (attribute name bytes +
 *   value bytes; numbers 1 byte per two significant digits + 1; binary by
 *   raw length; List/Map 3 bytes + 1 per element). AWS documents the number
 *   size as approximate, and sets are counted as the sum of their members.
 * - Keys: a Put carries its whole item, not its key. The key attributes of a
 *   table are learnt from the Delete/Update/ConditionCheck keys (or
 *   BatchWriteItem DeleteRequest keys) in the same request; when none
 *   names them, two Puts count as the same item only if they are identical.
 * - SNS and SQS sizes assume the topic's and queue's `MaximumMessageSize`
 *   are at their defaults (the project's infra sets neither).
 */

/** The services the local stack emulates. */
export type ServiceName = 'dynamodb' | 'dynamodbstreams' | 'sns' | 'sqs' | 'sts';

/** A request as the gateway decoded it. */
export interface DecodedCall {
  service: ServiceName;
  /** e.g. 'TransactWriteItems', 'PublishBatch'. */
  operation: string;
  /** SDK-shaped input. DynamoDB/Streams/SQS: the JSON request body as sent (DynamoDB values in AttributeValue form, e.g. { S: 'x' }). SNS (query protocol): the decoded structure, e.g. { TopicArn, PublishBatchRequestEntries: [{ Id, Message, Subject?, MessageAttributes?: { name: { DataType, StringValue?, BinaryValue? } } }] }, Subscribe { TopicArn, Protocol, Endpoint, Attributes?: Record<string,string>, ReturnSubscriptionArn? }, SetSubscriptionAttributes { SubscriptionArn, AttributeName, AttributeValue }. */
  input: Record<string, unknown>;
  /** Size of the request body in bytes. */
  bodyBytes: number;
}

/** Why AWS would refuse the request, in AWS's own words. */
export interface LimitViolation {
  service: ServiceName;
  /** The AWS error code the service returns, e.g. 'ValidationException', 'TooManyEntriesInBatchRequest', 'BatchRequestTooLong', 'InvalidParameter'. */
  code: string;
  /** AWS's message, as close to the real one as the docs show. */
  message: string;
  httpStatus: number;
  /** Stable name of the limit, e.g. 'dynamodb.TransactWriteItems.actions', used in tests and reports. */
  limit: string;
}

const DOC = {
  transactWrite: 'https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html',
  transactDuplicate: 'https://repost.aws/knowledge-center/dynamodb-transactwriteitems',
  transactCancel:
    'https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html',
  transactGet: 'https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactGetItems.html',
  batchGet: 'https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html',
  batchWrite: 'https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html',
  putItem: 'https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PutItem.html',
  updateItem: 'https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateItem.html',
  itemSize: 'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html',
  publish: 'https://docs.aws.amazon.com/sns/latest/api/API_Publish.html',
  publishBatch: 'https://docs.aws.amazon.com/sns/latest/api/API_PublishBatch.html',
  snsBatching: 'https://docs.aws.amazon.com/sns/latest/dg/sns-batch-api-actions.html',
  snsAttributes: 'https://docs.aws.amazon.com/sns/latest/dg/sns-message-attributes.html',
  snsAttributeValue: 'https://docs.aws.amazon.com/sns/latest/api/API_MessageAttributeValue.html',
  snsLarge: 'https://docs.aws.amazon.com/sns/latest/dg/large-message-payloads.html',
  snsRawDelivery: 'https://docs.aws.amazon.com/sns/latest/dg/sns-large-payload-raw-message-delivery.html',
  filterConstraints: 'https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html',
  sqsSendBatch:
    'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessageBatch.html',
  sqsDeleteBatch:
    'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_DeleteMessageBatch.html',
  sqsSend: 'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html',
  sqsQuotas:
    'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html',
} as const;

const LIMIT_TABLE = [
  { limit: 'dynamodb.TransactWriteItems.actions', value: '100 actions', source: DOC.transactWrite },
  {
    limit: 'dynamodb.TransactWriteItems.distinctItems',
    value: 'one action per item (table + key)',
    source: DOC.transactDuplicate,
  },
  {
    limit: 'dynamodb.TransactWriteItems.aggregateSize',
    value: '4 MB (4,194,304 bytes) over all items',
    source: DOC.transactWrite,
  },
  {
    limit: 'dynamodb.TransactWriteItems.itemSize',
    value: '400 KB (409,600 bytes) per Put item',
    source: DOC.transactCancel,
  },
  { limit: 'dynamodb.TransactGetItems.actions', value: '100 actions', source: DOC.transactGet },
  { limit: 'dynamodb.BatchGetItem.keys', value: '100 keys over all tables', source: DOC.batchGet },
  { limit: 'dynamodb.BatchGetItem.distinctKeys', value: 'no key twice', source: DOC.batchGet },
  {
    limit: 'dynamodb.BatchWriteItem.requests',
    value: '25 put/delete requests over all tables',
    source: DOC.batchWrite,
  },
  { limit: 'dynamodb.BatchWriteItem.distinctKeys', value: 'no key twice', source: DOC.batchWrite },
  {
    limit: 'dynamodb.BatchWriteItem.itemSize',
    value: '400 KB (409,600 bytes) per Put item',
    source: DOC.batchWrite,
  },
  { limit: 'dynamodb.PutItem.itemSize', value: '400 KB (409,600 bytes)', source: DOC.itemSize },
  {
    limit: 'dynamodb.UpdateItem.itemSize',
    value: '400 KB (409,600 bytes) for the item after the update',
    source: DOC.updateItem,
  },
  { limit: 'sns.PublishBatch.entries', value: '10 entries', source: DOC.publishBatch },
  { limit: 'sns.PublishBatch.emptyBatch', value: 'at least 1 entry', source: DOC.publishBatch },
  { limit: 'sns.PublishBatch.distinctIds', value: 'distinct entry Ids', source: DOC.publishBatch },
  {
    limit: 'sns.PublishBatch.entryId',
    value: 'up to 80 characters: A-Z a-z 0-9 - _',
    source: DOC.snsBatching,
  },
  {
    limit: 'sns.PublishBatch.totalSize',
    value: '262,144 bytes (topic default; MaximumMessageSize can raise it to 1 MiB)',
    source: DOC.publishBatch,
  },
  {
    limit: 'sns.Publish.messageSize',
    value: '262,144 bytes with attributes (topic default; MaximumMessageSize can raise it to 1 MiB)',
    source: DOC.snsLarge,
  },
  {
    limit: 'sns.MessageAttribute.value',
    value: 'name, type and value not empty',
    source: DOC.snsAttributeValue,
  },
  {
    limit: 'sns.MessageAttributes.count',
    value:
      '10 per message: SNS accepts more, then drops the message for every SQS subscription with raw delivery (as clearance machine subscriptions are); refused locally',
    source: DOC.snsRawDelivery,
  },
  {
    limit: 'sns.MessageAttribute.name',
    value:
      "up to 256 characters: A-Z a-z 0-9 _ - . (no leading, trailing or double '.'; no AWS./Amazon. prefix)",
    source: DOC.snsAttributes,
  },
  {
    limit: 'sns.MessageAttribute.dataType',
    value: 'String, Number or Binary, optionally .custom; up to 256 bytes',
    source: DOC.snsAttributes,
  },
  {
    limit: 'sns.Subject',
    value: 'UTF-8 text, no line breaks or control characters, fewer than 100 characters',
    source: DOC.publish,
  },
  { limit: 'sns.FilterPolicy.json', value: 'a JSON object', source: DOC.filterConstraints },
  {
    limit: 'sns.FilterPolicy.keys',
    value: '5 keys (MessageBody scope: leaf keys)',
    source: DOC.filterConstraints,
  },
  { limit: 'sns.FilterPolicy.combinations', value: '150 combinations', source: DOC.filterConstraints },
  { limit: 'sqs.SendMessageBatch.entries', value: '10 entries', source: DOC.sqsSendBatch },
  { limit: 'sqs.SendMessageBatch.emptyBatch', value: 'at least 1 entry', source: DOC.sqsSendBatch },
  { limit: 'sqs.SendMessageBatch.distinctIds', value: 'distinct entry Ids', source: DOC.sqsSendBatch },
  {
    limit: 'sqs.SendMessageBatch.entryId',
    value: 'up to 80 characters: A-Z a-z 0-9 - _',
    source: DOC.sqsQuotas,
  },
  {
    limit: 'sqs.SendMessageBatch.totalSize',
    value: '1,048,576 bytes (1 MiB) over all messages with attributes',
    source: DOC.sqsSendBatch,
  },
  { limit: 'sqs.DeleteMessageBatch.entries', value: '10 entries', source: DOC.sqsDeleteBatch },
  { limit: 'sqs.DeleteMessageBatch.emptyBatch', value: 'at least 1 entry', source: DOC.sqsDeleteBatch },
  { limit: 'sqs.DeleteMessageBatch.distinctIds', value: 'distinct entry Ids', source: DOC.sqsDeleteBatch },
  {
    limit: 'sqs.DeleteMessageBatch.entryId',
    value: 'up to 80 characters: A-Z a-z 0-9 - _',
    source: DOC.sqsQuotas,
  },
  {
    limit: 'sqs.SendMessage.messageSize',
    value: '1,048,576 bytes (1 MiB) with attributes (queue default)',
    source: DOC.sqsSend,
  },
] as const;

type LimitName = (typeof LIMIT_TABLE)[number]['limit'];

/** Every limit this module knows, with its AWS value and the documentation page it comes from. */
export const LIMITS: readonly { limit: string; value: string; source: string }[] = LIMIT_TABLE;

const KB = 1024;
const MAX_TRANSACT_ACTIONS = 100;
const MAX_TRANSACT_BYTES = 4 * KB * KB;
const MAX_ITEM_BYTES = 400 * KB;
const MAX_BATCH_GET_KEYS = 100;
const MAX_BATCH_WRITE_REQUESTS = 25;
const MAX_BATCH_ENTRIES = 10;
const MAX_SNS_BYTES = 256 * KB;
const MAX_SQS_BYTES = KB * KB;
const MAX_FILTER_KEYS = 5;
const MAX_FILTER_COMBINATIONS = 150;
const MAX_ATTRIBUTE_NAME = 256;
const MAX_SUBJECT_CHARS = 99;
const BATCH_ENTRY_ID = /^[A-Za-z0-9_-]{1,80}$/;
const isBatchEntryId = (id: unknown): id is string => typeof id === 'string' && BATCH_ENTRY_ID.test(id);

type Input = Record<string, unknown>;
type Check = (input: Input) => LimitViolation | undefined;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const records = (value: unknown): Record<string, unknown>[] =>
  Array.isArray(value) ? value.filter(isRecord) : [];

function violation(service: ServiceName, code: string, message: string, limit: LimitName): LimitViolation {
  return { service, code, message, httpStatus: 400, limit };
}

// --- sizes -----------------------------------------------------------------

/** Bytes of `s` in UTF-8 (native; a lone surrogate counts as its 3-byte replacement). */
const utf8Length = (s: string): number => Buffer.byteLength(s, 'utf8');

/** Raw length of a binary value: base64 text as it travels in JSON, or bytes. */
function binaryLength(value: unknown): number {
  if (value instanceof Uint8Array) return value.byteLength;
  if (typeof value !== 'string') return 0;
  let end = value.length;
  while (end > 0 && value.charCodeAt(end - 1) === 61 /* = */) end--;
  return Math.floor((end * 3) / 4);
}

interface ParsedNumber {
  negative: boolean;
  /** Significant digits, no leading or trailing zeros; '' for zero. */
  digits: string;
  /** The value is 0.digits × 10^exponent. */
  exponent: number;
}

const NUMBER = /^\s*([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/;

function parseNumber(text: string): ParsedNumber | undefined {
  const m = NUMBER.exec(text);
  if (!m) return undefined;
  const whole = m[2] ?? '';
  const fraction = m[3] ?? '';
  if (whole === '' && fraction === '') return undefined;
  const all = whole + fraction;
  const first = all.search(/[1-9]/);
  if (first === -1) return { negative: false, digits: '', exponent: 0 };
  const digits = all.slice(first).replace(/0+$/, '');
  return { negative: m[1] === '-', digits, exponent: Number(m[4] ?? '0') + whole.length - first };
}

/** DynamoDB's documented estimate: 1 byte per two significant digits, plus 1. */
function numberSize(text: unknown): number {
  if (typeof text !== 'string') return 0;
  const parsed = parseNumber(text);
  if (!parsed) return utf8Length(text);
  return Math.ceil(Math.max(parsed.digits.length, 1) / 2) + 1;
}

const sumOf = (value: unknown, size: (member: unknown) => number): number =>
  Array.isArray(value) ? value.reduce((total: number, member) => total + size(member), 0) : 0;

/** Size of one AttributeValue ({ S: 'x' }, { M: {...} }, ...) without its name. */
function valueSize(value: unknown): number {
  if (!isRecord(value)) return 0;
  for (const type in value) {
    const v = value[type];
    switch (type) {
      case 'S':
        return typeof v === 'string' ? utf8Length(v) : 0;
      case 'N':
        return numberSize(v);
      case 'B':
        return binaryLength(v);
      case 'BOOL':
      case 'NULL':
        return 1;
      case 'SS':
        return sumOf(v, (s) => (typeof s === 'string' ? utf8Length(s) : 0));
      case 'NS':
        return sumOf(v, numberSize);
      case 'BS':
        return sumOf(v, binaryLength);
      case 'L':
        return 3 + sumOf(v, (element) => 1 + valueSize(element));
      case 'M':
        return 3 + (isRecord(v) ? attributesSize(v) + Object.keys(v).length : 0);
    }
  }
  return 0;
}

/** Size of an item (or key, or any name → AttributeValue map): names plus values. */
function attributesSize(attributes: Record<string, unknown>): number {
  let size = 0;
  for (const name in attributes) size += utf8Length(name) + valueSize(attributes[name]);
  return size;
}

const itemSize = (item: unknown): number => (isRecord(item) ? attributesSize(item) : 0);

// --- DynamoDB ----------------------------------------------------------------

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

function hasDuplicate(ids: Iterable<string>): boolean {
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) return true;
    seen.add(id);
  }
  return false;
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

const transactWriteItems: Check = (input) => {
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

const transactGetItems: Check = (input) => {
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

const batchGetItem: Check = (input) => {
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

const batchWriteItem: Check = (input) => {
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

const putItem: Check = (input) =>
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

const updateItem: Check = (input) =>
  updatedItemFloor(input) > MAX_ITEM_BYTES
    ? violation(
        DDB,
        VALIDATION,
        'Item size to update has exceeded the maximum allowed size',
        'dynamodb.UpdateItem.itemSize',
      )
    : undefined;

// --- SNS ---------------------------------------------------------------------

const SNS = 'sns';
const INVALID_PARAMETER = 'InvalidParameter';
/** The wire code of the SDK's InvalidParameterValueException. */
const PARAMETER_VALUE_INVALID = 'ParameterValueInvalid';
const ATTRIBUTE_NAME = /^[A-Za-z0-9_.-]+$/;
const DATA_TYPE = /^(String|Number|Binary)(\..+)?$/;
/** C0 and C1 control characters (CR and LF among them) and the Unicode line separators. */
function hasControlOrLineBreak(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029) return true;
  }
  return false;
}

/**
 * Bytes a message weighs against the SNS or SQS size limit: the body plus,
 * for each attribute, its name, its data type and its value.
 */
function messageSize(body: unknown, attributes: unknown): number {
  let size = typeof body === 'string' ? utf8Length(body) : 0;
  if (!isRecord(attributes)) return size;
  for (const name in attributes) {
    const attribute = attributes[name];
    size += utf8Length(name);
    if (!isRecord(attribute)) continue;
    if (typeof attribute.DataType === 'string') size += utf8Length(attribute.DataType);
    if (typeof attribute.StringValue === 'string') size += utf8Length(attribute.StringValue);
    size += binaryLength(attribute.BinaryValue);
  }
  return size;
}

function attributeNameProblem(name: string): string | undefined {
  if (name.length > MAX_ATTRIBUTE_NAME)
    return 'Length of message attribute name must be less than 256 bytes.';
  if (name.startsWith('.')) return "Invalid message attribute name starting with character '.' was found.";
  if (name.endsWith('.')) return "Invalid message attribute name ending with character '.' was found.";
  if (!ATTRIBUTE_NAME.test(name)) {
    const bad = [...name].find((c) => !ATTRIBUTE_NAME.test(c)) ?? '';
    const hex = (bad.codePointAt(0) ?? 0).toString(16).toUpperCase();
    return `Invalid non-alphanumeric character '#x${hex}' was found in the message attribute name. Can only include alphanumeric characters, hyphens, underscores, or dots.`;
  }
  if (name.includes('..')) return "Message attribute name can not have successive '.' character.";
  // The docs reserve these prefixes; AWS's wording for this case is not documented.
  if (/^(aws|amazon)\./i.test(name)) {
    return `Invalid message attribute name '${name}': names starting with 'AWS.' or 'Amazon.' are reserved.`;
  }
  return undefined;
}

/** The first problem with a message's attributes, as SNS reports it. */
/** SQS raw delivery carries at most this many message attributes; SNS drops the message otherwise. */
const MAX_RAW_DELIVERY_ATTRIBUTES = 10;

function attributesProblem(attributes: unknown): LimitViolation | undefined {
  if (!isRecord(attributes)) return undefined;
  const count = Object.keys(attributes).length;
  if (count > MAX_RAW_DELIVERY_ATTRIBUTES) {
    return violation(
      SNS,
      PARAMETER_VALUE_INVALID,
      `Number of message attributes [${count}] exceeds the allowed maximum [${MAX_RAW_DELIVERY_ATTRIBUTES}]. ` +
        '(SNS itself accepts this publish, then drops the message for every SQS subscription with raw ' +
        'message delivery, which clearance machine subscriptions use; the local stack refuses it.)',
      'sns.MessageAttributes.count',
    );
  }
  for (const name in attributes) {
    const nameProblem = attributeNameProblem(name);
    if (nameProblem) {
      return violation(SNS, PARAMETER_VALUE_INVALID, nameProblem, 'sns.MessageAttribute.name');
    }
    const attribute = attributes[name];
    const type = isRecord(attribute) && typeof attribute.DataType === 'string' ? attribute.DataType : '';
    if (!DATA_TYPE.test(type)) {
      return violation(
        SNS,
        PARAMETER_VALUE_INVALID,
        `The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`,
        'sns.MessageAttribute.dataType',
      );
    }
    if (utf8Length(type) > MAX_ATTRIBUTE_NAME) {
      return violation(
        SNS,
        PARAMETER_VALUE_INVALID,
        `The message attribute '${name}' has a type longer than 256 bytes.`,
        'sns.MessageAttribute.dataType',
      );
    }
    if (!isRecord(attribute)) continue;
    const field = type.startsWith('Binary') ? 'Binary' : 'String';
    const value = attribute[`${field}Value`];
    const other = attribute[`${field === 'Binary' ? 'String' : 'Binary'}Value`];
    if (value === undefined && other !== undefined) {
      return violation(
        SNS,
        PARAMETER_VALUE_INVALID,
        `The message attribute '${name}' with type '${type}' must use field '${field}'.`,
        'sns.MessageAttribute.value',
      );
    }
    const empty = field === 'Binary' ? binaryLength(value) === 0 : typeof value !== 'string' || value === '';
    if (empty) {
      return violation(
        SNS,
        PARAMETER_VALUE_INVALID,
        `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${type}'.`,
        'sns.MessageAttribute.value',
      );
    }
  }
  return undefined;
}

/**
 * Subjects must be UTF-8 text with no line breaks or control characters, and
 * less than 100 characters long (the API reference today; older versions
 * asked for ASCII beginning with a letter, number or punctuation mark).
 */
function subjectProblem(subject: unknown): LimitViolation | undefined {
  if (subject === undefined) return undefined;
  const ok =
    typeof subject === 'string' &&
    subject !== '' &&
    !hasControlOrLineBreak(subject) &&
    [...subject].length <= MAX_SUBJECT_CHARS;
  return ok ? undefined : violation(SNS, INVALID_PARAMETER, 'Invalid parameter: Subject', 'sns.Subject');
}

const publish: Check = (input) =>
  subjectProblem(input.Subject) ??
  attributesProblem(input.MessageAttributes) ??
  (messageSize(input.Message, input.MessageAttributes) > MAX_SNS_BYTES
    ? violation(SNS, INVALID_PARAMETER, 'Invalid parameter: Message too long', 'sns.Publish.messageSize')
    : undefined);

const publishBatch: Check = (input) => {
  const entries = input.PublishBatchRequestEntries;
  if (!Array.isArray(entries)) return undefined;
  if (entries.length === 0) {
    return violation(
      SNS,
      'EmptyBatchRequest',
      "The batch request doesn't contain any entries.",
      'sns.PublishBatch.emptyBatch',
    );
  }
  if (entries.length > MAX_BATCH_ENTRIES) {
    return violation(
      SNS,
      'TooManyEntriesInBatchRequest',
      'The batch request contains more entries than permissible.',
      'sns.PublishBatch.entries',
    );
  }
  const batch = records(entries);
  const ids = batch.map((entry) => entry.Id);
  if (!ids.every(isBatchEntryId)) {
    return violation(
      SNS,
      'InvalidBatchEntryId',
      "The Id of a batch entry in a batch request doesn't abide by the specification.",
      'sns.PublishBatch.entryId',
    );
  }
  if (hasDuplicate(ids)) {
    return violation(
      SNS,
      'BatchEntryIdsNotDistinct',
      'Two or more batch entries in the request have the same Id.',
      'sns.PublishBatch.distinctIds',
    );
  }
  let total = 0;
  for (const entry of batch) {
    const problem = subjectProblem(entry.Subject) ?? attributesProblem(entry.MessageAttributes);
    if (problem) return problem;
    total += messageSize(entry.Message, entry.MessageAttributes);
  }
  if (total > MAX_SNS_BYTES) {
    return violation(
      SNS,
      'BatchRequestTooLong',
      'The length of all the batch messages put together is more than the limit.',
      'sns.PublishBatch.totalSize',
    );
  }
  return undefined;
};

type FilterScope = 'MessageAttributes' | 'MessageBody';

/** Keys that make an object a match operator rather than a nested property. */
const FILTER_OPERATORS = new Set([
  'anything-but',
  'cidr',
  'equals-ignore-case',
  'exists',
  'numeric',
  'prefix',
  'suffix',
  'wildcard',
]);

/**
 * `$or` is an operator only when its value is an array of at least two objects
 * none of which uses a reserved keyword; otherwise it is a plain key.
 */
const isOr = (key: string, value: unknown): value is Record<string, unknown>[] =>
  key === '$or' &&
  Array.isArray(value) &&
  value.length >= 2 &&
  value.every((branch) => isRecord(branch) && !Object.keys(branch).some((k) => FILTER_OPERATORS.has(k)));

/**
 * The keys the five-key limit counts: attribute names for MessageAttributes,
 * leaf keys (full paths) for MessageBody. Keys inside `$or` branches count,
 * each distinct key once.
 */
function filterKeys(policy: Record<string, unknown>, scope: FilterScope, path: string, out: Set<string>) {
  for (const [key, value] of Object.entries(policy)) {
    if (isOr(key, value)) {
      for (const branch of value) filterKeys(branch, scope, path, out);
    } else if (scope === 'MessageBody' && isRecord(value)) {
      filterKeys(value, scope, `${path}${key}.`, out);
    } else {
      out.add(`${path}${key}`);
    }
  }
}

/**
 * Total combinations: the product over keys of the number of match
 * operators in each key's array (each value or operator object is one, so an
 * `anything-but` list, a `prefix` or a `numeric` range counts 1). A `$or`
 * contributes the sum of its branches. For MessageBody, a leaf's count is
 * multiplied by its nesting depth, as the docs' example does (3 x 4 x 2 x 3 = 72).
 */
function filterCombinations(policy: Record<string, unknown>, scope: FilterScope, depth: number): number {
  let product = 1;
  for (const [key, value] of Object.entries(policy)) {
    if (isOr(key, value)) {
      product *= value.reduce((sum, branch) => sum + filterCombinations(branch, scope, depth), 0);
    } else if (isRecord(value)) {
      product *= filterCombinations(value, scope, depth + 1);
    } else {
      const matchers = Array.isArray(value) ? Math.max(value.length, 1) : 1;
      product *= scope === 'MessageBody' ? matchers * depth : matchers;
    }
  }
  return product;
}

const hasNesting = (policy: Record<string, unknown>): boolean =>
  Object.entries(policy).some(([key, value]) =>
    isOr(key, value) ? value.some(hasNesting) : isRecord(value),
  );

/**
 * Checks a FilterPolicy as Subscribe or SetSubscriptionAttributes receives it.
 * `scope` is undefined when the call does not carry FilterPolicyScope
 * (SetSubscriptionAttributes): a nested policy is then read as MessageBody,
 * since MessageAttributes does not accept nesting.
 */
function filterPolicyProblem(
  raw: unknown,
  scope: FilterScope | undefined,
  subscribe: boolean,
): LimitViolation | undefined {
  if (raw === undefined || (typeof raw === 'string' && raw.trim() === '')) return undefined;
  const prefix = subscribe ? 'Invalid parameter: Attributes Reason: ' : 'Invalid parameter: ';
  let policy: unknown = raw;
  if (typeof raw === 'string') {
    try {
      policy = JSON.parse(raw);
    } catch {
      // AWS appends the JSON parser's own detail after this text.
      return violation(
        SNS,
        INVALID_PARAMETER,
        `${prefix}FilterPolicy: failed to parse JSON.`,
        'sns.FilterPolicy.json',
      );
    }
  }
  if (!isRecord(policy)) {
    return violation(
      SNS,
      INVALID_PARAMETER,
      `${prefix}FilterPolicy: Filter policy must be a JSON object`,
      'sns.FilterPolicy.json',
    );
  }
  const effective = scope ?? (hasNesting(policy) ? 'MessageBody' : 'MessageAttributes');
  const keys = new Set<string>();
  filterKeys(policy, effective, '', keys);
  if (keys.size > MAX_FILTER_KEYS) {
    return violation(
      SNS,
      INVALID_PARAMETER,
      `${prefix}FilterPolicy: Filter policy can not have more than 5 keys`,
      'sns.FilterPolicy.keys',
    );
  }
  if (filterCombinations(policy, effective, 1) > MAX_FILTER_COMBINATIONS) {
    return violation(
      SNS,
      INVALID_PARAMETER,
      `${prefix}FilterPolicy: Filter policy is too complex`,
      'sns.FilterPolicy.combinations',
    );
  }
  return undefined;
}

const asScope = (value: unknown): FilterScope | undefined =>
  value === 'MessageBody' || value === 'MessageAttributes' ? value : undefined;

const subscribe: Check = (input) => {
  if (!isRecord(input.Attributes)) return undefined;
  const scope = asScope(input.Attributes.FilterPolicyScope) ?? 'MessageAttributes';
  return filterPolicyProblem(input.Attributes.FilterPolicy, scope, true);
};

const setSubscriptionAttributes: Check = (input) =>
  input.AttributeName === 'FilterPolicy'
    ? filterPolicyProblem(input.AttributeValue, undefined, false)
    : undefined;

// --- SQS -------------------------------------------------------------------

const SQS = 'sqs';

type SqsBatch = 'SendMessageBatch' | 'DeleteMessageBatch';

function sqsBatchProblem(operation: SqsBatch, input: Input): LimitViolation | undefined {
  const entries = input.Entries;
  if (!Array.isArray(entries)) return undefined;
  if (entries.length === 0) {
    return violation(
      SQS,
      'EmptyBatchRequest',
      `There should be at least one ${operation}RequestEntry in the request.`,
      `sqs.${operation}.emptyBatch`,
    );
  }
  if (entries.length > MAX_BATCH_ENTRIES) {
    return violation(
      SQS,
      'TooManyEntriesInBatchRequest',
      `Maximum number of entries per request are ${MAX_BATCH_ENTRIES}. You have sent ${entries.length}.`,
      `sqs.${operation}.entries`,
    );
  }
  const batch = records(entries);
  const ids = batch.map((entry) => entry.Id);
  if (!ids.every(isBatchEntryId)) {
    return violation(
      SQS,
      'InvalidBatchEntryId',
      'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
      `sqs.${operation}.entryId`,
    );
  }
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) {
      return violation(SQS, 'BatchEntryIdsNotDistinct', `Id ${id} repeated.`, `sqs.${operation}.distinctIds`);
    }
    seen.add(id);
  }
  if (operation !== 'SendMessageBatch') return undefined;
  const total = batch.reduce(
    (sum, entry) => sum + messageSize(entry.MessageBody, entry.MessageAttributes),
    0,
  );
  if (total > MAX_SQS_BYTES) {
    return violation(
      SQS,
      'BatchRequestTooLong',
      `Batch requests cannot be longer than ${MAX_SQS_BYTES} bytes. You have sent ${total} bytes.`,
      'sqs.SendMessageBatch.totalSize',
    );
  }
  return undefined;
}

const sendMessage: Check = (input) =>
  messageSize(input.MessageBody, input.MessageAttributes) > MAX_SQS_BYTES
    ? violation(
        SQS,
        'InvalidParameterValue',
        `One or more parameters are invalid. Reason: Message must be shorter than ${MAX_SQS_BYTES} bytes.`,
        'sqs.SendMessage.messageSize',
      )
    : undefined;

// --- dispatch ----------------------------------------------------------------

const CHECKS: ReadonlyMap<ServiceName, ReadonlyMap<string, Check>> = new Map([
  [
    'dynamodb',
    new Map<string, Check>([
      ['TransactWriteItems', transactWriteItems],
      ['TransactGetItems', transactGetItems],
      ['BatchGetItem', batchGetItem],
      ['BatchWriteItem', batchWriteItem],
      ['PutItem', putItem],
      ['UpdateItem', updateItem],
    ]),
  ],
  [
    'sns',
    new Map<string, Check>([
      ['Publish', publish],
      ['PublishBatch', publishBatch],
      ['Subscribe', subscribe],
      ['SetSubscriptionAttributes', setSubscriptionAttributes],
    ]),
  ],
  [
    'sqs',
    new Map<string, Check>([
      ['SendMessage', sendMessage],
      ['SendMessageBatch', (input) => sqsBatchProblem('SendMessageBatch', input)],
      ['DeleteMessageBatch', (input) => sqsBatchProblem('DeleteMessageBatch', input)],
    ]),
  ],
]);

/**
 * Whether AWS would refuse `call` for one of the {@link LIMITS}, and how AWS
 * says so. Undefined when no known limit is broken (including for operations
 * and services this module does not cover).
 */
export function checkLimits(call: DecodedCall): LimitViolation | undefined {
  return CHECKS.get(call.service)?.get(call.operation)?.(call.input);
}
