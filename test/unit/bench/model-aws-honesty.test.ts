/**
 * The AWS model (bench/model-aws) charges what AWS would and claims no more
 * than it measured: handler CPU, table budgets, the four Queries of a page
 * and the pages of a whole-index read, DynamoDB's rejections of single
 * writes and invalid transactions, bounds that are lower bounds, and the
 * assumptions and provenance written next to the figures.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CaseResult, runCase } from '../../../bench/model-aws/case.js';
import { VirtualClock } from '../../../bench/model-aws/clock.js';
import { DEFAULT_CPU, FunctionInstance, onInstance } from '../../../bench/model-aws/cpu.js';
import { DEFAULT_LATENCY, type SimAction, SimDynamo } from '../../../bench/model-aws/dynamo.js';
import { assumptions, runModel } from '../../../bench/model-aws/main.js';
import { DEFAULT_CONFIG, modelWorld, seedWorkload } from '../../../bench/model-aws/model.js';
import { modelLicenses } from '../../../bench/model-aws/ports.js';
import type { HistoryEntry } from '../../../shared/domain/history.js';

/** A layer whose transactions take exactly 30 ms and single writes 5 ms. */
function layer(overrides: Partial<typeof DEFAULT_LATENCY> = {}) {
  const clock = new VirtualClock(0, 1);
  const sim = new SimDynamo(clock, { ...DEFAULT_LATENCY, txMs: [30, 30], writeMs: [5, 5], ...overrides });
  return { clock, sim };
}

const settle = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: unknown) =>
      e instanceof TransactionCanceledException
        ? (e.CancellationReasons ?? []).map((r) => r.Code).join(',')
        : `${(e as Error).name}: ${(e as Error).message}`,
  );

describe('the AWS model: what DynamoDB rejects', () => {
  it('rejects a single UpdateItem of an item a pending transaction holds with TransactionConflictException, writing nothing', async () => {
    const { clock, sim } = layer();
    const out = await clock.run(() =>
      Promise.all([
        settle(
          sim.transact([
            { item: 'licenses/L1', check: () => true },
            { item: 'history/L1#e1', check: () => true },
          ]),
        ),
        clock.sleep(10).then(() => settle(sim.write('licenses/L1'))),
        clock.sleep(10).then(() => settle(sim.put('history/L1#e1', []))),
        // After the hold: accepted.
        clock.sleep(31).then(() => settle(sim.write('licenses/L1'))),
      ]),
    );
    expect(out[0]).toBe('ok');
    expect(out[1]).toMatch(/^TransactionConflictException/);
    expect(out[2]).toMatch(/^TransactionConflictException/);
    expect(out[3]).toBe('ok');
    expect(sim.stats.singleWriteConflicts).toBe(2);
  });

  it('rejects a transaction with two actions on one item, or more than 100, with ValidationException', async () => {
    const { clock, sim } = layer();
    const put = (item: string): SimAction => ({ item, check: () => true });
    const out = await clock.run(() =>
      Promise.all([
        settle(sim.transact([put('licenses/L1'), put('licenses/L1')])),
        settle(sim.transact(Array.from({ length: 101 }, (_, i) => put(`shipments/S${i}`)))),
        settle(sim.transact(Array.from({ length: 100 }, (_, i) => put(`shipments/T${i}`)))),
      ]),
    );
    expect(out[0]).toBe(
      'ValidationException: Transaction request cannot include multiple operations on one item',
    );
    expect(out[1]).toMatch(/^ValidationException: .*less than or equal to 100/);
    expect(out[2]).toBe('ok');
  });

  it('writes nothing for a transaction cancelled by a conflict or by throttling', async () => {
    const { clock, sim } = layer({ partitionWcu: 10 });
    const applied: string[] = [];
    const action = (item: string, wcu = 0): SimAction => ({
      item,
      check: () => true,
      apply: () => applied.push(item) > 0,
      ...(wcu > 0 ? { hot: [{ key: `inventory/${item}`, wcu }] } : {}),
    });
    const out = await clock.run(() =>
      Promise.all([
        settle(sim.transact([action('licenses/L1')])),
        clock.sleep(10).then(() => settle(sim.transact([action('shipments/S1'), action('licenses/L1')]))),
        settle(sim.transact([action('shipments/S2'), action('inventory/A', 11)])),
      ]),
    );
    expect(out).toEqual(['ok', 'None,TransactionConflict', 'None,ThrottlingError']);
    expect(applied).toEqual(['licenses/L1']);
  });

  it("answers the engines' ports as the DynamoDB adapters would: a single license write is rejected, a decision retried", async () => {
    const config = { ...DEFAULT_CONFIG, shipments: 10, licenses: 1 };
    const w = modelWorld({ ...config, latency: { ...config.latency, txMs: [30, 30], writeMs: [5, 5] } });
    const { licenseIds } = seedWorkload(w, config);
    const id = licenseIds[0] as string;
    const entry: HistoryEntry = {
      licenseId: id,
      entryId: `2026-06-01T12:00:00.000Z#${id}#rejected`,
      at: '2026-06-01T12:00:00.000Z',
      eventType: 'LICENSE_APPROVED',
      actor: 'clearance',
    };
    const repo = modelLicenses(w.tables, w.sim);
    const out = await w.clock.run(() =>
      Promise.all([
        settle(w.sim.transact([{ item: `licenses/${id}`, check: () => true }])),
        // DynamoLicenseRepository rethrows what is not a failed condition: the engine sees the conflict.
        w.clock.sleep(10).then(() => settle(repo.finishWork(id, 'tok-1', {}))),
        // A decision is a transaction with its entry: updateWithEntry retries the conflict after a pause.
        w.clock.sleep(10).then(() => settle(repo.reject(id, 'PENDING', 'why', entry, { by: 'x' } as never))),
      ]),
    );
    expect(out[1]).toMatch(/^TransactionConflictException/);
    expect(out[2]).toBe('ok');
    expect(w.sim.stats.conflicts).toBeGreaterThanOrEqual(1);
  });
});

describe('the AWS model: capacity and reads', () => {
  it('throttles a transaction over its table budget (ThrottlingError), which the release writes at 2 WRU per shipment', async () => {
    const { clock, sim } = layer({ tableWru: { shipments: 100 } });
    const ship = (i: number): SimAction => ({
      item: `shipments/S${i}`,
      check: () => true,
      hot: [{ key: 'table/shipments', wcu: 2 }],
    });
    const out = await clock.run(async () => [
      await settle(sim.transact(Array.from({ length: 40 }, (_, i) => ship(i)))),
      await settle(sim.transact(Array.from({ length: 20 }, (_, i) => ship(100 + i)))),
    ]);
    expect(out[0]).toBe('ok');
    expect(out[1]).toMatch(/^ThrottlingError/);
    expect(sim.stats.peakByTable.shipments).toBe(80);
  });

  it("reads a page as the adapter does, four Queries at once, and sumHeld page after page of the license's keys", async () => {
    const config = { ...DEFAULT_CONFIG, shipments: 10_000, licenses: 1 };
    const w = modelWorld(config);
    seedWorkload(w, config);
    const [pageReads, sumMs, sumReads] = await w.clock.run(async () => {
      await w.shipments.page('held', 'LIC-000', undefined, 200);
      const pageReads = w.sim.stats.reads;
      const t = w.clock.now();
      await w.shipments.sumHeld('LIC-000');
      return [pageReads, w.clock.now() - t, w.sim.stats.reads - pageReads];
    });
    expect(pageReads).toBe(4);
    // 2,500 shipments of 1 KB on each of 4 keys: 3 pages of 1 MB each, one after another, 5–10 ms each.
    expect(sumReads).toBe(12);
    expect(sumMs).toBeGreaterThanOrEqual(12 * 5);
  });
});

describe('the AWS model: handler CPU', () => {
  it("runs each instance's CPU one charge at a time, overlapping calls in flight and other instances", async () => {
    const { clock, sim } = layer({ cpu: { ...DEFAULT_CPU, scale: 1 } });
    const [a, b] = [new FunctionInstance('a'), new FunctionInstance('b')];
    const at = (inst: FunctionInstance | undefined, work: () => Promise<void>) =>
      (inst ? onInstance(inst, work) : work()).then(() => clock.now());
    const out = await clock.run(() =>
      Promise.all([
        at(a, () => sim.cpu(10)),
        at(a, () => sim.cpu(10)),
        at(b, () => sim.cpu(10)),
        at(a, () => sim.read()),
        at(undefined, () => sim.cpu(10)),
      ]),
    );
    expect(out.slice(0, 3)).toEqual([10, 20, 10]);
    expect(out[3]).toBeLessThanOrEqual(10);
    expect(out[4]).toBe(0);
    expect([a.busyMs, b.busyMs]).toEqual([20, 10]);
  });

  it("adds a release transaction's CPU to one license's serial writer", async () => {
    const run = (releaseTxMs: number) =>
      runCase({
        ...DEFAULT_CONFIG,
        shipments: 3000,
        licenses: 1,
        latency: { ...DEFAULT_LATENCY, txMs: [30, 30], cpu: { ...DEFAULT_CPU, releaseTxMs } },
      });
    const [without, withCpu] = [await run(0), await run(10)];
    // Every full transaction (100 actions) spends 10 ms before it is sent, one after another.
    const full = withCpu.transactions.release - 2;
    expect((withCpu.releaseSeconds - without.releaseSeconds) * 1000).toBeGreaterThanOrEqual(full * 9);
    // Two model runs: about 3 s on a quiet machine, past vitest's 5 s default on a loaded one.
  }, 60_000);
});

describe('the AWS model: what it reports', () => {
  let r: CaseResult;
  beforeAll(async () => {
    r = await runCase({ ...DEFAULT_CONFIG, shipments: 20_000, licenses: 1 });
  }, 120_000); // a model run of 20,000 shipments: seconds here, past the 10 s hook default on a loaded machine

  it('reports lower bounds that none of its figures is below, and the gaps', () => {
    expect(r.bounds[r.releaseBound]).toBeLessThanOrEqual(r.releaseSeconds);
    expect(r.bounds[r.bound]).toBeLessThanOrEqual(r.notifySeconds);
    expect(r.bounds[r.historyBound]).toBeLessThanOrEqual(r.historySeconds);
    expect(r.gaps.release).toBeCloseTo(r.releaseSeconds - (r.bounds[r.releaseBound] ?? 0), 6);
    expect(Object.values(r.gaps).every((g) => g >= 0)).toBe(true);
  });

  it("reports the notify path's busiest key apart from History's, and each table's peak", () => {
    expect(r.hotItems.peakKey).toMatch(/^history\//);
    expect(r.hotItems.notifyPath.peakKey).toMatch(/^(gsi|inventory|license)\//);
    expect(r.hotItems.notifyPath.peakWcu).toBeGreaterThan(0);
    expect(r.tables.shipments?.budget).toBe(20_000);
    expect(r.tables.shipments?.peakWru).toBeGreaterThan(2 * 1000);
    expect(r.cpu['license-events']?.seconds).toBeGreaterThan(0);
  });

  it('states the table budgets, the per-key hot limit and the shard count next to the figures', () => {
    const a = assumptions(DEFAULT_CONFIG);
    expect(a.tables).toMatch(/4,000 writes a second/);
    expect(a.tables).toMatch(/shipments 20000/);
    expect(a.hotItems).toMatch(/not per partition/);
    expect(a.streams).toMatch(/one per table partition/);
    expect(a.cpu).toMatch(/0\.58 vCPU/);
  });

  it('records the commit and whether the tree was dirty in its results', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'model-aws-')), 'model.json');
    const write = process.stdout.write;
    process.stdout.write = () => true;
    try {
      await runModel(['--model-shipments', '200', '--model-licenses', '2', '--model-out', out]);
    } finally {
      process.stdout.write = write;
    }
    const results = JSON.parse(readFileSync(out, 'utf8'));
    expect(results.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(typeof results.dirty).toBe('boolean');
  });
});
