/**
 * An Inventory item deleted by hand while shipments are counted on it. Every
 * counter write is an ADD conditional on the item existing, so the change
 * fails (DependencyError: the batch is retried, then goes to the DLQ) with
 * advice for the admin. DESIGN I5: the bad record reaches a DLQ or an admin
 * alert "with a reason a person can act on"; I3: counters equal the sums.
 */
import { describe, expect, it } from 'vitest';
import { planReconcile } from '../../../cli/reconcile-plan.js';
import { inventoryKey } from '../../../shared/domain/counters.js';
import { checkInvariants } from '../../../shared/domain/invariants.js';
import { processShipmentRecords, recordShipmentHistory } from '../../../shared/engine/shipment-engine.js';
import { apply, givenLicense, settleShipments } from '../../helpers/fakes/engine-kit.js';
import { type MemoryWorld, memoryWorld } from '../../helpers/fakes/world.js';

/** Two RELEASED shipments of one license, 5 units at WH-1 and 7 at WH-2 (both Inventory items exist). */
async function released(w: MemoryWorld) {
  const lut = givenLicense(w, { status: 'APPROVED', appliedStatus: 'APPROVED', authorizedQuantity: 100 });
  const a = lut.shipment({ warehouseId: 'WH-1', quantity: 5 });
  const b = lut.shipment({ warehouseId: 'WH-2', quantity: 7 });
  w.console.put('shipments', a);
  w.console.put('shipments', b);
  await settleShipments(w);
  await apply(w, lut.licenseId);
  await settleShipments(w);
  expect([w.shipment(a.shipmentId).status, w.shipment(b.shipmentId).status]).toEqual([
    'RELEASED',
    'RELEASED',
  ]);
  return { sku: lut.license.sku, a: a.shipmentId, b: b.shipmentId };
}

/** shipment-events on the records written since it last ran; the error it fails with, if any. */
async function failure(w: MemoryWorld, records = w.shipmentRecords()): Promise<string> {
  await recordShipmentHistory(w.shipmentDeps(), records);
  try {
    await processShipmentRecords(w.shipmentDeps(), records);
    return '';
  } catch (e) {
    return (e as Error).message;
  }
}

describe('an Inventory item deleted while shipments are counted on it', () => {
  it('fails the change naming only the missing item, the one the cancellation reasons point at', async () => {
    const w = memoryWorld();
    const { sku, a, b } = await released(w);
    w.console.remove('inventory', inventoryKey({ sku, warehouseId: 'WH-1' }));
    w.console.edit('shipments', a, 'status', 'SHIPPED');
    w.console.edit('shipments', b, 'status', 'SHIPPED');
    const message = await failure(w);
    expect(message).toMatch(new RegExp(`the Inventory item \\(${sku}, WH-1\\) is missing`));
    expect(message).not.toContain(`(${sku}, WH-2)`);
  });

  it('advises restoring or re-creating the item, then the redrive and reconcile --fix, which sets the counters right', async () => {
    const w = memoryWorld();
    const { sku, a } = await released(w);
    w.console.remove('inventory', inventoryKey({ sku, warehouseId: 'WH-1' }));
    w.console.edit('shipments', a, 'status', 'SHIPPED');
    const records = w.shipmentRecords();
    const message = await failure(w, records);
    expect(message).toMatch(/point-in-time recovery .*"A deleted Inventory item"/);
    expect(message).toMatch(/create it again with sku, warehouseId and onHand/);
    expect(message).toMatch(/`clearance dlq redrive`.*`clearance reconcile --fix`/);

    // The admin re-creates it with onHand only, then `clearance dlq redrive` replays the change:
    // the ADDs start from nothing, and released goes below 0.
    w.console.put('inventory', { sku, warehouseId: 'WH-1', onHand: 1000 });
    await processShipmentRecords(w.shipmentDeps(), records);
    expect(w.counters(sku, 'WH-1')).toMatchObject({ released: -5, shipped: 5 });
    // reconcile --fix then sets held, released and shipped to the sums.
    const items = {
      licenses: w.items('licenses'),
      shipments: w.items('shipments'),
      inventory: w.items('inventory'),
    };
    const plan = planReconcile(items, checkInvariants(items));
    expect(plan.fixes).toContainEqual(
      expect.objectContaining({
        kind: 'inventory',
        sku,
        warehouseId: 'WH-1',
        set: { held: 0, released: 0, shipped: 5 },
      }),
    );
    expect(plan.manual).toEqual([]);
  });
});
