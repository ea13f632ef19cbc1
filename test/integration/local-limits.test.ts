/**
 * AWS's limits, enforced on every client of the local stack: each request
 * below goes once straight to DynamoDB Local or fauxqs and once through the
 * stack's gateway, which refuses it with AWS's error. fauxqs accepts every
 * SNS case (that is what the local stack did before its guard); DynamoDB Local
 * refuses the DynamoDB cases itself, so for those the guard only makes sure.
 */
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  DynamoDBClient,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { PublishBatchCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceEndpoints } from '../../local/services.js';
import { useLocalStack } from '../helpers/stack.js';

const local = useLocalStack();

interface Clients {
  dynamodb: DynamoDBClient;
  sns: SNSClient;
}
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const clientsFor = (e: ServiceEndpoints): Clients => ({
  dynamodb: new DynamoDBClient({ region: e.region, endpoint: e.dynamodb, credentials, maxAttempts: 1 }),
  sns: new SNSClient({ region: e.region, endpoint: e.sns, credentials, maxAttempts: 1 }),
});
let direct: Clients;
let guarded: Clients;
let queueArn = '';
/** A second queue: SNS refuses a second subscription of one endpoint with other attributes. */
let otherQueueArn = '';

beforeAll(async () => {
  direct = clientsFor(local.stack.upstream);
  guarded = clientsFor(local.stack.endpoints);
  const sqs = new SQSClient({
    region: local.stack.endpoints.region,
    endpoint: local.stack.endpoints.sqs,
    credentials,
  });
  const arnOf = async (name: string) => {
    const created = await sqs.send(
      new CreateQueueCommand({ QueueName: `${local.resources.prefix}-${name}` }),
    );
    const attrs = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: created.QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    return attrs.Attributes?.QueueArn ?? '';
  };
  queueArn = await arnOf('limits');
  otherQueueArn = await arnOf('limits2');
  sqs.destroy();
});
afterAll(() => {
  for (const c of [direct, guarded]) {
    c.dynamodb.destroy();
    c.sns.destroy();
  }
});

const shipments = () => local.resources.tables.shipments.name;
const topic = () => local.resources.topics.logistics.arn;
const update = (shipmentId: string) => ({
  Update: {
    TableName: shipments(),
    Key: { shipmentId: { S: shipmentId } },
    UpdateExpression: 'SET #n = :n',
    ExpressionAttributeNames: { '#n': 'note' },
    ExpressionAttributeValues: { ':n': { S: 'x' } },
  },
});
const entries = (n: number, extra: (i: number) => Record<string, unknown> = () => ({})) =>
  Array.from({ length: n }, (_, i) => ({ Id: `e${i}`, Message: `m${i}`, ...extra(i) }));
const attributes = (n: number) =>
  Object.fromEntries(
    Array.from({ length: n }, (_, i) => [`a${i}`, { DataType: 'String', StringValue: 'v' }]),
  );

/**
 * Each case: the call, AWS's error for it, and whether the emulator refuses it
 * on its own (DynamoDB Local enforces DynamoDB's request limits; fauxqs
 * enforces none of SNS's).
 */
const CASES: {
  name: string;
  send: (c: Clients) => Promise<unknown>;
  error: RegExp;
  emulatorRefuses: boolean;
}[] = [
  {
    name: 'TransactWriteItems with 101 actions',
    emulatorRefuses: true,
    send: (c) =>
      c.dynamodb.send(
        new TransactWriteItemsCommand({
          TransactItems: Array.from({ length: 101 }, (_, i) => update(`L-${i}`)) as never,
        }),
      ),
    error: /less than or equal to 100/,
  },
  {
    name: 'TransactWriteItems touching one item twice',
    emulatorRefuses: true,
    send: (c) =>
      c.dynamodb.send(
        new TransactWriteItemsCommand({ TransactItems: [update('L-1'), update('L-1')] as never }),
      ),
    error: /multiple operations on one item/,
  },
  {
    name: 'TransactWriteItems over 4 MB',
    emulatorRefuses: true,
    send: (c) =>
      c.dynamodb.send(
        new TransactWriteItemsCommand({
          TransactItems: Array.from({ length: 12 }, (_, i) => ({
            Put: {
              TableName: shipments(),
              Item: { shipmentId: { S: `L-BIG-${i}` }, blob: { S: 'x'.repeat(380_000) } },
            },
          })),
        }),
      ),
    error: /4 ?MB|aggregate size/i,
  },
  {
    name: 'BatchGetItem of 101 keys',
    emulatorRefuses: true,
    send: (c) =>
      c.dynamodb.send(
        new BatchGetItemCommand({
          RequestItems: {
            [shipments()]: { Keys: Array.from({ length: 101 }, (_, i) => ({ shipmentId: { S: `L-${i}` } })) },
          },
        }),
      ),
    error: /less than or equal to 100|Too many items requested for the BatchGetItem call/,
  },
  {
    name: 'BatchWriteItem of 26 items',
    emulatorRefuses: true,
    send: (c) =>
      c.dynamodb.send(
        new BatchWriteItemCommand({
          RequestItems: {
            [shipments()]: Array.from({ length: 26 }, (_, i) => ({
              PutRequest: { Item: { shipmentId: { S: `L-W-${i}` } } },
            })),
          },
        }),
      ),
    error: /Too many items requested for the BatchWriteItem call|less than or equal to 25/,
  },
  {
    name: 'PublishBatch of 11 entries',
    emulatorRefuses: false,
    send: (c) =>
      c.sns.send(new PublishBatchCommand({ TopicArn: topic(), PublishBatchRequestEntries: entries(11) })),
    error: /more entries than permissible/,
  },
  {
    name: 'PublishBatch over 256 KiB in total',
    emulatorRefuses: false,
    send: (c) =>
      c.sns.send(
        new PublishBatchCommand({
          TopicArn: topic(),
          PublishBatchRequestEntries: entries(2, () => ({ Message: 'x'.repeat(140_000) })),
        }),
      ),
    error: /length of all the batch messages put together is more than the limit/,
  },
  {
    name: 'Publish with 11 message attributes',
    emulatorRefuses: false,
    send: (c) =>
      c.sns.send(new PublishCommand({ TopicArn: topic(), Message: 'm', MessageAttributes: attributes(11) })),
    error: /Number of message attributes \[11\] exceeds the allowed maximum \[10\]/,
  },
  {
    name: 'PublishBatch with an empty attribute value',
    emulatorRefuses: false,
    send: (c) =>
      c.sns.send(
        new PublishBatchCommand({
          TopicArn: topic(),
          PublishBatchRequestEntries: entries(1, () => ({
            MessageAttributes: { customerId: { DataType: 'String', StringValue: '' } },
          })),
        }),
      ),
    error: /must contain non-empty message attribute value/,
  },
  {
    name: 'Publish with a subject of two lines',
    emulatorRefuses: false,
    send: (c) =>
      c.sns.send(new PublishCommand({ TopicArn: topic(), Message: 'm', Subject: 'Release\nnotice' })),
    error: /[Ss]ubject/,
  },
  {
    name: 'Subscribe with a filter policy of 6 keys',
    emulatorRefuses: false,
    send: (c) =>
      c.sns.send(
        new SubscribeCommand({
          TopicArn: topic(),
          Protocol: 'sqs',
          Endpoint: queueArn,
          Attributes: {
            FilterPolicy: JSON.stringify(
              Object.fromEntries(['a', 'b', 'c', 'd', 'e', 'f'].map((k) => [k, ['x']])),
            ),
          },
        }),
      ),
    error: /Filter policy can not have more than 5 keys|too many keys|5 keys/i,
  },
  {
    name: 'Subscribe with a filter policy of 151 combinations',
    emulatorRefuses: false,
    send: (c) =>
      c.sns.send(
        new SubscribeCommand({
          TopicArn: topic(),
          Protocol: 'sqs',
          Endpoint: otherQueueArn,
          Attributes: {
            FilterPolicy: JSON.stringify({
              a: Array.from({ length: 151 }, (_, i) => `v${i}`),
            }),
          },
        }),
      ),
    error: /too complex|combinations/i,
  },
];

describe('AWS limits at the local stack', () => {
  it.each(CASES.filter((c) => !c.emulatorRefuses))(
    'refuses $name with AWS’s error, which the emulator alone accepts',
    async ({ send, error }) => {
      await expect(send(direct), 'fauxqs alone accepts it').resolves.toBeDefined();
      await expect(send(guarded)).rejects.toThrow(error);
    },
  );

  it.each(CASES.filter((c) => c.emulatorRefuses))(
    'refuses $name with AWS’s error, as DynamoDB Local does too',
    async ({ send, error }) => {
      await expect(send(direct), 'DynamoDB Local enforces this limit itself').rejects.toThrow();
      await expect(send(guarded)).rejects.toThrow(error);
    },
  );
});
