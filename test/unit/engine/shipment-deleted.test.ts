/**
 * A counted shipment deleted from the Shipments table (unsupported). The
 * alert's advice depends on the status it was counted as: a RELEASED or
 * SHIPPED one drew from its license, and its units must stay drawn (DESIGN
 * I2: a give-back would let the license release past what it authorizes);
 * a CANCELLED one counted nothing. Put back exactly as it was, the item is
 * taken as it is, and nothing drifts.
 */
import { describe, expect, it } from 'vitest';
import { planReconcile } from '../../../cli/reconcile-plan.js';
import { deletedShipments } from '../../../shared/domain/history-invariant.js';
import { checkInvariants } from '../../../shared/domain/invariants.js';
import type { ShipmentStatus } from '../../../shared/domain/model.js';
import { deletionAlert } from '../../../shared/engine/shipment-deletion.js';
import { apply, expectInvariants, givenLicense, shipmentEvents } from '../../helpers/fakes/engine-kit.js';
import { type MemoryWorld, memoryWorld } from '../../helpers/fakes/world.js';

/** One shipment of 30 units (value 500) of an APPROVED license, left counted as `status`. */
async function counted(w: MemoryWorld, status: ShipmentStatus) {
  const lut = givenLicense(w, {
    authorizedQuantity: 100,
    authorizedValue: 10_000,
    ...(status === 'HELD' ? {} : { status: 'APPROVED', appliedStatus: 'APPROVED' }),
  });
  const s = lut.shipment({ quantity: 30, value: 500 });
  w.console.put('shipments', s);
  await shipmentEvents(w);
  if (w.license(lut.licenseId).pendingWork !== undefined) await apply(w, lut.licenseId);
  await shipmentEvents(w);
  if (status === 'SHIPPED' || status === 'CANCELLED') {
    w.console.edit('shipments', s.shipmentId, 'status', status);
    await shipmentEvents(w);
    await shipmentEvents(w);
  }
  expect(w.shipment(s.shipmentId)).toMatchObject({ status, countedStatus: status });
  w.alerter.alerts.length = 0;
  return { licenseId: lut.licenseId, sku: lut.license.sku, id: s.shipmentId };
}

/** What `clearance reconcile` plans over the world, History included. */
const reconcilePlan = (w: MemoryWorld) => {
  const items = {
    licenses: w.items('licenses'),
    shipments: w.items('shipments'),
    inventory: w.items('inventory'),
  };
  return planReconcile(items, checkInvariants(items), deletedShipments({ ...items, entries: w.entries() }));
};

describe('the alert for a deleted counted shipment', () => {
  it.each([
    [
      'SHIPPED',
      'high',
      /30 units left the warehouse and stay drawn from license .*Put the item back exactly as it was, every attribute included \(countedStatus and revision too\).*A SHIPPED shipment is final/,
    ],
    [
      'RELEASED',
      'high',
      /30 units stay drawn from license .*Put the item back exactly as it was.*If it will not ship, cancel it once it is back/,
    ],
    [
      'HELD',
      'high',
      /It drew nothing from license .*Run `clearance reconcile --fix` to correct Inventory's held counter/,
    ],
    ['CANCELLED', 'normal', /It counted nothing: .*so there is nothing to fix/],
  ] as const)('a %s one: %s severity, with advice that fits it', async (status, severity, advice) => {
    const w = memoryWorld();
    const { id } = await counted(w, status);
    w.console.remove('shipments', id);
    expect(await shipmentEvents(w)).toMatchObject({
      rejected: 1,
      rejectedHigh: severity === 'high' ? 1 : 0,
    });
    const [alert] = w.alerter.about(id);
    expect(alert).toMatchObject({ severity, subject: `Shipment ${id} was deleted` });
    expect(alert?.message).toMatch(advice);
    // Only a HELD one's counters are for --fix: the others' units must stay drawn, or there is nothing to fix.
    expect(alert?.message.includes('reconcile --fix')).toBe(status === 'HELD');
    expect(alert?.message).toContain(`Do not create a new shipment with this shipmentId`);
  });

  it('a CANCELLED one is not high severity', () => {
    const alert = deletionAlert('SHP-1', { quantity: 3, licenseId: 'LIC-1' }, 'CANCELLED').alert;
    expect(alert.severity).toBe('normal');
    expect(alert.subject).not.toMatch(/HIGH/);
  });
});

describe('reconcile after a counted shipment was deleted', () => {
  it.each(['SHIPPED', 'RELEASED'] as const)(
    'keeps a deleted %s shipment drawn, names it for a person, and is clean once it is put back as it was',
    async (status) => {
      const w = memoryWorld();
      const { licenseId, sku, id } = await counted(w, status);
      const asItWas = w.shipment(id);
      w.console.remove('shipments', id);
      await shipmentEvents(w);
      const plan = reconcilePlan(w);
      // No fix lowers the license below the deleted shipment's draw, nor Inventory's count of its units.
      expect(plan.fixes).toEqual([]);
      expect(w.license(licenseId)).toMatchObject({ releasedQuantity: 30, releasedValue: 500 });
      expect(plan.manual).toContainEqual({
        invariant: 'I2',
        key: { licenseId, shipmentId: id },
        message: expect.stringMatching(
          new RegExp(`shipment ${id} was deleted .* while ${status} .*30 units and \\$500.* stay drawn`),
        ),
      });
      // Put back exactly as it was: taken as it is, nothing rejected, nothing counted twice.
      w.console.put('shipments', asItWas);
      expect(await shipmentEvents(w)).toMatchObject({ rejected: 0 });
      // Its license's work since the deletion missed it: the put-back asks for a pass, which finds it as it was.
      await apply(w, licenseId);
      await shipmentEvents(w);
      expect(w.shipment(id)).toMatchObject({ countedStatus: status, revision: asItWas.revision });
      expect(w.alerter.about(id)).toHaveLength(1);
      expect(w.license(licenseId)).toMatchObject({ releasedQuantity: 30, releasedValue: 500 });
      expect(w.counters(sku, 'WH-1')).toMatchObject({ [status.toLowerCase()]: 30 });
      expectInvariants(w);
      expect(w.historyViolations()).toEqual([]);
      expect(reconcilePlan(w)).toEqual({ fixes: [], manual: [], busy: [] });
    },
  );

  it('a RELEASED one put back and then cancelled gives its units back, with a History entry', async () => {
    const w = memoryWorld();
    const { licenseId, id } = await counted(w, 'RELEASED');
    const asItWas = w.shipment(id);
    w.console.remove('shipments', id);
    await shipmentEvents(w);
    w.console.put('shipments', asItWas);
    await shipmentEvents(w);
    w.console.edit('shipments', id, 'status', 'CANCELLED');
    await shipmentEvents(w);
    await shipmentEvents(w);
    expect(w.license(licenseId)).toMatchObject({ releasedQuantity: 0, releasedValue: 0 });
    expect(w.entries().filter((e) => e.shipmentId === id && e.eventType === 'SHIPMENT_CANCELLED')).toEqual([
      expect.objectContaining({ drawn: { quantity: -30, value: -500 } }),
    ]);
    expectInvariants(w);
    expect(w.historyViolations()).toEqual([]);
  });

  it('lets --fix correct the held counter of a deleted HELD shipment', async () => {
    const w = memoryWorld();
    const { sku, id } = await counted(w, 'HELD');
    w.console.remove('shipments', id);
    await shipmentEvents(w);
    const plan = reconcilePlan(w);
    expect(plan.fixes).toEqual([
      expect.objectContaining({
        kind: 'inventory',
        sku,
        warehouseId: 'WH-1',
        set: { held: 0, released: 0, shipped: 0 },
      }),
    ]);
    expect(plan.manual.filter((v) => v.key.shipmentId !== undefined)).toEqual([]);
  });
});
