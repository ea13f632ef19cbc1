/**
 * The markdown of the results block of BENCHMARKS.md (and of the bench's
 * stdout), from a run's results.
 */
import {
  LICENSE_EVENTS_BATCH_SIZE,
  RELEASE_CONCURRENCY,
  RELEASE_FIRST_SLICE_MS,
  RELEASE_TIME_BUDGET_MS,
} from '../infra/tuning.js';
import type { BenchResults, Summary } from './report.js';

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
      `Naive: ${String(r.options.naiveConcurrency)} license(s) at a time, 6 calls per shipment (History entry included). ` +
      `Handlers: template settings (infra/tuning.ts: a ${RELEASE_TIME_BUDGET_MS / 1000} s slice, ${RELEASE_FIRST_SLICE_MS / 1000} s for new work, ${RELEASE_CONCURRENCY} release transactions in flight, license-events batch ${LICENSE_EVENTS_BATCH_SIZE}, shipment-events batch 1000), logs at WARN.`,
    '',
    `Floor: the release's own writes replayed with no handlers, one call after another, into copies of the stack's tables (stream and GSIs) in a DynamoDB Local of its own: TransactWriteItems of 97 conditional shipment updates + 1 Inventory ADD + the guarded license ADD + the license event's tally update, one (sku, warehouse) per transaction, then the History entries in TransactWriteItems of 100 conditional Puts. ` +
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
    (n, rep) =>
      n +
      (rep.floor?.seedMs ?? 0) +
      (rep.clearance?.seedMs ?? 0) +
      (rep.naive?.seedMs ?? 0) +
      (rep.fairness?.seedMs ?? 0),
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
    "50 licenses approved at once (parallel UpdateItem), uneven backlogs: 3 licenses with 25 % of the shipments each, 47 sharing the other 25 %. Time from the approval to the first message in each license's customer queue (SQS SentTimestamp), and to the last license's first release (the writer's share: its shipments' earliest `releasedAt`):",
    '',
    '| N | done | first license heard | last license heard | spread | last small-backlog license heard | last first release | peak RSS |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const z of sizes)
    lines.push(
      `| ${int(z.n)} | ${s(z.fairness.ms)} s | ${s(z.fairness.firstMessageMinMs)} s | ${s(z.fairness.firstMessageMaxMs)} s | ${s(z.fairness.spreadMs)} s | ${s(z.fairness.smallBacklogMaxMs)} s | ${s(z.fairness.firstReleaseMaxMs)} s | ${int(z.fairness.rssPeakMiB)} MiB |`,
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
    `| rssGrowth10kTo50kPercent | ${v(h.rssGrowth10kTo50kPercent, ' %')} (peak RSS ${v(h.rssPeakMiB10k, ' MiB')} at 10,000, ${v(h.rssPeakMiB50k, ' MiB')} at 50,000${h.rssMeasuredIn === null ? '' : `; measured in ${h.rssMeasuredIn}`}) |`,
  ];
}
