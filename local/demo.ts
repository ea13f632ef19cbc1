/**
 * `npm start`: the license-approval story end to end on the local stack, with
 * the real handlers. Seeds 900,000 H20 units in three warehouses, six
 * customers with PENDING licenses (one limited by value too) and a backlog of
 * held shipments with their values; then acts as the admin in the console
 * (UpdateItem on Licenses): simulates the first approval, approves four
 * licenses, denies one, makes one illegal edit; after the releases the
 * license clock ticks (one license expires within 30 days: LICENSE_EXPIRING),
 * then the admin suspends one and enters an amendment that raises an
 * exhausted license's quantity. Prints a report and exits 0 only if every
 * invariant and check holds.
 *
 * The parts, in local/demo/: run.ts (the scenario on any local stack),
 * scenario.ts (the cast and what the scenario acts with), subscribers.ts,
 * seed.ts, admin.ts (the admin's edits), simulation.ts (`license simulate`
 * and its check), progress.ts (waiting for the stack), report.ts, history.ts
 * (a license's History excerpt), compliance.ts (drawdown and expiry notices)
 * and checks.ts (PASS/FAIL).
 */

import { parseArgs } from 'node:util';
import { playScenario, scenarioOn } from './demo/run.js';
import { LocalServicesError } from './services.js';
import { type StandaloneLocalStack, startLocalStack } from './stack.js';
import { describeStack } from './stack-json.js';

const USAGE = `Usage: npm start -- [options]

Plays the license-approval scenario on a local AWS stack (DynamoDB Local +
fauxqs) with the real handlers, then reports and checks the invariants.

Options:
  --shipments N       held shipments in the backlog (default 2000)
  --seed N            random seed; the same seed gives the same run (default 42)
  --keep              leave the stack running afterwards (prints its JSON; Ctrl-C stops)
  -h, --help          show this help

Exit code: 0 if every invariant holds, 1 if not, 2 if the stack could not start.`;

function fail(message: string, code = 2): never {
  process.stderr.write(`npm start: ${message}\n`);
  process.exit(code);
}

function options() {
  try {
    const { values } = parseArgs({
      options: {
        shipments: { type: 'string' },
        seed: { type: 'string' },
        keep: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      process.stderr.write(`${USAGE}\n`);
      process.exit(0);
    }
    const shipments = Number(values.shipments ?? 2000);
    const seed = Number(values.seed ?? 42);
    if (!Number.isInteger(shipments) || shipments < 1 || shipments > 200_000) {
      fail(`--shipments must be a whole number from 1 to 200000, got "${values.shipments}"`);
    }
    if (!Number.isInteger(seed)) fail(`--seed must be a whole number, got "${values.seed}"`);
    return { shipments, seed, keep: values.keep ?? false };
  } catch (error) {
    fail(`${(error as Error).message}\n\n${USAGE}`);
  }
}

/** Starts the services and the stack; exits with code 2 when they cannot start. */
async function startStack(): Promise<StandaloneLocalStack> {
  try {
    return await startLocalStack({
      prefix: 'scenario',
      schedules: { speedUp: 1 },
      environmentOverrides: { POWERTOOLS_LOG_LEVEL: 'WARN' },
    });
  } catch (error) {
    if (error instanceof LocalServicesError) fail(error.message);
    fail(
      `the local stack could not be created: ${(error as Error).message}\nRun \`npm run synth\` to see synthesis errors.`,
    );
  }
}

/** --keep: prints the stack's JSON and waits for Ctrl-C (or SIGTERM). */
async function keepRunning(
  stack: StandaloneLocalStack,
  out: (text: string) => void,
  log: (line: string) => void,
) {
  out(`${JSON.stringify(describeStack(stack, stack.services.dynamoDbPid))}\n`);
  log('--keep: the stack stays up; Ctrl-C stops it.');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

async function main(): Promise<void> {
  const opts = options();
  const began = Date.now();
  const log = (line: string) => process.stderr.write(`${line}\n`);
  // Handler logs are JSON lines for CloudWatch; here they would drown the story.
  const out = process.stdout.write.bind(process.stdout);
  process.stdout.write = (() => true) as typeof process.stdout.write;

  log(`clearance scenario: ${opts.shipments} held shipments, seed ${opts.seed}`);
  log('Starting DynamoDB Local and fauxqs, creating the stack from the synthesized CDK template...');
  const stack = await startStack();
  const scenario = scenarioOn(stack, log);
  let exitCode = 1;
  try {
    const played = await playScenario(scenario, opts);
    const lines = [
      ...played.lines,
      '',
      `${played.ok ? 'PASS' : 'FAIL'}: scenario finished in ${((Date.now() - began) / 1000).toFixed(1)} s`,
    ];
    out(`${lines.join('\n')}\n`);
    exitCode = played.ok ? 0 : 1;
    if (opts.keep) await keepRunning(stack, out, log);
  } finally {
    await stack.stop();
  }
  process.exit(exitCode);
}

await main();
