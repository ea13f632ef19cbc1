/**
 * The AWS model (bench/model-aws): its DynamoDB layer rejects what DynamoDB
 * would reject, and a small run of the real engines on it ends as it must.
 * Only virtual time is asserted, and only for consistency.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { runCase } from '../../../bench/model-aws/case.js';
import { VirtualClock } from '../../../bench/model-aws/clock.js';
import { DEFAULT_LATENCY, type SimAction, SimDynamo } from '../../../bench/model-aws/dynamo.js';
import { CountingHistory } from '../../../bench/model-aws/history.js';
import { DEFAULT_CONFIG } from '../../../bench/model-aws/model.js';
import type { StreamEntry } from '../../../bench/model-aws/ports.js';
import { StreamMapping } from '../../../bench/model-aws/streams.js';
import type { HistoryEntry } from '../../../shared/domain/history.js';

/** A layer whose transactions take exactly 30 ms and hold their items the whole time. */
function layer(overrides: Partial<typeof DEFAULT_LATENCY> = {}) {
  const clock = new VirtualClock(0, 1);
  const sim = new SimDynamo(clock, { ...DEFAULT_LATENCY, txMs: [30, 30], ...overrides });
  return { clock, sim };
}

const put = (item: string, wcu = 0, holds = true): SimAction => ({
  item,
  check: () => holds,
  ...(wcu > 0 ? { hot: [{ key: `hot/${item}`, wcu }] } : {}),
});

/** Runs `tx` after `at` ms of virtual time; settles to the reason codes, or 'ok'. */
function txAt(
  clock: VirtualClock,
  sim: SimDynamo,
  at: number,
  actions: SimAction[],
): Promise<string[] | 'ok'> {
  return clock.sleep(at).then(() =>
    sim.transact(actions).then(
      () => 'ok' as const,
      (error: unknown) => {
        expect(error).toBeInstanceOf(TransactionCanceledException);
        return ((error as TransactionCanceledException).CancellationReasons ?? []).map((r) => r.Code ?? '');
      },
    ),
  );
}

describe('the AWS model: DynamoDB transaction semantics', () => {
  it('cancels a second transaction that touches an item a pending one holds, with TransactionConflict at its index', async () => {
    const { clock, sim } = layer();
    const [first, second] = await clock.run(() =>
      Promise.all([
        txAt(clock, sim, 0, [put('inventory/H20#WH-1'), put('licenses/L1')]),
        txAt(clock, sim, 10, [put('shipments/S2'), put('inventory/H20#WH-1')]),
      ]),
    );
    expect(first).toBe('ok');
    expect(second).toEqual(['None', 'TransactionConflict']);
    expect(sim.stats.conflicts).toBe(1);
  });

  it('lets overlapping transactions on disjoint items both commit', async () => {
    const { clock, sim } = layer();
    const outcomes = await clock.run(() =>
      Promise.all([
        txAt(clock, sim, 0, [put('inventory/H20#WH-1'), put('shipments/S1')]),
        txAt(clock, sim, 10, [put('inventory/H20#WH-2'), put('shipments/S2')]),
      ]),
    );
    expect(outcomes).toEqual(['ok', 'ok']);
  });

  it('lets a transaction commit once the one before it on the same item has completed', async () => {
    const { clock, sim } = layer();
    const outcomes = await clock.run(() =>
      Promise.all([txAt(clock, sim, 0, [put('licenses/L1')]), txAt(clock, sim, 31, [put('licenses/L1')])]),
    );
    expect(outcomes).toEqual(['ok', 'ok']);
  });

  it('holds only from prepare to commit when told so: a transaction after the hold ends does not conflict', async () => {
    const { clock, sim } = layer({ holdFrom: 0.2, holdTo: 0.8 });
    // First holds 6–24 ms; the second's hold starts at 25 + 6 = 31 ms.
    const outcomes = await clock.run(() =>
      Promise.all([txAt(clock, sim, 0, [put('licenses/L1')]), txAt(clock, sim, 25, [put('licenses/L1')])]),
    );
    expect(outcomes).toEqual(['ok', 'ok']);
  });

  it('reports a failed condition as ConditionalCheckFailed at its index and writes nothing', async () => {
    const { clock, sim } = layer();
    const applied: string[] = [];
    const action = (item: string, holds: boolean): SimAction => ({
      ...put(item, 0, holds),
      apply: () => applied.push(item) > 0,
    });
    const outcome = await clock.run(() =>
      txAt(clock, sim, 0, [
        action('shipments/S1', true),
        action('shipments/S2', false),
        action('licenses/L1', true),
      ]),
    );
    expect(outcome).toEqual(['None', 'ConditionalCheckFailed', 'None']);
    expect(applied).toEqual([]);
  });

  it('throttles a hot item at its WCU budget per second, and serves it again the next second', async () => {
    const { clock, sim } = layer({ partitionWcu: 1000 });
    const outcomes = await clock.run(async () => [
      await txAt(clock, sim, 0, [put('inventory/A', 400)]),
      await txAt(clock, sim, 0, [put('inventory/A', 400)]),
      await txAt(clock, sim, 0, [put('shipments/S1'), put('inventory/A', 400)]),
      await txAt(clock, sim, 1000, [put('inventory/A', 400)]),
    ]);
    expect(outcomes).toEqual(['ok', 'ok', ['None', 'ThrottlingError'], 'ok']);
    expect(sim.stats.peakWcu).toBe(800);
  });

  it('runs in virtual time and puts the real timers back', async () => {
    const realNow = Date.now;
    const realTimeout = globalThis.setTimeout;
    const clock = new VirtualClock(1_000, 1);
    const seen = await clock.run(async () => {
      await new Promise((resolve) => setTimeout(resolve, 60_000));
      return Date.now();
    });
    expect(seen).toBe(61_000);
    expect(Date.now).toBe(realNow);
    expect(globalThis.setTimeout).toBe(realTimeout);
  });
});

describe('the AWS model: History appends', () => {
  const entries = (licenseId: string, n: number): HistoryEntry[] =>
    Array.from({ length: n }, (_, i) => ({
      licenseId,
      entryId: `2026-12-02T00:00:00.000Z#S-${i}#r000002`,
      at: '2026-12-02T00:00:00.000Z',
      eventType: 'SHIPMENT_RELEASED',
      actor: 'clearance',
    }));

  it("throttles one license's History key at 1,000 WCU/s, and the product's adapter puts the rest one by one at half the cost", async () => {
    const { clock, sim } = layer({ partitionWcu: 1000 });
    const history = new CountingHistory(sim);
    const took = await clock.run(async () => {
      const start = clock.now();
      await history.instance().append(entries('L-1', 10_000));
      return clock.now() - start;
    });
    expect(history.entries).toBe(10_000);
    expect(history.throttled).toBeGreaterThan(0);
    expect(history.singlePuts).toBeGreaterThan(5000);
    expect(history.transactions * 100 + history.singlePuts).toBe(10_000);
    expect(sim.stats.peakWcu).toBeLessThanOrEqual(1000);
    // At least 10,000 WCU (ten seconds' budget), and well under what transactions alone need (500 a second: 20 s).
    expect(took).toBeGreaterThanOrEqual(9000);
    expect(took).toBeLessThan(15_000);
  });

  it('gives each license a key of its own: two licenses of 400 entries are not throttled', async () => {
    const { clock, sim } = layer({ partitionWcu: 1000 });
    const history = new CountingHistory(sim);
    await clock.run(() => history.instance().append([...entries('L-1', 400), ...entries('L-2', 400)]));
    expect([history.entries, history.throttled]).toEqual([800, 0]);
  });
});

describe('the AWS model: stream mappings', () => {
  it('invokes on a full batch within the poll lag even while records keep arriving faster than it', async () => {
    const clock = new VirtualClock(0, 1);
    const invokedAt: number[] = [];
    const mapping = new StreamMapping(
      clock,
      { shards: 1, batchSize: 10, windowMs: 2000, lagMs: 250, overheadMs: 0, maxRetries: 0, bisect: true },
      async () => {
        invokedAt.push(clock.now());
        return [];
      },
    );
    await clock.run(async () => {
      // One record every 10 ms for 3 s: the batch is full after 100 ms.
      for (let i = 0; i < 300; i++) {
        mapping.push({ key: `S-${i}`, sequence: String(i).padStart(6, '0') } as StreamEntry);
        await clock.sleep(10);
      }
    });
    expect(invokedAt[0], 'full at 90 ms, invoked 250 ms later, not when the flow stops').toBe(340);
    expect(invokedAt.length).toBeGreaterThan(10);
  });
});

describe('the AWS model: failed batches, as the deployed mappings handle them', () => {
  /** Pushes `n` records on one shard and runs the mapping until it is idle; returns each invocation's sequences. */
  async function deliver(
    n: number,
    options: { bisect: boolean; maxRetries: number },
    handler: (sequences: string[]) => string[] | 'throw',
  ) {
    const clock = new VirtualClock(0, 1);
    const batches: string[][] = [];
    const mapping = new StreamMapping(
      clock,
      { shards: 1, batchSize: 8, windowMs: 0, lagMs: 10, overheadMs: 0, ...options },
      async (records) => {
        const sequences = records.map((r) => r.sequence);
        batches.push(sequences);
        const failed = handler(sequences);
        if (failed === 'throw') throw new Error('function error');
        return failed;
      },
    );
    await clock.run(async () => {
      for (let i = 0; i < n; i++)
        mapping.push({ key: 'S-1', sequence: String(i).padStart(3, '0') } as StreamEntry);
      while (!mapping.idle) await clock.sleep(10);
    });
    return { batches, mapping };
  }

  it('checkpoints the records before the lowest reported failure and reads again from it', async () => {
    let failedOnce = false;
    const { batches, mapping } = await deliver(8, { bisect: true, maxRetries: 5 }, (seqs) => {
      if (failedOnce || !seqs.includes('005')) return [];
      failedOnce = true;
      return ['006', '005'];
    });
    expect(batches).toEqual([
      ['000', '001', '002', '003', '004', '005', '006', '007'],
      ['005', '006', '007'],
    ]);
    expect(mapping.dropped).toBe(0);
  });

  it('splits a batch that made no progress until the bad record is alone, retries it, then drops it only', async () => {
    const { batches, mapping } = await deliver(8, { bisect: true, maxRetries: 2 }, (seqs) =>
      seqs.includes('006') ? 'throw' : [],
    );
    // 8 fails: 000–003 pass; a full batch again is the 4 left, 004–007, which fails: 004–005 pass;
    // 006–007 fails: 006 alone fails, then its 2 retries, and is dropped; 007 passes.
    expect(batches.map((b) => b.length)).toEqual([8, 4, 4, 2, 2, 1, 1, 1, 1]);
    expect(batches.slice(-4)).toEqual([['006'], ['006'], ['006'], ['007']]);
    expect(mapping.dropped).toBe(1);
  });

  it('does not split a batch whose failure is reported at its head: retries it whole, then drops it whole', async () => {
    const { batches, mapping } = await deliver(8, { bisect: true, maxRetries: 2 }, (seqs) =>
      seqs[0] === '000' ? ['000'] : [],
    );
    expect(batches.map((b) => b.length)).toEqual([8, 8, 8]);
    expect(mapping.dropped).toBe(8);
  });

  it('without bisecting, drops the whole batch once its retries have failed', async () => {
    const { batches, mapping } = await deliver(8, { bisect: false, maxRetries: 2 }, (seqs) =>
      seqs.includes('006') ? 'throw' : [],
    );
    expect(batches.map((b) => b.length)).toEqual([8, 8, 8]);
    expect(mapping.dropped).toBe(8);
  });
});

describe('the AWS model: a small run of the real engines', () => {
  it.each([
    ['one license at a time', 1],
    ['three licenses at once (Inventory items shared: conflicts retried)', 3],
  ])(
    'releases, records and notifies 2,000 shipments of 3 licenses exactly once: %s',
    async (_, concurrency) => {
      const r = await runCase({
        ...DEFAULT_CONFIG,
        shipments: 2000,
        licenses: 3,
        licenseConcurrency: concurrency,
      });
      expect(r.checks).toEqual({
        released: 2000,
        customerMessages: 2000,
        duplicates: 0,
        countersExact: true,
        historyEntries: 2000,
      });
      expect(r.streams.dropped).toBe(0);
      // History is shipment-history's, on the stream's second mapping, and it finished.
      expect(r.streams.historyInvocations).toBeGreaterThan(0);
      expect(r.historySeconds).toBeGreaterThan(0);
      expect(r.releaseSeconds).toBeGreaterThan(0);
      expect(r.notifySeconds).toBeGreaterThanOrEqual(r.releaseSeconds);
      expect(r.transactions.release).toBeGreaterThanOrEqual(2000 / 98);
      expect(r.hotItems.peakWcu).toBeLessThanOrEqual(DEFAULT_CONFIG.latency.partitionWcu);
      // Seeded: three writers on the same three Inventory items do collide, and the adapter's policy retries.
      if (concurrency > 1) expect(r.transactions.conflicts).toBeGreaterThan(0);
    },
  );
});
