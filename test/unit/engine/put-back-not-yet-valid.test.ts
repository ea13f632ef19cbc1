/**
 * A RELEASED shipment put back after a deletion asks its license for a pass,
 * whatever the license's status: an APPROVED license can have done work the
 * deleted shipment missed (an amendment that moved validFrom later re-held
 * every RELEASED shipment as LICENSE_NOT_YET_VALID, and its pass could not see
 * the deleted one). docs/OPERATIONS.md ("A deleted shipment", step 4).
 */
import { describe, expect, it } from 'vitest';
import type { RawItem } from '../../../shared/domain/ports.js';
import { NOW } from '../../helpers/factories.js';
import { givenLicense, setStatus, settleShipments, settleSystem } from '../../helpers/fakes/engine-kit.js';
import { memoryWorld } from '../../helpers/fakes/world.js';

describe('a RELEASED shipment deleted, its APPROVED license amended to a later validFrom, then put back', () => {
  it('is re-held before validFrom, as its sibling was (LICENSE_NOT_YET_VALID), not left RELEASED (I1)', async () => {
    const w = memoryWorld();
    const lut = givenLicense(w, { authorizedQuantity: 100 });
    const s = lut.shipment({ quantity: 30, priority: 1 });
    const t = lut.shipment({ quantity: 30, priority: 2 });
    w.console.put('shipments', s);
    w.console.put('shipments', t);
    await settleShipments(w);
    await setStatus(w, lut.licenseId, 'APPROVED');
    await settleShipments(w);
    expect(w.shipment(s.shipmentId).countedStatus).toBe('RELEASED');
    const backup: RawItem = structuredClone(w.shipment(s.shipmentId)); // the PITR copy

    w.console.remove('shipments', s.shipmentId);
    await settleShipments(w);
    // Compliance moves the window later; the amendment's pass re-holds what it can see.
    w.console.edit(
      'licenses',
      lut.licenseId,
      'validFrom',
      new Date(NOW.getTime() + 2 * 86_400_000).toISOString(),
    );
    await settleSystem(w, lut.licenseId);
    expect(w.shipment(t.shipmentId)).toMatchObject({
      countedStatus: 'HELD',
      holdReason: 'LICENSE_NOT_YET_VALID',
    });

    w.console.put('shipments', backup); // docs/OPERATIONS.md, "A deleted shipment", step 4
    await settleSystem(w, lut.licenseId);

    expect(w.shipment(s.shipmentId)).toMatchObject({
      countedStatus: 'HELD',
      holdReason: 'LICENSE_NOT_YET_VALID',
    });
  });
});
