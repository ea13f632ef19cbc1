/** The template's topics and queues on fauxqs, and its SQS subscriptions. */
import { CreateTopicCommand, type SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { QueueModel, SubscriptionModel, TopicModel } from '../template.js';
import { physicalName } from './naming.js';
import type { ResolveValue } from './resolve.js';
import { LocalResourceError, type QueueResource, type TopicResource } from './types.js';

async function createTopic(sns: SNSClient, topic: TopicModel, prefix: string): Promise<TopicResource> {
  const name = physicalName(prefix, topic.logicalId, 256, topic.fifo ? '.fifo' : '');
  const attributes: Record<string, string> = {};
  if (topic.fifo) attributes.FifoTopic = 'true';
  if (topic.displayName !== undefined) attributes.DisplayName = topic.displayName;
  const out = await sns.send(new CreateTopicCommand({ Name: name, Attributes: attributes }));
  if (out.TopicArn === undefined) throw new LocalResourceError(`fauxqs returned no ARN for topic ${name}`);
  return { logicalId: topic.logicalId, name, arn: out.TopicArn };
}

/** Creates every topic (concurrently), by logical id. */
export async function createTopics(
  sns: SNSClient,
  topics: readonly TopicModel[],
  prefix: string,
): Promise<Record<string, TopicResource>> {
  const entries = await Promise.all(
    topics.map(async (topic) => [topic.logicalId, await createTopic(sns, topic, prefix)] as const),
  );
  return Object.fromEntries(entries);
}

async function createQueue(sqs: SQSClient, queue: QueueModel, prefix: string): Promise<QueueResource> {
  const name = physicalName(prefix, queue.logicalId, 80, queue.fifo ? '.fifo' : '');
  const attributes: Record<string, string> = {};
  if (queue.fifo) attributes.FifoQueue = 'true';
  if (queue.visibilityTimeoutSeconds !== undefined) {
    attributes.VisibilityTimeout = String(queue.visibilityTimeoutSeconds);
  }
  if (queue.messageRetentionPeriodSeconds !== undefined) {
    attributes.MessageRetentionPeriod = String(queue.messageRetentionPeriodSeconds);
  }
  const out = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  const url = out.QueueUrl;
  if (url === undefined) throw new LocalResourceError(`fauxqs returned no URL for queue ${name}`);
  const attrs = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  const arn = attrs.Attributes?.QueueArn;
  if (arn === undefined) throw new LocalResourceError(`fauxqs returned no ARN for queue ${name}`);
  return { logicalId: queue.logicalId, name, arn, url };
}

/** Creates every queue (concurrently), by logical id. */
export async function createQueues(
  sqs: SQSClient,
  queues: readonly QueueModel[],
  prefix: string,
): Promise<Record<string, QueueResource>> {
  const entries = await Promise.all(
    queues.map(async (queue) => [queue.logicalId, await createQueue(sqs, queue, prefix)] as const),
  );
  return Object.fromEntries(entries);
}

/** Protocols fauxqs cannot deliver to: their subscriptions are noted, not created. */
const NOT_EMULATED = ['email', 'email-json', 'sms', 'http', 'https', 'application', 'firehose'];

/**
 * Creates the template's SQS subscriptions one by one; the others are only
 * noted (fauxqs delivers to SQS only).
 *
 * @throws {LocalResourceError} on a protocol that is neither SQS nor noted.
 */
export async function createSubscriptions(
  sns: SNSClient,
  subscriptions: readonly SubscriptionModel[],
  resolve: ResolveValue,
): Promise<{ created: Array<{ logicalId: string; arn: string }>; notes: string[] }> {
  const created: Array<{ logicalId: string; arn: string }> = [];
  const notes: string[] = [];
  for (const sub of subscriptions) {
    const where = `subscription ${sub.logicalId}`;
    if (NOT_EMULATED.includes(sub.protocol)) {
      notes.push(`${sub.logicalId}: ${sub.protocol} subscription not emulated (fauxqs delivers to SQS only)`);
      continue;
    }
    if (sub.protocol !== 'sqs') {
      throw new LocalResourceError(`${where}: protocol ${sub.protocol} is not emulated locally`);
    }
    const attributes: Record<string, string> = {};
    if (sub.rawMessageDelivery) attributes.RawMessageDelivery = 'true';
    if (sub.filterPolicy !== undefined) attributes.FilterPolicy = JSON.stringify(sub.filterPolicy);
    if (sub.filterPolicyScope !== undefined) attributes.FilterPolicyScope = sub.filterPolicyScope;
    const out = await sns.send(
      new SubscribeCommand({
        TopicArn: resolve(sub.topic, where),
        Protocol: 'sqs',
        Endpoint: resolve(sub.endpoint, where),
        Attributes: attributes,
        ReturnSubscriptionArn: true,
      }),
    );
    created.push({ logicalId: sub.logicalId, arn: out.SubscriptionArn ?? '' });
  }
  return { created, notes };
}
