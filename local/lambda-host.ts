/**
 * Runs the functions of the local stack as Lambda runs them: each from its
 * esbuild bundle in the cloud assembly (the asset the template names, not the
 * TypeScript sources), in execution environments ("sandboxes") of its own.
 *
 * A sandbox is a worker thread (./lambda-worker.mjs) with exactly the
 * function's environment: its template variables, the variables the Lambda
 * runtime sets, its own credentials, and the local endpoints. Nothing leaks
 * from one function to another through a shared `process.env`, so a variable
 * missing from the template fails here as it would on Lambda, and so does a
 * bundle that cannot be imported. A sandbox runs one invocation at a time;
 * concurrent invocations get more sandboxes. A crash, a timeout or a heap
 * grown past the function's memory size (Lambda's out-of-memory) ends the
 * sandbox (the thread ends, see Sandbox.stop; nothing in it survives) and the next
 * invocation starts a fresh one (a cold start).
 *
 * Each sandbox gets credentials of its own, so that the request gateway can
 * tell which function (and which sandbox) sent a request: see {@link
 * LambdaHost.whoIs}.
 */
import { randomUUID } from 'node:crypto';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/** A function as the template and the cloud assembly describe it, resolved to local values. */
export interface FunctionBundle {
  readonly logicalId: string;
  /** Physical function name. */
  readonly name: string;
  readonly arn: string;
  /** The entry's base name, e.g. `license-events` (tests and reports use it). */
  readonly label: string;
  /** Absolute path of the bundle's entry file, e.g. `cdk.out/asset.<hash>/index.mjs`. */
  readonly bundleFile: string;
  readonly exportName: string;
  /** The template's variables, resolved; NODE_OPTIONS included. */
  readonly environment: Readonly<Record<string, string>>;
  readonly timeoutSeconds: number;
  readonly memorySizeMb: number;
}

/** Where a sandbox's log lines go, one call per line, tagged with the function. */
export type LambdaLogSink = (fn: FunctionBundle, stream: 'stdout' | 'stderr', line: string) => void;

/** A function's sandbox failed to initialize (the bundle cannot be imported, or its module code threw). */
export class LambdaInitError extends Error {
  constructor(
    readonly functionLogicalId: string,
    message: string,
    readonly detail: { name: string; message: string; stack: string },
  ) {
    super(message);
    this.name = 'Runtime.ImportModuleError';
  }
}

/** The invocation ended without a response: the sandbox died (crash) or ran out of time. */
export class LambdaSandboxError extends Error {
  constructor(
    message: string,
    readonly reason: 'crash' | 'timeout',
  ) {
    super(message);
    this.name = reason === 'timeout' ? 'Sandbox.Timedout' : 'Runtime.ExitError';
  }
}

/** The handler threw: its error, as Lambda reports it (errorType, errorMessage). */
export class LambdaFunctionError extends Error {
  constructor(detail: { name: string; message: string; stack: string }) {
    super(detail.message);
    this.name = detail.name;
    this.stack = detail.stack;
  }
}

/** Who holds a set of sandbox credentials. */
export interface SandboxIdentity {
  readonly functionLogicalId: string;
  readonly label: string;
  readonly sandboxId: string;
}

/** Options of {@link LambdaHost}. */
export interface LambdaHostOptions {
  /** Region and endpoint variables every sandbox gets (the SDK's standard AWS_ENDPOINT_URL_*). */
  readonly region: string;
  readonly endpointEnvironment: Readonly<Record<string, string>>;
  /** @default each line to this process's stream of the same name, unchanged */
  readonly logSink?: LambdaLogSink;
  /**
   * Give the handlers' SDK clients millisecond retry pauses (fault-injection
   * runs). The bundle must export its clients as `sdkClients`. @default off
   */
  readonly fastRetry?: { readonly maxAttempts: number; readonly maxDelayMs: number };
}

const WORKER_URL = new URL('./lambda-worker.mjs', import.meta.url);

/** Variables the Lambda runtime sets itself; the template cannot set them (see AWS "Defined runtime environment variables"). */
const RESERVED = new Set([
  '_HANDLER',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
]);

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

class Sandbox {
  readonly worker: Worker;
  readonly ready: Promise<void>;
  busy = false;
  dead = false;
  pending: Pending | undefined;
  private death: Error | undefined;
  /** The thread has exited. */
  private exited: Promise<void>;

  constructor(
    readonly id: string,
    readonly fn: FunctionBundle,
    env: Record<string, string>,
    options: LambdaHostOptions,
    onExit: (sandbox: Sandbox) => void,
  ) {
    const logStreamName = `local/[$LATEST]${id}`;
    this.worker = new Worker(WORKER_URL, {
      env,
      stdout: true,
      stderr: true,
      execArgv: nodeOptions(fn.environment.NODE_OPTIONS),
      // Lambda kills a function that outgrows its memory size; the heap is capped at it here (the
      // runtime's own overhead is not counted, so this is a ceiling AWS stays under, never over).
      resourceLimits: { maxOldGenerationSizeMb: fn.memorySizeMb },
      workerData: {
        bundleUrl: pathToFileURL(fn.bundleFile).href,
        exportName: fn.exportName,
        fastRetry: options.fastRetry,
        function: {
          name: fn.name,
          arn: fn.arn,
          memorySizeMb: fn.memorySizeMb,
          logGroupName: `/aws/lambda/${fn.name}`,
          logStreamName,
        },
      },
    });
    const sink = options.logSink ?? ((_fn, stream, line) => process[stream].write(`${line}\n`));
    for (const stream of ['stdout', 'stderr'] as const) {
      createInterface({ input: this.worker[stream] }).on('line', (line) => sink(fn, stream, line));
    }
    this.ready = new Promise<void>((resolve, reject) => {
      const onMessage = (message: {
        type: string;
        error?: { name: string; message: string; stack: string };
      }) => {
        if (message.type === 'ready') resolve();
        else if (message.type === 'init-error' && message.error) {
          const e = message.error;
          reject(
            new LambdaInitError(
              fn.logicalId,
              `${fn.label} (${fn.logicalId}) failed to initialize from ${fn.bundleFile}: ${e.name}: ${e.message}`,
              e,
            ),
          );
        }
      };
      this.worker.on('message', onMessage);
      this.worker.once('error', (error) => reject(error));
      this.worker.on('error', (error: Error & { code?: string }) => {
        if (error.code === 'ERR_WORKER_OUT_OF_MEMORY') {
          this.death ??= new LambdaSandboxError(
            `${fn.label}: out of memory: the heap outgrew the function's ${fn.memorySizeMb} MB`,
            'crash',
          );
        }
      });
      this.worker.once('exit', (code) =>
        reject(new LambdaSandboxError(`${fn.label} exited during init (code ${code})`, 'crash')),
      );
    });
    this.ready.catch(() => undefined);
    this.worker.on('message', (message: { type: string; id?: string; result?: unknown; error?: never }) => {
      const pending = this.pending;
      if (pending === undefined || (message.type !== 'result' && message.type !== 'error')) return;
      this.pending = undefined;
      clearTimeout(pending.timer);
      if (message.type === 'result') pending.resolve(message.result);
      else
        pending.reject(new LambdaFunctionError(message.error ?? { name: 'Error', message: '', stack: '' }));
    });
    this.exited = new Promise((resolve) =>
      this.worker.once('exit', () => {
        this.dead = true;
        this.failPending(
          this.death ?? new LambdaSandboxError(`${fn.label}: the runtime exited without a response`, 'crash'),
        );
        onExit(this);
        resolve();
      }),
    );
  }

  invoke(event: unknown, deadline: number, requestId: string): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) => {
      const timeoutMs = Math.max(0, deadline - Date.now());
      const timer = setTimeout(() => {
        this.kill(
          new LambdaSandboxError(
            `${this.fn.label}: Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`,
            'timeout',
          ),
        );
      }, timeoutMs);
      this.pending = { resolve, reject, timer };
      this.worker.postMessage({ type: 'invoke', event, context: { requestId, deadline } });
    });
  }

  /** Ends the sandbox; its invocation, if any, fails with `reason` at once. */
  kill(reason: Error): void {
    if (this.dead) return;
    this.death = reason;
    this.dead = true;
    this.failPending(reason);
    void this.stop();
  }

  /** Fails the invocation under way, if any (once: the first of a kill and the thread's exit). */
  private failPending(error: Error): void {
    const pending = this.pending;
    this.pending = undefined;
    if (pending) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
  }

  /**
   * Stops the thread: it is told to exit, which it does between two of its
   * own tasks, and is terminated only if it has not within
   * {@link EXIT_GRACE_MS} (a handler spinning on the CPU). Terminating a
   * thread from outside while it parses an HTTP answer aborts the whole
   * process (`FATAL ERROR: v8::ToLocalChecked Empty MaybeLocal` in
   * `llhttp__on_body`, the fault class of nodejs/node#38418): an injected
   * crash mid-request did that once in a 50-run chaos run. Requests the
   * thread sends in the meantime are dropped by the gateway ({@link LambdaHost.isKilled}).
   */
  stop(): Promise<void> {
    this.worker.postMessage({ type: 'exit' });
    const timer = setTimeout(() => void this.worker.terminate(), EXIT_GRACE_MS);
    timer.unref();
    return this.exited.then(() => clearTimeout(timer));
  }
}

/** How long a sandbox told to exit has before it is terminated. */
const EXIT_GRACE_MS = 2_000;

/** `--enable-source-maps` and the like, from the function's NODE_OPTIONS. */
function nodeOptions(value: string | undefined): string[] {
  return (value ?? '').split(/\s+/).filter((o) => o.startsWith('--'));
}

/**
 * Starts and invokes the sandboxes of the local stack's functions. One host
 * per local stack.
 */
export class LambdaHost {
  private readonly idle = new Map<string, Sandbox[]>();
  private readonly all = new Set<Sandbox>();
  private readonly identities = new Map<string, SandboxIdentity & { secret: string }>();
  /** Each live sandbox by the access key it was given. */
  private readonly byAccessKey = new Map<string, Sandbox>();
  private counter = 0;
  private disposed = false;

  constructor(private readonly options: LambdaHostOptions) {}

  /**
   * The function's environment inside a sandbox: the template's variables
   * (less NODE_OPTIONS, which become the thread's flags), what the Lambda
   * runtime sets, and the local endpoints. One more: the AWS SDK's notice
   * that its 2027 releases need Node 22 is off, since the sandbox runs on
   * the host's Node (20 here), where Lambda runs 24 and never prints it;
   * every cold sandbox would print it again.
   */
  environmentFor(fn: FunctionBundle, credentials: { accessKeyId: string; secret: string }, stream: string) {
    const own = Object.entries(fn.environment).filter(([name]) => name !== 'NODE_OPTIONS');
    for (const [name] of own) {
      if (RESERVED.has(name)) {
        throw new Error(
          `${fn.logicalId} sets ${name}, which the Lambda runtime reserves; deploys would fail`,
        );
      }
    }
    return {
      ...Object.fromEntries(own),
      _HANDLER: `index.${fn.exportName}`,
      AWS_REGION: this.options.region,
      AWS_DEFAULT_REGION: this.options.region,
      AWS_LAMBDA_FUNCTION_NAME: fn.name,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySizeMb),
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.name}`,
      AWS_LAMBDA_LOG_STREAM_NAME: stream,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secret,
      AWS_SESSION_TOKEN: `local-session-${credentials.accessKeyId}`,
      LAMBDA_TASK_ROOT: dirname(fn.bundleFile),
      TZ: ':UTC',
      LANG: 'en_US.UTF-8',
      PATH: '/usr/local/bin:/usr/bin/:/bin:/opt/bin',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...this.options.endpointEnvironment,
    };
  }

  /** The function and sandbox that hold `accessKeyId`, if a sandbox of this host does. */
  whoIs(accessKeyId: string): SandboxIdentity | undefined {
    const found = this.identities.get(accessKeyId);
    return (
      found && { functionLogicalId: found.functionLogicalId, label: found.label, sandboxId: found.sandboxId }
    );
  }

  /** Starts a sandbox (if none is idle) and waits until the bundle is imported: surfaces init errors early. */
  async warm(fn: FunctionBundle): Promise<void> {
    const sandbox = this.take(fn);
    try {
      await sandbox.ready;
    } finally {
      this.release(sandbox);
    }
  }

  /**
   * Invokes `fn` with `event` in an idle sandbox (or a new one) and returns
   * the handler's result. Fails with {@link LambdaFunctionError} when the
   * handler throws, {@link LambdaInitError} when the sandbox cannot start,
   * and {@link LambdaSandboxError} on a crash or a timeout. The handler's
   * context carries `requestId` as its `awsRequestId`.
   */
  async invoke(fn: FunctionBundle, event: unknown, requestId: string = randomUUID()): Promise<unknown> {
    if (this.disposed) throw new Error('the Lambda host is disposed');
    const sandbox = this.take(fn);
    try {
      await sandbox.ready;
      return await sandbox.invoke(event, Date.now() + fn.timeoutSeconds * 1000, requestId);
    } finally {
      this.release(sandbox);
    }
  }

  /** Kills the sandbox holding `accessKeyId` (a crash); its invocation fails with `reason`. */
  crash(accessKeyId: string, reason: string): boolean {
    const sandbox = this.byAccessKey.get(accessKeyId);
    if (sandbox === undefined || sandbox.dead) return false;
    sandbox.kill(new LambdaSandboxError(reason, 'crash'));
    return true;
  }

  /** Whether `accessKeyId` is a killed sandbox's, whose thread may not have exited yet (asked of every request a function sends). */
  isKilled(accessKeyId: string): boolean {
    return this.byAccessKey.get(accessKeyId)?.dead === true;
  }

  /** Stops every sandbox. */
  async dispose(): Promise<void> {
    this.disposed = true;
    await Promise.allSettled([...this.all].map((s) => s.stop()));
    this.all.clear();
    this.idle.clear();
  }

  private take(fn: FunctionBundle): Sandbox {
    const pool = this.idle.get(fn.logicalId) ?? [];
    this.idle.set(fn.logicalId, pool);
    for (;;) {
      const sandbox = pool.pop();
      if (sandbox === undefined) break;
      if (sandbox.dead) continue;
      sandbox.busy = true;
      return sandbox;
    }
    const id = `${fn.logicalId}-${++this.counter}`;
    const accessKeyId = `ASIALOCAL${String(this.counter).padStart(8, '0')}${fn.logicalId
      .replace(/[^A-Za-z0-9]/g, '')
      .slice(0, 20)
      .toUpperCase()}`;
    const secret = randomUUID();
    this.identities.set(accessKeyId, {
      functionLogicalId: fn.logicalId,
      label: fn.label,
      sandboxId: id,
      secret,
    });
    const stream = `local/[$LATEST]${id}`;
    const sandbox = new Sandbox(
      id,
      fn,
      this.environmentFor(fn, { accessKeyId, secret }, stream),
      this.options,
      (s) => {
        this.all.delete(s);
        this.byAccessKey.delete(accessKeyId);
      },
    );
    this.byAccessKey.set(accessKeyId, sandbox);
    this.all.add(sandbox);
    sandbox.busy = true;
    return sandbox;
  }

  private release(sandbox: Sandbox): void {
    sandbox.busy = false;
    if (sandbox.dead || this.disposed) return;
    this.idle.get(sandbox.fn.logicalId)?.push(sandbox);
  }
}
