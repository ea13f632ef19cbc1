/**
 * planReconcile on items that do not parse: the drift on them is exactly what
 * --fix is for, so it reads them leniently rather than leaving them to a person.
 * - An Inventory counter driven below 0 (someone lowered `held` by hand and
 *   the system's ADD of the next release took it under 0; inventoryUpdate has
 *   no floor): only `sku` and `warehouseId` must be strings, the counters are
 *   read as they are, and the write stays conditional on them as read.
 * - A license left with a rejected status typo (`status: 'expired'`,
 *   statusError set: a settled state, not work in flight): `licenseId`,
 *   `releasedQuantity` and `releasedValue` are read from the item; the limit
 *   warning is given when its terms parse.
 */
import { describe, expect, it } from 'vitest';
import { planReconcile } from '../../../cli/reconcile-plan.js';
import { checkInvariants } from '../../../shared/domain/invariants.js';
import type { Shipment } from '../../../shared/domain/model.js';
import { holdOrderKey } from '../../../shared/domain/planning.js';
import type { RawItem } from '../../../shared/domain/ports.js';
import { GSI_ATTR } from '../../../shared/names.js';
import { aLicense, anInventory, aShipment } from '../../helpers/factories.js';

/** A shipment counted as its status, in hold order as the system keys it. */
const asCounted = (s: Shipment): RawItem => ({
  ...s,
  countedStatus: s.status,
  [GSI_ATTR.holdOrder]: holdOrderKey(s),
});

type Items = { licenses: RawItem[]; shipments: RawItem[]; inventory: RawItem[] };
const plan = (items: Items) => planReconcile(items, checkInvariants(items));

/** One license drawing one RELEASED shipment of 10 units, and `inventory` as the only item. */
function withInventory(inventory: RawItem): Items {
  return {
    licenses: [{ ...aLicense({ appliedStatus: 'APPROVED', releasedQuantity: 10 }) }],
    shipments: [asCounted(aShipment({ status: 'RELEASED', quantity: 10 }))],
    inventory: [inventory],
  };
}

/** A license left with a rejected status typo, drawn by one SHIPPED shipment of 10 units. */
function withTypo(license: Record<string, unknown>): Items {
  return {
    licenses: [
      {
        ...aLicense({ licenseId: 'LIC-TYPO', appliedStatus: 'EXPIRED', releasedQuantity: 55 }),
        status: 'expired',
        statusError: 'status "expired" is not a license status',
        ...license,
      },
    ],
    shipments: [
      {
        ...aShipment({ licenseId: 'LIC-TYPO', status: 'SHIPPED', quantity: 10 }),
        countedStatus: 'SHIPPED',
      },
    ],
    inventory: [{ ...anInventory({ shipped: 10 }) }],
  };
}

describe('planReconcile: an Inventory item that does not parse', () => {
  it('sets a negative counter back to the recomputed sum, conditional on the values read', () => {
    // held was set to 0 by hand while a HELD shipment of 10 was counted; its release then added -10.
    const p = plan(withInventory({ ...anInventory({ released: 10 }), held: -10, counterRevision: 4 }));
    expect(p.fixes).toEqual([
      {
        kind: 'inventory',
        sku: 'H20',
        warehouseId: 'WH-AMS-1',
        read: { held: -10, released: 10, shipped: 0 },
        set: { held: 0, released: 10, shipped: 0 },
        revision: 4,
      },
    ]);
    // The fix leaves the item valid and without drift: nothing for a person.
    expect(p.manual).toEqual([]);
  });

  it('fixes the counters of an item invalid in something else too, and still lists it for a person', () => {
    const { onHand: _, ...inventory } = anInventory({ held: 3, released: 10 });
    const p = plan(withInventory(inventory));
    expect(p.fixes).toEqual([
      expect.objectContaining({ kind: 'inventory', set: { held: 0, released: 10, shipped: 0 } }),
    ]);
    expect(p.manual).toContainEqual(
      expect.objectContaining({ invariant: 'I3', message: expect.stringMatching(/invalid.*onHand/) }),
    );
  });

  it('leaves an item whose counter is not a number to a person', () => {
    const p = plan(withInventory({ ...anInventory({ released: 10 }), held: 'ten' }));
    expect(p.fixes).toEqual([]);
    expect(p.manual).toContainEqual(expect.objectContaining({ invariant: 'I3' }));
  });

  it('skips an item without a string sku or warehouseId', () => {
    const p = plan(withInventory({ ...anInventory({ held: 5, released: 10 }), warehouseId: 7 }));
    expect(p.fixes.filter((f) => f.kind === 'inventory')).toEqual([]);
  });
});

describe('planReconcile: a license left with a rejected status typo', () => {
  it("sets its releasedQuantity to its shipments' draw, and is not work in flight", () => {
    const p = plan(withTypo({ counterRevision: 2 }));
    expect(p.busy).toEqual([]);
    expect(p.fixes).toEqual([
      {
        kind: 'license',
        licenseId: 'LIC-TYPO',
        read: { releasedQuantity: 55, releasedValue: 0 },
        set: { releasedQuantity: 10, releasedValue: 0 },
        revision: 2,
      },
    ]);
  });

  it('warns of an over-release when its terms parse', () => {
    const p = plan(withTypo({ authorizedQuantity: 5 }));
    expect(p.fixes).toEqual([
      expect.objectContaining({
        licenseId: 'LIC-TYPO',
        warning: expect.stringMatching(/hold 10 units, more than the 5 authorized/),
      }),
    ]);
  });

  it('fixes without a warning when its terms do not parse', () => {
    const p = plan(withTypo({ authorizedQuantity: 'five' }));
    expect(p.fixes).toEqual([
      expect.objectContaining({ licenseId: 'LIC-TYPO', set: { releasedQuantity: 10, releasedValue: 0 } }),
    ]);
    expect(p.fixes[0]).not.toHaveProperty('warning');
  });

  it('leaves a license whose releasedQuantity is not a number to a person', () => {
    expect(plan(withTypo({ releasedQuantity: '55' })).fixes).toEqual([]);
  });
});
