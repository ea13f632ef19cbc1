/**
 * The checker judges a RELEASED shipment, as a SHIPPED one, under the license
 * in force (its applied terms; an item a rejected edit left unreadable as the
 * clock reads it): an amendment typed beside an invalid attribute (rejected,
 * statusError, not applied) does not make `clearance reconcile` report the
 * goods released inside the applied window as "RELEASED under license …,
 * which does not exist".
 */
import { describe, expect, it } from 'vitest';
import { apply, givenLicense, setStatus, settleSystem } from '../../helpers/fakes/engine-kit.js';
import { memoryWorld } from '../../helpers/fakes/world.js';

describe('I1 on a RELEASED shipment under a license whose typed validFrom was not applied', () => {
  it('does not report the license the shipment was released under as not existing', async () => {
    const w = memoryWorld();
    const lut = givenLicense(w, { authorizedQuantity: 10, validFrom: '2020-01-01T00:00:00.000Z' });
    const s = lut.shipment({ quantity: 5 });
    w.seed.accepted([s]);
    await setStatus(w, lut.licenseId, 'APPROVED');
    await settleSystem(w, lut.licenseId);
    expect(w.shipment(s.shipmentId).countedStatus).toBe('RELEASED');

    // The same console save as test/unit/domain/invariants-shipped-window-applied.test.ts.
    const later = new Date(
      Date.parse(String(w.shipment(s.shipmentId).releasedAt)) + 86_400_000,
    ).toISOString();
    w.console.edit('licenses', lut.licenseId, 'validFrom', later);
    w.console.edit('licenses', lut.licenseId, 'licenseNumber', '');
    await apply(w, lut.licenseId);
    expect(w.license(lut.licenseId).statusError).toBeDefined();
    expect(w.license(lut.licenseId).appliedStatus).toBe('APPROVED');

    const i1 = w.violations({}).filter((v) => v.invariant === 'I1' && v.key.shipmentId === s.shipmentId);
    expect(i1.map((v) => v.message)).toEqual([]);
  });
});
