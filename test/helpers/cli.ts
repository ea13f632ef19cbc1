/**
 * The admin CLI run in this process against a test file's local stack, as an
 * operator would run `CLEARANCE_STACK=... clearance ARGS`, with its output
 * captured.
 */
import type { Clients } from '../../cli/clients.js';
import type { CliContext } from '../../cli/context.js';
import type { Io } from '../../cli/io.js';
import { run } from '../../cli/program.js';
import { parseStackFile } from '../../cli/resources/stack-file.js';
import type { Resources } from '../../cli/resources.js';
import { describeStack } from '../../local/stack-json.js';
import type { LocalStackHandle } from './stack.js';

/** The stack description the CLI reads from CLEARANCE_STACK: the line `npm run stack` prints. */
export function stackDescription(local: Pick<LocalStackHandle, 'stack'>): string {
  return JSON.stringify(describeStack(local.stack));
}

export interface RunCliOptions {
  /** Whether stdin is a terminal (default: no, as in CI). */
  interactive?: boolean;
  /** The answer to every yes/no prompt (default: no). */
  answer?: boolean;
  /** Variables set on top of this process's environment and CLEARANCE_STACK. */
  env?: Readonly<Record<string, string | undefined>>;
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (for `--json`). */
  json<T = unknown>(): T;
}

/** Runs `clearance ARGS` in this process with CLEARANCE_STACK set to this file's local stack. */
export async function runCli(
  local: Pick<LocalStackHandle, 'stack'>,
  args: readonly string[],
  options: RunCliOptions = {},
): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    interactive: options.interactive ?? false,
    confirm: async () => options.answer ?? false,
  };
  const env = { ...process.env, CLEARANCE_STACK: stackDescription(local), ...options.env };
  const code = await run(args, { io, env });
  const stdout = out.join('\n');
  return { code, stdout, stderr: err.join('\n'), json: <T>() => JSON.parse(stdout) as T };
}

/**
 * A CliContext over stand-in clients, for a unit test of one command, with
 * what it prints captured: `out` (with `json`, each emitted value as JSON;
 * otherwise its text), `err` (into `out` with `errToOut`, as a terminal shows
 * both) and `emitted` (the values themselves). Nothing is interactive and
 * every prompt is answered no.
 */
export function stubCliContext(opts: {
  resources: Resources;
  clients: Record<string, unknown>;
  identity?: string;
  json?: boolean;
  errToOut?: boolean;
  close?: () => void;
}): { ctx: CliContext; out: string[]; err: string[]; emitted: unknown[] } {
  const out: string[] = [];
  const err: string[] = [];
  const emitted: unknown[] = [];
  const json = opts.json ?? false;
  const ctx: CliContext = {
    io: {
      out: (t) => out.push(t),
      err: (t) => (opts.errToOut ? out : err).push(t),
      interactive: false,
      confirm: async () => false,
    },
    env: {},
    json,
    resources: async () => opts.resources,
    clients: async () => opts.clients as unknown as Clients,
    identity: async () => opts.identity ?? 'tester',
    emit: (data, human) => {
      emitted.push(data);
      out.push(json ? JSON.stringify(data) : human());
    },
    close: opts.close ?? (() => undefined),
  };
  return { ctx, out, err, emitted };
}

/**
 * The resources of a stack in us-east-1 with tables Licenses, Shipments and
 * Inventory (and History with `history`), for a unit test's stand-in clients.
 */
export function stubResources(opts: { history?: boolean } = {}): Resources {
  const arn = (name: string) => `arn:aws:sns:us-east-1:000000000000:${name}`;
  return parseStackFile(
    JSON.stringify({
      region: 'us-east-1',
      tables: {
        licenses: 'Licenses',
        shipments: 'Shipments',
        inventory: 'Inventory',
        ...(opts.history ? { history: 'History' } : {}),
      },
      topics: { customer: arn('C'), logistics: arn('Lg'), ops: arn('O') },
      dlqs: { licenseEvents: 'https://q/l', shipmentEvents: 'https://q/s', shipmentHistory: 'https://q/h' },
    }),
    'test',
  );
}
