/**
 * A license whose quantity is used up while a months-long backlog waits under
 * it (100,000 HELD as LICENSE_QUANTITY_EXHAUSTED). A new shipment under it
 * asks for no release pass (one would read the whole held index to write
 * nothing), and a pass that has nothing to write hands over at its deadline
 * from where it read to, instead of reading all 100,000 (four GSI keys of 200
 * a round: 500 rounds, 400,000 items) in one slice. DESIGN §8: a long job
 * "must not block other licenses' events for its duration".
 */
import { describe, expect, it } from 'vitest';
import { apply, givenLicense, PAST, setStatus, shipmentEvents } from '../../helpers/fakes/engine-kit.js';
import { memoryWorld } from '../../helpers/fakes/world.js';

const pageCalls = (ops: string[]) => ops.filter((op) => op === 'shipments.page').length;

describe('an exhausted license with a large held backlog', () => {
  it('hands over past its deadline when the pass has nothing to write, and finishes over later slices', async () => {
    const w = memoryWorld();
    const lut = givenLicense(w, { authorizedQuantity: 10 });
    // One 10-unit shipment uses the license up; 300 more wait behind it.
    w.seed.accepted([
      lut.shipment({ priority: 1, quantity: 10 }),
      ...Array.from({ length: 300 }, (_, i) => lut.shipment({ priority: 10 + i, quantity: 10 })),
    ]);
    await setStatus(w, lut.licenseId, 'APPROVED');
    await shipmentEvents(w);
    expect(w.license(lut.licenseId).releasedQuantity).toBe(10);

    // A release pass is asked for (a settling pass, a value edit of a HELD shipment, an operator's re-save).
    await w.licenses.requestRelease(lut.licenseId, w.newToken());

    // That pass, with its time budget already spent, pages of 10.
    const before = w.store.ops().length;
    const outcome = await apply(w, lut.licenseId, PAST(), { pageSize: 10 });
    const pages = pageCalls(w.store.ops().slice(before));
    expect(outcome).toMatchObject({ released: 0, relabelled: 0 });
    // Past its deadline a slice hands over after a page or two (its cursor is its progress), not after all 31.
    expect(pages).toBeLessThanOrEqual(2);
    expect(outcome.kind).toBe('continued');
    for (let slice = 0; w.license(lut.licenseId).pendingWork !== undefined; slice++) {
      expect(slice, 'slices until the pass ends').toBeLessThan(40);
      await apply(w, lut.licenseId, PAST(), { pageSize: 10 });
    }
    expect(w.license(lut.licenseId).releasedQuantity).toBe(10);
    expect(w.violations()).toEqual([]);
  });

  it('asks for no release pass for a new shipment under a license with no room left (quantity exhausted)', async () => {
    const w = memoryWorld();
    const lut = givenLicense(w, { authorizedQuantity: 10 });
    w.seed.accepted([lut.shipment({ priority: 1, quantity: 10 })]);
    await setStatus(w, lut.licenseId, 'APPROVED');
    await shipmentEvents(w);
    await apply(w, lut.licenseId);
    expect(w.license(lut.licenseId).pendingWork).toBeUndefined();

    const s = lut.shipment({ priority: 5_000, quantity: 10 });
    w.console.put('shipments', s);
    await shipmentEvents(w);
    expect(w.shipment(s.shipmentId).holdReason).toBe('LICENSE_QUANTITY_EXHAUSTED');
    // Nothing can be released (no room; nothing else changed): no pass over the whole backlog.
    expect(w.license(lut.licenseId).pendingWork).toBeUndefined();
  });

  it('still asks for a release pass for a new shipment that fits', async () => {
    const w = memoryWorld();
    const lut = givenLicense(w, { authorizedQuantity: 20 });
    await setStatus(w, lut.licenseId, 'APPROVED');
    const s = lut.shipment({ priority: 5, quantity: 10 });
    w.console.put('shipments', s);
    await shipmentEvents(w);
    expect(w.license(lut.licenseId).pendingWork).toBeDefined();
    await apply(w, lut.licenseId);
    expect(w.shipment(s.shipmentId).status).toBe('RELEASED');
  });
});
