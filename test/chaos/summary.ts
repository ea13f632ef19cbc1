/**
 * The chaos suite's summary: each run cut to the numbers the summary line
 * needs (a {@link RunTally}), and the line itself. The lanes (./lane.ts)
 * print one for their own runs, and append each run's tally to
 * CHAOS_TALLY_FILE when it is set, so that `npm run test:chaos` (./cli.ts)
 * prints one line for all lanes and chunks. No vitest here: cli.ts loads it.
 */
import { readFileSync } from 'node:fs';
import type { ChaosOutcome } from './chaos-run.js';

/** Seeds that once failed: run in every form, first. */
export const REGRESSION_SEEDS: readonly number[] = [
  // A typo on a RELEASED shipment during a revoke; the restoring write was resent after a lost
  // response and no re-hold pass followed (test/integration/console-race.test.ts).
  186,
];

/** Probability that one request attempt fails, unless CHAOS_RATE (`--rate`) says otherwise. */
export const DEFAULT_FAULT_RATE = 0.1;

export interface RunTally {
  readonly seed: number;
  readonly failed: boolean;
  readonly attempts: number;
  /** Faults injected, by kind and by `kind service.operation`. */
  readonly injected: Readonly<Record<string, number>>;
  readonly crashes: number;
  readonly redelivered: number;
  /** Batches answered with `batchItemFailures` after their first record, by function. */
  readonly partialBatches: Readonly<Record<string, number>>;
  readonly outage: boolean;
  readonly redriven: number;
  readonly settling: number;
  readonly shipments: number;
  readonly midRelease: boolean;
  readonly amendmentsWritten: number;
  readonly amendmentsApplied: number;
  readonly writtenBack: number;
  readonly belowShipped: number;
  readonly shippedOverLimit: number;
  readonly shipmentValues: number;
  /** The console's "Duplicate item"s of shipments. */
  readonly copies: number;
  readonly conflicts: number;
  readonly transactions: number;
  readonly ms: number;
}

export function tallyOf(o: ChaosOutcome): RunTally {
  return {
    seed: o.seed,
    failed: o.problems.length > 0,
    attempts: o.faults.attempts,
    injected: { ...o.faults.injected },
    crashes: o.faults.crashes.length,
    redelivered: o.redelivered,
    partialBatches: { ...o.partialBatches },
    outage: o.outage !== undefined,
    redriven: o.redriven,
    settling: o.settling,
    shipments: o.shipments,
    midRelease: o.script.some((l) => l.includes('mid-release')),
    amendmentsWritten: o.amendments.written,
    amendmentsApplied: o.amendmentsApplied,
    writtenBack: o.amendments.illegal.filter((e) => e.applied).length,
    belowShipped: o.amendments.belowShipped,
    shippedOverLimit: o.shippedOverLimit,
    shipmentValues: o.amendments.shipmentValues,
    copies: o.amendments.copies.length,
    conflicts: o.faults.transactionConflicts,
    transactions: o.faults.transactions,
    ms: o.ms,
  };
}

/** Faults of one run, all kinds (the `kind service.operation` keys repeat them). */
export const faultsOf = (injected: Readonly<Record<string, number>>): number =>
  Object.entries(injected)
    .filter(([k]) => !k.includes(' '))
    .reduce((n, [, v]) => n + v, 0);

/** Partial batches by function, `shipment-events 3, shipment-history 1`, or `none`; functions in name order. */
export function describePartial(byFunction: Readonly<Record<string, number>>): string {
  const nonzero = Object.entries(byFunction)
    .filter(([, n]) => n > 0)
    .sort(([a], [b]) => a.localeCompare(b));
  return nonzero.length === 0 ? 'none' : nonzero.map(([fn, n]) => `${fn} ${n}`).join(', ');
}

/** `transaction conflicts N of M transactions (rate)`, and how many of them were injected. */
export const conflictRate = (conflicts: number, transactions: number, injected: number): string =>
  `transaction conflicts ${conflicts} of ${transactions} transactions (${transactions === 0 ? '0' : ((100 * conflicts) / transactions).toFixed(2)} %, ${injected} injected)`;

/** The seeds in words: `1..6 and regression seeds 186`, or a list when they are not a range. */
export function describeSeeds(seeds: readonly number[], regressions: readonly number[]): string {
  const plain = seeds.filter((s) => !regressions.includes(s)).sort((a, b) => a - b);
  const again = regressions.filter((s) => seeds.includes(s));
  return `${seedRange(plain)}${again.length > 0 ? ` and regression seeds ${again.join(', ')}` : ''}`;
}

/** Sorted seeds as `a..b`, `a..b step k` when evenly spaced, else a list. */
function seedRange(sorted: readonly number[]): string {
  const [first, second] = sorted;
  if (first === undefined) return 'none';
  if (second === undefined) return `${first}`;
  const step = second - first;
  if (step === 0 || !sorted.every((s, i) => s === first + i * step)) return sorted.join(', ');
  return `${first}..${sorted[sorted.length - 1]}${step === 1 ? '' : ` step ${step}`}`;
}

/** The two summary lines (totals, then faults by kind and service) for `who` (a lane, or all). */
export function summaryLines(who: string, tallies: readonly RunTally[], seeds: string, rate: number): string {
  const sum = (f: (t: RunTally) => number) => tallies.reduce((n, t) => n + f(t), 0);
  const failed = tallies.filter((t) => t.failed).map((t) => t.seed);
  const totals: Record<string, number> = {};
  for (const t of tallies)
    for (const [key, n] of Object.entries(t.injected)) {
      const [kind, call] = key.split(' ');
      const bucket = call === undefined ? `kind ${kind}` : `${call.split('.')[0]}`;
      totals[bucket] = (totals[bucket] ?? 0) + n;
    }
  return (
    `[chaos] ${who}: ${tallies.length} runs, seeds ${seeds}, rate ${rate}: ` +
    `${sum((t) => t.attempts)} request attempts, ${sum((t) => faultsOf(t.injected))} faults, ` +
    `${sum((t) => t.crashes)} crashes, ${sum((t) => t.redelivered)} records redelivered, ` +
    `partial batches ${describePartial(addUp(tallies.map((t) => t.partialBatches)))}, ` +
    `${tallies.filter((t) => t.outage).length} outages with ${sum((t) => t.redriven)} records redriven from the DLQs, ` +
    `${sum((t) => t.settling)} settling passes, ` +
    `${sum((t) => t.shipments)} shipments, suspend landed mid-release in ${tallies.filter((t) => t.midRelease).length} runs, ` +
    `${sum((t) => t.amendmentsWritten)} amendments written and ${sum((t) => t.amendmentsApplied)} applied, ` +
    `${sum((t) => t.writtenBack)} identity or invalid edits written back, ` +
    `${sum((t) => t.belowShipped)} lowerings below shipped (${sum((t) => t.shippedOverLimit)} shipped-over-limit findings, alerted), ` +
    `${sum((t) => t.shipmentValues)} shipment values edited, ` +
    `${sum((t) => t.copies)} console copies, ` +
    `${conflictRate(
      sum((t) => t.conflicts),
      sum((t) => t.transactions),
      sum((t) => t.injected.conflict ?? 0),
    )}, ` +
    `${(sum((t) => t.ms) / 1000).toFixed(0)} s of runs; ` +
    `failing seeds: ${failed.length === 0 ? 'none' : failed.join(', ')}\n` +
    `[chaos] ${who}: faults by kind and service: ${JSON.stringify(totals)}\n`
  );
}

/** Counts by key, added up. */
function addUp(counts: readonly Readonly<Record<string, number>>[]): Record<string, number> {
  const total: Record<string, number> = {};
  for (const c of counts) for (const [k, n] of Object.entries(c)) total[k] = (total[k] ?? 0) + n;
  return total;
}

/** The tallies a tally file holds (one JSON line per run); none when it was never written. */
export function readTallies(file: string): RunTally[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as RunTally);
}
