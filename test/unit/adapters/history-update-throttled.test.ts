/**
 * A decision or write-back committed with its History entry (updateWithEntry,
 * used by DynamoLicenseRepository and DynamoShipmentRepository.update) goes to
 * the license's History key, which is hot during a large release. DynamoDB then
 * cancels the transaction with ThrottlingError at the Put's index, and the SDK
 * does not retry a TransactionCanceledException: busy, not broken, so it is
 * retried with backoff, as the History append is.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoShipmentRepository } from '../../../shared/adapters/dynamo.js';
import type { HistoryEntry } from '../../../shared/domain/history.js';

const cancelled = (codes: string[]) =>
  new TransactionCanceledException({
    message: `Transaction cancelled [${codes.join(', ')}]`,
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

const entry: HistoryEntry = {
  licenseId: 'L-1',
  entryId: '2026-12-02T00:00:00.000Z#S-1#rejected',
  at: '2026-12-02T00:00:00.000Z',
  eventType: 'EDIT_REJECTED',
  actor: 'clearance',
  shipmentId: 'S-1',
};

/** A document client that cancels the first `throttled` transactions with ThrottlingError on the History Put. */
function throttlingDb(throttled: number) {
  let calls = 0;
  const db = {
    async send() {
      calls++;
      if (calls <= throttled) throw cancelled(['None', 'ThrottlingError']);
      return {};
    },
  };
  return { db: db as unknown as DynamoDBDocumentClient, calls: () => calls };
}

describe('updateWithEntry on a throttled History key', () => {
  it('retries a transaction cancelled with ThrottlingError and commits the write-back', async () => {
    const { db, calls } = throttlingDb(2);
    const shipments = new DynamoShipmentRepository(db, { shipments: 'Shipments', history: 'History' });
    const written = await shipments.update(
      {
        shipmentId: 'S-1',
        set: { status: 'HELD', statusError: 'rejected' },
        bumpRevision: false,
        expect: { status: 'SHIPPED', countedStatus: 'HELD' },
      },
      entry,
    );
    expect(written).toBe(true);
    expect(calls()).toBe(3);
  });
});
