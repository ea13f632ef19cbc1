/**
 * The DynamoDB adapter's page of a license's index: every GSI key queried
 * and merged in `holdOrder`. DynamoDB may answer a Query with a
 * LastEvaluatedKey and no items (it stops at 1 MB of data read, before a
 * filter or on an emulator's whim); such an answer cannot bound the merge, so
 * the adapter reads that key on from the LastEvaluatedKey.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoShipmentRepository } from '../../../shared/adapters/dynamo/shipment-repository.js';
import { indexKeys } from '../../../shared/domain/index-keys.js';
import type { RawItem } from '../../../shared/domain/ports.js';

interface Query {
  key: string;
  start?: Record<string, unknown>;
}

/** A document client answering each key's Query from `pages` (one answer per call, in order). */
function fakeDb(pages: Record<string, { Items: RawItem[]; LastEvaluatedKey?: Record<string, unknown> }[]>) {
  const queries: Query[] = [];
  const db = {
    async send(command: { input: Record<string, unknown> }) {
      const input = command.input as {
        ExpressionAttributeValues: { ':pk': string };
        ExclusiveStartKey?: Record<string, unknown>;
      };
      const key = input.ExpressionAttributeValues[':pk'];
      queries.push({ key, ...(input.ExclusiveStartKey ? { start: input.ExclusiveStartKey } : {}) });
      return pages[key]?.shift() ?? { Items: [] };
    },
  };
  return { db: db as unknown as DynamoDBDocumentClient, queries };
}

const item = (holdOrder: string): RawItem => ({ shipmentId: `S-${holdOrder}`, holdOrder });

describe('DynamoShipmentRepository.page', () => {
  it('reads a key on past an answer with a LastEvaluatedKey and no items, and merges in order', async () => {
    const [k0, k1] = indexKeys('LIC-1');
    const { db, queries } = fakeDb({
      [k0 as string]: [
        { Items: [], LastEvaluatedKey: { at: 'x' } },
        { Items: [], LastEvaluatedKey: { at: 'y' } },
        { Items: [item('a'), item('c')], LastEvaluatedKey: { at: 'c' } },
      ],
      [k1 as string]: [{ Items: [item('b'), item('d')] }],
    });
    const page = await new DynamoShipmentRepository(db, { shipments: 'Shipments' }).page(
      'held',
      'LIC-1',
      undefined,
      10,
    );
    expect(
      page.items.map((x) => x.holdOrder),
      'd waits: key 0 may have items before it',
    ).toEqual(['a', 'b', 'c']);
    expect(page.next).toBe('c');
    expect(queries.filter((q) => q.key === k0)).toEqual([
      { key: k0 },
      { key: k0, start: { at: 'x' } },
      { key: k0, start: { at: 'y' } },
    ]);
    expect(queries.filter((q) => q.key === k1)).toEqual([{ key: k1 }]);
  });

  it('ends the page when a key read on finds nothing more', async () => {
    const [k0] = indexKeys('LIC-1');
    const { db } = fakeDb({ [k0 as string]: [{ Items: [], LastEvaluatedKey: { at: 'x' } }, { Items: [] }] });
    const page = await new DynamoShipmentRepository(db, { shipments: 'Shipments' }).page(
      'held',
      'LIC-1',
      undefined,
      10,
    );
    expect(page).toEqual({ items: [], next: undefined });
  });
});
