/**
 * What IAM authorizes for an AWS API call: one decoded call becomes the list
 * of (action, resource, context) requests AWS evaluates for it. A call this
 * module does not know throws, so that no new call goes unjudged.
 */

/** A decoded AWS API call. */
export interface AwsCall {
  service: 'dynamodb' | 'dynamodbstreams' | 'lambda' | 'sns' | 'sqs' | 'sts';
  operation: string;
  /** SDK-shaped input: the JSON body for DynamoDB/Streams/SQS; for SNS (query protocol) the decoded structure, e.g. { TopicArn, PublishBatchRequestEntries: [{ Id, Message, Subject?, MessageAttributes? }] }; for Lambda Invoke { FunctionName, Qualifier?, ... } */
  input: Record<string, unknown>;
}

/** One request IAM evaluates. */
export interface IamRequest {
  action: string;
  resource: string;
  context: Record<string, string | string[]>;
}

/** Resolves the names a call uses to the ARNs IAM evaluates. */
export interface ResourceLookup {
  tableArn(tableNameOrArn: string): string;
  queueArn(queueUrl: string): string;
  topicKeyArn(topicArn: string): string | undefined;
  /**
   * KMS key of a queue, when it is KMS-encrypted. Optional: without it, SQS
   * calls are judged without the key uses SQS makes for the caller.
   */
  queueKeyArn?(queueArn: string): string | undefined;
  /**
   * The stream ARN a shard iterator reads. `GetRecords` names only its
   * iterator, so judging it needs this hook (e.g. a gateway that remembers the
   * `GetShardIterator` calls it passed on); without it `GetRecords` throws.
   */
  streamArnOfIterator?(shardIterator: string): string;
  /**
   * The ARN of the function a Lambda call names (a name, a partial or full
   * ARN, with its qualifier if it has one), qualified when `qualifier` or
   * the name carries one. Optional: without it, Lambda calls throw.
   */
  functionArn?(functionName: string, qualifier: string | undefined): string;
}

/** A call cannot be mapped to IAM requests. */
export class UnmappedCallError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnmappedCallError';
  }
}

const TLS = { 'aws:SecureTransport': 'true' } as const;

const str = (call: AwsCall, value: unknown, name: string): string => {
  if (typeof value !== 'string' || value === '')
    throw new UnmappedCallError(`${call.service} ${call.operation}: input has no ${name}`);
  return value;
};
const obj = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const req = (
  action: string,
  resource: string,
  context: Record<string, string | string[]> = {},
): IamRequest => ({
  action,
  resource,
  context: { ...TLS, ...context },
});

/** DynamoDB single-table operations and the action each needs. */
const DYNAMODB_TABLE_OPS: Record<string, string> = {
  GetItem: 'dynamodb:GetItem',
  PutItem: 'dynamodb:PutItem',
  UpdateItem: 'dynamodb:UpdateItem',
  DeleteItem: 'dynamodb:DeleteItem',
  DescribeTable: 'dynamodb:DescribeTable',
  Query: 'dynamodb:Query',
  Scan: 'dynamodb:Scan',
};
/** Kinds of TransactWriteItems / TransactGetItems entries and the action each needs. */
const TRANSACT_ITEMS: Record<string, string> = {
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  ConditionCheck: 'dynamodb:ConditionCheckItem',
  Get: 'dynamodb:GetItem',
};

function dynamodb(call: AwsCall, lookup: ResourceLookup): IamRequest[] {
  const { operation, input } = call;
  const single = DYNAMODB_TABLE_OPS[operation];
  if (single) {
    const table = lookup.tableArn(str(call, input.TableName, 'TableName'));
    const index = operation === 'Query' || operation === 'Scan' ? input.IndexName : undefined;
    return [req(single, typeof index === 'string' ? `${table}/index/${index}` : table)];
  }
  if (operation === 'TransactWriteItems' || operation === 'TransactGetItems') {
    if (!Array.isArray(input.TransactItems))
      throw new UnmappedCallError(`dynamodb ${operation}: input has no TransactItems`);
    return input.TransactItems.map((entry: unknown) => {
      const [kind, body] = Object.entries(obj(entry))[0] ?? [];
      const action = kind === undefined ? undefined : TRANSACT_ITEMS[kind];
      if (!action || (operation === 'TransactGetItems') !== (kind === 'Get'))
        throw new UnmappedCallError(`dynamodb ${operation}: unknown item kind ${kind}`);
      return req(action, lookup.tableArn(str(call, obj(body).TableName, `${kind}.TableName`)));
    });
  }
  if (operation === 'BatchWriteItem' || operation === 'BatchGetItem')
    return Object.keys(obj(input.RequestItems)).map((t) => req(`dynamodb:${operation}`, lookup.tableArn(t)));
  throw new UnmappedCallError(`dynamodb ${operation} is not mapped to IAM requests`);
}

function streams(call: AwsCall, lookup: ResourceLookup): IamRequest[] {
  const { operation, input } = call;
  switch (operation) {
    case 'DescribeStream':
    case 'GetShardIterator':
      return [req(`dynamodb:${operation}`, str(call, input.StreamArn, 'StreamArn'))];
    case 'GetRecords': {
      const iterator = str(call, input.ShardIterator, 'ShardIterator');
      if (!lookup.streamArnOfIterator)
        throw new UnmappedCallError('dynamodbstreams GetRecords: the lookup has no streamArnOfIterator');
      return [req('dynamodb:GetRecords', lookup.streamArnOfIterator(iterator))];
    }
    case 'ListStreams':
      return [req('dynamodb:ListStreams', '*')];
    default:
      throw new UnmappedCallError(`dynamodbstreams ${operation} is not mapped to IAM requests`);
  }
}

/**
 * `sns:Publish` on the topic, and on an encrypted topic the two key uses SNS
 * makes with the publisher's credentials (context `kms:ViaService`).
 */
export function publishRequests(topicArn: string, keyArn: string | undefined): IamRequest[] {
  const region = topicArn.split(':')[3] ?? '';
  const via = { 'kms:ViaService': `sns.${region}.amazonaws.com` };
  return [
    req('sns:Publish', topicArn),
    ...(keyArn ? [req('kms:GenerateDataKey', keyArn, via), req('kms:Decrypt', keyArn, via)] : []),
  ];
}

/**
 * `sqs:SendMessage` on the queue, and on a KMS-encrypted queue the two key
 * uses SQS makes with the sender's credentials (context `kms:ViaService`).
 */
export function sendMessageRequests(queueArn: string, keyArn: string | undefined): IamRequest[] {
  const region = queueArn.split(':')[3] ?? '';
  const via = { 'kms:ViaService': `sqs.${region}.amazonaws.com` };
  return [
    req('sqs:SendMessage', queueArn),
    ...(keyArn ? [req('kms:GenerateDataKey', keyArn, via), req('kms:Decrypt', keyArn, via)] : []),
  ];
}

function sns(call: AwsCall, lookup: ResourceLookup): IamRequest[] {
  const { operation, input } = call;
  switch (operation) {
    case 'Publish':
    case 'PublishBatch': {
      const topic = str(
        call,
        input.TopicArn,
        'TopicArn (publishing to a phone number or endpoint is not mapped)',
      );
      return publishRequests(topic, lookup.topicKeyArn(topic));
    }
    case 'Subscribe': {
      const context: Record<string, string> = { 'sns:Protocol': str(call, input.Protocol, 'Protocol') };
      if (typeof input.Endpoint === 'string') context['sns:Endpoint'] = input.Endpoint;
      return [req('sns:Subscribe', str(call, input.TopicArn, 'TopicArn'), context)];
    }
    case 'ListSubscriptionsByTopic':
    case 'GetTopicAttributes':
      return [req(`sns:${operation}`, str(call, input.TopicArn, 'TopicArn'))];
    // SNS defines no IAM resource type for subscriptions: these are authorized
    // against "*", which is also the only resource a policy can grant them on.
    case 'Unsubscribe':
    case 'GetSubscriptionAttributes':
    case 'SetSubscriptionAttributes':
      str(call, input.SubscriptionArn, 'SubscriptionArn');
      return [req(`sns:${operation}`, '*')];
    default:
      throw new UnmappedCallError(`sns ${operation} is not mapped to IAM requests`);
  }
}

/** SQS operations on one queue and the action each needs. */
const SQS_QUEUE_OPS: Record<string, string> = {
  SendMessage: 'sqs:SendMessage',
  SendMessageBatch: 'sqs:SendMessage',
  ReceiveMessage: 'sqs:ReceiveMessage',
  DeleteMessage: 'sqs:DeleteMessage',
  DeleteMessageBatch: 'sqs:DeleteMessage',
  GetQueueAttributes: 'sqs:GetQueueAttributes',
  SetQueueAttributes: 'sqs:SetQueueAttributes',
  PurgeQueue: 'sqs:PurgeQueue',
  ChangeMessageVisibility: 'sqs:ChangeMessageVisibility',
  ChangeMessageVisibilityBatch: 'sqs:ChangeMessageVisibility',
};

function sqs(call: AwsCall, lookup: ResourceLookup): IamRequest[] {
  const action = SQS_QUEUE_OPS[call.operation];
  if (!action) throw new UnmappedCallError(`sqs ${call.operation} is not mapped to IAM requests`);
  const queue = lookup.queueArn(str(call, call.input.QueueUrl, 'QueueUrl'));
  const key = lookup.queueKeyArn?.(queue);
  if (action === 'sqs:SendMessage') return sendMessageRequests(queue, key);
  const via = { 'kms:ViaService': `sqs.${queue.split(':')[3] ?? ''}.amazonaws.com` };
  // A consumer of a KMS-encrypted queue decrypts what it receives.
  return [
    req(action, queue),
    ...(action === 'sqs:ReceiveMessage' && key ? [req('kms:Decrypt', key, via)] : []),
  ];
}

function lambda(call: AwsCall, lookup: ResourceLookup): IamRequest[] {
  if (call.operation !== 'Invoke')
    throw new UnmappedCallError(`lambda ${call.operation} is not mapped to IAM requests`);
  if (!lookup.functionArn) throw new UnmappedCallError('lambda Invoke: the lookup has no functionArn');
  const qualifier = typeof call.input.Qualifier === 'string' ? call.input.Qualifier : undefined;
  const name = str(call, call.input.FunctionName, 'FunctionName');
  // A dry run is authorized as the invocation itself.
  return [req('lambda:InvokeFunction', lookup.functionArn(name, qualifier))];
}

function sts(call: AwsCall): IamRequest[] {
  if (call.operation === 'GetCallerIdentity') return [req('sts:GetCallerIdentity', '*')];
  if (call.operation !== 'AssumeRole')
    throw new UnmappedCallError(`sts ${call.operation} is not mapped to IAM requests`);
  const session = call.input.RoleSessionName;
  return [
    req(
      'sts:AssumeRole',
      str(call, call.input.RoleArn, 'RoleArn'),
      typeof session === 'string' ? { 'sts:RoleSessionName': session } : {},
    ),
  ];
}

/**
 * The IAM requests AWS evaluates for `call`, each with
 * `aws:SecureTransport = true`. Throws an {@link UnmappedCallError} naming the
 * service and operation for a call it does not know.
 */
export function iamRequestsFor(call: AwsCall, lookup: ResourceLookup): IamRequest[] {
  switch (call.service) {
    case 'dynamodb':
      return dynamodb(call, lookup);
    case 'dynamodbstreams':
      return streams(call, lookup);
    case 'sns':
      return sns(call, lookup);
    case 'sqs':
      return sqs(call, lookup);
    case 'lambda':
      return lambda(call, lookup);
    case 'sts':
      return sts(call);
    default:
      throw new UnmappedCallError(`${String(call.service)} ${call.operation} is not mapped to IAM requests`);
  }
}
