/**
 * What every measurement shares: the one local stack, the bench's own SDK
 * clients (never the handlers'), the counter of the handlers' requests,
 * the memory sampler, and small helpers.
 */
import { setTimeout as setTimeoutPromise } from 'node:timers/promises';

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { callKey, type countCalls, fromFunctions } from '../local/call-counter.js';
import type { Caller, Gateway, GatewayCall } from '../local/gateway/gateway.js';
import type { StandaloneLocalStack } from '../local/stack.js';
import type { RawItem } from '../shared/domain/ports.js';
import type { WindowProfiler } from './profile.js';
import type { CallTrace } from './trace.js';
import type { Workload } from './workload.js';

export interface BenchContext {
  readonly stack: StandaloneLocalStack;
  /** The bench's own clients (seeding, the console, polling, the ceiling). */
  readonly ddb: DynamoDBDocumentClient;
  readonly dynamodb: DynamoDBClient;
  readonly sns: SNSClient;
  readonly sqs: SQSClient;
  readonly tables: {
    readonly licenses: string;
    readonly shipments: string;
    readonly inventory: string;
    readonly history: string;
    readonly tallies: string;
  };
  readonly topics: {
    readonly customer: string;
    readonly customerShards: readonly string[];
    readonly logistics: string;
  };
  /** The requests the functions' sandboxes send, counted at the stack's gateway. */
  readonly handlerCalls: ReturnType<typeof countCalls>;
  /** Wall time of the same requests. */
  readonly handlerTimes: CallTimes;
  /** Longest a measurement may wait for the system to finish. */
  readonly timeoutMs: (n: number) => number;
  readonly log: (line: string) => void;
  /** With `--cpu-profile`: profiles each measured window. */
  readonly profiler: WindowProfiler | undefined;
  /** With `--trace`: the functions' requests, one line each (bench/trace.ts). */
  readonly trace?: CallTrace;
}

export const sleep = (ms: number): Promise<void> => setTimeoutPromise(ms);

let gcFn: (() => void) | undefined;
/** A full garbage collection before each measurement, so one run's garbage is not charged to the next. */
export function collectGarbage(): void {
  if (!gcFn) {
    setFlagsFromString('--expose-gc');
    gcFn = runInNewContext('gc') as () => void;
  }
  gcFn();
}

export { batchPut } from '../local/batch-put.js';

/** Consistent BatchGetItem of up to 100 keys (retries unprocessed keys). */
export async function batchGet(
  ddb: DynamoDBDocumentClient,
  table: string,
  keys: readonly Record<string, unknown>[],
): Promise<RawItem[]> {
  const found: RawItem[] = [];
  for (let i = 0; i < keys.length; i += 100) {
    let pending: Record<string, unknown>[] | undefined = keys.slice(i, i + 100);
    for (let attempt = 0; pending && pending.length > 0; attempt++) {
      if (attempt > 0) await sleep(10 * attempt);
      const out: BatchGetCommandOutput = await ddb.send(
        new BatchGetCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: true } } }),
      );
      found.push(...((out.Responses?.[table] ?? []) as RawItem[]));
      pending = out.UnprocessedKeys?.[table]?.Keys;
    }
  }
  return found;
}

/** How far the release of a workload has got, read from the licenses and Inventory items. */
export interface ReleaseState {
  /** Units released over all of the workload's licenses. */
  releasedUnits: number;
  /** Every license has released its whole backlog and has no work pending. */
  licensesFinal: boolean;
  /** Every Inventory item holds nothing and has all its units released. */
  countersFinal: boolean;
}

export async function releaseState(ctx: BenchContext, w: Workload): Promise<ReleaseState> {
  const licenses = await batchGet(
    ctx.ddb,
    ctx.tables.licenses,
    w.licenses.map((l) => ({ licenseId: l.licenseId })),
  );
  let releasedUnits = 0;
  let licensesFinal = licenses.length === w.licenses.length;
  for (const l of licenses) {
    const released = Number(l.releasedQuantity ?? 0);
    releasedUnits += released;
    const expected = w.units.byLicense.get(String(l.licenseId)) ?? 0;
    if (released !== expected || l.pendingWork !== undefined || l.appliedStatus !== 'APPROVED')
      licensesFinal = false;
  }
  let countersFinal = false;
  if (licensesFinal) {
    const inventory = await batchGet(
      ctx.ddb,
      ctx.tables.inventory,
      w.warehouses.map((warehouseId) => ({ sku: w.sku, warehouseId })),
    );
    countersFinal =
      inventory.length === w.warehouses.length &&
      inventory.every(
        (i) =>
          Number(i.held) === 0 &&
          Number(i.released) === (w.units.byWarehouse.get(String(i.warehouseId)) ?? -1),
      );
  }
  return { releasedUnits, licensesFinal, countersFinal };
}

/** Formats a count with thousands separators. */
export const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? Number.NaN)
    : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** Wall time spent in each `Service.Operation` (sent → answered, per attempt), per caller. */
export interface CallTimes {
  readonly times: Record<string, { calls: number; ms: number }>;
  reset(): void;
  detach(): void;
}

/** Told of each request timed: when it was sent (epoch ms), how long it took, and its answer's HTTP status. */
export type CallListener = (
  call: GatewayCall,
  sentAt: number,
  ms: number,
  status: number | 'no answer',
) => void;

/**
 * Times every request the callers `select` picks send through the stack's
 * gateway (by default the functions'): where they wait. Requests of
 * concurrent callers overlap, so the sums may exceed the wall time.
 * `listener` (`--trace`, bench/trace.ts) hears each request as it is timed.
 */
export function timeCalls(
  gateway: Gateway,
  select: (caller: Caller) => boolean = fromFunctions,
  listener?: CallListener,
): CallTimes {
  const times: Record<string, { calls: number; ms: number }> = {};
  const detach = gateway.use(async (call, forward) => {
    if (!select(call.caller)) return forward();
    const key = callKey(call.service, call.operation);
    const sentAt = listener ? Date.now() : 0;
    const started = performance.now();
    let status: number | 'no answer' = 'no answer';
    try {
      const answer = await forward();
      status = answer.status;
      return answer;
    } finally {
      const ms = performance.now() - started;
      const entry = times[key] ?? { calls: 0, ms: 0 };
      entry.calls++;
      entry.ms += ms;
      times[key] = entry;
      listener?.(call, sentAt, ms, status);
    }
  });
  return {
    times,
    reset(): void {
      for (const key of Object.keys(times)) delete times[key];
    },
    detach,
  };
}
