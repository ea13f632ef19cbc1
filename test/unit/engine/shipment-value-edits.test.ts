/**
 * A HELD shipment's `value` set or corrected in the console: its APPROVED
 * license looks again (docs/data-contract.md, "Shipments"), also when a
 * write of the system to the same shipment follows the edit in the batch.
 */
import { describe, expect, it } from 'vitest';
import { apply, expectInvariants, givenLicense, settleShipments } from '../../helpers/fakes/engine-kit.js';
import { memoryWorld } from '../../helpers/fakes/world.js';

describe('a value set while the shipment is HELD', () => {
  it('releases a shipment whose value was set while the approval pass relabelled it SHIPMENT_VALUE_MISSING', async () => {
    const w = memoryWorld();
    const lut = givenLicense(w, { authorizedQuantity: 100, authorizedValue: 10_000 });
    const s = lut.shipment({ quantity: 30, priority: 1 });
    w.console.put('shipments', s);
    await settleShipments(w);
    expect(w.shipment(s.shipmentId).holdReason).toBe('LICENSE_PENDING');

    // The pass reads the shipment without value; the admin sets one before the relabel commits.
    w.console.edit('licenses', lut.licenseId, 'status', 'APPROVED');
    w.faults.beforeNext('shipments.commit', () => w.console.edit('shipments', s.shipmentId, 'value', 500));
    await apply(w, lut.licenseId);
    expect(w.shipment(s.shipmentId)).toMatchObject({ holdReason: 'SHIPMENT_VALUE_MISSING', value: 500 });

    await settleShipments(w);
    expect(w.license(lut.licenseId).pendingWork, 'the license is asked to look again').toEqual(
      expect.any(String),
    );
    await apply(w, lut.licenseId);
    await settleShipments(w);
    expect(w.shipment(s.shipmentId)).toMatchObject({ status: 'RELEASED', countedValue: 500 });
    expect(w.license(lut.licenseId)).toMatchObject({ releasedQuantity: 30, releasedValue: 500 });
    expectInvariants(w);
  });
});
