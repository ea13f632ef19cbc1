/**
 * Inventory items the invariant check and reconcile cannot take as they are.
 * DESIGN §3: `onHand` is units physically in the warehouse, and the system
 * lowers it when a shipment becomes SHIPPED (docs/data-contract.md,
 * "Inventory"); nothing gates a release or a SHIPPED edit on stock, so the
 * system itself can take it below 0. I3: the counters equal the sums
 * recomputed from Shipments, and counted shipments have an item.
 */
import { describe, expect, it } from 'vitest';
import { planReconcile } from '../../../cli/reconcile-plan.js';
import { checkInvariants } from '../../../shared/domain/invariants.js';
import type { RawItem } from '../../../shared/domain/ports.js';
import { anInventory, aShipment } from '../../helpers/factories.js';
import { apply, givenLicense, settleShipments, shipmentEvents } from '../../helpers/fakes/engine-kit.js';
import { memoryWorld } from '../../helpers/fakes/world.js';

const MISSING = 'shipments are counted here but there is no Inventory item';

describe('an Inventory item whose onHand a SHIPPED edit took below zero', () => {
  it('is reported for its onHand alone, with its counters checked, and never as missing', async () => {
    const w = memoryWorld();
    const lut = givenLicense(w, { status: 'APPROVED', appliedStatus: 'APPROVED', authorizedQuantity: 100 });
    const sku = lut.license.sku;
    // The stock count typed before a receipt was entered: 5 on hand.
    w.seed.inventory(anInventory({ sku, warehouseId: 'WH-3', onHand: 5 }));
    const s = lut.shipment({ warehouseId: 'WH-3', quantity: 10 });
    w.console.put('shipments', s);
    await shipmentEvents(w);
    await apply(w, lut.licenseId);
    await settleShipments(w);
    w.console.edit('shipments', s.shipmentId, 'status', 'SHIPPED');
    await settleShipments(w);
    // The system's own SHIPPED write took onHand to -5; held/released/shipped equal the sums.
    expect(w.counters(sku, 'WH-3')).toMatchObject({ onHand: -5, held: 0, released: 0, shipped: 10 });

    const items = {
      licenses: w.items('licenses'),
      shipments: w.items('shipments'),
      inventory: w.items('inventory'),
    };
    const check = checkInvariants(items);
    const plan = planReconcile(items, check);
    const aboutWh3 = plan.manual.filter((v) => v.key.warehouseId === 'WH-3').map((v) => v.message);
    expect(aboutWh3).toEqual([
      expect.stringMatching(
        /^onHand is -5, below 0: more units were marked SHIPPED here than were stocked.*ADD onHand/,
      ),
    ]);
    expect(plan.fixes).toEqual([]);
  });
});

describe('the check of an Inventory item that does not parse', () => {
  const counted = [
    { ...aShipment({ status: 'SHIPPED', quantity: 10 }), countedStatus: 'SHIPPED', revision: 1 },
  ];
  /** The Inventory findings (the shipment's license is left out: it is not what these cases are about). */
  const check = (inventory: RawItem) =>
    checkInvariants({ licenses: [], shipments: counted, inventory: [inventory] })
      .violations.filter((v) => v.invariant === 'I3')
      .map((v) => v.message);

  it.each<[string, RawItem, RegExp]>([
    ['onHand typed as a String', { ...anInventory({ shipped: 10 }), onHand: '900' }, /onHand/],
    ['no onHand', { ...anInventory({ shipped: 10 }), onHand: undefined }, /onHand is missing/],
    ['a negative counter', { ...anInventory({ shipped: 10 }), held: -1 }, /held must not be negative/],
    [
      'a negative onHand and a fractional counter',
      { ...anInventory({ shipped: 10 }), onHand: -1, held: 0.5 },
      /onHand.*held/,
    ],
  ])('reports %s as invalid, and never as missing', (_name, inventory, problem) => {
    const messages = check(inventory);
    expect(messages).toEqual([expect.stringMatching(/^Inventory item is invalid: /)]);
    expect(messages[0]).toMatch(problem);
    expect(messages).not.toContain(MISSING);
  });

  it('reports a negative onHand on its own and the counters that differ from the sums', () => {
    expect(check(anInventory({ onHand: -3, shipped: 9 }))).toEqual([
      expect.stringMatching(/^onHand is -3, below 0/),
      'shipped is 9 but shipments sum to 10',
    ]);
  });
});
