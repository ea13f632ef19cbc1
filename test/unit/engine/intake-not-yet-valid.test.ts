/**
 * The intake asks for a release pass only when the license could release
 * something as read: under an APPROVED license approved ahead of its
 * validFrom, every new shipment is held as LICENSE_NOT_YET_VALID and nothing
 * can be released until the clock wakes the license at validFrom, so a pass
 * would read the whole held backlog to write nothing (and, before validFrom, a
 * read-only pass cannot hand over at its deadline: release-pipeline.ts, "Not
 * before validFrom"). ARCHITECTURE.md, "New shipments under an approved
 * license".
 */
import { describe, expect, it } from 'vitest';
import { NOW } from '../../helpers/factories.js';
import { apply, givenLicense, setStatus, shipmentEvents } from '../../helpers/fakes/engine-kit.js';
import { memoryWorld } from '../../helpers/fakes/world.js';

describe('a new shipment under an APPROVED license that is not yet valid', () => {
  it('asks for no release pass (nothing can be released before validFrom; the clock wakes the license then)', async () => {
    const w = memoryWorld();
    const lut = givenLicense(w, {
      authorizedQuantity: 100,
      validFrom: new Date(NOW.getTime() + 10 * 86_400_000).toISOString(),
    });
    w.seed.accepted([lut.shipment({ priority: 1, quantity: 10 })]);
    await setStatus(w, lut.licenseId, 'APPROVED');
    await shipmentEvents(w);
    await apply(w, lut.licenseId);
    expect(w.license(lut.licenseId).pendingWork).toBeUndefined();
    expect(w.license(lut.licenseId).waitingForValidFrom).toBeDefined();

    const s = lut.shipment({ priority: 5_000, quantity: 10 });
    w.console.put('shipments', s);
    await shipmentEvents(w);
    expect(w.shipment(s.shipmentId).holdReason).toBe('LICENSE_NOT_YET_VALID');
    // Nothing can be released before validFrom: no pass over the whole backlog.
    expect(w.license(lut.licenseId).pendingWork).toBeUndefined();
  });
});
