/**
 * Where a rejected shipment edit is entered in History: under the license the
 * shipment is counted under, not under a `licenseId` the edit typed (which is
 * set back), and under keys DynamoDB takes whatever ids a new item was typed
 * with (a partition key holds at most 2,048 bytes, a sort key 1,024). Before,
 * a `licenseId` edit was entered in the edited license's history, and a new
 * item with an overlong `shipmentId` or `licenseId` made its write-back
 * transaction fail, so its batch was retried until it reached the DLQ,
 * alerting each time, with no `statusError` and no entry.
 */
import { describe, expect, it } from 'vitest';
import { NO_LICENSE, shipmentRejectionEntry } from '../../../shared/domain/history.js';
import { apply, givenLicense, settleShipments } from '../../helpers/fakes/engine-kit.js';
import { isSeededEntry, type MemoryWorld, memoryWorld } from '../../helpers/fakes/world.js';

const rejectedEntries = (w: MemoryWorld, id: string) =>
  w.entries().filter((e) => e.shipmentId === id && e.eventType === 'EDIT_REJECTED');

describe('a rejected edit of a counted shipment', () => {
  it.each([
    ['HELD', {}],
    ['RELEASED', { status: 'APPROVED', appliedStatus: 'APPROVED' }],
  ] as const)(
    'of the licenseId of a %s shipment is entered under the license it is counted under',
    async (counted, terms) => {
      const w = memoryWorld();
      const lut = givenLicense(w, { authorizedQuantity: 100, ...terms });
      const other = givenLicense(w);
      const s = lut.shipment({ quantity: 30 });
      w.console.put('shipments', s);
      await settleShipments(w);
      if (w.license(lut.licenseId).pendingWork !== undefined) await apply(w, lut.licenseId);
      await settleShipments(w);
      expect(w.shipment(s.shipmentId).countedStatus).toBe(counted);

      w.console.edit('shipments', s.shipmentId, 'licenseId', other.licenseId);
      await settleShipments(w);
      expect(w.shipment(s.shipmentId).licenseId).toBe(lut.licenseId);
      expect(rejectedEntries(w, s.shipmentId).map((e) => e.licenseId)).toEqual([lut.licenseId]);
      expect(w.entries().filter((e) => e.licenseId === other.licenseId && !isSeededEntry(e))).toEqual([]);
      expect(w.historyViolations()).toEqual([]);
    },
  );
});

describe('the entry of a rejected new item', () => {
  const entryOf = (raw: Record<string, unknown>) =>
    shipmentRejectionEntry({
      raw,
      old: undefined,
      at: '2026-06-01T12:00:00.000Z',
      reason: 'Rejected: …',
      sequence: '000000000000000000042',
    });

  it('keys an overlong shipmentId within a sort key, keeps it whole on the entry, and tells ids apart', () => {
    const long = `SHP-${'I'.repeat(2000)}`;
    const entry = entryOf({ shipmentId: long, licenseId: 'LIC-1' });
    expect(Buffer.byteLength(entry.entryId)).toBeLessThanOrEqual(1024);
    expect(entry.shipmentId).toBe(long);
    expect(entry.licenseId).toBe('LIC-1');
    expect(entryOf({ shipmentId: `${long}J`, licenseId: 'LIC-1' }).entryId).not.toBe(entry.entryId);
    expect(entryOf({ shipmentId: 'SHP-1', licenseId: 'LIC-1' }).entryId).toBe(
      '2026-06-01T12:00:00.000Z#SHP-1#rejected#000000000000000000042',
    );
  });

  it.each([
    ['3,000 characters', `LIC-${'L'.repeat(2996)}`],
    ['a number', 42],
    ['empty', ''],
  ])('enters an item whose licenseId is %s under NO_LICENSE', (_what, licenseId) => {
    expect(entryOf({ shipmentId: 'SHP-1', licenseId }).licenseId).toBe(NO_LICENSE);
  });
});
