import { GetSubscriptionAttributesCommand, ListSubscriptionsByTopicCommand } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { subscriptionsList } from '../../../cli/commands/subscriptions.js';
import { EXIT, UsageError } from '../../../cli/errors.js';
import { parseStackFile } from '../../../cli/resources/stack-file.js';
import {
  customerTopicFor,
  describeFilterPolicy,
  filterPolicyQuotaMessage,
  isMisplaced,
  MAX_CUSTOMER_TOPIC_SHARDS,
  planCustomerSubscription,
  planLogisticsSubscription,
  queuePolicyStatement,
  validateEndpoint,
} from '../../../cli/subscriptions.js';
import { customerShard } from '../../../shared/domain/routing.js';
import { stubCliContext } from '../../helpers/cli.js';

const QUEUE = 'arn:aws:sqs:eu-west-1:123456789012:acme-shipments';
const topics = {
  customer: 'arn:aws:sns:eu-west-1:123456789012:Customer',
  customerShards: [] as string[],
  logistics: 'arn:aws:sns:eu-west-1:123456789012:Logistics',
};

describe('planCustomerSubscription', () => {
  it('scopes an email subscription to the customer and to digests', () => {
    const plan = planCustomerSubscription(
      { customerId: 'CUST-ACME', protocol: 'email', endpoint: 'buyer@acme.example' },
      topics,
    );
    expect(plan.topicArn).toBe(topics.customer);
    expect(plan.filterPolicy).toEqual({ customerId: ['CUST-ACME'], kind: ['digest'] });
    expect(plan.attributes).toEqual({
      FilterPolicy: '{"customerId":["CUST-ACME"],"kind":["digest"]}',
      FilterPolicyScope: 'MessageAttributes',
    });
  });

  it.each([
    ['sqs', QUEUE],
    ['https', 'https://hooks.acme.example/clearance'],
  ] as const)(
    'scopes a %s subscription to the customer and per-shipment JSON with raw delivery',
    (protocol, endpoint) => {
      const plan = planCustomerSubscription({ customerId: 'CUST-ACME', protocol, endpoint }, topics);
      expect(plan.filterPolicy).toEqual({ customerId: ['CUST-ACME'], kind: ['shipment'] });
      expect(plan.attributes).toEqual({
        FilterPolicy: '{"customerId":["CUST-ACME"],"kind":["shipment"]}',
        FilterPolicyScope: 'MessageAttributes',
        RawMessageDelivery: 'true',
      });
    },
  );

  it.each([undefined, '', '   '])('rejects a customer subscription without a customer (%j)', (customerId) => {
    expect(() => planCustomerSubscription({ customerId, protocol: 'sqs', endpoint: QUEUE }, topics)).toThrow(
      /must be scoped to one customer/,
    );
  });

  it('rejects a customerId the data contract would not accept', () => {
    expect(() =>
      planCustomerSubscription({ customerId: 'ACME CORP', protocol: 'sqs', endpoint: QUEUE }, topics),
    ).toThrow(UsageError);
  });

  it("routes a customer to its shard's topic, as the publisher does", () => {
    const shards = ['arn:aws:sns:r:1:C0', 'arn:aws:sns:r:1:C1', 'arn:aws:sns:r:1:C2'];
    for (const id of ['CUST-A', 'CUST-B', 'CUST-C', 'CUST-D']) {
      const plan = planCustomerSubscription(
        { customerId: id, protocol: 'sqs', endpoint: QUEUE },
        { ...topics, customerShards: shards },
      );
      expect(plan.topicArn).toBe(shards[customerShard(id, 3)]);
    }
    expect(customerTopicFor({ customer: 'single', customerShards: [] }, 'CUST-A')).toBe('single');
  });
});

describe('planLogisticsSubscription', () => {
  it('scopes a warehouse email subscription to digests', () => {
    const plan = planLogisticsSubscription(
      { warehouseId: 'WH-AMS-1', allWarehouses: false, protocol: 'email', endpoint: 'ams@example.com' },
      topics,
    );
    expect(plan.topicArn).toBe(topics.logistics);
    expect(plan.filterPolicy).toEqual({ warehouseId: ['WH-AMS-1'], kind: ['digest'] });
    expect(plan.attributes.RawMessageDelivery).toBeUndefined();
  });

  it.each(['sqs', 'https'] as const)(
    'scopes a warehouse %s subscription to per-shipment JSON with raw delivery',
    (protocol) => {
      const endpoint = protocol === 'sqs' ? QUEUE : 'https://wms.example/hook';
      const plan = planLogisticsSubscription(
        { warehouseId: 'WH-AMS-1', allWarehouses: false, protocol, endpoint },
        topics,
      );
      expect(plan.filterPolicy).toEqual({ warehouseId: ['WH-AMS-1'], kind: ['shipment'] });
      expect(plan.attributes.RawMessageDelivery).toBe('true');
      expect(plan.attributes.FilterPolicyScope).toBe('MessageAttributes');
    },
  );

  it('filters only on kind with --all-warehouses', () => {
    const plan = planLogisticsSubscription(
      { warehouseId: undefined, allWarehouses: true, protocol: 'sqs', endpoint: QUEUE },
      topics,
    );
    expect(plan.filterPolicy).toEqual({ kind: ['shipment'] });
  });

  it('rejects a logistics subscription that names no warehouse and does not ask for all', () => {
    expect(() =>
      planLogisticsSubscription(
        { warehouseId: undefined, allWarehouses: false, protocol: 'sqs', endpoint: QUEUE },
        topics,
      ),
    ).toThrow(/--warehouse ID, or --all-warehouses/);
  });

  it('rejects both --warehouse and --all-warehouses', () => {
    expect(() =>
      planLogisticsSubscription(
        { warehouseId: 'WH-1', allWarehouses: true, protocol: 'sqs', endpoint: QUEUE },
        topics,
      ),
    ).toThrow(/not both/);
  });
});

describe('validateEndpoint', () => {
  it('accepts well-formed endpoints', () => {
    expect(() => validateEndpoint('email', 'a.b+c@example.co.uk')).not.toThrow();
    expect(() => validateEndpoint('sqs', 'arn:aws:sqs:us-east-1:000000000000:local-q')).not.toThrow();
    expect(() => validateEndpoint('https', 'https://hooks.example/x?y=1')).not.toThrow();
  });

  it('rejects a FIFO queue, naming the fix: the topics are standard, and SNS refuses FIFO queues on them', () => {
    expect(() => validateEndpoint('sqs', 'arn:aws:sqs:eu-west-1:123456789012:orders.fifo')).toThrow(
      /^--endpoint "arn:aws:sqs:eu-west-1:123456789012:orders\.fifo" is a FIFO queue: clearance's topics are standard SNS topics, which cannot deliver to FIFO queues; pass the ARN of a standard queue/,
    );
  });

  it('rejects a malformed email without echoing the address in full', () => {
    expect(() => validateEndpoint('email', 'alice@nodomain')).toThrow(
      /a\*\*\*@nodomain is not an email address/,
    );
    try {
      validateEndpoint('email', 'alice@nodomain');
    } catch (error) {
      expect((error as Error).message).not.toContain('alice@');
    }
  });

  it('rejects a queue URL or malformed ARN for sqs', () => {
    expect(() => validateEndpoint('sqs', 'https://sqs.eu-west-1.amazonaws.com/123456789012/q')).toThrow(
      /not its URL/,
    );
    expect(() => validateEndpoint('sqs', 'arn:aws:sqs:eu-west-1:1234:q')).toThrow(UsageError);
    expect(() => validateEndpoint('sqs', 'arn:aws:sns:eu-west-1:123456789012:q')).toThrow(UsageError);
  });

  it('rejects plain http and non-URLs for https', () => {
    expect(() => validateEndpoint('https', 'http://hooks.example/x')).toThrow(/https:\/\//);
    expect(() => validateEndpoint('https', 'hooks.example')).toThrow(UsageError);
  });
});

describe('queuePolicyStatement', () => {
  it('lets only the topic send to the queue', () => {
    const statement = queuePolicyStatement(QUEUE, topics.customer);
    expect(statement).toMatchObject({
      Effect: 'Allow',
      Principal: { Service: 'sns.amazonaws.com' },
      Action: 'sqs:SendMessage',
      Resource: QUEUE,
      Condition: { ArnEquals: { 'aws:SourceArn': topics.customer } },
    });
  });

  it("names the opt-in region's SNS principal when the queue and the topic are in different regions", () => {
    // SNS's cross-region delivery: a policy naming sns.amazonaws.com lets nothing through there.
    const principal = (queue: string, topic: string) =>
      queuePolicyStatement(queue, topic).Principal as { Service: string };
    const inRegion = (arn: string, region: string) => arn.replace('eu-west-1', region);
    expect(principal(inRegion(QUEUE, 'eu-south-1'), topics.customer).Service).toBe(
      'sns.eu-south-1.amazonaws.com',
    );
    expect(principal(QUEUE, inRegion(topics.customer, 'ap-east-1')).Service).toBe(
      'sns.ap-east-1.amazonaws.com',
    );
    expect(principal(QUEUE, inRegion(topics.customer, 'ap-northeast-3')).Service).toBe(
      'sns.ap-northeast-3.amazonaws.com',
    );
    // Both enabled by default, or the same region (opt-in or not): the global principal.
    expect(principal(inRegion(QUEUE, 'us-east-1'), topics.customer).Service).toBe('sns.amazonaws.com');
    expect(
      principal(inRegion(QUEUE, 'me-central-1'), inRegion(topics.customer, 'me-central-1')).Service,
    ).toBe('sns.amazonaws.com');
  });
});

describe('describeFilterPolicy', () => {
  it('reads the customer scope and kind', () => {
    expect(describeFilterPolicy('customer', '{"customerId":["CUST-ACME"],"kind":["digest"]}')).toEqual({
      scope: 'customer CUST-ACME',
      kind: 'digest',
      unscoped: false,
      customerId: 'CUST-ACME',
    });
  });

  it('flags customer subscriptions without exactly one customerId as unscoped', () => {
    expect(describeFilterPolicy('customer', undefined).unscoped).toBe(true);
    expect(describeFilterPolicy('customer', '{"kind":["shipment"]}').unscoped).toBe(true);
    expect(describeFilterPolicy('customer', '{"customerId":["A","B"]}').unscoped).toBe(true);
    expect(describeFilterPolicy('customer', 'not json').unscoped).toBe(true);
  });

  it('reads warehouse scopes, and all warehouses when none is named', () => {
    expect(describeFilterPolicy('logistics', '{"warehouseId":["WH-1"],"kind":["shipment"]}').scope).toBe(
      'warehouse WH-1',
    );
    expect(describeFilterPolicy('logistics', '{"kind":["digest"]}').scope).toBe('all warehouses');
  });
});

describe('customer topic shards', () => {
  it('records which shard a customer subscription lands on', () => {
    const shards = ['arn:aws:sns:r:1:C0', 'arn:aws:sns:r:1:C1'];
    const plan = planCustomerSubscription(
      { customerId: 'CUST-A', protocol: 'sqs', endpoint: QUEUE },
      { ...topics, customerShards: shards },
    );
    expect(plan.shard).toEqual({ index: customerShard('CUST-A', 2), count: 2 });
    expect(
      planCustomerSubscription({ customerId: 'CUST-A', protocol: 'sqs', endpoint: QUEUE }, topics).shard,
    ).toEqual({
      index: 0,
      count: 1,
    });
  });
});

describe('isMisplaced', () => {
  it('flags a customer subscription left on a shard its customer no longer maps to', () => {
    const shards = ['arn:aws:sns:r:1:C0', 'arn:aws:sns:r:1:C1', 'arn:aws:sns:r:1:C2'];
    const right = shards[customerShard('CUST-A', 3)] ?? '';
    const wrong = shards.find((t) => t !== right) ?? '';
    expect(isMisplaced({ customer: 'x', customerShards: shards }, right, 'CUST-A')).toBe(false);
    expect(isMisplaced({ customer: 'x', customerShards: shards }, wrong, 'CUST-A')).toBe(true);
    expect(isMisplaced({ customer: 'x', customerShards: [] }, 'x', 'CUST-A')).toBe(false);
    expect(isMisplaced({ customer: 'x', customerShards: shards }, wrong, undefined)).toBe(false);
  });
});

describe('subscriptions list', () => {
  const customerTopic = 'arn:aws:sns:eu-west-1:123456789012:Customer';
  const resources = parseStackFile(
    JSON.stringify({
      region: 'eu-west-1',
      tables: { licenses: 'L', shipments: 'S', inventory: 'I' },
      topics: {
        customer: customerTopic,
        logistics: 'arn:aws:sns:eu-west-1:123456789012:Lg',
        ops: 'arn:aws:sns:eu-west-1:123456789012:O',
      },
      dlqs: { licenseEvents: 'https://q/l', shipmentEvents: 'https://q/s', shipmentHistory: 'https://q/h' },
    }),
    'test',
  );
  /** SNS answering ListSubscriptionsByTopic with `listed` for the customer topic, and attributes by ARN. */
  function listing(
    listed: Record<string, string>[],
    attributes: Record<string, Record<string, string>> = {},
  ) {
    const sns = {
      async send(command: unknown) {
        if (command instanceof ListSubscriptionsByTopicCommand)
          return { Subscriptions: command.input.TopicArn === customerTopic ? listed : [] };
        if (command instanceof GetSubscriptionAttributesCommand) {
          const found = attributes[command.input.SubscriptionArn ?? ''];
          if (!found) throw new Error(`GetSubscriptionAttributes of ${command.input.SubscriptionArn}`);
          return { Attributes: found };
        }
        throw new Error(`unexpected ${String(command)}`);
      },
    };
    const { ctx, out, emitted: data } = stubCliContext({ resources, clients: { sns } });
    return { ctx, out, data };
  }
  const pending = {
    SubscriptionArn: 'PendingConfirmation',
    Protocol: 'email',
    Endpoint: 'buyer@acme.example',
    TopicArn: customerTopic,
  };

  it('shows an unconfirmed subscription as pending, its scope unknown until confirmed, not unscoped, and exits 0', async () => {
    const { ctx, out, data } = listing([pending]);
    expect(await subscriptionsList(ctx, {})).toBe(EXIT.ok);
    expect(data).toEqual([
      [
        expect.objectContaining({
          subscriptionArn: 'PendingConfirmation',
          scope: 'unknown until confirmed',
          unscoped: false,
          pending: true,
        }),
      ],
    ]);
    const text = out.join('\n');
    expect(text).toMatch(/customer\s+email\s+\S+\s+unknown until confirmed\s+unknown\s+pending confirmation/);
    expect(text).not.toMatch(/UNSCOPED|WARNING/);
    expect(text).toMatch(
      /1 subscription is pending confirmation: .*scope is unknown until confirmed.*run `clearance subscriptions list` again/,
    );
  });

  it('still warns about, and exits 3 for, a confirmed customer subscription without a single-customer scope', async () => {
    const arn = `${customerTopic}:0b5c`;
    const { ctx, out } = listing(
      [pending, { SubscriptionArn: arn, Protocol: 'sqs', Endpoint: QUEUE, TopicArn: customerTopic }],
      { [arn]: { Protocol: 'sqs', Endpoint: QUEUE, PendingConfirmation: 'false' } },
    );
    expect(await subscriptionsList(ctx, {})).toBe(EXIT.incomplete);
    expect(out.join('\n')).toMatch(/WARNING: 1 customer-topic subscription is not scoped to one customerId/);
  });
});

describe('filterPolicyQuotaMessage at the most shards', () => {
  it('asks AWS for a larger quota instead of advising a shard count the stack cannot take', () => {
    const plan = { topicArn: topics.customer, shard: { index: 3, count: MAX_CUSTOMER_TOPIC_SHARDS } };
    const text = filterPolicyQuotaMessage(plan, 'customer', 200);
    expect(text).toContain('the stack already has the most customer topic shards (30');
    expect(text).not.toContain('raise the CDK context customerTopicShards');
  });
});
