/**
 * A whole-item put of an old copy of a shipment that reaches shipment-events
 * with saves made before it: logistics cancels a RELEASED shipment, and
 * seconds later someone saves an old copy of the item over it. The put is
 * refused whole, set back to the item the system committed (never to an
 * admin's save, which keeps the revision it found), and what the put
 * overwrote is judged on its own, as if the system had looked before the
 * put: a cancellation is applied, a warehouse, customer or license move is
 * set back with the put, in one write-back, one alert and one History entry.
 *
 * Before, the set-back took the admin's save for the committed item (the
 * later image on a revision tie) and wrote it back as a write-back, never
 * judged: a cancellation stayed on the item, neither applied nor rejected
 * (CANCELLED, counted RELEASED, the license still drawing it), and a
 * warehouse or customer move stayed too (I3, I1). Found by the random
 * console-saves test (seeds 195, 304, 981, 998, 3444).
 */
import { describe, expect, it } from 'vitest';
import type { RawItem } from '../../../shared/domain/ports.js';
import { processShipmentRecords, recordShipmentHistory } from '../../../shared/engine/shipment-engine.js';
import {
  expectCounters,
  givenLicense,
  ON_HAND,
  setStatus,
  settleShipments,
  shipmentEvents,
} from '../../helpers/fakes/engine-kit.js';
import { type MemoryWorld, memoryWorld } from '../../helpers/fakes/world.js';

/** A license approved with one shipment of 10 units RELEASED (revision 2), and a copy of it as accepted (HELD, revision 1). */
async function releasedWithOldCopy() {
  const w = memoryWorld();
  const lut = givenLicense(w, { authorizedQuantity: 100 });
  const s = lut.shipment({ quantity: 10 });
  w.console.put('shipments', s);
  await shipmentEvents(w);
  // An admin's browser tab (or an import file) keeps the item as it was accepted.
  const oldCopy: RawItem = structuredClone(w.shipment(s.shipmentId));
  await setStatus(w, lut.licenseId, 'APPROVED');
  await settleShipments(w);
  expect(w.shipment(s.shipmentId)).toMatchObject({
    status: 'RELEASED',
    countedStatus: 'RELEASED',
    revision: 2,
  });
  w.alerter.alerts.length = 0;
  return { w, lut, id: s.shipmentId, sku: lut.license.sku, oldCopy };
}

/** The same shipment re-held by a suspension (HELD, revision 3); the copy is the RELEASED one (revision 2). */
async function reheldWithReleasedCopy() {
  const t = await releasedWithOldCopy();
  const releasedCopy: RawItem = structuredClone(t.w.shipment(t.id));
  await setStatus(t.w, t.lut.licenseId, 'SUSPENDED');
  await settleShipments(t.w);
  expect(t.w.shipment(t.id)).toMatchObject({ status: 'HELD', countedStatus: 'HELD', revision: 3 });
  t.w.alerter.alerts.length = 0;
  return { ...t, releasedCopy };
}

/** One console save of several attributes at once: one stream record. */
function save(w: MemoryWorld, id: string, set: RawItem): void {
  w.store.write('shipments', id, { ...w.shipment(id), ...set });
}

const rejectedEntries = (w: MemoryWorld, id: string) =>
  w.entries().filter((e) => e.shipmentId === id && e.eventType === 'EDIT_REJECTED');

function expectSettled(w: MemoryWorld): void {
  expect(w.violations()).toEqual([]);
  expect(w.historyViolations()).toEqual([]);
}

describe('an old copy put over a shipment in the same batch as saves made before it', () => {
  it('a cancellation saved just before the put is applied, and the license gets its units back', async () => {
    const { w, lut, id, sku, oldCopy } = await releasedWithOldCopy();
    // Logistics cancels the shipment; seconds later someone saves the old copy over it.
    w.console.edit('shipments', id, 'status', 'CANCELLED');
    w.console.put('shipments', oldCopy);
    await settleShipments(w);

    const item = w.shipment(id);
    expect(
      { status: item.status, countedStatus: item.countedStatus },
      'the CANCELLED typed before the put is applied, not left on the item unjudged',
    ).toEqual({ status: 'CANCELLED', countedStatus: 'CANCELLED' });
    expect(item.heldLicenseId).toBeUndefined();
    expect(w.license(lut.licenseId).releasedQuantity).toBe(0);
    expectCounters(w, sku, 'WH-1', { held: 0, released: 0 });
    expect(w.alerter.about(id)).toEqual([
      expect.objectContaining({
        subject: `Shipment ${id}: overwritten item set back`,
        message: expect.stringMatching(/status RELEASED → CANCELLED.*were kept/s),
      }),
    ]);
    expect(rejectedEntries(w, id)).toHaveLength(1);
    expect(
      w.entries().filter((e) => e.shipmentId === id && e.eventType === 'SHIPMENT_CANCELLED'),
    ).toHaveLength(1);
    expectSettled(w);
  });

  it('a warehouse move saved just before the put is set back with it: one alert, one entry, counters as they were', async () => {
    const { w, lut, id, sku, oldCopy } = await releasedWithOldCopy();
    w.console.edit('shipments', id, 'warehouseId', 'WH-2');
    w.console.put('shipments', oldCopy);
    await settleShipments(w);

    expect(w.shipment(id).warehouseId, 'warehouseId cannot change once accepted').toBe('WH-1');
    expect(w.shipment(id)).toMatchObject({ status: 'RELEASED', countedStatus: 'RELEASED', revision: 2 });
    expect(w.shipment(id).statusError).toMatch(/Rejected edit of warehouseId/);
    expect(w.license(lut.licenseId).releasedQuantity).toBe(10);
    expectCounters(w, sku, 'WH-1', { held: 0, released: 10 });
    expectCounters(w, sku, 'WH-2', { held: 0, released: 0 });
    const alerts = w.alerter.about(id);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.message).toMatch(/warehouseId WH-1 → WH-2.*Rejected edit of warehouseId/s);
    expect(rejectedEntries(w, id)).toHaveLength(1);
    expectSettled(w);
  });

  it('a re-held shipment cancelled just before an older RELEASED copy is put is cancelled from HELD', async () => {
    const { w, lut, id, sku, releasedCopy } = await reheldWithReleasedCopy();
    w.console.edit('shipments', id, 'status', 'CANCELLED');
    w.console.put('shipments', releasedCopy);
    await settleShipments(w);

    expect(w.shipment(id)).toMatchObject({ status: 'CANCELLED', countedStatus: 'CANCELLED', revision: 4 });
    expect(w.license(lut.licenseId).releasedQuantity).toBe(0);
    expectCounters(w, sku, 'WH-1', { held: 0, released: 0 });
    expect(rejectedEntries(w, id)).toHaveLength(1);
    expectSettled(w);
  });

  it('an illegal status typed with a warehouse move and an edited stamp before the put: all set back, both reasons given', async () => {
    const { w, id, sku, releasedCopy } = await reheldWithReleasedCopy();
    const stamp = w.shipment(id).countedAs as RawItem;
    save(w, id, {
      warehouseId: 'WH-2',
      countedAs: { ...stamp, quantity: 17 },
      status: 'CANCELLED\n',
    });
    w.console.put('shipments', releasedCopy);
    await settleShipments(w);

    expect(w.shipment(id)).toMatchObject({
      status: 'HELD',
      countedStatus: 'HELD',
      warehouseId: 'WH-1',
      countedAs: stamp,
      revision: 3,
    });
    expectCounters(w, sku, 'WH-1', { held: 10, released: 0 });
    expectCounters(w, sku, 'WH-2', { held: 0, released: 0 });
    const statusError = String(w.shipment(id).statusError);
    expect(statusError).toMatch(/Rejected edit of warehouseId, countedAs/);
    expect(statusError).toMatch(/status edit HELD → CANCELLED\s+is rejected too/);
    const alerts = w.alerter.about(id);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.message.replace(/\s+/g, ' ')).toContain(statusError.replace(/\s+/g, ' '));
    expect(rejectedEntries(w, id)).toHaveLength(1);
    expectSettled(w);
  });

  it('a license move saved with a cancellation and an invalid value before the put: the save is set back whole, nothing cancelled', async () => {
    const { w, lut, id, sku, releasedCopy } = await reheldWithReleasedCopy();
    const value = w.shipment(id).value;
    save(w, id, { value: '300', licenseId: 'LIC-OTHER', status: 'CANCELLED' });
    w.console.put('shipments', releasedCopy);
    await settleShipments(w);

    expect(w.shipment(id)).toMatchObject({
      status: 'HELD',
      countedStatus: 'HELD',
      licenseId: lut.licenseId,
      revision: 3,
    });
    expect(w.shipment(id).value).toEqual(value);
    expect(w.shipment(id).statusError).toMatch(/Rejected edit of licenseId.*was not applied/s);
    expectCounters(w, sku, 'WH-1', { held: 10, released: 0 });
    expect(w.alerter.about(id)).toHaveLength(1);
    expect(rejectedEntries(w, id)).toHaveLength(1);
    expectSettled(w);
  });

  it("a SHIPPED shipment's customer changed just before an older RELEASED copy is put: set back, still SHIPPED", async () => {
    const { w, lut, id, sku } = await releasedWithOldCopy();
    const releasedCopy: RawItem = structuredClone(w.shipment(id));
    w.console.edit('shipments', id, 'status', 'SHIPPED');
    await settleShipments(w);
    expect(w.shipment(id)).toMatchObject({ countedStatus: 'SHIPPED', revision: 3 });
    w.alerter.alerts.length = 0;

    save(w, id, { customerId: 'CUST-OTHER', status: 'SHIPPED' });
    w.console.put('shipments', releasedCopy);
    await settleShipments(w);

    expect(w.shipment(id)).toMatchObject({
      status: 'SHIPPED',
      countedStatus: 'SHIPPED',
      customerId: lut.license.customerId,
      revision: 3,
    });
    expect(w.shipment(id).statusError).toMatch(/Rejected edit of customerId/);
    expect(w.license(lut.licenseId).releasedQuantity).toBe(10);
    expectCounters(w, sku, 'WH-1', { held: 0, released: 0, shipped: 10, onHand: ON_HAND - 10 });
    expect(w.alerter.about(id)).toHaveLength(1);
    expect(rejectedEntries(w, id)).toHaveLength(1);
    expectSettled(w);
  });

  it('a HELD → SHIPPED typed just before the put is set back and keeps its HIGH SEVERITY alert', async () => {
    const w = memoryWorld();
    const lut = givenLicense(w, { authorizedQuantity: 100 });
    const s = lut.shipment({ quantity: 10 });
    w.console.put('shipments', s);
    await settleShipments(w);
    w.alerter.alerts.length = 0;
    const id = s.shipmentId;

    w.console.edit('shipments', id, 'status', 'SHIPPED');
    w.console.put('shipments', s); // put again as first written: no system attributes
    await settleShipments(w);

    expect(w.shipment(id)).toMatchObject({ status: 'HELD', countedStatus: 'HELD', revision: 1 });
    expect(w.alerter.about(id)).toEqual([
      expect.objectContaining({
        severity: 'high',
        subject: expect.stringContaining('HIGH SEVERITY'),
        message: expect.stringMatching(/overwritten|replaced by a whole item/),
      }),
    ]);
    expectCounters(w, lut.license.sku, 'WH-1', { held: 10, released: 0, shipped: 0 });
    expect(rejectedEntries(w, id)).toHaveLength(1);
    expectSettled(w);
  });

  it('the batch delivered again cancels once and gives the units back once', async () => {
    const { w, lut, id, sku, oldCopy } = await releasedWithOldCopy();
    w.console.edit('shipments', id, 'status', 'CANCELLED');
    w.console.put('shipments', oldCopy);
    const batch = w.shipmentRecords();
    for (let delivery = 0; delivery < 2; delivery++) {
      await recordShipmentHistory(w.shipmentDeps(), batch);
      await processShipmentRecords(w.shipmentDeps(), batch);
    }
    await settleShipments(w);

    expect(w.shipment(id)).toMatchObject({ status: 'CANCELLED', countedStatus: 'CANCELLED', revision: 3 });
    expect(w.license(lut.licenseId).releasedQuantity).toBe(0);
    expectCounters(w, sku, 'WH-1', { held: 0, released: 0 });
    expect(rejectedEntries(w, id)).toHaveLength(1);
    expectSettled(w);
  });

  it('a cancellation whose commit the put beat is applied when the put is set back', async () => {
    const { w, lut, id, sku, oldCopy } = await releasedWithOldCopy();
    w.console.edit('shipments', id, 'status', 'CANCELLED');
    const cancel = w.shipmentRecords();
    // The put lands after shipment-events read the cancellation and before its commit.
    w.console.put('shipments', oldCopy);
    await recordShipmentHistory(w.shipmentDeps(), cancel);
    await processShipmentRecords(w.shipmentDeps(), cancel);
    expect(w.shipment(id).countedStatus, 'the commit found the copy').toBe('HELD');
    // The put's own batch: its old image is the cancellation, which nothing applied.
    await settleShipments(w);

    expect(w.shipment(id)).toMatchObject({ status: 'CANCELLED', countedStatus: 'CANCELLED', revision: 3 });
    expect(w.license(lut.licenseId).releasedQuantity).toBe(0);
    expectCounters(w, sku, 'WH-1', { held: 0, released: 0 });
    expect(w.alerter.about(id)).toEqual([
      expect.objectContaining({
        subject: `Shipment ${id}: overwritten item set back`,
        message: expect.stringContaining('status RELEASED → CANCELLED): it is applied'),
      }),
    ]);
    expectSettled(w);
  });
});
