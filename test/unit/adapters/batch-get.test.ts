import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { batchGetItems, batchGetKeys } from '../../../shared/adapters/dynamo/reads.js';

/**
 * A document client that answers BatchGetItem from `table`, handing back the
 * last key of each call's first attempt unprocessed, as DynamoDB does under load.
 */
function stubDb(items: Record<string, unknown>[], key: (item: Record<string, unknown>) => string) {
  const calls: BatchGetCommand['input'][] = [];
  const byKey = new Map(items.map((i) => [key(i), i]));
  const db = {
    async send(command: unknown) {
      if (!(command instanceof BatchGetCommand)) throw new Error('unexpected command');
      calls.push(command.input);
      const [table, request] = Object.entries(command.input.RequestItems ?? {})[0] ?? [];
      const keys = (request?.Keys ?? []) as Record<string, unknown>[];
      if (keys.length > 100) throw new Error('Too many items requested for the BatchGetItem call');
      const retry = calls.length % 2 === 1 && keys.length > 1;
      const served = retry ? keys.slice(0, -1) : keys;
      return {
        Responses: { [String(table)]: served.flatMap((k) => byKey.get(key(k)) ?? []) },
        ...(retry ? { UnprocessedKeys: { [String(table)]: { ...request, Keys: keys.slice(-1) } } } : {}),
      };
    },
  } as unknown as DynamoDBDocumentClient;
  return { db, calls };
}

describe('batchGetKeys', () => {
  it('reads 100 keys a call, retries unprocessed keys, and passes the projection and read mode', async () => {
    const items = Array.from({ length: 150 }, (_, i) => ({ sku: `S${i}`, warehouseId: 'W1', onHand: i }));
    const { db, calls } = stubDb(items, (i) => `${String(i.sku)}|${String(i.warehouseId)}`);
    const keys = items.map(({ sku, warehouseId }) => ({ sku, warehouseId }));
    const found = await batchGetKeys(db, 'Inventory', [...keys, { sku: 'NONE', warehouseId: 'W1' }], {
      projection: ['sku', 'warehouseId'],
    });
    expect(found.map((i) => i.sku).sort()).toEqual(items.map((i) => i.sku).sort());
    // 151 keys: two calls, each with one key handed back and read again.
    expect(calls.map((c) => c.RequestItems?.Inventory?.Keys?.length)).toEqual([100, 1, 51, 1]);
    expect(calls[0]?.RequestItems?.Inventory).toMatchObject({
      ProjectionExpression: '#p0, #p1',
      ExpressionAttributeNames: { '#p0': 'sku', '#p1': 'warehouseId' },
    });
    expect(calls.every((c) => c.RequestItems?.Inventory?.ConsistentRead === undefined)).toBe(true);
  });
});

describe('batchGetItems', () => {
  it('reads each id once, consistently, and maps the items found by id', async () => {
    const { db, calls } = stubDb([{ licenseId: 'A' }, { licenseId: 'B' }], (i) => String(i.licenseId));
    const found = await batchGetItems(db, 'Licenses', 'licenseId', ['A', 'B', 'A', 'C']);
    expect([...found.keys()].sort()).toEqual(['A', 'B']);
    expect(calls[0]?.RequestItems?.Licenses).toEqual({
      Keys: [{ licenseId: 'A' }, { licenseId: 'B' }, { licenseId: 'C' }],
      ConsistentRead: true,
    });
  });
});
