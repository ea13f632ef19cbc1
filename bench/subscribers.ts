/**
 * The subscribers of one workload: one SQS queue per customer and one per
 * warehouse, subscribed with the filter policies the project's subscribe
 * command sets (cli/subscriptions.ts: kind=shipment, one customerId or one
 * warehouseId, raw delivery). They are subscribed after the backlog was
 * accepted, so they receive only what the approval causes, and removed
 * (unsubscribed, deleted) after the measurement, so later workloads' topics
 * fan out to the same small set of subscriptions.
 */
import { SubscribeCommand, UnsubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, DeleteQueueCommand } from '@aws-sdk/client-sqs';
import { planCustomerSubscription, planLogisticsSubscription } from '../cli/subscriptions.js';
import type { BenchContext } from './context.js';
import type { Workload } from './workload.js';

export interface SubscriberQueue {
  readonly audience: 'customer' | 'logistics';
  /** The customerId or warehouseId the subscription is scoped to. */
  readonly scope: string;
  readonly name: string;
  readonly url: string;
  readonly subscriptionArn: string;
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
  const make = async (audience: 'customer' | 'logistics', scope: string): Promise<SubscriberQueue> => {
    const name = `bench-${scope}`;
    const { QueueUrl } = await ctx.sqs.send(new CreateQueueCommand({ QueueName: name }));
    const url = QueueUrl ?? '';
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
    return { audience, scope, name, url, subscriptionArn: out.SubscriptionArn ?? '' };
  };
  const queues: SubscriberQueue[] = [];
  for (const c of w.customers) queues.push(await make('customer', c));
  for (const wh of w.warehouses) queues.push(await make('logistics', wh));
  return queues;
}

/**
 * Messages waiting in the queues, read in process from fauxqs (what
 * ApproximateNumberOfMessages reports, without an HTTP round trip): cheap
 * enough to poll every few milliseconds without slowing what is measured.
 */
export function inProcessDepth(ctx: BenchContext, queues: readonly SubscriberQueue[]): number {
  let depth = 0;
  for (const q of queues) depth += ctx.stack.services.fauxqs.inspectQueue(q.name)?.messages.ready.length ?? 0;
  return depth;
}

/**
 * Checks what the queues hold, without receiving (fauxqs' in-process
 * inspection: reading 2N messages 10 at a time would take longer than the
 * release): exactly one SHIPMENT_RELEASED message per shipment in its
 * customer's queue and one in its warehouse's queue, nothing else, and no
 * message for another customer or warehouse.
 */
export function checkDeliveries(
  ctx: BenchContext,
  w: Workload,
  queues: readonly SubscriberQueue[],
): DeliveryCheck {
  const problems: string[] = [];
  const expected = new Map<string, { customerId: string; warehouseId: string }>();
  for (const s of w.shipments)
    expected.set(s.shipmentId, { customerId: s.customerId, warehouseId: s.warehouseId });
  let released = 0;
  let distinct = 0;
  let firstCustomerAt: number | undefined;
  let lastMessageAt: number | undefined;
  for (const audience of ['customer', 'logistics'] as const) {
    const seen = new Set<string>();
    for (const q of queues.filter((x) => x.audience === audience)) {
      const inspected = ctx.stack.services.fauxqs.inspectQueue(q.name);
      if (!inspected) {
        problems.push(`queue ${q.name} is missing`);
        continue;
      }
      const all = [
        ...inspected.messages.ready,
        ...inspected.messages.delayed,
        ...inspected.messages.inflight.map((f) => f.message),
      ];
      for (const m of all) {
        const attr = (k: string) => m.messageAttributes[k]?.StringValue;
        if (attr('eventType') !== 'SHIPMENT_RELEASED' || attr('kind') !== 'shipment') {
          if (problems.length < 20)
            problems.push(`${q.name}: unexpected ${attr('kind')} ${attr('eventType')}`);
          continue;
        }
        released++;
        const body = JSON.parse(m.body) as { shipmentId?: string; dedupKey?: string };
        const key = attr('dedupKey') ?? body.dedupKey ?? '';
        if (seen.has(key)) {
          if (problems.length < 20) problems.push(`${q.name}: duplicate ${key}`);
        } else seen.add(key);
        const owner = expected.get(body.shipmentId ?? '');
        const scoped =
          owner && (audience === 'customer' ? owner.customerId === q.scope : owner.warehouseId === q.scope);
        const attrScope = audience === 'customer' ? attr('customerId') : attr('warehouseId');
        if (!scoped || attrScope !== q.scope) {
          if (problems.length < 20) problems.push(`${q.name}: message for ${body.shipmentId} (${attrScope})`);
        }
        if (audience === 'customer' && (firstCustomerAt === undefined || m.sentTimestamp < firstCustomerAt))
          firstCustomerAt = m.sentTimestamp;
        if (lastMessageAt === undefined || m.sentTimestamp > lastMessageAt) lastMessageAt = m.sentTimestamp;
      }
    }
    distinct += seen.size;
    if (seen.size !== w.n)
      problems.push(`${audience}: ${seen.size} distinct shipments notified, expected ${w.n}`);
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
  }
}
