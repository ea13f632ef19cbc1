/**
 * A counted shipment put back after a deletion with a find-and-replaced stamp
 * is answered by a HIGH SEVERITY alert (shipment-put-back.ts; the
 * HeldToShippedRejected alarm). When the put-back item itself carries a
 * status edit (CANCELLED, in one PutItem), the status rejection answers the
 * record and the put-back's alert is sent too.
 */
import { describe, expect, it } from 'vitest';
import type { RawItem } from '../../../shared/domain/ports.js';
import { givenLicense, setStatus, settleShipments } from '../../helpers/fakes/engine-kit.js';
import { memoryWorld } from '../../helpers/fakes/world.js';

describe('a RELEASED shipment put back with an edited stamp and status CANCELLED in the same item', () => {
  it("sends the HIGH SEVERITY put-back alert beside the status edit's rejection", async () => {
    const w = memoryWorld();
    const lut = givenLicense(w, { authorizedQuantity: 100 });
    const id = `${lut.licenseId}-B`;
    w.seed.accepted([lut.shipment({ shipmentId: id, quantity: 10, warehouseId: 'WH-2' })]);
    await setStatus(w, lut.licenseId, 'APPROVED');
    await settleShipments(w);
    const item = w.shipment(id);
    expect(item.countedStatus).toBe('RELEASED');
    w.console.remove('shipments', id);
    await settleShipments(w);
    const deletedAlerts = w.alerter.about(id).length;
    w.console.put('shipments', {
      ...item,
      status: 'CANCELLED',
      customerId: 'CUST-OTHER',
      countedAs: { ...(item.countedAs as RawItem), customerId: 'CUST-OTHER' },
    });
    await settleShipments(w);
    const after = w.alerter.about(id).slice(deletedAlerts);
    expect(w.shipment(id).countedStatus).toBe('RELEASED');
    expect(
      after.map((a) => `${a.severity}: ${a.subject}`),
      'a HIGH SEVERITY alert for the broken put-back',
    ).toContainEqual(expect.stringMatching(/^high: /));
  });
});
