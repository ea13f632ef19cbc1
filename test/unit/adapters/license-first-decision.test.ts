/**
 * The DynamoDB adapter's read of a license's first decision in History
 * (refuseReplaced's durable trace): a strongly consistent Query of the
 * license's partition, filtered to `LICENSE_*` entries and projected to what
 * the refusal names, a small first page (a filter applies after `Limit`) and
 * 1 MB pages after it, read on past a page that the filter left empty.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  DynamoLicenseRepository,
  FIRST_DECISION_PAGE,
} from '../../../shared/adapters/dynamo/license-repository.js';
import { ConfigError } from '../../../shared/domain/errors.js';
import type { RawItem } from '../../../shared/domain/ports.js';

/** A document client answering each Query with the next of `pages`, and keeping the inputs. */
function fakeDb(pages: { Items: RawItem[]; LastEvaluatedKey?: Record<string, unknown> }[]) {
  const inputs: Record<string, unknown>[] = [];
  const db = {
    async send(command: { input: Record<string, unknown> }) {
      inputs.push(command.input);
      return pages.shift() ?? { Items: [] };
    },
  };
  return { db: db as unknown as DynamoDBDocumentClient, inputs };
}

describe('DynamoLicenseRepository.firstDecision', () => {
  it('queries the license partition for LICENSE_* entries, strongly consistent, a small page first, then 1 MB pages', async () => {
    const { db, inputs } = fakeDb([
      { Items: [], LastEvaluatedKey: { licenseId: 'LIC-1', entryId: 'a' } },
      { Items: [], LastEvaluatedKey: { licenseId: 'LIC-1', entryId: 'b' } },
      { Items: [{ eventType: 'LICENSE_PENDING', at: '2026-01-01T00:00:00.000Z' }] },
    ]);
    const found = await new DynamoLicenseRepository(db, 'Licenses', 'History').firstDecision('LIC-1');

    expect(found).toEqual({ eventType: 'LICENSE_PENDING', at: '2026-01-01T00:00:00.000Z' });
    expect(inputs).toHaveLength(3);
    expect(inputs[0]).toMatchObject({
      TableName: 'History',
      KeyConditionExpression: '#licenseId = :licenseId',
      FilterExpression: 'begins_with(#eventType, :decision)',
      ProjectionExpression: '#eventType, #at',
      ExpressionAttributeValues: { ':licenseId': 'LIC-1', ':decision': 'LICENSE_' },
      ConsistentRead: true,
      Limit: FIRST_DECISION_PAGE,
    });
    expect(inputs[0]).not.toHaveProperty('IndexName');
    expect(inputs[0]).not.toHaveProperty('ExclusiveStartKey');
    expect(inputs[1]).toMatchObject({ ExclusiveStartKey: { licenseId: 'LIC-1', entryId: 'a' } });
    expect(inputs[1]).not.toHaveProperty('Limit');
    expect(inputs[2]).toMatchObject({
      ExclusiveStartKey: { licenseId: 'LIC-1', entryId: 'b' },
      ConsistentRead: true,
    });
  });

  it('finds none when the partition ends without a decision', async () => {
    const { db, inputs } = fakeDb([{ Items: [], LastEvaluatedKey: { entryId: 'a' } }, { Items: [] }]);
    expect(
      await new DynamoLicenseRepository(db, 'Licenses', 'History').firstDecision('LIC-1'),
    ).toBeUndefined();
    expect(inputs).toHaveLength(2);
  });

  it('fails without a History table rather than find nothing (an item would be approved afresh)', async () => {
    const { db, inputs } = fakeDb([]);
    await expect(new DynamoLicenseRepository(db, 'Licenses').firstDecision('LIC-1')).rejects.toThrow(
      ConfigError,
    );
    expect(inputs).toEqual([]);
  });
});
