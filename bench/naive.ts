/**
 * The naive peer: the same end state reached the way a straightforward
 * implementation would, one shipment at a time. It is the reference the
 * benchmark compares clearance with; it lives here only and is never
 * deployed.
 *
 * Per license: one transaction approves it (status and appliedStatus, so the
 * system's handlers, when they later read these records, see a settled
 * license, with the decision and its History entry as the system records
 * one). Then, one worker per license (`--naive-concurrency`, default 5,
 * as one invocation per license record would; 1 = one after another), page through the license's held index (200 a page) and,
 * per shipment, in order:
 *
 * 1. a conditional UpdateItem on the shipment (the same attributes the
 *    release writes: RELEASED, countedStatus, releasedAt, the GSI move,
 *    revision + 1, changedBy, changedAt, decision; condition HELD/HELD/license);
 * 2. a conditional PutItem of its History entry (the entry shipment-events
 *    makes of that change, `attribute_not_exists(entryId)`), so that the
 *    record is part of the timed work as it is for clearance;
 * 3. an UpdateItem on the Inventory counter (ADD held −q, released +q);
 * 4. an UpdateItem on the license (ADD releasedQuantity q, conditional on
 *    the authorized quantity);
 * 5. a Publish to the customer's topic and 6. a Publish to the logistics
 *    topic, with the same message and attributes clearance sends.
 *
 * The emulator is stopped meanwhile, so the real handlers neither compete
 * for the CPU nor react to the naive writes; it is restarted afterwards and
 * drained (not timed) before the next measurement. Its shipment records then
 * look like committed releases to shipment-events, which announces them
 * again, to topics no one subscribes to any more, and finds their History
 * entries already written.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  DynamoDBDocumentClient,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { customerTopicFor } from '../cli/subscriptions.js';
import { countCalls } from '../local/call-counter.js';
import type { Caller } from '../local/gateway/gateway.js';
import { historyPut } from '../shared/adapters/dynamo/history-repository.js';
import { DynamoShipmentRepository } from '../shared/adapters/dynamo/shipment-repository.js';
import { licenseEntry, shipmentEntry } from '../shared/domain/history.js';
import { detectChange, shipmentMessage } from '../shared/domain/notifications.js';
import type { OutgoingMessage, RawItem } from '../shared/domain/ports.js';
import { SYSTEM_ACTOR } from '../shared/names.js';
import { type CallReport, callReport } from './clearance.js';
import { type BenchContext, collectGarbage, fmt, releaseState, timeCalls } from './context.js';
import { type MemoryReport, sampleMemory } from './memory.js';
import { checkReleasedState, seedAccepted } from './seed.js';
import { checkDeliveries, inProcessDepth, removeSubscribers, subscribeWorkload } from './subscribers.js';
import { releaseUpdate, type Workload } from './workload.js';

export interface NaiveResult {
  kind: 'naive';
  tag: string;
  n: number;
  /** Approval → all RELEASED, counters final, 2N messages in the queues. */
  ms: number;
  firstCustomerMs: number | undefined;
  /** The naive peer's own AWS calls. */
  calls: CallReport;
  /** Wall time spent waiting on each operation. */
  callTimes: Record<string, { calls: number; ms: number; meanMs: number }>;
  /** Shipments whose conditional update failed (none expected). */
  skipped: number;
  /** Licenses released at once. */
  concurrency: number;
  memory: MemoryReport;
  seedMs: number;
  problems: string[];
}

/**
 * The naive approval: the license's status and applied status, and its
 * decision on the record as the system keeps one (`lastDecision`,
 * `appliedChanges` + 1, the LICENSE_APPROVED History entry, in one
 * transaction), so the store it leaves holds I6 as clearance's does.
 */
function naiveApproval(ctx: { tables: { licenses: string; history: string } }, licenseId: string) {
  const by = 'compliance@console';
  const reason = 'BIS license granted';
  const at = new Date().toISOString();
  const decision = {
    eventType: 'LICENSE_APPROVED' as const,
    actor: by,
    reason,
    at,
    updatedBy: by,
    statusReason: reason,
  };
  const entry = licenseEntry({
    licenseId,
    decision,
    previous: undefined,
    token: `naive-${at}`,
    status: 'APPROVED',
    previousStatus: 'PENDING',
  });
  return {
    TransactItems: [
      {
        Update: {
          TableName: ctx.tables.licenses,
          Key: { licenseId },
          UpdateExpression:
            'SET #s = :a, appliedStatus = :a, statusReason = :r, updatedBy = :b, lastDecision = :d ADD appliedChanges :one',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':a': 'APPROVED', ':r': reason, ':b': by, ':d': decision, ':one': 1 },
        },
      },
      { Put: historyPut(ctx.tables.history, entry) },
    ],
  };
}

let clients: { ddb: DynamoDBDocumentClient; sns: SNSClient } | undefined;
/** The access key the peer's requests carry, so the gateway can count them apart (DynamoDB Local accepts only letters and digits). */
const NAIVE_KEY = 'NAIVEPEERLOCAL';
/** Clients built like the handlers' (functions/runtime.ts), but the peer's own. */
function naiveClients() {
  const credentials = { accessKeyId: NAIVE_KEY, secretAccessKey: 'local' };
  clients ??= {
    ddb: DynamoDBDocumentClient.from(new DynamoDBClient({ credentials }), {
      marshallOptions: { removeUndefinedValues: true },
    }),
    sns: new SNSClient({ credentials }),
  };
  return clients;
}
const isNaive = (caller: Caller) => caller.accessKeyId === NAIVE_KEY;

const attributes = (m: OutgoingMessage) =>
  Object.fromEntries(
    Object.entries(m.attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
  );

/** Releases the workload's backlog one shipment at a time. */
async function releaseNaively(
  ctx: BenchContext,
  w: Workload,
  progress: () => void,
  concurrency: number,
): Promise<{ skipped: number; problems: string[] }> {
  const { ddb, sns } = naiveClients();
  const held = new DynamoShipmentRepository(ddb, { shipments: ctx.tables.shipments });
  const problems: string[] = [];
  let skipped = 0;
  for (const l of w.licenses) await ddb.send(new TransactWriteCommand(naiveApproval(ctx, l.licenseId)));
  const releaseLicense = async (l: Workload['licenses'][number]) => {
    let after: string | undefined;
    for (;;) {
      // The held index as clearance reads it: every key of the license, merged in hold order.
      const page = await held.page('held', l.licenseId, after, 200);
      const { items } = page;
      for (const item of items) {
        const shipmentId = String(item.shipmentId);
        const quantity = Number(item.quantity);
        const releasedAt = new Date().toISOString();
        let updated: RawItem | undefined;
        try {
          const out = await ddb.send(
            new UpdateCommand({
              ...releaseUpdate(
                ctx.tables.shipments,
                {
                  shipmentId,
                  licenseId: l.licenseId,
                  ...(typeof item.value === 'number' ? { value: item.value } : {}),
                },
                releasedAt,
              ),
              ReturnValues: 'ALL_NEW',
            }),
          );
          updated = out.Attributes as RawItem | undefined;
        } catch (error) {
          if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
          skipped++;
          continue;
        }
        const change = detectChange(item, updated, releasedAt);
        if (!change || !updated) {
          problems.push(`${shipmentId}: the update did not look like a committed change`);
          continue;
        }
        await ddb.send(
          new PutCommand(historyPut(ctx.tables.history, shipmentEntry(change, updated, releasedAt))),
        );
        await ddb.send(
          new UpdateCommand({
            TableName: ctx.tables.inventory,
            Key: { sku: item.sku, warehouseId: item.warehouseId },
            UpdateExpression: 'ADD #h :minus, #r :plus',
            ConditionExpression: 'attribute_exists(#s)',
            ExpressionAttributeNames: { '#h': 'held', '#r': 'released', '#s': 'sku' },
            ExpressionAttributeValues: { ':minus': -quantity, ':plus': quantity },
          }),
        );
        await ddb.send(
          new UpdateCommand({
            TableName: ctx.tables.licenses,
            Key: { licenseId: l.licenseId },
            UpdateExpression: 'ADD #rq :q SET #by = :by',
            ConditionExpression: 'attribute_not_exists(#rq) OR #rq <= :max',
            ExpressionAttributeNames: { '#rq': 'releasedQuantity', '#by': 'changedBy' },
            ExpressionAttributeValues: {
              ':q': quantity,
              ':by': SYSTEM_ACTOR,
              ':max': l.authorizedQuantity - quantity,
            },
          }),
        );
        const customer = shipmentMessage(change, 'customer');
        const logistics = shipmentMessage(change, 'logistics');
        await sns.send(
          new PublishCommand({
            TopicArn: customerTopicFor(ctx.topics, change.customerId),
            Message: customer.body,
            MessageAttributes: attributes(customer),
          }),
        );
        await sns.send(
          new PublishCommand({
            TopicArn: ctx.topics.logistics,
            Message: logistics.body,
            MessageAttributes: attributes(logistics),
          }),
        );
      }
      progress();
      if (page.next === undefined) break;
      after = page.next;
    }
  };
  // `--naive-concurrency` licenses at once (default: all five, as one invocation per license would).
  let next = 0;
  const worker = async () => {
    for (let l = w.licenses[next++]; l !== undefined; l = w.licenses[next++]) await releaseLicense(l);
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return { skipped, problems };
}

export async function measureNaive(
  ctx: BenchContext,
  w: Workload,
  opts: { label: string; concurrency: number },
): Promise<NaiveResult> {
  const seed = await seedAccepted(ctx, w);
  const queues = await subscribeWorkload(ctx, w);
  const counter = countCalls(ctx.stack.gateway, isNaive);
  const timer = timeCalls(ctx.stack.gateway, isNaive);
  await ctx.stack.esm.stop();
  try {
    collectGarbage();
    await ctx.profiler?.start();
    const memory = sampleMemory(ctx.stack.services.dynamoDbPid);
    const t0 = Date.now();
    let lastProgress = t0;
    const result = await releaseNaively(
      ctx,
      w,
      () => {
        if (Date.now() - lastProgress < 2_000) return;
        lastProgress = Date.now();
        ctx.log(
          `  ${opts.label}: ${((Date.now() - t0) / 1000).toFixed(1)} s, ${fmt(counter.counts['SNS.Publish'] ?? 0)}/${fmt(2 * w.n)} messages published`,
        );
      },
      opts.concurrency,
    );
    // The same end condition as clearance's; everything was written synchronously, so one look suffices.
    const state = await releaseState(ctx, w);
    const depth = inProcessDepth(ctx, queues);
    const done = Date.now();
    const mem = memory.stop();
    await ctx.profiler?.stop(opts.label);
    const calls = callReport({ ...counter.counts }, w.n);
    const callTimes = Object.fromEntries(
      Object.entries(timer.times)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [
          k,
          { calls: v.calls, ms: Math.round(v.ms), meanMs: Math.round((v.ms / v.calls) * 10) / 10 },
        ]),
    );
    const problems = [...result.problems];
    if (!state.licensesFinal || !state.countersFinal)
      problems.push('licenses or counters not final at the end');
    if (depth !== 2 * w.n) problems.push(`${depth} messages in the queues at the end, expected ${2 * w.n}`);
    const deliveries = checkDeliveries(ctx, w, queues);
    problems.push(...(await checkReleasedState(ctx, w)), ...deliveries.problems);
    if (deliveries.released !== 2 * w.n)
      problems.push(`${deliveries.released} SHIPMENT_RELEASED messages delivered, expected ${2 * w.n}`);
    return {
      kind: 'naive',
      tag: w.tag,
      n: w.n,
      ms: done - t0,
      firstCustomerMs: deliveries.firstCustomerAt === undefined ? undefined : deliveries.firstCustomerAt - t0,
      calls,
      callTimes,
      skipped: result.skipped,
      concurrency: opts.concurrency,
      memory: mem,
      seedMs: seed.ms,
      problems,
    };
  } finally {
    counter.detach();
    timer.detach();
    await removeSubscribers(ctx, queues);
    await ctx.stack.esm.start();
    // The handlers now read the naive writes: they write nothing, and announce the releases again to topics
    // no one subscribes to any more. Let them finish before the next measurement.
    await ctx.stack.drain({ timeoutMs: ctx.timeoutMs(w.n) });
  }
}
