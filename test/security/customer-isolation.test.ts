/**
 * Customer isolation at the SNS level, on fauxqs: subscriptions made by the
 * project's own `clearance subscribe` (filtered to one customerId) receive
 * that customer's messages and nothing else, whether the messages come from
 * the real publisher or are crafted to slip through a filter, and whichever
 * customer topic shard a customer lands on.
 */
import { PublishCommand } from '@aws-sdk/client-sns';
import { beforeAll, describe, expect, it } from 'vitest';
import { SnsPublisher } from '../../shared/adapters/sns.js';
import type { Tally } from '../../shared/domain/event-tally.js';
import { type ShipmentChange, shipmentMessage, tallyDigests } from '../../shared/domain/notifications.js';
import { customerShard } from '../../shared/domain/routing.js';
import { runCli } from '../helpers/cli.js';
import { emailStandIn, machineQueue, parseMachineMessages, type TestQueue } from '../helpers/notify.js';
import type { ReceivedMessage } from '../helpers/stack.js';
import { useLocalStack } from '../helpers/stack.js';

// Three customer topic shards, so that customers sit on different topics and on a shared one.
const local = useLocalStack({ context: { customerTopicShards: 3 } });

const CUSTOMERS = ['CUST-ALPHA', 'CUST-BRAVO', 'CUST-CHARLIE', 'CUST-DELTA'] as const;

function change(customerId: string, n: number): ShipmentChange {
  return {
    dedupKey: `${customerId}-SHP-${n}#r1`,
    eventType: 'SHIPMENT_RELEASED',
    shipmentId: `${customerId}-SHP-${n}`,
    licenseId: `LIC-${customerId}`,
    customerId,
    warehouseId: 'WH-1',
    sku: 'H20',
    quantity: 5,
    status: 'RELEASED',
    previousStatus: 'HELD',
    holdReason: null,
    revision: 1,
    occurredAt: '2026-06-01T12:00:00.000Z',
  };
}

const machine = new Map<string, TestQueue>();
const email = new Map<string, Awaited<ReturnType<typeof emailStandIn>>>();
const received = new Map<string, ReceivedMessage[]>();

beforeAll(async () => {
  for (const customerId of CUSTOMERS) {
    machine.set(customerId, await machineQueue(local, { customer: customerId }));
    email.set(customerId, await emailStandIn(local, { customer: customerId }));
  }
  // Every customer's changes, through the real publisher (PublishBatch, shard routing).
  const publisher = new SnsPublisher(local.sns, {
    customerShards: local.resources.topics.customerShards.map((t) => t.arn),
    logistics: local.resources.topics.logistics.arn,
  });
  const changes = CUSTOMERS.flatMap((c) => [change(c, 1), change(c, 2), change(c, 3)]);
  // The digests of one license event whose tally holds every customer's shipments (a pass also
  // relabels the shipments of other customers that name the license, as LICENSE_MISMATCH).
  const tally: Tally = {
    licenseId: 'LIC-SHARED',
    event: 'LICENSE_APPROVED@2026-06-01T12:00:00.000Z',
    opened: 'tok',
    transactions: 1,
    groups: CUSTOMERS.map((customerId) => ({
      customerId,
      warehouseId: 'WH-1',
      eventType: 'SHIPMENT_RELEASED',
      count: 3,
      quantity: 15,
      lines: [1, 2, 3].map((n) => ({ shipmentId: `${customerId}-SHP-${n}`, quantity: 5, sku: 'H20' })),
    })),
  };
  const failed = await publisher.publish('customer', [
    ...changes.map((c) => shipmentMessage(c, 'customer')),
    ...tallyDigests(tally, 'customer'),
  ]);
  expect([...failed]).toEqual([]);

  // Crafted messages on every shard, aimed at ALPHA's subscriptions: none must match its filter.
  const crafted: Record<string, { DataType: string; StringValue: string }>[] = [
    {}, // no customerId at all
    { customerId: { DataType: 'String', StringValue: 'cust-alpha' } },
    { customerId: { DataType: 'String', StringValue: 'CUST-ALPHA ' } },
    { customerId: { DataType: 'String', StringValue: 'CUST-ALPHA,CUST-BRAVO' } },
    { customerId: { DataType: 'String', StringValue: '*' } },
  ];
  // An empty customerId never reaches a subscription: SNS refuses the publish (so does the local gateway).
  await expect(
    local.sns.send(
      new PublishCommand({
        TopicArn: local.resources.topics.customer.arn,
        Message: JSON.stringify({ crafted: true }),
        MessageAttributes: { customerId: { DataType: 'String', StringValue: '' } },
      }),
    ),
  ).rejects.toThrow(/must contain non-empty message attribute value/);
  for (const topic of local.resources.topics.customerShards) {
    for (const attrs of crafted) {
      await local.sns.send(
        new PublishCommand({
          TopicArn: topic.arn,
          Message: JSON.stringify({ crafted: true }),
          MessageAttributes: {
            ...attrs,
            kind: { DataType: 'String', StringValue: 'shipment' },
            dedupKey: { DataType: 'String', StringValue: 'crafted' },
          },
        }),
      );
    }
  }
  for (const [customerId, q] of machine) received.set(customerId, await q.receiveAll());
});

describe('customer isolation on SNS', () => {
  it('spreads the customers over more than one customer topic shard', () => {
    const shards = new Set(CUSTOMERS.map((c) => customerShard(c, 3)));
    expect(shards.size).toBeGreaterThan(1);
    expect(new Set(CUSTOMERS.map((c) => machine.get(c)?.subscription.topicArn)).size).toBe(shards.size);
  });

  it.each(CUSTOMERS)('delivers to %s exactly its own shipment messages', (customerId) => {
    const bodies = parseMachineMessages(received.get(customerId) ?? []);
    expect(bodies.map((b) => b.dedupKey).sort()).toEqual(
      [1, 2, 3].map((n) => `${customerId}-SHP-${n}#r1`).sort(),
    );
    for (const b of bodies) expect(b.customerId).toBe(customerId);
  });

  it.each(CUSTOMERS)(
    "sends %s's email subscription only digests of its own shipments",
    async (customerId) => {
      const mails = (await email.get(customerId)?.receiveAll()) ?? [];
      expect(mails).toHaveLength(1);
      for (const m of mails) {
        expect(m.attributes).toMatchObject({ customerId, kind: 'digest' });
        expect(m.text).toContain(`${customerId}-SHP-3`);
        for (const other of CUSTOMERS.filter((c) => c !== customerId)) expect(m.text).not.toContain(other);
      }
    },
  );

  it('lets no crafted attribute value (missing, case, padding, list, wildcard, empty) through a customer filter', () => {
    for (const messages of received.values())
      expect(messages.filter((m) => m.body.includes('crafted'))).toEqual([]);
  });

  it('refuses to create a customer subscription without a customer', async () => {
    const q = machine.get('CUST-ALPHA');
    const result = await runCli(local, [
      'subscribe',
      'customer',
      '--protocol',
      'sqs',
      '--endpoint',
      q?.queueArn ?? '',
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/--customer/);
  });
});
