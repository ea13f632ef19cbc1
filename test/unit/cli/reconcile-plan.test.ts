import { describe, expect, it } from 'vitest';
import { describeFix, findBusy, planReconcile } from '../../../cli/reconcile-plan.js';
import { checkInvariants } from '../../../shared/domain/invariants.js';
import type { RawItem } from '../../../shared/domain/ports.js';
import { aLicense, anInventory, aShipment } from '../../helpers/factories.js';

/** A settled store: one APPROVED license, one HELD, one RELEASED and one SHIPPED shipment, matching counters. */
function store() {
  const license: RawItem = { ...aLicense({ appliedStatus: 'APPROVED', releasedQuantity: 15 }) };
  const shipments: RawItem[] = [
    { ...aShipment({ status: 'HELD', quantity: 7 }), countedStatus: 'HELD' },
    { ...aShipment({ status: 'RELEASED', quantity: 10 }), countedStatus: 'RELEASED' },
    { ...aShipment({ status: 'SHIPPED', quantity: 5 }), countedStatus: 'SHIPPED' },
  ];
  const inventory: RawItem = { ...anInventory({ held: 7, released: 10, shipped: 5 }) };
  return { licenses: [license], shipments, inventory: [inventory] };
}

const plan = (items: ReturnType<typeof store>) => planReconcile(items, checkInvariants(items));

describe('planReconcile', () => {
  it('plans nothing for a store without drift', () => {
    const items = store();
    expect(checkInvariants(items).violations).toEqual([]);
    expect(plan(items)).toEqual({ fixes: [], manual: [], busy: [] });
  });

  it('sets Inventory counters to the recomputed sums, conditional on all three values read', () => {
    const items = store();
    items.inventory = [{ sku: 'H20', warehouseId: 'WH-AMS-1', onHand: 900_000, held: 9, shipped: 5 }];
    expect(plan(items).fixes).toEqual([
      {
        kind: 'inventory',
        sku: 'H20',
        warehouseId: 'WH-AMS-1',
        read: { held: 9, released: undefined, shipped: 5 },
        set: { held: 7, released: 10, shipped: 5 },
      },
    ]);
  });

  it('zeroes the counters of an Inventory item no counted shipment belongs to', () => {
    const items = store();
    items.inventory.push({ ...anInventory({ warehouseId: 'WH-SIN-2', held: 3 }) });
    const fixes = plan(items).fixes;
    expect(fixes).toHaveLength(1);
    expect(fixes[0]).toMatchObject({ warehouseId: 'WH-SIN-2', set: { held: 0, released: 0, shipped: 0 } });
  });

  it("sets a license's releasedQuantity to its RELEASED and SHIPPED units", () => {
    const items = store();
    items.licenses = [{ ...aLicense({ appliedStatus: 'APPROVED', releasedQuantity: 40 }) }];
    expect(plan(items).fixes).toEqual([
      {
        kind: 'license',
        licenseId: 'LIC-H20-0001',
        read: { releasedQuantity: 40, releasedValue: 0 },
        set: { releasedQuantity: 15, releasedValue: 0 },
      },
    ]);
  });

  it('expects releasedQuantity to be absent when it was not stored', () => {
    const items = store();
    const { releasedQuantity: _, ...license } = aLicense({ appliedStatus: 'APPROVED' });
    items.licenses = [license];
    expect(plan(items).fixes[0]).toMatchObject({
      read: { releasedQuantity: undefined },
      set: { releasedQuantity: 15 },
    });
  });

  it('warns when the recomputed units exceed what the license authorizes', () => {
    const items = store();
    items.licenses = [
      { ...aLicense({ appliedStatus: 'APPROVED', releasedQuantity: 0, authorizedQuantity: 12 }) },
    ];
    const [fix] = plan(items).fixes;
    expect(fix?.kind === 'license' && fix.warning).toMatch(/more than the 12 authorized/);
    expect(fix && describeFix(fix)).toMatch(/^License LIC-H20-0001: releasedQuantity 0 → 15 \(WARNING/);
  });

  it('leaves violations no counter write repairs to a person', () => {
    const items = store();
    items.licenses = [
      { ...aLicense({ appliedStatus: 'SUSPENDED', status: 'SUSPENDED', releasedQuantity: 15 }) },
    ];
    items.shipments.push({
      ...aShipment({ sku: 'B200', warehouseId: 'WH-X', status: 'HELD' }),
      countedStatus: 'HELD',
    });
    const p = plan(items);
    expect(p.fixes).toEqual([]);
    expect(p.manual.map((v) => v.invariant).sort()).toEqual(['I1', 'I3']);
    expect(p.manual.find((v) => v.invariant === 'I3')?.message).toMatch(/no Inventory item/);
  });

  it('describes inventory fixes by the counters that change', () => {
    expect(
      describeFix({
        kind: 'inventory',
        sku: 'H20',
        warehouseId: 'WH-1',
        read: { held: 9, released: undefined, shipped: 5 },
        set: { held: 7, released: 10, shipped: 5 },
      }),
    ).toBe('Inventory H20 @ WH-1: held 9 → 7, released absent → 10');
  });
});

describe('findBusy', () => {
  it('reports licenses with work in progress or an unapplied status', () => {
    const busy = findBusy({
      licenses: [
        { licenseId: 'L1', status: 'APPROVED', appliedStatus: 'APPROVED', pendingWork: 't' },
        { licenseId: 'L2', status: 'SUSPENDED', appliedStatus: 'APPROVED' },
        { licenseId: 'L3', status: 'APPRVD', appliedStatus: 'PENDING', statusError: 'rejected' },
        { licenseId: 'L4', status: 'APPROVED', appliedStatus: 'APPROVED' },
      ],
      shipments: [],
    });
    expect(busy).toEqual(['2 licenses have work in progress: L1, L2']);
  });

  it('reports shipments not yet counted, but not rejected ones', () => {
    const busy = findBusy({
      licenses: [],
      shipments: [
        { shipmentId: 'S1', status: 'HELD' },
        { shipmentId: 'S2', status: 'SHIPPED', countedStatus: 'RELEASED' },
        { shipmentId: 'S3', status: 'HELD', statusError: 'no Inventory item' },
        { shipmentId: 'S4', status: 'HELD', countedStatus: 'HELD' },
      ],
    });
    expect(busy).toEqual(['2 shipments have an edit the system has not counted yet: S1, S2']);
  });
});
