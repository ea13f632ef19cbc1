/**
 * I6 beyond counting: checkHistory counts entries against counters the same
 * writes keep (`revision`, `appliedChanges`), so a committed change that
 * bumped neither leaves no trace in the counts; the entries' own `status` and
 * `previousStatus` show it. And every edit still rejected on an item
 * (`statusError`) has its EDIT_REJECTED entry.
 */
import { describe, expect, it } from 'vitest';
import { checkHistory } from '../../../shared/domain/history-invariant.js';
import type { RawItem } from '../../../shared/domain/ports.js';
import { aLicense, aShipment } from '../../helpers/factories.js';

const entry = (
  shipmentId: string,
  r: number,
  eventType: string,
  previousStatus: string | null,
  status: string,
): RawItem => ({
  licenseId: 'LIC-1',
  entryId: `2026-02-0${r}T00:00:00.000Z#${shipmentId}#r${String(r).padStart(6, '0')}`,
  at: `2026-02-0${r}T00:00:00.000Z`,
  eventType,
  shipmentId,
  quantity: 10,
  previousStatus,
  status,
});

const approved: RawItem = aLicense({ licenseId: 'LIC-1', appliedStatus: 'APPROVED', appliedChanges: 1 });
const approval: RawItem = {
  licenseId: 'LIC-1',
  entryId: '2026-01-01T00:00:00.000Z#license#t1',
  at: '2026-01-01T00:00:00.000Z',
  eventType: 'LICENSE_APPROVED',
  status: 'APPROVED',
  previousStatus: null,
};
const shipmentAt = (shipmentId: string, status: 'RELEASED' | 'SHIPPED', revision: number): RawItem => ({
  ...aShipment({ shipmentId, licenseId: 'LIC-1', status }),
  countedStatus: status,
  revision,
});

describe('I6: History entries that do not match the committed state', () => {
  it('holds for a shipment and a license whose entries tell their committed statuses', () => {
    const entries = [
      approval,
      entry('S-1', 1, 'SHIPMENT_HELD', null, 'HELD'),
      entry('S-1', 2, 'SHIPMENT_RELEASED', 'HELD', 'RELEASED'),
      entry('S-1', 3, 'SHIPMENT_SHIPPED', 'RELEASED', 'SHIPPED'),
    ];
    expect(
      checkHistory({ licenses: [approved], shipments: [shipmentAt('S-1', 'SHIPPED', 3)], entries }),
    ).toEqual([]);
  });

  it('reports a shipment whose committed status has no entry (SHIPPED, last entry RELEASED)', () => {
    const entries = [
      approval,
      entry('S-1', 1, 'SHIPMENT_HELD', null, 'HELD'),
      entry('S-1', 2, 'SHIPMENT_RELEASED', 'HELD', 'RELEASED'),
    ];
    expect(
      checkHistory({ licenses: [approved], shipments: [shipmentAt('S-1', 'SHIPPED', 2)], entries }),
    ).toContainEqual(expect.objectContaining({ invariant: 'I6', key: { shipmentId: 'S-1' } }));
  });

  it('reports an entry whose previousStatus is not what the revision before left', () => {
    const entries = [
      approval,
      entry('S-1', 1, 'SHIPMENT_HELD', null, 'HELD'),
      entry('S-1', 2, 'SHIPMENT_SHIPPED', 'RELEASED', 'SHIPPED'),
    ];
    expect(
      checkHistory({ licenses: [approved], shipments: [shipmentAt('S-1', 'SHIPPED', 2)], entries }),
    ).toContainEqual(
      expect.objectContaining({
        key: { shipmentId: 'S-1' },
        message: expect.stringMatching(/revision 1 left it HELD/),
      }),
    );
  });

  it('reports a license whose applied status has no entry (SUSPENDED, only LICENSE_APPROVED entered)', () => {
    const suspended: RawItem = { ...approved, status: 'SUSPENDED', appliedStatus: 'SUSPENDED' };
    expect(checkHistory({ licenses: [suspended], shipments: [], entries: [approval] })).toContainEqual(
      expect.objectContaining({ invariant: 'I6', key: { licenseId: 'LIC-1' } }),
    );
  });

  it('reports a license whose decision is recorded (lastDecision) but has no entry at all (appliedChanges never counted)', () => {
    const { appliedChanges: _none, ...uncounted } = approved;
    const decided = {
      ...uncounted,
      lastDecision: {
        eventType: 'LICENSE_APPROVED',
        actor: 'compliance@console',
        at: '2026-01-01T00:00:00.000Z',
      },
    };
    expect(checkHistory({ licenses: [decided], shipments: [], entries: [] })).toContainEqual(
      expect.objectContaining({ invariant: 'I6', key: { licenseId: 'LIC-1' } }),
    );
  });

  it('reports a shipment released twice for one approval (RELEASED → RELEASED)', () => {
    const entries = [
      approval,
      entry('S-2', 1, 'SHIPMENT_HELD', null, 'HELD'),
      entry('S-2', 2, 'SHIPMENT_RELEASED', 'HELD', 'RELEASED'),
      entry('S-2', 3, 'SHIPMENT_RELEASED', 'RELEASED', 'RELEASED'),
    ];
    expect(
      checkHistory({ licenses: [approved], shipments: [shipmentAt('S-2', 'RELEASED', 3)], entries }).filter(
        (v) => v.key.shipmentId === 'S-2',
      ),
    ).toEqual([
      expect.objectContaining({ message: expect.stringMatching(/releases it again while RELEASED/) }),
    ]);
  });
});

describe('I6: a rejected edit without its EDIT_REJECTED entry', () => {
  const pending: RawItem = {
    ...aLicense({ licenseId: 'LIC-1', status: 'PENDING', appliedStatus: 'PENDING', appliedChanges: 1 }),
    status: 'SUSPENDED',
    statusError: 'PENDING → SUSPENDED is not allowed',
  };
  const decision: RawItem = {
    licenseId: 'LIC-1',
    entryId: '2026-01-01T00:00:00.000Z#license#t1',
    at: '2026-01-01T00:00:00.000Z',
    eventType: 'LICENSE_PENDING',
    status: 'PENDING',
    previousStatus: null,
  };
  const rejection = (shipmentId?: string): RawItem => ({
    licenseId: 'LIC-1',
    entryId: `2026-01-02T00:00:00.000Z#rejected#${shipmentId ?? 'license'}`,
    at: '2026-01-02T00:00:00.000Z',
    eventType: 'EDIT_REJECTED',
    ...(shipmentId ? { shipmentId } : {}),
  });

  it('is reported for a license', () => {
    expect(checkHistory({ licenses: [pending], shipments: [], entries: [decision] })).toContainEqual(
      expect.objectContaining({ invariant: 'I6', key: { licenseId: 'LIC-1' } }),
    );
    expect(checkHistory({ licenses: [pending], shipments: [], entries: [decision, rejection()] })).toEqual(
      [],
    );
  });

  it('is reported for a shipment (a license rejection does not stand for it)', () => {
    const shipment: RawItem = {
      ...aShipment({ shipmentId: 'S-1', licenseId: 'LIC-1' }),
      countedStatus: 'HELD',
      statusError: 'HELD → SHIPPED is not allowed',
    };
    const entries = [decision, rejection()];
    const held = { ...pending, status: 'PENDING', statusError: undefined };
    expect(checkHistory({ licenses: [held], shipments: [shipment], entries })).toContainEqual(
      expect.objectContaining({ invariant: 'I6', key: { shipmentId: 'S-1' } }),
    );
    expect(
      checkHistory({ licenses: [held], shipments: [shipment], entries: [...entries, rejection('S-1')] }),
    ).toEqual([]);
  });
});
