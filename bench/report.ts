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
import type { NaiveResult } from './naive.js';

export interface RepResult {
  n: number;
  rep: number;
  order: string[];
  /** 1-minute load average when the repetition began (the machine is shared). */
  loadAverage: number;
  /** Wall time of each measurement including its untimed seeding, settling and checks. */
  wallMs?: Partial<Record<'ceiling' | 'clearance' | 'naive', number>>;
  ceiling?: CeilingResult;
  clearance?: ClearanceResult;
  naive?: NaiveResult;
}

export interface SizeSummary {
  n: number;
  reps: number;
  itemBytes: number | undefined;
  ms: { ceiling: number; clearance: number; naive: number };
  /** Medians of the per-repetition ratios. */
  ratios: { clearanceOverCeiling: number; naiveOverClearance: number };
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
}

export interface BenchResults {
  schema: 'clearance.bench.v1';
  date: string;
  command: string;
  commit: string | undefined;
  durationS: number;
  machine: Record<string, unknown>;
  options: Record<string, unknown>;
  summary: { sizes: SizeSummary[]; targets: Target[] };
  reps: RepResult[];
  invariants: { violations: number; sample: string[]; counts: Record<string, number> } | undefined;
}

const med = (reps: readonly RepResult[], pick: (r: RepResult) => number | undefined): number =>
  median(reps.map(pick).filter((v): v is number => v !== undefined));

export function summarize(reps: readonly RepResult[]): { sizes: SizeSummary[]; targets: Target[] } {
  const sizes: SizeSummary[] = [];
  for (const n of [...new Set(reps.map((r) => r.n))]) {
    const rs = reps.filter((r) => r.n === n);
    const ops = new Set(rs.flatMap((r) => Object.keys(r.clearance?.calls.perShipmentByOperation ?? {})));
    const ms = {
      ceiling: med(rs, (r) => r.ceiling?.ms),
      clearance: med(rs, (r) => r.clearance?.ms),
      naive: med(rs, (r) => r.naive?.ms),
    };
    sizes.push({
      n,
      reps: rs.length,
      itemBytes: rs.find((r) => r.ceiling)?.ceiling?.itemBytes,
      ms,
      ratios: {
        clearanceOverCeiling: med(rs, (r) =>
          r.clearance && r.ceiling ? r.clearance.ms / r.ceiling.ms : undefined,
        ),
        naiveOverClearance: med(rs, (r) =>
          r.naive && r.clearance ? r.naive.ms / r.clearance.ms : undefined,
        ),
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
          [...ops]
            .sort()
            .map((op) => [op, med(rs, (r) => r.clearance?.calls.perShipmentByOperation[op] ?? 0)]),
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
    });
  }
  return { sizes, targets: targets(sizes) };
}

function targets(sizes: readonly SizeSummary[]): Target[] {
  const at = sizes.find((s) => s.n === 10_000);
  const big = sizes.find((s) => s.n === 50_000);
  const out: Target[] = [];
  const finite = (v: number | undefined) => (v !== undefined && Number.isFinite(v) ? v : undefined);
  const cc = finite(at?.ratios.clearanceOverCeiling);
  out.push({
    name: 'clearance ÷ ceiling at N = 10,000',
    value: cc,
    target: '≤ 1.5 (stretch ≤ 1.2)',
    met: cc === undefined ? undefined : cc <= 1.5,
    ...(cc !== undefined && cc > 1.5
      ? { gap: `${(cc / 1.5).toFixed(1)}× over the target (${cc.toFixed(2)} vs 1.5)` }
      : {}),
  });
  const nc = finite(at?.ratios.naiveOverClearance);
  out.push({
    name: 'naive ÷ clearance at N = 10,000',
    value: nc,
    target: '≥ 4',
    met: nc === undefined ? undefined : nc >= 4,
    ...(nc !== undefined && nc < 4 ? { gap: `${nc.toFixed(2)}, ${(4 / nc).toFixed(1)}× short of 4` } : {}),
  });
  const calls = finite(at?.clearance.callsPerShipment);
  out.push({
    name: 'handler AWS calls per released shipment at N = 10,000',
    value: calls,
    target: '≤ 0.3 (floor ≈ 0.21)',
    met: calls === undefined ? undefined : calls <= 0.3,
    ...(calls !== undefined && calls > 0.3 ? { gap: `${calls.toFixed(3)} vs 0.3` } : {}),
  });
  const growth = at && big ? big.clearance.rssPeakMiB / at.clearance.rssPeakMiB - 1 : undefined;
  out.push({
    name: 'growth of peak RSS (clearance) from N = 10,000 to 50,000',
    value: finite(growth),
    target: '≤ 25 %',
    met: growth === undefined || !Number.isFinite(growth) ? undefined : growth <= 0.25,
    ...(growth !== undefined && growth > 0.25 ? { gap: `${(growth * 100).toFixed(0)} % vs 25 %` } : {}),
  });
  const liveGrowth = at && big ? big.clearance.liveHeapMiB / at.clearance.liveHeapMiB - 1 : undefined;
  out.push({
    name: 'growth of the live heap after the run, queues removed, N = 10,000 to 50,000 (to read the RSS figure)',
    value: finite(liveGrowth),
    target: 'for information',
    met: undefined,
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
    `Times are medians of ${[...new Set(r.summary.sizes.map((x) => x.reps))].join('/')} repetitions; ratios are medians of the per-repetition ratios.`,
    '',
    '| N | ceiling | clearance | naive | clearance ÷ ceiling | naive ÷ clearance | first customer message | handler calls / shipment | peak RSS | peak heap (queued messages; live after) | DynamoDB Local RSS |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const z of r.summary.sizes) {
    lines.push(
      `| ${int(z.n)} | ${s(z.ms.ceiling)} s | ${s(z.ms.clearance)} s | ${s(z.ms.naive)} s | ${x(z.ratios.clearanceOverCeiling)} | ${x(z.ratios.naiveOverClearance)} | ${s(z.clearance.firstCustomerMs)} s | ${num(z.clearance.callsPerShipment, 3)} | ${int(z.clearance.rssPeakMiB)} MiB | ${int(z.clearance.heapUsedPeakMiB)} MiB (${int(z.clearance.queuedMessagesMiB)}; ${int(z.clearance.liveHeapMiB)}) | ${int(z.clearance.jvmRssPeakMiB)} MiB |`,
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
  lines.push('', 'Targets:', '', '| target | measured | goal | met |', '|---|---:|---|---|');
  for (const t of r.summary.targets) {
    const value =
      t.value === undefined
        ? 'not measured'
        : t.name.startsWith('growth')
          ? `${(t.value * 100).toFixed(0)} %`
          : t.name.startsWith('handler')
            ? t.value.toFixed(3)
            : `${t.value.toFixed(2)}×`;
    lines.push(
      `| ${t.name} | ${value} | ${t.target} | ${t.met === undefined ? '–' : t.met ? 'yes' : `**no**: ${t.gap ?? ''}`} |`,
    );
  }
  lines.push(
    '',
    'Per repetition (seconds; order as run):',
    '',
    '| N | rep | order | load | ceiling | clearance | naive | clearance ÷ ceiling | naive ÷ clearance |',
    '|---:|---:|---|---:|---:|---:|---:|---:|---:|',
  );
  for (const rep of r.reps) {
    const cc = rep.clearance && rep.ceiling ? rep.clearance.ms / rep.ceiling.ms : Number.NaN;
    const nc = rep.naive && rep.clearance ? rep.naive.ms / rep.clearance.ms : Number.NaN;
    lines.push(
      `| ${int(rep.n)} | ${rep.rep} | ${rep.order.join(', ')} | ${rep.loadAverage.toFixed(1)} | ${s(rep.ceiling?.ms ?? Number.NaN)} | ${s(rep.clearance?.ms ?? Number.NaN)} | ${s(rep.naive?.ms ?? Number.NaN)} | ${x(cc)} | ${x(nc)} |`,
    );
  }
  const timed = r.reps.reduce(
    (n, rep) => n + (rep.ceiling?.ms ?? 0) + (rep.clearance?.ms ?? 0) + (rep.naive?.ms ?? 0),
    0,
  );
  const seeded = r.reps.reduce((n, rep) => n + (rep.clearance?.seedMs ?? 0) + (rep.naive?.seedMs ?? 0), 0);
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
