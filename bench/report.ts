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
    smallBacklogMaxMs: number;
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
  /** Growth of that peak from 10,000 to 50,000, when both sizes ran in this run. */
  rssGrowth10kTo50kPercent: number | null;
}

export type Summary = Headline & { sizes: SizeSummary[]; targets: Target[] };

const med = (reps: readonly RepResult[], pick: (r: RepResult) => number | undefined): number =>
  median(reps.map(pick).filter((v): v is number => v !== undefined));

export function summarize(
  reps: readonly RepResult[],
  model: { modelAwsMillionSeconds: number | null } = { modelAwsMillionSeconds: null },
): Summary {
  const sizes = [...new Set(reps.map((r) => r.n))].map((n) => sizeSummary(n, reps));
  const headline = headlineOf(sizes, model.modelAwsMillionSeconds);
  return { ...headline, sizes, targets: targets(sizes, headline) };
}

const orNull = (v: number | undefined): number | null => (v !== undefined && Number.isFinite(v) ? v : null);
const round = (v: number | null, digits: number): number | null =>
  v === null ? null : Math.round(v * 10 ** digits) / 10 ** digits;

export function headlineOf(sizes: readonly SizeSummary[], modelAwsMillionSeconds: number | null): Headline {
  const at = sizes.find((z) => z.n === 10_000);
  const big = sizes.find((z) => z.n === 50_000);
  const rss10 = orNull(at?.clearance.rssPeakMiB);
  const rss50 = orNull(big?.clearance.rssPeakMiB);
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
      smallBacklogMaxMs: med(rs, (r) => r.fairness?.smallBacklogMaxMs),
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
    at && Number.isFinite(at.fairness.firstMessageMaxMs) ? at.fairness.firstMessageMaxMs / 1000 : undefined;
  atMost(
    "50 licenses at once, N = 10,000: the last license's first customer message after the approval (s)",
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
    name: 'growth of peak RSS (clearance) from N = 10,000 to 50,000, %',
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
  });
  return out;
}

const s = (ms: number) => (Number.isFinite(ms) ? (ms / 1000).toFixed(2) : '–');
const x = (v: number) => (Number.isFinite(v) ? `${v.toFixed(2)}×` : '–');
const num = (v: number, d = 0) => (Number.isFinite(v) ? v.toFixed(d) : '–');
const int = (v: number) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '–');

export function renderMarkdown(r: BenchResults): string {
  const m = r.machine as {
    nproc: number;
    cpuModel: string;
    memoryGiB: number;
    node: string;
    java?: string;
    loadAverageAtStart: number[];
    loadAverageAtEnd: number[];
  };
  const lines: string[] = [];
  lines.push(
    `Measured ${r.date.slice(0, 16).replace('T', ' ')} UTC${r.commit ? ` at ${r.commit}` : ''}, in ${r.durationS} s, with:`,
    '',
    '```bash',
    r.command,
    '```',
    '',
    `Machine: ${m.nproc} CPUs (\`nproc\`), ${m.cpuModel}, ${m.memoryGiB} GiB, Node.js ${m.node}, ${m.java ?? 'Java ?'}. ` +
      `Load average ${m.loadAverageAtStart.join(' / ')} at the start, ${m.loadAverageAtEnd.join(' / ')} at the end ` +
      '(the machine is shared: compare the ratios, which are taken within each repetition, more than the times).',
    '',
    `Ceiling: BatchWriteItem, 25 items a call, ${String(r.options.ceilingConcurrency)} call(s) in flight, into a table with no stream or GSI. ` +
      `Naive: ${String(r.options.naiveConcurrency)} license(s) at a time, 5 calls per shipment. ` +
      `Handlers: template settings (RELEASE_TIME_BUDGET_MS ${String((r.options.environment as Record<string, unknown> | undefined)?.RELEASE_TIME_BUDGET_MS)}, shipment-events batch 1000), logs at WARN.`,
    '',
    `Floor: the release's own writes replayed with no handlers, one call after another, into copies of the stack's tables (stream and GSIs): TransactWriteItems of 98 conditional shipment updates + 1 Inventory ADD + the guarded license ADD, one (sku, warehouse) per transaction, then the History entries in TransactWriteItems of 100 conditional Puts. ` +
      "Subscriber queues are drained as messages arrive (bench/drain.ts): the process no longer holds the 2N messages, so its peak RSS is the product's (handlers, emulator, fauxqs, bench).",
    '',
    `Times are medians of ${[...new Set(r.summary.sizes.map((x) => x.reps))].join('/')} repetitions; ratios are medians of the per-repetition ratios.`,
    '',
    '| N | ceiling | floor | clearance | naive | clearance ÷ floor | clearance ÷ ceiling | naive ÷ clearance | first customer message | handler calls / shipment | peak RSS | peak heap (queued messages; live after) | DynamoDB Local RSS |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const z of r.summary.sizes) {
    lines.push(
      `| ${int(z.n)} | ${s(z.ms.ceiling)} s | ${s(z.ms.floor)} s | ${s(z.ms.clearance)} s | ${s(z.ms.naive)} s | ${x(z.ratios.clearanceOverFloor)} | ${x(z.ratios.clearanceOverCeiling)} | ${x(z.ratios.naiveOverClearance)} | ${s(z.clearance.firstCustomerMs)} s | ${num(z.clearance.callsPerShipment, 3)} | ${int(z.clearance.rssPeakMiB)} MiB | ${int(z.clearance.heapUsedPeakMiB)} MiB (${int(z.clearance.queuedMessagesMiB)}; ${int(z.clearance.liveHeapMiB)}) | ${int(z.clearance.jvmRssPeakMiB)} MiB |`,
    );
  }
  lines.push(
    '',
    'Throughput (shipments/s) and CPU seconds spent during each measurement, Node process (handlers, emulator, fauxqs, bench) + DynamoDB Local JVM:',
    '',
    '| N | item size | ceiling | clearance | naive | CPU ceiling | CPU clearance | CPU naive | naive calls / shipment |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const z of r.summary.sizes) {
    lines.push(
      `| ${int(z.n)} | ${z.itemBytes ?? '–'} B | ${int(z.throughput.ceiling)}/s | ${int(z.throughput.clearance)}/s | ${int(z.throughput.naive)}/s | ${num(z.ceiling.nodeCpuS, 1)} + ${num(z.ceiling.jvmCpuS, 1)} s | ${num(z.clearance.nodeCpuS, 1)} + ${num(z.clearance.jvmCpuS, 1)} s | ${num(z.naive.nodeCpuS, 1)} + ${num(z.naive.jvmCpuS, 1)} s | ${num(z.naive.callsPerShipment, 2)} |`,
    );
  }
  const ops = [
    ...new Set(r.summary.sizes.flatMap((z) => Object.keys(z.clearance.callsPerShipmentByOperation))),
  ].sort();
  if (ops.length > 0) {
    lines.push(
      '',
      "Handler AWS calls per released shipment, by operation (SDK middleware on the handlers' clients, from the approval until done):",
      '',
      `| N | ${ops.join(' | ')} | total | until idle |`,
      `|---:|${ops.map(() => '---:').join('|')}|---:|---:|`,
    );
    for (const z of r.summary.sizes) {
      lines.push(
        `| ${int(z.n)} | ${ops.map((op) => num(z.clearance.callsPerShipmentByOperation[op] ?? 0, 4)).join(' | ')} | ${num(z.clearance.callsPerShipment, 4)} | ${num(z.clearance.callsPerShipmentDrained, 4)} |`,
      );
    }
  }
  if (ops.length > 0) {
    lines.push(
      '',
      'Where the handlers wait: wall time from sending a call to its answer, summed per operation (s), and per call (ms). license-events and shipment-events run at the same time, so the sums overlap:',
      '',
      `| N | ${ops.join(' | ')} |`,
      `|---:|${ops.map(() => '---:').join('|')}|`,
    );
    for (const z of r.summary.sizes) {
      lines.push(
        `| ${int(z.n)} | ${ops.map((op) => `${s(z.clearance.callTimes[op]?.ms ?? Number.NaN)} s (${num(z.clearance.callTimes[op]?.meanMs ?? Number.NaN, 1)} ms)`).join(' | ')} |`,
      );
    }
  }
  lines.push(...fairnessLines(r), ...headlineLines(r.summary));
  lines.push('', 'Targets:', '', '| target | measured | goal | met |', '|---|---:|---|---|');
  for (const t of r.summary.targets) {
    const value =
      t.value === undefined
        ? 'not measured'
        : t.unit === 'percent'
          ? `${t.value.toFixed(0)} %`
          : t.unit === 'count'
            ? t.value.toFixed(3)
            : t.unit === 'seconds'
              ? `${t.value.toFixed(2)} s`
              : `${t.value.toFixed(2)}×`;
    lines.push(
      `| ${t.name} | ${value} | ${t.target} | ${t.met === undefined ? '–' : t.met ? 'yes' : `**no**: ${t.gap ?? ''}`} |`,
    );
  }
  lines.push(
    '',
    'Per repetition (seconds; order as run):',
    '',
    '| N | rep | order | load | ceiling | floor | clearance | naive | 50 licenses | clearance ÷ floor | clearance ÷ ceiling | naive ÷ clearance |',
    '|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const rep of r.reps) {
    const cc = rep.clearance && rep.ceiling ? rep.clearance.ms / rep.ceiling.ms : Number.NaN;
    const cf = rep.clearance && rep.floor ? rep.clearance.ms / rep.floor.ms : Number.NaN;
    const nc = rep.naive && rep.clearance ? rep.naive.ms / rep.clearance.ms : Number.NaN;
    lines.push(
      `| ${int(rep.n)} | ${rep.rep} | ${rep.order.join(', ')} | ${rep.loadAverage.toFixed(1)} | ${s(rep.ceiling?.ms ?? Number.NaN)} | ${s(rep.floor?.ms ?? Number.NaN)} | ${s(rep.clearance?.ms ?? Number.NaN)} | ${s(rep.naive?.ms ?? Number.NaN)} | ${s(rep.fairness?.ms ?? Number.NaN)} | ${x(cf)} | ${x(cc)} | ${x(nc)} |`,
    );
  }
  const timed = r.reps.reduce(
    (n, rep) =>
      n +
      (rep.ceiling?.ms ?? 0) +
      (rep.floor?.ms ?? 0) +
      (rep.clearance?.ms ?? 0) +
      (rep.naive?.ms ?? 0) +
      (rep.fairness?.ms ?? 0),
    0,
  );
  const seeded = r.reps.reduce(
    (n, rep) => n + (rep.clearance?.seedMs ?? 0) + (rep.naive?.seedMs ?? 0) + (rep.fairness?.seedMs ?? 0),
    0,
  );
  const walls = r.reps.reduce(
    (n, rep) => n + Object.values(rep.wallMs ?? {}).reduce((a, b) => a + (b ?? 0), 0),
    0,
  );
  lines.push(
    '',
    `Where the ${r.durationS} s of this run went: ${(timed / 1000).toFixed(0)} s measured, ${(seeded / 1000).toFixed(0)} s seeding, ${((walls - timed - seeded) / 1000).toFixed(0)} s settling and checking after the measurements, ${(r.durationS - walls / 1000).toFixed(0)} s starting the stack, warming up and the final check.`,
  );
  if (r.invariants) {
    lines.push(
      '',
      `End state: every run checked (all N RELEASED through the GSIs, releasedQuantity and counters exact, 2N SHIPMENT_RELEASED messages, each in its own customer's / warehouse's queue); I1–I3 over the whole store (${int(r.invariants.counts.shipments ?? 0)} shipments): ${r.invariants.violations === 0 ? 'hold' : `${r.invariants.violations} violation(s)`}.`,
    );
  }
  return lines.join('\n');
}

/** The 50-license case: per size, the first customer message of the first and last license, and the spread. */
function fairnessLines(r: BenchResults): string[] {
  const sizes = r.summary.sizes.filter((z) => Number.isFinite(z.fairness.ms));
  if (sizes.length === 0) return [];
  const lines = [
    '',
    "50 licenses approved at once (parallel UpdateItem), uneven backlogs: 3 licenses with 25 % of the shipments each, 47 sharing the other 25 %. Time from the approval to the first message in each license's customer queue (SQS SentTimestamp):",
    '',
    '| N | done | first license heard | last license heard | spread | last small-backlog license heard | peak RSS |',
    '|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const z of sizes)
    lines.push(
      `| ${int(z.n)} | ${s(z.fairness.ms)} s | ${s(z.fairness.firstMessageMinMs)} s | ${s(z.fairness.firstMessageMaxMs)} s | ${s(z.fairness.spreadMs)} s | ${s(z.fairness.smallBacklogMaxMs)} s | ${int(z.fairness.rssPeakMiB)} MiB |`,
    );
  return lines;
}

/** The `summary` keys of bench/results/latest.json, as a table. */
function headlineLines(h: Summary): string[] {
  const v = (value: number | null, unit = '') => (value === null ? 'not measured' : `${value}${unit}`);
  return [
    '',
    'Summary at N = 10,000 (`summary` in bench/results/latest.json; ratios are medians of per-repetition ratios):',
    '',
    '| key | value |',
    '|---|---:|',
    `| clearanceOverFloor | ${v(h.clearanceOverFloor)} |`,
    `| clearanceOverCeiling | ${v(h.clearanceOverCeiling)} |`,
    `| naiveOverClearance | ${v(h.naiveOverClearance)} |`,
    `| callsPerShipment | ${v(h.callsPerShipment)} |`,
    `| firstMessageSpreadSeconds | ${v(h.firstMessageSpreadSeconds, ' s')} |`,
    `| modelAwsMillionSeconds | ${h.modelAwsMillionSeconds === null ? 'not modelled (bench/results/model-aws.json absent)' : `${h.modelAwsMillionSeconds} s`} |`,
    `| rssGrowth10kTo50kPercent | ${v(h.rssGrowth10kTo50kPercent, ' %')} (peak RSS ${v(h.rssPeakMiB10k, ' MiB')} at 10,000, ${v(h.rssPeakMiB50k, ' MiB')} at 50,000) |`,
  ];
}
