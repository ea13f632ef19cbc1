/**
 * One digest per customer and one per warehouse for each license event
 * (DESIGN §6; shared/engine/event-digests.ts): the passes' transactions add
 * to the event's tally, the pass's end sends it. Several slices and several
 * stream batches make one digest each; a retried transaction or a crash
 * after publishing neither loses nor double-counts; a superseded pass's
 * tally is still sent.
 */
import { describe, expect, it } from 'vitest';
import { DIGEST_LIST_LIMIT } from '../../../shared/domain/notifications.js';
import { applyLicenses } from '../../../shared/engine/license-batch.js';
import { processShipmentRecords } from '../../../shared/engine/shipment-engine.js';
import {
  apply,
  applyInSlices,
  givenLicense,
  LATER,
  PAST,
  setStatus,
  settleSystem,
} from '../../helpers/fakes/engine-kit.js';
import type { Published } from '../../helpers/fakes/world.js';
import { type MemoryWorld, memoryWorld } from '../../helpers/fakes/world.js';

/** A PENDING license over `n` HELD shipments of quantity 2, every third at WH-2, the rest at WH-1. */
function backlog(w: MemoryWorld, n: number, authorizedQuantity = 1_000_000) {
  const lut = givenLicense(w, { authorizedQuantity });
  const shipments = Array.from({ length: n }, (_, i) =>
    lut.shipment({ priority: i + 1, quantity: 2, warehouseId: i % 3 === 2 ? 'WH-2' : 'WH-1' }),
  );
  w.seed.accepted(shipments);
  return { lut, shipments };
}

const digestsOf = (w: MemoryWorld, eventType: string): Published[] =>
  w.publisher.published.filter((m) => m.attributes.kind === 'digest' && m.attributes.eventType === eventType);

/** Runs shipment-events over the Shipments stream in batches of `size` records, as the mapping would. */
async function shipmentEventsInBatches(w: MemoryWorld, size: number): Promise<number> {
  const records = w.shipmentRecords();
  let batches = 0;
  for (let i = 0; i < records.length; i += size) {
    await processShipmentRecords(w.shipmentDeps(), records.slice(i, i + size));
    batches++;
  }
  return batches;
}

describe('one digest per customer and per warehouse for each license event', () => {
  it('sends one customer digest and one per warehouse for a release in several slices and stream batches, with the whole totals', async () => {
    const w = memoryWorld();
    const { lut, shipments } = backlog(w, 300);
    w.console.edit('licenses', lut.licenseId, 'status', 'APPROVED');
    await apply(w, lut.licenseId, PAST(), { pageSize: 50 });
    expect(w.license(lut.licenseId).pendingWork, 'the release continues in later slices').toBeDefined();
    expect(digestsOf(w, 'SHIPMENT_RELEASED'), 'nothing before the pass ends').toEqual([]);
    await applyInSlices(w, lut.licenseId, { pageSize: 50 });
    expect(await shipmentEventsInBatches(w, 40)).toBeGreaterThan(5);

    const released = digestsOf(w, 'SHIPMENT_RELEASED');
    const customer = released.filter((m) => m.topic === 'customer');
    expect(customer).toHaveLength(1);
    expect(customer[0]?.attributes).toMatchObject({ customerId: lut.license.customerId, kind: 'digest' });
    expect(customer[0]?.subject).toBe(`300 of your shipments under license ${lut.licenseId} were released`);
    expect(customer[0]?.body).toContain('300 shipments (600 units)');
    expect(customer[0]?.body).toContain(`… and ${300 - DIGEST_LIST_LIMIT} more (300 in total).`);
    expect(customer[0]?.body.match(/^ {2}- /gm)).toHaveLength(DIGEST_LIST_LIMIT);
    const logistics = released.filter((m) => m.topic === 'logistics');
    expect(logistics.map((m) => [m.attributes.warehouseId, m.subject]).sort()).toEqual([
      ['WH-1', `Warehouse WH-1: 200 shipments under license ${lut.licenseId} released`],
      ['WH-2', `Warehouse WH-2: 100 shipments under license ${lut.licenseId} released`],
    ]);
    const wh2 = logistics.find((m) => m.attributes.warehouseId === 'WH-2');
    const listed = [...(wh2?.body ?? '').matchAll(/^ {2}- (\S+):/gm)].map((m) => m[1]);
    expect(listed).toHaveLength(DIGEST_LIST_LIMIT);
    const atWh2 = new Set(shipments.filter((s) => s.warehouseId === 'WH-2').map((s) => s.shipmentId));
    expect(listed.every((id) => atWh2.has(id ?? ''))).toBe(true);
    // Every shipment change still has its JSON message; the tally is gone once sent.
    expect(w.publisher.to('customer', 'shipment')).toHaveLength(300);
    expect(w.items('tallies')).toEqual([]);
  });

  it('counts a release skipped in a transaction (its shipment cancelled meanwhile) once, and the retried rest once', async () => {
    const w = memoryWorld();
    const { lut, shipments } = backlog(w, 120);
    const victim = shipments[40];
    let transactions = 0;
    w.faults.before('shipments.transact', () => {
      if (++transactions === 2 && victim)
        w.console.edit('shipments', victim.shipmentId, 'status', 'CANCELLED');
    });
    await setStatus(w, lut.licenseId, 'APPROVED');
    await applyInSlices(w, lut.licenseId);
    const releasedCount = w.items('shipments').filter((s) => s.countedStatus === 'RELEASED').length;
    expect(releasedCount).toBe(119);
    const [customer, ...more] = digestsOf(w, 'SHIPMENT_RELEASED').filter((m) => m.topic === 'customer');
    expect(more).toEqual([]);
    expect(customer?.body).toContain('119 shipments (238 units)');
  });

  it('sends the same digests again with the same dedupKey when the pass crashed after publishing them, and then no more', async () => {
    const w = memoryWorld();
    const { lut } = backlog(w, 30);
    w.faults.failNext('tallies.remove');
    await expect(setStatus(w, lut.licenseId, 'APPROVED')).rejects.toThrow(/injected/);
    const first = digestsOf(w, 'SHIPMENT_RELEASED').map((m) => m.attributes.dedupKey);
    expect(first).toHaveLength(3);
    // The stream delivers the license again: the pass resumes, finds nothing to release, ends and sends again.
    await apply(w, lut.licenseId);
    const again = digestsOf(w, 'SHIPMENT_RELEASED').map((m) => m.attributes.dedupKey);
    expect(again).toEqual([...first, ...first]);
    expect(w.license(lut.licenseId).pendingWork).toBeUndefined();
    expect(w.items('tallies')).toEqual([]);
    await apply(w, lut.licenseId);
    expect(digestsOf(w, 'SHIPMENT_RELEASED')).toHaveLength(6);
    expect(digestsOf(w, 'SHIPMENT_RELEASED')[0]?.body).toContain('30 shipments (60 units)');
  });

  it("still sends a superseded pass's tally: a release suspended half-way, then the suspension's re-hold", async () => {
    const w = memoryWorld();
    const { lut } = backlog(w, 300);
    w.console.edit('licenses', lut.licenseId, 'status', 'APPROVED');
    await apply(w, lut.licenseId, PAST(), { pageSize: 50 });
    await apply(w, lut.licenseId, PAST(), { pageSize: 50 });
    const releasedSoFar = w.items('shipments').filter((s) => s.countedStatus === 'RELEASED').length;
    expect(releasedSoFar).toBeGreaterThan(0);
    expect(releasedSoFar).toBeLessThan(300);
    expect(digestsOf(w, 'SHIPMENT_RELEASED')).toEqual([]);

    await setStatus(w, lut.licenseId, 'SUSPENDED');
    const released = digestsOf(w, 'SHIPMENT_RELEASED').filter((m) => m.topic === 'customer');
    expect(released).toHaveLength(1);
    expect(released[0]?.subject).toBe(
      `${releasedSoFar} of your shipments under license ${lut.licenseId} were released`,
    );
    const reheld = digestsOf(w, 'SHIPMENT_REHELD').filter((m) => m.topic === 'customer');
    expect(reheld).toHaveLength(1);
    expect(reheld[0]?.subject).toBe(
      `${releasedSoFar} of your shipments under license ${lut.licenseId} were put back on hold`,
    );
    expect(reheld[0]?.body).toContain('(the export license was suspended)');
    // The shipments still HELD were relabelled as suspended: one digest for them too.
    const relabelled = digestsOf(w, 'SHIPMENT_HOLD_UPDATED').filter((m) => m.topic === 'customer');
    expect(relabelled).toHaveLength(1);
    expect(relabelled[0]?.subject).toBe(
      `${300 - releasedSoFar} of your shipments under license ${lut.licenseId} were still on hold`,
    );
    expect(w.items('tallies')).toEqual([]);
  });
});

describe('the order in which the digests of two license events leave', () => {
  // The Tallies table's sort key is `<eventType>@<at>`: a Query lists a license's tallies by event type's name.
  it('sends the customer a suspension\'s "put back on hold" before the reinstatement\'s "released" that overtook its pass', async () => {
    const w = memoryWorld();
    const lut = givenLicense(w, { authorizedQuantity: 1_000_000 });
    const shipments = Array.from({ length: 120 }, (_, i) => lut.shipment({ priority: i + 1, quantity: 2 }));
    w.seed.accepted(shipments);
    await setStatus(w, lut.licenseId, 'APPROVED');
    await settleSystem(w, lut.licenseId);
    w.publisher.published.length = 0;

    // Suspended: the re-hold pass runs out of time after its first page...
    w.console.edit('licenses', lut.licenseId, 'status', 'SUSPENDED');
    await apply(w, lut.licenseId, PAST(), { pageSize: 50 });
    expect(w.license(lut.licenseId).pendingWork).toBeDefined();
    expect(shipments.some((s) => w.shipment(s.shipmentId).status === 'HELD')).toBe(true);
    // ...and a minute later the admin reinstates the license; its release pass ends in one invocation.
    w.setNow(new Date(w.now().getTime() + 60_000));
    w.console.edit('licenses', lut.licenseId, 'status', 'APPROVED');
    await apply(w, lut.licenseId, LATER());
    expect(w.license(lut.licenseId).pendingWork).toBeUndefined();
    expect(shipments.every((s) => w.shipment(s.shipmentId).status === 'RELEASED')).toBe(true);

    const order = w.publisher.published
      .filter((m) => m.topic === 'customer' && m.attributes.kind === 'digest')
      .map((m) => m.attributes.eventType);
    // In the order the decisions were taken: the customer's last word matches where its shipments stand.
    expect(order).toEqual(['SHIPMENT_REHELD', 'SHIPMENT_RELEASED']);
    expect(w.items('tallies')).toEqual([]);
  });
});

describe("license events' digests wait for the batch's first releases (issue 17's fairness)", () => {
  it("reads no tally before a fresh pass's first release, and sends a small license's digests only after every license of the batch had its first", async () => {
    const w = memoryWorld();
    // Three licenses approved at once: two of one shipment (done in their first transaction), one of 300.
    const luts = [1, 1, 300].map((n) => backlog(w, n).lut);
    for (const lut of luts) w.console.edit('licenses', lut.licenseId, 'status', 'APPROVED');
    const results = await applyLicenses(
      w.licenseDeps(),
      luts.map((l) => l.licenseId),
      LATER(),
      { concurrency: 1 },
    );
    expect(results.every((r) => r.ok)).toBe(true);
    const ops = w.store.ops();
    const transactions = ops.flatMap((op, i) => (op === 'shipments.transact' ? [i] : []));
    const firstOfEach = transactions.slice(0, luts.length);
    const lastFirst = Math.max(...firstOfEach);
    // No tally was read, and no digest published, before the last license's first transaction.
    expect(ops.slice(0, lastFirst).filter((op) => op === 'tallies.list')).toEqual([]);
    expect(ops.slice(0, lastFirst).filter((op) => op.startsWith('publisher'))).toEqual([]);
    // Each license still sent its own: one customer digest each.
    const customer = digestsOf(w, 'SHIPMENT_RELEASED').filter((m) => m.topic === 'customer');
    expect(customer).toHaveLength(3);
    expect(w.items('tallies')).toEqual([]);
  });
});
