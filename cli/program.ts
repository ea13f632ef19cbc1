import { createRequire } from 'node:module';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { LICENSE_STATUSES, SHIPMENT_STATUSES } from '../shared/domain/model.js';
import { dlqList, dlqRedrive, QUEUE_NAMES } from './commands/dlq.js';
import { inventoryShow } from './commands/inventory.js';
import { licenseAction, licenseList, licenseShow } from './commands/license.js';
import { reconcile } from './commands/reconcile.js';
import { shipmentAction, shipmentList, shipmentShow } from './commands/shipment.js';
import {
  subscribeCustomer,
  subscribeLogistics,
  subscriptionsList,
  unsubscribe,
} from './commands/subscribe.js';
import { type CliContext, createContext, explainError, type GlobalOptions } from './context.js';
import { EXIT } from './errors.js';
import { type Io, processIo } from './io.js';
import type { ResolveDeps, Resources } from './resources.js';
import { PROTOCOLS } from './subscriptions.js';
import { LICENSE_ACTIONS, type LicenseAction } from './transitions.js';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

const whole = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number (0 or more)');
  return n;
};
const positive = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number above 0');
  return n;
};

const example = (...lines: string[]) => `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;

const GLOBAL_HELP = `
Which stack (first match wins):
  --stack-file PATH        a local stack description: the JSON line \`npm run stack\` prints
  --stack-name NAME        a deployed CloudFormation stack (AWS default credentials and region)
  CLEARANCE_STACK_FILE     environment: path of a local stack description
  CLEARANCE_STACK          environment: the JSON line itself
  otherwise                the deployed stack of this CDK app (STACK_ID in infra/outputs.ts)

Output: tables for people; --json for scripts. Progress and notes go to stderr.
Exit codes: 0 done, 1 failed, 2 bad usage, 3 done but work remains (drift, DLQ messages left, wait timed out).
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

/** Builds the command tree. Each action resolves the stack lazily and records its exit code. */
export function buildProgram(
  io: Io,
  env: Readonly<Record<string, string | undefined>>,
  state: RunState,
  resolveDeps?: ResolveDeps,
): Command {
  const act =
    <A extends unknown[]>(fn: (ctx: CliContext, ...args: A) => Promise<number>) =>
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

  const program = new Command('clearance')
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

  // ---------------------------------------------------------------- license
  const license = program.command('license').description('list, inspect and decide export licenses');
  license
    .command('list')
    .description('list licenses with their status, what the system applied, and released/authorized units')
    .addOption(new Option('--status <status>', 'only licenses with this status').choices(LICENSE_STATUSES))
    .addHelpText(
      'after',
      example('clearance license list', 'clearance license list --status APPROVED --json'),
    )
    .action(act((ctx, opts: { status?: string }) => licenseList(ctx, opts)));
  license
    .command('show')
    .description(
      'show one license: status, appliedStatus, statusError, pendingWork, and its shipments by status and hold reason',
    )
    .argument('<licenseId>', 'e.g. LIC-H20-0001')
    .option(
      '--scan',
      'scan Shipments to count SHIPPED and CANCELLED too (default: HELD and RELEASED from the license indexes)',
    )
    .addHelpText(
      'after',
      example('clearance license show LIC-H20-0001', 'clearance license show LIC-H20-0001 --scan'),
    )
    .action(act((ctx, id: string, opts: { scan?: boolean }) => licenseShow(ctx, id, opts)));
  const actionHelp: Record<LicenseAction, string> = {
    approve: 'approve a PENDING license: the system then releases its held shipments in priority order',
    deny: 'deny a PENDING license: its held shipments stay HELD with LICENSE_DENIED (final)',
    suspend: 'suspend an APPROVED license: released, unshipped shipments go back on hold',
    revoke: 'revoke an APPROVED or SUSPENDED license: released, unshipped shipments go back on hold (final)',
    reinstate: 'lift a suspension (SUSPENDED → APPROVED): held shipments are released again',
  };
  for (const action of Object.keys(LICENSE_ACTIONS) as LicenseAction[]) {
    license
      .command(action)
      .description(actionHelp[action])
      .argument('<licenseId>', 'the license to change')
      .requiredOption('--reason <text>', 'why (required; stored as statusReason)')
      .requiredOption('--by <name>', 'who decides (required; stored as updatedBy)')
      .option('--wait', 'wait until the system has applied the change, showing progress')
      .option('--timeout <seconds>', 'give up waiting after this long (with --wait)', positive, 900)
      .addHelpText(
        'after',
        `\nThe transition is checked with the system's own rules before anything is written, and the write only\nhappens if the license is still as read.\n${example(
          `clearance license ${action} LIC-H20-0001 --reason "BIS letter 2026-117" --by "j.doe" --wait`,
        )}`,
      )
      .action(
        act((ctx, id: string, opts: { reason: string; by: string; wait?: boolean; timeout?: number }) =>
          licenseAction(ctx, action, id, opts),
        ),
      );
  }

  // ---------------------------------------------------------------- shipment
  const shipment = program
    .command('shipment')
    .description('list and inspect shipments; mark them shipped or cancelled');
  shipment
    .command('list')
    .description(
      'list the shipments of a license (HELD and RELEASED from the license indexes, other statuses by scan)',
    )
    .requiredOption('--license <licenseId>', 'the license whose shipments to list (required)')
    .addOption(new Option('--status <status>', 'only shipments with this status').choices(SHIPMENT_STATUSES))
    .option('--limit <n>', 'show at most this many (0: all)', whole, 100)
    .addHelpText(
      'after',
      example(
        'clearance shipment list --license LIC-H20-0001 --status HELD',
        'clearance shipment list --license LIC-H20-0001 --limit 0 --json',
      ),
    )
    .action(act((ctx, opts: { license: string; status?: string; limit: number }) => shipmentList(ctx, opts)));
  shipment
    .command('show')
    .description('show one shipment, including the system-kept attributes')
    .argument('<shipmentId>')
    .addHelpText('after', example('clearance shipment show SHP-000042'))
    .action(act((ctx, id: string) => shipmentShow(ctx, id)));
  for (const [action, text] of [
    ['ship', 'mark a RELEASED shipment SHIPPED (the counters move released → shipped)'],
    ['cancel', 'cancel a HELD or RELEASED shipment (its units become available again)'],
  ] as const) {
    shipment
      .command(action)
      .description(text)
      .argument('<shipmentId>')
      .option('--by <name>', 'who makes the change (recorded as changedBy cli:NAME)', env.USER ?? 'operator')
      .addHelpText('after', example(`clearance shipment ${action} SHP-000042 --by j.doe`))
      .action(act((ctx, id: string, opts: { by: string }) => shipmentAction(ctx, action, id, opts)));
  }

  // ---------------------------------------------------------------- inventory
  program
    .command('inventory')
    .description('inventory counters')
    .command('show')
    .description(
      'show onHand, held, released, shipped and available (= onHand - held - released) per sku and warehouse',
    )
    .option('--sku <sku>', 'only this sku')
    .addHelpText('after', example('clearance inventory show', 'clearance inventory show --sku H20'))
    .action(act((ctx, opts: { sku?: string }) => inventoryShow(ctx, opts)));

  // ---------------------------------------------------------------- reconcile
  program
    .command('reconcile')
    .description(
      "check invariants I1-I3 over all tables; with --fix, repair Inventory counters and licenses' releasedQuantity",
    )
    .option('--fix', 'repair counters to the values recomputed from the shipments (asks first)')
    .option('--yes', 'do not ask before --fix writes (needed when stdin is not a terminal)')
    .option('--force', 'fix even while the system still has work in flight')
    .addHelpText(
      'after',
      `\nEach write is conditional on the value read, then everything is checked again. Statuses are never changed.\n${example(
        'clearance reconcile',
        'clearance reconcile --fix',
        'clearance reconcile --fix --yes --json',
      )}`,
    )
    .action(act((ctx, opts: { fix?: boolean; yes?: boolean; force?: boolean }) => reconcile(ctx, opts)));

  // ---------------------------------------------------------------- dlq
  const dlq = program
    .command('dlq')
    .description('records the stream functions failed on (on-failure destinations)');
  const queueOption = () =>
    new Option('--queue <queue>', 'only this DLQ (default: both)').choices(Object.keys(QUEUE_NAMES));
  dlq
    .command('list')
    .description(
      'show failed record ranges: which stream, which records, when and why (messages stay in the queue)',
    )
    .addOption(queueOption())
    .option('--max <n>', 'read at most this many messages per queue', positive, 100)
    .addHelpText('after', example('clearance dlq list', 'clearance dlq list --queue shipment-events --json'))
    .action(act((ctx, opts: { queue?: string; max: number }) => dlqList(ctx, opts)));
  dlq
    .command('redrive')
    .description('read the failed records back from the stream and invoke the function with them again')
    .addOption(queueOption())
    .option('--max <n>', 'redrive at most this many messages per queue', positive, 100)
    .addHelpText(
      'after',
      `\nA message is deleted only when the function reports no failures. Records older than 24 hours are gone\nfrom the stream: for those, run \`clearance reconcile\`.\nOn AWS the deployed function is invoked; on a local stack the handler runs in this process.\n${example(
        'clearance dlq redrive',
        'clearance dlq redrive --queue license-events',
      )}`,
    )
    .action(act((ctx, opts: { queue?: string; max: number }) => dlqRedrive(ctx, opts)));

  // ---------------------------------------------------------------- subscriptions
  const protocolOption = () =>
    new Option(
      '--protocol <protocol>',
      'email: readable digests; sqs/https: one JSON message per shipment change',
    )
      .choices(PROTOCOLS)
      .makeOptionMandatory();
  const sub = program.command('subscribe').description('add a filtered notification subscription');
  sub
    .command('customer')
    .description("subscribe to one customer's notifications (always scoped to that customerId)")
    .requiredOption('--customer <customerId>', 'the customer whose notifications to receive (required)')
    .addOption(protocolOption())
    .requiredOption('--endpoint <endpoint>', 'email address, SQS queue ARN, or https:// URL (required)')
    .addHelpText(
      'after',
      example(
        'clearance subscribe customer --customer CUST-ACME --protocol email --endpoint buyer@acme.example',
        'clearance subscribe customer --customer CUST-ACME --protocol sqs --endpoint arn:aws:sqs:eu-west-1:123456789012:acme-shipments',
      ),
    )
    .action(
      act((ctx, opts: { customer: string; protocol: string; endpoint: string }) =>
        subscribeCustomer(ctx, opts),
      ),
    );
  sub
    .command('logistics')
    .description('subscribe a warehouse team (or, explicitly, every warehouse) to release and hold notices')
    .option('--warehouse <warehouseId>', 'the warehouse whose notices to receive (this or --all-warehouses)')
    .option('--all-warehouses', 'receive notices for every warehouse (must be asked for explicitly)')
    .addOption(protocolOption())
    .requiredOption('--endpoint <endpoint>', 'email address, SQS queue ARN, or https:// URL (required)')
    .addHelpText(
      'after',
      example(
        'clearance subscribe logistics --warehouse WH-AMS-1 --protocol sqs --endpoint arn:aws:sqs:eu-west-1:123456789012:wms-ams',
        'clearance subscribe logistics --all-warehouses --protocol email --endpoint dispatch@example.com',
      ),
    )
    .action(
      act((ctx, opts: { warehouse?: string; allWarehouses?: boolean; protocol: string; endpoint: string }) =>
        subscribeLogistics(ctx, opts),
      ),
    );
  program
    .command('unsubscribe')
    .description("remove a subscription from one of this stack's topics")
    .argument('<subscriptionArn>', 'as shown by `clearance subscriptions list`')
    .addHelpText(
      'after',
      example('clearance unsubscribe arn:aws:sns:eu-west-1:123456789012:Clearance-Customer:0b5c...'),
    )
    .action(act((ctx, arn: string) => unsubscribe(ctx, arn)));
  program
    .command('subscriptions')
    .description('subscriptions of the stack topics')
    .command('list')
    .description(
      'list subscriptions with their scope (customer / warehouse) and kind; email addresses are masked',
    )
    .addOption(new Option('--topic <topic>', 'only this audience').choices(['customer', 'logistics', 'ops']))
    .addHelpText(
      'after',
      example('clearance subscriptions list', 'clearance subscriptions list --topic customer --json'),
    )
    .action(act((ctx, opts: { topic?: string }) => subscriptionsList(ctx, opts)));

  for (const command of [program, ...allCommands(program)]) {
    command.configureHelp({ showGlobalOptions: true });
  }
  return program;
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
