/** `AWS::SNS::Topic`, `AWS::SQS::Queue` and `AWS::SNS::Subscription`. */
import type { QueueModel, SubscriptionModel, TopicModel } from './model.js';
import { bool, cfnValue, fail, num, optStr, type ResourceEntry, str } from './values.js';

export function parseTopic({ logicalId, where, props }: ResourceEntry): TopicModel {
  if (props.TopicName !== undefined) fail(where, 'has a hard-coded TopicName; the local stack names topics');
  const displayName = optStr(props.DisplayName, `${where}.DisplayName`);
  return {
    logicalId,
    fifo: bool(props.FifoTopic, where, false),
    ...(displayName === undefined ? {} : { displayName }),
  };
}

export function parseQueue({ logicalId, where, props }: ResourceEntry): QueueModel {
  if (props.QueueName !== undefined) fail(where, 'has a hard-coded QueueName; the local stack names queues');
  return {
    logicalId,
    fifo: bool(props.FifoQueue, where, false),
    ...(props.VisibilityTimeout === undefined
      ? {}
      : { visibilityTimeoutSeconds: num(props.VisibilityTimeout, where, 30) }),
    ...(props.MessageRetentionPeriod === undefined
      ? {}
      : { messageRetentionPeriodSeconds: num(props.MessageRetentionPeriod, where, 345_600) }),
  };
}

export function parseSubscription({ logicalId, where, props, parameters }: ResourceEntry): SubscriptionModel {
  const policy = props.FilterPolicy;
  const scope = optStr(props.FilterPolicyScope, `${where}.FilterPolicyScope`);
  if (scope !== undefined && scope !== 'MessageAttributes' && scope !== 'MessageBody') {
    fail(where, `bad FilterPolicyScope ${scope}`);
  }
  return {
    logicalId,
    topic: cfnValue(props.TopicArn, `${where}.TopicArn`, parameters),
    protocol: str(props.Protocol, `${where}.Protocol`),
    endpoint: cfnValue(props.Endpoint, `${where}.Endpoint`, parameters),
    rawMessageDelivery: bool(props.RawMessageDelivery, where, false),
    ...(policy === undefined
      ? {}
      : { filterPolicy: typeof policy === 'string' ? JSON.parse(policy) : policy }),
    ...(scope === undefined ? {} : { filterPolicyScope: scope }),
  };
}
