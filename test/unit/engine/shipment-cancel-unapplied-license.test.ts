/**
 * A RELEASED shipment cancelled while its license item is not the license
 * the system applied: deleted, or deleted and created again from its JSON
 * (no appliedStatus, releasedQuantity 0; refused while shipments are RELEASED
 * under it). The cancellation's commit gave the units back with an ADD on the
 * item as it was: the created item's releasedQuantity went below 0, and once
 * the last RELEASED shipment was cancelled the item was rejected a second time
 * ("releasedQuantity must not be negative"), an edit nobody made; a deleted
 * item failed the batch every retry. Now units go back only to a license the
 * system applied; otherwise the cancellation commits without the license's
 * counter, ops is told, and `reconcile --fix` corrects the license once it is
 * put back (docs/OPERATIONS.md, "A deleted license").
 */
import { describe, expect, it } from 'vitest';
import { planReconcile } from '../../../cli/reconcile-plan.js';
import { deletedShipments } from '../../../shared/domain/history-invariant.js';
import { checkInvariants } from '../../../shared/domain/invariants.js';
import type { RawItem } from '../../../shared/domain/ports.js';
import { licenseRemoved } from '../../../shared/engine/license-engine.js';
import {
  apply,
  expectCounters,
  setStatus,
  settleShipments,
  shipmentEvents,
  withBacklog,
} from '../../helpers/fakes/engine-kit.js';
import { type MemoryWorld, memoryWorld } from '../../helpers/fakes/world.js';

/** A 100-unit license with shipments of 30 and 40 RELEASED and 50 HELD, deleted; its item as last applied. */
async function deleted(w: MemoryWorld) {
  const { lut, ids } = withBacklog(w, { authorizedQuantity: 100 }, [
    { quantity: 30 },
    { quantity: 40 },
    { quantity: 50 },
  ]);
  const first = w.license(lut.licenseId);
  await setStatus(w, lut.licenseId, 'APPROVED');
  await settleShipments(w);
  const applied: RawItem = structuredClone(w.license(lut.licenseId));
  expect(applied).toMatchObject({ appliedStatus: 'APPROVED', releasedQuantity: 70 });
  w.console.remove('licenses', lut.licenseId);
  await licenseRemoved(w.licenseDeps(), lut.licenseId, applied);
  w.licenseRecords();
  w.alerter.alerts.length = 0;
  return { lut, ids, first, applied, licenseId: lut.licenseId, sku: lut.license.sku };
}

/** The license's item created again from its first JSON as APPROVED, and refused by license-events. */
async function createdAgain(w: MemoryWorld, t: Awaited<ReturnType<typeof deleted>>) {
  const { appliedStatus: _a, ...json } = t.first;
  w.console.put('licenses', { ...json, status: 'APPROVED' });
  expect(await apply(w, t.licenseId)).toMatchObject({ kind: 'rejected' });
  expect(await apply(w, t.licenseId)).toMatchObject({ kind: 'noop' });
  w.licenseRecords();
  w.alerter.alerts.length = 0;
}

const rejectedEntries = (w: MemoryWorld, licenseId: string) =>
  w.entries().filter((e) => e.licenseId === licenseId && e.eventType === 'EDIT_REJECTED');

/** What `clearance reconcile` plans over the world, History included. */
const reconcilePlan = (w: MemoryWorld) => {
  const items = {
    licenses: w.items('licenses'),
    shipments: w.items('shipments'),
    inventory: w.items('inventory'),
  };
  return planReconcile(items, checkInvariants(items), deletedShipments({ ...items, entries: w.entries() }));
};

/** Logistics cancels shipment `id` (RELEASED) in the console; shipment-events commits it. */
async function cancel(w: MemoryWorld, id: string) {
  w.console.edit('shipments', id, 'status', 'CANCELLED');
  await settleShipments(w);
  expect(w.shipment(id)).toMatchObject({ status: 'CANCELLED', countedStatus: 'CANCELLED' });
}

describe('a RELEASED shipment cancelled while its license is not the one the system applied', () => {
  it('created again and refused: the units go back to no item, the item is not rejected again, and ops is told', async () => {
    const w = memoryWorld();
    const t = await deleted(w);
    await createdAgain(w, t);
    const refused = w.license(t.licenseId);

    await cancel(w, String(t.ids[0]));
    await cancel(w, String(t.ids[1])); // the last RELEASED one
    expect(w.licenseRecords(), 'the created item is not written').toEqual([]);
    expect(w.license(t.licenseId)).toEqual(refused);
    expect(await apply(w, t.licenseId)).toEqual({ kind: 'noop' });
    expect(
      rejectedEntries(w, t.licenseId),
      'refused once, never for a negative releasedQuantity',
    ).toHaveLength(1);
    expectCounters(w, t.sku, 'WH-1', { held: 50, released: 0 });
    expect(w.alerter.about(t.licenseId).map((a) => a.subject)).toEqual([
      `License ${t.licenseId}: 30 cancelled units not given back`,
      `License ${t.licenseId}: 40 cancelled units not given back`,
    ]);
    const [alert] = w.alerter.about(t.licenseId);
    expect(alert?.message).toContain(`${t.ids[0]}; 30 units`);
    expect(alert?.message).toContain('has no appliedStatus (deleted and created again');
    expect(alert?.message).toContain('docs/OPERATIONS.md, "A deleted license"');
    expect(alert?.message).toContain('`clearance reconcile --fix` sets them from its shipments');
    // Entered as they are: each cancellation no longer draws on the license (what reconcile counts from).
    const cancelled = w.entries().filter((e) => e.eventType === 'SHIPMENT_CANCELLED');
    expect(cancelled.map((e) => (e.drawn as { quantity: number }).quantity)).toEqual([-30, -40]);

    // Put back from point-in-time recovery, as the runbook says: reconcile --fix sets its drawdown from its shipments.
    w.console.remove('licenses', t.licenseId);
    w.console.put('licenses', t.applied);
    expect(w.violations()).toEqual([
      expect.objectContaining({ invariant: 'I2', key: expect.objectContaining({ licenseId: t.licenseId }) }),
    ]);
    expect(reconcilePlan(w).fixes).toContainEqual(
      expect.objectContaining({
        kind: 'license',
        licenseId: t.licenseId,
        read: { releasedQuantity: 70, releasedValue: expect.anything() },
        set: { releasedQuantity: 0, releasedValue: 0 },
      }),
    );
  });

  it('deleted: the cancellation commits instead of failing its batch every retry', async () => {
    const w = memoryWorld();
    const t = await deleted(w);
    await cancel(w, String(t.ids[0]));
    expectCounters(w, t.sku, 'WH-1', { held: 50, released: 40 });
    expect(w.items('licenses').filter((l) => l.licenseId === t.licenseId)).toEqual([]);
    expect(w.alerter.about(t.licenseId)).toEqual([
      expect.objectContaining({
        severity: 'normal',
        subject: `License ${t.licenseId}: 30 cancelled units not given back`,
        message: expect.stringContaining(`the Licenses table has no item ${t.licenseId} (deleted)`),
      }),
    ]);
  });

  it('applied: the units go back to it, as always', async () => {
    const w = memoryWorld();
    const { lut, ids } = withBacklog(w, { authorizedQuantity: 100 }, [{ quantity: 30 }, { quantity: 40 }]);
    await setStatus(w, lut.licenseId, 'APPROVED');
    await settleShipments(w);
    await cancel(w, String(ids[0]));
    expect(w.license(lut.licenseId)).toMatchObject({ releasedQuantity: 40 });
    expect(w.alerter.about(lut.licenseId)).toEqual([]);
    await shipmentEvents(w);
    expect(w.violations()).toEqual([]);
  });
});
