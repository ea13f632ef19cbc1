/**
 * Notification test helpers: subscriptions made through the project's own
 * `clearance subscribe` command (run in-process against the file's local
 * stack), queues to receive them, the documented machine-message schema, and
 * the committed changes read independently from the Shipments stream.
 */
import { SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { expect } from 'vitest';
import { z } from 'zod';
import { EXIT } from '../../cli/errors.js';
import { runCli } from './cli.js';
import type { LocalStackHandle, ReceivedMessage } from './stack.js';

/** What `clearance --json subscribe ...` prints. */
const SubscribedSchema = z.object({
  subscriptionArn: z.string(),
  topicArn: z.string(),
  protocol: z.string(),
  endpoint: z.string(),
  filterPolicy: z.record(z.string(), z.array(z.string())),
  rawMessageDelivery: z.boolean(),
});
export type Subscribed = z.infer<typeof SubscribedSchema>;

async function subscribeWithCli(local: LocalStackHandle, args: readonly string[]): Promise<Subscribed> {
  const result = await runCli(local, ['--json', 'subscribe', ...args]);
  expect(result.stderr, `clearance subscribe ${args.join(' ')}`).not.toMatch(/^error:/m);
  expect(result.code).toBe(EXIT.ok);
  return SubscribedSchema.parse(JSON.parse(result.stdout));
}

/** A queue and what its subscription was made with. */
export interface TestQueue {
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly subscription: Subscribed;
  /** Receives (and deletes) every message currently in the queue. */
  receiveAll(): Promise<ReceivedMessage[]>;
}

let queues = 0;
async function createQueue(local: LocalStackHandle, label: string) {
  const name = `${local.resources.prefix}-${label}-${++queues}`.slice(0, 80);
  const created = await local.sqs.send(new CreateQueueCommand({ QueueName: name }));
  const queueUrl = created.QueueUrl ?? '';
  const attrs = await local.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  return { queueUrl, queueArn: attrs.Attributes?.QueueArn ?? '' };
}

/** Audience of a subscription: one customer, one warehouse, or every warehouse. */
export type Scope = { customer: string } | { warehouse: string } | { allWarehouses: true };

const scopeArgs = (scope: Scope): string[] =>
  'customer' in scope
    ? ['customer', '--customer', scope.customer]
    : 'warehouse' in scope
      ? ['logistics', '--warehouse', scope.warehouse]
      : ['logistics', '--all-warehouses'];

/**
 * A machine subscriber: a fresh SQS queue subscribed with
 * `clearance subscribe customer|logistics ... --protocol sqs --endpoint QUEUE_ARN`.
 */
export async function machineQueue(local: LocalStackHandle, scope: Scope): Promise<TestQueue> {
  const q = await createQueue(local, 'sqs');
  const subscription = await subscribeWithCli(local, [
    ...scopeArgs(scope),
    '--protocol',
    'sqs',
    '--endpoint',
    q.queueArn,
  ]);
  return { ...q, subscription, receiveAll: () => local.receiveAll(q.queueUrl) };
}

/** What an email subscriber would get: SNS's Subject and the message text. */
export interface EmailLike {
  readonly subject: string | null;
  readonly text: string;
  readonly attributes: Readonly<Record<string, string>>;
}

/**
 * Stands in for an email subscriber, which fauxqs cannot deliver to: runs
 * `clearance subscribe ... --protocol email`, then subscribes an SQS queue to
 * the same topic with exactly the filter policy and attributes that
 * subscription got (email has no raw delivery, so SQS receives the SNS
 * envelope and with it the `Subject` an email would carry).
 */
export async function emailStandIn(
  local: LocalStackHandle,
  scope: Scope,
): Promise<Omit<TestQueue, 'receiveAll'> & { receiveAll(): Promise<EmailLike[]> }> {
  const email = await subscribeWithCli(local, [
    ...scopeArgs(scope),
    '--protocol',
    'email',
    '--endpoint',
    `notify-${++queues}@example.com`,
  ]);
  expect(email.rawMessageDelivery).toBe(false);
  const q = await createQueue(local, 'email');
  await local.sns.send(
    new SubscribeCommand({
      TopicArn: email.topicArn,
      Protocol: 'sqs',
      Endpoint: q.queueArn,
      Attributes: {
        FilterPolicy: JSON.stringify(email.filterPolicy),
        FilterPolicyScope: 'MessageAttributes',
      },
      ReturnSubscriptionArn: true,
    }),
  );
  return {
    ...q,
    subscription: email,
    async receiveAll() {
      const raw = await local.receiveAll(q.queueUrl);
      return raw.map((m) => {
        const envelope = z
          .object({
            Type: z.literal('Notification'),
            Subject: z.string().nullable(),
            Message: z.string(),
            MessageAttributes: z
              .record(z.string(), z.object({ Type: z.string(), Value: z.string() }))
              .optional(),
          })
          .parse(JSON.parse(m.body));
        return {
          subject: envelope.Subject,
          text: envelope.Message,
          attributes: Object.fromEntries(
            Object.entries(envelope.MessageAttributes ?? {}).map(([k, v]) => [k, v.Value]),
          ),
        };
      });
    },
  };
}

const STATUS = z.enum(['HELD', 'RELEASED', 'SHIPPED', 'CANCELLED']);

/** `clearance.shipment-change.v1` exactly as docs/messages.md documents it. */
export const ShipmentMessageSchema = z
  .strictObject({
    schema: z.literal('clearance.shipment-change.v1'),
    dedupKey: z.string(),
    eventType: z.enum([
      'SHIPMENT_HELD',
      'SHIPMENT_RELEASED',
      'SHIPMENT_REHELD',
      'SHIPMENT_HOLD_UPDATED',
      'SHIPMENT_SHIPPED',
      'SHIPMENT_CANCELLED',
    ]),
    shipmentId: z.string(),
    licenseId: z.string(),
    customerId: z.string(),
    warehouseId: z.string(),
    sku: z.string(),
    quantity: z.number().int().positive(),
    status: STATUS,
    previousStatus: STATUS.nullable(),
    holdReason: z.string().nullable(),
    revision: z.number().int().positive(),
    occurredAt: z.iso.datetime(),
  })
  .refine((m) => m.dedupKey === `${m.shipmentId}#r${m.revision}`, 'dedupKey is shipmentId#r<revision>')
  .refine((m) => (m.status === 'HELD') === (m.holdReason !== null), 'holdReason is set exactly when HELD');
export type ShipmentMessage = z.infer<typeof ShipmentMessageSchema>;

/**
 * Parses a machine subscriber's messages: each must be schema JSON whose
 * `dedupKey` attribute equals the body's, with `kind = shipment`.
 */
export function parseMachineMessages(messages: readonly ReceivedMessage[]): ShipmentMessage[] {
  return messages.map((m) => {
    const body = ShipmentMessageSchema.parse(JSON.parse(m.body));
    expect(m.attributes).toMatchObject({
      kind: 'shipment',
      dedupKey: body.dedupKey,
      eventType: body.eventType,
    });
    return body;
  });
}

/** A committed change as read from the stream by the test itself (revision went up). */
export interface StreamChange {
  readonly dedupKey: string;
  readonly shipmentId: string;
  readonly customerId: string;
  readonly warehouseId: string;
  readonly licenseId: string;
  readonly status: string;
  readonly revision: number;
  readonly sequence: string;
}

/** Every committed change in real Shipments stream records: those whose `revision` increased. */
export function committedChanges(records: readonly DynamoDBRecord[]): StreamChange[] {
  const out: StreamChange[] = [];
  for (const r of records) {
    const image = (i: unknown) =>
      i === undefined ? undefined : unmarshall(i as Parameters<typeof unmarshall>[0]);
    const next = image(r.dynamodb?.NewImage);
    const prev = image(r.dynamodb?.OldImage);
    const revision = typeof next?.revision === 'number' ? next.revision : undefined;
    if (next === undefined || revision === undefined) continue;
    if (revision <= (typeof prev?.revision === 'number' ? prev.revision : 0)) continue;
    out.push({
      dedupKey: `${String(next.shipmentId)}#r${revision}`,
      shipmentId: String(next.shipmentId),
      customerId: String(next.customerId),
      warehouseId: String(next.warehouseId),
      licenseId: String(next.licenseId),
      status: String(next.countedStatus),
      revision,
      sequence: r.dynamodb?.SequenceNumber ?? '',
    });
  }
  return out;
}

/** Counts of each value. */
export function tally(values: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return m;
}

/** Whether a string parses as JSON. */
export function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
