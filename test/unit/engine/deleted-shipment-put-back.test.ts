/**
 * A RELEASED shipment deleted in the console is not announced (no stream
 * record with a revision), so the warehouse system keeps it as RELEASED. The
 * alert and docs/OPERATIONS.md ("A deleted shipment") say to put it back
 * exactly as it was from point-in-time recovery, which takes hours. If its
 * license was suspended (revoked, expired) meanwhile, the suspension's pass
 * could not see it; once it is back, its license is asked for a pass, as for
 * a restored edit: it is re-held under the SUSPENDED license and the
 * warehouse is told to stop picking it (SHIPMENT_REHELD), not left RELEASED
 * (I1).
 */
import { describe, expect, it } from 'vitest';
import type { RawItem } from '../../../shared/domain/ports.js';
import { apply, givenLicense, setStatus, settleShipments } from '../../helpers/fakes/engine-kit.js';
import { memoryWorld } from '../../helpers/fakes/world.js';

describe('a RELEASED shipment deleted, its license suspended, then the item put back as the alert says', () => {
  it('is re-held under the SUSPENDED license and the warehouse is told to stop (SHIPMENT_REHELD)', async () => {
    const w = memoryWorld();
    const lut = givenLicense(w, { authorizedQuantity: 100 });
    const s = lut.shipment({ quantity: 30, priority: 1 });
    w.console.put('shipments', s);
    await settleShipments(w);
    await setStatus(w, lut.licenseId, 'APPROVED');
    await settleShipments(w);
    const backup: RawItem = structuredClone(w.shipment(s.shipmentId)); // the PITR copy: RELEASED, revision 2

    w.console.remove('shipments', s.shipmentId);
    await settleShipments(w);
    await setStatus(w, lut.licenseId, 'SUSPENDED');
    await settleShipments(w);
    w.console.put('shipments', backup); // docs/OPERATIONS.md, "A deleted shipment", step 4
    await settleShipments(w);
    expect(w.license(lut.licenseId).pendingWork, 'the put-back asked its license for a pass').toBeDefined();
    await apply(w, lut.licenseId);
    await settleShipments(w);

    const last = w.publisher
      .to('logistics', 'shipment')
      .filter((m) => m.attributes.dedupKey?.startsWith(`${s.shipmentId}#`))
      .map((m) => JSON.parse(m.body))
      .sort((a, b) => a.revision - b.revision)
      .at(-1);
    expect(w.shipment(s.shipmentId)).toMatchObject({
      countedStatus: 'HELD',
      holdReason: 'LICENSE_SUSPENDED',
    });
    expect(last).toMatchObject({
      eventType: 'SHIPMENT_REHELD',
      status: 'HELD',
      holdReason: 'LICENSE_SUSPENDED',
    });
    expect(w.violations()).toEqual([]);
  });
});
