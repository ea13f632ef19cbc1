/**
 * The History adapter's one read for the handlers: a shipment's latest
 * committed change, from the `byShipment` index (the only read of History
 * shipment-events' role is granted), rejected edits left out, so that a new
 * item first refused and then corrected is not taken for one counted before.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoHistoryRepository, latestChange } from '../../../shared/adapters/dynamo/history-repository.js';
import type { HistoryEntry } from '../../../shared/domain/history.js';
import { HISTORY_BY_SHIPMENT_INDEX } from '../../../shared/names.js';

const entry = (revision: number, at: string, eventType = 'SHIPMENT_RELEASED'): HistoryEntry => ({
  licenseId: 'L-1',
  entryId: `${at}#S-1#r${String(revision).padStart(6, '0')}`,
  at,
  eventType: eventType as HistoryEntry['eventType'],
  actor: 'clearance',
  shipmentId: 'S-1',
});

/** A document client that answers each Query with the next page; records the inputs. */
function pagedDb(pages: { items: HistoryEntry[]; last?: Record<string, unknown> }[]) {
  const inputs: Record<string, unknown>[] = [];
  const db = {
    async send(command: { input: Record<string, unknown> }) {
      inputs.push(command.input);
      const page = pages[inputs.length - 1] ?? { items: [] };
      return { Items: page.items, ...(page.last ? { LastEvaluatedKey: page.last } : {}) };
    },
  };
  return { db: db as unknown as DynamoDBDocumentClient, inputs };
}

describe('DynamoHistoryRepository.lastShipmentChange', () => {
  it("queries the shipment's byShipment partition newest first, rejected edits filtered out", async () => {
    const { db, inputs } = pagedDb([{ items: [entry(2, '2026-06-01T12:00:01.000Z')] }]);
    const found = await new DynamoHistoryRepository(db, 'History').lastShipmentChange('S-1');
    expect(found?.entryId).toBe('2026-06-01T12:00:01.000Z#S-1#r000002');
    expect(inputs).toEqual([
      expect.objectContaining({
        TableName: 'History',
        IndexName: HISTORY_BY_SHIPMENT_INDEX,
        KeyConditionExpression: '#shipmentId = :shipmentId',
        FilterExpression: '#eventType <> :rejected',
        ExpressionAttributeValues: { ':shipmentId': 'S-1', ':rejected': 'EDIT_REJECTED' },
        ScanIndexForward: false,
      }),
    ]);
  });

  it('reads on past a page the filter left empty (rejected edits only), and answers undefined when none is a change', async () => {
    const { db, inputs } = pagedDb([
      { items: [], last: { shipmentId: 'S-1', at: 'x' } },
      { items: [entry(1, '2026-06-01T12:00:00.000Z', 'SHIPMENT_HELD')] },
    ]);
    const history = new DynamoHistoryRepository(db, 'History');
    expect((await history.lastShipmentChange('S-1'))?.eventType).toBe('SHIPMENT_HELD');
    expect(inputs[1]?.ExclusiveStartKey).toEqual({ shipmentId: 'S-1', at: 'x' });
    const none = pagedDb([{ items: [] }]);
    expect(await new DynamoHistoryRepository(none.db, 'History').lastShipmentChange('S-1')).toBeUndefined();
  });

  it('takes the highest revision among changes committed within one millisecond (one `at`)', () => {
    const at = '2026-06-01T12:00:00.000Z';
    expect(latestChange([entry(1, at), entry(3, at), entry(2, at)])?.entryId).toBe(`${at}#S-1#r000003`);
    expect(latestChange([entry(9, at), entry(1, '2026-06-01T12:00:00.001Z')])?.entryId).toMatch(/r000001$/);
    expect(latestChange([])).toBeUndefined();
  });
});
