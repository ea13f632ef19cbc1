/**
 * One seeded chaos run, end to end: a fresh stack with faults, the seeded
 * world and admin script, a drain to quiescence, and the invariant checks.
 */
import { basename } from 'node:path';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { vi } from 'vitest';
import { EXIT } from '../../cli/errors.js';
import { readAllStreamRecords } from '../../local/esm/streams.js';
import { AMENDABLE_TERMS, IDENTITY_TERMS } from '../../shared/domain/terms.js';
import { runCli } from '../helpers/cli.js';
import { receiveAllFrom } from '../helpers/stack.js';
import { type AmendmentLog, describeLog, newAmendmentLog } from './amendments.js';
import {
  checkAmendments,
  checkDlqListing,
  checkI1toI3,
  checkI4,
  checkI5,
  checkI6,
  readStore,
} from './checks.js';
import { checkCopies, imagesOf } from './duplicates.js';
import {
  type CrashRule,
  createRng,
  FaultInjector,
  type FaultKind,
  type FaultStats,
  type OutageRule,
  type Rng,
} from './faults.js';
import { type Run, startRun } from './harness.js';
import { describePartial } from './summary.js';
import {
  buildWorld,
  CUSTOMERS,
  playScript,
  type ScriptLog,
  seed as seedWorld,
  WAREHOUSES,
} from './workload.js';

export interface ChaosConfig {
  /** Probability that one request attempt fails. */
  readonly rate: number;
  readonly kinds?: readonly FaultKind[];
  /** Probability that a successful batch is delivered again right away / after later ones. */
  readonly duplicateRate: number;
  readonly staleRate: number;
  /** How long the stack may take to settle. */
  readonly drainTimeoutMs: number;
}

export interface ChaosOutcome {
  readonly seed: number;
  readonly problems: string[];
  readonly faults: FaultStats;
  readonly crashes: readonly CrashRule[];
  readonly outage: OutageRule | undefined;
  readonly releaseBudgetMs: number;
  readonly script: ScriptLog;
  /** What the script did to license terms and shipment values. */
  readonly amendments: AmendmentLog;
  /** Changes of a license's applied terms the system committed (amendments applied). */
  readonly amendmentsApplied: number;
  /** Licenses whose SHIPPED shipments alone exceed a lowered limit (findings, alerted). */
  readonly shippedOverLimit: number;
  readonly redelivered: number;
  /**
   * Batches a function answered with `batchItemFailures` after their first
   * record (the records before were checkpointed), by function
   * (`shipment-history`…).
   */
  readonly partialBatches: Readonly<Record<string, number>>;
  /** DLQ records the operator's `clearance dlq redrive` reprocessed. */
  readonly redriven: number;
  /** Settling passes the clock asked for at the end. */
  readonly settling: number;
  /** DLQ records left at the end (must be 0). */
  readonly dlq: number;
  readonly shipments: number;
  readonly ms: number;
}

/** The four crash points (ARCHITECTURE.md, "Proven under faults"); each run arms one or two, chosen by its seed. */
export const CRASH_POINTS: readonly ((rng: Rng) => CrashRule)[] = [
  (rng) =>
    rng.pick<CrashRule>([
      {
        fn: 'license-events',
        operation: 'UpdateItem',
        nth: 1,
        when: 'before',
        label: 'before the first write',
      },
      {
        fn: 'shipment-events',
        operation: 'TransactWriteItems',
        nth: 1,
        when: 'before',
        label: 'before the first write',
      },
    ]),
  () => ({
    fn: 'license-events',
    operation: 'TransactWriteItems',
    nth: 2,
    when: 'before',
    label: 'between two release batches',
  }),
  (rng) =>
    rng.pick<CrashRule>([
      {
        fn: 'license-events',
        operation: 'TransactWriteItems',
        nth: rng.int(1, 3),
        when: 'after',
        label: 'after a transaction, before the stream checkpoint',
      },
      {
        fn: 'shipment-events',
        operation: 'TransactWriteItems',
        nth: 1,
        when: 'after',
        label: 'after a transaction, before the stream checkpoint',
      },
      {
        fn: 'shipment-history',
        operation: 'TransactWriteItems',
        nth: 1,
        when: rng.pick(['before', 'after'] as const),
        label: 'around a History transaction, before the stream checkpoint',
      },
    ]),
  (rng) => ({
    fn: 'shipment-events',
    operation: 'PublishBatch',
    nth: rng.int(2, 12),
    when: rng.pick(['before', 'after'] as const),
    label: 'in the middle of the PublishBatch calls',
  }),
];

/**
 * A failure longer than the mapping's retries, in about half the runs: some
 * records reach the DLQ, and the run ends the way an operator would, with
 * `clearance dlq list` then `clearance dlq redrive` once the cause is gone.
 */
function outageFor(rng: Rng): OutageRule | undefined {
  if (!rng.chance(0.5)) return undefined;
  return {
    fn: rng.pick(['license-events', 'shipment-events', 'shipment-history']),
    from: rng.int(2, 8),
    // Bisecting a 150-record batch down to one record and retrying it 5 times takes about 14.
    invocations: rng.int(16, 40),
    label: 'an outage longer than the retries',
  };
}

/**
 * The operator's part after an outage, through the real CLI: list the DLQs
 * (every record must say why it is there: I5), then redrive until they are
 * empty, letting the stack settle after each round. Transient faults stay on.
 */
async function operatorRedrive(
  run: Run,
  config: ChaosConfig,
  log: (line: string) => void,
): Promise<{ redriven: number; problems: string[] }> {
  const stack = { stack: run.stack };
  // The CLI runs in this process and its in-process redrive imports the handler modules, which read
  // their tables and topics at load time: without a fresh module registry, a second run's redrive
  // would invoke handlers still bound to the first run's (deleted) stack. An operator's CLI is a
  // fresh process each time.
  vi.resetModules();
  const listed = await runCli(stack, ['--json', 'dlq', 'list', '--max', '1000']);
  if (listed.code !== EXIT.ok)
    return { redriven: 0, problems: [`clearance dlq list failed: ${listed.stderr}`] };
  const problems = checkDlqListing(JSON.parse(listed.stdout));
  let redriven = 0;
  for (let round = 1; round <= 5; round++) {
    const out = await runCli(stack, ['--json', 'dlq', 'redrive', '--max', '1000']);
    const outcomes = (out.stdout === '' ? [] : JSON.parse(out.stdout)) as {
      result: string;
      records: number;
      detail?: string;
    }[];
    redriven += outcomes.filter((o) => o.result === 'redriven').reduce((n, o) => n + o.records, 0);
    const left = outcomes.filter((o) => o.result !== 'redriven');
    log(
      `redrive round ${round}: exit ${out.code}, ${outcomes.length} DLQ messages${left.map((o) => `; ${o.result}: ${o.detail ?? ''}`).join('')}`,
    );
    await run.stack.drain({ timeoutMs: config.drainTimeoutMs });
    if (out.code === EXIT.ok) return { redriven, problems };
    if (out.code !== EXIT.incomplete)
      return { redriven, problems: [...problems, `clearance dlq redrive failed: ${out.stderr}`] };
  }
  return { redriven, problems: [...problems, 'clearance dlq redrive still had failures after 5 rounds'] };
}

/**
 * The clock, with faults on (EventBridge fires again the next minute when a
 * tick fails). SETTLE_DELAY_MS is 1 ms in these runs, so each license that did
 * work gets its settling pass. Then the stack settles again.
 */
async function clockTick(run: Run, config: ChaosConfig, log: (line: string) => void): Promise<number> {
  for (let tick = 1; ; tick++) {
    try {
      const result = (await run.stack.esm.invokeSchedule('license-clock')) as { settling: string[] };
      log(`clock: ${result.settling.length} settling passes`);
      await run.stack.drain({ timeoutMs: config.drainTimeoutMs });
      return result.settling.length;
    } catch (error) {
      log(`clock tick ${tick} failed: ${(error as Error).message}`);
      if (tick >= 5) throw error;
    }
  }
}

/**
 * Amendments the system applied: Licenses stream records in which
 * `appliedTerms` changed from one set of terms to another (the first terms,
 * set by the approval, are not an amendment).
 */
async function countAmendmentsApplied(run: Run): Promise<number> {
  const table = run.stack.resources.tables.licenses;
  if (table.streamArn === undefined) return 0;
  const records = await readAllStreamRecords(
    run.clients.streams,
    table.streamArn,
    run.stack.resources.region,
  );
  const terms = (image: unknown) => {
    const t = image ? unmarshall(image as Parameters<typeof unmarshall>[0]).appliedTerms : undefined;
    return t === undefined ? undefined : JSON.stringify(Object.entries(t).sort());
  };
  return records.filter((r) => {
    const [before, after] = [terms(r.dynamodb?.OldImage), terms(r.dynamodb?.NewImage)];
    return before !== undefined && after !== undefined && before !== after;
  }).length;
}

export async function chaosRun(seed: number, config: ChaosConfig): Promise<ChaosOutcome> {
  const started = Date.now();
  const rng = createRng(seed, 'chaos');
  const crashRng = rng.fork('crashes');
  const primary = CRASH_POINTS[seed % CRASH_POINTS.length];
  const crashes = primary ? [primary(crashRng)] : [];
  if (crashRng.chance(0.5)) crashes.push(crashRng.pick(CRASH_POINTS)(crashRng));
  const releaseBudgetMs = rng.fork('budget').pick([1, 2, 5, 20]);
  const outage = outageFor(rng.fork('outage'));
  const faults = new FaultInjector({
    seed,
    rate: config.rate,
    ...(config.kinds ? { kinds: config.kinds } : {}),
  });
  if (outage) faults.outage(outage);
  const run = await startRun({
    seed,
    faults,
    crashes,
    releaseBudgetMs,
    duplicateRate: config.duplicateRate,
    staleRate: config.staleRate,
    customers: CUSTOMERS,
    warehouses: WAREHOUSES,
  });
  const script: ScriptLog = [];
  let amendments = newAmendmentLog();
  let amendmentsApplied = 0;
  let shippedOverLimit = 0;
  const problems: string[] = [];
  let dlq = 0;
  let redriven = 0;
  let settling = 0;
  /** Set once the stack settled and the clock ticked: the store is then quiescent at it. */
  let quiescentAt: Date | undefined;
  let shipments = 0;
  let redelivered = 0;
  const partialBatches: Record<string, number> = {};
  try {
    const r = run.stack.resources;
    const tables = {
      licenses: r.tables.licenses.name,
      shipments: r.tables.shipments.name,
      inventory: r.tables.inventory.name,
      history: r.tables.history.name,
    };
    const world = buildWorld(rng.fork('world'));
    script.push(`+${Date.now() - started} ms: stack ready`);
    await seedWorld(run.clients.ddb, tables, world);
    script.push(`+${Date.now() - started} ms: seeded`);
    amendments = await playScript(rng.fork('script'), run.clients.ddb, tables, world, script);
    script.push(`+${Date.now() - started} ms: script done (${describeLog(amendments)})`);
    try {
      await run.stack.drain({ timeoutMs: config.drainTimeoutMs });
      script.push(`+${Date.now() - started} ms: drained`);
      if (outage) {
        // The cause is fixed; then the operator redrives.
        faults.endOutages();
        const after = await operatorRedrive(run, config, (line) =>
          script.push(`+${Date.now() - started} ms: ${line}`),
        );
        redriven = after.redriven;
        problems.push(...after.problems);
      }
      // Every license past validUntil by now is expired by the tick that follows.
      const beforeTick = new Date();
      settling = await clockTick(run, config, (line) => script.push(`+${Date.now() - started} ms: ${line}`));
      quiescentAt = beforeTick;
    } catch (error) {
      problems.push(`the stack did not settle: ${(error as Error).message}`);
    }
    // Checks read the store with faults off (the checks are not under test).
    faults.pause();
    const store = await readStore(run.clients.ddb, tables);
    shipments = store.shipments.length;
    const invariants = checkI1toI3(store, quiescentAt);
    problems.push(...invariants.problems);
    shippedOverLimit = invariants.shippedOverLimit.length;
    amendmentsApplied = await countAmendmentsApplied(run);
    const collect = async (queues: ReadonlyMap<string, { collect(): Promise<unknown[]> }>) => {
      for (const q of queues.values()) await q.collect();
    };
    await collect(run.customerQueues);
    await collect(run.warehouseQueues);
    await run.ops.collect();
    problems.push(
      ...checkI4(
        store,
        new Map([...run.customerQueues].map(([k, q]) => [k, q.messages])),
        new Map([...run.warehouseQueues].map(([k, q]) => [k, q.messages])),
      ),
    );
    const dlqMessages = [
      ...(await receiveAllFrom(run.clients.sqs, r.dlqs.licenses.url, { keep: true })),
      ...(await receiveAllFrom(run.clients.sqs, r.dlqs.shipments.url, { keep: true })),
      ...(await receiveAllFrom(run.clients.sqs, r.dlqs.shipmentHistory.url, { keep: true })),
    ];
    dlq = dlqMessages.length;
    problems.push(...checkI5(store, dlqMessages, run.ops.messages));
    problems.push(...checkI6(store));
    problems.push(...checkAmendments(store, invariants.shippedOverLimit, run.ops.messages, amendments));
    if (amendments.copies.length > 0) {
      const { streamArn } = r.tables.shipments;
      const records = streamArn ? await readAllStreamRecords(run.clients.streams, streamArn, r.region) : [];
      const images = imagesOf(records, new Set(amendments.copies.map((c) => c.copyId)));
      problems.push(...checkCopies(store, amendments.copies, run.ops.messages, images));
    }
    script.push(
      `amendments: ${amendmentsApplied} applied; ${shippedOverLimit} licenses over a lowered limit by shipped goods alone`,
    );
    // The licenses as they ended, for the report of a failing run.
    for (const l of store.licenses) {
      const { licenseId, status, appliedStatus, statusError, appliedTerms, ...rest } = l;
      const terms = Object.fromEntries(
        [...IDENTITY_TERMS, ...AMENDABLE_TERMS, 'releasedQuantity', 'releasedValue'].map((k) => [k, rest[k]]),
      );
      script.push(
        `end ${String(licenseId)}: ${String(status)} (applied ${String(appliedStatus)}) ${JSON.stringify(terms)} applied ${JSON.stringify(appliedTerms)}${statusError ? ` statusError ${JSON.stringify(statusError)}` : ''}`,
      );
    }
    script.push(`+${Date.now() - started} ms: checked`);
    if (process.env.CHAOS_VERBOSE === '1') process.stderr.write(`${script.join('\n')}\n`);
    if (dlq > 0)
      problems.push(
        `${dlq} DLQ record(s) left at the end: ${outage ? 'the redrive did not empty the DLQs' : 'without an outage the retries must absorb every fault'}`,
      );
  } finally {
    const mappings = run.stack.esm.stats().mappings;
    redelivered = mappings.reduce((n, m) => n + m.redelivered, 0);
    const functions = run.stack.resources.functionsByLogicalId;
    for (const m of mappings) {
      const name = basename(functions[m.function]?.entry ?? m.function, '.ts');
      partialBatches[name] = (partialBatches[name] ?? 0) + m.partial;
    }
    await run.teardown();
  }
  return {
    seed,
    problems,
    faults: faults.stats,
    crashes,
    outage,
    releaseBudgetMs,
    script,
    amendments,
    amendmentsApplied,
    shippedOverLimit,
    redelivered,
    partialBatches,
    redriven,
    settling,
    dlq,
    shipments,
    ms: Date.now() - started,
  };
}

/** A failing run's report: everything needed to reproduce and understand it. */
export function report(o: ChaosOutcome, config: ChaosConfig): string {
  return [
    `CHAOS FAILURE seed=${o.seed} (reproduce: npm run test:chaos -- --seed ${o.seed} --runs 1 --rate ${config.rate})`,
    `  crashes armed: ${o.crashes.map((c) => `${c.label} [${c.fn} ${c.operation} #${c.nth} ${c.when}]`).join('; ')}`,
    `  crashes fired: ${o.faults.crashes.join('; ') || 'none'}`,
    `  outage: ${o.outage ? `${o.outage.fn} invocations ${o.outage.from}..${o.outage.from + o.outage.invocations - 1} (${o.faults.outageInvocations} failed); ${o.redriven} records redriven` : 'none'}`,
    `  release budget ${o.releaseBudgetMs} ms; ${o.faults.attempts} request attempts; faults ${JSON.stringify(o.faults.injected)}`,
    `  redelivered records ${o.redelivered}; partial batches ${describePartial(o.partialBatches)}; DLQ records ${o.dlq}; shipments ${o.shipments}; ${o.ms} ms`,
    `  ${describeLog(o.amendments)}; ${o.amendmentsApplied} amendments applied; ${o.shippedOverLimit} shipped over a lowered limit`,
    '  script:',
    ...o.script.map((l) => `    ${l}`),
    '  problems:',
    ...o.problems.slice(0, 40).map((p) => `    ${p}`),
    ...(o.problems.length > 40 ? [`    ... and ${o.problems.length - 40} more`] : []),
  ].join('\n');
}
