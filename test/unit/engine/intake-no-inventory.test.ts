/**
 * A new shipment whose (sku, warehouse) has no Inventory item is rejected and
 * not counted. Creating the item writes nothing to the Shipments stream, so
 * the shipment is taken in only on its next edit; the statusError says so.
 */
import { describe, expect, it } from 'vitest';
import { anInventory } from '../../helpers/factories.js';
import { givenLicense, shipmentEvents } from '../../helpers/fakes/engine-kit.js';
import { memoryWorld } from '../../helpers/fakes/world.js';

describe('a shipment rejected for a missing Inventory item', () => {
  it('says it is taken in only on its next edit, and is taken in once the item exists and it is edited', async () => {
    const w = memoryWorld();
    const lut = givenLicense(w);
    const s = lut.shipment({ warehouseId: 'WH-NEW' });
    w.console.put('shipments', s);
    expect(await shipmentEvents(w)).toMatchObject({ accepted: 0, rejected: 1 });
    expect(w.shipment(s.shipmentId).statusError).toBe(
      `Rejected: there is no Inventory item for sku ${lut.license.sku} at warehouse WH-NEW; correct sku/warehouseId, ` +
        'or create the item (with onHand) and then edit this shipment (removing its statusError will do): ' +
        'it is taken in only on its next edit. The shipment is not counted or released until this is fixed.',
    );

    w.console.put('inventory', anInventory({ sku: lut.license.sku, warehouseId: 'WH-NEW', onHand: 50 }));
    expect(await shipmentEvents(w)).toMatchObject({ accepted: 0 });
    expect(w.shipment(s.shipmentId).countedStatus).toBeUndefined();

    w.console.edit('shipments', s.shipmentId, 'statusError', undefined);
    expect(await shipmentEvents(w)).toMatchObject({ accepted: 1, rejected: 0 });
    expect(w.shipment(s.shipmentId)).toMatchObject({ countedStatus: 'HELD' });
    expect(w.shipment(s.shipmentId).statusError).toBeUndefined();
  });
});
