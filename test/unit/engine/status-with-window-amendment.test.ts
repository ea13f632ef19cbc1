/**
 * One console edit that changes `status` and moves `validFrom` later (both
 * typed before the system looked) records the window it moved, as an
 * amendment alone does (`validFromAmendedAt`, `validFromBefore`): what was
 * released and shipped under the earlier window is then judged under it (I1),
 * not reported as released before the new `validFrom`.
 */
import { describe, expect, it } from 'vitest';
import { apply, givenLicense, setStatus, settleShipments } from '../../helpers/fakes/engine-kit.js';
import { memoryWorld } from '../../helpers/fakes/world.js';

const DAY = 86_400_000;

describe('a status change typed with a later validFrom', () => {
  it('records the moved window, so a shipment shipped under the earlier one stays within I1', async () => {
    const w = memoryWorld();
    const validFrom = new Date(w.now().getTime() - DAY).toISOString();
    const lut = givenLicense(w, { validFrom });
    const s = lut.shipment({ priority: 1 });
    w.console.put('shipments', s);
    await settleShipments(w);
    await setStatus(w, lut.licenseId, 'APPROVED');
    await settleShipments(w);
    w.console.edit('shipments', s.shipmentId, 'status', 'SHIPPED');
    await settleShipments(w);

    const later = new Date(w.now().getTime() - 60_000).toISOString();
    w.console.edit('licenses', lut.licenseId, 'validFrom', later);
    w.console.edit('licenses', lut.licenseId, 'status', 'SUSPENDED');
    await apply(w, lut.licenseId);
    await settleShipments(w);

    expect(w.license(lut.licenseId)).toMatchObject({
      appliedStatus: 'SUSPENDED',
      validFrom: later,
      validFromBefore: validFrom,
    });
    expect(w.license(lut.licenseId).validFromAmendedAt).toBeDefined();
    expect(w.violations()).toEqual([]);
    expect(w.historyViolations().map((v) => v.message)).toEqual([]);
  });
});
