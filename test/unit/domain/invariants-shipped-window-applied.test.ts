/**
 * I1 for a SHIPPED shipment released before validFrom judges the window in
 * force (`appliedTerms`), not `validFrom` as the item shows it. An amendment typed beside an invalid attribute is "an
 * amendment nobody judged": the item is only rejected (statusError) and keeps
 * the typed `validFrom` until the admin fixes it, while the license goes on
 * under its applied window: goods that shipped inside the window in force
 * are not reported (by `clearance reconcile`, scanAndCheck) as released
 * before the license was valid.
 */
import { describe, expect, it } from 'vitest';
import {
  apply,
  givenLicense,
  setStatus,
  settleSystem,
  shipmentEvents,
} from '../../helpers/fakes/engine-kit.js';
import { memoryWorld } from '../../helpers/fakes/world.js';

describe('I1 on a SHIPPED shipment under a license whose typed validFrom was not applied', () => {
  it('does not report goods released inside the applied window as released before the license was valid', async () => {
    const w = memoryWorld();
    const lut = givenLicense(w, { authorizedQuantity: 10, validFrom: '2020-01-01T00:00:00.000Z' });
    const s = lut.shipment({ quantity: 5 });
    w.seed.accepted([s]);
    await setStatus(w, lut.licenseId, 'APPROVED');
    await settleSystem(w, lut.licenseId);
    w.console.edit('shipments', s.shipmentId, 'status', 'SHIPPED');
    await shipmentEvents(w);
    expect(w.shipment(s.shipmentId).countedStatus).toBe('SHIPPED');

    // One console save: validFrom moved past the release, and licenseNumber emptied by mistake.
    const later = new Date(
      Date.parse(String(w.shipment(s.shipmentId).releasedAt)) + 86_400_000,
    ).toISOString();
    w.console.edit('licenses', lut.licenseId, 'validFrom', later);
    w.console.edit('licenses', lut.licenseId, 'licenseNumber', '');
    await apply(w, lut.licenseId);
    const item = w.license(lut.licenseId);
    expect(item.statusError).toBeDefined();
    // Not applied: the window in force is still the one the goods were released and shipped under.
    expect((item.appliedTerms as { validFrom: string }).validFrom).toBe('2020-01-01T00:00:00.000Z');

    const i1 = w.violations({}).filter((v) => v.invariant === 'I1' && v.key.shipmentId === s.shipmentId);
    expect(i1).toEqual([]);
  });
});
