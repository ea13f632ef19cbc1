/**
 * The fairness case: many licenses granted at once. 50 licenses (one
 * customer each) over N shipments with uneven backlogs (FAIRNESS_SHAPE in
 * workload.ts: 3 licenses with 25 % of the shipments each, 47 sharing the
 * other 25 %), all 50 approvals sent at once (parallel UpdateItem in the
 * console's shape), then the same end state as clearance (every shipment
 * RELEASED, counters final, 2N messages delivered, each in its own queue).
 *
 * Per license: the time from the approval to the first message in its
 * customer's queue (SQS SentTimestamp), and the spread: the last license's
 * first message minus the first license's. A license whose customer heard
 * nothing counts as a problem.
 */
import { paginateScan } from '@aws-sdk/lib-dynamodb';
import { type ClearanceResult, measureClearance } from './clearance.js';
import type { BenchContext } from './context.js';
import type { MemoryReport } from './memory.js';
import type { Workload } from './workload.js';

export interface FairnessLicense {
  licenseId: string;
  /** Shipments in its backlog. */
  shipments: number;
  /** Approval → the first message in its customer's queue, ms. */
  firstMessageMs: number | undefined;
  /**
   * Approval → the earliest `releasedAt` among its shipments, ms: when the writer planned its first
   * transaction. The gap to `firstMessageMs` is the notifier's share of the wait.
   */
  firstReleaseMs: number | undefined;
}

export interface FairnessResult {
  kind: 'fairness';
  tag: string;
  n: number;
  /** Approval → done, as clearance (all released, counters final, 2N messages). */
  ms: number;
  licenses: FairnessLicense[];
  /** Earliest and latest first message over the licenses, and their difference, ms. */
  firstMessageMinMs: number | undefined;
  firstMessageMaxMs: number | undefined;
  spreadMs: number | undefined;
  /** The licenses with the smallest backlog: the last of them to hear, ms (what fairness is about). */
  smallBacklogMaxMs: number | undefined;
  /** The latest of the licenses' first releases (`firstReleaseMs`), ms: the writer's share of the wait. */
  firstReleaseMaxMs: number | undefined;
  calls: ClearanceResult['calls'];
  memory: MemoryReport;
  seedMs: number;
  problems: string[];
}

export async function measureFairness(
  ctx: BenchContext,
  w: Workload,
  opts: { pollMs: number; label: string },
): Promise<FairnessResult> {
  const c = await measureClearance(ctx, w, { ...opts, concurrentApproval: true });
  const backlog = new Map<string, number>();
  for (const s of w.shipments) backlog.set(s.licenseId, (backlog.get(s.licenseId) ?? 0) + 1);
  const firstRelease = await firstReleaseByLicense(ctx, w);
  const licenses = w.licenses.map((l) => {
    const at = firstRelease.get(l.licenseId);
    return {
      licenseId: l.licenseId,
      shipments: backlog.get(l.licenseId) ?? 0,
      firstMessageMs: c.firstByCustomer[l.customerId],
      firstReleaseMs: at === undefined ? undefined : at - c.startedAt,
    };
  });
  const problems = [...c.problems];
  const heard = licenses.flatMap((l) => (l.firstMessageMs === undefined ? [] : [l.firstMessageMs]));
  for (const l of licenses)
    if (l.firstMessageMs === undefined && l.shipments > 0)
      problems.push(`${l.licenseId}: no customer message`);
  const min = extremeOf(Math.min, heard);
  const max = extremeOf(Math.max, heard);
  const sorted = [...licenses].sort((a, b) => a.shipments - b.shipments);
  const small = sorted.slice(0, Math.max(1, licenses.length - 3));
  const smallHeard = small.flatMap((l) => (l.firstMessageMs === undefined ? [] : [l.firstMessageMs]));
  return {
    kind: 'fairness',
    tag: w.tag,
    n: w.n,
    ms: c.ms,
    licenses,
    firstMessageMinMs: min,
    firstMessageMaxMs: max,
    spreadMs: min === undefined || max === undefined ? undefined : max - min,
    smallBacklogMaxMs: extremeOf(Math.max, smallHeard),
    firstReleaseMaxMs: extremeOf(
      Math.max,
      licenses.map((l) => l.firstReleaseMs),
    ),
    calls: c.calls,
    memory: c.memory,
    seedMs: c.seedMs,
    problems,
  };
}

/** `pick` (Math.min or Math.max) of the defined values, or undefined when there are none. */
function extremeOf(
  pick: (...values: number[]) => number,
  values: readonly (number | undefined)[],
): number | undefined {
  const defined = values.filter((v): v is number => v !== undefined);
  return defined.length > 0 ? pick(...defined) : undefined;
}

/** Per license of the workload, the earliest `releasedAt` among its shipments (epoch ms); read after the run. */
async function firstReleaseByLicense(ctx: BenchContext, w: Workload): Promise<Map<string, number>> {
  const ours = new Set(w.licenses.map((l) => l.licenseId));
  const first = new Map<string, number>();
  const pages = paginateScan(
    { client: ctx.ddb },
    { TableName: ctx.tables.shipments, ProjectionExpression: 'licenseId, releasedAt' },
  );
  for await (const page of pages) {
    for (const item of page.Items ?? []) {
      const { licenseId, releasedAt } = item as { licenseId?: string; releasedAt?: string };
      if (licenseId === undefined || releasedAt === undefined || !ours.has(licenseId)) continue;
      const at = Date.parse(releasedAt);
      if (at < (first.get(licenseId) ?? Number.POSITIVE_INFINITY)) first.set(licenseId, at);
    }
  }
  return first;
}
