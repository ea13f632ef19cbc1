/**
 * DESIGN §4: "Approval, or a HELD shipment appearing under an APPROVED
 * license: release HELD shipments of that license". The intake asks for a
 * release pass whenever the license has room left, even for a new shipment
 * that does not fit it: the request is the catch-all for room freed by a path
 * that asked for no pass (or whose request was refused): a RELEASED shipment
 * cancelled while the license's status read SUSPENDED in the console (the
 * cancellation's requestRelease is conditional on status APPROVED), the
 * admin then setting it back to APPROVED before license-events ran (one
 * batch: status = appliedStatus, nothing to do). Units are free, a HELD
 * shipment fits them, and a new shipment appears under the APPROVED license:
 * its pass releases the one that fits. Only a license with no room at all
 * asks for none (test/unit/engine/exhausted-backlog-pass.test.ts).
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

describe('a new shipment under an APPROVED license with free units it does not fit', () => {
  it('releases a HELD shipment that fits the free units when a new one that does not fit appears', async () => {
    const w = memoryWorld();
    const lut = givenLicense(w, { authorizedQuantity: 10 });
    const r = lut.shipment({ priority: 1, quantity: 10 });
    const h = lut.shipment({ priority: 2, quantity: 5 });
    w.seed.accepted([r, h]);
    await setStatus(w, lut.licenseId, 'APPROVED');
    await settleSystem(w, lut.licenseId);
    expect(w.shipment(r.shipmentId).status).toBe('RELEASED');
    expect(w.shipment(h.shipmentId).holdReason).toBe('LICENSE_QUANTITY_EXHAUSTED');

    // The admin types SUSPENDED; before license-events runs, the customer cancels the RELEASED one...
    w.console.edit('licenses', lut.licenseId, 'status', 'SUSPENDED');
    w.console.edit('shipments', r.shipmentId, 'status', 'CANCELLED');
    await shipmentEvents(w);
    expect(w.license(lut.licenseId).releasedQuantity).toBe(0);
    // ...and the admin sets it back: license-events reads APPROVED = appliedStatus, nothing to do.
    w.console.edit('licenses', lut.licenseId, 'status', 'APPROVED');
    await apply(w, lut.licenseId);

    // 10 units free, H (5) fits. A new 20-unit shipment appears under the APPROVED license.
    const n = lut.shipment({ priority: 3, quantity: 20 });
    w.console.put('shipments', n);
    await shipmentEvents(w);
    await settleSystem(w, lut.licenseId);

    expect(w.shipment(n.shipmentId).holdReason).toBe('LICENSE_QUANTITY_EXHAUSTED');
    // DESIGN §4: the appearance releases the HELD shipments of the license that fit.
    expect(w.shipment(h.shipmentId).status).toBe('RELEASED');
  });
});
