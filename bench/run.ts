/**
 * `npm run bench`: five measurements in one process, on one local stack,
 * with the same N and item sizes, rotating their order across
 * repetitions:
 *
 * 1. ceiling   — plain BatchWriteItem of N shipment-sized items (bench/ceiling.ts);
 * 2. floor     — the release's own transactions and History entries, replayed
 *                with no handlers, one call after another (bench/floor.ts);
 * 3. clearance — approve the licenses in the console, the real handlers release
 *                and notify (bench/clearance.ts);
 * 4. naive     — the same end state one shipment at a time (bench/naive.ts);
 * 5. fairness  — 50 licenses of uneven backlogs approved at once: each one's
 *                time to its first customer message (bench/fairness.ts).
 *
 * Writes bench/results/latest.json and the results block of BENCHMARKS.md;
 * progress goes to stderr, the summary table to stdout. See BENCHMARKS.md.
 */

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { countCalls, fromFunctions } from '../local/call-counter.js';
import { LocalServicesError } from '../local/services.js';
import { type StandaloneLocalStack, startLocalStack } from '../local/stack.js';
import {
  DynamoHistoryRepository,
  DynamoInventoryRepository,
  DynamoLicenseRepository,
  DynamoShipmentRepository,
} from '../shared/adapters/dynamo.js';
import { scanAndCheck } from '../shared/engine/invariant-checker.js';
import { type CeilingResult, measureCeiling } from './ceiling.js';
import { type ClearanceResult, measureClearance } from './clearance.js';
import { type BenchContext, timeCalls } from './context.js';
import { type FairnessResult, measureFairness } from './fairness.js';
import { type FloorResult, measureFloor } from './floor.js';
import { gitState } from './git-state.js';
import { measureNaive, type NaiveResult } from './naive.js';
import { WindowProfiler } from './profile.js';
import { type BenchResults, type MemoryRun, type RepResult, renderMarkdown, summarize } from './report.js';
import { type CallTrace, traceCalls } from './trace.js';
import { FAIRNESS_SHAPE, makeWorkload, tagOf } from './workload.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const KINDS = ['ceiling', 'floor', 'clearance', 'naive', 'fairness'] as const;
type Kind = (typeof KINDS)[number];

const USAGE = `Usage: npm run bench -- [options]

Measures, on one local stack (DynamoDB Local + fauxqs, the real handlers):
  ceiling    plain BatchWriteItem of N shipment-sized items (the emulator's write limit)
  floor      the release's TransactWriteItems (97 shipments + 1 Inventory ADD + the guarded license ADD + the tally update)
             and its History entries (100 conditional Puts a call), no handlers, one call after another
  clearance  approval in the console → all N RELEASED, counters final, 2N messages delivered
  naive      the same end state one shipment at a time (6 calls per shipment, History included)
  fairness   50 licenses of uneven backlogs (3 × 25 %, 47 sharing 25 %) approved at once: each license's
             time to its first customer message, and the spread
Subscriber queues are drained as messages arrive, so the process's peak RSS is the product's.
With bench/results/model-aws.json (written by the AWS model), its oneLicenseMillionSeconds goes into the summary.
A run without both 10,000 and 50,000 takes the summary's RSS growth from bench/results/memory-10000-50000.json
(--sizes 10000,50000 --reps 1 --only clearance --no-doc --out that file), and names it.

Options:
  --sizes LIST             shipments per run (default 1000,10000,50000)
  --reps N                 repetitions per size, at least 1 (default 3); medians are reported
  --only LIST              measurements to run (default ceiling,floor,clearance,naive,fairness)
  --ceiling-concurrency N  BatchWriteItem calls in flight for the ceiling (default 4: the emulator's write limit)
  --naive-concurrency N    licenses the naive peer releases at once (default 5: one worker per license, as
                           one invocation per license record would; 1 = one license after another)
  --poll-ms N              how often the bench looks for the end state (default 25)
  --esm-poll-ms N          the emulator's idle stream poll interval (default: the emulator's, 50)
  --timeout-factor MS      a run may take max(120 s, N × MS) before it fails (default 20)
  --seed N                 workload seed (default 1)
  --out FILE               results JSON (default bench/results/latest.json)
  --no-doc                 do not rewrite the results block of BENCHMARKS.md
  --no-warmup              skip the small unrecorded warm-up run of each measurement
  --no-final-check         skip the invariant check over the whole store at the end
  --cpu-profile DIR        CPU-profile each measured clearance/naive window (approval → done) into DIR,
                           with a summary per profile (the sampler slows the runs: keep such figures apart)
  --trace FILE             write every request of the functions (start, function, operation, table, index,
                           Limit, actions, duration, status) and each approval to FILE, one JSON line each
                           (bench/trace.ts; it slows the runs too: keep such figures apart)
  -h, --help               this help

Exit code: 0 when every run reached the expected end state and the invariants hold,
1 when not, 2 when the stack could not start.`;

function fail(message: string, code = 2): never {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(code);
}

/** `--trace FILE`, resolved; its folder must exist (the file is created or truncated). */
function traceFile(raw: string | boolean | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const file = resolve(String(raw));
  if (!existsSync(dirname(file)))
    fail(`--trace: the folder ${dirname(file)} does not exist; create it or name a file in another folder`);
  return file;
}

function options() {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      options: {
        sizes: { type: 'string' },
        reps: { type: 'string' },
        only: { type: 'string' },
        'ceiling-concurrency': { type: 'string' },
        'naive-concurrency': { type: 'string' },
        'poll-ms': { type: 'string' },
        'esm-poll-ms': { type: 'string' },
        'timeout-factor': { type: 'string' },
        seed: { type: 'string' },
        out: { type: 'string' },
        'no-doc': { type: 'boolean' },
        'no-warmup': { type: 'boolean' },
        'no-final-check': { type: 'boolean' },
        'cpu-profile': { type: 'string' },
        trace: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    fail(`${(error as Error).message}\n\n${USAGE}`);
  }
  if (values.help) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(0);
  }
  const int = (name: string, fallback: number, min: number): number => {
    const raw = values[name];
    const v = raw === undefined ? fallback : Number(raw);
    if (!Number.isInteger(v) || v < min)
      fail(`--${name} must be a whole number ≥ ${min}, got "${String(raw)}"`);
    return v;
  };
  const sizes = String(values.sizes ?? '1000,10000,50000')
    .split(',')
    .map((s) => Number(s.trim().replace(/_/g, '')));
  if (sizes.length === 0 || sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 1_000_000))
    fail(`--sizes must be whole numbers from 1 to 1000000, got "${String(values.sizes)}"`);
  const only = String(values.only ?? KINDS.join(','))
    .split(',')
    .map((s) => s.trim()) as Kind[];
  if (only.length === 0 || only.some((k) => !KINDS.includes(k)))
    fail(`--only takes a list of ${KINDS.join(', ')}, got "${String(values.only)}"`);
  return {
    sizes,
    reps: int('reps', 3, 1),
    only: KINDS.filter((k) => only.includes(k)),
    ceilingConcurrency: int('ceiling-concurrency', 4, 1),
    naiveConcurrency: int('naive-concurrency', 5, 1),
    pollMs: int('poll-ms', 25, 1),
    esmPollMs: values['esm-poll-ms'] === undefined ? undefined : int('esm-poll-ms', 50, 1),
    timeoutFactor: int('timeout-factor', 20, 1),
    seed: int('seed', 1, 0),
    out: resolve(String(values.out ?? join(ROOT, 'bench/results/latest.json'))),
    doc: !values['no-doc'],
    warmup: !values['no-warmup'],
    finalCheck: !values['no-final-check'],
    cpuProfile: values['cpu-profile'] === undefined ? undefined : resolve(String(values['cpu-profile'])),
    trace: traceFile(values.trace),
  };
}

function sh(command: string, args: string[]): string | undefined {
  try {
    return execFileSync(command, args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: ROOT,
    }).trim();
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr;
    return typeof stderr === 'string' && stderr.trim() !== '' ? stderr.trim() : undefined;
  }
}

function machine() {
  // `java -version` writes to stderr.
  const java = sh('sh', ['-c', 'java -version 2>&1 | head -1']);
  return {
    nproc: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    java,
    platform: `${process.platform} ${process.arch}`,
  };
}

const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function main(): Promise<void> {
  const opts = options();
  const began = Date.now();
  const loadAverageAtStart = loadavg().map((v) => Math.round(v * 100) / 100);
  // The handlers log and emit EMF metrics to stdout, and Powertools warns about empty metrics on stderr:
  // that is CloudWatch's business. The bench writes its progress and its table through the originals.
  const stdout = process.stdout.write.bind(process.stdout);
  const stderr = process.stderr.write.bind(process.stderr);
  process.stdout.write = (() => true) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) =>
    String(chunk).includes('No application metrics to publish')
      ? true
      : stderr(chunk, ...rest)) as typeof process.stderr.write;
  const log = (line: string) => stderr(`${line}\n`);
  const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim();
  log(`bench: sizes ${opts.sizes.join(', ')}, ${opts.reps} repetition(s), ${opts.only.join(' + ')}`);
  log('bench: starting DynamoDB Local and fauxqs, creating the stack from the synthesized template...');
  let stack: StandaloneLocalStack;
  try {
    stack = await startLocalStack({
      prefix: `bench-${Date.now().toString(36)}`,
      // Handler logs (JSON lines on stdout) are CloudWatch's business; warnings and errors still show.
      environmentOverrides: { POWERTOOLS_LOG_LEVEL: 'WARN' },
      ...(opts.esmPollMs === undefined ? {} : { pollIntervalMs: opts.esmPollMs }),
    });
  } catch (error) {
    if (error instanceof LocalServicesError) fail(error.message);
    fail(`the local stack could not be created: ${(error as Error).message}`);
  }
  let exitCode = 1;
  let trace: CallTrace | undefined;
  try {
    // The functions' requests, as their sandboxes send them through the stack's gateway.
    const handlerCalls = countCalls(stack.gateway);
    trace = opts.trace === undefined ? undefined : traceCalls(opts.trace);
    const handlerTimes = timeCalls(stack.gateway, fromFunctions, trace?.record);
    const dynamodb = new DynamoDBClient({});
    const r = stack.resources;
    const ctx: BenchContext = {
      stack,
      dynamodb,
      ddb: DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } }),
      sns: new SNSClient({}),
      sqs: new SQSClient({ endpoint: stack.endpoints.sqs }),
      tables: {
        licenses: r.tables.licenses.name,
        shipments: r.tables.shipments.name,
        inventory: r.tables.inventory.name,
        history: r.tables.history.name,
        tallies: r.tables.tallies.name,
      },
      topics: {
        customer: r.topics.customer.arn,
        customerShards: r.topics.customerShards.map((t) => t.arn),
        logistics: r.topics.logistics.arn,
      },
      handlerCalls,
      handlerTimes,
      timeoutMs: (n) => Math.max(120_000, n * opts.timeoutFactor),
      log,
      profiler:
        opts.cpuProfile === undefined
          ? undefined
          : new WindowProfiler(opts.cpuProfile, stack.services.dynamoDbPid),
      ...(trace ? { trace } : {}),
    };

    let sequence = 0;
    const runOne = async (
      kind: Kind,
      n: number,
      seed: number,
      label: string,
    ): Promise<CeilingResult | FloorResult | ClearanceResult | NaiveResult | FairnessResult> => {
      sequence++;
      if (kind === 'ceiling')
        return measureCeiling(ctx, makeWorkload(tagOf('X', sequence), n, seed), opts.ceilingConcurrency);
      if (kind === 'floor') return measureFloor(ctx, makeWorkload(tagOf('F', sequence), n, seed));
      if (kind === 'fairness')
        return measureFairness(ctx, makeWorkload(tagOf('A', sequence), n, seed, FAIRNESS_SHAPE), {
          pollMs: opts.pollMs,
          label,
        });
      if (kind === 'clearance')
        return measureClearance(ctx, makeWorkload(tagOf('C', sequence), n, seed), {
          pollMs: opts.pollMs,
          label,
        });
      return measureNaive(ctx, makeWorkload(tagOf('N', sequence), n, seed), {
        label,
        concurrency: opts.naiveConcurrency,
      });
    };

    if (opts.warmup) {
      log('bench: warm-up (not recorded)...');
      // The JVM's write path needs a few thousand items to be compiled; the others are costlier per item.
      const warmupSize = {
        ceiling: 5_000,
        floor: 1_000,
        clearance: 1_000,
        naive: 200,
        fairness: 500,
      } as const;
      for (const kind of opts.only) {
        const result = await runOne(kind, warmupSize[kind], 7, `warm-up ${kind}`);
        if (result.problems.length > 0) throw new Error(`warm-up ${kind}: ${result.problems.join('; ')}`);
      }
    }

    const reps: RepResult[] = [];
    for (const n of opts.sizes) {
      for (let rep = 0; rep < opts.reps; rep++) {
        const order = opts.only.map((_, i) => opts.only[(i + rep) % opts.only.length] as Kind);
        const seed = opts.seed * 1_000_003 + n * 31 + rep;
        const result: RepResult = { n, rep: rep + 1, order, loadAverage: loadavg()[0] ?? 0 };
        for (const kind of order) {
          const label = `N=${n.toLocaleString('en-US')} rep ${rep + 1}/${opts.reps} ${kind}`;
          log(`bench: ${label}...`);
          const startedAt = Date.now();
          const m = await runOne(kind, n, seed, label);
          if (m.kind === 'clearance' && m.calls.total === 0) {
            throw new Error(
              'the call counter saw no handler calls: the bench imported another instance of functions/runtime.ts than the emulator did',
            );
          }
          result.wallMs = { ...result.wallMs, [kind]: Date.now() - startedAt };
          if (m.kind === 'ceiling') result.ceiling = m;
          else if (m.kind === 'floor') result.floor = m;
          else if (m.kind === 'clearance') result.clearance = m;
          else if (m.kind === 'fairness') result.fairness = m;
          else result.naive = m;
          const extra = progressNote(m);
          const seedMs = m.kind === 'ceiling' ? 0 : m.seedMs;
          log(
            `bench: ${label}: ${secs(m.ms)}${extra}, peak RSS ${m.memory.rssPeakMiB.toFixed(0)} MiB (untimed: seeding ${secs(seedMs)}, settling and checks ${secs(Date.now() - startedAt - m.ms - seedMs)})${m.problems.length > 0 ? `; PROBLEMS: ${m.problems.slice(0, 5).join('; ')}` : ''}`,
          );
        }
        reps.push(result);
      }
    }

    let invariants: BenchResults['invariants'];
    if (opts.finalCheck) {
      log('bench: checking I1–I3 and I6 over the whole store...');
      const check = await scanAndCheck({
        licenses: new DynamoLicenseRepository(ctx.ddb, ctx.tables.licenses),
        shipments: new DynamoShipmentRepository(ctx.ddb, ctx.tables),
        inventory: new DynamoInventoryRepository(ctx.ddb, ctx.tables.inventory),
        history: new DynamoHistoryRepository(ctx.ddb, ctx.tables.history),
      });
      invariants = {
        violations: check.violations.length,
        sample: check.violations
          .slice(0, 10)
          .map((v) => `${v.invariant} ${JSON.stringify(v.key)}: ${v.message}`),
        counts: check.counts,
      };
    }

    const git = gitState();
    const commit = git.commit === null ? undefined : git.commit.slice(0, 7);
    const dirty = git.dirty === true;
    const results: BenchResults = {
      schema: 'clearance.bench.v1',
      date: new Date().toISOString(),
      command,
      commit: commit === undefined ? undefined : `${commit}${dirty ? ' (with uncommitted changes)' : ''}`,
      durationS: Math.round((Date.now() - began) / 1000),
      machine: {
        ...machine(),
        loadAverageAtStart,
        loadAverageAtEnd: loadavg().map((v) => Math.round(v * 100) / 100),
      },
      options: {
        sizes: opts.sizes,
        reps: opts.reps,
        only: opts.only,
        ceilingConcurrency: opts.ceilingConcurrency,
        naiveConcurrency: opts.naiveConcurrency,
        pollMs: opts.pollMs,
        esmPollMs: opts.esmPollMs ?? 50,
        seed: opts.seed,
        environment: {
          RELEASE_TIME_BUDGET_MS: stack.env.RELEASE_TIME_BUDGET_MS,
          POWERTOOLS_LOG_LEVEL: 'WARN',
        },
      },
      summary: summarize(reps, { modelAwsMillionSeconds: modelAwsSeconds(), memoryRun: memoryRun() }),
      reps,
      invariants,
    };
    mkdirSync(dirname(opts.out), { recursive: true });
    writeFileSync(opts.out, `${JSON.stringify(results, null, 2)}\n`);
    const markdown = renderMarkdown(results);
    if (opts.doc) updateDoc(markdown);
    stdout(`${markdown}\n`);
    const { sizes: _sizes, targets: _targets, ...headline } = results.summary;
    log(`bench: summary at N = 10,000: ${JSON.stringify(headline)}`);
    log(`bench: wrote ${opts.out}${opts.doc ? ' and BENCHMARKS.md' : ''} in ${results.durationS} s`);
    const problems = reps.flatMap((r) =>
      [r.ceiling, r.floor, r.clearance, r.naive, r.fairness].flatMap((m) => m?.problems ?? []),
    );
    if (problems.length > 0)
      log(`bench: ${problems.length} problem(s) in the end states: ${problems.slice(0, 10).join('; ')}`);
    if (invariants && invariants.violations > 0)
      log(`bench: ${invariants.violations} invariant violation(s)`);
    exitCode = problems.length === 0 && (invariants?.violations ?? 0) === 0 ? 0 : 1;
  } finally {
    await trace?.close();
    if (trace) log(`bench: wrote the functions' requests to ${opts.trace}`);
    await stack.stop();
  }
  process.exit(exitCode);
}

/** One measurement's figures for the progress line. */
function progressNote(
  m: CeilingResult | FloorResult | ClearanceResult | NaiveResult | FairnessResult,
): string {
  if (m.kind === 'clearance')
    return `, first customer message ${m.firstCustomerMs === undefined ? '-' : secs(m.firstCustomerMs)}, ${m.calls.perShipment.toFixed(3)} calls/shipment`;
  if (m.kind === 'naive') return `, ${m.calls.perShipment.toFixed(2)} calls/shipment`;
  if (m.kind === 'floor')
    return `, release ${secs(m.releaseMs)} + History ${secs(m.historyMs)}, ${m.calls.release} + ${m.calls.history} transactions`;
  if (m.kind === 'fairness') {
    const at = (ms: number | undefined) => (ms === undefined ? '-' : secs(ms));
    return `, first customer messages ${at(m.firstMessageMinMs)} … ${at(m.firstMessageMaxMs)} (spread ${at(m.spreadMs)}), ${m.calls.perShipment.toFixed(3)} calls/shipment`;
  }
  return `, ${m.itemBytes} B/item`;
}

/** A results file of an earlier run (path from the repository root), or undefined when absent or unreadable. */
function earlierResult<T>(path: string): Partial<T> | undefined {
  try {
    return JSON.parse(readFileSync(join(ROOT, path), 'utf8')) as Partial<T>;
  } catch {
    return undefined;
  }
}

/**
 * The AWS model's time to release and notify 1,000,000 shipments of one
 * license: `oneLicenseMillionSeconds` in bench/results/model-aws.json, which
 * `npm run bench -- --model aws` writes; null when absent or unreadable.
 */
function modelAwsSeconds(): number | null {
  const run = earlierResult<{ oneLicenseMillionSeconds: unknown }>('bench/results/model-aws.json');
  const v = run?.oneLicenseMillionSeconds;
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

const MEMORY_RUN = 'bench/results/memory-10000-50000.json';

/**
 * The peak RSS at 10,000 and 50,000 of the separate memory run,
 * bench/results/memory-10000-50000.json (`--sizes 10000,50000 --reps 1 --only
 * clearance --no-doc --out` that file), for a run that measures only 10,000;
 * undefined when absent, unreadable or without both sizes.
 */
function memoryRun(): MemoryRun | undefined {
  const raw = earlierResult<{
    commit: unknown;
    date: unknown;
    summary: { rssPeakMiB10k?: unknown; rssPeakMiB50k?: unknown; rssMeasuredIn?: unknown };
  }>(MEMORY_RUN);
  const at10 = raw?.summary?.rssPeakMiB10k;
  const at50 = raw?.summary?.rssPeakMiB50k;
  if (typeof at10 !== 'number' || typeof at50 !== 'number') return undefined;
  // Only a run that measured both sizes itself (files older than rssMeasuredIn did): never a copy of a copy.
  const measuredIn = raw?.summary?.rssMeasuredIn;
  if (measuredIn !== undefined && measuredIn !== 'this run') return undefined;
  const when = typeof raw?.date === 'string' ? raw.date.slice(0, 10) : 'undated';
  return { rssPeakMiB10k: at10, rssPeakMiB50k: at50, from: `${MEMORY_RUN}, ${String(raw?.commit)}, ${when}` };
}

const START = '<!-- bench:results:start (written by npm run bench) -->';
const END = '<!-- bench:results:end -->';

/** Replaces the results block of BENCHMARKS.md (or creates the file with only that block). */
function updateDoc(markdown: string): void {
  const path = join(ROOT, 'BENCHMARKS.md');
  const block = `${START}\n${markdown.trim()}\n${END}`;
  if (!existsSync(path)) {
    writeFileSync(path, `# Benchmarks\n\n${block}\n`);
    return;
  }
  const text = readFileSync(path, 'utf8');
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  writeFileSync(
    path,
    a >= 0 && b > a
      ? `${text.slice(0, a)}${block}${text.slice(b + END.length)}`
      : `${text.trimEnd()}\n\n${block}\n`,
  );
}

// `--model aws`: the AWS model (bench/model-aws, its own options) instead, before any stack starts; in a
// process of its own with a larger heap (1,000,000 shipments), so this one keeps node's defaults.
const args = process.argv.slice(2);
const modelAt = args.indexOf('--model');
if (modelAt >= 0) {
  if (args[modelAt + 1] !== 'aws') fail('--model takes one value: aws');
  const rest = args.filter((_, i) => i !== modelAt && i !== modelAt + 1);
  const cli = join(ROOT, 'bench/model-aws/cli.ts');
  try {
    execFileSync(process.execPath, ['--max-old-space-size=10240', '--import', 'tsx', cli, ...rest], {
      stdio: 'inherit',
    });
    process.exit(0);
  } catch (error) {
    process.exit((error as { status?: number }).status ?? 1);
  }
}
await main();
