/**
 * The pipelined writer (shared/engine/release-pipeline.ts) and the batch of
 * licenses released together (shared/engine/license-batch.ts): filled
 * transactions grouped by Inventory item, overlap that keeps hold order and
 * limits, replanning after a skipped release, hand-over mid-pipeline, and
 * concurrent licenses sharing an Inventory item through TransactionConflict.
 */
import { describe, expect, it } from 'vitest';
import { fifoLimiter } from '../../../shared/domain/concurrency.js';
import { DependencyError } from '../../../shared/domain/errors.js';
import type { Shipment } from '../../../shared/domain/model.js';
import { compareHoldOrder, planRelease } from '../../../shared/domain/planning.js';
import { applyLicenses } from '../../../shared/engine/license-batch.js';
import { applyLicense, type LicenseOutcome } from '../../../shared/engine/license-engine.js';
import { FIRST_TRANSACTION, takeTransaction } from '../../../shared/engine/release-pipeline.js';
import {
  apply,
  changesTo,
  expectCounters,
  expectInvariants,
  givenLicense,
  idsWith,
  LATER,
  type LicenseUnderTest,
  PAST,
  shipmentEvents,
} from '../../helpers/fakes/engine-kit.js';
import { FakeTransactionConflict } from '../../helpers/fakes/shipment-repository.js';
import { type MemoryWorld, memoryWorld } from '../../helpers/fakes/world.js';

/** A license approved (not yet applied) over `n` HELD shipments built by `shape(i)`. */
function approvedBacklog(
  w: MemoryWorld,
  n: number,
  license: Parameters<typeof givenLicense>[1],
  shape: (i: number) => Partial<Shipment> = (i) => ({ priority: i }),
): { lut: LicenseUnderTest; backlog: Shipment[] } {
  const lut = givenLicense(w, license);
  const backlog = Array.from({ length: n }, (_, i) => lut.shipment(shape(i)));
  w.seed.accepted(backlog);
  w.console.edit('licenses', lut.licenseId, 'status', 'APPROVED');
  return { lut, backlog };
}

const committed = (w: MemoryWorld) => w.shipments.transactions.filter((t) => t.outcome === 'committed');
const warehouseOf = (backlog: readonly Shipment[]) => {
  const byId = new Map(backlog.map((s) => [s.shipmentId, s.warehouseId]));
  return (ids: readonly string[]) => new Set(ids.map((id) => byId.get(id)));
};
const released = (o: LicenseOutcome) => ('released' in o ? o.released : 0);

describe('filled transactions', () => {
  it('sends a small first transaction, then fills transactions across page boundaries: 1,000 releases in 1 + ⌈995/97⌉ = 12 transactions, not 96 + 96 + 8 per page', async () => {
    const w = memoryWorld();
    const { lut } = approvedBacklog(w, 1000, { authorizedQuantity: 1_000_000 });
    expect(await apply(w, lut.licenseId)).toMatchObject({
      kind: 'completed',
      released: 1000,
      transactions: 12,
    });
    expect(FIRST_TRANSACTION).toBe(5);
    expect(committed(w).map((t) => t.shipmentIds.length)).toEqual([5, ...Array(10).fill(97), 25]);
    expect(committed(w).every((t) => t.actions <= 100)).toBe(true);
    // A full one: 97 releases, their Inventory item, the guarded license update and the event's tally update.
    expect(committed(w)[1]?.actions).toBe(100);
    expect([...changesTo(w, 'RELEASED').values()]).toEqual(Array(1000).fill(1));
    expectCounters(w, lut.license.sku, 'WH-1', { held: 0, released: 10_000 });
    expectInvariants(w);
  });

  it('gives the tally’s action to a release where no tally is kept (license simulate, the AWS model): 98 releases a transaction', async () => {
    const w = memoryWorld();
    const { lut } = approvedBacklog(w, 300, { authorizedQuantity: 1_000_000 });
    const outcome = await applyLicense(w.licenseDeps({ digests: undefined }), lut.licenseId, LATER());
    expect([outcome.kind, released(outcome)]).toEqual(['completed', 300]);
    expect(committed(w).map((t) => t.shipmentIds.length)).toEqual([5, 98, 98, 98, 1]);
    // A full one: 98 releases, their Inventory item and the guarded license update.
    expect(committed(w)[1]?.actions).toBe(100);
    expectInvariants(w);
  });

  it('cuts transactions by Inventory item: writes interleaved over two warehouses commit one warehouse per transaction after the first', async () => {
    const w = memoryWorld();
    const { lut, backlog } = approvedBacklog(w, 500, { authorizedQuantity: 1_000_000 }, (i) => ({
      priority: i,
      warehouseId: i % 2 === 0 ? 'WH-1' : 'WH-2',
    }));
    expect(await apply(w, lut.licenseId)).toMatchObject({ kind: 'completed', released: 500 });
    const warehouses = committed(w).map((t) => warehouseOf(backlog)(t.shipmentIds).size);
    // The first transaction takes the first writes in plan order, whatever their warehouse.
    expect(warehouses).toEqual([2, ...Array(6).fill(1)]);
    expect(committed(w)).toHaveLength(1 + Math.ceil((500 - FIRST_TRANSACTION) / 97));
    expectCounters(w, lut.license.sku, 'WH-1', { held: 0, released: 2500 });
    expectCounters(w, lut.license.sku, 'WH-2', { held: 0, released: 2500 });
    expectInvariants(w);
  });

  it('takes a single-item transaction when one has 97 writes, mixes only once four transactions are buffered, all when forced', () => {
    const write = (warehouseId: string) => ({
      shipmentId: `S-${warehouseId}-${Math.random()}`,
      set: {},
      bumpRevision: true,
      expect: {},
      counters: { sku: 'SKU', warehouseId, delta: { onHand: 0, held: -1, released: 1, shipped: 0 } },
      license: { licenseId: 'L', quantity: 1, value: 0 },
    });
    const planned = (counts: Record<string, number>) =>
      Object.entries(counts).flatMap(([wh, n]) =>
        Array.from({ length: n }, () => ({ write: write(wh), from: undefined })),
      );
    expect(takeTransaction(planned({ A: 96, B: 96 }), false)).toBeUndefined();
    expect(
      takeTransaction(planned({ A: 60, B: 120 }), false)?.map((p) => p.write.counters.warehouseId),
    ).toEqual(Array(97).fill('B'));
    // Four transactions' worth and no item with 97: the largest group goes whole, others fill what is left.
    const mixed = takeTransaction(planned({ A: 60, B: 90, C: 90, D: 90, E: 70 }), false) ?? [];
    expect(mixed.map((p) => p.write.counters?.warehouseId)).toEqual([
      ...Array(90).fill('B'),
      ...Array(6).fill('C'),
    ]);
    // Forced (the end of a pass): what fits one transaction goes together, otherwise the largest group alone.
    expect(takeTransaction(planned({ A: 3, B: 2 }), true)).toHaveLength(5);
    expect(takeTransaction(planned({ A: 54, B: 50 }), true)).toHaveLength(54);
  });
});

describe('overlap', () => {
  it('reads the next page while a transaction is in flight, one transaction at a time, keeping first-fit in hold order and the limit', async () => {
    const w = memoryWorld();
    const quantity = (i: number) => 1 + ((i * 7) % 13);
    const { lut, backlog } = approvedBacklog(w, 600, { authorizedQuantity: 2500 }, (i) => ({
      priority: i % 50,
      quantity: quantity(i),
      warehouseId: i % 3 === 0 ? 'WH-2' : 'WH-1',
    }));
    let inFlight = 0;
    let most = 0;
    let pagesDuringCommit = 0;
    const commit = w.shipments.commit.bind(w.shipments);
    w.shipments.commit = async (writes, guard) => {
      most = Math.max(most, ++inFlight);
      try {
        return await commit(writes, guard);
      } finally {
        inFlight--;
      }
    };
    w.shipments.holdPending = true;
    w.faults.before('shipments.page', () => {
      if (inFlight > 0) pagesDuringCommit++;
    });
    await apply(w, lut.licenseId, LATER(), { pageSize: 60 });
    expect(most).toBe(1);
    expect(pagesDuringCommit).toBeGreaterThan(0);
    // Planned over the whole backlog at once: the same shipments go.
    const license = { ...lut.license, status: 'APPROVED' as const };
    const sorted = [...backlog].sort(compareHoldOrder);
    const expected = planRelease(license, sorted, { quantity: 2500 }, w.now()).release.map(
      (s) => s.shipmentId,
    );
    expect(idsWith(w, lut.licenseId, 'RELEASED')).toEqual(expected.sort());
    expect(w.license(lut.licenseId).releasedQuantity).toBe(
      backlog.filter((s) => expected.includes(s.shipmentId)).reduce((n, s) => n + s.quantity, 0),
    );
    expect(w.license(lut.licenseId).releasedQuantity).toBeLessThanOrEqual(2500);
    expectInvariants(w);
  });

  it.each([1, 2])(
    'replans after a release skipped in transaction %i mid-pipeline: neither over- nor under-releases',
    async (nth) => {
      const w = memoryWorld();
      const { lut, backlog } = approvedBacklog(w, 400, { authorizedQuantity: 2500 }, (i) => ({
        priority: i,
      }));
      // Quantity 10 each: 250 fit. The one cancelled is in the nth transaction.
      const victim = backlog[(nth - 1) * 97 + 5] as Shipment;
      let transactions = 0;
      w.faults.before('shipments.transact', () => {
        if (++transactions === nth) w.console.edit('shipments', victim.shipmentId, 'status', 'CANCELLED');
      });
      const outcome = await apply(w, lut.licenseId, LATER(), { pageSize: 100 });
      const expected = backlog
        .filter((s) => s.shipmentId !== victim.shipmentId)
        .slice(0, 250)
        .map((s) => s.shipmentId);
      expect(outcome).toMatchObject({ kind: 'completed', released: 250, unitsReleased: 2500 });
      expect(idsWith(w, lut.licenseId, 'RELEASED')).toEqual(expected.sort());
      expect(w.license(lut.licenseId).releasedQuantity).toBe(2500);
      expect([...changesTo(w, 'RELEASED').values()].every((n) => n === 1)).toBe(true);
      // shipment-events applies the cancellation: the cancelled shipment leaves the held count.
      await shipmentEvents(w);
      expectCounters(w, lut.license.sku, 'WH-1', { held: 4000 - 2500 - 10, released: 2500 });
      expectInvariants(w);
    },
  );

  it('at a hand-over, lets what is in flight commit and drops what is planned and unsent; the next slice reads it again, nothing lost or doubled', async () => {
    const w = memoryWorld();
    const { lut, backlog } = approvedBacklog(w, 1000, { authorizedQuantity: 7000 }, (i) => ({ priority: i }));
    const outcomes: LicenseOutcome[] = [];
    for (let slice = 0; slice < 20; slice++) {
      const outcome = await apply(w, lut.licenseId, PAST(), { pageSize: 150 });
      outcomes.push(outcome);
      if (outcome.kind !== 'continued') break;
      // What the slice planned and did not send is still HELD, to be read again from workCursor.
      const held = idsWith(w, lut.licenseId, 'HELD');
      expect(held.length).toBe(1000 - outcomes.reduce((n, o) => n + released(o), 0));
      expect(w.license(lut.licenseId).pendingWork).toEqual(expect.any(String));
    }
    expect(outcomes.at(-1)?.kind).toBe('completed');
    expect(outcomes.length).toBeGreaterThan(2);
    expect(outcomes.reduce((n, o) => n + released(o), 0)).toBe(700);
    expect(idsWith(w, lut.licenseId, 'RELEASED')).toEqual(
      backlog
        .slice(0, 700)
        .map((s) => s.shipmentId)
        .sort(),
    );
    expect([...changesTo(w, 'RELEASED').values()]).toEqual(Array(700).fill(1));
    const l = w.license(lut.licenseId);
    expect([l.releasedQuantity, l.pendingWork, l.workCursor]).toEqual([7000, undefined, undefined]);
    expectInvariants(w);
  });
});

describe('the first slice of new work', () => {
  it('hands new work over after its first slice, and resumed work keeps the whole slice', async () => {
    const w = memoryWorld();
    const { lut } = approvedBacklog(w, 500, { authorizedQuantity: 5000 });
    const deps = { firstSliceMs: 0 };
    const first = await applyLicense(w.licenseDeps(deps), lut.licenseId, LATER());
    // The approval's own pass: a first page of FIRST_TRANSACTION shipments in one small transaction, then
    // a hand-over, though the deadline is a minute away. The next slice reads on after that page.
    expect(first.kind).toBe('continued');
    expect(released(first)).toBe(FIRST_TRANSACTION);
    expect(committed(w).map((t) => t.shipmentIds.length)).toEqual([FIRST_TRANSACTION]);
    expect(w.license(lut.licenseId).workCursor).toEqual(expect.any(String));
    const second = await applyLicense(w.licenseDeps(deps), lut.licenseId, LATER());
    expect(second.kind).toBe('completed');
    expect(released(second)).toBe(500 - FIRST_TRANSACTION);
    // Resumed work goes on in full transactions.
    expect(committed(w)[1]?.shipmentIds).toHaveLength(97);
    expectInvariants(w);
  });

  it('hands over after the first transaction even when the whole backlog fits the last page', async () => {
    // A burst of approvals of small backlogs: each license's first slice ends after its small first
    // transaction, not after its whole page, so the burst's invocation ends soon and approvals queued
    // behind it on the stream start.
    const w = memoryWorld();
    const { lut } = approvedBacklog(w, 50, { authorizedQuantity: 500 });
    const deps = { firstSliceMs: 0 };
    const first = await applyLicense(w.licenseDeps(deps), lut.licenseId, LATER());
    expect([first.kind, released(first)]).toEqual(['continued', FIRST_TRANSACTION]);
    expect(idsWith(w, lut.licenseId, 'HELD')).toHaveLength(50 - FIRST_TRANSACTION);
    const second = await applyLicense(w.licenseDeps(deps), lut.licenseId, LATER());
    expect([second.kind, released(second)]).toEqual(['completed', 50 - FIRST_TRANSACTION]);
    expect(committed(w).map((t) => t.shipmentIds.length)).toEqual([
      FIRST_TRANSACTION,
      50 - FIRST_TRANSACTION,
    ]);
    const l = w.license(lut.licenseId);
    expect([l.releasedQuantity, l.pendingWork, l.workCursor]).toEqual([500, undefined, undefined]);
    expectInvariants(w);
  });

  it('leaves work alone without a first slice', async () => {
    const w = memoryWorld();
    const { lut } = approvedBacklog(w, 500, { authorizedQuantity: 5000 });
    const outcome = await applyLicense(w.licenseDeps(), lut.licenseId, LATER());
    expect([outcome.kind, released(outcome)]).toEqual(['completed', 500]);
  });
});

describe('licenses released together', () => {
  /** Two licenses of one sku: their releases move the same Inventory item (sku, WH-1). */
  function twoOfOneSku(w: MemoryWorld, n: number) {
    const lutA = givenLicense(w, { authorizedQuantity: 1_000_000 });
    const sku = lutA.license.sku;
    // givenLicense stocks the sku afresh: both licenses first, then their backlogs.
    const lutB = givenLicense(w, { authorizedQuantity: 1_000_000, sku });
    const [a, b] = [lutA, lutB].map((lut) => {
      const backlog = Array.from({ length: n }, (_, priority) => lut.shipment({ priority }));
      w.seed.accepted(backlog);
      w.console.edit('licenses', lut.licenseId, 'status', 'APPROVED');
      return { lut, backlog };
    }) as [{ lut: LicenseUnderTest; backlog: Shipment[] }, { lut: LicenseUnderTest; backlog: Shipment[] }];
    return { a, b, sku };
  }

  it('releases two licenses sharing an Inventory item concurrently through TransactionConflicts, with exact counters', async () => {
    const w = memoryWorld();
    const { a, b, sku } = twoOfOneSku(w, 300);
    w.shipments.holdPending = true;
    w.faults.failNext('shipments.transact', new FakeTransactionConflict(), 1);
    w.faults.failNext('shipments.transact', new FakeTransactionConflict(), 2);
    const results = await applyLicenses(w.licenseDeps(), [a.lut.licenseId, b.lut.licenseId], LATER(), {
      concurrency: 2,
    });
    const outcomes = results.map((r) => (r.ok ? r.outcome : r.error));
    expect(outcomes).toMatchObject([
      { kind: 'completed', released: 300 },
      { kind: 'completed', released: 300 },
    ]);
    const conflicts = outcomes.reduce<number>((n, o) => n + ((o as { conflicts: number }).conflicts ?? 0), 0);
    const attempts = w.shipments.transactions.filter((t) => t.outcome[0] === 'TransactionConflict').length;
    expect(conflicts).toBe(attempts);
    expect(conflicts).toBeGreaterThanOrEqual(2);
    expectCounters(w, sku, 'WH-1', { held: 0, released: 6000 });
    expect(w.license(a.lut.licenseId).releasedQuantity).toBe(3000);
    expect(w.license(b.lut.licenseId).releasedQuantity).toBe(3000);
    expect([...changesTo(w, 'RELEASED').values()]).toEqual(Array(600).fill(1));
    expectInvariants(w);
  });

  it('surfaces a conflict budget used up as that license failing; the other license finishes', async () => {
    const w = memoryWorld();
    const { a, b, sku } = twoOfOneSku(w, 50);
    w.shipments.holdPending = true;
    // The budget is under test, not the jitter: 25 real pauses add up to about 4 s, near the test timeout.
    w.shipments.pauseAfterConflict = () => new Promise((resolve) => setImmediate(resolve));
    const ofA = new Set(a.backlog.map((s) => s.shipmentId));
    let conflicting = true;
    w.faults.before('shipments.transact', ({ args }) => {
      const ids = args[0] as string[];
      if (conflicting && ids.some((id) => ofA.has(id))) throw new FakeTransactionConflict();
    });
    const results = await applyLicenses(w.licenseDeps(), [a.lut.licenseId, b.lut.licenseId], LATER(), {
      concurrency: 2,
    });
    conflicting = false;
    expect(results[0]).toMatchObject({ ok: false, error: expect.any(DependencyError) });
    expect(String((results[0] as { error: Error }).error.message)).toMatch(/kept conflicting/);
    expect(results[1]).toMatchObject({ ok: true, outcome: { kind: 'completed', released: 50 } });
    expect(w.license(a.lut.licenseId)).toMatchObject({
      releasedQuantity: 0,
      pendingWork: expect.any(String),
    });
    expectCounters(w, sku, 'WH-1', { held: 500, released: 500 });
    expectInvariants(w);
    // The stream retries the failed record: the license finishes.
    expect(await apply(w, a.lut.licenseId)).toMatchObject({ kind: 'completed', released: 50 });
    expectInvariants(w);
  });

  it('does not make a small license wait for a large one: every first transaction goes before the large license’s second', async () => {
    const w = memoryWorld();
    const big = approvedBacklog(w, 1000, { authorizedQuantity: 1_000_000 });
    const small = Array.from({ length: 4 }, () => approvedBacklog(w, 5, { authorizedQuantity: 1_000_000 }));
    const ids = [big.lut.licenseId, ...small.map((s) => s.lut.licenseId)];
    const results = await applyLicenses(w.licenseDeps(), ids, LATER(), { concurrency: 2 });
    expect(results.map((r) => r.ok && released(r.outcome))).toEqual([1000, 5, 5, 5, 5]);
    const licenseOf = new Map(
      [big, ...small].flatMap(({ lut, backlog }) => backlog.map((s) => [s.shipmentId, lut.licenseId])),
    );
    const owner = (t: { shipmentIds: string[] }) => licenseOf.get(t.shipmentIds[0] ?? '');
    const order = committed(w).map(owner);
    const secondOfBig = order.indexOf(big.lut.licenseId, order.indexOf(big.lut.licenseId) + 1);
    for (const s of small) expect(order.indexOf(s.lut.licenseId)).toBeLessThan(secondOfBig);
    expectInvariants(w);
  });
});

describe('the first round of a batch', () => {
  it('sends a new license’s first transaction before a resumed license’s transactions', async () => {
    const w = memoryWorld();
    const resumed = approvedBacklog(w, 1000, { authorizedQuantity: 1_000_000 });
    // Its approval's first slice ends at once: work continues from the first page.
    const slice = await applyLicense(w.licenseDeps({ firstSliceMs: 0 }), resumed.lut.licenseId, LATER());
    expect(slice.kind).toBe('continued');
    const before = committed(w).length;
    // A new approval arrives in the same batch as the continuation, listed after it.
    const fresh = approvedBacklog(w, 50, { authorizedQuantity: 1_000_000 });
    const ids = [resumed.lut.licenseId, fresh.lut.licenseId];
    const results = await applyLicenses(w.licenseDeps({ firstSliceMs: 0 }), ids, LATER(), { concurrency: 4 });
    expect(results.map((r) => r.ok && r.outcome.kind)).toEqual(['completed', 'continued']);
    const ofFresh = new Set(fresh.backlog.map((s) => s.shipmentId));
    const after = committed(w).slice(before);
    // The resumed license's reads are quicker (no approval to record), yet the new license commits first.
    expect(after[0]?.shipmentIds.every((id) => ofFresh.has(id))).toBe(true);
    expect(after[0]?.shipmentIds).toHaveLength(FIRST_TRANSACTION);
    expect(after.length).toBeGreaterThan(1);
    expectInvariants(w);
  });
});

describe('the reads and writes a burst’s first round waits for (issue 17’s fairness)', () => {
  it('reads a new license’s first page at its first transaction’s size, and reads on only once that transaction has committed', async () => {
    const w = memoryWorld();
    const { lut } = approvedBacklog(w, 500, { authorizedQuantity: 5000 });
    w.shipments.holdPending = true;
    let inFlight = 0;
    let commits = 0;
    const commit = w.shipments.commit.bind(w.shipments);
    w.shipments.commit = async (writes, guard) => {
      inFlight++;
      try {
        return await commit(writes, guard);
      } finally {
        inFlight--;
        commits++;
      }
    };
    const reads: { limit: unknown; commits: number; inFlight: number }[] = [];
    w.faults.before('shipments.page', ({ args }) => {
      reads.push({ limit: args[3], commits, inFlight });
    });
    const outcome = await applyLicense(w.licenseDeps(), lut.licenseId, LATER());
    expect([outcome.kind, released(outcome)]).toEqual(['completed', 500]);
    expect(reads[0]).toEqual({ limit: FIRST_TRANSACTION, commits: 0, inFlight: 0 });
    // The next page waits for the first transaction; later pages overlap the transaction in flight.
    expect(reads[1]).toEqual({ limit: 200, commits: 1, inFlight: 0 });
    expect(reads.slice(2).some((r) => r.inFlight > 0)).toBe(true);
    expectInvariants(w);
  });

  it('lets a resumed license read, and new licenses hand over, only once every new license has had its first transaction', async () => {
    const w = memoryWorld();
    const resumed = approvedBacklog(w, 300, { authorizedQuantity: 1_000_000 });
    expect(
      (await applyLicense(w.licenseDeps({ firstSliceMs: 0 }), resumed.lut.licenseId, LATER())).kind,
    ).toBe('continued');
    const fresh = Array.from({ length: 3 }, () => approvedBacklog(w, 50, { authorizedQuantity: 1_000_000 }));
    const name = new Map(
      [resumed, ...fresh].map(({ lut }, i) => [lut.licenseId, i === 0 ? 'resumed' : `new${i}`]),
    );
    const owner = new Map(
      [resumed, ...fresh].flatMap(({ lut, backlog }) =>
        backlog.map((s) => [s.shipmentId, name.get(lut.licenseId)]),
      ),
    );
    const events: string[] = [];
    w.shipments.holdPending = true;
    w.faults.before('shipments.page', ({ args }) => {
      events.push(`read ${name.get(args[1] as string)}`);
    });
    w.faults.before('shipments.transact', ({ args }) => {
      events.push(`commit ${owner.get((args[0] as string[])[0] ?? '')}`);
    });
    w.faults.before('licenses.continueWork', ({ args }) => {
      events.push(`hand over ${name.get(args[0] as string)}`);
    });
    const ids = [resumed.lut.licenseId, ...fresh.map((f) => f.lut.licenseId)];
    const results = await applyLicenses(w.licenseDeps({ firstSliceMs: 0 }), ids, LATER(), { concurrency: 1 });
    expect(results.map((r) => r.ok && r.outcome.kind)).toEqual([
      'completed',
      'continued',
      'continued',
      'continued',
    ]);
    const lastFirst = Math.max(...['new1', 'new2', 'new3'].map((n) => events.indexOf(`commit ${n}`)));
    expect(lastFirst).toBeGreaterThan(0);
    // Before every new license has asked for its first transaction: no read of the resumed license, no hand-over.
    expect(
      events.slice(0, lastFirst).filter((e) => e === 'read resumed' || e.startsWith('hand over')),
    ).toEqual([]);
    expect(events.slice(lastFirst)).toContain('read resumed');
    expectInvariants(w);
  });
});

describe('fifoLimiter', () => {
  it('runs at most `concurrency` tasks at once, starting waiting ones in the order they asked', async () => {
    const limiter = fifoLimiter(2);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const task = (i: number) => async () => {
      started.push(i);
      most = Math.max(most, ++running);
      await new Promise((resolve) => setTimeout(resolve, 5 - (i % 3)));
      running--;
      return i;
    };
    expect(await Promise.all([0, 1, 2, 3, 4, 5].map((i) => limiter.run(task(i))))).toEqual([
      0, 1, 2, 3, 4, 5,
    ]);
    expect(most).toBe(2);
    expect(started).toEqual([0, 1, 2, 3, 4, 5]);
    await expect(limiter.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await limiter.run(async () => 'still works')).toBe('still works');
  });
});
