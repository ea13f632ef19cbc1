/**
 * The subscribers of one workload: one SQS queue per customer and one per
 * warehouse, subscribed with the filter policies the project's subscribe
 * command sets (cli/subscriptions.ts: kind=shipment, one customerId or one
 * warehouseId, raw delivery). They are subscribed after the backlog was
 * accepted, so they receive only what the approval causes, and removed
 * (unsubscribed, deleted) after the measurement, so later workloads' topics
 * fan out to the same small set of subscriptions.
 *
 * The queues are drained as messages arrive (bench/drain.ts): the measured
 * process never holds the 2N messages, and the delivery check reads the
 * drainer's tallies.
 */
import { SubscribeCommand, UnsubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, DeleteQueueCommand } from '@aws-sdk/client-sqs';
import { planCustomerSubscription, planLogisticsSubscription } from '../cli/subscriptions.js';
import type { BenchContext } from './context.js';
import { installDrainer, type QueueTally, WorkloadDrain } from './drain.js';
import type { Workload } from './workload.js';

export interface SubscriberQueue {
  readonly audience: 'customer' | 'logistics';
  /** The customerId or warehouseId the subscription is scoped to. */
  readonly scope: string;
  readonly name: string;
  readonly url: string;
  readonly subscriptionArn: string;
  /** What the drainer took from this queue (bench/drain.ts). */
  readonly tally: QueueTally;
  /** The workload's drain (shared by its queues). */
  readonly drain: WorkloadDrain;
}

export interface DeliveryCheck {
  /** SHIPMENT_RELEASED messages in customer queues + in warehouse queues. */
  released: number;
  /** Distinct dedup keys among them, per audience (customer + logistics). */
  distinct: number;
  /** Problems: wrong scope, other event types, duplicates, missing. Empty when all is right. */
  problems: string[];
  /** Earliest and latest SentTimestamp (epoch ms) of customer messages, and latest of all. */
  firstCustomerAt: number | undefined;
  lastMessageAt: number | undefined;
}

export async function subscribeWorkload(ctx: BenchContext, w: Workload): Promise<SubscriberQueue[]> {
  const region = ctx.stack.endpoints.region;
  await installDrainer();
  const drain = new WorkloadDrain(w);
  const make = async (audience: 'customer' | 'logistics', scope: string): Promise<SubscriberQueue> => {
    const name = `bench-${scope}`;
    const { QueueUrl } = await ctx.sqs.send(new CreateQueueCommand({ QueueName: name }));
    const url = QueueUrl ?? '';
    // Drained from before it is subscribed: no message is ever stored in it.
    const tally = drain.drain(name, audience, scope);
    const endpoint = `arn:aws:sqs:${region}:000000000000:${name}`;
    const plan =
      audience === 'customer'
        ? planCustomerSubscription({ customerId: scope, protocol: 'sqs', endpoint }, ctx.topics)
        : planLogisticsSubscription(
            { warehouseId: scope, allWarehouses: false, protocol: 'sqs', endpoint },
            ctx.topics,
          );
    const out = await ctx.sns.send(
      new SubscribeCommand({
        TopicArn: plan.topicArn,
        Protocol: 'sqs',
        Endpoint: endpoint,
        Attributes: plan.attributes,
        ReturnSubscriptionArn: true,
      }),
    );
    return { audience, scope, name, url, subscriptionArn: out.SubscriptionArn ?? '', tally, drain };
  };
  const queues: SubscriberQueue[] = [];
  for (const c of w.customers) queues.push(await make('customer', c));
  for (const wh of w.warehouses) queues.push(await make('logistics', wh));
  return queues;
}

/**
 * SHIPMENT_RELEASED messages delivered to the queues so far: the drainer's
 * tally (no HTTP, no copy of the queues), cheap enough to poll every few
 * milliseconds without slowing what is measured.
 */
export function inProcessDepth(_ctx: BenchContext, queues: readonly SubscriberQueue[]): number {
  return queues[0]?.drain.depth() ?? 0;
}

/**
 * Checks what was delivered, from the drainer's tallies (bench/drain.ts):
 * exactly one SHIPMENT_RELEASED message per shipment in its customer's queue
 * and one in its warehouse's queue, nothing else, no message for another
 * customer or warehouse, and nothing left in a queue that the drainer did not
 * take.
 */
export function checkDeliveries(
  ctx: BenchContext,
  w: Workload,
  queues: readonly SubscriberQueue[],
): DeliveryCheck {
  const problems: string[] = [];
  let released = 0;
  let distinct = 0;
  let firstCustomerAt: number | undefined;
  let lastMessageAt: number | undefined;
  for (const q of queues) {
    const t = q.tally;
    problems.push(...t.problems.slice(0, Math.max(0, 20 - problems.length)).map((p) => `${q.name}: ${p}`));
    const left = ctx.stack.services.fauxqs.inspectQueue(q.name);
    if (!left) problems.push(`queue ${q.name} is missing`);
    else {
      const held = left.messages.ready.length + left.messages.delayed.length + left.messages.inflight.length;
      if (held > 0) problems.push(`queue ${q.name} holds ${held} message(s) the drainer did not take`);
    }
    released += t.released;
    if (t.audience === 'customer' && t.firstSentAt !== undefined)
      firstCustomerAt = Math.min(firstCustomerAt ?? t.firstSentAt, t.firstSentAt);
    if (t.lastSentAt !== undefined) lastMessageAt = Math.max(lastMessageAt ?? t.lastSentAt, t.lastSentAt);
  }
  const drain = queues[0]?.drain;
  for (const audience of ['customer', 'logistics'] as const) {
    const seen = drain?.coverage(audience) ?? { distinct: 0, duplicated: 0 };
    distinct += seen.distinct;
    if (seen.distinct !== w.n)
      problems.push(`${audience}: ${seen.distinct} distinct shipments notified, expected ${w.n}`);
    if (seen.duplicated > 0)
      problems.push(`${audience}: ${seen.duplicated} shipments notified more than once`);
  }
  return { released, distinct, problems, firstCustomerAt, lastMessageAt };
}

export async function removeSubscribers(
  ctx: BenchContext,
  queues: readonly SubscriberQueue[],
): Promise<void> {
  for (const q of queues) {
    await ctx.sns.send(new UnsubscribeCommand({ SubscriptionArn: q.subscriptionArn }));
    await ctx.sqs.send(new DeleteQueueCommand({ QueueUrl: q.url }));
    q.drain.release(q.name);
  }
}
