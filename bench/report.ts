/**
 * Medians, ratios, targets, and the markdown block of BENCHMARKS.md.
 *
 * Ratios are taken within one repetition (the three measurements ran back
 * to back under the same machine load) and their median is reported; on a
 * shared machine that is steadier than a ratio of medians.
 */
import type { CeilingResult } from './ceiling.js';
import type { ClearanceResult } from './clearance.js';
import { median } from './context.js';
import type { FairnessResult } from './fairness.js';
import type { FloorResult } from './floor.js';
import type { NaiveResult } from './naive.js';

export type MeasurementKind = 'ceiling' | 'floor' | 'clearance' | 'naive' | 'fairness';

export interface RepResult {
  n: number;
  rep: number;
  order: string[];
  /** 1-minute load average when the repetition began (the machine is shared). */
  loadAverage: number;
  /** Wall time of each measurement including its untimed seeding, settling and checks. */
  wallMs?: Partial<Record<MeasurementKind, number>>;
  ceiling?: CeilingResult;
  floor?: FloorResult;
  clearance?: ClearanceResult;
  naive?: NaiveResult;
  fairness?: FairnessResult;
}

export interface SizeSummary {
  n: number;
  reps: number;
  itemBytes: number | undefined;
  ms: { ceiling: number; floor: number; clearance: number; naive: number };
  /** Medians of the per-repetition ratios. */
  ratios: { clearanceOverCeiling: number; clearanceOverFloor: number; naiveOverClearance: number };
  floor: {
    releaseMs: number;
    historyMs: number;
    callsPerShipment: number;
    nodeCpuS: number;
    jvmCpuS: number;
  };
  /** The 50-license case (medians over the repetitions), ms. */
  fairness: {
    ms: number;
    spreadMs: number;
    firstMessageMinMs: number;
    firstMessageMaxMs: number;
    /** The slowest repetition's last first message: "every license within 3 s" is judged on it, not on the median. */
    firstMessageWorstMs: number;
    smallBacklogMaxMs: number;
    /** The last license's first release planned (its shipments' earliest releasedAt): the writer's share. */
    firstReleaseMaxMs: number;
    rssPeakMiB: number;
  };
  /** Shipments per second (from the medians). */
  throughput: { ceiling: number; clearance: number; naive: number };
  clearance: {
    firstCustomerMs: number;
    lastMessageMs: number;
    countersFinalMs: number;
    callsPerShipment: number;
    callsPerShipmentDrained: number;
    callsPerShipmentByOperation: Record<string, number>;
    /** Median wall time the handlers spent waiting on each operation, and its mean per call. */
    callTimes: Record<string, { ms: number; meanMs: number }>;
    rssPeakMiB: number;
    rssPeakMaxMiB: number;
    rssRiseMiB: number;
    heapUsedPeakMiB: number;
    /** Heap held by the 2N messages in the in-process subscriber queues at the end (fauxqs). */
    queuedMessagesMiB: number;
    /** Heap live after the run, without the queues (after a full GC). */
    liveHeapMiB: number;
    jvmRssPeakMiB: number;
    nodeCpuS: number;
    jvmCpuS: number;
  };
  naive: { callsPerShipment: number; nodeCpuS: number; jvmCpuS: number; rssPeakMiB: number };
  ceiling: { nodeCpuS: number; jvmCpuS: number; calls: number };
}

export interface Target {
  name: string;
  value: number | undefined;
  target: string;
  met: boolean | undefined;
  /** How far off, in words, when missed. */
  gap?: string;
  /** How the value reads: a ratio (×, the default), a count, seconds or a percentage. */
  unit?: 'ratio' | 'count' | 'seconds' | 'percent';
}

export interface BenchResults {
  schema: 'clearance.bench.v1';
  date: string;
  command: string;
  commit: string | undefined;
  durationS: number;
  machine: Record<string, unknown>;
  options: Record<string, unknown>;
  summary: Summary;
  reps: RepResult[];
  invariants: { violations: number; sample: string[]; counts: Record<string, number> } | undefined;
}

/**
 * The headline figures at N = 10,000 (issue 17), null when not measured in
 * this run; ratios are medians of the per-repetition ratios.
 */
export interface Headline {
  clearanceOverFloor: number | null;
  clearanceOverCeiling: number | null;
  naiveOverClearance: number | null;
  /** Handler AWS calls per released shipment, History writes included. */
  callsPerShipment: number | null;
  /** The 50-license case: the last license's first customer message minus the first license's. */
  firstMessageSpreadSeconds: number | null;
  /** The AWS model's time to release and notify 1,000,000 shipments of one license (bench/results/model-aws.json). */
  modelAwsMillionSeconds: number | null;
  /** Peak RSS of the process running the product (clearance) at 10,000 and 50,000, MiB. */
  rssPeakMiB10k: number | null;
  rssPeakMiB50k: number | null;
  /** Growth of that peak from 10,000 to 50,000. */
  rssGrowth10kTo50kPercent: number | null;
  /**
   * Where the three RSS figures come from: `this run` when it ran both sizes,
   * else the separate memory run (bench/results/memory-10000-50000.json, its
   * commit and date); null when neither measured them.
   */
  rssMeasuredIn: string | null;
}

/** The RSS figures of a separate `--sizes 10000,50000` run, and which run it was. */
export interface MemoryRun {
  rssPeakMiB10k: number;
  rssPeakMiB50k: number;
  from: string;
}

export type Summary = Headline & { sizes: SizeSummary[]; targets: Target[] };

const med = (reps: readonly RepResult[], pick: (r: RepResult) => number | undefined): number =>
  median(reps.map(pick).filter((v): v is number => v !== undefined));

/** The largest of the repetitions' values (NaN when none has one), for targets every repetition must meet. */
const worst = (reps: readonly RepResult[], pick: (r: RepResult) => number | undefined): number => {
  const values = reps.map(pick).filter((v): v is number => v !== undefined && Number.isFinite(v));
  return values.length === 0 ? Number.NaN : Math.max(...values);
};

export function summarize(
  reps: readonly RepResult[],
  other: { modelAwsMillionSeconds: number | null; memoryRun?: MemoryRun | undefined } = {
    modelAwsMillionSeconds: null,
  },
): Summary {
  const sizes = [...new Set(reps.map((r) => r.n))].map((n) => sizeSummary(n, reps));
  const headline = headlineOf(sizes, other.modelAwsMillionSeconds, other.memoryRun);
  return { ...headline, sizes, targets: targets(sizes, headline) };
}

const orNull = (v: number | undefined): number | null => (v !== undefined && Number.isFinite(v) ? v : null);
const round = (v: number | null, digits: number): number | null =>
  v === null ? null : Math.round(v * 10 ** digits) / 10 ** digits;

/**
 * The headline at N = 10,000. The RSS growth needs 10,000 and 50,000 from one
 * run: this run's when it ran both, else `memoryRun`'s (the separate run the
 * issue allows), never one size from each.
 */
export function headlineOf(
  sizes: readonly SizeSummary[],
  modelAwsMillionSeconds: number | null,
  memoryRun?: MemoryRun,
): Headline {
  const at = sizes.find((z) => z.n === 10_000);
  const big = sizes.find((z) => z.n === 50_000);
  const own10 = orNull(at?.clearance.rssPeakMiB);
  const own50 = orNull(big?.clearance.rssPeakMiB);
  const ownBoth = own10 !== null && own50 !== null;
  const useMemoryRun = !ownBoth && memoryRun !== undefined;
  const rss10 = useMemoryRun ? memoryRun.rssPeakMiB10k : own10;
  const rss50 = useMemoryRun ? memoryRun.rssPeakMiB50k : ownBoth ? own50 : null;
  const rssMeasuredIn = useMemoryRun ? memoryRun.from : own10 !== null ? 'this run' : null;
  const spread = orNull(at?.fairness.spreadMs);
  return {
    clearanceOverFloor: round(orNull(at?.ratios.clearanceOverFloor), 3),
    clearanceOverCeiling: round(orNull(at?.ratios.clearanceOverCeiling), 3),
    naiveOverClearance: round(orNull(at?.ratios.naiveOverClearance), 3),
    callsPerShipment: round(orNull(at?.clearance.callsPerShipment), 4),
    firstMessageSpreadSeconds: spread === null ? null : round(spread / 1000, 3),
    modelAwsMillionSeconds,
    rssPeakMiB10k: round(rss10, 1),
    rssPeakMiB50k: round(rss50, 1),
    rssGrowth10kTo50kPercent: rss10 === null || rss50 === null ? null : round((rss50 / rss10 - 1) * 100, 1),
    rssMeasuredIn,
  };
}

function sizeSummary(n: number, reps: readonly RepResult[]): SizeSummary {
  const rs = reps.filter((r) => r.n === n);
  const ops = new Set(rs.flatMap((r) => Object.keys(r.clearance?.calls.perShipmentByOperation ?? {})));
  const ms = {
    ceiling: med(rs, (r) => r.ceiling?.ms),
    floor: med(rs, (r) => r.floor?.ms),
    clearance: med(rs, (r) => r.clearance?.ms),
    naive: med(rs, (r) => r.naive?.ms),
  };
  return {
    n,
    reps: rs.length,
    itemBytes: rs.find((r) => r.ceiling)?.ceiling?.itemBytes,
    ms,
    ratios: {
      clearanceOverCeiling: med(rs, (r) =>
        r.clearance && r.ceiling ? r.clearance.ms / r.ceiling.ms : undefined,
      ),
      clearanceOverFloor: med(rs, (r) => (r.clearance && r.floor ? r.clearance.ms / r.floor.ms : undefined)),
      naiveOverClearance: med(rs, (r) => (r.naive && r.clearance ? r.naive.ms / r.clearance.ms : undefined)),
    },
    throughput: {
      ceiling: (n / ms.ceiling) * 1000,
      clearance: (n / ms.clearance) * 1000,
      naive: (n / ms.naive) * 1000,
    },
    clearance: {
      firstCustomerMs: med(rs, (r) => r.clearance?.firstCustomerMs),
      lastMessageMs: med(rs, (r) => r.clearance?.lastMessageMs),
      countersFinalMs: med(rs, (r) => r.clearance?.countersFinalMs),
      callsPerShipment: med(rs, (r) => r.clearance?.calls.perShipment),
      callsPerShipmentDrained: med(rs, (r) => r.clearance?.callsDrained.perShipment),
      callsPerShipmentByOperation: Object.fromEntries(
        [...ops].sort().map((op) => [op, med(rs, (r) => r.clearance?.calls.perShipmentByOperation[op] ?? 0)]),
      ),
      callTimes: Object.fromEntries(
        [...new Set(rs.flatMap((r) => Object.keys(r.clearance?.callTimes ?? {})))].sort().map((op) => [
          op,
          {
            ms: med(rs, (r) => r.clearance?.callTimes[op]?.ms),
            meanMs: med(rs, (r) => r.clearance?.callTimes[op]?.meanMs),
          },
        ]),
      ),
      rssPeakMiB: med(rs, (r) => r.clearance?.memory.rssPeakMiB),
      rssPeakMaxMiB: Math.max(...rs.map((r) => r.clearance?.memory.rssPeakMiB ?? 0)),
      rssRiseMiB: med(rs, (r) =>
        r.clearance ? r.clearance.memory.rssPeakMiB - r.clearance.memory.rssStartMiB : undefined,
      ),
      heapUsedPeakMiB: med(rs, (r) => r.clearance?.memory.heapUsedPeakMiB),
      queuedMessagesMiB: med(rs, (r) => r.clearance?.memory.queuedMessagesMiB),
      liveHeapMiB: med(rs, (r) => r.clearance?.memory.liveHeapMiB),
      jvmRssPeakMiB: med(rs, (r) => r.clearance?.memory.jvmRssPeakMiB),
      nodeCpuS: med(rs, (r) => r.clearance?.memory.nodeCpuS),
      jvmCpuS: med(rs, (r) => r.clearance?.memory.jvmCpuS),
    },
    naive: {
      callsPerShipment: med(rs, (r) => r.naive?.calls.perShipment),
      nodeCpuS: med(rs, (r) => r.naive?.memory.nodeCpuS),
      jvmCpuS: med(rs, (r) => r.naive?.memory.jvmCpuS),
      rssPeakMiB: med(rs, (r) => r.naive?.memory.rssPeakMiB),
    },
    ceiling: {
      nodeCpuS: med(rs, (r) => r.ceiling?.memory.nodeCpuS),
      jvmCpuS: med(rs, (r) => r.ceiling?.memory.jvmCpuS),
      calls: med(rs, (r) => r.ceiling?.calls),
    },
    floor: {
      releaseMs: med(rs, (r) => r.floor?.releaseMs),
      historyMs: med(rs, (r) => r.floor?.historyMs),
      callsPerShipment: med(rs, (r) => r.floor?.calls.perShipment),
      nodeCpuS: med(rs, (r) => r.floor?.memory.nodeCpuS),
      jvmCpuS: med(rs, (r) => r.floor?.memory.jvmCpuS),
    },
    fairness: {
      ms: med(rs, (r) => r.fairness?.ms),
      spreadMs: med(rs, (r) => r.fairness?.spreadMs),
      firstMessageMinMs: med(rs, (r) => r.fairness?.firstMessageMinMs),
      firstMessageMaxMs: med(rs, (r) => r.fairness?.firstMessageMaxMs),
      firstMessageWorstMs: worst(rs, (r) => r.fairness?.firstMessageMaxMs),
      smallBacklogMaxMs: med(rs, (r) => r.fairness?.smallBacklogMaxMs),
      firstReleaseMaxMs: med(rs, (r) => r.fairness?.firstReleaseMaxMs),
      rssPeakMiB: med(rs, (r) => r.fairness?.memory.rssPeakMiB),
    },
  };
}

function targets(sizes: readonly SizeSummary[], h: Headline): Target[] {
  const at = sizes.find((z) => z.n === 10_000);
  const big = sizes.find((z) => z.n === 50_000);
  const out: Target[] = [];
  const v = (x: number | null) => x ?? undefined;
  const atMost = (
    name: string,
    value: number | undefined,
    limit: number,
    target: string,
    unit: Target['unit'] = 'ratio',
  ) =>
    out.push({
      name,
      value,
      target,
      unit,
      met: value === undefined ? undefined : value <= limit,
      ...(value !== undefined && value > limit ? { gap: `${value.toFixed(3)} vs ${limit}` } : {}),
    });
  atMost('clearance ÷ floor at N = 10,000', v(h.clearanceOverFloor), 1.1, '≤ 1.1');
  out.push({
    name: 'clearance ÷ ceiling at N = 10,000 (the ceiling writes no stream, GSI or condition)',
    value: v(h.clearanceOverCeiling),
    target: 'for information',
    met: undefined,
  });
  const nc = v(h.naiveOverClearance);
  out.push({
    name: 'naive ÷ clearance at N = 10,000',
    value: nc,
    target: '≥ 5',
    met: nc === undefined ? undefined : nc >= 5,
    ...(nc !== undefined && nc < 5 ? { gap: `${nc.toFixed(2)}, ${(5 / nc).toFixed(1)}× short of 5` } : {}),
  });
  atMost(
    'handler AWS calls per released shipment at N = 10,000 (History writes included)',
    v(h.callsPerShipment),
    0.3,
    '≤ 0.30',
    'count',
  );
  const firstMax =
    at && Number.isFinite(at.fairness.firstMessageWorstMs)
      ? at.fairness.firstMessageWorstMs / 1000
      : undefined;
  atMost(
    "50 licenses at once, N = 10,000: the last license's first customer message after the approval, slowest repetition (s)",
    firstMax,
    3,
    '≤ 3 s',
    'seconds',
  );
  out.push({
    name: '50 licenses at once, N = 10,000: spread of the first customer messages (s)',
    value: v(h.firstMessageSpreadSeconds),
    unit: 'seconds',
    target: 'reported',
    met: undefined,
  });
  const growth = h.rssGrowth10kTo50kPercent;
  out.push({
    name: `growth of peak RSS (clearance) from N = 10,000 to 50,000, %${h.rssMeasuredIn !== null && h.rssMeasuredIn !== 'this run' ? ` (${h.rssMeasuredIn})` : ''}`,
    value: v(growth),
    unit: 'percent',
    target: '≤ 25 %',
    met: growth === null ? undefined : growth <= 25,
    ...(growth !== null && growth > 25 ? { gap: `${growth.toFixed(0)} % vs 25 %` } : {}),
  });
  const liveGrowth = at && big ? (big.clearance.liveHeapMiB / at.clearance.liveHeapMiB - 1) * 100 : undefined;
  out.push({
    name: 'growth of the live heap after the run, N = 10,000 to 50,000, % (to read the RSS figure)',
    value: liveGrowth !== undefined && Number.isFinite(liveGrowth) ? liveGrowth : undefined,
    unit: 'percent',
    target: 'for information',
    met: undefined,
  });
  out.push({
    name: 'AWS model: 1,000,000 shipments of one license released and notified (s)',
    value: v(h.modelAwsMillionSeconds),
    unit: 'seconds',
    target: '≤ 300 s',
    met: h.modelAwsMillionSeconds === null ? undefined : h.modelAwsMillionSeconds <= 300,
    ...(h.modelAwsMillionSeconds !== null && h.modelAwsMillionSeconds > 300
      ? { gap: `${h.modelAwsMillionSeconds.toFixed(0)} s vs 300 s (bench/results/model-aws.json)` }
      : {}),
  });
  return out;
}

export { renderMarkdown } from './report-markdown.js';
