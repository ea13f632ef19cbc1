import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';
import { registerDlqCommands } from './commands/dlq.js';
import { registerReportCommands } from './commands/history.js';
import { registerInventoryCommands } from './commands/inventory.js';
import { registerLicenseCommands } from './commands/license.js';
import { refuseOptionAsReason } from './commands/license-common.js';
import { registerReconcileCommand } from './commands/reconcile.js';
import { registerShipmentCommands } from './commands/shipment.js';
import { registerSubscriptionCommands } from './commands/subscriptions.js';
import { type Act, example, type RegisterCommands, type Wiring } from './commands/wiring.js';
import { type CliContext, createContext, explainError, type GlobalOptions } from './context.js';
import { EXIT } from './errors.js';
import { type Io, processIo } from './io.js';
import type { ResolveDeps, Resources } from './resources.js';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

const GLOBAL_HELP = `
Which stack (first match wins):
  --stack-file PATH        a local stack description: the JSON line \`npm run stack\` prints
  --stack-name NAME        a deployed CloudFormation stack (AWS default credentials and region)
  CLEARANCE_STACK_FILE     environment: path of a local stack description
  CLEARANCE_STACK          environment: the JSON line itself
  otherwise                the deployed stack of this CDK app (STACK_ID in infra/outputs.ts)
  --region names a deployed stack's region: with a local stack (--stack-file or the variables) it is refused.

Output: tables for people; --json for scripts. Progress and notes go to stderr.
Exit codes: 0 done, 1 failed, 2 bad usage, 3 done but work remains (drift or shipped goods above a lowered limit, History that
differs from a license's counters, DLQ messages left, customer subscriptions unscoped or on the wrong shard, a wait timed out
or stopped because someone else changed the status).
Set CLEARANCE_DEBUG=1 to see stack traces.
`;

interface RunState {
  code: number;
  ctx?: CliContext;
  resources?: Resources;
}

interface RunOptions {
  io?: Io;
  env?: Readonly<Record<string, string | undefined>>;
  resolveDeps?: ResolveDeps;
}

/** The command groups, in the order `clearance --help` lists them. */
const COMMAND_GROUPS: readonly RegisterCommands[] = [
  registerLicenseCommands,
  registerShipmentCommands,
  registerInventoryCommands,
  registerReconcileCommand,
  registerReportCommands,
  registerDlqCommands,
  registerSubscriptionCommands,
];

/** Builds the command tree. Each action resolves the stack lazily and records its exit code. */
export function buildProgram(
  io: Io,
  env: Readonly<Record<string, string | undefined>>,
  state: RunState,
  resolveDeps?: ResolveDeps,
): Command {
  const program = rootCommand();
  const wiring: Wiring = { act: actions(io, env, state, resolveDeps), env };
  for (const register of COMMAND_GROUPS) register(program, wiring);
  // On the program, so it runs before each command's own hooks: `--reason --wait` must not set off
  // "--timeout only applies with --wait" (the --wait went into the reason).
  program.hook('preAction', (_program, action) => refuseOptionAsReason(action));
  for (const command of [program, ...allCommands(program)]) {
    command.configureHelp({ showGlobalOptions: true });
    refuseRepeatedValues(command);
  }
  return program;
}

/**
 * Refuses an option given twice with different values (`--quantity 100 --quantity 1000`): commander
 * would keep the last one silently, and a write command would go on with it. The same value twice
 * (a wrapper adding its own default) is harmless and passes.
 */
function refuseRepeatedValues(command: Command): void {
  for (const option of command.options) {
    if (!(option.required || option.optional) || option.variadic) continue;
    let first: string | undefined;
    command.on(`option:${option.name()}`, (value: unknown) => {
      const given = String(value);
      if (first === undefined) first = given;
      else if (given !== first) {
        command.error(
          `error: option '${option.long ?? option.flags}' was given twice, as "${first}" and as "${given}": give it once, with the value you mean`,
          { exitCode: EXIT.usage, code: 'clearance.repeatedOption' },
        );
      }
    });
  }
}

/** The `clearance` command itself: its description, global options and help. */
function rootCommand(): Command {
  return new Command('clearance')
    .description(
      'Admin CLI for clearance: export-controlled shipments are HELD until their license is APPROVED, then the system releases them.',
    )
    .option('--stack-file <path>', 'local stack description (the JSON line `npm run stack` prints)')
    .option('--stack-name <name>', "deployed CloudFormation stack to use (default: the CDK app's stack)")
    .option('--region <region>', 'AWS region of the deployed stack (default: AWS_REGION / your profile)')
    .option('--json', 'print JSON instead of tables, for scripts')
    .version(version, '-V, --version', 'print the CLI version')
    .showHelpAfterError('(add --help for usage)')
    .showSuggestionAfterError()
    .configureHelp({ showGlobalOptions: true })
    .addHelpText(
      'after',
      GLOBAL_HELP +
        example('clearance license list --status PENDING', 'clearance --stack-file stack.json reconcile'),
    );
}

/** Wraps handlers as actions that build their context from the global options and record state. */
function actions(
  io: Io,
  env: Readonly<Record<string, string | undefined>>,
  state: RunState,
  resolveDeps: ResolveDeps | undefined,
): Act {
  return <A extends unknown[]>(fn: (ctx: CliContext, ...args: A) => Promise<number>) =>
    async (...args: unknown[]) => {
      const command = args.at(-1) as Command;
      const ctx = createContext(io, env, command.optsWithGlobals<GlobalOptions>(), resolveDeps);
      state.ctx = ctx;
      const resourcesPromise = ctx.resources;
      ctx.resources = async () => {
        const r = await resourcesPromise();
        state.resources = r;
        return r;
      };
      state.code = await fn(ctx, ...(args.slice(0, -1) as A));
    };
}

function allCommands(command: Command): Command[] {
  return command.commands.flatMap((c) => [c, ...allCommands(c)]);
}

/**
 * Runs the CLI on `argv` (without node and script) and resolves to its exit
 * code. Never exits the process, so tests and other tools can call it.
 */
export async function run(argv: readonly string[], options: RunOptions = {}): Promise<number> {
  const io = options.io ?? processIo();
  const env = options.env ?? process.env;
  const state: RunState = { code: EXIT.ok };
  const program = buildProgram(io, env, state, options.resolveDeps);
  const route = (c: Command) => {
    c.exitOverride();
    c.configureOutput({
      writeOut: (s) => io.out(s.replace(/\n$/, '')),
      writeErr: (s) => io.err(s.replace(/\n$/, '')),
    });
    for (const sub of c.commands) route(sub);
  };
  route(program);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return state.code;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT.ok;
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const explained = explainError(error, state.resources);
    io.err(`error: ${explained.message}`);
    if (env.CLEARANCE_DEBUG) io.err(String((error as Error).stack ?? error));
    return explained.exitCode;
  } finally {
    state.ctx?.close();
  }
}
