/**
 * A status edit that comes with a rejected edit of other fields (in one
 * write, or in two before shipment-events looked): both are answered. The
 * status is set back with the fields, the alert and `statusError` say so,
 * and HELD → SHIPPED stays HIGH SEVERITY. Before, the field rejection was
 * judged alone: a legal SHIPPED or CANCELLED stayed on the item neither
 * applied nor rejected (its write-back is never judged), HELD → SHIPPED
 * with a quantity edit was alerted as an ordinary field edit, and an
 * illegal status with an invalid value left the value invalid, so no pass
 * ever released the shipment.
 */
import { describe, expect, it } from 'vitest';
import {
  apply,
  expectCounters,
  expectInvariants,
  givenLicense,
  setStatus,
  settleShipments,
} from '../../helpers/fakes/engine-kit.js';
import { type MemoryWorld, memoryWorld } from '../../helpers/fakes/world.js';

/** One shipment of 30 units (value 500) under a license with a value limit, counted HELD (or RELEASED). */
async function oneShipment(w: MemoryWorld, released: boolean) {
  const lut = givenLicense(w, {
    authorizedQuantity: 100,
    authorizedValue: 10_000,
    ...(released ? { status: 'APPROVED', appliedStatus: 'APPROVED' } : {}),
  });
  const s = lut.shipment({ quantity: 30, value: 500, priority: 1 });
  w.console.put('shipments', s);
  await settleShipments(w);
  if (w.license(lut.licenseId).pendingWork !== undefined) await apply(w, lut.licenseId);
  await settleShipments(w);
  expect(w.shipment(s.shipmentId).countedStatus).toBe(released ? 'RELEASED' : 'HELD');
  w.alerter.alerts.length = 0;
  return { lut, id: s.shipmentId };
}

const rejectedEntries = (w: MemoryWorld, id: string) =>
  w.entries().filter((e) => e.shipmentId === id && e.eventType === 'EDIT_REJECTED');

describe('a legal status edit with a rejected field edit', () => {
  it.each([
    ['RELEASED', 'SHIPPED', 'priority', 'x', 1],
    ['HELD', 'CANCELLED', 'value', -5, 500],
    ['RELEASED', 'CANCELLED', 'value', 900, 500],
    ['HELD', 'CANCELLED', 'quantity', 25, 30],
  ] as const)(
    '%s → %s with %s edited to %j: the status is set back too, and statusError says so',
    async (counted, status, field, typed, was) => {
      const w = memoryWorld();
      const { lut, id } = await oneShipment(w, counted === 'RELEASED');
      w.console.edit('shipments', id, 'status', status);
      w.console.edit('shipments', id, field, typed);
      await settleShipments(w);

      const item = w.shipment(id);
      expect(item).toMatchObject({ status: counted, countedStatus: counted, [field]: was });
      expect(item.statusError).toContain(
        `The status edit ${counted} → ${status} made with it was not applied: the status was set back to ${counted}; make it again`,
      );
      expect(w.alerter.about(id)).toHaveLength(1);
      expect(w.alerter.about(id)[0]?.message).toContain(`${counted} → ${status}`);
      expect(rejectedEntries(w, id)).toHaveLength(1);
      expectCounters(
        w,
        lut.license.sku,
        'WH-1',
        counted === 'HELD' ? { held: 30, released: 0 } : { held: 0, released: 30 },
      );
      expectInvariants(w);

      // Made again on its own, the status edit is applied.
      w.console.edit('shipments', id, 'status', status);
      await settleShipments(w);
      expect(w.shipment(id)).toMatchObject({ status, countedStatus: status });
      expectInvariants(w);
      expect(w.historyViolations()).toEqual([]);
    },
  );
});

describe('an illegal status edit with a rejected field edit', () => {
  it('HELD → SHIPPED with a quantity edit is alerted HIGH SEVERITY, naming both', async () => {
    const w = memoryWorld();
    const { id } = await oneShipment(w, false);
    w.console.edit('shipments', id, 'status', 'SHIPPED');
    w.console.edit('shipments', id, 'quantity', 25);
    await settleShipments(w);

    const [alert, ...more] = w.alerter.about(id);
    expect(more).toEqual([]);
    expect(alert).toMatchObject({
      severity: 'high',
      subject: `HIGH SEVERITY: Shipment ${id}: status edit HELD → SHIPPED rejected`,
    });
    expect(alert?.message).toContain('quantity 30 → 25');
    expect(alert?.message).toContain('possible export violation');
    expect(w.shipment(id)).toMatchObject({ status: 'HELD', quantity: 30 });
    expect(w.shipment(id).statusError).toContain('The status edit HELD → SHIPPED is rejected too');
    expectInvariants(w);
  });

  it('HELD → SHIPPED with an invalid value: both set back, so the approval still releases the shipment', async () => {
    const w = memoryWorld();
    const { lut, id } = await oneShipment(w, false);
    w.console.edit('shipments', id, 'status', 'SHIPPED');
    w.console.edit('shipments', id, 'value', -5);
    await settleShipments(w);

    expect(w.shipment(id)).toMatchObject({ status: 'HELD', value: 500 });
    expect(w.alerter.about(id).map((a) => a.severity)).toEqual(['high']);
    expect(rejectedEntries(w, id)).toHaveLength(1);

    await setStatus(w, lut.licenseId, 'APPROVED');
    await settleShipments(w);
    expect(w.shipment(id)).toMatchObject({ status: 'RELEASED', countedValue: 500 });
    expectInvariants(w);
    expect(w.historyViolations()).toEqual([]);
  });
});
