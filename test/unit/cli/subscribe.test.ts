import { ListSubscriptionsByTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { subscribeCustomer, subscribeLogistics } from '../../../cli/commands/subscribe.js';
import { RefusedError } from '../../../cli/errors.js';
import { parseStackFile } from '../../../cli/resources/stack-file.js';
import type { Resources } from '../../../cli/resources.js';
import {
  filterPolicyQuotaMessage,
  PROTOCOLS,
  planCustomerSubscription,
  withDeadLetterQueue,
} from '../../../cli/subscriptions.js';
import { stubCliContext } from '../../helpers/cli.js';

const ACCOUNT = '123456789012';
const topic = (name: string) => `arn:aws:sns:eu-west-1:${ACCOUNT}:${name}`;
const DLQ_ARN = `arn:aws:sqs:eu-west-1:${ACCOUNT}:Clearance-SubscriptionDlq`;
const QUEUE = `arn:aws:sqs:eu-west-1:${ACCOUNT}:acme-shipments`;
const QUEUE_URL = `https://sqs.eu-west-1.amazonaws.com/${ACCOUNT}/acme-shipments`;

const stackLine = {
  region: 'eu-west-1',
  tables: { licenses: 'L', shipments: 'S', inventory: 'I' },
  topics: { customer: topic('Customer'), logistics: topic('Logistics'), ops: topic('Ops') },
  dlqs: {
    licenseEvents: 'https://q/l',
    shipmentEvents: 'https://q/s',
    shipmentHistory: 'https://q/h',
    subscriptions: { url: 'https://q/sub', arn: DLQ_ARN },
  },
};
const withDlq = parseStackFile(JSON.stringify(stackLine), 'test');

interface Fakes {
  /** Queue attributes GetQueueAttributes answers, or an error GetQueueUrl throws. */
  queue?: Record<string, string> | Error;
  /** Subscriptions already on the topic, returned 100 a page as SNS does. */
  existing?: { Protocol: string; Endpoint: string }[];
}

/** A context whose SNS and SQS clients answer from `fakes` and record every command. */
function fakeContext(fakes: Fakes = {}, resources: Resources = withDlq) {
  const sent: unknown[] = [];
  const sns = {
    async send(command: unknown) {
      sent.push(command);
      if (command instanceof ListSubscriptionsByTopicCommand) {
        const all = fakes.existing ?? [];
        const start = Number(command.input.NextToken ?? 0);
        const page = all.slice(start, start + 100).map((s, i) => ({
          ...s,
          SubscriptionArn: `${command.input.TopicArn}:sub-${start + i}`,
        }));
        return { Subscriptions: page, NextToken: start + 100 < all.length ? String(start + 100) : undefined };
      }
      if (command instanceof SubscribeCommand)
        return { SubscriptionArn: `${command.input.TopicArn}:new-sub` };
      throw new Error(`unexpected SNS command ${command?.constructor.name}`);
    },
  };
  const sqs = {
    async send(command: unknown) {
      sent.push(command);
      if (fakes.queue instanceof Error) throw fakes.queue;
      if (command instanceof GetQueueUrlCommand) return { QueueUrl: QUEUE_URL };
      if (command instanceof GetQueueAttributesCommand)
        return { Attributes: { QueueArn: QUEUE, ...fakes.queue } };
      throw new Error(`unexpected SQS command ${command?.constructor.name}`);
    },
  };
  const { ctx, out, err } = stubCliContext({
    resources,
    clients: { sns, sqs },
    identity: 'arn:aws:iam::000000000000:user/admin',
    json: true,
  });
  const subscribes = () => sent.filter((c): c is SubscribeCommand => c instanceof SubscribeCommand);
  const json = () => JSON.parse(out.join('')) as Record<string, unknown>;
  return { ctx, sent, subscribes, json, err };
}

const customer = (endpoint: string, protocol = 'sqs') => ({ customer: 'CUST-ACME', protocol, endpoint });
const snsAllowed = JSON.stringify({
  Statement: [
    {
      Effect: 'Allow',
      Principal: { Service: 'sns.amazonaws.com' },
      Action: 'sqs:SendMessage',
      Resource: QUEUE,
      Condition: { ArnEquals: { 'aws:SourceArn': topic('Customer') } },
    },
  ],
});

describe('the subscription dead-letter queue', () => {
  it.each(PROTOCOLS)('sets RedrivePolicy on a %s plan, keeping the filter policy', (protocol) => {
    const endpoint = { email: 'buyer@acme.example', sqs: QUEUE, https: 'https://hooks.acme.example/c' }[
      protocol
    ];
    const plan = planCustomerSubscription({ customerId: 'CUST-ACME', protocol, endpoint }, withDlq.topics);
    const withRedrive = withDeadLetterQueue(plan, DLQ_ARN);
    expect(withRedrive.attributes).toEqual({
      ...plan.attributes,
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: DLQ_ARN }),
    });
    expect(withRedrive.deadLetterTargetArn).toBe(DLQ_ARN);
  });

  it.each([
    ['sqs', QUEUE],
    ['email', 'buyer@acme.example'],
    ['https', 'https://hooks.acme.example/c'],
  ])(
    'subscribes a %s endpoint with the stack DLQ as RedrivePolicy and reports it',
    async (protocol, endpoint) => {
      const f = fakeContext({ queue: { Policy: snsAllowed } });
      await subscribeCustomer(f.ctx, customer(endpoint, protocol));
      const [call] = f.subscribes();
      expect(call?.input.Attributes?.RedrivePolicy).toBe(`{"deadLetterTargetArn":"${DLQ_ARN}"}`);
      expect(f.json()).toMatchObject({ redrivePolicy: { deadLetterTargetArn: DLQ_ARN } });
    },
  );

  it('fails, subscribing nothing, when the stack has no subscription DLQ (deployed before it existed)', async () => {
    const { subscriptions: _, ...dlqs } = stackLine.dlqs;
    const old = { ...parseStackFile(JSON.stringify({ ...stackLine, dlqs }), 'stack Clearance (eu-west-1)') };
    const f = fakeContext({}, { ...old, origin: 'aws' });
    await expect(subscribeCustomer(f.ctx, customer(QUEUE))).rejects.toThrow(
      /has no subscription dead-letter queue \(outputs SubscriptionDlqArn, SubscriptionDlqUrl\).*Redeploy/,
    );
    expect(f.sent).toEqual([]);
  });
});

describe('SQS endpoint checks', () => {
  it('rejects a queue under the AWS-managed key before subscribing, saying why and what to do', async () => {
    const f = fakeContext({ queue: { KmsMasterKeyId: 'alias/aws/sqs', Policy: snsAllowed } });
    const run = subscribeCustomer(f.ctx, customer(QUEUE));
    await expect(run).rejects.toThrow(RefusedError);
    await expect(run).rejects.toThrow(
      /encrypted with the AWS-managed key alias\/aws\/sqs\. SNS cannot use that key.*SqsManagedSseEnabled=true.*customer-managed KMS key.*kms:GenerateDataKey and kms:Decrypt.*Nothing was subscribed/,
    );
    expect(f.subscribes()).toEqual([]);
  });

  it('reads exactly the attributes it judges, from the queue named by the ARN', async () => {
    const f = fakeContext({ queue: { SqsManagedSseEnabled: 'true', Policy: snsAllowed } });
    await subscribeCustomer(f.ctx, customer(QUEUE));
    const url = f.sent.find((c) => c instanceof GetQueueUrlCommand) as GetQueueUrlCommand;
    expect(url.input).toEqual({ QueueName: 'acme-shipments', QueueOwnerAWSAccountId: ACCOUNT });
    const attrs = f.sent.find((c) => c instanceof GetQueueAttributesCommand) as GetQueueAttributesCommand;
    expect(attrs.input).toEqual({
      QueueUrl: QUEUE_URL,
      AttributeNames: ['QueueArn', 'KmsMasterKeyId', 'SqsManagedSseEnabled', 'Policy'],
    });
    expect(f.json()).toMatchObject({
      queueCheck: { status: 'inspected', encryption: 'sse-sqs', policyAllowsTopic: true },
      warnings: [],
      pendingConfirmation: false,
    });
    expect(f.err).toEqual([]);
  });

  it('warns on stderr and in the JSON, and still subscribes, when the queue policy does not let the topic send', async () => {
    const f = fakeContext({ queue: {} });
    await subscribeCustomer(f.ctx, customer(QUEUE));
    expect(f.subscribes()).toHaveLength(1);
    const { warnings, queueCheck } = f.json() as { warnings: string[]; queueCheck: unknown };
    expect(queueCheck).toEqual({ status: 'inspected', encryption: 'none', policyAllowsTopic: false });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^WARNING: the policy of queue .* \(the queue has no policy\)/);
    expect(warnings[0]).toContain('"aws:SourceArn": "arn:aws:sns:eu-west-1:123456789012:Customer"');
    expect(f.err).toEqual(warnings);
  });

  it('notes what a customer-managed key must allow, since it cannot read key policies', async () => {
    const key = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    const f = fakeContext({ queue: { KmsMasterKeyId: key, Policy: snsAllowed } });
    await subscribeCustomer(f.ctx, customer(QUEUE));
    const { notes, queueCheck } = f.json() as { notes: string[]; queueCheck: unknown };
    expect(queueCheck).toMatchObject({ encryption: 'kms', kmsMasterKeyId: key });
    expect(notes.join('\n')).toMatch(
      /key policy must allow sns\.amazonaws\.com kms:GenerateDataKey and kms:Decrypt/,
    );
  });

  it('rejects a same-account queue that does not exist', async () => {
    const missing = Object.assign(new Error('The specified queue does not exist.'), {
      name: 'QueueDoesNotExist',
    });
    const f = fakeContext({ queue: missing });
    await expect(subscribeCustomer(f.ctx, customer(QUEUE))).rejects.toThrow(
      /there is no queue acme-shipments in account 123456789012 \(eu-west-1\)/,
    );
    expect(f.subscribes()).toEqual([]);
  });

  it('subscribes with a warning when it may not read the queue', async () => {
    const denied = Object.assign(new Error('not authorized to perform sqs:GetQueueUrl'), {
      name: 'AccessDenied',
    });
    const f = fakeContext({ queue: denied });
    await subscribeCustomer(f.ctx, customer(QUEUE));
    expect(f.subscribes()).toHaveLength(1);
    expect(f.json()).toMatchObject({ queueCheck: { status: 'unreadable' } });
    expect(f.err.join('\n')).toMatch(
      /could not read the attributes of queue .*encryption and policy were not checked/,
    );
  });

  it('does not inspect a queue of another account, and reports the subscription pending confirmation', async () => {
    const foreign = 'arn:aws:sqs:eu-west-1:210987654321:acme-shipments';
    const f = fakeContext({ queue: new Error('must not be called') });
    await subscribeCustomer(f.ctx, customer(foreign));
    expect(
      f.sent.some((c) => c instanceof GetQueueUrlCommand || c instanceof GetQueueAttributesCommand),
    ).toBe(false);
    const out = f.json() as { pendingConfirmation: boolean; queueCheck: unknown; notes: string[] };
    expect(out.pendingConfirmation).toBe(true);
    expect(out.queueCheck).toEqual({ status: 'other-account' });
    expect(out.notes[0]).toMatch(
      /^Pending confirmation: the queue is in account 210987654321, the topic in 123456789012\. SNS sent a SubscriptionConfirmation message to the queue/,
    );
    expect(f.subscribes()[0]?.input.Attributes?.RedrivePolicy).toContain(DLQ_ARN);
  });

  it("tells the owner of a queue in an opt-in region to allow that region's SNS principal", async () => {
    const milan = `arn:aws:sqs:eu-south-1:${ACCOUNT}:acme-shipments`;
    const f = fakeContext({ queue: new Error('must not be called') });
    await subscribeCustomer(f.ctx, customer(milan));
    const out = f.json() as { queueCheck: unknown; notes: string[] };
    expect(out.queueCheck).toEqual({ status: 'other-region' });
    const notes = out.notes.join('\n');
    expect(notes).toContain('its key (if KMS) must let sns.eu-south-1.amazonaws.com use it');
    expect(notes).toContain('"Service": "sns.eu-south-1.amazonaws.com"');
    expect(notes).not.toContain('sns.amazonaws.com');
  });
});

describe('filter-policy quota', () => {
  const full = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ Protocol: 'sqs', Endpoint: `${QUEUE}-${i}` }));

  it('rejects a subscription to a customer topic that already has 200, counting every page', async () => {
    const f = fakeContext({ queue: { Policy: snsAllowed }, existing: full(200) });
    const run = subscribeCustomer(f.ctx, customer(QUEUE));
    await expect(run).rejects.toThrow(RefusedError);
    await expect(run).rejects.toThrow(
      `topic ${topic('Customer')} already has 200 subscriptions, each with a filter policy, which is SNS's quota of 200 filter policies per topic`,
    );
    expect(f.sent.filter((c) => c instanceof ListSubscriptionsByTopicCommand).length).toBeGreaterThanOrEqual(
      2,
    );
    expect(f.subscribes()).toEqual([]);
  });

  it('names the per-topic and per-account quotas and the fix in the message', () => {
    const plan = planCustomerSubscription(
      { customerId: 'CUST-ACME', protocol: 'sqs', endpoint: QUEUE },
      withDlq.topics,
    );
    expect(filterPolicyQuotaMessage(plan, 'customer', 200)).toBe(
      `topic ${topic('Customer')} already has 200 subscriptions, each with a filter policy, which is SNS's quota of 200 ` +
        "filter policies per topic (the account's quota is 10,000 filter policies per account), so SNS would refuse " +
        'this subscription. Fix: raise the CDK context customerTopicShards (now 1; at most 30, the most the publishing ' +
        'functions\' 4 KB environment holds) in `cdk.json`\'s `context` (`"customerTopicShards": N`; not ' +
        'with `-c`, which the next deploy without it undoes, deleting the topics above the default with their ' +
        'subscriptions) and run `npx cdk deploy`, then run `clearance subscribe` again for the customers it moves (`clearance subscriptions list` flags their old ' +
        'subscriptions) and for this one; or ask AWS (Service Quotas, Amazon SNS) to raise the quota. Nothing was subscribed.',
    );
    expect(filterPolicyQuotaMessage({ topicArn: topic('Logistics') }, 'logistics', 200)).toMatch(
      /per topic \(the account's quota is 10,000 filter policies per account\).*the logistics topic has no shards/,
    );
  });

  it('rejects a logistics subscription on a full logistics topic too', async () => {
    const f = fakeContext({ existing: full(230) });
    await expect(
      subscribeLogistics(f.ctx, { warehouse: 'WH-AMS-1', protocol: 'email', endpoint: 'dock@example.com' }),
    ).rejects.toThrow(/already has 230 subscriptions.*the logistics topic has no shards/);
    expect(f.subscribes()).toEqual([]);
  });

  it('subscribes at 199, and at 200 when the endpoint is already one of them (SNS adds no filter policy)', async () => {
    const below = fakeContext({ queue: { Policy: snsAllowed }, existing: full(199) });
    await subscribeCustomer(below.ctx, customer(QUEUE));
    expect(below.subscribes()).toHaveLength(1);
    const again = fakeContext({
      queue: { Policy: snsAllowed },
      existing: [...full(199), { Protocol: 'sqs', Endpoint: QUEUE }],
    });
    await subscribeCustomer(again.ctx, customer(QUEUE));
    expect(again.subscribes()).toHaveLength(1);
  });
});

describe('bad options', () => {
  // On AWS without credentials the stack lookup fails first: the options must be judged before it.
  const noStack = () => {
    const { ctx } = stubCliContext({ resources: withDlq, clients: {} });
    return {
      ...ctx,
      resources: async () => {
        throw new Error('Could not load credentials from any providers');
      },
    };
  };

  it('refuses a bad customer endpoint before looking up the stack', async () => {
    await expect(subscribeCustomer(noStack(), customer('not-an-arn'))).rejects.toThrow(
      /--endpoint "not-an-arn" is not an SQS queue ARN/,
    );
  });

  it('refuses a logistics subscription naming no warehouse before looking up the stack', async () => {
    await expect(
      subscribeLogistics(noStack(), { protocol: 'email', endpoint: 'ops@example.com' }),
    ).rejects.toThrow(/say which warehouse/);
  });
});
