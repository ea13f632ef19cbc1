/**
 * The scenario's subscribers: a queue per customer and per warehouse,
 * subscribed through `clearance subscribe`'s own plans (the filter policies
 * it would set), a customer's and each warehouse's email digests on queues
 * (email stand-ins), and ops.
 */
import { SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import { planCustomerSubscription, planLogisticsSubscription } from '../../cli/subscriptions.js';
import { CUSTOMERS, type Scenario, WAREHOUSES } from './scenario.js';

/** A subscriber queue and the messages collected from it so far. */
export interface Queue {
  name: string;
  url: string;
  messages: { body: string; attributes: Record<string, string> }[];
}

/** Every subscriber queue, in subscription order, with the digest and ops queues among them. */
export interface Subscribers {
  readonly queues: Queue[];
  readonly digest: Queue;
  /** Each warehouse's email digests (logistics), by warehouseId. */
  readonly logisticsDigests: ReadonlyMap<string, Queue>;
  readonly ops: Queue;
}

/** An ops alert as read from the ops queue (an SNS envelope: no raw delivery). */
export interface OpsMessage {
  subject: string;
  message: string;
  /** The alert's message attributes (kind, severity, alertType, licenseId), from the envelope. */
  attributes: Record<string, string>;
}

/** Reads an ops queue message's SNS envelope: subject, text and message attributes. */
export function opsMessage(m: Queue['messages'][number]): OpsMessage {
  const envelope = JSON.parse(m.body) as {
    Subject?: string;
    Message?: string;
    MessageAttributes?: Record<string, { Value?: string }>;
  };
  const attributes = { ...m.attributes };
  for (const [k, v] of Object.entries(envelope.MessageAttributes ?? {}))
    if (typeof v?.Value === 'string') attributes[k] = v.Value;
  return { subject: envelope.Subject ?? '', message: envelope.Message ?? '', attributes };
}

/** A subscriber queue's name: under the stack's prefix, so a test's stack on shared services has its own. */
const queueName = ({ stack }: Scenario, name: string) => `${stack.resources.prefix}-${name}`;

async function subscribe(
  scenario: Scenario,
  queues: Queue[],
  name: string,
  topicArn: string,
  attributes: Record<string, string>,
): Promise<Queue> {
  const { sns, sqs } = scenario;
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: queueName(scenario, name) }));
  const url = QueueUrl ?? '';
  const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] })))
    .Attributes?.QueueArn;
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
}

/** Subscribes every customer, every warehouse, CUST-ALPHA's and every warehouse's email digests, and ops. */
export async function subscribeAll(scenario: Scenario): Promise<Subscribers> {
  const r = scenario.stack.resources;
  const queues: Queue[] = [];
  const topics = {
    customer: r.topics.customer.arn,
    customerShards: r.topics.customerShards.map((t) => t.arn),
    logistics: r.topics.logistics.arn,
  };
  const sqsEndpoint = (name: string) =>
    `arn:aws:sqs:${scenario.stack.endpoints.region}:000000000000:${queueName(scenario, name)}`;
  for (const customerId of CUSTOMERS) {
    const plan = planCustomerSubscription(
      { customerId, protocol: 'sqs', endpoint: sqsEndpoint(customerId) },
      topics,
    );
    await subscribe(scenario, queues, customerId, plan.topicArn, plan.attributes);
  }
  for (const warehouseId of WAREHOUSES) {
    const plan = planLogisticsSubscription(
      { warehouseId, allWarehouses: false, protocol: 'sqs', endpoint: sqsEndpoint(warehouseId) },
      topics,
    );
    await subscribe(scenario, queues, warehouseId, plan.topicArn, plan.attributes);
  }
  // What an email subscriber of CUST-ALPHA would get (fauxqs cannot send email): the email plan's filter, on a queue.
  const emailPlan = planCustomerSubscription(
    { customerId: 'CUST-ALPHA', protocol: 'email', endpoint: 'buyer@alpha.example' },
    topics,
  );
  const digest = await subscribe(scenario, queues, 'CUST-ALPHA-email', emailPlan.topicArn, {
    ...emailPlan.attributes,
    RawMessageDelivery: 'true',
  });
  // Each warehouse's email digests (the LICENSE_EXPIRING ship-before list among them), likewise on a queue.
  const logisticsDigests = new Map<string, Queue>();
  for (const warehouseId of WAREHOUSES) {
    const plan = planLogisticsSubscription(
      {
        warehouseId,
        allWarehouses: false,
        protocol: 'email',
        endpoint: `shipping@${warehouseId.toLowerCase()}.example`,
      },
      topics,
    );
    logisticsDigests.set(
      warehouseId,
      await subscribe(scenario, queues, `${warehouseId}-email`, plan.topicArn, {
        ...plan.attributes,
        RawMessageDelivery: 'true',
      }),
    );
  }
  const ops = await subscribe(scenario, queues, 'ops', r.topics.ops.arn, {});
  return { queues, digest, logisticsDigests, ops };
}

/** Moves every message waiting in the subscriber queues into their `messages`. */
export async function collect({ sqs }: Scenario, queues: readonly Queue[]): Promise<void> {
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
}

/** Messages waiting in the stream mappings' on-failure queues. */
export async function dlqDepth({ stack, sqs }: Scenario): Promise<number> {
  const r = stack.resources;
  let depth = 0;
  for (const url of [r.dlqs.licenses.url, r.dlqs.shipments.url]) {
    const a = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    depth += Number(a.Attributes?.ApproximateNumberOfMessages ?? 0);
  }
  return depth;
}
