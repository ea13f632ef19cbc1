/**
 * Fault injection on the local stack with the real handlers (see
 * test/chaos/faults.ts and test/chaos/workload.ts). Every run is seeded; a
 * failing run prints its seed and how to run it alone.
 *
 *   npm run test:chaos                      short form (part of npm test)
 *   npm run test:chaos -- --runs 200        long form
 *   npm run test:chaos -- --seed 17 --runs 1
 *
 * The seeds are dealt to {@link CHAOS_LANES} lanes, one test file each
 * (chaos-lane-1.test.ts, ...), which vitest runs at once, each on its own
 * worker's DynamoDB Local and fauxqs: one run alone leaves part of the two
 * cores idle while it waits on streams and retries (the short form took 60 s
 * in two lanes, 75 s in one, on the same machine).
 */
import { appendFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { CHAOS_LANES } from '../../vitest.config.js';
import { type ChaosConfig, chaosRun, report } from './chaos-run.js';
import {
  conflictRate,
  DEFAULT_FAULT_RATE,
  describePartial,
  describeSeeds,
  faultsOf,
  REGRESSION_SEEDS,
  type RunTally,
  summaryLines,
  tallyOf,
} from './summary.js';

/** `2 crashes (shipment-events TransactWriteItems #1 after; ...)`: where each fired, from its label. */
const crashesFired = (labels: readonly string[]): string =>
  `${labels.length} crashes${labels.length ? ` (${labels.map((l) => /\(([^()]*)\)$/.exec(l)?.[1] ?? l).join('; ')})` : ''}`;

const env = process.env;
const runs = Number(env.CHAOS_RUNS ?? 6);
const firstSeed = Number(env.CHAOS_SEED ?? 1);
const config: ChaosConfig = {
  rate: Number(env.CHAOS_RATE ?? DEFAULT_FAULT_RATE),
  duplicateRate: 0.1,
  staleRate: 0.1,
  drainTimeoutMs: 120_000,
};
const regressions = env.CHAOS_SEED === undefined || env.CHAOS_REGRESSIONS === '1' ? REGRESSION_SEEDS : [];
/** Every seed of this vitest run, regression seeds first; lane k takes every CHAOS_LANES-th from the k-th. */
const CHAOS_SEEDS: readonly number[] = [
  ...regressions,
  ...Array.from({ length: runs }, (_, i) => firstSeed + i),
];

/** Defines lane `lane` (1..CHAOS_LANES) of the suite: its share of the seeds, and its summary. */
export function chaosLane(lane: number): void {
  if (!Number.isInteger(lane) || lane < 1 || lane > CHAOS_LANES) {
    throw new Error(`chaos lane ${lane}: lanes are 1..${CHAOS_LANES} (CHAOS_LANES in vitest.config.ts)`);
  }
  const seeds = CHAOS_SEEDS.filter((_, i) => i % CHAOS_LANES === lane - 1);
  const who = `lane ${lane} of ${CHAOS_LANES}`;
  const tallies: RunTally[] = [];

  afterAll(() => {
    if (tallies.length > 0) {
      process.stderr.write(summaryLines(who, tallies, describeSeeds(seeds, regressions), config.rate));
      // A lane whose runs crashed nowhere proved nothing about crash recovery: the crash points stopped firing.
      expect(
        tallies.reduce((n, t) => n + t.crashes, 0),
        `${who}: no crash point fired in any run`,
      ).toBeGreaterThan(0);
    }
  });

  describe(`chaos, ${who} (${seeds.length} seeded runs, fault rate ${config.rate}, every fault kind)`, () => {
    if (seeds.length === 0) {
      // biome-ignore lint/suspicious/noSkippedTests: a lane dealt no seed (fewer runs than lanes) shows one skipped test, as vitest fails a file with none.
      it.skip('has no seed in this run', () => {});
      return;
    }
    it.each(seeds)(
      'keeps I1–I6 through faults, crashes, redelivery, amendments and admin races (seed %i)',
      async (seed) => {
        const outcome = await chaosRun(seed, config);
        const tally = tallyOf(outcome);
        tallies.push(tally);
        if (env.CHAOS_TALLY_FILE) appendFileSync(env.CHAOS_TALLY_FILE, `${JSON.stringify(tally)}\n`);
        // One line per run as it ends, so a long run that is interrupted still shows what it covered.
        process.stderr.write(
          `[chaos] seed ${seed}: ${tally.failed ? `FAILED (${outcome.problems.length} problems)` : 'ok'} ` +
            `in ${tally.ms} ms; ${faultsOf(tally.injected)} faults, ${crashesFired(outcome.faults.crashes)}, ` +
            `${tally.redelivered} records redelivered, partial batches ${describePartial(tally.partialBatches)}, ` +
            `${outcome.outage ? `outage of ${outcome.outage.fn} then ${tally.redriven} records redriven from the DLQ` : 'no outage'}, ` +
            `${tally.settling} settling passes, ${tally.shipments} shipments, ` +
            `${conflictRate(tally.conflicts, tally.transactions, tally.injected.conflict ?? 0)}; ` +
            `amendments ${tally.amendmentsWritten} written, ${tally.amendmentsApplied} applied, ` +
            `${tally.writtenBack} to be written back, ${tally.belowShipped} below shipped ` +
            `(${tally.shippedOverLimit} findings), ${tally.shipmentValues} values edited, ${tally.copies} console copies\n`,
        );
        if (outcome.problems.length > 0) process.stderr.write(`${report(outcome, config)}\n`);
        expect(outcome.problems, `seed ${seed}`).toEqual([]);
        // "Through faults and redelivery" holds only if they happened: an injector that stopped
        // intercepting would otherwise pass every run.
        expect(faultsOf(tally.injected), `seed ${seed}: faults injected`).toBeGreaterThan(0);
        expect(tally.redelivered, `seed ${seed}: records redelivered`).toBeGreaterThan(0);
      },
      300_000,
    );
  });
}
