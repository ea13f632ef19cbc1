/**
 * The reconcile line for a three-field stamp left unsealed names every reason
 * it can be left for, the index key (the license the system counts the
 * shipment under) among them: a licenseId edited to a renewal of the same
 * customer and sku is left for that one.
 */
import { describe, expect, it } from 'vitest';
import { unsealedStampSection, unsealedStampsOf } from '../../../cli/reconcile-stamps.js';
import { countedAsOf } from '../../../shared/domain/counters.js';
import { givenLicense, settleShipments } from '../../helpers/fakes/engine-kit.js';
import { memoryWorld } from '../../helpers/fakes/world.js';

describe('reconcile: three-field stamp left unsealed', () => {
  it('names the index key among the reasons when customer and sku match and only the index key names another license', async () => {
    const w = memoryWorld();
    const first = givenLicense(w, { customerId: 'CUST-A', authorizedQuantity: 100 });
    const renewal = givenLicense(w, {
      customerId: 'CUST-A',
      sku: first.license.sku,
      authorizedQuantity: 100,
    });
    const s = first.shipment({ quantity: 30, priority: 1 });
    w.console.put('shipments', s);
    await settleShipments(w);
    const { quantity, sku, warehouseId } = countedAsOf(s);
    w.store.seed('shipments', { ...w.shipment(s.shipmentId), countedAs: { quantity, sku, warehouseId } });
    // licenseId moved to the renewal (same customer, same sku); its batch waits in the DLQ.
    w.console.edit('shipments', s.shipmentId, 'licenseId', renewal.licenseId);

    const found = unsealedStampsOf(w.items('shipments'), w.items('licenses'));
    expect(found.left).toEqual([s.shipmentId]);
    const text = unsealedStampSection(found.fixes, found.left).join('\n');
    // The renewal has the item's customer and sku: the stated reason is false.
    expect(text).not.toMatch(/customer \(or sku\) differs/);
  });
});
