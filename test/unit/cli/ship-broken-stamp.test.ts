/**
 * `clearance shipment ship` on a shipment put back with an edited countedAs
 * stamp (its seal is not its fields') is refused, with the reason
 * shipment-events would reject it for (docs/OPERATIONS.md "A shipment put
 * back with an edited stamp"), as the CLI refuses other edits the system
 * would set back (planShipmentAction).
 */
import { describe, expect, it } from 'vitest';
import { planShipmentAction } from '../../../cli/transitions.js';
import type { RawItem } from '../../../shared/domain/ports.js';
import { judgeStatusEdit } from '../../../shared/engine/shipment-put-back.js';
import { givenLicense, settleSystem } from '../../helpers/fakes/engine-kit.js';
import { memoryWorld } from '../../helpers/fakes/world.js';

describe('clearance shipment ship on a put-back with an edited stamp', () => {
  it('refuses the SHIPPED write that the system would reject as HIGH SEVERITY', async () => {
    const w = memoryWorld();
    const lic = givenLicense(w, { customerId: 'CUST-A', status: 'APPROVED', appliedStatus: 'APPROVED' });
    const s = lic.shipment({ quantity: 5, priority: 1 });
    w.console.put('shipments', s);
    await settleSystem(w, lic.licenseId);
    const item = w.shipment(s.shipmentId);
    expect(item.countedStatus).toBe('RELEASED');
    // A find and replace over the JSON it was put back from: CUST-A by CUST-B, stamp too (seal kept).
    const stamp = item.countedAs as RawItem;
    expect(stamp.seal, 'the system sealed it').toBeDefined();
    const edited: RawItem & { shipmentId: string } = {
      ...item,
      shipmentId: s.shipmentId,
      customerId: 'CUST-B',
      countedAs: { ...stamp, customerId: 'CUST-B' },
    };
    // What shipment-events does with the SHIPPED edit: rejected, high severity.
    const verdict = judgeStatusEdit(s.shipmentId, { ...edited, status: 'SHIPPED' }, 'RELEASED');
    expect(verdict).toMatchObject({ kind: 'illegal', severity: 'high' });

    const plan = planShipmentAction('ship', edited);
    expect(plan).toMatchObject({
      kind: 'refuse',
      reason: expect.stringContaining('put back with an edited stamp'),
    });
  });
});
