/**
 * deletedShipments: the shipments History has committed entries of that the
 * Shipments table has not, with the status they were left at and what their
 * entries drew in all (what `clearance reconcile` must not give back).
 */
import { describe, expect, it } from 'vitest';
import { deletedShipments } from '../../../shared/domain/history-invariant.js';
import type { RawItem } from '../../../shared/domain/ports.js';

const AT = '2026-05-01T10:00:00.000Z';
const entry = (shipmentId: string, revision: number, e: RawItem): RawItem => ({
  licenseId: 'LIC-1',
  entryId: `${AT}#${shipmentId}#r${String(revision).padStart(6, '0')}`,
  shipmentId,
  at: AT,
  ...e,
});

/** SHP-GONE: held, released (30, $500), shipped; then deleted. */
const gone = [
  entry('SHP-GONE', 1, { eventType: 'SHIPMENT_HELD', status: 'HELD', drawn: { quantity: 0, value: 0 } }),
  entry('SHP-GONE', 3, {
    eventType: 'SHIPMENT_SHIPPED',
    status: 'SHIPPED',
    drawn: { quantity: 0, value: 0 },
  }),
  entry('SHP-GONE', 2, {
    eventType: 'SHIPMENT_RELEASED',
    status: 'RELEASED',
    drawn: { quantity: 30, value: 500 },
  }),
];

describe('deletedShipments', () => {
  it('finds a shipment with entries but no item, left at its last entry, with what its entries drew', () => {
    const entries = [
      ...gone,
      entry('SHP-HERE', 1, { eventType: 'SHIPMENT_HELD', status: 'HELD' }),
      { licenseId: 'LIC-1', entryId: `${AT}#license#t`, eventType: 'LICENSE_APPROVED', at: AT },
      {
        licenseId: 'LIC-1',
        entryId: `${AT}#SHP-REJ#rejected#9`,
        eventType: 'EDIT_REJECTED',
        shipmentId: 'SHP-REJ',
      },
    ];
    expect(deletedShipments({ licenses: [], shipments: [{ shipmentId: 'SHP-HERE' }], entries })).toEqual([
      {
        shipmentId: 'SHP-GONE',
        licenseId: 'LIC-1',
        status: 'SHIPPED',
        revision: 3,
        drawn: { quantity: 30, value: 500 },
      },
    ]);
  });

  it('leaves out a shipment the read after History found (created meanwhile)', () => {
    const readAgain = { shipments: new Map([['SHP-GONE', { shipmentId: 'SHP-GONE' }]]) };
    expect(deletedShipments({ licenses: [], shipments: [], entries: gone, readAgain })).toEqual([]);
  });

  it('a cancelled one drew nothing in the end; entries without drawn: a RELEASED one drew its quantity and value', () => {
    const cancelled = [
      ...gone.slice(0, 1),
      gone[2] as RawItem,
      entry('SHP-GONE', 3, {
        eventType: 'SHIPMENT_CANCELLED',
        status: 'CANCELLED',
        drawn: { quantity: -30, value: -500 },
      }),
    ];
    expect(deletedShipments({ licenses: [], shipments: [], entries: cancelled })[0]).toMatchObject({
      status: 'CANCELLED',
      drawn: { quantity: 0, value: 0 },
    });
    const old = [
      entry('SHP-OLD', 1, { eventType: 'SHIPMENT_RELEASED', status: 'RELEASED', quantity: 8, value: 80 }),
    ];
    expect(deletedShipments({ licenses: [], shipments: [], entries: old })[0]).toMatchObject({
      drawn: { quantity: 8, value: 80 },
    });
  });
});
