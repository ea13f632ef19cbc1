/**
 * I1 as checkInvariants judges a RELEASED or SHIPPED shipment, and what it
 * judges only on a quiescent store (`quiescentAt`): that a license with
 * RELEASED shipments is valid now, and that every shipment was counted or
 * rejected. On a live system (`clearance reconcile`) the clock may not have
 * expired a license yet, and a new shipment may not have been taken in yet.
 */
import { describe, expect, it } from 'vitest';
import { checkInvariants } from '../../../shared/domain/invariants.js';
import type { RawItem } from '../../../shared/domain/ports.js';
import { aLicense, anInventory, aShipment } from '../../helpers/factories.js';

describe('I1: a RELEASED shipment without releasedAt', () => {
  it('is reported: every release stamps it, so this one was not released by the license check', () => {
    const license: RawItem = aLicense({
      licenseId: 'LIC-FUTURE',
      status: 'APPROVED',
      appliedStatus: 'APPROVED',
      validFrom: '2099-01-01T00:00:00.000Z',
      validUntil: '2099-12-31T00:00:00.000Z',
      releasedQuantity: 10,
    });
    const { releasedAt: _dropped, ...released } = aShipment({
      shipmentId: 'S-NO-RELEASED-AT',
      licenseId: 'LIC-FUTURE',
      status: 'RELEASED',
      quantity: 10,
    });
    const shipment: RawItem = { ...released, countedStatus: 'RELEASED', revision: 2 };
    const { violations } = checkInvariants({
      licenses: [license],
      shipments: [shipment],
      inventory: [anInventory({ released: 10 })],
    });
    expect(violations).toContainEqual(
      expect.objectContaining({ invariant: 'I1', key: { shipmentId: 'S-NO-RELEASED-AT' } }),
    );
  });
});

describe('I1: SHIPPED under a license that was never approved', () => {
  it.each(['PENDING', 'DENIED', undefined] as const)(
    'is reported when its applied status is %s',
    (status) => {
      const license: RawItem = aLicense({
        licenseId: 'LIC-NEVER',
        status: status ?? 'PENDING',
        ...(status ? { appliedStatus: status } : {}),
        releasedQuantity: 10,
      });
      const shipment: RawItem = {
        ...aShipment({ shipmentId: 'S-EXPORTED', licenseId: 'LIC-NEVER', status: 'SHIPPED', quantity: 10 }),
        countedStatus: 'SHIPPED',
        revision: 3,
      };
      const { violations } = checkInvariants({
        licenses: [license],
        shipments: [shipment],
        inventory: [anInventory({ shipped: 10 })],
      });
      expect(violations).toContainEqual(
        expect.objectContaining({ invariant: 'I1', key: { shipmentId: 'S-EXPORTED' } }),
      );
    },
  );

  it.each(['SUSPENDED', 'REVOKED', 'EXPIRED'] as const)(
    'is not reported under a license %s later',
    (status) => {
      const license: RawItem = aLicense({ status, appliedStatus: status, releasedQuantity: 10 });
      const shipment: RawItem = {
        ...aShipment({ status: 'SHIPPED', quantity: 10 }),
        countedStatus: 'SHIPPED',
        revision: 3,
      };
      const { violations } = checkInvariants({
        licenses: [license],
        shipments: [shipment],
        inventory: [anInventory({ shipped: 10 })],
      });
      expect(violations).toEqual([]);
    },
  );
});

describe('I1 on a quiescent store: RELEASED under a license whose window ended long ago', () => {
  const store = () => ({
    licenses: [
      aLicense({
        licenseId: 'LIC-OLD',
        status: 'APPROVED',
        appliedStatus: 'APPROVED',
        validFrom: '2019-01-01T00:00:00.000Z',
        validUntil: '2020-01-01T00:00:00.000Z',
        releasedQuantity: 10,
      }),
    ],
    shipments: [
      {
        ...aShipment({
          shipmentId: 'S-STALE',
          licenseId: 'LIC-OLD',
          status: 'RELEASED',
          quantity: 10,
          releasedAt: '2019-06-01T00:00:00.000Z',
        }),
        countedStatus: 'RELEASED',
        revision: 2,
      },
    ],
    inventory: [anInventory({ released: 10 })],
  });

  it('is reported: the license is not valid now, and its expiry was never applied', () => {
    const { violations } = checkInvariants(store(), { quiescentAt: new Date('2026-06-01T00:00:00.000Z') });
    expect(violations).toContainEqual(
      expect.objectContaining({ invariant: 'I1', key: { shipmentId: 'S-STALE' } }),
    );
  });

  it('is not judged on a live system (no quiescentAt): the clock may not have ticked yet', () => {
    expect(checkInvariants(store()).violations).toEqual([]);
  });
});

describe('I5 on a quiescent store: a shipment neither accepted nor rejected', () => {
  const store = (status: 'HELD' | 'RELEASED', extra: Record<string, unknown> = {}) => ({
    licenses: [aLicense({ licenseId: 'LIC-1', appliedStatus: 'APPROVED' })],
    shipments: [{ ...aShipment({ shipmentId: 'S-DROPPED', licenseId: 'LIC-1', status }), ...extra }],
    inventory: [anInventory()],
  });

  it.each(['HELD', 'RELEASED'] as const)('is reported when it stands %s', (status) => {
    const { violations } = checkInvariants(store(status), { quiescentAt: new Date() });
    expect(violations).toContainEqual(
      expect.objectContaining({ invariant: 'I5', key: { shipmentId: 'S-DROPPED' } }),
    );
  });

  it('is not reported once rejected (statusError), nor on a live system (not taken in yet)', () => {
    const rejected = store('RELEASED', { statusError: 'a new shipment starts as HELD' });
    expect(checkInvariants(rejected, { quiescentAt: new Date() }).violations).toEqual([]);
    expect(checkInvariants(store('RELEASED')).violations).toEqual([]);
  });
});
