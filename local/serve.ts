/**
 * `npm run stack`: serves the local stack to any AWS client. Prints exactly one
 * JSON line on stdout (see StackDescription), logs to stderr, runs the stream
 * pollers and the clock until SIGINT or SIGTERM, then stops everything.
 */
import { parseArgs } from 'node:util';
import { assertPortFree, LocalServicesError } from './services.js';
import { startLocalStack } from './stack.js';
import { describeStack } from './stack-json.js';

const USAGE = `Usage: npm run stack -- [options]

Starts DynamoDB Local and fauxqs, creates every resource of the synthesized
CDK template, and runs the real handlers on the streams and the clock.
Prints one JSON line on stdout with the endpoints and resource names; point
any AWS SDK or CLI at them (any credentials, the printed region).

Options:
  --port N            port of the stack's request gateway, every client's endpoint (default: a free port)
  --port-dynamodb N   port for DynamoDB Local, behind the gateway (default: a free port)
  --port-sns N        port for SNS and SQS (fauxqs), behind the gateway (default: a free port)
  --clock-speedup N   run license-clock N times as often as its schedule (default 1)
  -h, --help          show this help`;

function fail(message: string, code = 2): never {
  process.stderr.write(`npm run stack: ${message}\n`);
  process.exit(code);
}

function port(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    fail(`${flag} must be a port number from 1 to 65535, got "${value}"`);
  return n;
}

async function main(): Promise<void> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string' },
        'port-dynamodb': { type: 'string' },
        'port-sns': { type: 'string' },
        'clock-speedup': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    fail(`${(error as Error).message}\n\n${USAGE}`);
  }
  if (values.help) {
    process.stderr.write(`${USAGE}\n`);
    return;
  }
  const speedUp = Number(values['clock-speedup'] ?? 1);
  if (!(speedUp >= 1)) fail(`--clock-speedup must be a number ≥ 1, got "${String(values['clock-speedup'])}"`);
  const gatewayPort = port(values.port as string | undefined, '--port');
  const dynamodbPort = port(values['port-dynamodb'] as string | undefined, '--port-dynamodb');
  const snsPort = port(values['port-sns'] as string | undefined, '--port-sns');
  // Up front, before the services start: a busy gateway port would otherwise fail the stack's creation
  // at the end, with a message about synthesis. DynamoDB Local's and fauxqs's ports are checked as they start.
  if (gatewayPort !== undefined) {
    try {
      await assertPortFree(gatewayPort, "the stack's request gateway", '--port');
    } catch (error) {
      fail(error instanceof LocalServicesError ? error.message : (error as Error).message);
    }
  }

  // Handlers log JSON to stdout (as on Lambda); here stdout carries only the one description line.
  const writeOut = process.stdout.write.bind(process.stdout);
  process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;

  process.stderr.write('Starting DynamoDB Local and fauxqs, synthesizing the CDK template...\n');
  let stack: Awaited<ReturnType<typeof startLocalStack>>;
  try {
    stack = await startLocalStack({
      ...(gatewayPort === undefined ? {} : { port: gatewayPort }),
      ...(dynamodbPort === undefined ? {} : { dynamodbPort }),
      ...(snsPort === undefined ? {} : { snsPort }),
      prefix: 'clearance',
      schedules: { speedUp },
    });
  } catch (error) {
    if (error instanceof LocalServicesError) fail(error.message);
    fail(
      `the local stack could not be created: ${(error as Error).message}\n` +
        'If the CDK app failed to synthesize, run `npm run synth` to see the full error.',
    );
  }
  writeOut(`${JSON.stringify(describeStack(stack, stack.services.dynamoDbPid))}\n`);
  for (const note of stack.resources.notes) process.stderr.write(`note: ${note}\n`);
  process.stderr.write('Local stack ready. Stream pollers and the clock are running; Ctrl-C stops.\n');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${signal}: stopping...\n`);
    await stack.stop();
    process.stderr.write('Stopped.\n');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  // If whatever started us goes away without a signal reaching us (a wrapper
  // that does not forward it), stop too rather than serve forever.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) void stop('parent exited');
  }, 1000);
}

await main();
