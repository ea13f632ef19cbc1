/**
 * Fault injection for the local stack (test/chaos): transient AWS faults on
 * every SDK call, and crashes of a handler at chosen calls. Nothing here is
 * known to the handlers: it is attached from outside, as SDK middleware on
 * their module-scope clients (functions/runtime.ts) and on the event source
 * mapping emulator's own Streams and SQS clients, plus a wrapper around each
 * handler invocation (EsmOptions.aroundInvoke).
 *
 * Transient faults are decided per request attempt, inside the SDK's retry
 * loop, as on AWS: the SDK retries throttling, 5xx and timeouts (standard
 * mode: 3 attempts, same classification), and what still fails reaches the
 * handler. Kinds:
 *
 * - `throttle`: the service's throttling error (HTTP 400/429 class).
 * - `server`: HTTP 500/503.
 * - `timeout`: the request never arrives, or (for writes) it is applied and
 *   the response is lost, so the SDK sends it again.
 * - `conflict`: `TransactionCanceledException` with a `TransactionConflict`
 *   reason on TransactWriteItems (not retried by the SDK, as on AWS).
 * - `partial`: PublishBatch answers HTTP 200 with some entries in `Failed[]`.
 *
 * Crashes ({@link CrashRule}) model a Lambda process that dies: from the
 * crashing call on, every further call of that invocation fails, and the
 * invocation ends in a function error, so the event source mapping retries
 * (and bisects) the batch, as Lambda would.
 *
 * Outages ({@link OutageRule}) model a failure longer than the mapping's
 * retries (a bad deploy, a dependency down for minutes): a run of consecutive
 * invocations of one function fail before they start, so the mapping bisects
 * down to single records, exhausts its retries and sends them to the DLQ,
 * from where an operator redrives them (`clearance dlq redrive`).
 *
 * Reproducibility: every decision is a hash of (seed, caller, operation,
 * n-th call of that operation by that caller), not a draw from one shared
 * random stream, so concurrent callers do not shift each other's faults.
 * Only timing (which records end up in one batch, when a time budget runs
 * out) can still differ between two runs of one seed.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type {
  DeserializeHandler,
  DeserializeHandlerArguments,
  DeserializeHandlerOutput,
  DeserializeMiddleware,
  HandlerExecutionContext,
  InitializeHandler,
  InitializeHandlerArguments,
  InitializeHandlerOutput,
  InitializeMiddleware,
  MiddlewareStack,
  RetryErrorInfo,
  RetryStrategyV2,
  RetryToken,
  StandardRetryToken,
} from '@smithy/types';
import { fnv1a } from '../shared/domain/routing.js';
import { callName, type Instrumentable } from './call-counter.js';
import { mulberry32 } from './random.js';

/** The kinds of transient fault; see the module comment. */
export const FAULT_KINDS = ['throttle', 'server', 'timeout', 'conflict', 'partial'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

// ------------------------------------------------------------ seeded randomness

/** 32-bit FNV-1a of a string. */

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

/** A handler process "died" here (see {@link CrashRule}). Not retried by the SDK. */
export class InjectedCrash extends Error {
  readonly [INJECTED] = 'crash';
  constructor(readonly rule: string) {
    super(`injected crash: ${rule}`);
    this.name = 'InjectedCrash';
  }
}

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

function serviceError(
  name: string,
  message: string,
  status: number,
  fault: 'client' | 'server',
  kind: FaultKind,
): Error {
  return Object.assign(new Error(message), {
    name,
    $fault: fault,
    $metadata: { httpStatusCode: status, requestId: `injected-${kind}` },
    [INJECTED]: kind,
  });
}

const THROTTLE_NAMES: Record<string, string> = {
  DynamoDB: 'ProvisionedThroughputExceededException',
  DynamoDBStreams: 'LimitExceededException',
  SNS: 'ThrottledException',
  SQS: 'RequestThrottled',
};

function throttleError(service: string, operation: string): Error {
  const name = THROTTLE_NAMES[service] ?? 'ThrottlingException';
  return serviceError(name, `Rate exceeded (injected on ${service}.${operation})`, 400, 'client', 'throttle');
}

function serverError(service: string, operation: string, variant: number): Error {
  return variant < 0.5
    ? serviceError(
        'InternalServerError',
        `Internal server error (injected on ${service}.${operation})`,
        500,
        'server',
        'server',
      )
    : serviceError(
        'ServiceUnavailable',
        `Service unavailable (injected on ${service}.${operation})`,
        503,
        'server',
        'server',
      );
}

function timeoutError(service: string, operation: string, applied: boolean): Error {
  const error = new Error(
    `Connection timed out after 3000 ms (injected on ${service}.${operation}, ${applied ? 'after the request was applied' : 'before it arrived'})`,
  );
  return Object.assign(error, { name: 'TimeoutError', [INJECTED]: 'timeout' });
}

function conflictError(actions: number, at: number): Error {
  const reasons = Array.from({ length: Math.max(1, actions) }, (_, i) =>
    i === at % Math.max(1, actions)
      ? { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' }
      : { Code: 'None' },
  );
  const error = new TransactionCanceledException({
    message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}] (injected)`,
    $metadata: { httpStatusCode: 400, requestId: 'injected-conflict' },
    CancellationReasons: reasons,
  });
  return Object.assign(error, { [INJECTED]: 'conflict' });
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
}

/** What one invocation (or the emulator outside any invocation) is. */
interface CallerScope {
  readonly caller: string;
  crashed?: InjectedCrash;
}

/** Counters of a run, for reports. */
export interface FaultStats {
  /** Request attempts seen. */
  attempts: number;
  /** Injected faults by `kind` and by `kind service.operation`. */
  injected: Record<string, number>;
  /** Crash rules that fired, in order. */
  crashes: string[];
  /** Invocations that ended as crashed. */
  crashedInvocations: number;
  /** Invocations failed by an outage. */
  outageInvocations: number;
}

interface ArmedRule {
  readonly rule: CrashRule;
  seen: number;
  fired: boolean;
}

const MIDDLEWARE = 'clearance-fault-injector';

/**
 * Injects faults into the SDK clients it is attached to. One injector per
 * run; {@link FaultInjector.pause} stops injecting (e.g. while a test
 * checks the outcome).
 */
export class FaultInjector {
  private readonly scope = new AsyncLocalStorage<CallerScope>();
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

  /** Stops injecting faults, crashes and outages (calls pass through). */
  pause(): void {
    this.active = false;
  }

  resume(): void {
    this.active = true;
  }

  /**
   * Adds the fault middleware to an SDK v3 client (a DynamoDBDocumentClient
   * shares its client's stack) and gives it the fast retry policy. `caller`
   * names calls made outside any wrapped invocation, e.g. `esm`. Returns a
   * function that detaches both.
   */
  attach(client: Instrumentable & { config?: unknown }, caller: string): () => void {
    const stack = client.middlewareStack as unknown as MiddlewareStack<object, object>;
    stack.add(this.crashMiddleware(caller), {
      step: 'initialize',
      priority: 'high',
      name: `${MIDDLEWARE}-crash`,
    });
    stack.add(this.faultMiddleware(caller), {
      step: 'deserialize',
      priority: 'high',
      name: `${MIDDLEWARE}-fault`,
    });
    const config = client.config as { retryStrategy?: () => Promise<unknown> } | undefined;
    const original = config?.retryStrategy;
    if (config) {
      const strategy = new FastRetryStrategy(
        this.options.sdkMaxAttempts ?? 3,
        this.options.maxRetryDelayMs ?? 20,
      );
      config.retryStrategy = async () => strategy;
    }
    return () => {
      client.middlewareStack.remove(`${MIDDLEWARE}-crash`);
      client.middlewareStack.remove(`${MIDDLEWARE}-fault`);
      if (config && original) config.retryStrategy = original;
    };
  }

  /**
   * Runs one handler invocation as `caller` (the function's entry base
   * name). An armed outage fails it before it starts. If a crash rule fired
   * during it, the invocation ends with that crash whatever the handler
   * returned: the process is gone.
   */
  async around(caller: string, invoke: () => Promise<unknown>): Promise<unknown> {
    const nth = this.nextIndex(`${caller}:invocation`);
    const outage = this.outages.find((o) => o.fn === caller && nth >= o.from && nth < o.from + o.invocations);
    if (this.active && outage) {
      this.stats.outageInvocations++;
      throw new InjectedOutage(`${outage.label} (${caller} invocation ${nth})`);
    }
    const scope: CallerScope = { caller };
    let result: unknown;
    let failure: unknown;
    let failed = false;
    try {
      result = await this.scope.run(scope, invoke);
    } catch (error) {
      failed = true;
      failure = error;
    }
    if (scope.crashed) {
      this.stats.crashedInvocations++;
      throw scope.crashed;
    }
    if (failed) throw failure;
    return result;
  }

  private nextIndex(key: string): number {
    const n = (this.counters.get(key) ?? 0) + 1;
    this.counters.set(key, n);
    return n;
  }

  private count(key: string): void {
    this.stats.injected[key] = (this.stats.injected[key] ?? 0) + 1;
  }

  private crashMiddleware(defaultCaller: string): InitializeMiddleware<object, object> {
    return (next: InitializeHandler<object, object>, context: HandlerExecutionContext) =>
      async (args: InitializeHandlerArguments<object>): Promise<InitializeHandlerOutput<object>> => {
        const scope = this.scope.getStore();
        if (scope?.crashed) throw scope.crashed;
        const { service, operation } = callName(context);
        const caller = scope?.caller ?? defaultCaller;
        let armed: ArmedRule | undefined;
        if (this.active && scope) {
          for (const r of this.rules) {
            if (r.fired || r.rule.fn !== caller || r.rule.operation !== operation) continue;
            r.seen++;
            if (r.seen >= r.rule.nth && armed === undefined) armed = r;
          }
        }
        if (armed && scope) {
          armed.fired = true;
          const { rule } = armed;
          const crash = new InjectedCrash(
            `${rule.label} (${caller} ${service}.${operation} #${rule.nth} ${rule.when})`,
          );
          this.stats.crashes.push(crash.rule);
          if (rule.when === 'before') {
            scope.crashed = crash;
            throw crash;
          }
          try {
            await next(args);
          } finally {
            scope.crashed = crash;
          }
          throw crash;
        }
        if (this.active && operation === 'PublishBatch' && this.kinds.has('partial')) {
          return this.maybePartial(caller, service, operation, next, args);
        }
        return next(args);
      };
  }

  /** PublishBatch answering 200 with some entries failed: only the others are published. */
  private async maybePartial(
    caller: string,
    service: string,
    operation: string,
    next: InitializeHandler<object, object>,
    args: InitializeHandlerArguments<object>,
  ): Promise<InitializeHandlerOutput<object>> {
    const seed = this.options.seed;
    const n = this.nextIndex(`${caller}:${operation}:partial`);
    if (hash01(seed, caller, operation, 'partial', n) >= this.options.rate) return next(args);
    const input = args.input as { PublishBatchRequestEntries?: { Id?: string }[] };
    const entries = input.PublishBatchRequestEntries ?? [];
    if (entries.length < 2) return next(args);
    const failed = entries.filter((_, i) => hash01(seed, caller, operation, 'entry', n, i) < 0.5);
    if (failed.length === 0 || failed.length === entries.length) return next(args);
    this.count('partial');
    this.count(`partial ${service}.${operation}`);
    const kept = entries.filter((e) => !failed.includes(e));
    const out = await next({ ...args, input: { ...input, PublishBatchRequestEntries: kept } });
    const output = out.output as { Failed?: unknown[] };
    output.Failed = [
      ...(output.Failed ?? []),
      ...failed.map((e) => ({ Id: e.Id, Code: 'InternalError', Message: 'injected', SenderFault: false })),
    ];
    return out;
  }

  private faultMiddleware(defaultCaller: string): DeserializeMiddleware<object, object> {
    return (next: DeserializeHandler<object, object>, context: HandlerExecutionContext) =>
      async (args: DeserializeHandlerArguments<object>): Promise<DeserializeHandlerOutput<object>> => {
        this.stats.attempts++;
        if (!this.active) return next(args);
        const { service, operation } = callName(context);
        const caller = this.scope.getStore()?.caller ?? defaultCaller;
        const n = this.nextIndex(`${caller}:${operation}`);
        const seed = this.options.seed;
        if (hash01(seed, caller, operation, n) >= this.options.rate) return next(args);
        const candidates = FAULT_KINDS.filter(
          (k) =>
            this.kinds.has(k) && k !== 'partial' && (k !== 'conflict' || operation === 'TransactWriteItems'),
        );
        if (candidates.length === 0) return next(args);
        const kind = candidates[Math.floor(hash01(seed, caller, operation, n, 'kind') * candidates.length)];
        const variant = hash01(seed, caller, operation, n, 'variant');
        this.count(kind ?? 'none');
        this.count(`${kind} ${service}.${operation}`);
        switch (kind) {
          case 'throttle':
            throw throttleError(service, operation);
          case 'server':
            throw serverError(service, operation, variant);
          case 'conflict': {
            const input = (args as { input?: { TransactItems?: unknown[] } }).input;
            throw conflictError(input?.TransactItems?.length ?? 1, n);
          }
          case 'timeout': {
            if (WRITE_OPERATIONS.has(operation) && variant < 0.5) {
              await next(args);
              throw timeoutError(service, operation, true);
            }
            throw timeoutError(service, operation, false);
          }
          default:
            return next(args);
        }
      };
  }
}
