/**
 * applyLicense releasing: approval first-fit in hold order, mismatches, the
 * validity window, continuation across invocations, and the races a release
 * meets (a shipment changing under it, a suspension landing mid-way).
 */
import { describe, expect, it } from 'vitest';
import { DependencyError } from '../../../shared/domain/errors.js';
import { indexKey } from '../../../shared/domain/index-keys.js';
import type { Shipment } from '../../../shared/domain/model.js';
import type { ShipmentRepository } from '../../../shared/domain/ports.js';
import { applyLicense } from '../../../shared/engine/license-engine.js';
import { FIRST_TRANSACTION } from '../../../shared/engine/release-pipeline.js';
import { GSI_ATTR } from '../../../shared/names.js';
import { NOW } from '../../helpers/factories.js';
import {
  apply,
  changesTo,
  expectCounters,
  expectInvariants,
  givenLicense,
  holdReasons,
  idsWith,
  LATER,
  PAST,
  setStatus,
  shipmentsOf,
} from '../../helpers/fakes/engine-kit.js';
import { memoryWorld, SETTLE_DELAY_MS } from '../../helpers/fakes/world.js';

describe('approval', () => {
  it('releases a backlog three times the licensed quantity first-fit in hold order (priority, requestedAt, shipmentId)', async () => {
    const w = memoryWorld();
    const lut = givenLicense(w, { authorizedQuantity: 100 });
    const at = (minute: number) => `2026-03-01T10:${String(minute).padStart(2, '0')}:00.000Z`;
    const id = (letter: string) => `${lut.licenseId}-${letter}`;
    // In hold order; `go` marks the first-fit outcome with 100 units.
    const backlog: (Partial<Shipment> & { go: boolean })[] = [
      { shipmentId: id('A'), priority: 1, requestedAt: at(1), quantity: 30, warehouseId: 'WH-1', go: true }, // 70 left
      { shipmentId: id('B'), priority: 1, requestedAt: at(2), quantity: 50, warehouseId: 'WH-2', go: true }, // 20 left
      { shipmentId: id('C'), priority: 1, requestedAt: at(3), quantity: 40, warehouseId: 'WH-1', go: false }, // too big
      { shipmentId: id('D'), priority: 2, requestedAt: at(0), quantity: 15, warehouseId: 'WH-2', go: true }, // 5 left
      { shipmentId: id('E'), priority: 2, requestedAt: at(1), quantity: 10, warehouseId: 'WH-1', go: false },
      { shipmentId: id('F'), priority: 2, requestedAt: at(2), quantity: 5, warehouseId: 'WH-1', go: true }, // 0 left
      { shipmentId: id('G'), priority: 2, requestedAt: at(2), quantity: 5, warehouseId: 'WH-2', go: false }, // tie: id
      { shipmentId: id('H'), priority: 3, requestedAt: at(0), quantity: 60, warehouseId: 'WH-1', go: false },
      { shipmentId: id('I'), priority: 3, requestedAt: at(5), quantity: 45, warehouseId: 'WH-2', go: false },
      { shipmentId: id('J'), priority: 4, requestedAt: at(0), quantity: 40, warehouseId: 'WH-1', go: false },
    ];
    // Seeded in reverse so that nothing depends on write order.
    w.seed.accepted([...backlog].reverse().map(({ go: _go, ...o }) => lut.shipment(o)));

    const outcome = await setStatus(w, lut.licenseId, 'APPROVED');
    expect(outcome).toMatchObject({ kind: 'completed', released: 4, unitsReleased: 100, relabelled: 6 });

    const released = backlog.filter((x) => x.go).map((x) => String(x.shipmentId));
    expect(idsWith(w, lut.licenseId, 'RELEASED')).toEqual(released);
    expect(holdReasons(w, lut.licenseId)).toEqual(
      Object.fromEntries(
        backlog.filter((x) => !x.go).map((x) => [x.shipmentId, 'LICENSE_QUANTITY_EXHAUSTED']),
      ),
    );
    for (const x of released)
      expect(w.shipment(x)).toMatchObject({
        countedStatus: 'RELEASED',
        releasedAt: NOW.toISOString(),
        [GSI_ATTR.releasedLicenseId]: indexKey(lut.licenseId, x),
        revision: 2,
      });
    expectCounters(w, lut.license.sku, 'WH-1', { released: 30 + 5, held: 40 + 10 + 60 + 40 });
    expectCounters(w, lut.license.sku, 'WH-2', { released: 50 + 15, held: 5 + 45 });
    const l = w.license(lut.licenseId);
    expect(l).toMatchObject({ appliedStatus: 'APPROVED', releasedQuantity: 100 });
    expect(l.pendingWork).toBeUndefined();
    expect(l.settleCheckAt).toBe(new Date(NOW.getTime() + SETTLE_DELAY_MS).toISOString());
    expectInvariants(w);
  });

  it('carries the remaining quantity from page to page, so first-fit holds across a paged backlog', async () => {
    const w = memoryWorld();
    const lut = givenLicense(w, { authorizedQuantity: 25 });
    const sizes = [10, 20, 10, 30, 5, 1];
    const backlog = sizes.map((quantity, priority) => lut.shipment({ quantity, priority }));
    w.seed.accepted(backlog);
    w.console.edit('licenses', lut.licenseId, 'status', 'APPROVED');
    await apply(w, lut.licenseId, undefined, { pageSize: 2 });
    const go = (i: number) => String(backlog[i]?.shipmentId);
    expect(idsWith(w, lut.licenseId, 'RELEASED')).toEqual([go(0), go(2), go(4)].sort());
    expect(w.license(lut.licenseId).releasedQuantity).toBe(25);
    // Without the carry the guard would stop an over-release and the pass re-plan: same result, a wasted round.
    // The first page's writes go at once (the approval's small first transaction); the next pages' writes
    // fill one transaction (planned writes are carried over page boundaries).
    expect(w.shipments.transactions.map((t) => t.outcome)).toEqual(['committed', 'committed']);
    expectInvariants(w);
  });

  it('treats a license inserted as APPROVED as an approval of the shipments already held for it', async () => {
    const w = memoryWorld();
    const lut = givenLicense(w, { status: 'APPROVED', appliedStatus: undefined, authorizedQuantity: 25 });
    const [fits, tooBig] = [
      lut.shipment({ quantity: 20, priority: 1 }),
      lut.shipment({ quantity: 10, priority: 2 }),
    ];
    w.seed.accepted([fits, tooBig]);

    expect(await apply(w, lut.licenseId)).toMatchObject({ kind: 'completed', released: 1 });
    expect(w.license(lut.licenseId)).toMatchObject({ appliedStatus: 'APPROVED', releasedQuantity: 20 });
    expect(idsWith(w, lut.licenseId, 'RELEASED')).toEqual([fits.shipmentId]);
    expect(holdReasons(w, lut.licenseId)).toEqual({ [tooBig.shipmentId]: 'LICENSE_QUANTITY_EXHAUSTED' });
    expectInvariants(w);
  });

  it('rejects a new license whose sku has no Inventory item anywhere, and moves nothing', async () => {
    const w = memoryWorld();
    const lut = givenLicense(w, { status: 'APPROVED', appliedStatus: undefined });
    w.seed.accepted([lut.shipment()]);
    w.store.tables.inventory.clear();

    const outcome = await apply(w, lut.licenseId);
    expect(outcome).toMatchObject({
      kind: 'rejected',
      reason: expect.stringContaining('has no Inventory item'),
    });
    expect(w.license(lut.licenseId).appliedStatus).toBeUndefined();
    expect(w.license(lut.licenseId).statusError).toMatch(/create the Inventory item first/);
    expect(w.alerter.about(lut.licenseId)).toHaveLength(1);
    expect(idsWith(w, lut.licenseId, 'RELEASED')).toEqual([]);
  });

  it('keeps a shipment for another customer or sku HELD as LICENSE_MISMATCH and releases nothing for it', async () => {
    const w = memoryWorld();
    const lut = givenLicense(w, { authorizedQuantity: 100 });
    const other = givenLicense(w);
    const otherCustomer = lut.shipment({ priority: 0, quantity: 10, customerId: 'CUST-OTHER' });
    const wrongSku = lut.shipment({ priority: 0, quantity: 10, sku: other.license.sku });
    const matching = lut.shipment({ priority: 1, quantity: 100 });
    w.seed.accepted([otherCustomer, wrongSku, matching]);

    await setStatus(w, lut.licenseId, 'APPROVED');
    expect(idsWith(w, lut.licenseId, 'RELEASED')).toEqual([matching.shipmentId]);
    expect(holdReasons(w, lut.licenseId)).toEqual({
      [otherCustomer.shipmentId]: 'LICENSE_MISMATCH',
      [wrongSku.shipmentId]: 'LICENSE_MISMATCH',
    });
    expect(w.license(lut.licenseId).releasedQuantity).toBe(100);
    expectCounters(w, lut.license.sku, 'WH-1', { held: 10, released: 100 });
    expectCounters(w, other.license.sku, 'WH-1', { held: 10, released: 0 });
    expectInvariants(w);
  });
});

describe('validity window', () => {
  it('keeps shipments HELD as LICENSE_NOT_YET_VALID before validFrom and asks to be woken then', async () => {
    const w = memoryWorld();
    const validFrom = '2026-06-02T00:00:00.000Z';
    const lut = givenLicense(w, { validFrom });
    w.seed.accepted([lut.shipment(), lut.shipment({ customerId: 'CUST-OTHER' })]);

    expect(await setStatus(w, lut.licenseId, 'APPROVED')).toMatchObject({ released: 0, relabelled: 2 });
    expect(w.license(lut.licenseId)).toMatchObject({
      appliedStatus: 'APPROVED',
      waitingForValidFrom: validFrom,
    });
    expect(Object.values(holdReasons(w, lut.licenseId)).sort()).toEqual([
      'LICENSE_MISMATCH',
      'LICENSE_NOT_YET_VALID',
    ]);

    // A release request before validFrom (a redelivered intake) relabels nothing and keeps waiting.
    await w.licenses.requestRelease(lut.licenseId, 'again');
    expect(await apply(w, lut.licenseId)).toMatchObject({ released: 0, relabelled: 0 });
    expect(w.license(lut.licenseId).waitingForValidFrom).toBe(validFrom);
    expectInvariants(w);
  });

  it('gives the room to the first in hold order when validFrom passes between the slices of a pass (lifecycle-random seed 1726)', async () => {
    const w = memoryWorld();
    const validFrom = new Date(NOW.getTime() + 2 * 86_400_000).toISOString();
    const lut = givenLicense(w, { authorizedQuantity: 3, validFrom });
    const backlog = [1, 2, 3, 4, 5, 6].map((priority) => lut.shipment({ priority, quantity: 1 }));
    w.seed.accepted(backlog);
    w.console.edit('licenses', lut.licenseId, 'status', 'APPROVED');
    // The first slice relabels a page of 2 before validFrom and hands over; the next runs after it.
    await apply(w, lut.licenseId, PAST(), { pageSize: 2 });
    expect(w.license(lut.licenseId).pendingWork).toBeDefined();
    w.advance(10 * 86_400_000);
    await apply(w, lut.licenseId, undefined, { pageSize: 2 });
    expect(idsWith(w, lut.licenseId, 'RELEASED')).toEqual(backlog.slice(0, 3).map((s) => s.shipmentId));
    expectInvariants(w);
  });

  it('gives the room to the first in hold order when validFrom passes between two pages of one slice', async () => {
    const w = memoryWorld();
    const validFrom = new Date(NOW.getTime() + 1000).toISOString();
    const lut = givenLicense(w, { authorizedQuantity: 30, validFrom });
    const backlog = [1, 2, 3, 4, 5, 6, 7, 8].map((priority) => lut.shipment({ priority, quantity: 10 }));
    w.seed.accepted(backlog);
    w.console.edit('licenses', lut.licenseId, 'status', 'APPROVED');
    // The shipments port as it is, but validFrom passes once the second page of the held index is read.
    let heldPages = 0;
    const shipments: ShipmentRepository = Object.create(w.shipments);
    shipments.page = async (index, licenseId, after, limit, order) => {
      const page = await w.shipments.page(index, licenseId, after, limit, order);
      if (index === 'held' && ++heldPages === 2) w.setNow(new Date(NOW.getTime() + 2000));
      return page;
    };
    expect(
      await applyLicense(w.licenseDeps({ shipments, pageSize: 2 }), lut.licenseId, LATER()),
    ).toMatchObject({
      kind: 'completed',
      released: 3,
    });
    // First fit in hold order: the first three take the 30 units, the rest are out of room.
    expect(idsWith(w, lut.licenseId, 'RELEASED')).toEqual(backlog.slice(0, 3).map((s) => s.shipmentId));
    expect(new Set(Object.values(holdReasons(w, lut.licenseId)))).toEqual(
      new Set(['LICENSE_QUANTITY_EXHAUSTED']),
    );
    expect(w.license(lut.licenseId).pendingWork).toBeUndefined();
    expectInvariants(w);
  });

  it('expires a license approved after validUntil through the normal path, keeping its shipments HELD as LICENSE_EXPIRED', async () => {
    const w = memoryWorld();
    const lut = givenLicense(w, { validUntil: '2026-05-31T23:59:59.999Z' });
    w.seed.accepted([lut.shipment(), lut.shipment()]);
    expect(await setStatus(w, lut.licenseId, 'APPROVED')).toMatchObject({ released: 0, relabelled: 0 });
    expect(w.license(lut.licenseId)).toMatchObject({ status: 'EXPIRED', appliedStatus: 'APPROVED' });
    // The EXPIRED write is a new Licenses stream record: license-events applies it as an expiry.
    expect(await apply(w, lut.licenseId)).toMatchObject({ released: 0, relabelled: 2 });
    expect(w.license(lut.licenseId)).toMatchObject({ status: 'EXPIRED', appliedStatus: 'EXPIRED' });
    expect(new Set(Object.values(holdReasons(w, lut.licenseId)))).toEqual(new Set(['LICENSE_EXPIRED']));
    expect(w.license(lut.licenseId).releasedQuantity).toBe(0);
  });
});

describe('continuation', () => {
  it('hands a release that runs out of time to the next invocation through a new pendingWork and workCursor', async () => {
    const w = memoryWorld();
    const lut = givenLicense(w, { authorizedQuantity: 1000 });
    const backlog = Array.from({ length: 12 }, (_, i) =>
      lut.shipment({ priority: i, quantity: 1 + (i % 3) }),
    );
    w.seed.accepted(backlog);
    w.console.edit('licenses', lut.licenseId, 'status', 'APPROVED');
    w.licenseRecords();

    const tokens: unknown[] = [];
    const outcomes: unknown[] = [];
    for (let slice = 0; slice < 5; slice++) {
      const outcome = await apply(w, lut.licenseId, PAST(), { pageSize: 5 });
      outcomes.push([outcome.kind, 'released' in outcome ? outcome.released : undefined]);
      if (outcome.kind !== 'continued') break;
      const l = w.license(lut.licenseId);
      tokens.push(l.pendingWork);
      // The hand-over is a new record on the Licenses stream: that is what runs the next slice.
      expect(w.licenseRecords().at(-1)?.newImage).toMatchObject({ pendingWork: l.pendingWork });
      const lastReleased = [...shipmentsOf(w, lut.licenseId).values()]
        .filter((s) => s.status === 'RELEASED')
        .map((s) => String(s[GSI_ATTR.holdOrder]))
        .sort()
        .at(-1);
      expect(l.workCursor).toBe(lastReleased);
    }
    expect(outcomes).toEqual([
      ['continued', 5],
      ['continued', 5],
      ['completed', 2],
    ]);
    expect(new Set(tokens).size).toBe(2);
    const l = w.license(lut.licenseId);
    expect([l.pendingWork, l.workCursor]).toEqual([undefined, undefined]);
    expect(l.releasedQuantity).toBe(backlog.reduce((n, s) => n + s.quantity, 0));
    expect([...changesTo(w, 'RELEASED').values()]).toEqual(backlog.map(() => 1));
    expectInvariants(w);
  });

  it('fails the invocation when a write keeps failing, and the retried record finishes the work', async () => {
    const w = memoryWorld();
    const lut = givenLicense(w);
    w.seed.accepted([lut.shipment(), lut.shipment()]);
    w.faults.failNext('shipments.commit', new DependencyError('throttled'));
    await expect(setStatus(w, lut.licenseId, 'APPROVED')).rejects.toThrow('throttled');
    expect(w.license(lut.licenseId).pendingWork, 'the work is still pending').toEqual(expect.any(String));

    expect(await apply(w, lut.licenseId)).toMatchObject({ kind: 'completed', released: 2 });
    expectInvariants(w);
  });
});

describe('races', () => {
  it('releases the next shipment in line when one it meant to release is cancelled under it', async () => {
    const w = memoryWorld();
    const lut = givenLicense(w, { authorizedQuantity: 20 });
    const [a, b, c] = [1, 2, 3].map((priority) => lut.shipment({ priority, quantity: 10 }));
    w.seed.accepted([a, b, c] as Shipment[]);
    // The console's CANCELLED lands between the page read and the transaction.
    w.faults.beforeNext('shipments.transact', () =>
      w.console.edit('shipments', String(a?.shipmentId), 'status', 'CANCELLED'),
    );
    const outcome = await setStatus(w, lut.licenseId, 'APPROVED');
    expect(outcome).toMatchObject({ kind: 'completed', released: 2, unitsReleased: 20 });
    expect(idsWith(w, lut.licenseId, 'RELEASED')).toEqual([b?.shipmentId, c?.shipmentId].sort());
    expect(w.shipment(String(a?.shipmentId))).toMatchObject({ status: 'CANCELLED', countedStatus: 'HELD' });
    expect(w.license(lut.licenseId).releasedQuantity).toBe(20);
  });

  it('re-holds what it released when a suspension lands mid-release (guard conflict, fresh read, re-hold)', async () => {
    const w = memoryWorld();
    const lut = givenLicense(w, { authorizedQuantity: 10_000 });
    // The first transaction holds FIRST_TRANSACTION releases; the suspension lands before the second.
    w.seed.accepted(Array.from({ length: 150 }, (_, priority) => lut.shipment({ priority })));
    let transactions = 0;
    const stop = w.faults.before('shipments.transact', () => {
      if (++transactions === 2) w.console.edit('licenses', lut.licenseId, 'status', 'SUSPENDED');
    });
    w.console.edit('licenses', lut.licenseId, 'status', 'APPROVED');
    const outcome = await apply(w, lut.licenseId, undefined, { pageSize: 30 });
    stop();

    expect(outcome).toMatchObject({
      kind: 'completed',
      released: FIRST_TRANSACTION,
      reheld: FIRST_TRANSACTION,
    });
    expect(w.license(lut.licenseId)).toMatchObject({ appliedStatus: 'SUSPENDED', releasedQuantity: 0 });
    expect(new Set(Object.values(holdReasons(w, lut.licenseId)))).toEqual(new Set(['LICENSE_SUSPENDED']));
    expect(idsWith(w, lut.licenseId, 'HELD')).toHaveLength(150);
    expectCounters(w, lut.license.sku, 'WH-1', { held: 1500, released: 0 });
    expectInvariants(w);
  });

  it('changes nothing when its record is delivered again after the work is done', async () => {
    const w = memoryWorld();
    const lut = givenLicense(w, { authorizedQuantity: 15 });
    w.seed.accepted([lut.shipment(), lut.shipment()]);
    await setStatus(w, lut.licenseId, 'APPROVED');
    const before = [w.items('licenses'), w.items('shipments'), w.items('inventory')];
    const calls = w.store.calls.length;

    expect(await apply(w, lut.licenseId)).toEqual({ kind: 'noop' });
    expect([w.items('licenses'), w.items('shipments'), w.items('inventory')]).toEqual(before);
    expect(w.store.ops().slice(calls)).toEqual(['licenses.get']);
  });

  it('reports a license that does not exist', async () => {
    expect(await apply(memoryWorld(), 'LIC-NOPE')).toEqual({ kind: 'missing' });
  });
});
