/**
 * clearance, measured: the admin approves the workload's licenses in the
 * console (UpdateItem status=APPROVED on the Licenses table), and the real
 * handlers, run by the event source mapping emulator, do the rest. The clock
 * stops when every license has released its whole backlog with no work
 * pending, every Inventory counter is final, all 2N SHIPMENT_RELEASED
 * messages sit in the subscriber queues, and History holds the N
 * SHIPMENT_RELEASED entries (shipment-history records them apart from the
 * notifications, so the messages alone would stop the clock early).
 */
import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { CallCounts } from '../local/call-counter.js';
import { type BenchContext, collectGarbage, fmt, releaseState, sleep } from './context.js';
import { type MemoryReport, sampleMemory } from './memory.js';
import { checkReleasedState, seedWorkload } from './seed.js';
import { checkDeliveries, inProcessDepth, removeSubscribers, subscribeWorkload } from './subscribers.js';
import type { Workload } from './workload.js';

export interface CallReport {
  total: number;
  perShipment: number;
  /** Calls per `Service.Operation`. */
  byOperation: CallCounts;
  /** Calls per released shipment, per `Service.Operation`. */
  perShipmentByOperation: Record<string, number>;
}

export interface ClearanceResult {
  kind: 'clearance';
  tag: string;
  n: number;
  /** Approval → all RELEASED, counters final, 2N messages in the queues. */
  ms: number;
  /** When the approvals were sent (epoch ms). */
  startedAt: number;
  /** Approval → the first customer message in a queue (its SentTimestamp). */
  firstCustomerMs: number | undefined;
  /** Approval → the last message in a queue (its SentTimestamp). */
  lastMessageMs: number | undefined;
  /** Per customer: approval → the first message in its queue (its SentTimestamp). */
  firstByCustomer: Record<string, number | undefined>;
  /** Approval → when polling first saw the licenses and counters final. */
  countersFinalMs: number;
  /** Approval → when polling first saw all N SHIPMENT_RELEASED History entries (looked at once the rest is done). */
  historyFinalMs: number;
  /** Handlers' AWS calls from the approval until done. */
  calls: CallReport;
  /** Wall time the handlers spent waiting on each operation until done (overlapping: two handlers run at once). */
  callTimes: Record<string, { calls: number; ms: number; meanMs: number }>;
  /** Handlers' AWS calls from the approval until the emulator was idle again (after done). */
  callsDrained: CallReport;
  /**
   * `queuedMessagesMiB`: heap the in-process subscriber queues held at the end (drained as messages
   *   arrive, so only the drainer's tallies: about 2N bytes);
   * `liveHeapMiB`: heap still live after a full GC once those queues are gone (what the process keeps).
   */
  memory: MemoryReport & { queuedMessagesMiB: number; liveHeapMiB: number };
  seedMs: number;
  esm: { invocations: Record<string, number>; recordsDelivered: Record<string, number> };
  problems: string[];
}

export function callReport(counts: CallCounts, n: number): CallReport {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const sorted = Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
  return {
    total,
    perShipment: total / n,
    byOperation: sorted,
    perShipmentByOperation: Object.fromEntries(Object.entries(sorted).map(([k, v]) => [k, v / n])),
  };
}

/**
 * SHIPMENT_RELEASED History entries of the workload's licenses: a COUNT query
 * per license (its partition), so only once the messages are all in.
 */
async function releasedEntries(ctx: BenchContext, w: Workload): Promise<number> {
  let n = 0;
  for (const l of w.licenses) {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await ctx.ddb.send(
        new QueryCommand({
          TableName: ctx.tables.history,
          KeyConditionExpression: 'licenseId = :l',
          FilterExpression: 'eventType = :e',
          ExpressionAttributeValues: { ':l': l.licenseId, ':e': 'SHIPMENT_RELEASED' },
          Select: 'COUNT',
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      n += page.Count ?? 0;
      start = page.LastEvaluatedKey;
    } while (start);
  }
  return n;
}

/** The admin's console edit. */
export function approveInConsole(ctx: BenchContext, licenseId: string) {
  return ctx.ddb.send(
    new UpdateCommand({
      TableName: ctx.tables.licenses,
      Key: { licenseId },
      UpdateExpression: 'SET #s = :s, statusReason = :r, updatedBy = :b',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: {
        ':s': 'APPROVED',
        ':r': 'BIS license granted',
        ':b': 'compliance@console',
      },
    }),
  );
}

function esmStats(ctx: BenchContext) {
  const invocations: Record<string, number> = {};
  const recordsDelivered: Record<string, number> = {};
  for (const m of ctx.stack.esm.stats().mappings) {
    const name = m.function.replace(/Function.*$/, '');
    invocations[name] = m.invocations;
    recordsDelivered[name] = m.recordsDelivered;
  }
  return { invocations, recordsDelivered };
}

const diff = (after: Record<string, number>, before: Record<string, number>) =>
  Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]));

export async function measureClearance(
  ctx: BenchContext,
  w: Workload,
  opts: {
    pollMs: number;
    label: string;
    /** Send all the approvals at once (parallel UpdateItem) rather than one after another. */
    concurrentApproval?: boolean;
  },
): Promise<ClearanceResult> {
  const seed = await seedWorkload(ctx, w);
  const queues = await subscribeWorkload(ctx, w);
  let removed = false;
  try {
    const esmBefore = esmStats(ctx);
    collectGarbage();
    ctx.handlerCalls.reset();
    ctx.handlerTimes.reset();
    await ctx.profiler?.start();
    const memory = sampleMemory(ctx.stack.services.dynamoDbPid);
    const t0 = Date.now();
    ctx.trace?.mark({
      mark: 'approval',
      kind: opts.concurrentApproval ? 'fairness' : 'clearance',
      tag: w.tag,
      n: w.n,
    });
    if (opts.concurrentApproval) await Promise.all(w.licenses.map((l) => approveInConsole(ctx, l.licenseId)));
    else for (const l of w.licenses) await approveInConsole(ctx, l.licenseId);

    // Watching must not slow what it watches. The queues are looked at in process (fauxqs' own
    // inspection: no HTTP, no DynamoDB) every poll; the licenses and counters, which cost DynamoDB Local
    // requests on its one SQLite thread, only every 250 ms until they are final.
    const deadline = t0 + ctx.timeoutMs(w.n);
    let countersFinalAt: number | undefined;
    let historyFinalAt: number | undefined;
    let lastHistory = 0;
    let lastState = 0;
    let lastProgress = t0;
    let done: number | undefined;
    while (done === undefined) {
      const depth = inProcessDepth(ctx, queues);
      const now = Date.now();
      if (countersFinalAt === undefined && (now - lastState >= 250 || depth >= 2 * w.n)) {
        lastState = now;
        const state = await releaseState(ctx, w);
        if (state.licensesFinal && state.countersFinal) countersFinalAt = Date.now();
        if (now - lastProgress > 2_000) {
          lastProgress = now;
          ctx.log(
            `  ${opts.label}: ${((now - t0) / 1000).toFixed(1)} s, ${fmt(state.releasedUnits)}/${fmt(w.units.total)} units released, ${fmt(depth)}/${fmt(2 * w.n)} messages`,
          );
        }
      }
      if (
        countersFinalAt !== undefined &&
        depth >= 2 * w.n &&
        historyFinalAt === undefined &&
        now - lastHistory >= 250
      ) {
        lastHistory = now;
        if ((await releasedEntries(ctx, w)) >= w.n) historyFinalAt = Date.now();
      }
      if (countersFinalAt !== undefined && depth >= 2 * w.n && historyFinalAt !== undefined)
        done = Math.max(countersFinalAt, now, historyFinalAt);
      else {
        if (Date.now() > deadline)
          throw new Error(
            `${opts.label}: not done after ${ctx.timeoutMs(w.n) / 1000} s (see --timeout-factor)`,
          );
        await sleep(opts.pollMs);
      }
    }
    const mem = memory.stop();
    const countsAtDone = { ...ctx.handlerCalls.counts };
    const timesAtDone = Object.fromEntries(
      Object.entries(ctx.handlerTimes.times)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [
          k,
          { calls: v.calls, ms: Math.round(v.ms), meanMs: Math.round((v.ms / v.calls) * 10) / 10 },
        ]),
    );
    await ctx.profiler?.stop(opts.label);
    await ctx.stack.drain({ timeoutMs: ctx.timeoutMs(w.n) });
    const countsDrained = { ...ctx.handlerCalls.counts };
    const esmAfter = esmStats(ctx);

    const deliveries = checkDeliveries(ctx, w, queues);
    const firstByCustomer = Object.fromEntries(
      queues
        .filter((q) => q.audience === 'customer')
        .map((q) => [q.scope, q.tally.firstSentAt === undefined ? undefined : q.tally.firstSentAt - t0]),
    );
    const problems = [...(await checkReleasedState(ctx, w)), ...deliveries.problems];
    if (deliveries.released !== 2 * w.n)
      problems.push(`${deliveries.released} SHIPMENT_RELEASED messages delivered, expected ${2 * w.n}`);
    // The subscriber queues live in this process (fauxqs) but are drained as messages arrive
    // (bench/drain.ts): what they still weigh (the drainer's tallies) is heap after a full GC with them,
    // and without.
    collectGarbage();
    const heapWithQueues = process.memoryUsage().heapUsed;
    removed = true;
    await removeSubscribers(ctx, queues);
    collectGarbage();
    const heapWithoutQueues = process.memoryUsage().heapUsed;
    const queuedMessagesMiB = Math.max(0, heapWithQueues - heapWithoutQueues) / 1024 / 1024;
    const liveHeapMiB = heapWithoutQueues / 1024 / 1024;
    return {
      kind: 'clearance',
      tag: w.tag,
      n: w.n,
      ms: done - t0,
      startedAt: t0,
      firstCustomerMs: deliveries.firstCustomerAt === undefined ? undefined : deliveries.firstCustomerAt - t0,
      lastMessageMs: deliveries.lastMessageAt === undefined ? undefined : deliveries.lastMessageAt - t0,
      firstByCustomer,
      countersFinalMs: (countersFinalAt ?? done) - t0,
      historyFinalMs: (historyFinalAt ?? done) - t0,
      calls: callReport(countsAtDone, w.n),
      callTimes: timesAtDone,
      callsDrained: callReport(countsDrained, w.n),
      memory: { ...mem, queuedMessagesMiB, liveHeapMiB },
      seedMs: seed.ms,
      esm: {
        invocations: diff(esmAfter.invocations, esmBefore.invocations),
        recordsDelivered: diff(esmAfter.recordsDelivered, esmBefore.recordsDelivered),
      },
      problems,
    };
  } finally {
    if (!removed) await removeSubscribers(ctx, queues);
  }
}
