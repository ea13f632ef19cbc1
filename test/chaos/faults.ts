/**
 * Fault injection for the local stack (test/chaos): transient AWS faults on
 * the requests the functions and the stream-mapping emulator send, and
 * crashes of a function's sandbox at chosen requests. Nothing here is known to
 * the functions: it acts on the wire, as an interceptor of the stack's request
 * gateway, so each function's own bundled SDK reacts to it as it would on AWS
 * (error classes, retry classification), plus a wrapper around each handler
 * invocation (EsmOptions.aroundInvoke) for outages.
 *
 * Transient faults are decided per request attempt, inside the SDK's retry
 * loop, as on AWS: the SDK retries throttling, 5xx and network errors
 * (standard mode: 3 attempts), and what still fails reaches the handler.
 * Kinds:
 *
 * - `throttle`: the service's throttling error (HTTP 400 class); on half of
 *   the TransactWriteItems, `TransactionCanceledException` with a
 *   `ThrottlingError` reason instead, as DynamoDB answers a transaction one
 *   of whose items is on a partition out of capacity (not retried by the SDK).
 * - `server`: HTTP 500/503.
 * - `timeout`: the connection drops before the request arrives, or (for
 *   writes) after it was applied, so the response is lost and the SDK sends
 *   it again.
 * - `conflict`: `TransactionCanceledException` with a `TransactionConflict`
 *   reason on TransactWriteItems (not retried by the SDK, as on AWS).
 * - `partial`: PublishBatch answers HTTP 200 with some entries in `Failed[]`.
 * - `reject`: one of shipment-history's History transactions is refused
 *   outright (`ValidationException`, as for a malformed entry; not retried),
 *   at half the rate: the append names the entries it left, and the handler
 *   reports their records, or fails when the first was among them.
 *
 * `partial` and `reject` draw from streams of their own, so adding them left
 * the other kinds' faults where they were for every caller they do not touch.
 *
 * Crashes ({@link CrashRule}) kill the function's sandbox at the chosen
 * request (the worker thread is terminated): the invocation ends in a
 * function error, so the event source mapping retries (and bisects) the
 * batch, as Lambda would, and the next invocation starts a fresh sandbox.
 *
 * Outages ({@link OutageRule}) model a failure longer than the mapping's
 * retries (a bad deploy, a dependency down for minutes): a run of consecutive
 * invocations of one function fail before they start, so the mapping bisects
 * down to single records, exhausts its retries and sends them to the DLQ,
 * from where an operator redrives them (`clearance dlq redrive`).
 *
 * Reproducibility: every decision is a hash of (seed, caller, operation,
 * n-th request of that operation by that caller), not a draw from one shared
 * random stream, so concurrent callers do not shift each other's faults.
 * Only timing (which records end up in one batch, when a time budget runs
 * out) can still differ between two runs of one seed.
 */
import type { RetryErrorInfo, RetryStrategyV2, RetryToken, StandardRetryToken } from '@smithy/types';
import { callKey } from '../../local/call-counter.js';
import type { Caller, Forward, GatewayCall } from '../../local/gateway/gateway.js';
import {
  errorResponse,
  publishBatchFailing,
  type ServiceName,
  type WireResponse,
} from '../../local/gateway/wire.js';
import { LambdaSandboxError } from '../../local/lambda-host.js';
import { mulberry32 } from '../../local/random.js';
import { fnv1a } from '../../shared/domain/routing.js';

/** The kinds of transient fault; see the module comment. */
export const FAULT_KINDS = ['throttle', 'server', 'timeout', 'conflict', 'partial', 'reject'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

// ------------------------------------------------------------ seeded randomness

/** A number in [0, 1) determined by the seed and the parts. */
export function hash01(seed: number, ...parts: readonly (string | number)[]): number {
  return mulberry32(fnv1a(`${seed}\u0000${parts.join('\u0000')}`))();
}

/** A seeded random source for test scenarios. */
export interface Rng {
  /** [0, 1) */
  next(): number;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  shuffle<T>(items: readonly T[]): T[];
  /** An independent stream for a named part of the scenario. */
  fork(name: string): Rng;
}

export function createRng(seed: number, label = ''): Rng {
  const next = mulberry32(fnv1a(`${seed}\u0000${label}`));
  const rng: Rng = {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick: <T>(items: readonly T[]): T => {
      const item = items[Math.floor(next() * items.length)];
      if (item === undefined) throw new RangeError('pick from an empty list');
      return item;
    },
    shuffle: <T>(items: readonly T[]): T[] => {
      const out = [...items];
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [out[i], out[j]] = [out[j] as T, out[i] as T];
      }
      return out;
    },
    fork: (name) => createRng(seed, `${label}/${name}`),
  };
  return rng;
}

// ------------------------------------------------------------ errors

/** Marks every error this module throws, so tests can tell injected failures from real ones. */
export const INJECTED = Symbol.for('clearance.injectedFault');

export class InjectedOutage extends Error {
  readonly [INJECTED] = 'outage';
  constructor(readonly rule: string) {
    super(`injected outage: ${rule}`);
    this.name = 'InjectedOutage';
  }
}

/** True for errors thrown by the fault injector (faults, crashes and outages). */
export const isInjected = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && INJECTED in error;

const WRITE_OPERATIONS = new Set([
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'TransactWriteItems',
  'Publish',
  'PublishBatch',
  'SendMessage',
  'SendMessageBatch',
]);

const THROTTLE_CODES: Readonly<Record<ServiceName, string>> = {
  dynamodb: 'ProvisionedThroughputExceededException',
  dynamodbstreams: 'LimitExceededException',
  lambda: 'TooManyRequestsException',
  sns: 'Throttling',
  sqs: 'RequestThrottled',
  sts: 'Throttling',
};

const throttled = (call: GatewayCall): WireResponse =>
  errorResponse(
    call.service,
    THROTTLE_CODES[call.service],
    `Rate exceeded (injected on ${callKey(call.service, call.operation)})`,
    400,
  );

const serverError = (call: GatewayCall, variant: number): WireResponse =>
  variant < 0.5
    ? errorResponse(
        call.service,
        'InternalServerError',
        `Internal server error (injected on ${call.operation})`,
        500,
      )
    : errorResponse(
        call.service,
        'ServiceUnavailable',
        `Service unavailable (injected on ${call.operation})`,
        503,
      );

/** TransactionCanceledException with `code` on one action, as DynamoDB answers a conflict or a throttled item. */
function cancelledOne(
  call: GatewayCall,
  at: number,
  code: 'TransactionConflict' | 'ThrottlingError',
): WireResponse {
  const actions = Math.max(1, (call.input.TransactItems as unknown[] | undefined)?.length ?? 1);
  const reasons = Array.from({ length: actions }, (_, i) =>
    i === at % actions
      ? {
          Code: code,
          Message:
            code === 'TransactionConflict'
              ? 'Transaction is ongoing for the item'
              : 'Throughput exceeds the current capacity for one or more global secondary indexes or the table',
        }
      : { Code: 'None' },
  );
  return errorResponse(
    call.service,
    'TransactionCanceledException',
    `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}] (injected)`,
    400,
    { CancellationReasons: reasons },
  );
}

// ------------------------------------------------------------ retries

/**
 * The SDK's standard retry policy (retry THROTTLING, TRANSIENT and
 * SERVER_ERROR as classified by the SDK's retry middleware, up to
 * `maxAttempts` attempts) with millisecond backoff instead of the default
 * 50 ms-20 s, so hundreds of runs fit in minutes. Only the waiting differs.
 */
class FastRetryStrategy implements RetryStrategyV2 {
  constructor(
    private readonly maxAttempts: number,
    private readonly maxDelayMs: number,
  ) {}

  async acquireInitialRetryToken(): Promise<RetryToken> {
    return token(0);
  }

  async refreshRetryTokenForRetry(previous: RetryToken, info: RetryErrorInfo): Promise<RetryToken> {
    const count = previous.getRetryCount();
    const retryable =
      info.errorType === 'THROTTLING' || info.errorType === 'TRANSIENT' || info.errorType === 'SERVER_ERROR';
    if (!retryable || count + 1 >= this.maxAttempts) throw new Error('No retry token available');
    const delay = Math.floor(Math.random() * Math.min(this.maxDelayMs, 2 ** count * 4));
    await new Promise((r) => setTimeout(r, delay));
    return token(count + 1);
  }

  recordSuccess(): void {}
}

const token = (count: number): StandardRetryToken => ({
  getRetryCount: () => count,
  getRetryDelay: () => 0,
  getRetryCost: () => 0,
});

// ------------------------------------------------------------ injector

/** A handler dies at the `nth` matching call of `operation` made by `fn` (counted across invocations). */
export interface CrashRule {
  /** Base name of the function's entry, e.g. `license-events`. */
  readonly fn: string;
  /** SDK operation, e.g. `TransactWriteItems`, `PublishBatch`, `UpdateItem`. */
  readonly operation: string;
  /** 1-based. */
  readonly nth: number;
  /** `before`: the call never reaches the service. `after`: it is applied, then the process dies. */
  readonly when: 'before' | 'after';
  /** What the rule models, for reports. */
  readonly label: string;
}

/** Invocations `from`..`from + invocations - 1` (1-based) of one function fail. */
export interface OutageRule {
  /** Base name of the function's entry, e.g. `shipment-events`. */
  readonly fn: string;
  readonly from: number;
  readonly invocations: number;
  /** What the rule models, for reports. */
  readonly label: string;
}

/** Options of {@link FaultInjector}. */
export interface FaultOptions {
  readonly seed: number;
  /** Probability that one request attempt fails. */
  readonly rate: number;
  /** @default every kind */
  readonly kinds?: readonly FaultKind[];
  /** Attempts per call, the SDK's standard mode default. @default 3 */
  readonly sdkMaxAttempts?: number;
  /** Upper bound of one retry pause. @default 20 */
  readonly maxRetryDelayMs?: number;
  /** Which requests may get faults and crashes. @default every request of a function or stream mapping */
  readonly select?: (call: GatewayCall) => boolean;
}

/** Counters of a run, for reports. */
export interface FaultStats {
  /** Request attempts seen. */
  attempts: number;
  /** Injected faults by `kind` and by `kind Service.Operation`. */
  injected: Record<string, number>;
  /** Crash rules that fired, in order. */
  crashes: string[];
  /** Invocations that ended as crashed. */
  crashedInvocations: number;
  /** Invocations failed by an outage. */
  outageInvocations: number;
  /** TransactWriteItems attempts of the functions. */
  transactions: number;
  /** Of those, answered TransactionCanceledException with a TransactionConflict reason (injected or the emulator's). */
  transactionConflicts: number;
}

interface ArmedRule {
  readonly rule: CrashRule;
  seen: number;
  fired: boolean;
}

/** What the injector needs of a local stack: its gateway's hooks, and a way to kill a sandbox. */
export interface FaultTarget {
  readonly gateway: {
    use(interceptor: (call: GatewayCall, forward: Forward) => Promise<WireResponse | 'drop'>): () => void;
  };
  readonly host: { crash(accessKeyId: string, reason: string): boolean };
}

/**
 * Injects faults into the requests of a local stack's functions and stream
 * mappings. One injector per run; {@link FaultInjector.pause} stops
 * injecting (e.g. while a test checks the outcome).
 */
export class FaultInjector {
  private readonly counters = new Map<string, number>();
  private readonly rules: ArmedRule[] = [];
  private readonly outages: OutageRule[] = [];
  private readonly kinds: ReadonlySet<FaultKind>;
  private active = true;
  readonly stats: FaultStats = {
    attempts: 0,
    injected: {},
    crashes: [],
    crashedInvocations: 0,
    outageInvocations: 0,
    transactions: 0,
    transactionConflicts: 0,
  };

  constructor(private readonly options: FaultOptions) {
    if (!(options.rate >= 0 && options.rate < 1))
      throw new RangeError(`rate must be in [0, 1): ${options.rate}`);
    this.kinds = new Set(options.kinds ?? FAULT_KINDS);
  }

  /** Arms a crash. */
  crashOn(rule: CrashRule): void {
    this.rules.push({ rule, seen: 0, fired: false });
  }

  /** Arms an outage. */
  outage(rule: OutageRule): void {
    this.outages.push(rule);
  }

  /** Ends every outage (its cause is fixed); transient faults and crashes go on. */
  endOutages(): void {
    this.outages.length = 0;
  }

  /** Stops injecting faults, crashes and outages (requests pass through). */
  pause(): void {
    this.active = false;
  }

  resume(): void {
    this.active = true;
  }

  /**
   * Injects into every request the stack's functions and stream mappings send
   * through its gateway (not outside clients: tests, the CLI). Returns a
   * function that detaches it.
   */
  attach(target: FaultTarget): () => void {
    return target.gateway.use(async (call, forward) =>
      this.countConflicts(call, await this.intercept(call, forward, target)),
    );
  }

  /** Counts the functions' transactions and those cancelled by TransactionConflict, whoever answered. */
  private countConflicts(call: GatewayCall, response: WireResponse | 'drop'): WireResponse | 'drop' {
    if (call.operation !== 'TransactWriteItems' || call.caller.kind !== 'function') return response;
    this.stats.transactions++;
    if (response !== 'drop' && response.status === 400 && response.body.includes('TransactionConflict'))
      this.stats.transactionConflicts++;
    return response;
  }

  /** The SDK retry policy the functions should use in a run: see {@link FAST_RETRY}. */
  static readonly FAST_RETRY = { maxAttempts: 3, maxDelayMs: 20 } as const;

  /**
   * Runs one handler invocation of `caller` (the function's entry base name).
   * An armed outage fails it before it starts. A crash kills the sandbox
   * during it, and it fails with that crash.
   */
  async around(caller: string, invoke: () => Promise<unknown>): Promise<unknown> {
    const nth = this.nextIndex(`${caller}:invocation`);
    const outage = this.outages.find((o) => o.fn === caller && nth >= o.from && nth < o.from + o.invocations);
    if (this.active && outage) {
      this.stats.outageInvocations++;
      throw new InjectedOutage(`${outage.label} (${caller} invocation ${nth})`);
    }
    try {
      return await invoke();
    } catch (error) {
      if (error instanceof LambdaSandboxError && error.reason === 'crash') this.stats.crashedInvocations++;
      throw error;
    }
  }

  private nextIndex(key: string): number {
    const n = (this.counters.get(key) ?? 0) + 1;
    this.counters.set(key, n);
    return n;
  }

  private count(key: string): void {
    this.stats.injected[key] = (this.stats.injected[key] ?? 0) + 1;
  }

  private async intercept(
    call: GatewayCall,
    forward: Forward,
    target: FaultTarget,
  ): Promise<WireResponse | 'drop'> {
    const caller = callerName(call.caller);
    if (caller === undefined || (this.options.select && !this.options.select(call))) return forward();
    this.stats.attempts++;
    if (!this.active) return forward();
    const crash = call.caller.kind === 'function' ? this.armedCrash(caller, call.operation) : undefined;
    if (crash) {
      const { rule } = crash;
      const label = `${rule.label} (${caller} ${callKey(call.service, call.operation)} #${rule.nth} ${rule.when})`;
      this.stats.crashes.push(label);
      if (rule.when === 'after') await forward();
      target.host.crash(call.caller.accessKeyId, `injected crash: ${label}`);
      return 'drop';
    }
    if (call.operation === 'PublishBatch' && this.kinds.has('partial')) {
      const partial = this.partial(caller, call, forward);
      if (partial) return partial;
    }
    if (
      caller === 'shipment-history' &&
      call.operation === 'TransactWriteItems' &&
      this.kinds.has('reject')
    ) {
      const rejected = this.reject(caller, call);
      if (rejected) return rejected;
    }
    return this.transient(caller, call, forward);
  }

  private armedCrash(caller: string, operation: string): ArmedRule | undefined {
    let armed: ArmedRule | undefined;
    for (const r of this.rules) {
      if (r.fired || r.rule.fn !== caller || r.rule.operation !== operation) continue;
      r.seen++;
      if (r.seen >= r.rule.nth && armed === undefined) armed = r;
    }
    if (armed) armed.fired = true;
    return armed;
  }

  /** PublishBatch answering 200 with some entries failed: only the others are published. */
  private partial(caller: string, call: GatewayCall, forward: Forward): Promise<WireResponse> | undefined {
    const seed = this.options.seed;
    const n = this.nextIndex(`${caller}:${call.operation}:partial`);
    if (hash01(seed, caller, call.operation, 'partial', n) >= this.options.rate) return undefined;
    const entries = (call.input.PublishBatchRequestEntries ?? []) as unknown[];
    if (entries.length < 2) return undefined;
    const failed = entries.map((_, i) => hash01(seed, caller, call.operation, 'entry', n, i) < 0.5);
    if (!failed.includes(true) || !failed.includes(false)) return undefined;
    this.count('partial');
    this.count(`partial ${callKey(call.service, call.operation)}`);
    return publishBatchFailing(call.input, forward, (_, i) => failed[i] === true);
  }

  /** A History transaction refused outright (its only TransactWriteItems are History appends). */
  private reject(caller: string, call: GatewayCall): WireResponse | undefined {
    const n = this.nextIndex(`${caller}:${call.operation}:reject`);
    if (hash01(this.options.seed, caller, call.operation, 'reject', n) >= this.options.rate / 2)
      return undefined;
    this.count('reject');
    this.count(`reject ${callKey(call.service, call.operation)}`);
    return errorResponse(
      call.service,
      'ValidationException',
      'injected: One or more parameter values were invalid',
    );
  }

  private async transient(
    caller: string,
    call: GatewayCall,
    forward: Forward,
  ): Promise<WireResponse | 'drop'> {
    const { operation } = call;
    const n = this.nextIndex(`${caller}:${operation}`);
    const seed = this.options.seed;
    if (hash01(seed, caller, operation, n) >= this.options.rate) return forward();
    const candidates = FAULT_KINDS.filter(
      (k) =>
        this.kinds.has(k) &&
        k !== 'partial' &&
        k !== 'reject' &&
        (k !== 'conflict' || operation === 'TransactWriteItems'),
    );
    if (candidates.length === 0) return forward();
    const kind = candidates[Math.floor(hash01(seed, caller, operation, n, 'kind') * candidates.length)];
    const variant = hash01(seed, caller, operation, n, 'variant');
    this.count(kind ?? 'none');
    this.count(`${kind} ${callKey(call.service, operation)}`);
    switch (kind) {
      case 'throttle':
        return operation === 'TransactWriteItems' && variant >= 0.5
          ? cancelledOne(call, n, 'ThrottlingError')
          : throttled(call);
      case 'server':
        return serverError(call, variant);
      case 'conflict':
        return cancelledOne(call, n, 'TransactionConflict');
      case 'timeout':
        // The connection drops: before the request arrives, or (half of the writes) after it was applied.
        if (WRITE_OPERATIONS.has(operation) && variant < 0.5) await forward();
        return 'drop';
      default:
        return forward();
    }
  }
}

/** The name faults and crash rules use for a caller: the function's entry base name, or `esm`. */
function callerName(caller: Caller): string | undefined {
  if (caller.kind === 'function') return caller.label;
  if (caller.kind === 'esm') return 'esm';
  return undefined;
}

/**
 * Gives an SDK client in this process (e.g. the emulator's) the standard
 * retry decisions with millisecond pauses, as the functions get with
 * {@link FaultInjector.FAST_RETRY}.
 */
export function useFastRetries(client: { config: unknown }, options = FaultInjector.FAST_RETRY): void {
  const strategy = new FastRetryStrategy(options.maxAttempts, options.maxDelayMs);
  (client.config as { retryStrategy?: () => Promise<RetryStrategyV2> }).retryStrategy = async () => strategy;
}
