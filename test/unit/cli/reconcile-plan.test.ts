import { describe, expect, it } from 'vitest';
import {
  describeFix,
  type Fix,
  findBusy,
  planReconcile,
  shippedOverLimitSection,
} from '../../../cli/reconcile-plan.js';
import { countedAsOf } from '../../../shared/domain/counters.js';
import { checkInvariants } from '../../../shared/domain/invariants.js';
import type { License, Shipment } from '../../../shared/domain/model.js';
import { holdOrderKey } from '../../../shared/domain/planning.js';
import type { RawItem } from '../../../shared/domain/ports.js';
import { termsOf } from '../../../shared/domain/terms.js';
import { GSI_ATTR } from '../../../shared/names.js';
import { aLicense, anInventory, aShipment } from '../../helpers/factories.js';

/** A shipment counted as its status, in hold order as the system keys it. */
const counted = (s: Shipment): RawItem => ({
  ...s,
  countedStatus: s.status,
  [GSI_ATTR.holdOrder]: holdOrderKey(s),
});

/** A settled store: one APPROVED license, one HELD, one RELEASED and one SHIPPED shipment, matching counters. */
function store() {
  const license: RawItem = { ...aLicense({ appliedStatus: 'APPROVED', releasedQuantity: 15 }) };
  const shipments: RawItem[] = [
    counted(aShipment({ status: 'HELD', quantity: 7 })),
    counted(aShipment({ status: 'RELEASED', quantity: 10 })),
    counted(aShipment({ status: 'SHIPPED', quantity: 5 })),
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
    items.shipments.push(counted(aShipment({ sku: 'B200', warehouseId: 'WH-X', status: 'HELD' })));
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
        revision: 3,
      }),
    ).toBe('Inventory H20 @ WH-1: held 9 → 7, released absent → 10');
  });
});

/**
 * The store with a SHIPPED shipment SHP-GONE (20 units, $4,000) deleted from the table: the license and
 * Inventory still count it, and History still has its entries (what clearance reconcile passes as `deleted`).
 */
function withDeleted(status: 'SHIPPED' | 'RELEASED' | 'HELD' | 'CANCELLED' = 'SHIPPED') {
  const items = store();
  const drawing = status === 'SHIPPED' || status === 'RELEASED';
  items.licenses = [
    {
      ...aLicense({
        appliedStatus: 'APPROVED',
        releasedQuantity: 15 + (drawing ? 20 : 0),
        releasedValue: drawing ? 4_000 : 0,
      }),
    },
  ];
  const counter = status === 'CANCELLED' ? undefined : (status.toLowerCase() as 'held');
  items.inventory = [
    {
      ...anInventory({ held: 7, released: 10, shipped: 5 }),
      ...(counter ? { [counter]: { held: 7, released: 10, shipped: 5 }[counter] + 20 } : {}),
    },
  ];
  const deleted = [
    {
      shipmentId: 'SHP-GONE',
      licenseId: 'LIC-H20-0001',
      status,
      revision: 3,
      drawn: drawing ? { quantity: 20, value: 4_000 } : { quantity: 0, value: 0 },
    },
  ];
  return { items, deleted };
}

describe('planReconcile and a deleted shipment', () => {
  it.each(['SHIPPED', 'RELEASED'] as const)(
    "never gives a deleted %s shipment's draw back to its license, and names it for a person",
    (status) => {
      const { items, deleted } = withDeleted(status);
      const p = planReconcile(items, checkInvariants(items), deleted);
      // Without History the fix would set releasedQuantity 35 → 15: 20 exported units free to release again.
      expect(p.fixes).toEqual([]);
      const gone = p.manual.find((v) => v.key.shipmentId === 'SHP-GONE');
      expect(gone).toMatchObject({
        invariant: 'I2',
        key: { licenseId: 'LIC-H20-0001', shipmentId: 'SHP-GONE' },
      });
      expect(gone?.message).toMatch(
        new RegExp(
          `^shipment SHP-GONE was deleted from the Shipments table while ${status} \\(History r000003\\): its 20 units and \\$4,000 of value stay drawn from the license\\. --fix keeps them`,
        ),
      );
      expect(gone?.message).toMatch(/Put the item back exactly as it was, every attribute included/);
      expect(gone?.message).toMatch(/clearance shipment history SHP-GONE/);
      expect(gone?.message).toMatch(
        status === 'SHIPPED' ? /have compliance correct the export record/ : /cancel it once it is back/,
      );
      // The checker's own I2 and I3 findings stay in the report too.
      expect(
        p.manual
          .filter((v) => v.key.shipmentId === undefined)
          .map((v) => v.invariant)
          .sort(),
      ).toEqual(['I2', 'I2', 'I3']);
    },
  );

  it('sets other drift of that license to what includes the deleted draw, not below it', () => {
    const { items, deleted } = withDeleted();
    (items.licenses[0] as RawItem).releasedQuantity = 50;
    const fixes = planReconcile(items, checkInvariants(items), deleted).fixes;
    expect(fixes).toEqual([
      expect.objectContaining({ kind: 'license', set: { releasedQuantity: 35, releasedValue: 4_000 } }),
    ]);
  });

  it('still fixes what cannot hold its units: held counters, and counters it raises', () => {
    const { items, deleted } = withDeleted();
    (items.inventory[0] as RawItem).held = 2;
    items.inventory.push({ ...anInventory({ warehouseId: 'WH-SIN-2', held: 3 }) });
    const p = planReconcile(items, checkInvariants(items), deleted);
    // WH-AMS-1 would lower shipped 25 → 5: kept as read, held still set; WH-SIN-2 lowers only held.
    expect(p.fixes).toEqual([
      expect.objectContaining({
        kind: 'inventory',
        warehouseId: 'WH-AMS-1',
        set: { held: 7, released: 10, shipped: 25 },
      }),
      expect.objectContaining({
        kind: 'inventory',
        warehouseId: 'WH-SIN-2',
        set: { held: 0, released: 0, shipped: 0 },
      }),
    ]);
    expect(describeFix(p.fixes[0] as Fix)).toBe('Inventory H20 @ WH-AMS-1: held 2 → 7');
    // The shipped drift the fix keeps still needs the person who puts SHP-GONE back; WH-SIN-2's does not.
    expect(new Set(p.manual.filter((v) => v.invariant === 'I3').map((v) => v.key.warehouseId))).toEqual(
      new Set(['WH-AMS-1']),
    );
  });

  it('lowers held for a deleted HELD shipment while a deleted RELEASED one of the same item keeps released', () => {
    const items = {
      // The license still draws the deleted RELEASED shipment's 20 units.
      licenses: [{ ...aLicense({ appliedStatus: 'APPROVED', releasedQuantity: 30 }) } as RawItem],
      shipments: [
        counted(aShipment({ status: 'HELD', quantity: 7 })),
        counted(aShipment({ status: 'RELEASED', quantity: 10 })),
      ],
      // held 7 + 5 (SHP-GONE-H, deleted while HELD); released 10 + 20 (SHP-GONE-R, deleted while RELEASED).
      inventory: [anInventory({ held: 12, released: 30 }) as RawItem],
    };
    const gone = (shipmentId: string, status: string, revision: number, quantity: number) => ({
      shipmentId,
      licenseId: 'LIC-H20-0001',
      status,
      revision,
      drawn: { quantity, value: 0 },
    });
    const deleted = [gone('SHP-GONE-H', 'HELD', 1, 0), gone('SHP-GONE-R', 'RELEASED', 2, 20)];
    const p = planReconcile(items, checkInvariants(items), deleted);
    expect(p.fixes).toEqual([
      expect.objectContaining({ kind: 'inventory', set: { held: 7, released: 30, shipped: 0 } }),
    ]);
    expect(p.manual.map((v) => v.key.shipmentId)).toContain('SHP-GONE-R');
  });

  it.each([
    ['HELD', [{ kind: 'inventory', set: { held: 7, released: 10, shipped: 5 } }]],
    ['CANCELLED', []],
  ] as const)('lets --fix repair what a deleted %s shipment leaves, and asks nobody', (status, fixes) => {
    const { items, deleted } = withDeleted(status);
    const p = planReconcile(items, checkInvariants(items), deleted);
    expect(p.fixes).toEqual(fixes.map((f) => expect.objectContaining(f)));
    expect(p.manual).toEqual([]);
  });
});

/**
 * A settled store under a value limit: $50,000 + 10 % (cap $55,000); one RELEASED
 * ($20,000) and one SHIPPED ($15,000) shipment, one HELD without a value.
 */
function valueStore(license: Partial<License> = {}) {
  const items = store();
  items.licenses = [
    {
      ...aLicense({
        appliedStatus: 'APPROVED',
        releasedQuantity: 15,
        authorizedValue: 50_000,
        valueTolerancePercent: 10,
        releasedValue: 35_000,
        ...license,
      }),
    },
  ];
  items.shipments = [
    counted(aShipment({ status: 'HELD', quantity: 7 })),
    counted(aShipment({ status: 'RELEASED', quantity: 10, value: 20_000 })),
    counted(aShipment({ status: 'SHIPPED', quantity: 5, value: 15_000 })),
  ];
  return items;
}

describe('planReconcile with value', () => {
  it('plans nothing when releasedValue matches the value the shipments draw', () => {
    const items = valueStore();
    expect(checkInvariants(items).violations).toEqual([]);
    expect(plan(items)).toEqual({ fixes: [], manual: [], busy: [] });
  });

  it('sets a tampered releasedValue, conditional on both counters read', () => {
    const items = valueStore({ releasedValue: 999 });
    const [fix] = plan(items).fixes;
    expect(fix).toEqual({
      kind: 'license',
      licenseId: 'LIC-H20-0001',
      read: { releasedQuantity: 15, releasedValue: 999 },
      set: { releasedQuantity: 15, releasedValue: 35_000 },
    });
    expect(fix && describeFix(fix)).toBe('License LIC-H20-0001: releasedValue 999 → 35000');
    expect(plan(items).manual).toEqual([]);
  });

  it('expects releasedValue to be absent when it was not stored, and writes it with the quantity', () => {
    const items = valueStore({ releasedQuantity: 3 });
    const { releasedValue: _, ...license } = items.licenses[0] as RawItem;
    items.licenses = [license];
    const [fix] = plan(items).fixes;
    expect(fix).toMatchObject({
      read: { releasedQuantity: 3, releasedValue: undefined },
      set: { releasedQuantity: 15, releasedValue: 35_000 },
    });
    expect(fix && describeFix(fix)).toBe(
      'License LIC-H20-0001: releasedQuantity 3 → 15, releasedValue absent → 35000',
    );
  });

  it('warns when the recomputed value exceeds the value cap with its tolerance', () => {
    const items = valueStore({ authorizedValue: 30_000, releasedValue: 0 });
    const [fix] = plan(items).fixes;
    expect(fix?.kind === 'license' && fix.warning).toBe(
      'they draw $35,000 of value, more than the value cap $33,000 (authorizedValue $30,000 + 10%): a possible over-release; escalate to compliance',
    );
  });

  it('keeps shipped goods above a lowered limit out of the fixes and out of the violations', () => {
    const items = valueStore({ authorizedQuantity: 4, releasedQuantity: 5, releasedValue: 15_000 });
    items.shipments = items.shipments.filter((s) => s.status !== 'RELEASED');
    items.inventory = [{ ...anInventory({ held: 7, released: 0, shipped: 5 }) }];
    const check = checkInvariants(items);
    expect(check.violations).toEqual([]);
    expect(check.shippedOverLimit).toEqual([
      { licenseId: 'LIC-H20-0001', limit: 'quantity', shipped: 5, authorized: 4 },
    ]);
    expect(planReconcile(items, check)).toEqual({ fixes: [], manual: [], busy: [] });
  });
});

describe('shippedOverLimitSection', () => {
  it('reports each finding for compliance, high severity, and says --fix cannot repair it', () => {
    expect(
      shippedOverLimitSection([
        { licenseId: 'LIC-A', limit: 'quantity', shipped: 1200, authorized: 1000 },
        { licenseId: 'LIC-B', limit: 'value', shipped: 60_000, authorized: 55_000 },
      ]),
    ).toEqual([
      '',
      'HIGH SEVERITY: shipped goods exceed a lowered limit on 2 licenses. Escalate to compliance.',
      'Not an I2 violation and not something --fix can repair: shipped goods cannot be re-held.',
      '  - LIC-A: 1,200 units shipped, above authorizedQuantity 1,000',
      '  - LIC-B: $60,000 of value shipped, above the value cap $55,000',
    ]);
    expect(shippedOverLimitSection([])).toEqual([]);
  });
});

describe('findBusy', () => {
  it('reports a license whose terms differ from its appliedTerms as an amendment in flight', () => {
    const license = aLicense({ licenseId: 'L5', appliedStatus: 'APPROVED' });
    const settled = { ...license, appliedTerms: { ...termsOf(license) } };
    expect(findBusy({ licenses: [settled], shipments: [] })).toEqual([]);
    expect(
      findBusy({
        licenses: [
          { ...settled, authorizedQuantity: 1500 },
          { ...settled, licenseId: 'L6', validUntil: '2098-01-01T00:00:00.000Z', pendingWork: 'amend#t' },
        ],
        shipments: [],
      }),
    ).toEqual([
      '1 license has work in progress: L6',
      '1 license has an amendment the system has not applied yet: L5',
    ]);
  });

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

  it('reports a counted shipment whose fixed field or drawn value was edited and not set back yet', () => {
    const released = aShipment({ shipmentId: 'S1', status: 'RELEASED', quantity: 10, value: 900 });
    const counted = {
      ...released,
      countedStatus: 'RELEASED',
      countedAs: countedAsOf(released),
      countedValue: 900,
    };
    const busy = (edit: RawItem) => findBusy({ licenses: [], shipments: [{ ...counted, ...edit }] });
    expect(busy({})).toEqual([]);
    // A status edit rejected earlier keeps its statusError: the next edit is still work in flight.
    expect(busy({ statusError: 'HELD → RELEASED is not allowed' })).toEqual([]);
    for (const edit of [{ quantity: 500 }, { sku: 'OTHER' }, { licenseId: 'L9' }, { value: 1 }]) {
      expect(busy({ ...edit, statusError: 'an earlier rejection' }), JSON.stringify(edit)).toEqual([
        '1 shipment has an edit the system has not counted yet: S1',
      ]);
    }
    // A HELD shipment's value may change; what a shipment released without a value drew is 0.
    expect(busy({ status: 'HELD', countedStatus: 'HELD', countedValue: undefined, value: 5 })).toEqual([]);
    expect(busy({ value: undefined, countedValue: 0 })).toEqual([]);
  });

  it('keeps --fix from writing an edited quantity into the counters while its rejection is pending', () => {
    const released = aShipment({ status: 'RELEASED', quantity: 10 });
    const edited: RawItem = {
      ...released,
      countedStatus: 'RELEASED',
      countedAs: countedAsOf(released),
      quantity: 500,
    };
    const items = {
      licenses: [{ ...aLicense({ appliedStatus: 'APPROVED', releasedQuantity: 10 }) }],
      shipments: [edited],
      inventory: [{ ...anInventory({ released: 10 }) }],
    };
    expect(plan(items).busy).toEqual([
      `1 shipment has an edit the system has not counted yet: ${released.shipmentId}`,
    ]);
  });
});
