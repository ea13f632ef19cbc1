/**
 * The AWS limits the local gateway enforces (local/gateway/limits.ts): for
 * each limit a request exactly at it passes and one just over it is refused
 * with AWS's code, message and the limit's name. The last test checks that
 * every limit in LIMITS was exercised here.
 */
import { describe, expect, it } from 'vitest';
import {
  checkLimits,
  type DecodedCall,
  LIMITS,
  type LimitViolation,
  type ServiceName,
} from '../../../local/gateway/limits.js';

const exercised = new Set<string>();

/** A decoded call; its body is `input` as JSON unless `bodyBytes` says otherwise (a Lambda payload). */
function call(
  service: ServiceName,
  operation: string,
  input: Record<string, unknown>,
  bodyBytes = JSON.stringify(input).length,
): DecodedCall {
  return { service, operation, input, bodyBytes };
}

function passes(
  service: ServiceName,
  operation: string,
  input: Record<string, unknown>,
  bodyBytes?: number,
): void {
  expect(checkLimits(call(service, operation, input, bodyBytes))).toBeUndefined();
}

function refuses(
  service: ServiceName,
  operation: string,
  input: Record<string, unknown>,
  expected: {
    code: string;
    message: string | RegExp;
    limit: string;
    httpStatus?: number;
    bodyBytes?: number;
  },
): LimitViolation {
  const got = checkLimits(call(service, operation, input, expected.bodyBytes));
  expect(got).toBeDefined();
  const v = got as LimitViolation;
  expect(v.service).toBe(service);
  expect(v.code).toBe(expected.code);
  if (typeof expected.message === 'string') expect(v.message).toBe(expected.message);
  else expect(v.message).toMatch(expected.message);
  expect(v.limit).toBe(expected.limit);
  expect(v.httpStatus).toBe(expected.httpStatus ?? 400);
  exercised.add(v.limit);
  return v;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const repeat = (n: number) => 'x'.repeat(n);
const utf8 = (s: string) => Buffer.byteLength(s, 'utf8');

// --- DynamoDB builders -------------------------------------------------------

const S = (s: string) => ({ S: s });

/** The Update the release path sends for one shipment (shared/adapters/dynamo.ts). */
const shipmentUpdate = (i: number) => ({
  Update: {
    TableName: 'Shipments',
    Key: { shipmentId: S(`SHP-${String(i).padStart(6, '0')}`) },
    UpdateExpression: 'SET #status = :released, #countedStatus = :released, #releasedAt = :at',
    ConditionExpression: '#status = :held AND #licenseId = :license',
    ExpressionAttributeNames: {
      '#status': 'status',
      '#countedStatus': 'countedStatus',
      '#releasedAt': 'releasedAt',
      '#licenseId': 'licenseId',
    },
    ExpressionAttributeValues: {
      ':released': S('RELEASED'),
      ':held': S('HELD'),
      ':at': S('2026-06-01T12:00:00.000Z'),
      ':license': S('LIC-H20-0001'),
    },
  },
});

const licenseCounterUpdate = {
  Update: {
    TableName: 'Licenses',
    Key: { licenseId: S('LIC-H20-0001') },
    UpdateExpression: 'ADD #allocated :n',
    ConditionExpression: '#allocated + :n <= #authorized',
    ExpressionAttributeNames: { '#allocated': 'allocatedQuantity', '#authorized': 'authorizedQuantity' },
    ExpressionAttributeValues: { ':n': { N: '99' } },
  },
};

/**
 * An item of exactly `bytes` by DynamoDB's rules: attribute `id` (2 bytes)
 * with the id, attribute `blob` (4 bytes) with the filler.
 */
function itemOfSize(id: string, bytes: number) {
  const filler = bytes - 2 - utf8(id) - 4;
  if (filler < 0) throw new RangeError(`an item with id ${id} cannot be ${bytes} bytes`);
  return { id: S(id), blob: S(repeat(filler)) };
}

const put = (table: string, item: Record<string, unknown>) => ({ Put: { TableName: table, Item: item } });

const KB = 1024;
const MAX_ITEM = 400 * KB;
const FOUR_MB = 4 * KB * KB;

describe('DynamoDB TransactWriteItems', () => {
  it('passes a 100-action transaction of shipment releases and the license counter', () => {
    passes('dynamodb', 'TransactWriteItems', {
      TransactItems: [...range(99).map(shipmentUpdate), licenseCounterUpdate],
    });
  });

  it('rejects a transaction of 101 actions with ValidationException', () => {
    refuses(
      'dynamodb',
      'TransactWriteItems',
      { TransactItems: range(101).map(shipmentUpdate) },
      {
        code: 'ValidationException',
        message:
          "1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100",
        limit: 'dynamodb.TransactWriteItems.actions',
      },
    );
  });

  const sameItem = {
    code: 'ValidationException',
    message: 'Transaction request cannot include multiple operations on one item',
    limit: 'dynamodb.TransactWriteItems.distinctItems',
  };

  it('rejects an Update and a ConditionCheck on the same item', () => {
    const update = shipmentUpdate(7);
    const check = {
      ConditionCheck: {
        TableName: 'Shipments',
        Key: update.Update.Key,
        ConditionExpression: 'attribute_exists(shipmentId)',
      },
    };
    refuses('dynamodb', 'TransactWriteItems', { TransactItems: [update, check] }, sameItem);
  });

  it('rejects two actions whose number keys differ only in notation', () => {
    const counter = (n: string) => ({
      Update: {
        TableName: 'Counters',
        Key: { bucket: { N: n } },
        UpdateExpression: 'ADD #c :one',
        ExpressionAttributeNames: { '#c': 'count' },
        ExpressionAttributeValues: { ':one': { N: '1' } },
      },
    });
    refuses('dynamodb', 'TransactWriteItems', { TransactItems: [counter('5'), counter('5.00')] }, sameItem);
    passes('dynamodb', 'TransactWriteItems', { TransactItems: [counter('5'), counter('50')] });
  });

  it('rejects a Put of an item another action of the transaction updates', () => {
    const item = { shipmentId: S('SHP-000007'), status: S('HELD') };
    refuses(
      'dynamodb',
      'TransactWriteItems',
      { TransactItems: [put('Shipments', item), shipmentUpdate(7)] },
      sameItem,
    );
  });

  it('passes the same key value in two different tables', () => {
    const inShipments = shipmentUpdate(1);
    const inArchive = { Update: { ...shipmentUpdate(1).Update, TableName: 'ShipmentsArchive' } };
    passes('dynamodb', 'TransactWriteItems', { TransactItems: [inShipments, inArchive] });
  });

  it('treats two Puts as one item only when identical, if no action names the table key', () => {
    const a = { shipmentId: S('SHP-1'), status: S('HELD') };
    refuses(
      'dynamodb',
      'TransactWriteItems',
      { TransactItems: [put('Shipments', a), put('Shipments', a)] },
      sameItem,
    );
    // Same key, other attributes differ: AWS refuses this, the guard cannot tell (see the module comment).
    const b = { ...a, status: S('RELEASED') };
    passes('dynamodb', 'TransactWriteItems', { TransactItems: [put('Shipments', a), put('Shipments', b)] });
  });

  it('passes an aggregate of exactly 4 MB and rejects one byte more', () => {
    const items = (last: number) => [
      ...range(10).map((i) => put('Blobs', itemOfSize(`blob-${i}`, 381_300))),
      put('Blobs', itemOfSize('blob-10', last)),
    ];
    expect(10 * 381_300 + 381_304).toBe(FOUR_MB);
    passes('dynamodb', 'TransactWriteItems', { TransactItems: items(381_304) });
    refuses(
      'dynamodb',
      'TransactWriteItems',
      { TransactItems: items(381_305) },
      {
        code: 'ValidationException',
        message: 'The aggregate size of the items in the transaction cannot exceed 4 MB',
        limit: 'dynamodb.TransactWriteItems.aggregateSize',
      },
    );
  });

  it('counts the key and expression values of an Update towards the aggregate', () => {
    const bigUpdate = (i: number, filler: number) => ({
      Update: {
        TableName: 'Blobs',
        Key: { id: S(`blob-${i}`) },
        UpdateExpression: 'SET #b = :b',
        ExpressionAttributeNames: { '#b': 'blob' },
        ExpressionAttributeValues: { ':b': S(repeat(filler)) },
      },
    });
    // Each: key 'id' (2) + 'blob-NN' (7), value ':b' (2) + the filler.
    const fillers = (last: number) => [...range(10).map(() => 381_300 - 11), last - 11];
    const actions = (last: number) => fillers(last).map((f, i) => bigUpdate(i + 10, f));
    passes('dynamodb', 'TransactWriteItems', { TransactItems: actions(381_304) });
    const v = checkLimits(call('dynamodb', 'TransactWriteItems', { TransactItems: actions(381_305) }));
    expect(v?.limit).toBe('dynamodb.TransactWriteItems.aggregateSize');
  });

  it('passes a Put item of exactly 400 KB and cancels the transaction for one byte more', () => {
    const others = shipmentUpdate(1);
    passes('dynamodb', 'TransactWriteItems', {
      TransactItems: [others, put('Blobs', itemOfSize('big', MAX_ITEM))],
    });
    refuses(
      'dynamodb',
      'TransactWriteItems',
      { TransactItems: [others, put('Blobs', itemOfSize('big', MAX_ITEM + 1))] },
      {
        code: 'TransactionCanceledException',
        message:
          'Transaction cancelled, please refer cancellation reasons for specific reasons [None, ValidationError]',
        limit: 'dynamodb.TransactWriteItems.itemSize',
      },
    );
  });
});

describe('DynamoDB TransactGetItems', () => {
  const get = (i: number) => ({ Get: { TableName: 'Shipments', Key: { shipmentId: S(`SHP-${i}`) } } });

  it('passes 100 gets and rejects 101 with ValidationException', () => {
    passes('dynamodb', 'TransactGetItems', { TransactItems: range(100).map(get) });
    refuses(
      'dynamodb',
      'TransactGetItems',
      { TransactItems: range(101).map(get) },
      {
        code: 'ValidationException',
        message:
          "1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100",
        limit: 'dynamodb.TransactGetItems.actions',
      },
    );
  });
});

describe('DynamoDB BatchGetItem', () => {
  const keys = (prefix: string, n: number) => range(n).map((i) => ({ id: S(`${prefix}-${i}`) }));
  const request = (shipments: number, licenses: number) => ({
    RequestItems: {
      Shipments: { Keys: keys('SHP', shipments) },
      Licenses: { Keys: keys('LIC', licenses) },
    },
  });

  it('passes 100 keys over two tables', () => {
    passes('dynamodb', 'BatchGetItem', request(60, 40));
  });

  it('rejects 101 keys over two tables as too many items', () => {
    refuses('dynamodb', 'BatchGetItem', request(60, 41), {
      code: 'ValidationException',
      message: 'Too many items requested for the BatchGetItem call',
      limit: 'dynamodb.BatchGetItem.keys',
    });
  });

  it('rejects 101 keys for one table with the per-table validation message', () => {
    refuses('dynamodb', 'BatchGetItem', request(101, 0), {
      code: 'ValidationException',
      message:
        "1 validation error detected: Value at 'requestItems.Shipments.member.keys' failed to satisfy constraint: Member must have length less than or equal to 100",
      limit: 'dynamodb.BatchGetItem.keys',
    });
  });

  it('rejects a key asked for twice', () => {
    const twice = { RequestItems: { Shipments: { Keys: [{ id: S('SHP-1') }, { id: S('SHP-1') }] } } };
    refuses('dynamodb', 'BatchGetItem', twice, {
      code: 'ValidationException',
      message: 'Provided list of item keys contains duplicates',
      limit: 'dynamodb.BatchGetItem.distinctKeys',
    });
  });
});

describe('DynamoDB BatchWriteItem', () => {
  const putRequest = (id: string, extra: Record<string, unknown> = {}) => ({
    PutRequest: { Item: { shipmentId: S(id), status: S('HELD'), ...extra } },
  });
  const deleteRequest = (id: string) => ({ DeleteRequest: { Key: { shipmentId: S(id) } } });
  const writes = (shipments: number, licenses: number) => ({
    RequestItems: {
      Shipments: range(shipments).map((i) => putRequest(`SHP-${i}`)),
      Licenses: range(licenses).map((i) => ({ DeleteRequest: { Key: { licenseId: S(`LIC-${i}`) } } })),
    },
  });

  it('passes 25 requests over two tables', () => {
    passes('dynamodb', 'BatchWriteItem', writes(15, 10));
  });

  it('rejects 26 requests over two tables as too many items', () => {
    refuses('dynamodb', 'BatchWriteItem', writes(15, 11), {
      code: 'ValidationException',
      message: 'Too many items requested for the BatchWriteItem call',
      limit: 'dynamodb.BatchWriteItem.requests',
    });
  });

  it('rejects 26 requests for one table with the map validation message', () => {
    refuses('dynamodb', 'BatchWriteItem', writes(26, 0), {
      code: 'ValidationException',
      message:
        "1 validation error detected: Value at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]",
      limit: 'dynamodb.BatchWriteItem.requests',
    });
  });

  const duplicates = {
    code: 'ValidationException',
    message: 'Provided list of item keys contains duplicates',
    limit: 'dynamodb.BatchWriteItem.distinctKeys',
  };

  it('rejects two deletes of the same key', () => {
    const input = { RequestItems: { Shipments: [deleteRequest('SHP-1'), deleteRequest('SHP-1')] } };
    refuses('dynamodb', 'BatchWriteItem', input, duplicates);
  });

  it('rejects a put and a delete of the same item', () => {
    const input = { RequestItems: { Shipments: [putRequest('SHP-1'), deleteRequest('SHP-1')] } };
    refuses('dynamodb', 'BatchWriteItem', input, duplicates);
  });

  it('passes two puts of different items and the same key in two tables', () => {
    const input = {
      RequestItems: {
        Shipments: [putRequest('SHP-1'), putRequest('SHP-2'), deleteRequest('SHP-3')],
        ShipmentsArchive: [{ DeleteRequest: { Key: { shipmentId: S('SHP-1') } } }],
      },
    };
    passes('dynamodb', 'BatchWriteItem', input);
  });

  it('passes a put item of exactly 400 KB and rejects one byte more', () => {
    const big = (bytes: number) => ({
      RequestItems: { Blobs: [{ PutRequest: { Item: itemOfSize('b', bytes) } }] },
    });
    passes('dynamodb', 'BatchWriteItem', big(MAX_ITEM));
    refuses('dynamodb', 'BatchWriteItem', big(MAX_ITEM + 1), {
      code: 'ValidationException',
      message: 'Item size has exceeded the maximum allowed size',
      limit: 'dynamodb.BatchWriteItem.itemSize',
    });
  });
});

describe('DynamoDB PutItem and UpdateItem item size', () => {
  it('passes a PutItem of exactly 400 KB and rejects one byte more', () => {
    passes('dynamodb', 'PutItem', { TableName: 'Blobs', Item: itemOfSize('b', MAX_ITEM) });
    refuses(
      'dynamodb',
      'PutItem',
      { TableName: 'Blobs', Item: itemOfSize('b', MAX_ITEM + 1) },
      {
        code: 'ValidationException',
        message: 'Item size has exceeded the maximum allowed size',
        limit: 'dynamodb.PutItem.itemSize',
      },
    );
  });

  it("measures numbers, binaries, sets, lists and maps by DynamoDB's item-size rules", () => {
    const mixed = {
      id: S('m'), // 2 + 1
      n: { N: '00123.4500' }, // 1 + (5 significant digits → 3) + 1 = 5
      b: { B: 'AAAA' }, // 1 + 3 raw bytes = 4
      t: { BOOL: true }, // 1 + 1 = 2
      z: { NULL: true }, // 1 + 1 = 2
      ss: { SS: ['ab', 'c'] }, // 2 + 3 = 5
      l: { L: [S('ab'), { N: '1' }] }, // 1 + 3 + (1 + 2) + (1 + 2) = 10
      m: { M: { k: S('v') } }, // 1 + 3 + (1 + 1 + 1) = 7
    };
    const measured = 3 + 5 + 4 + 2 + 2 + 5 + 10 + 7;
    const withFiller = (bytes: number) => ({ ...mixed, pad: S(repeat(bytes - measured - 3)) });
    passes('dynamodb', 'PutItem', { TableName: 'Mixed', Item: withFiller(MAX_ITEM) });
    const v = checkLimits(
      call('dynamodb', 'PutItem', { TableName: 'Mixed', Item: withFiller(MAX_ITEM + 1) }),
    );
    expect(v?.limit).toBe('dynamodb.PutItem.itemSize');
  });

  const setNote = (filler: number, condition?: string) => ({
    TableName: 'Shipments',
    Key: { shipmentId: S('SHP-1') }, // 10 + 5
    UpdateExpression: 'SET #note = :note, #status = if_not_exists(#status, :held)',
    ...(condition ? { ConditionExpression: condition } : {}),
    ExpressionAttributeNames: { '#note': 'note', '#status': 'status' }, // 'note': 4
    ExpressionAttributeValues: { ':note': S(repeat(filler)), ':held': S('HELD') },
  });

  it('passes an UpdateItem that sets the item to exactly 400 KB and rejects one byte more', () => {
    passes('dynamodb', 'UpdateItem', setNote(MAX_ITEM - 15 - 4));
    refuses('dynamodb', 'UpdateItem', setNote(MAX_ITEM - 15 - 4 + 1), {
      code: 'ValidationException',
      message: 'Item size to update has exceeded the maximum allowed size',
      limit: 'dynamodb.UpdateItem.itemSize',
    });
  });

  it('passes an UpdateItem whose large value is only compared in a condition', () => {
    passes('dynamodb', 'UpdateItem', {
      TableName: 'Shipments',
      Key: { shipmentId: S('SHP-1') },
      UpdateExpression: 'SET #status = :released',
      ConditionExpression: '#note <> :big',
      ExpressionAttributeNames: { '#status': 'status', '#note': 'note' },
      ExpressionAttributeValues: { ':released': S('RELEASED'), ':big': S(repeat(MAX_ITEM)) },
    });
  });
});

// --- SNS builders ------------------------------------------------------------

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:customer-notifications';
const str = (value: string) => ({ DataType: 'String', StringValue: value });

/** What the notifier attaches to a customer message: five String attributes. */
const customerAttributes = (i: number) => ({
  customerId: str('CUST-ACME'),
  eventType: str('SHIPMENT_RELEASED'),
  licenseId: str('LIC-H20-0001'),
  shipmentId: str(`SHP-${String(i).padStart(6, '0')}`),
  warehouseId: str('WH-AMS-1'),
});

const entry = (i: number, overrides: Record<string, unknown> = {}) => ({
  Id: `m${i}`,
  Message: JSON.stringify({ shipmentId: `SHP-${i}`, status: 'RELEASED', quantity: 40 }),
  Subject: 'Shipment released',
  MessageAttributes: customerAttributes(i),
  ...overrides,
});

const batch = (entries: unknown[]) => ({ TopicArn: TOPIC, PublishBatchRequestEntries: entries });

describe('SNS PublishBatch', () => {
  it('passes a 10-entry PublishBatch with 5 attributes each', () => {
    passes('sns', 'PublishBatch', batch(range(10).map((i) => entry(i))));
  });

  it('rejects a PublishBatch of 11 entries with TooManyEntriesInBatchRequest', () => {
    refuses('sns', 'PublishBatch', batch(range(11).map((i) => entry(i))), {
      code: 'TooManyEntriesInBatchRequest',
      message: 'The batch request contains more entries than permissible.',
      limit: 'sns.PublishBatch.entries',
    });
  });

  it('rejects an empty PublishBatch with EmptyBatchRequest', () => {
    refuses('sns', 'PublishBatch', batch([]), {
      code: 'EmptyBatchRequest',
      message: "The batch request doesn't contain any entries.",
      limit: 'sns.PublishBatch.emptyBatch',
    });
  });

  it('rejects two entries with the same Id with BatchEntryIdsNotDistinct', () => {
    refuses('sns', 'PublishBatch', batch([entry(1), entry(2, { Id: 'm1' })]), {
      code: 'BatchEntryIdsNotDistinct',
      message: 'Two or more batch entries in the request have the same Id.',
      limit: 'sns.PublishBatch.distinctIds',
    });
  });

  it('passes an 80-character Id and rejects 81 characters or a dot with InvalidBatchEntryId', () => {
    passes('sns', 'PublishBatch', batch([entry(1, { Id: `A-_${'z'.repeat(77)}` })]));
    const invalid = {
      code: 'InvalidBatchEntryId',
      message: "The Id of a batch entry in a batch request doesn't abide by the specification.",
      limit: 'sns.PublishBatch.entryId',
    };
    refuses('sns', 'PublishBatch', batch([entry(1, { Id: 'z'.repeat(81) })]), invalid);
    refuses('sns', 'PublishBatch', batch([entry(1, { Id: 'shipment.1' })]), invalid);
  });

  it('passes a batch of exactly 262,144 bytes counting attributes and rejects one byte more', () => {
    // Each entry: body + 'k' (1) + 'String' (6) + 'v' (1).
    const sized = (bodies: number[]) =>
      batch(
        bodies.map((n, i) => ({
          Id: `m${i}`,
          Message: repeat(n),
          MessageAttributes: { k: str('v') },
        })),
      );
    const bodies = (last: number) => [...range(9).map(() => 26_000 - 8), last - 8];
    expect(9 * 26_000 + 28_144).toBe(262_144);
    passes('sns', 'PublishBatch', sized(bodies(28_144)));
    refuses('sns', 'PublishBatch', sized(bodies(28_145)), {
      code: 'BatchRequestTooLong',
      message: 'The length of all the batch messages put together is more than the limit.',
      limit: 'sns.PublishBatch.totalSize',
    });
  });

  it('rejects an entry with an empty attribute value with ParameterValueInvalid', () => {
    const bad = entry(3, { MessageAttributes: { ...customerAttributes(3), licenseId: str('') } });
    refuses('sns', 'PublishBatch', batch([entry(1), bad]), {
      code: 'ParameterValueInvalid',
      message:
        "The message attribute 'licenseId' must contain non-empty message attribute value for message attribute type 'String'.",
      limit: 'sns.MessageAttribute.value',
    });
  });

  it('rejects an entry whose subject has a line break', () => {
    refuses('sns', 'PublishBatch', batch([entry(1, { Subject: 'Shipment\nreleased' })]), {
      code: 'InvalidParameter',
      message: 'Invalid parameter: Subject',
      limit: 'sns.Subject',
    });
  });
});

describe('SNS Publish', () => {
  const publish = (overrides: Record<string, unknown> = {}) => ({
    TopicArn: TOPIC,
    Message: 'Shipment SHP-000001 released',
    Subject: 'Shipment released',
    MessageAttributes: customerAttributes(1),
    ...overrides,
  });

  it('passes a message of exactly 262,144 bytes with its attributes and rejects one byte more', () => {
    // Attributes: 'k' + 'String' + 'é' (2 bytes) = 9 bytes.
    const sized = (total: number) =>
      publish({ Subject: undefined, Message: repeat(total - 9), MessageAttributes: { k: str('é') } });
    passes('sns', 'Publish', sized(262_144));
    refuses('sns', 'Publish', sized(262_145), {
      code: 'InvalidParameter',
      message: 'Invalid parameter: Message too long',
      limit: 'sns.Publish.messageSize',
    });
  });

  it('counts a binary attribute by its raw bytes, not its base64 text', () => {
    // 'bin' (3) + 'Binary' (6) + 3 raw bytes ('AAAA') = 12 bytes.
    const sized = (total: number) =>
      publish({
        Subject: undefined,
        Message: repeat(total - 12),
        MessageAttributes: { bin: { DataType: 'Binary', BinaryValue: 'AAAA' } },
      });
    passes('sns', 'Publish', sized(262_144));
    expect(checkLimits(call('sns', 'Publish', sized(262_145)))?.limit).toBe('sns.Publish.messageSize');
  });

  it('passes 10 message attributes and rejects 11, which SNS would drop on raw delivery to SQS', () => {
    const attrs = (n: number) => Object.fromEntries(range(n).map((i) => [`attr${i}`, str(`v${i}`)]));
    passes('sns', 'Publish', publish({ MessageAttributes: attrs(10) }));
    const tooMany = {
      code: 'ParameterValueInvalid',
      message: /^Number of message attributes \[11\] exceeds the allowed maximum \[10\]/,
      limit: 'sns.MessageAttributes.count',
    };
    refuses('sns', 'Publish', publish({ MessageAttributes: attrs(11) }), tooMany);
    refuses(
      'sns',
      'PublishBatch',
      {
        TopicArn: 'arn:aws:sns:r:1:t',
        PublishBatchRequestEntries: [{ Id: 'a', Message: 'm', MessageAttributes: attrs(11) }],
      },
      tooMany,
    );
  });

  const emptyValue = (name: string, type: string) => ({
    code: 'ParameterValueInvalid',
    message: `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${type}'.`,
    limit: 'sns.MessageAttribute.value',
  });

  it('rejects a String attribute without a StringValue or with an empty one', () => {
    refuses(
      'sns',
      'Publish',
      publish({ MessageAttributes: { k: { DataType: 'String' } } }),
      emptyValue('k', 'String'),
    );
    refuses('sns', 'Publish', publish({ MessageAttributes: { k: str('') } }), emptyValue('k', 'String'));
  });

  it('rejects an empty Number and an empty Binary attribute', () => {
    const number = { qty: { DataType: 'Number', StringValue: '' } };
    refuses('sns', 'Publish', publish({ MessageAttributes: number }), emptyValue('qty', 'Number'));
    const binary = { sig: { DataType: 'Binary', BinaryValue: '' } };
    refuses('sns', 'Publish', publish({ MessageAttributes: binary }), emptyValue('sig', 'Binary'));
  });

  it('rejects a String attribute sent in BinaryValue', () => {
    refuses(
      'sns',
      'Publish',
      publish({ MessageAttributes: { k: { DataType: 'String', BinaryValue: 'AAAA' } } }),
      {
        code: 'ParameterValueInvalid',
        message: "The message attribute 'k' with type 'String' must use field 'String'.",
        limit: 'sns.MessageAttribute.value',
      },
    );
  });

  it('passes the data types String, Number, Binary, String.Array and custom suffixes', () => {
    passes(
      'sns',
      'Publish',
      publish({
        MessageAttributes: {
          a: str('x'),
          b: { DataType: 'Number', StringValue: '40' },
          c: { DataType: 'Binary', BinaryValue: 'AAAA' },
          d: { DataType: 'String.Array', StringValue: '["x","y"]' },
          e: { DataType: 'Number.float', StringValue: '1.5' },
        },
      }),
    );
  });

  it('rejects a data type that is not String, Number or Binary', () => {
    refuses('sns', 'Publish', publish({ MessageAttributes: { k: { DataType: 'Text', StringValue: 'x' } } }), {
      code: 'ParameterValueInvalid',
      message:
        "The message attribute 'k' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.",
      limit: 'sns.MessageAttribute.dataType',
    });
  });

  it('rejects a data type longer than 256 bytes', () => {
    const type = `String.${repeat(250)}`;
    refuses('sns', 'Publish', publish({ MessageAttributes: { k: { DataType: type, StringValue: 'x' } } }), {
      code: 'ParameterValueInvalid',
      message: "The message attribute 'k' has a type longer than 256 bytes.",
      limit: 'sns.MessageAttribute.dataType',
    });
  });

  it('passes an attribute name of 256 characters and rejects malformed names', () => {
    passes('sns', 'Publish', publish({ MessageAttributes: { [`a.b-c_${repeat(250)}`]: str('x') } }));
    const cases: [string, string][] = [
      [repeat(257), 'Length of message attribute name must be less than 256 bytes.'],
      ['.lead', "Invalid message attribute name starting with character '.' was found."],
      ['trail.', "Invalid message attribute name ending with character '.' was found."],
      ['a..b', "Message attribute name can not have successive '.' character."],
      [
        'has space',
        "Invalid non-alphanumeric character '#x20' was found in the message attribute name. Can only include alphanumeric characters, hyphens, underscores, or dots.",
      ],
      [
        'aws.trace',
        "Invalid message attribute name 'aws.trace': names starting with 'AWS.' or 'Amazon.' are reserved.",
      ],
    ];
    for (const [name, message] of cases) {
      refuses('sns', 'Publish', publish({ MessageAttributes: { [name]: str('x') } }), {
        code: 'ParameterValueInvalid',
        message,
        limit: 'sns.MessageAttribute.name',
      });
    }
  });

  it('passes a 99-character subject, also non-ASCII, and rejects 100 characters, control characters or an empty one', () => {
    passes('sns', 'Publish', publish({ Subject: repeat(99) }));
    passes(
      'sns',
      'Publish',
      publish({ Subject: `Ausfuhr freigegeben: Lieferung für Zürich ${'é'.repeat(56)}` }),
    );
    const subject = { code: 'InvalidParameter', message: 'Invalid parameter: Subject', limit: 'sns.Subject' };
    for (const bad of [repeat(100), 'line\r\nbreak', 'tab\there', 'bell\u0007', '']) {
      refuses('sns', 'Publish', publish({ Subject: bad }), subject);
    }
  });
});

describe('SNS filter policies', () => {
  const subscribe = (policy: unknown, scope?: string) => ({
    TopicArn: TOPIC,
    Protocol: 'sqs',
    Endpoint: 'arn:aws:sqs:eu-west-1:123456789012:acme-notifications',
    Attributes: {
      FilterPolicy: typeof policy === 'string' ? policy : JSON.stringify(policy),
      ...(scope ? { FilterPolicyScope: scope } : {}),
      RawMessageDelivery: 'true',
    },
  });
  const setPolicy = (policy: unknown) => ({
    SubscriptionArn: `${TOPIC}:5f0c2a1e-8a6f-4d0e-9c3b-1d2e3f4a5b6c`,
    AttributeName: 'FilterPolicy',
    AttributeValue: typeof policy === 'string' ? policy : JSON.stringify(policy),
  });
  const values = (n: number, prefix = 'v') => range(n).map((i) => `${prefix}${i}`);

  it("passes the CLI's customer subscription policy", () => {
    passes(
      'sns',
      'Subscribe',
      subscribe(
        { customerId: ['CUST-ACME'], eventType: ['SHIPMENT_RELEASED', 'SHIPMENT_HELD'] },
        'MessageAttributes',
      ),
    );
  });

  it('rejects a policy that is not JSON, in the wording of each operation', () => {
    refuses('sns', 'Subscribe', subscribe('{"customerId": ['), {
      code: 'InvalidParameter',
      message: 'Invalid parameter: Attributes Reason: FilterPolicy: failed to parse JSON.',
      limit: 'sns.FilterPolicy.json',
    });
    refuses('sns', 'SetSubscriptionAttributes', setPolicy('{invalid}'), {
      code: 'InvalidParameter',
      message: 'Invalid parameter: FilterPolicy: failed to parse JSON.',
      limit: 'sns.FilterPolicy.json',
    });
  });

  it('rejects a policy that is JSON but not an object', () => {
    refuses('sns', 'SetSubscriptionAttributes', setPolicy('["customerId"]'), {
      code: 'InvalidParameter',
      message: 'Invalid parameter: FilterPolicy: Filter policy must be a JSON object',
      limit: 'sns.FilterPolicy.json',
    });
  });

  it('passes an empty policy and other subscription attributes', () => {
    passes('sns', 'SetSubscriptionAttributes', setPolicy(''));
    passes('sns', 'SetSubscriptionAttributes', {
      SubscriptionArn: `${TOPIC}:x`,
      AttributeName: 'RawMessageDelivery',
      AttributeValue: 'true',
    });
  });

  const tooManyKeys = (subscribeCall: boolean) => ({
    code: 'InvalidParameter',
    message: `Invalid parameter: ${subscribeCall ? 'Attributes Reason: ' : ''}FilterPolicy: Filter policy can not have more than 5 keys`,
    limit: 'sns.FilterPolicy.keys',
  });
  const keys = (n: number) => Object.fromEntries(range(n).map((i) => [`k${i}`, ['x']]));

  it('passes 5 keys and rejects 6', () => {
    passes('sns', 'Subscribe', subscribe(keys(5)));
    refuses('sns', 'Subscribe', subscribe(keys(6)), tooManyKeys(true));
    refuses('sns', 'SetSubscriptionAttributes', setPolicy(keys(6)), tooManyKeys(false));
  });

  it('counts the keys inside $or branches', () => {
    const policy = (extra: number) => ({
      source: ['warehouse'],
      $or: [
        { a: ['1'], b: ['1'] },
        { c: ['1'], ...keys(extra) },
      ],
    });
    passes('sns', 'Subscribe', subscribe(policy(1)));
    refuses('sns', 'Subscribe', subscribe(policy(2)), tooManyKeys(true));
  });

  it('counts leaf keys for MessageBody scope, wherever they are nested', () => {
    const policy = (leaves: number) => ({
      shipment: { status: ['RELEASED'] },
      license: Object.fromEntries(values(leaves - 1, 'f').map((f) => [f, ['x']])),
    });
    passes('sns', 'Subscribe', subscribe(policy(5), 'MessageBody'));
    refuses('sns', 'Subscribe', subscribe(policy(6), 'MessageBody'), tooManyKeys(true));
  });

  const tooComplex = (subscribeCall: boolean) => ({
    code: 'InvalidParameter',
    message: `Invalid parameter: ${subscribeCall ? 'Attributes Reason: ' : ''}FilterPolicy: Filter policy is too complex`,
    limit: 'sns.FilterPolicy.combinations',
  });

  it('passes 150 combinations and rejects 151', () => {
    passes('sns', 'Subscribe', subscribe({ customerId: values(15), warehouseId: values(10) }));
    refuses('sns', 'Subscribe', subscribe({ customerId: values(151) }), tooComplex(true));
    refuses(
      'sns',
      'SetSubscriptionAttributes',
      setPolicy({ a: values(2), b: values(76) }),
      tooComplex(false),
    );
  });

  it('counts an anything-but list, a prefix and a numeric range as one match each', () => {
    passes(
      'sns',
      'Subscribe',
      subscribe({
        customerId: [{ 'anything-but': values(300) }],
        warehouseId: [{ prefix: 'WH-' }, { prefix: 'DC-' }],
        quantity: [{ numeric: ['>', 0, '<=', 1000] }],
        eventType: values(75),
      }),
    );
    refuses(
      'sns',
      'Subscribe',
      subscribe({ warehouseId: [{ prefix: 'WH-' }, { prefix: 'DC-' }], eventType: values(76) }),
      tooComplex(true),
    );
  });

  it('adds the branches of $or and multiplies by the keys outside it', () => {
    const policy = (b: number) => ({ source: values(3), $or: [{ a: values(25) }, { b: values(b) }] });
    passes('sns', 'Subscribe', subscribe(policy(25))); // 3 × (25 + 25) = 150
    refuses('sns', 'Subscribe', subscribe(policy(26)), tooComplex(true)); // 3 × 51
  });

  it("multiplies a MessageBody leaf's values by its nesting depth, as the docs' example does", () => {
    const docsExample = {
      key_a: { key_b: { key_c: values(4) } },
      key_d: { key_e: values(3) },
    };
    passes('sns', 'Subscribe', subscribe(docsExample, 'MessageBody')); // 3 × 4 × 2 × 3 = 72
    const deep = (n: number) => ({ shipment: { license: { status: values(n) } } });
    passes('sns', 'Subscribe', subscribe(deep(50), 'MessageBody')); // 3 × 50
    refuses('sns', 'Subscribe', subscribe(deep(51), 'MessageBody'), tooComplex(true)); // 3 × 51
    // SetSubscriptionAttributes carries no scope: a nested policy can only be MessageBody.
    refuses('sns', 'SetSubscriptionAttributes', setPolicy(deep(51)), tooComplex(false));
  });
});

describe('SQS batches and message size', () => {
  const QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/acme-notifications';
  const sendEntry = (i: number, body = `{"shipmentId":"SHP-${i}"}`) => ({ Id: `m${i}`, MessageBody: body });
  const deleteEntry = (i: number) => ({ Id: `m${i}`, ReceiptHandle: `AQEB-${i}` });
  const ops = [
    ['SendMessageBatch', sendEntry],
    ['DeleteMessageBatch', deleteEntry],
  ] as const;

  for (const [operation, make] of ops) {
    it(`passes a ${operation} of 10 entries and rejects 11 with TooManyEntriesInBatchRequest`, () => {
      passes('sqs', operation, { QueueUrl: QUEUE, Entries: range(10).map((i) => make(i)) });
      refuses(
        'sqs',
        operation,
        { QueueUrl: QUEUE, Entries: range(11).map((i) => make(i)) },
        {
          code: 'TooManyEntriesInBatchRequest',
          message: 'Maximum number of entries per request are 10. You have sent 11.',
          limit: `sqs.${operation}.entries`,
        },
      );
    });

    it(`rejects an empty ${operation} with EmptyBatchRequest`, () => {
      refuses(
        'sqs',
        operation,
        { QueueUrl: QUEUE, Entries: [] },
        {
          code: 'EmptyBatchRequest',
          message: `There should be at least one ${operation}RequestEntry in the request.`,
          limit: `sqs.${operation}.emptyBatch`,
        },
      );
    });

    it(`rejects a ${operation} with a repeated Id with BatchEntryIdsNotDistinct`, () => {
      refuses(
        'sqs',
        operation,
        { QueueUrl: QUEUE, Entries: [make(1), { ...make(2), Id: 'm1' }] },
        {
          code: 'BatchEntryIdsNotDistinct',
          message: 'Id m1 repeated.',
          limit: `sqs.${operation}.distinctIds`,
        },
      );
    });

    it(`passes an 80-character Id in ${operation} and rejects 81 with InvalidBatchEntryId`, () => {
      passes('sqs', operation, { QueueUrl: QUEUE, Entries: [{ ...make(1), Id: 'a'.repeat(80) }] });
      refuses(
        'sqs',
        operation,
        { QueueUrl: QUEUE, Entries: [{ ...make(1), Id: 'a'.repeat(81) }] },
        {
          code: 'InvalidBatchEntryId',
          message:
            'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
          limit: `sqs.${operation}.entryId`,
        },
      );
    });
  }

  it('passes a SendMessageBatch of exactly 1 MiB with attributes and rejects one byte more', () => {
    // Each entry carries attribute 'k' (1) + 'String' (6) + 'v' (1).
    const entries = (last: number) =>
      [...range(9).map(() => 100_000), last].map((size, i) => ({
        ...sendEntry(i, repeat(size - 8)),
        MessageAttributes: { k: str('v') },
      }));
    expect(9 * 100_000 + 148_576).toBe(1_048_576);
    passes('sqs', 'SendMessageBatch', { QueueUrl: QUEUE, Entries: entries(148_576) });
    refuses(
      'sqs',
      'SendMessageBatch',
      { QueueUrl: QUEUE, Entries: entries(148_577) },
      {
        code: 'BatchRequestTooLong',
        message: 'Batch requests cannot be longer than 1048576 bytes. You have sent 1048577 bytes.',
        limit: 'sqs.SendMessageBatch.totalSize',
      },
    );
  });

  it('passes a SendMessage of exactly 1 MiB with attributes and rejects one byte more', () => {
    const message = (total: number) => ({
      QueueUrl: QUEUE,
      MessageBody: repeat(total - 8),
      MessageAttributes: { k: str('v') },
    });
    passes('sqs', 'SendMessage', message(1_048_576));
    refuses('sqs', 'SendMessage', message(1_048_577), {
      code: 'InvalidParameterValue',
      message: 'One or more parameters are invalid. Reason: Message must be shorter than 1048576 bytes.',
      limit: 'sqs.SendMessage.messageSize',
    });
  });
});

describe('Lambda Invoke payload', () => {
  const MB6 = 6_291_456;
  const invoke = (extra: Record<string, unknown> = {}) => ({ FunctionName: 'fn', Payload: '', ...extra });

  it('takes a synchronous payload of 6 MB and refuses one byte more with 413, as Lambda words it', () => {
    passes('lambda', 'Invoke', invoke(), MB6);
    passes('lambda', 'Invoke', invoke({ InvocationType: 'RequestResponse' }), MB6);
    const v = refuses('lambda', 'Invoke', invoke(), {
      code: 'RequestEntityTooLargeException',
      message: 'Request must be smaller than 6291456 bytes for the InvokeFunction operation',
      limit: 'lambda.Invoke.payload',
      httpStatus: 413,
      bodyBytes: MB6 + 1,
    });
    expect(v.service).toBe('lambda');
    refuses('lambda', 'Invoke', invoke({ InvocationType: 'RequestResponse' }), {
      code: 'RequestEntityTooLargeException',
      message: /6291456 bytes/,
      limit: 'lambda.Invoke.payload',
      httpStatus: 413,
      bodyBytes: 7_000_000,
    });
  });

  it('measures the body in bytes, not the decoded payload text', () => {
    // 2,097,153 three-byte characters: 6,291,459 bytes in 2,097,153 UTF-16 units.
    const payload = '€'.repeat(2_097_153);
    refuses('lambda', 'Invoke', invoke({ Payload: payload }), {
      code: 'RequestEntityTooLargeException',
      message: /6291456/,
      limit: 'lambda.Invoke.payload',
      httpStatus: 413,
      bodyBytes: Buffer.byteLength(payload),
    });
  });

  it('leaves other invocation types to the Invoke answer (DryRun, and Event, which the local stack refuses)', () => {
    passes('lambda', 'Invoke', invoke({ InvocationType: 'DryRun' }), MB6 + 1);
    passes('lambda', 'Invoke', invoke({ InvocationType: 'Event' }), MB6 + 1);
  });
});

describe('calls without a known limit', () => {
  it('returns undefined for services and operations it does not cover', () => {
    passes('dynamodbstreams', 'GetRecords', { ShardIterator: 'x', Limit: 10_000 });
    passes('sts', 'GetCallerIdentity', {});
    passes('dynamodb', 'Query', { TableName: 'Shipments', Limit: 10_000 });
    passes('sqs', 'ReceiveMessage', { QueueUrl: 'q', MaxNumberOfMessages: 10 });
    passes('sns', 'toString', {});
    passes('dynamodb', 'constructor', {});
  });
});

describe('LIMITS', () => {
  it('names each limit once and cites an AWS documentation page for it', () => {
    const names = LIMITS.map((l) => l.limit);
    expect(new Set(names).size).toBe(names.length);
    for (const { source, value } of LIMITS) {
      expect(source).toMatch(/^https:\/\/(docs\.aws\.amazon\.com|repost\.aws)\//);
      expect(value).not.toBe('');
    }
  });

  it('has a test above that reaches every limit', () => {
    // Tests in a file run in order, so every refusal above has been recorded.
    expect(LIMITS.map((l) => l.limit).filter((name) => !exercised.has(name))).toEqual([]);
  });
});
