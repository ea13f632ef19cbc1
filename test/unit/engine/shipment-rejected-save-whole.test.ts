/**
 * A console save of a shipment that the system rejects is set back whole:
 * the `value`, `priority` or `requestedAt` typed in the same save goes back
 * with the fields and status it rejected, and `statusError` and the alert
 * name it. Before, a HELD shipment waiting as SHIPMENT_VALUE_MISSING got its
 * value typed beside a cancellation with a quantity change, a move to another
 * warehouse, or a HELD → SHIPPED: the rejection set the fixed fields and the
 * status back but kept the value, and the pass the write-back asks for found
 * a value and released the shipment (30 units drawn, the customer and the
 * warehouse told to pick and pack a shipment the admin was cancelling or
 * moving; "no counter moved" in the HIGH SEVERITY alert became false).
 * A save of its own in the same batch is judged on its own (as if the
 * system had looked in between): it is not undone with a later rejected one.
 */
import { describe, expect, it } from 'vitest';
import {
  expectCounters,
  expectInvariants,
  givenLicense,
  settleShipments,
  settleSystem,
} from '../../helpers/fakes/engine-kit.js';
import { type MemoryWorld, memoryWorld } from '../../helpers/fakes/world.js';

/** One console save of several attributes of a shipment item: one stream record. */
function save(w: MemoryWorld, shipmentId: string, attrs: Record<string, unknown>): void {
  w.console.put('shipments', { ...w.shipment(shipmentId), ...attrs });
}

/**
 * An APPROVED license with a value limit and one shipment of 30 units
 * (priority 1) taken in without a value: HELD as SHIPMENT_VALUE_MISSING.
 */
async function waitingForValue(w: MemoryWorld) {
  const lut = givenLicense(w, {
    authorizedQuantity: 100,
    authorizedValue: 100_000,
    status: 'APPROVED',
    appliedStatus: 'APPROVED',
  });
  const { value: _none, ...noValue } = lut.shipment({ quantity: 30, priority: 1 });
  w.console.put('shipments', noValue);
  await settleShipments(w);
  await settleSystem(w, lut.licenseId);
  const id = noValue.shipmentId;
  expect(w.shipment(id)).toMatchObject({ status: 'HELD', holdReason: 'SHIPMENT_VALUE_MISSING' });
  w.alerter.alerts.length = 0;
  return { lut, id, published: w.publisher.published.length };
}

const noticesSince = (w: MemoryWorld, from: number) =>
  w.publisher.published.slice(from).map((m) => `${m.topic}:${String(m.attributes.eventType)}`);

const entriesOf = (w: MemoryWorld, id: string) =>
  w
    .entries()
    .filter((e) => e.shipmentId === id)
    .map((e) => e.eventType);

describe('a save of a HELD shipment that sets value beside an edit the system rejects', () => {
  it.each([
    ['cancels it and changes its quantity', { status: 'CANCELLED', quantity: 5 }, 'normal'],
    ['moves it to another warehouse', { warehouseId: 'WH-2' }, 'normal'],
    ['marks it SHIPPED (HIGH SEVERITY)', { status: 'SHIPPED' }, 'high'],
  ])('%s: the value goes back with the rest, and nothing is released', async (_name, edit, severity) => {
    const w = memoryWorld();
    const { lut, id, published } = await waitingForValue(w);

    save(w, id, { value: 500, updatedBy: 'alice', ...edit });
    await settleSystem(w, lut.licenseId);

    // The save was rejected whole: the shipment is as it was counted, and nobody is told to pick it.
    const item = w.shipment(id);
    expect(item).toMatchObject({
      status: 'HELD',
      countedStatus: 'HELD',
      quantity: 30,
      warehouseId: 'WH-1',
      holdReason: 'SHIPMENT_VALUE_MISSING',
    });
    expect(item.value).toBeUndefined();
    const named =
      'Rejected edit of value, saved with the rejected edit (a rejected save is set back whole): value 500 removed (it had none); make it again on its own if still wanted.';
    expect(item.statusError).toContain(named);
    expect(noticesSince(w, published), 'notices after a rejected save').toEqual([]);
    expect(w.license(lut.licenseId).releasedQuantity).toBe(0);
    expectCounters(w, lut.license.sku, 'WH-1', { held: 30, released: 0 });
    expect(entriesOf(w, id)).toEqual(['SHIPMENT_HELD', 'EDIT_REJECTED']);

    const [alert, ...more] = w.alerter.about(id);
    expect(more).toEqual([]);
    expect(alert?.severity).toBe(severity);
    expect(alert?.message).toContain(named);
    if (severity === 'high') expect(alert?.message).toContain('no counter moved');
    expectInvariants(w); // I1–I3
    expect(w.historyViolations()).toEqual([]); // I6

    // Made again on its own, the value edit is applied: the license releases the shipment.
    w.console.edit('shipments', id, 'value', 500);
    await settleSystem(w, lut.licenseId);
    expect(w.shipment(id)).toMatchObject({ status: 'RELEASED', countedValue: 500 });
    expect(w.license(lut.licenseId).releasedQuantity).toBe(30);
    expectInvariants(w);
    expect(w.historyViolations()).toEqual([]);
  });
});

describe('the other fields of a rejected save', () => {
  it('sets back a priority saved with a rejected quantity edit, and keeps the hold order', async () => {
    const w = memoryWorld();
    const { lut, id } = await waitingForValue(w);
    const holdOrder = w.shipment(id).holdOrder;
    save(w, id, { quantity: 5, priority: 7 });
    await settleSystem(w, lut.licenseId);

    expect(w.shipment(id)).toMatchObject({ quantity: 30, priority: 1, holdOrder });
    expect(w.shipment(id).statusError).toContain(
      'Rejected edit of priority, saved with the rejected edit (a rejected save is set back whole): priority set back from 7 to 1;',
    );
    expect(w.alerter.about(id).map((a) => a.message)).toEqual([expect.stringContaining('priority set back')]);
    expectInvariants(w);
    expect(w.historyViolations()).toEqual([]);
  });

  it('names every field set back, value and requestedAt with it, in one rejection', async () => {
    const w = memoryWorld();
    const { lut, id } = await waitingForValue(w);
    const requestedAt = w.shipment(id).requestedAt;
    save(w, id, { status: 'SHIPPED', value: 500, requestedAt: '2020-01-01T00:00:00.000Z' });
    await settleSystem(w, lut.licenseId);

    expect(w.shipment(id)).toMatchObject({ status: 'HELD', requestedAt });
    expect(w.shipment(id).value).toBeUndefined();
    expect(w.shipment(id).statusError).toContain(
      `Rejected edit of value, requestedAt, saved with the rejected edit (a rejected save is set back whole): value 500 removed (it had none), requestedAt set back from 2020-01-01T00:00:00.000Z to ${String(requestedAt)}; make them again`,
    );
    expect(w.alerter.about(id).map((a) => a.severity)).toEqual(['high']);
    expectInvariants(w);
    expect(w.historyViolations()).toEqual([]);
  });

  it('keeps a value set in a save of its own before a rejected save of the same batch: that save is judged on its own', async () => {
    const w = memoryWorld();
    const { lut, id } = await waitingForValue(w);
    w.console.edit('shipments', id, 'value', 500); // a save of its own
    w.console.edit('shipments', id, 'quantity', 5); // the next save, rejected
    await settleSystem(w, lut.licenseId);

    expect(w.shipment(id)).toMatchObject({ status: 'RELEASED', quantity: 30, value: 500, countedValue: 500 });
    expect(entriesOf(w, id).sort()).toEqual(['EDIT_REJECTED', 'SHIPMENT_HELD', 'SHIPMENT_RELEASED']);
    expect(w.alerter.about(id).map((a) => a.message)).toEqual([
      expect.not.stringContaining('saved with the rejected edit'),
    ]);
    expect(w.license(lut.licenseId).releasedQuantity).toBe(30);
    expectInvariants(w);
    expect(w.historyViolations()).toEqual([]);
  });

  it('sets back a value saved with a cancellation when a later save of the batch gets the cancellation rejected', async () => {
    const w = memoryWorld();
    const { lut, id, published } = await waitingForValue(w);
    save(w, id, { status: 'CANCELLED', value: 500 });
    w.console.edit('shipments', id, 'quantity', 5); // before the system looked: both are judged together
    await settleSystem(w, lut.licenseId);

    expect(w.shipment(id)).toMatchObject({ status: 'HELD', countedStatus: 'HELD', quantity: 30 });
    expect(w.shipment(id).value).toBeUndefined();
    expect(w.shipment(id).statusError).toContain(
      'The status edit HELD → CANCELLED made with it was not applied',
    );
    expect(w.shipment(id).statusError).toContain('value 500 removed (it had none)');
    expect(noticesSince(w, published)).toEqual([]);
    expect(w.license(lut.licenseId).releasedQuantity).toBe(0);
    expectInvariants(w);
    expect(w.historyViolations()).toEqual([]);
  });

  it('writes nothing back when the value is edited again before the write-back: that save is judged on its own', async () => {
    const w = memoryWorld();
    const { lut, id } = await waitingForValue(w);
    save(w, id, { warehouseId: 'WH-2', value: 500 });
    // Another save of the value after shipment-events read the first, before its write-back.
    w.faults.beforeNext('shipments.update', () => w.console.edit('shipments', id, 'value', 700));
    await settleShipments(w);
    await settleSystem(w, lut.licenseId);

    // The first save is entered on its own, nothing written back for it; the second is judged as made:
    // the warehouse it still shows is set back, the value it set alone is kept, and the license releases.
    const rejected = w.entries().filter((e) => e.shipmentId === id && e.eventType === 'EDIT_REJECTED');
    expect(rejected.map((e) => e.reason)).toEqual([
      expect.stringContaining('changed again before the system wrote this back'),
      expect.not.stringContaining('saved with the rejected edit'),
    ]);
    expect(w.shipment(id)).toMatchObject({ status: 'RELEASED', warehouseId: 'WH-1', value: 700 });
    expectInvariants(w);
    expect(w.historyViolations()).toEqual([]);
  });
});
