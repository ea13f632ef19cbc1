/**
 * `npm run stack` as an outside client sees it: a child process, one JSON line
 * on stdout, then only the plain AWS SDK with made-up credentials.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import {
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StackDescription } from '../../local/stack-json.js';
import { aLicense, anInventory, aShipment } from '../helpers/factories.js';
import { until } from '../helpers/poll.js';

let child: ChildProcess;
let stack: StackDescription;
let stdoutLines: string[] = [];

beforeAll(async () => {
  child = spawn('npm', ['run', 'stack'], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr?.resume();
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const first = new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) =>
      reject(new Error(`npm run stack exited with ${code} before printing its JSON`)),
    );
  });
  lines.on('line', (l) => stdoutLines.push(l));
  stack = JSON.parse(await first) as StackDescription;
  stdoutLines = [];
}, 90_000);

afterAll(async () => {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
});

const outside = () => {
  const base = {
    region: stack.region,
    credentials: { accessKeyId: 'AKIDOUTSIDECLIENT', secretAccessKey: 'not-checked' },
  };
  return {
    ddb: DynamoDBDocumentClient.from(new DynamoDBClient({ ...base, endpoint: stack.endpoints.dynamodb })),
    sns: new SNSClient({ ...base, endpoint: stack.endpoints.sns }),
    sqs: new SQSClient({ ...base, endpoint: stack.endpoints.sqs }),
  };
};

describe('npm run stack', () => {
  it('prints one JSON line naming the endpoints, tables and topics', () => {
    expect(stack).toMatchObject({
      region: expect.any(String),
      endpoints: {
        dynamodb: expect.stringMatching(/^http:/),
        dynamodbstreams: expect.any(String),
        sns: expect.any(String),
        sqs: expect.any(String),
        lambda: expect.stringMatching(/^http:/),
      },
      tables: {
        licenses: expect.any(String),
        shipments: expect.any(String),
        inventory: expect.any(String),
        history: expect.any(String),
      },
      functions: { licenseEvents: expect.any(String), shipmentEvents: expect.any(String) },
      topics: {
        customer: expect.stringMatching(/^arn:aws:sns:/),
        logistics: expect.any(String),
        ops: expect.any(String),
      },
    });
    expect(stdoutLines).toEqual([]);
  });

  it('creates History from the template: keyed licenseId + entryId, with the byShipment index', async () => {
    const dynamodb = new DynamoDBClient({
      region: stack.region,
      endpoint: stack.endpoints.dynamodb,
      credentials: { accessKeyId: 'AKIDOUTSIDECLIENT', secretAccessKey: 'not-checked' },
    });
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: stack.tables.history }));
    dynamodb.destroy();
    expect(Table?.KeySchema).toEqual([
      { AttributeName: 'licenseId', KeyType: 'HASH' },
      { AttributeName: 'entryId', KeyType: 'RANGE' },
    ]);
    expect(Table?.GlobalSecondaryIndexes?.map((ix) => [ix.IndexName, ix.KeySchema])).toEqual([
      [
        'byShipment',
        [
          { AttributeName: 'shipmentId', KeyType: 'HASH' },
          { AttributeName: 'at', KeyType: 'RANGE' },
        ],
      ],
    ]);
    expect(Table?.StreamSpecification?.StreamEnabled ?? false).toBe(false);
  });

  it('releases shipments approved by an outside client and notifies the right queues', async () => {
    const { ddb, sns, sqs } = outside();
    const subscribe = async (name: string, topicArn: string, filter: Record<string, string[]>) => {
      const url = (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl ?? '';
      const arn = (
        await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))
      ).Attributes?.QueueArn;
      await sns.send(
        new SubscribeCommand({
          TopicArn: topicArn,
          Protocol: 'sqs',
          Endpoint: arn,
          Attributes: {
            FilterPolicy: JSON.stringify(filter),
            FilterPolicyScope: 'MessageAttributes',
            RawMessageDelivery: 'true',
          },
        }),
      );
      return url;
    };
    const mine = await subscribe('outside-acme', stack.topics.customer, {
      customerId: ['CUST-ACME'],
      kind: ['shipment'],
    });
    const other = await subscribe('outside-other', stack.topics.customer, {
      customerId: ['CUST-OTHER'],
      kind: ['shipment'],
    });
    const w1 = await subscribe('outside-w1', stack.topics.logistics, {
      warehouseId: ['W1'],
      kind: ['shipment'],
    });

    await ddb.send(
      new BatchWriteCommand({
        RequestItems: {
          [stack.tables.inventory]: [
            { PutRequest: { Item: anInventory({ warehouseId: 'W1', onHand: 1000 }) } },
            { PutRequest: { Item: anInventory({ warehouseId: 'W2', onHand: 1000 }) } },
          ],
        },
      }),
    );
    await ddb.send(
      new PutCommand({
        TableName: stack.tables.licenses,
        Item: aLicense({ status: 'PENDING', authorizedQuantity: 30 }),
      }),
    );
    const shipments = [
      aShipment({ shipmentId: 'OUT-1', warehouseId: 'W1', quantity: 10, priority: 1 }),
      aShipment({ shipmentId: 'OUT-2', warehouseId: 'W2', quantity: 10, priority: 2 }),
      aShipment({ shipmentId: 'OUT-3', warehouseId: 'W1', quantity: 20, priority: 3 }),
    ];
    await ddb.send(
      new BatchWriteCommand({
        RequestItems: { [stack.tables.shipments]: shipments.map((Item) => ({ PutRequest: { Item } })) },
      }),
    );
    await until('the shipments to be accepted', async () => {
      const items = await Promise.all(
        shipments.map((s) =>
          ddb.send(new GetCommand({ TableName: stack.tables.shipments, Key: { shipmentId: s.shipmentId } })),
        ),
      );
      return items.every((i) => i.Item?.countedStatus === 'HELD') ? true : undefined;
    });

    await ddb.send(
      new UpdateCommand({
        TableName: stack.tables.licenses,
        Key: { licenseId: 'LIC-H20-0001' },
        UpdateExpression: 'SET #s = :s',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':s': 'APPROVED' },
      }),
    );
    const statuses = await until('the release', async () => {
      const items = await Promise.all(
        shipments.map((s) =>
          ddb.send(new GetCommand({ TableName: stack.tables.shipments, Key: { shipmentId: s.shipmentId } })),
        ),
      );
      const st = items.map((i) => `${i.Item?.status}/${i.Item?.holdReason ?? ''}`);
      return st.filter((x) => x.startsWith('RELEASED')).length === 2 &&
        st.some((x) => x.includes('EXHAUSTED'))
        ? st
        : undefined;
    });
    expect(statuses).toEqual(['RELEASED/', 'RELEASED/', 'HELD/LICENSE_QUANTITY_EXHAUSTED']);
    const inv = async (warehouseId: string) =>
      (
        await ddb.send(
          new GetCommand({ TableName: stack.tables.inventory, Key: { sku: 'H20', warehouseId } }),
        )
      ).Item;
    expect(await inv('W1')).toMatchObject({ held: 20, released: 10 });
    expect(await inv('W2')).toMatchObject({ held: 0, released: 10 });

    const receive = async (url: string, atLeast: number) => {
      const all: { shipmentId: string; eventType: string; customerId: string }[] = [];
      return until(`${atLeast} messages`, async () => {
        const got = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 300 }),
        );
        for (const m of got.Messages ?? []) all.push(JSON.parse(m.Body ?? '{}'));
        return all.length >= atLeast ? all : undefined;
      });
    };
    const released = (await receive(mine, 5))
      .filter((m) => m.eventType === 'SHIPMENT_RELEASED')
      .map((m) => m.shipmentId);
    expect(released.sort()).toEqual(['OUT-1', 'OUT-2']);
    expect((await receive(w1, 3)).every((m) => ['OUT-1', 'OUT-3'].includes(m.shipmentId))).toBe(true);
    const leaked = await sqs.send(new ReceiveMessageCommand({ QueueUrl: other, MaxNumberOfMessages: 10 }));
    expect(leaked.Messages ?? []).toEqual([]);
  });

  it('serves Lambda Invoke: the function the line names runs from its bundle and answers', async () => {
    const lambda = new LambdaClient({
      region: stack.region,
      endpoint: stack.endpoints.lambda,
      credentials: { accessKeyId: 'AKIDOUTSIDECLIENT', secretAccessKey: 'not-checked' },
    });
    const out = await lambda.send(
      new InvokeCommand({
        FunctionName: stack.functions.shipmentEvents,
        Payload: new TextEncoder().encode(JSON.stringify({ Records: [] })),
      }),
    );
    expect(out.FunctionError).toBeUndefined();
    expect(JSON.parse(new TextDecoder().decode(out.Payload))).toEqual({ batchItemFailures: [] });
    lambda.destroy();
  });

  it('stops on SIGTERM and leaves no DynamoDB Local process behind', async () => {
    child.kill('SIGTERM');
    await once(child, 'exit');
    const alive = () => {
      try {
        process.kill(stack.processes.dynamodbLocal, 0);
        return true;
      } catch {
        return false;
      }
    };
    await until('DynamoDB Local to exit', async () => (alive() ? undefined : true), 10_000);
    expect(alive()).toBe(false);
  });
});
