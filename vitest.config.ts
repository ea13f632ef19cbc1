import { configDefaults, defineConfig } from 'vitest/config';
import { longestFirst } from './test/helpers/sequencer.js';

// The AWS SDK's notice that its releases after January 2027 need Node 22 (README, "Prerequisites"),
// once per process: set here, before vitest starts its workers, which inherit it. The local stack's
// function sandboxes get an environment of their own, with it (local/lambda-host.ts).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/**
 * Unit test files that replace a module with vi.mock: they run isolated, since a shared module
 * graph may already hold the real one. test/unit/repo/test-config.test.ts keeps the list complete.
 */
export const UNIT_WITH_MODULE_MOCKS = ['test/unit/cli/redrive.test.ts'];

/**
 * The longest files of the projects that run several files at a time, longest first (seconds on this
 * machine's slow days): started first, they no longer run alone at the end of their project in a
 * fresh clone, where vitest has no durations to sort by. test/unit/repo/test-config.test.ts checks
 * that each still exists.
 */
export const RUN_FIRST = [
  // As measured in a fresh-clone CI run on 2026-12-06 (integration 196 s, three files at a time).
  'test/integration/release-scale.test.ts', // 77 s
  'test/integration/release-continuation.test.ts', // 53 s
  'test/integration/demo-usage.test.ts', // 49 s
  'test/integration/license-simulate.test.ts', // 49 s
  'test/integration/cli-commands.test.ts', // 35 s
  'test/integration/license-terms.test.ts', // 30 s
  // The unit projects' longest (two at a time).
  'test/unit/engine/lifecycle-random.test.ts', // 13 s
  'test/unit/cli/simulate-random.test.ts', // 9 s
  'test/unit/bench/model-aws-honesty.test.ts', // 8 s
];

/**
 * Files the seeded chaos runs are dealt to (test/chaos/chaos-lane-K.test.ts, K = 1..CHAOS_LANES),
 * run at once as the chaos project's workers. test/unit/repo/test-config.test.ts checks the files.
 */
export const CHAOS_LANES = 2;

export default defineConfig({
  test: {
    sequence: { sequencer: longestFirst(RUN_FIRST) },
    projects: [
      {
        // One module graph per worker instead of one per file (about 3x faster here): these files
        // share no mutable state. Files that mock modules (vi.mock) need their own graph: unit-isolated.
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...UNIT_WITH_MODULE_MOCKS],
          isolate: false,
          // vitest's default in a run is one worker fewer than the cores: one here. Two took the unit
          // projects from 58 s to 37 s (infra gains nothing: each worker loads aws-cdk-lib again).
          maxWorkers: 2,
        },
      },
      { test: { name: 'unit-isolated', include: [...UNIT_WITH_MODULE_MOCKS], maxWorkers: 2 } },
      {
        test: {
          name: 'infra',
          include: ['test/infra/**/*.test.ts'],
          // Synthesis is pure; sharing the module graph lets the files share aws-cdk-lib's load.
          isolate: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // One module graph per worker, as in unit: each file builds its own stack in its hooks, and
          // no file mocks a module. Importing the SDKs and the local stack once per worker instead of
          // once per file took the suite's import time from 74-98 s to 21 s.
          isolate: false,
          globalSetup: ['test/helpers/global-setup.ts'],
          // Liveness limits, not timing assertions: three files share 2 cores, and on a slow shared
          // machine one test's wait for the stack to settle can take several minutes.
          testTimeout: 300_000,
          hookTimeout: 300_000,
          // Three files at a time, each on its worker's own DynamoDB Local and fauxqs
          // (test/helpers/global-setup.ts): one instance does its work on one SQLite thread. On 2 cores
          // a third file fills the time the others wait on streams and sleeps: the suite took 265 s,
          // against 351 s with two, run one after the other on 68c2c83.
          fileParallelism: true,
          maxWorkers: 3,
        },
      },
      {
        // Bad-input corpus on the local stack (test/corpus, docs/bad-input.md).
        test: {
          name: 'corpus',
          include: ['test/corpus/**/*.test.ts'],
          globalSetup: ['test/helpers/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: true,
          maxWorkers: 2,
        },
      },
      {
        // IAM, encryption and topic policies (synth), customer isolation and log hygiene (local stack).
        test: {
          name: 'security',
          include: ['test/security/**/*.test.ts'],
          globalSetup: ['test/helpers/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: true,
          maxWorkers: 2,
        },
      },
      {
        // Seeded fault injection; `npm run test:chaos -- --runs N` (test/chaos/cli.ts) sets the run count.
        // The seeds are dealt to CHAOS_LANES files (test/chaos/lane.ts), run at once, each on its
        // worker's own DynamoDB Local and fauxqs, as in integration.
        test: {
          name: 'chaos',
          include: ['test/chaos/**/*.test.ts'],
          globalSetup: ['test/helpers/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 120_000,
          fileParallelism: true,
          maxWorkers: CHAOS_LANES,
        },
      },
    ],
  },
});
