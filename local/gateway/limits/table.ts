/** Every limit the gateway enforces, with its AWS value and the documentation page it comes from. */

const DOC = {
  transactWrite: 'https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html',
  transactDuplicate: 'https://repost.aws/knowledge-center/dynamodb-transactwriteitems',
  transactCancel:
    'https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html',
  transactGet: 'https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactGetItems.html',
  batchGet: 'https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html',
  batchWrite: 'https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html',
  putItem: 'https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PutItem.html',
  updateItem: 'https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateItem.html',
  itemSize: 'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html',
  publish: 'https://docs.aws.amazon.com/sns/latest/api/API_Publish.html',
  publishBatch: 'https://docs.aws.amazon.com/sns/latest/api/API_PublishBatch.html',
  snsBatching: 'https://docs.aws.amazon.com/sns/latest/dg/sns-batch-api-actions.html',
  snsAttributes: 'https://docs.aws.amazon.com/sns/latest/dg/sns-message-attributes.html',
  snsAttributeValue: 'https://docs.aws.amazon.com/sns/latest/api/API_MessageAttributeValue.html',
  snsLarge: 'https://docs.aws.amazon.com/sns/latest/dg/large-message-payloads.html',
  snsRawDelivery: 'https://docs.aws.amazon.com/sns/latest/dg/sns-large-payload-raw-message-delivery.html',
  filterConstraints: 'https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html',
  sqsSendBatch:
    'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessageBatch.html',
  sqsDeleteBatch:
    'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_DeleteMessageBatch.html',
  sqsSend: 'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html',
  sqsQuotas:
    'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html',
  lambdaQuotas: 'https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html',
} as const;

const LIMIT_TABLE = [
  { limit: 'dynamodb.TransactWriteItems.actions', value: '100 actions', source: DOC.transactWrite },
  {
    limit: 'dynamodb.TransactWriteItems.distinctItems',
    value: 'one action per item (table + key)',
    source: DOC.transactDuplicate,
  },
  {
    limit: 'dynamodb.TransactWriteItems.aggregateSize',
    value: '4 MB (4,194,304 bytes) over all items',
    source: DOC.transactWrite,
  },
  {
    limit: 'dynamodb.TransactWriteItems.itemSize',
    value: '400 KB (409,600 bytes) per Put item',
    source: DOC.transactCancel,
  },
  { limit: 'dynamodb.TransactGetItems.actions', value: '100 actions', source: DOC.transactGet },
  { limit: 'dynamodb.BatchGetItem.keys', value: '100 keys over all tables', source: DOC.batchGet },
  { limit: 'dynamodb.BatchGetItem.distinctKeys', value: 'no key twice', source: DOC.batchGet },
  {
    limit: 'dynamodb.BatchWriteItem.requests',
    value: '25 put/delete requests over all tables',
    source: DOC.batchWrite,
  },
  { limit: 'dynamodb.BatchWriteItem.distinctKeys', value: 'no key twice', source: DOC.batchWrite },
  {
    limit: 'dynamodb.BatchWriteItem.itemSize',
    value: '400 KB (409,600 bytes) per Put item',
    source: DOC.batchWrite,
  },
  { limit: 'dynamodb.PutItem.itemSize', value: '400 KB (409,600 bytes)', source: DOC.itemSize },
  {
    limit: 'dynamodb.UpdateItem.itemSize',
    value: '400 KB (409,600 bytes) for the item after the update',
    source: DOC.updateItem,
  },
  { limit: 'sns.PublishBatch.entries', value: '10 entries', source: DOC.publishBatch },
  { limit: 'sns.PublishBatch.emptyBatch', value: 'at least 1 entry', source: DOC.publishBatch },
  { limit: 'sns.PublishBatch.distinctIds', value: 'distinct entry Ids', source: DOC.publishBatch },
  {
    limit: 'sns.PublishBatch.entryId',
    value: 'up to 80 characters: A-Z a-z 0-9 - _',
    source: DOC.snsBatching,
  },
  {
    limit: 'sns.PublishBatch.totalSize',
    value: '262,144 bytes (topic default; MaximumMessageSize can raise it to 1 MiB)',
    source: DOC.publishBatch,
  },
  {
    limit: 'sns.Publish.messageSize',
    value: '262,144 bytes with attributes (topic default; MaximumMessageSize can raise it to 1 MiB)',
    source: DOC.snsLarge,
  },
  {
    limit: 'sns.MessageAttribute.value',
    value: 'name, type and value not empty',
    source: DOC.snsAttributeValue,
  },
  {
    limit: 'sns.MessageAttributes.count',
    value:
      '10 per message: SNS accepts more, then drops the message for every SQS subscription with raw delivery (as clearance machine subscriptions are); refused locally',
    source: DOC.snsRawDelivery,
  },
  {
    limit: 'sns.MessageAttribute.name',
    value:
      "up to 256 characters: A-Z a-z 0-9 _ - . (no leading, trailing or double '.'; no AWS./Amazon. prefix)",
    source: DOC.snsAttributes,
  },
  {
    limit: 'sns.MessageAttribute.dataType',
    value: 'String, Number or Binary, optionally .custom; up to 256 bytes',
    source: DOC.snsAttributes,
  },
  {
    limit: 'sns.Subject',
    value: 'UTF-8 text, no line breaks or control characters, fewer than 100 characters',
    source: DOC.publish,
  },
  { limit: 'sns.FilterPolicy.json', value: 'a JSON object', source: DOC.filterConstraints },
  {
    limit: 'sns.FilterPolicy.keys',
    value: '5 keys (MessageBody scope: leaf keys)',
    source: DOC.filterConstraints,
  },
  { limit: 'sns.FilterPolicy.combinations', value: '150 combinations', source: DOC.filterConstraints },
  { limit: 'sqs.SendMessageBatch.entries', value: '10 entries', source: DOC.sqsSendBatch },
  { limit: 'sqs.SendMessageBatch.emptyBatch', value: 'at least 1 entry', source: DOC.sqsSendBatch },
  { limit: 'sqs.SendMessageBatch.distinctIds', value: 'distinct entry Ids', source: DOC.sqsSendBatch },
  {
    limit: 'sqs.SendMessageBatch.entryId',
    value: 'up to 80 characters: A-Z a-z 0-9 - _',
    source: DOC.sqsQuotas,
  },
  {
    limit: 'sqs.SendMessageBatch.totalSize',
    value: '1,048,576 bytes (1 MiB) over all messages with attributes',
    source: DOC.sqsSendBatch,
  },
  { limit: 'sqs.DeleteMessageBatch.entries', value: '10 entries', source: DOC.sqsDeleteBatch },
  { limit: 'sqs.DeleteMessageBatch.emptyBatch', value: 'at least 1 entry', source: DOC.sqsDeleteBatch },
  { limit: 'sqs.DeleteMessageBatch.distinctIds', value: 'distinct entry Ids', source: DOC.sqsDeleteBatch },
  {
    limit: 'sqs.DeleteMessageBatch.entryId',
    value: 'up to 80 characters: A-Z a-z 0-9 - _',
    source: DOC.sqsQuotas,
  },
  {
    limit: 'sqs.SendMessage.messageSize',
    value: '1,048,576 bytes (1 MiB) with attributes (queue default)',
    source: DOC.sqsSend,
  },
  {
    limit: 'lambda.Invoke.payload',
    value: '6 MB (6,291,456 bytes) request payload of a synchronous (RequestResponse) invocation',
    source: DOC.lambdaQuotas,
  },
] as const;

export type LimitName = (typeof LIMIT_TABLE)[number]['limit'];

/** Every limit this module knows, with its AWS value and the documentation page it comes from. */
export const LIMITS: readonly { limit: string; value: string; source: string }[] = LIMIT_TABLE;
