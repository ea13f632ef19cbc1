/**
 * `clearance subscribe` on the local stack: the SQS endpoint checks, the
 * subscription dead-letter queue and the filter-policy quota.
 *
 * What fauxqs (1.9) does with the attributes involved, and so what can be
 * shown here:
 * - SQS `KmsMasterKeyId` and `Policy` are stored and returned as given;
 *   nothing is encrypted and no policy is enforced. `SqsManagedSseEnabled`
 *   is kept when given to CreateQueue and returned when asked for by name
 *   (not under `All`); SetQueueAttributes rejects it. A new queue has no SSE
 *   default (AWS turns SSE-SQS on for new queues).
 * - SNS stores a subscription's `RedrivePolicy` and returns it from
 *   GetSubscriptionAttributes, but never dead-letters anything: a delivery
 *   that cannot happen (missing queue) is skipped silently. So the DLQ's use
 *   by SNS is not testable here; the attribute and the queue are.
 * - SQS subscriptions are confirmed at once, whatever account the queue ARN
 *   names, and a queue of another account simply receives nothing.
 *   `PendingConfirmation` for a cross-account endpoint is therefore the
 *   CLI's own report (by account), not fauxqs's.
 * - ListSubscriptionsByTopic returns every subscription in one page (AWS:
 *   100 a page with NextToken); the quota check's paging is unit-tested.
 */
import {
  GetSubscriptionAttributesCommand,
  ListSubscriptionsByTopicCommand,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../cli/errors.js';
import { SUBSCRIPTION_MANAGER_ROLE_OUTPUT } from '../../infra/outputs.js';
import type { Caller } from '../../local/gateway/gateway.js';
import { adminConsole } from '../helpers/admin-console.js';
import { runCli } from '../helpers/cli.js';
import { aLicense, anInventory, aShipmentFor } from '../helpers/factories.js';
import { useLocalStack } from '../helpers/stack.js';

const local = useLocalStack();
const s = adminConsole(local);

/** A fresh queue of this file with the given attributes; its ARN and URL. */
async function aQueue(name: string, attributes: Record<string, string> = {}) {
  const created = await local.sqs.send(
    new CreateQueueCommand({ QueueName: `${local.resources.prefix}-${name}`, Attributes: attributes }),
  );
  const url = created.QueueUrl ?? '';
  const got = await local.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  return { url, arn: got.Attributes?.QueueArn ?? '' };
}

/** Every subscription of a topic, by endpoint. */
async function subscriptionsOf(topicArn: string) {
  const out = await local.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }));
  return out.Subscriptions ?? [];
}

const subscribeCustomer = (customer: string, endpoint: string) =>
  runCli(local, [
    '--json',
    'subscribe',
    'customer',
    '--customer',
    customer,
    '--protocol',
    'sqs',
    '--endpoint',
    endpoint,
  ]);

/** A queue policy statement letting `topicArn` send to `queueArn`, as the command prints it. */
const allowTopic = (queueArn: string, topicArn: string) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: 'sns.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: queueArn,
        Condition: { ArnEquals: { 'aws:SourceArn': topicArn } },
      },
    ],
  });

describe('clearance subscribe: SQS endpoints', () => {
  it('rejects a queue encrypted with alias/aws/sqs, and no subscription exists afterwards', async () => {
    const queue = await aQueue('managed-key', { KmsMasterKeyId: 'alias/aws/sqs' });
    const result = await subscribeCustomer('CUST-KMS', queue.arn);
    expect(result.code).toBe(EXIT.error);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(
      `queue ${queue.arn} is encrypted with the AWS-managed key alias/aws/sqs. SNS cannot use that key, because ` +
        'its key policy cannot be changed to let sns.amazonaws.com use it, so every delivery to this queue would ' +
        'fail. Switch the queue to SSE-SQS (SqsManagedSseEnabled=true), or to a customer-managed KMS key whose key ' +
        'policy allows sns.amazonaws.com kms:GenerateDataKey and kms:Decrypt, then run this command again. ' +
        'Nothing was subscribed.',
    );
    const all = await subscriptionsOf(local.resources.topics.customer.arn);
    expect(all.filter((sub) => sub.Endpoint === queue.arn)).toEqual([]);
  });

  it('subscribes a queue without a policy, warning with the statement to add; the subscription carries the RedrivePolicy', async () => {
    const queue = await aQueue('no-policy');
    const result = await subscribeCustomer('CUST-NOPOL', queue.arn);
    expect(result.code).toBe(EXIT.ok);
    const topicArn = local.resources.topics.customer.arn;
    expect(result.stderr).toContain(
      `WARNING: the policy of queue ${queue.arn} does not let topic ${topicArn} send to it (the queue has no policy).`,
    );
    expect(result.stderr).toContain(`"aws:SourceArn": "${topicArn}"`);
    const dlqArn = local.resources.dlqs.subscriptions.arn;
    const out = result.json<Record<string, unknown>>();
    expect(out).toMatchObject({
      topicArn,
      redrivePolicy: { deadLetterTargetArn: dlqArn },
      pendingConfirmation: false,
      queueCheck: { status: 'inspected', encryption: 'none', policyAllowsTopic: false },
    });
    expect(out.warnings).toEqual([result.stderr]);

    const attributes = (
      await local.sns.send(
        new GetSubscriptionAttributesCommand({ SubscriptionArn: String(out.subscriptionArn) }),
      )
    ).Attributes;
    expect(JSON.parse(attributes?.RedrivePolicy ?? '{}')).toEqual({ deadLetterTargetArn: dlqArn });
    expect(attributes?.FilterPolicy).toBe('{"customerId":["CUST-NOPOL"],"kind":["shipment"]}');
    // The DLQ it names is a queue of the stack.
    const dlq = await local.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: local.resources.dlqs.subscriptions.url,
        AttributeNames: ['QueueArn'],
      }),
    );
    expect(dlq.Attributes?.QueueArn).toBe(dlqArn);
  });

  it('subscribes an SSE-SQS queue whose policy lets the topic send, without a warning, and delivers to it', async () => {
    const topicArn = local.resources.topics.customer.arn;
    const name = `${local.resources.prefix}-sse-sqs`;
    const arn = `arn:aws:sqs:${local.resources.region}:000000000000:${name}`;
    const queue = await aQueue('sse-sqs', {
      SqsManagedSseEnabled: 'true',
      Policy: allowTopic(arn, topicArn),
    });
    expect(queue.arn).toBe(arn);
    const result = await subscribeCustomer('CUST-SSE', queue.arn);
    expect(result.code).toBe(EXIT.ok);
    expect(result.stderr).toBe('');
    expect(result.json()).toMatchObject({
      warnings: [],
      queueCheck: { status: 'inspected', encryption: 'sse-sqs', policyAllowsTopic: true },
    });

    await s.putInventory(anInventory({ warehouseId: 'WH-SSE' }));
    const license = aLicense({ licenseId: 'LIC-SSE', customerId: 'CUST-SSE', status: 'APPROVED' });
    await s.putLicense(license);
    await local.drain();
    await s.putShipments([aShipmentFor(license, { shipmentId: 'SHP-SSE-1', warehouseId: 'WH-SSE' })]);
    await local.drain();
    const messages = await local.receiveAll(queue.url);
    expect(messages.length).toBeGreaterThan(0);
    for (const m of messages)
      expect(m.attributes).toMatchObject({ customerId: 'CUST-SSE', kind: 'shipment' });
  });

  it('does not inspect a queue of another account, and reports the subscription pending confirmation', async () => {
    const foreign = `arn:aws:sqs:${local.resources.region}:111122223333:acme-shipments`;
    const result = await subscribeCustomer('CUST-FOREIGN', foreign);
    expect(result.code).toBe(EXIT.ok);
    const out = result.json() as { pendingConfirmation: boolean; queueCheck: unknown; notes: string[] };
    expect(out.pendingConfirmation).toBe(true);
    expect(out.queueCheck).toEqual({ status: 'other-account' });
    expect(out.notes[0]).toMatch(
      /^Pending confirmation: the queue is in account 111122223333, the topic in 000000000000\. SNS sent a SubscriptionConfirmation message/,
    );
    const human = await runCli(local, [
      'subscribe',
      'customer',
      '--customer',
      'CUST-FOREIGN',
      '--protocol',
      'sqs',
      '--endpoint',
      foreign,
    ]);
    expect(human.stdout).toMatch(/subscription: {2}\S+ \(pending confirmation\)/);
    // fauxqs confirms SQS subscriptions at once, so only the CLI's report can be checked.
    const all = await subscriptionsOf(local.resources.topics.customer.arn);
    expect(all.filter((sub) => sub.Endpoint === foreign)).toHaveLength(1);
  });
});

describe('clearance subscribe: who subscribed', () => {
  it('subscribes as SubscriptionManagerRole in a session named after the operator, so the audit trail names them', async () => {
    const callers: Caller[] = [];
    const remove = local.stack.gateway.use(async (call, forward) => {
      if (call.service === 'sns' && call.operation === 'Subscribe') callers.push(call.caller);
      return forward();
    });
    try {
      const queue = await aQueue('who');
      const result = await runCli(
        local,
        ['subscribe', 'customer', '--customer', 'CUST-WHO', '--protocol', 'sqs', '--endpoint', queue.arn],
        { env: { USER: 'alice' } },
      );
      expect(result.code).toBe(EXIT.ok);
    } finally {
      remove();
    }
    expect(callers).toEqual([
      expect.objectContaining({ kind: 'role-session', sessionName: 'clearance-alice' }),
    ]);
  });
  it("refuses a role session name STS would refuse (the gateway's AssumeRole keeps to STS's constraint)", async () => {
    const sts = new STSClient({
      region: local.resources.region,
      endpoint: local.stack.endpoints.sns,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    const assume = (name: string) =>
      sts.send(
        new AssumeRoleCommand({
          RoleArn: local.stack.outputs[SUBSCRIPTION_MANAGER_ROLE_OUTPUT],
          RoleSessionName: name,
        }),
      );
    try {
      await expect(assume('clearance alice')).rejects.toMatchObject({ name: 'ValidationError' });
      await expect(assume('x')).rejects.toMatchObject({ name: 'ValidationError' });
      await expect(assume('clearance-alice@example.com')).resolves.toMatchObject({
        AssumedRoleUser: { Arn: expect.stringMatching(/assumed-role\/.+\/clearance-alice@example\.com$/) },
      });
    } finally {
      sts.destroy();
    }
  });
});

describe('clearance subscribe: filter-policy quota', () => {
  it('rejects a 201st subscription on the topic, naming the quotas and the fix, and adds nothing', async () => {
    const topicArn = local.resources.topics.logistics.arn;
    const before = (await subscriptionsOf(topicArn)).length;
    for (let i = before; i < 200; i++) {
      await local.sns.send(
        new SubscribeCommand({
          TopicArn: topicArn,
          Protocol: 'sqs',
          Endpoint: `arn:aws:sqs:${local.resources.region}:000000000000:${local.resources.prefix}-filler-${i}`,
          Attributes: { FilterPolicy: JSON.stringify({ warehouseId: [`WH-${i}`] }) },
        }),
      );
    }
    expect(await subscriptionsOf(topicArn)).toHaveLength(200);
    const result = await runCli(local, [
      'subscribe',
      'logistics',
      '--warehouse',
      'WH-FULL',
      '--protocol',
      'email',
      '--endpoint',
      'dock@example.com',
    ]);
    expect(result.code).toBe(EXIT.error);
    expect(result.stderr).toContain(
      `topic ${topicArn} already has 200 subscriptions, each with a filter policy, which is SNS's quota of 200 filter policies per topic (the account's quota is 10,000 filter policies per account)`,
    );
    expect(await subscriptionsOf(topicArn)).toHaveLength(200);
  });
});
