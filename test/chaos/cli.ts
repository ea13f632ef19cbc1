/**
 * `npm run test:chaos [-- --runs N] [--seed S] [--rate R]`: runs the chaos
 * project of vitest with these settings (vitest itself takes no such flags).
 *
 *   npm run test:chaos                       short form: 6 runs from seed 1 (npm test runs this)
 *   npm run test:chaos -- --runs 200         long form: seeds 1..200 at 10% fault rate
 *   npm run test:chaos -- --seed 17 --runs 1 one seed, e.g. a failing one
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    runs: { type: 'string' },
    seed: { type: 'string' },
    rate: { type: 'string' },
    verbose: { type: 'boolean', default: false },
  },
  allowPositionals: false,
});

const positive = (name: string, raw: string | undefined, integer: boolean): string | undefined => {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) {
    process.stderr.write(`--${name} must be a ${integer ? 'whole ' : ''}number ≥ 0, got "${raw}"\n`);
    process.exit(2);
  }
  return String(n);
};

const env: NodeJS.ProcessEnv = { ...process.env };
const runs = positive('runs', values.runs, true);
const seed = positive('seed', values.seed, true);
const rate = positive('rate', values.rate, false);
if (runs !== undefined) env.CHAOS_RUNS = runs;
if (seed !== undefined) env.CHAOS_SEED = seed;
if (rate !== undefined) env.CHAOS_RATE = rate;
if (values.verbose) env.CHAOS_VERBOSE = '1';

const vitest = fileURLToPath(new URL('../../node_modules/vitest/vitest.mjs', import.meta.url));
const child = spawn(process.execPath, [vitest, 'run', '--project', 'chaos', '--silent=passed-only'], {
  env,
  stdio: 'inherit',
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
