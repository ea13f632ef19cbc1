/**
 * `npm start`: the license-approval story end to end on the local stack, with
 * the real handlers. Seeds 900,000 H20 units in three warehouses, six
 * customers with PENDING licenses and a backlog of held shipments; then acts
 * as the admin in the console (UpdateItem on Licenses): approves four
 * licenses, denies one, makes one illegal edit, and after the releases
 * suspends one. Prints a report and exits 0 only if every invariant holds.
 */
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { BatchWriteCommand, DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { planCustomerSubscription, planLogisticsSubscription } from '../cli/subscriptions.js';
import {
  DynamoInventoryRepository,
  DynamoLicenseRepository,
  DynamoShipmentRepository,
} from '../shared/adapters/dynamo.js';
import { available, type License, type Shipment } from '../shared/domain/model.js';
import type { RawItem } from '../shared/domain/ports.js';
import { scanAndCheck } from '../shared/engine/invariant-checker.js';
import { mulberry32 } from './random.js';
import { LocalServicesError } from './services.js';
import { startLocalStack } from './stack.js';
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

const SKU = 'H20';
const WAREHOUSES = ['WH-AMS', 'WH-SIN', 'WH-DAL'] as const;
const CUSTOMERS = [
  'CUST-ALPHA',
  'CUST-BRAVO',
  'CUST-CHARLIE',
  'CUST-DELTA',
  'CUST-ECHO',
  'CUST-FOXTROT',
] as const;
const COUNTRIES = ['AE', 'SG', 'IN', 'SA', 'MY', 'VN'] as const;
const licenseIdOf = (i: number) => `LIC-H20-000${i + 1}`;

const rng = mulberry32;

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

/** A backlog of realistic orders: mostly small, a few large; priorities 1-5; requested over four months. */
function seedData(n: number, random: () => number) {
  const sizes = [8, 8, 16, 16, 16, 24, 32, 32, 48, 64, 96, 128, 256, 512];
  const start = Date.parse('2026-07-01T00:00:00.000Z');
  const shipments: Shipment[] = [];
  const demand = new Array<number>(CUSTOMERS.length).fill(0);
  for (let i = 0; i < n; i++) {
    const c = Math.min(CUSTOMERS.length - 1, Math.floor(random() ** 1.3 * CUSTOMERS.length));
    const quantity = sizes[Math.floor(random() * sizes.length)] ?? 8;
    demand[c] = (demand[c] ?? 0) + quantity;
    // One in 200 orders names the wrong customer for its license: it must stay HELD (LICENSE_MISMATCH).
    const mismatch = random() < 0.005;
    shipments.push({
      shipmentId: `SHP-${String(i + 1).padStart(6, '0')}`,
      licenseId: licenseIdOf(c),
      customerId: mismatch ? (CUSTOMERS[(c + 1) % CUSTOMERS.length] ?? 'CUST-X') : (CUSTOMERS[c] ?? 'CUST-X'),
      sku: SKU,
      warehouseId: WAREHOUSES[Math.floor(random() * WAREHOUSES.length)] ?? 'WH-AMS',
      quantity,
      priority: 1 + Math.floor(random() * 5),
      requestedAt: new Date(start + Math.floor(random() * 120 * 86_400_000)).toISOString(),
      status: 'HELD',
    });
  }
  // Some licenses cover their whole backlog, some only part of it, so some run out.
  const coverage = [1.2, 0.6, 1.0, 0.45, 0.8, 1.0];
  const licenses: License[] = CUSTOMERS.map((customerId, i) => ({
    licenseId: licenseIdOf(i),
    licenseNumber: `EAR-2026-${String(4711 + i * 37).padStart(6, '0')}`,
    customerId,
    sku: SKU,
    destinationCountry: COUNTRIES[i] ?? 'AE',
    authorizedQuantity: Math.max(8, Math.round((demand[i] ?? 0) * (coverage[i] ?? 1))),
    releasedQuantity: 0,
    status: 'PENDING',
    validFrom: '2026-01-01T00:00:00.000Z',
    validUntil: '2027-12-31T23:59:59.000Z',
  }));
  return { shipments, licenses };
}

interface Queue {
  name: string;
  url: string;
  messages: { body: string; attributes: Record<string, string> }[];
}

async function main(): Promise<void> {
  const opts = options();
  const began = Date.now();
  const random = rng(opts.seed);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  // Handler logs are JSON lines for CloudWatch; here they would drown the story.
  const out = process.stdout.write.bind(process.stdout);
  process.stdout.write = (() => true) as typeof process.stdout.write;

  log(`clearance scenario: ${opts.shipments} held shipments, seed ${opts.seed}`);
  log('Starting DynamoDB Local and fauxqs, creating the stack from the synthesized CDK template...');
  let stack: Awaited<ReturnType<typeof startLocalStack>>;
  try {
    stack = await startLocalStack({
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
  const r = stack.resources;
  const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const sns = new SNSClient({});
  const sqs = new SQSClient({});
  const tables = {
    licenses: r.tables.licenses.name,
    shipments: r.tables.shipments.name,
    inventory: r.tables.inventory.name,
  };
  const repos = {
    licenses: new DynamoLicenseRepository(ddb, tables.licenses),
    shipments: new DynamoShipmentRepository(ddb, tables),
    inventory: new DynamoInventoryRepository(ddb, tables.inventory),
  };
  let exitCode = 1;
  try {
    // Subscribers, through the subscribe command's own plans (the filter policies it would set).
    const queues: Queue[] = [];
    const subscribe = async (name: string, topicArn: string, attributes: Record<string, string>) => {
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `scenario-${name}` }));
      const url = QueueUrl ?? '';
      const arn = (
        await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))
      ).Attributes?.QueueArn;
      await sns.send(
        new SubscribeCommand({
          TopicArn: topicArn,
          Protocol: 'sqs',
          Endpoint: arn,
          Attributes: attributes,
          ReturnSubscriptionArn: true,
        }),
      );
      const queue: Queue = { name, url, messages: [] };
      queues.push(queue);
      return queue;
    };
    const topics = {
      customer: r.topics.customer.arn,
      customerShards: r.topics.customerShards.map((t) => t.arn),
      logistics: r.topics.logistics.arn,
    };
    const sqsEndpoint = (name: string) =>
      `arn:aws:sqs:${stack.endpoints.region}:000000000000:scenario-${name}`;
    for (const customerId of CUSTOMERS) {
      const plan = planCustomerSubscription(
        { customerId, protocol: 'sqs', endpoint: sqsEndpoint(customerId) },
        topics,
      );
      await subscribe(customerId, plan.topicArn, plan.attributes);
    }
    for (const warehouseId of WAREHOUSES) {
      const plan = planLogisticsSubscription(
        { warehouseId, allWarehouses: false, protocol: 'sqs', endpoint: sqsEndpoint(warehouseId) },
        topics,
      );
      await subscribe(warehouseId, plan.topicArn, plan.attributes);
    }
    // What an email subscriber of CUST-ALPHA would get (fauxqs cannot send email): the email plan's filter, on a queue.
    const emailPlan = planCustomerSubscription(
      { customerId: 'CUST-ALPHA', protocol: 'email', endpoint: 'buyer@alpha.example' },
      topics,
    );
    const digestQueue = await subscribe('CUST-ALPHA-email', emailPlan.topicArn, {
      ...emailPlan.attributes,
      RawMessageDelivery: 'true',
    });
    const opsQueue = await subscribe('ops', r.topics.ops.arn, {});

    const collect = async () => {
      for (const q of queues) {
        for (;;) {
          const page = await sqs.send(
            new ReceiveMessageCommand({
              QueueUrl: q.url,
              MaxNumberOfMessages: 10,
              MessageAttributeNames: ['All'],
            }),
          );
          const msgs = page.Messages ?? [];
          if (msgs.length === 0) break;
          for (const m of msgs) {
            const attributes = Object.fromEntries(
              Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue ?? '']),
            );
            q.messages.push({ body: m.Body ?? '', attributes });
          }
          await sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: q.url,
              Entries: msgs.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
            }),
          );
        }
      }
    };
    const dlqDepth = async () => {
      let depth = 0;
      for (const url of [r.dlqs.licenses.url, r.dlqs.shipments.url]) {
        const a = await sqs.send(
          new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }),
        );
        depth += Number(a.Attributes?.ApproximateNumberOfMessages ?? 0);
      }
      return depth;
    };

    // Seed: inventory, licenses, the backlog.
    const { shipments, licenses } = seedData(opts.shipments, random);
    const batchPut = async (table: string, items: readonly RawItem[]) => {
      for (let i = 0; i < items.length; i += 25) {
        let req: Record<string, unknown>[] | undefined = items
          .slice(i, i + 25)
          .map((Item) => ({ PutRequest: { Item } }));
        while (req && req.length > 0) {
          const res = await ddb.send(new BatchWriteCommand({ RequestItems: { [table]: req as never } }));
          req = res.UnprocessedItems?.[table] as Record<string, unknown>[] | undefined;
        }
      }
    };
    await batchPut(
      tables.inventory,
      WAREHOUSES.map((warehouseId) => ({
        sku: SKU,
        warehouseId,
        onHand: 300_000,
        held: 0,
        released: 0,
        shipped: 0,
      })),
    );
    await batchPut(tables.licenses, licenses);
    await batchPut(tables.shipments, shipments);
    log(
      `Seeded ${SKU}: 900,000 units in ${WAREHOUSES.join(', ')}; ${licenses.length} PENDING licenses; ${shipments.length} held shipments.`,
    );

    const progress = async (label: string) => {
      const tick = async () => {
        let released = 0;
        for (const l of licenses) {
          const item = await repos.licenses.get(l.licenseId);
          released += Number(item?.releasedQuantity ?? 0);
        }
        await collect();
        const notified = queues.reduce((n, q) => n + q.messages.length, 0);
        process.stderr.write(
          `\r  ${label}: ${released.toLocaleString('en-US')} units released | ${notified.toLocaleString('en-US')} messages delivered | DLQ ${await dlqDepth()}   `,
        );
      };
      let busy = false;
      const timer = setInterval(() => {
        if (busy) return;
        busy = true;
        void tick()
          .catch(() => undefined)
          .finally(() => {
            busy = false;
          });
      }, 700);
      try {
        await stack.drain({ timeoutMs: 300_000 });
      } finally {
        clearInterval(timer);
      }
      await tick();
      process.stderr.write('\n');
    };
    await progress('accepting the backlog');

    // The admin, in the console: one UpdateItem per decision.
    const consoleEdit = (licenseId: string, status: string, reason: string) =>
      ddb.send(
        new UpdateCommand({
          TableName: tables.licenses,
          Key: { licenseId },
          UpdateExpression: 'SET #s = :s, statusReason = :r, updatedBy = :b',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':s': status, ':r': reason, ':b': 'compliance@console' },
        }),
      );
    log(
      'Admin: approves LIC-H20-0001..0004, denies LIC-H20-0005, edits LIC-H20-0006 PENDING → SUSPENDED (illegal).',
    );
    for (let i = 0; i < 4; i++) await consoleEdit(licenseIdOf(i), 'APPROVED', 'BIS license granted');
    await consoleEdit(licenseIdOf(4), 'DENIED', 'End user on the Entity List');
    await consoleEdit(licenseIdOf(5), 'SUSPENDED', 'typo: meant to leave it pending');
    await progress('releasing');
    const rejected = await repos.licenses.get(licenseIdOf(5));
    log(`  LIC-H20-0006 statusError: ${String(rejected?.statusError ?? '(none)')}`);
    log('Admin: sets LIC-H20-0006 back to PENDING, then suspends LIC-H20-0002 (investigation opened).');
    await consoleEdit(licenseIdOf(5), 'PENDING', 'corrected');
    await consoleEdit(licenseIdOf(1), 'SUSPENDED', 'Investigation opened');
    await progress('re-holding');

    // Report.
    const check = await scanAndCheck(repos);
    const all: RawItem[] = [];
    for await (const page of repos.shipments.scan()) all.push(...page);
    await collect();
    const lines: string[] = [];
    const pad = (v: unknown, n: number) => String(v).padStart(n);
    lines.push(
      '',
      'Licenses',
      `  ${'license'.padEnd(14)} ${'status'.padEnd(10)} ${pad('authorized', 10)} ${pad('released', 9)}  held by reason`,
    );
    for (const l of licenses) {
      const item = await repos.licenses.get(l.licenseId);
      const held = new Map<string, number>();
      for (const s of all)
        if (s.licenseId === l.licenseId && s.status === 'HELD')
          held.set(String(s.holdReason), (held.get(String(s.holdReason)) ?? 0) + 1);
      const reasons = [...held].map(([k, v]) => `${k.replace('LICENSE_', '')} ${v}`).join(', ') || '-';
      lines.push(
        `  ${l.licenseId.padEnd(14)} ${String(item?.status).padEnd(10)} ${pad(l.authorizedQuantity.toLocaleString('en-US'), 10)} ${pad(Number(item?.releasedQuantity ?? 0).toLocaleString('en-US'), 9)}  ${reasons}`,
      );
    }
    lines.push(
      '',
      'Warehouses (H20)',
      `  ${'warehouse'.padEnd(10)} ${pad('onHand', 9)} ${pad('held', 8)} ${pad('released', 9)} ${pad('available', 10)}`,
    );
    for await (const page of repos.inventory.scan()) {
      for (const inv of page) {
        const i = {
          sku: String(inv.sku),
          warehouseId: String(inv.warehouseId),
          onHand: Number(inv.onHand),
          held: Number(inv.held),
          released: Number(inv.released),
          shipped: Number(inv.shipped ?? 0),
        };
        lines.push(
          `  ${i.warehouseId.padEnd(10)} ${pad(i.onHand.toLocaleString('en-US'), 9)} ${pad(i.held.toLocaleString('en-US'), 8)} ${pad(i.released.toLocaleString('en-US'), 9)} ${pad(available(i).toLocaleString('en-US'), 10)}`,
        );
      }
    }
    lines.push('', 'Subscriber queues');
    for (const q of queues) {
      const kinds = new Map<string, number>();
      for (const m of q.messages)
        kinds.set(m.attributes.kind ?? 'alert', (kinds.get(m.attributes.kind ?? 'alert') ?? 0) + 1);
      lines.push(
        `  ${q.name.padEnd(18)} ${pad(q.messages.length, 6)}  ${[...kinds].map(([k, v]) => `${k} ${v}`).join(', ')}`,
      );
    }
    const digestSample = digestQueue.messages[0];
    if (digestSample)
      lines.push(
        '',
        'An email digest CUST-ALPHA receives (first lines):',
        ...digestSample.body
          .split('\n')
          .slice(0, 6)
          .map((l) => `  | ${l}`),
      );
    lines.push('', 'Ops alerts');
    for (const m of opsQueue.messages) {
      const envelope = JSON.parse(m.body) as { Subject?: string; Message?: string };
      lines.push(
        `  - ${envelope.Subject ?? ''}`,
        ...(envelope.Message ?? '').split('\n').map((l) => `      ${l}`),
      );
    }

    // I4: every committed change reached its customer's and its warehouse's queue; no queue holds another's.
    const i4: string[] = [];
    const keysIn = (name: string) =>
      new Set(
        queues
          .find((q) => q.name === name)
          ?.messages.filter((m) => m.attributes.kind === 'shipment')
          .map((m) => m.attributes.dedupKey),
      );
    const byQueue = new Map<string, Set<string | undefined>>();
    for (const name of [...CUSTOMERS, ...WAREHOUSES]) byQueue.set(name, keysIn(name));
    for (const s of all) {
      for (let rev = 1; rev <= Number(s.revision ?? 0); rev++) {
        const key = `${String(s.shipmentId)}#r${rev}`;
        if (!byQueue.get(String(s.customerId))?.has(key))
          i4.push(`${key} missing for customer ${String(s.customerId)}`);
        if (!byQueue.get(String(s.warehouseId))?.has(key))
          i4.push(`${key} missing for warehouse ${String(s.warehouseId)}`);
      }
    }
    for (const customerId of CUSTOMERS) {
      const q = queues.find((x) => x.name === customerId);
      for (const m of q?.messages ?? [])
        if (m.attributes.customerId !== customerId)
          i4.push(`${customerId} received a message for ${m.attributes.customerId}`);
    }
    const dlq = await dlqDepth();
    lines.push('', 'Invariants');
    lines.push(
      `  I1-I3 (invariant checker over ${check.counts.shipments} shipments): ${check.violations.length === 0 ? 'hold' : `${check.violations.length} violation(s)`}`,
    );
    for (const v of check.violations.slice(0, 20))
      lines.push(`    ${v.invariant} ${JSON.stringify(v.key)}: ${v.message}`);
    lines.push(
      `  I4 (every change in its customer's and warehouse's queue, none in another's): ${i4.length === 0 ? 'holds' : `${i4.length} problem(s)`}`,
    );
    for (const p of i4.slice(0, 20)) lines.push(`    ${p}`);
    lines.push(`  I5 (DLQ depth ${dlq}; rejected edits alerted: ${opsQueue.messages.length})`);
    const requests = stack.requests();
    const limits = stack.refusals().filter((r) => r.kind === 'limit');
    lines.push(
      '',
      'What AWS would enforce (the local stack runs the cdk.out bundles behind its request gateway)',
    );
    lines.push(
      `  permissions: ${requests.judged.length} distinct requests judged against the synthesized IAM, topic, queue, key and trust policies; ${requests.denied.length} denied`,
    );
    for (const d of requests.denied.slice(0, 20)) lines.push(`    ${d.explanation}`);
    lines.push(`  limits: ${limits.length} request(s) refused`);
    for (const l of limits.slice(0, 20))
      lines.push(`    ${l.caller} ${l.service}.${l.operation}: ${l.message}`);
    const ok =
      check.violations.length === 0 &&
      i4.length === 0 &&
      dlq === 0 &&
      requests.denied.length === 0 &&
      limits.length === 0;
    lines.push(
      '',
      `${ok ? 'PASS' : 'FAIL'}: scenario finished in ${((Date.now() - began) / 1000).toFixed(1)} s`,
    );
    out(`${lines.join('\n')}\n`);
    exitCode = ok ? 0 : 1;

    if (opts.keep) {
      out(`${JSON.stringify(describeStack(stack, stack.services.dynamoDbPid))}\n`);
      log('--keep: the stack stays up; Ctrl-C stops it.');
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
    }
  } finally {
    await stack.stop();
  }
  process.exit(exitCode);
}

await main();
