/**
 * The bench's pure parts: the summary keys of bench/results/latest.json
 * (medians of per-repetition ratios, nulls for what did not run), the floor's
 * transaction grouping and the fairness case's backlogs.
 */
import { describe, expect, it } from 'vitest';
import { floorTransactions, SHIPMENTS_PER_TRANSACTION } from '../../../bench/floor.js';
import { type RepResult, renderMarkdown, summarize } from '../../../bench/report.js';
import { FAIRNESS_SHAPE, makeWorkload, rng } from '../../../bench/workload.js';

const memory = (rssPeakMiB: number) => ({
  samples: 1,
  rssStartMiB: 100,
  rssPeakMiB,
  heapUsedPeakMiB: 50,
  heapUsedStartMiB: 40,
  jvmRssPeakMiB: 300,
  nodeCpuS: 1,
  jvmCpuS: 1,
});

const calls = (perShipment: number) => ({
  total: perShipment * 10_000,
  perShipment,
  byOperation: {},
  perShipmentByOperation: {},
});

/** A repetition with the given times (ms); the other fields as a run would fill them. */
function rep(
  n: number,
  r: number,
  ms: { ceiling?: number; floor?: number; clearance?: number; naive?: number; spread?: number },
  extra: { calls?: number; rss?: number } = {},
): RepResult {
  const out: RepResult = { n, rep: r, order: [], loadAverage: 1 };
  if (ms.ceiling !== undefined)
    out.ceiling = {
      kind: 'ceiling',
      tag: 'X0001',
      n,
      ms: ms.ceiling,
      calls: n / 25,
      concurrency: 4,
      itemBytes: 338,
      memory: memory(400),
      problems: [],
    };
  if (ms.floor !== undefined)
    out.floor = {
      kind: 'floor',
      tag: 'F0001',
      n,
      ms: ms.floor,
      releaseMs: ms.floor * 0.8,
      historyMs: ms.floor * 0.2,
      calls: { release: 110, history: 100, perShipment: 0.021 },
      memory: memory(400),
      seedMs: 1000,
      problems: [],
    };
  if (ms.clearance !== undefined)
    out.clearance = {
      kind: 'clearance',
      tag: 'C0001',
      n,
      ms: ms.clearance,
      startedAt: 0,
      firstCustomerMs: 500,
      lastMessageMs: ms.clearance,
      firstByCustomer: {},
      countersFinalMs: ms.clearance,
      historyFinalMs: ms.clearance,
      calls: calls(extra.calls ?? 0.25),
      callTimes: {},
      callsDrained: calls(extra.calls ?? 0.25),
      memory: { ...memory(extra.rss ?? 400), queuedMessagesMiB: 0, liveHeapMiB: 60 },
      seedMs: 1000,
      esm: { invocations: {}, recordsDelivered: {} },
      problems: [],
    };
  if (ms.naive !== undefined)
    out.naive = {
      kind: 'naive',
      tag: 'N0001',
      n,
      ms: ms.naive,
      firstCustomerMs: 100,
      calls: calls(5),
      memory: memory(400),
      seedMs: 1000,
      problems: [],
    } as unknown as RepResult['naive'];
  if (ms.spread !== undefined)
    out.fairness = {
      kind: 'fairness',
      tag: 'A0001',
      n,
      ms: 20_000,
      licenses: [],
      firstMessageMinMs: 400,
      firstMessageMaxMs: 400 + ms.spread,
      spreadMs: ms.spread,
      smallBacklogMaxMs: 400 + ms.spread,
      firstReleaseMaxMs: 300,
      calls: calls(0.3),
      memory: memory(420),
      seedMs: 1000,
      problems: [],
    };
  return out;
}

describe('summarize: the summary keys at N = 10,000', () => {
  it('takes medians of the per-repetition ratios, not ratios of medians', () => {
    const reps = [
      rep(10_000, 1, { ceiling: 1000, floor: 4000, clearance: 8000, naive: 40_000, spread: 2000 }),
      rep(10_000, 2, { ceiling: 2000, floor: 9000, clearance: 9000, naive: 90_000, spread: 1000 }),
      rep(10_000, 3, { ceiling: 3000, floor: 5000, clearance: 10_000, naive: 60_000, spread: 3000 }),
    ];
    const s = summarize(reps, { modelAwsMillionSeconds: 240 });
    // clearance ÷ floor per repetition: 2, 1, 2 → median 2 (the ratio of medians would be 9/5 = 1.8).
    expect(s.clearanceOverFloor).toBe(2);
    // clearance ÷ ceiling: 8, 4.5, 3.333 → 4.5.
    expect(s.clearanceOverCeiling).toBe(4.5);
    // naive ÷ clearance: 5, 10, 6 → 6.
    expect(s.naiveOverClearance).toBe(6);
    expect(s.callsPerShipment).toBe(0.25);
    expect(s.firstMessageSpreadSeconds).toBe(2);
    expect(s.modelAwsMillionSeconds).toBe(240);
    expect(s.rssGrowth10kTo50kPercent).toBeNull();
    const met = Object.fromEntries(s.targets.map((t) => [t.name.split(' at ')[0], t.met]));
    expect(met['clearance ÷ floor']).toBe(false);
    expect(met['naive ÷ clearance']).toBe(true);
  });

  it('is null for what did not run, and gives the RSS growth when both sizes ran', () => {
    const reps = [
      rep(1_000, 1, { clearance: 1000 }),
      rep(10_000, 1, { clearance: 8000 }, { rss: 400 }),
      rep(50_000, 1, { clearance: 40_000 }, { rss: 460 }),
    ];
    const s = summarize(reps);
    expect(s.clearanceOverFloor).toBeNull();
    expect(s.naiveOverClearance).toBeNull();
    expect(s.firstMessageSpreadSeconds).toBeNull();
    expect(s.modelAwsMillionSeconds).toBeNull();
    expect(s.rssPeakMiB10k).toBe(400);
    expect(s.rssPeakMiB50k).toBe(460);
    expect(s.rssGrowth10kTo50kPercent).toBe(15);
    expect(s.sizes.map((z) => z.n)).toEqual([1_000, 10_000, 50_000]);
  });

  it('takes the RSS growth from the separate memory run when this run lacks 50,000, and says so', () => {
    const reps = [rep(10_000, 1, { clearance: 8000 }, { rss: 400 })];
    const memoryRun = { rssPeakMiB10k: 500, rssPeakMiB50k: 550, from: 'memory.json, abc, 2026-12-03' };
    const s = summarize(reps, { modelAwsMillionSeconds: null, memoryRun });
    // 10,000 and 50,000 from the same run: 500 → 550, not this run's 400 → 550.
    expect(s.rssPeakMiB10k).toBe(500);
    expect(s.rssGrowth10kTo50kPercent).toBe(10);
    expect(s.rssMeasuredIn).toBe('memory.json, abc, 2026-12-03');
    expect(s.targets.find((t) => t.name.startsWith('growth of peak RSS'))?.name).toContain(
      'memory.json, abc',
    );
    // A run with both sizes uses its own.
    const both = summarize([...reps, rep(50_000, 1, { clearance: 40_000 }, { rss: 460 })], {
      modelAwsMillionSeconds: null,
      memoryRun,
    });
    expect(both.rssGrowth10kTo50kPercent).toBe(15);
    expect(both.rssMeasuredIn).toBe('this run');
    // Neither: no growth, and this run's own 10,000 figure.
    const alone = summarize(reps);
    expect(alone.rssGrowth10kTo50kPercent).toBeNull();
    expect(alone.rssPeakMiB10k).toBe(400);
  });

  it('renders the floor column, the fairness table and the summary table', () => {
    const reps = [
      rep(10_000, 1, { ceiling: 1000, floor: 4000, clearance: 8000, naive: 40_000, spread: 2000 }),
    ];
    const markdown = renderMarkdown({
      schema: 'clearance.bench.v1',
      date: '2026-12-02T07:00:00.000Z',
      command: 'npm run bench',
      commit: 'abc',
      durationS: 100,
      machine: {
        nproc: 2,
        cpuModel: 'cpu',
        memoryGiB: 8,
        node: 'v20',
        loadAverageAtStart: [1],
        loadAverageAtEnd: [1],
      },
      options: {},
      summary: summarize(reps),
      reps,
      invariants: undefined,
    });
    expect(markdown).toContain('| N | ceiling | floor | clearance |');
    expect(markdown).toContain('50 licenses approved at once');
    // the last small license heard at 2.4 s, the last first release (the writer's share) at 0.3 s
    expect(markdown).toContain('| 2.00 s | 2.40 s | 0.30 s | 420 MiB |');
    expect(markdown).toContain('| clearanceOverFloor | 2 |');
    expect(markdown).toContain('| modelAwsMillionSeconds | not modelled');
  });
});

describe('the floor and the fairness workload', () => {
  it('fills transactions of one license and one (sku, warehouse) with up to 97 shipments', () => {
    const w = makeWorkload('F0001', 2_000, 5);
    const plan = floorTransactions(w);
    expect(plan.flatMap((t) => t.shipments)).toHaveLength(w.n);
    for (const t of plan) {
      expect(t.shipments.length).toBeLessThanOrEqual(SHIPMENTS_PER_TRANSACTION);
      expect(new Set(t.shipments.map((s) => `${s.sku}/${s.warehouseId}`)).size).toBe(1);
      expect(t.shipments.every((s) => s.licenseId === t.licenseId)).toBe(true);
    }
    // Only the last transaction of each (license, warehouse) is partial.
    const partial = plan.filter((t) => t.shipments.length < SHIPMENTS_PER_TRANSACTION);
    expect(partial.length).toBeLessThanOrEqual(w.licenses.length * w.warehouses.length);
  });

  it('gives the fairness case 50 licenses: 3 with about 25 % of the shipments each, 47 small ones', () => {
    const w = makeWorkload('A0001', 10_000, 9, FAIRNESS_SHAPE);
    expect(w.licenses).toHaveLength(50);
    const counts = w.licenses.map((l) => w.shipments.filter((s) => s.licenseId === l.licenseId).length);
    for (const big of counts.slice(0, 3)) expect(big / w.n).toBeGreaterThan(0.22);
    for (const small of counts.slice(3)) {
      expect(small).toBeGreaterThan(0);
      expect(small).toBeLessThan(120);
    }
  });

  it('leaves the default workload as it was (5 customers, drawn uniformly first)', () => {
    const a = makeWorkload('C0001', 500, 3);
    expect(a.licenses).toHaveLength(5);
    expect(a.shipments[0]?.customerId).toBe(`CUST-C0001-${Math.floor(rng(3)() * 5) + 1}`);
  });
});
