/**
 * shipment-events leaves out the "placed on hold" digest of a new
 * LICENSE_PENDING shipment whose license's release pass tells it
 * (releasingLicenses). The intake asks for that pass only when `status` is
 * APPROVED as typed and as applied; after a rejected status typo (statusError,
 * status as typed, appliedStatus APPROVED) no pass is asked for, so the
 * "placed on hold" digest is what tells the customer.
 */
import { describe, expect, it } from 'vitest';
import { givenLicense, setStatus, settleSystem } from '../../helpers/fakes/engine-kit.js';
import { type MemoryWorld, memoryWorld } from '../../helpers/fakes/world.js';

const digestTypes = (w: MemoryWorld, topic: string) =>
  w.publisher.published
    .filter((m) => m.topic === topic && m.attributes.kind === 'digest')
    .map((m) => m.attributes.eventType);

describe('a new shipment under an APPROVED license whose status edit was rejected', () => {
  it('sends the customer the placed-on-hold digest of a shipment held under an APPROVED license with a rejected status typo', async () => {
    const w = memoryWorld();
    const lut = givenLicense(w, { authorizedQuantity: 100 });
    await setStatus(w, lut.licenseId, 'APPROVED');
    await settleSystem(w, lut.licenseId);
    // A typo in status: rejected (statusError), the license stays APPROVED as applied.
    await setStatus(w, lut.licenseId, 'APROVED');
    await settleSystem(w, lut.licenseId);
    expect(w.license(lut.licenseId)).toMatchObject({ appliedStatus: 'APPROVED' });
    expect(w.license(lut.licenseId).statusError).toBeDefined();
    w.publisher.published.length = 0;

    const s = lut.shipment({ quantity: 10 });
    w.console.put('shipments', s);
    await settleSystem(w, lut.licenseId);
    // Not released (no pass is asked for while status does not read APPROVED) ...
    expect(w.shipment(s.shipmentId)).toMatchObject({ status: 'HELD', holdReason: 'LICENSE_PENDING' });
    // ... so a digest must still tell the customer it is on hold.
    expect(digestTypes(w, 'customer')).toEqual(['SHIPMENT_HELD']);
  });
});
