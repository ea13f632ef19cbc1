/**
 * `npm run test:chaos [-- --runs N] [--seed S] [--rate R] [--verbose]`: runs
 * the chaos project of vitest with these settings (vitest itself takes no
 * such flags).
 *
 *   npm run test:chaos                       short form: 6 runs from seed 1 (npm test runs this)
 *   npm run test:chaos -- --runs 200         long form: seeds 1..200 at 10% fault rate
 *   npm run test:chaos -- --seed 17 --runs 1 one seed, e.g. a failing one
 *
 * Runs go in chunks of 50 seeds, each in a fresh vitest process with fresh
 * local services: DynamoDB Local keeps every stream record of every table
 * (deleted ones too) in one store, so reading streams slows down as runs
 * accumulate. The deterministic race tests run with the first chunk only.
 * Within a chunk the seeds are dealt to the lanes of test/chaos/lane.ts,
 * which run at once; each prints its own summary, and this command ends with
 * one for all lanes and chunks.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_FAULT_RATE, describeSeeds, REGRESSION_SEEDS, readTallies, summaryLines } from './summary.js';

const CHUNK = 50;

const { values } = parseArgs({
  options: {
    runs: { type: 'string' },
    seed: { type: 'string' },
    rate: { type: 'string' },
    verbose: { type: 'boolean', default: false },
  },
  allowPositionals: false,
});

const number = (name: string, raw: string | undefined, integer: boolean): number | undefined => {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) {
    process.stderr.write(`--${name} must be a ${integer ? 'whole ' : ''}number ≥ 0, got "${raw}"\n`);
    process.exit(2);
  }
  return n;
};

const runs = number('runs', values.runs, true) ?? 6;
const firstSeed = number('seed', values.seed, true) ?? 1;
const rate = number('rate', values.rate, false);
const vitest = fileURLToPath(new URL('../../node_modules/vitest/vitest.mjs', import.meta.url));

const started = Date.now();
const failedChunks: string[] = [];
const tallyDir = mkdtempSync(join(tmpdir(), 'clearance-chaos-'));
const tallyFile = join(tallyDir, 'runs.jsonl');
for (let offset = 0; offset < Math.max(runs, 1); offset += CHUNK) {
  const count = Math.min(CHUNK, runs - offset);
  const first = firstSeed + offset;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CHAOS_SEED: String(first),
    CHAOS_RUNS: String(count),
    // Seeds that once failed run with the default form's first chunk.
    CHAOS_REGRESSIONS: values.seed === undefined && offset === 0 ? '1' : '0',
    ...(rate === undefined ? {} : { CHAOS_RATE: String(rate) }),
    ...(values.verbose ? { CHAOS_VERBOSE: '1' } : {}),
    CHAOS_TALLY_FILE: tallyFile,
  };
  const files = offset === 0 ? [] : ['test/chaos/chaos-lane-'];
  process.stderr.write(`[chaos] seeds ${first}..${first + count - 1}\n`);
  const result = spawnSync(
    process.execPath,
    [vitest, 'run', '--project', 'chaos', '--silent=passed-only', ...files],
    { env, stdio: 'inherit' },
  );
  if (result.status !== 0) failedChunks.push(`${first}..${first + count - 1}`);
  if (result.signal) {
    process.stderr.write(`[chaos] interrupted (${result.signal})\n`);
    process.exit(1);
  }
}
const tallies = readTallies(tallyFile);
rmSync(tallyDir, { recursive: true, force: true });
if (tallies.length > 0) {
  const seeds = tallies.map((t) => t.seed);
  process.stderr.write(
    summaryLines('all lanes', tallies, describeSeeds(seeds, REGRESSION_SEEDS), rate ?? DEFAULT_FAULT_RATE),
  );
}
process.stderr.write(
  `[chaos] ${runs} runs, seeds ${firstSeed}..${firstSeed + runs - 1}, ${((Date.now() - started) / 1000).toFixed(0)} s: ` +
    `${failedChunks.length === 0 ? 'all passed' : `failures in seeds ${failedChunks.join(', ')} (see CHAOS FAILURE above)`}\n`,
);
process.exit(failedChunks.length === 0 ? 0 : 1);
