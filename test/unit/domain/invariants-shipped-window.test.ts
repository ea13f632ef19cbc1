/**
 * I1 as checkInvariants judges a SHIPPED shipment's release against its
 * license's window: goods released before `validFrom` and then shipped left
 * before the license was valid, whatever the license is now. An amendment
 * that moved `validFrom` later, after the release (`validFromAmendedAt`,
 * `validFromBefore`), excuses it, as it does for a RELEASED shipment; and
 * `validUntil` is never held against what shipped (a license may expire
 * after its goods left).
 */
import { describe, expect, it } from 'vitest';
import { checkInvariants } from '../../../shared/domain/invariants.js';
import type { License } from '../../../shared/domain/model.js';
import type { RawItem } from '../../../shared/domain/ports.js';
import { aLicense, anInventory, aShipment } from '../../helpers/factories.js';

const license = (overrides: Partial<License> = {}): RawItem =>
  aLicense({
    licenseId: 'LIC-LATE-START',
    status: 'APPROVED',
    appliedStatus: 'APPROVED',
    validFrom: '2026-03-01T00:00:00.000Z',
    validUntil: '2099-12-31T23:59:59.999Z',
    releasedQuantity: 10,
    ...overrides,
  });

const shipment = (status: 'RELEASED' | 'SHIPPED', releasedAt = '2026-02-01T00:00:00.000Z'): RawItem => ({
  ...aShipment({ shipmentId: 'S-EARLY', licenseId: 'LIC-LATE-START', status, quantity: 10, releasedAt }),
  countedStatus: status,
  revision: status === 'SHIPPED' ? 3 : 2,
});

const i1Of = (licenses: RawItem[], shipments: RawItem[]) =>
  checkInvariants({ licenses, shipments, inventory: [anInventory({ shipped: 10 })] }).violations.filter(
    (v) => v.invariant === 'I1' && v.key.shipmentId === 'S-EARLY',
  );

describe('I1: a SHIPPED shipment released outside its license window', () => {
  it('is reported when it was released before validFrom, which no amendment moved', () => {
    expect(i1Of([license()], [shipment('SHIPPED')])).toEqual([
      expect.objectContaining({ message: expect.stringMatching(/before license LIC-LATE-START was valid/) }),
    ]);
  });

  it('is reported when it was released before the earliest validFrom the license ever had', () => {
    const amended = license({
      validFromAmendedAt: '2026-02-15T00:00:00.000Z',
      validFromBefore: '2026-02-10T00:00:00.000Z',
    });
    expect(i1Of([amended], [shipment('SHIPPED')])).toHaveLength(1);
  });

  it('is not reported when an amendment moved validFrom later after the release', () => {
    const amended = license({
      validFromAmendedAt: '2026-02-15T00:00:00.000Z',
      validFromBefore: '2026-01-01T00:00:00.000Z',
    });
    expect(i1Of([amended], [shipment('SHIPPED')])).toEqual([]);
  });

  it('is not reported when it was released inside the window and the license expired since', () => {
    const expired = license({
      status: 'EXPIRED',
      appliedStatus: 'EXPIRED',
      validUntil: '2026-04-01T00:00:00.000Z',
    });
    expect(i1Of([expired], [shipment('SHIPPED', '2026-03-15T00:00:00.000Z')])).toEqual([]);
  });

  it('is judged under a license item that does not parse (a rejected status typo) too', () => {
    const typo = { ...license(), status: 'expired', statusError: 'expired is not a status' };
    expect(i1Of([typo], [shipment('SHIPPED')])).toHaveLength(1);
  });
});
