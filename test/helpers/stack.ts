/**
 * Per-file access to the local stack in integration tests:
 *
 * ```ts
 * const local = useLocalStack();
 * it('...', async () => {
 *   await local.ddb.send(new PutCommand({ TableName: local.resources.tables.licenses.name, Item }));
 *   await local.drain();
 *   // assert on tables / subscribed queues
 * });
 * ```
 *
 * The services come from the run's globalSetup (./global-setup.ts); each file
 * gets fresh tables, topics and queues under its own prefix, and its own
 * event source mapping emulator running the real handlers in this process.
 */
import { basename } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, DynamoDBRecord } from 'aws-lambda';
import { afterAll, beforeAll, expect, inject } from 'vitest';
import { type EventSourceMappingEmulator, readAllStreamRecords } from '../../local/esm.js';
import type { LocalResources, TableResource } from '../../local/resources.js';
import { createStackOn, type LocalStack, type LocalStackOptions, uniquePrefix } from '../../local/stack.js';
import { type CfnTemplate, synthesizeAssembly } from '../../local/template.js';
import { workerEndpoints } from './endpoints.js';
import { settleRequests } from './request-log.js';

/** Options of {@link useLocalStack}. */
export interface UseLocalStackOptions extends Omit<LocalStackOptions, 'template' | 'prefix'> {
  /** Readable part of the resource prefix. @default the test file's name */
  readonly label?: string;
  /**
   * This file means to provoke requests AWS would deny (a removed grant): they
   * are refused and reported, but do not fail the file. @default false
   */
  readonly expectDenials?: boolean;
  /** Changes this file's copy of the synthesized template (e.g. removes a grant) before the stack is created. */
  readonly editTemplate?: (template: CfnTemplate) => void;
  /**
   * CDK context to synthesize this file's own template with, e.g.
   * `{ customerTopicShards: 3 }`. @default the run's template (globalSetup)
   */
  readonly context?: Readonly<Record<string, unknown>>;
}

/** A message received from a queue. */
export interface ReceivedMessage {
  readonly messageId: string;
  readonly body: string;
  /** String message attributes (with raw delivery these are the SNS message attributes). */
  readonly attributes: Readonly<Record<string, string>>;
}

/** A queue subscribed to a topic by {@link LocalStackHandle.subscribeQueue}. */
export interface SubscribedQueue {
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly subscriptionArn: string;
  /** Receives (and deletes) every message currently in the queue. */
  receiveAll(): Promise<ReceivedMessage[]>;
}

/** Table names accepted by {@link LocalStackHandle.readStreamRecords}. */
export type StreamTableName = 'licenses' | 'shipments' | (string & {});

/** What {@link useLocalStack} gives a test file; usable from `beforeAll` on. */
export interface LocalStackHandle {
  readonly stack: LocalStack;
  readonly resources: LocalResources;
  readonly esm: EventSourceMappingEmulator;
  /** Document client built with `{}`: it reaches DynamoDB Local through AWS_ENDPOINT_URL_DYNAMODB. */
  readonly ddb: DynamoDBDocumentClient;
  readonly dynamodb: DynamoDBClient;
  readonly sns: SNSClient;
  readonly sqs: SQSClient;
  /** Waits until every stream has been processed (see EventSourceMappingEmulator.drain). */
  drain(options?: { timeoutMs?: number }): Promise<void>;
  /** Every record of a table's stream so far, in the Lambda event shape. */
  readStreamRecords(table: StreamTableName): Promise<DynamoDBRecord[]>;
  /** A fresh SQS queue subscribed to `topicArn` with raw delivery and a MessageAttributes filter policy. */
  subscribeQueue(topicArn: string, filterPolicy?: Record<string, unknown>): Promise<SubscribedQueue>;
  /** Receives (and deletes) every message currently in a queue, e.g. a DLQ. */
  receiveAll(queueUrl: string): Promise<ReceivedMessage[]>;
  /**
   * A function's real handler (imported the way the emulator imports it),
   * by logical id, entry path or base name (`license-events`).
   */
  loadHandler(name: string): Promise<(event: never, context: Context) => unknown>;
}

function callerLabel(): string {
  const state = expect.getState();
  const file = state.testPath ? basename(state.testPath).replace(/\.test\.ts$/, '') : 'it';
  return file;
}

/**
 * Receives every message currently in a queue and deletes them; with `keep`,
 * received messages stay invisible for 10 minutes instead (half the calls,
 * for a queue deleted afterwards).
 */
export async function receiveAllFrom(
  sqs: SQSClient,
  queueUrl: string,
  options: { keep?: boolean } = {},
): Promise<ReceivedMessage[]> {
  const out: ReceivedMessage[] = [];
  for (;;) {
    const page = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ['All'],
        ...(options.keep ? { VisibilityTimeout: 600 } : {}),
      }),
    );
    const messages = page.Messages ?? [];
    if (messages.length === 0) return out;
    for (const m of messages) {
      const attributes: Record<string, string> = {};
      for (const [name, value] of Object.entries(m.MessageAttributes ?? {})) {
        if (value.StringValue !== undefined) attributes[name] = value.StringValue;
      }
      out.push({ messageId: m.MessageId ?? '', body: m.Body ?? '', attributes });
    }
    if (options.keep) continue;
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
      }),
    );
  }
}

/**
 * Registers `beforeAll`/`afterAll` hooks that create a fresh local stack for
 * this test file on the run's services, and returns a handle whose members
 * are usable from `beforeAll` on.
 */
export function useLocalStack(options: UseLocalStackOptions = {}): LocalStackHandle {
  let stack: LocalStack | undefined;
  let clients:
    | { ddb: DynamoDBDocumentClient; dynamodb: DynamoDBClient; sns: SNSClient; sqs: SQSClient }
    | undefined;
  let streams: DynamoDBStreamsClient | undefined;
  let queues = 0;

  beforeAll(async () => {
    const endpoints = workerEndpoints();
    const synthesized = options.context
      ? await synthesizeAssembly({ context: options.context })
      : inject('clearanceAssembly');
    const template = structuredClone(synthesized.template);
    options.editTemplate?.(template);
    const assembly = { ...synthesized, template };
    const label = options.label ?? callerLabel();
    stack = await createStackOn(endpoints, {
      // A drain polls the streams without pause: it follows each hop and confirms quiet sooner.
      drainPollIntervalMs: 0,
      // An idle mapping reads a stream nothing wrote to once a second, not every 50 ms: each empty
      // read costs DynamoDB Local and this process CPU that the other file's worker waits for.
      quietReadIntervalMs: 1_000,
      ...options,
      // Handler logs at WARN keep test output readable; CLEARANCE_TEST_LOG_LEVEL=INFO shows them.
      environmentOverrides: {
        POWERTOOLS_LOG_LEVEL: process.env.CLEARANCE_TEST_LOG_LEVEL ?? 'WARN',
        // EMF lines would flood the output; observability-emf.test.ts turns them back on.
        POWERTOOLS_METRICS_DISABLED: 'true',
        ...options.environmentOverrides,
      },
      assembly,
      prefix: uniquePrefix(label),
    });
    // Built with `{}` on purpose: they must find the services through the SDK's standard variables.
    const dynamodb = new DynamoDBClient({});
    clients = {
      dynamodb,
      ddb: DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } }),
      sns: new SNSClient({}),
      // Through the gateway (AWS_ENDPOINT_URL_SQS), not the queue URL's host: every client goes through it.
      sqs: new SQSClient({ useQueueUrlAsEndpoint: false }),
    };
    streams = new DynamoDBStreamsClient({});
  });

  afterAll(async () => {
    await stack?.stop();
    clients?.dynamodb.destroy();
    clients?.sns.destroy();
    clients?.sqs.destroy();
    streams?.destroy();
    if (stack) settleRequests(stack, { expectDenials: options.expectDenials === true });
  });

  const need = <T>(value: T | undefined): T => {
    if (value === undefined)
      throw new Error('useLocalStack(): the stack is only available from beforeAll on');
    return value;
  };

  const tableFor = (name: StreamTableName): TableResource => {
    const { resources } = need(stack);
    if (name === 'licenses') return resources.tables.licenses;
    if (name === 'shipments') return resources.tables.shipments;
    const table = resources.tablesByLogicalId[name];
    if (table === undefined) throw new Error(`no table ${name}`);
    return table;
  };

  return {
    get stack() {
      return need(stack);
    },
    get resources() {
      return need(stack).resources;
    },
    get esm() {
      return need(stack).esm;
    },
    get ddb() {
      return need(clients).ddb;
    },
    get dynamodb() {
      return need(clients).dynamodb;
    },
    get sns() {
      return need(clients).sns;
    },
    get sqs() {
      return need(clients).sqs;
    },
    drain: (opts) => need(stack).drain(opts),
    async readStreamRecords(name) {
      const table = tableFor(name);
      if (table.streamArn === undefined) throw new Error(`table ${table.logicalId} has no stream`);
      return readAllStreamRecords(need(streams), table.streamArn, need(stack).resources.region);
    },
    async subscribeQueue(topicArn, filterPolicy) {
      const { sqs, sns } = need(clients);
      queues++;
      const name = `${need(stack).resources.prefix}-sub${queues}`;
      const created = await sqs.send(new CreateQueueCommand({ QueueName: name }));
      const queueUrl = created.QueueUrl ?? '';
      const attrs = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
      );
      const queueArn = attrs.Attributes?.QueueArn ?? '';
      const attributes: Record<string, string> = { RawMessageDelivery: 'true' };
      if (filterPolicy !== undefined) {
        attributes.FilterPolicy = JSON.stringify(filterPolicy);
        attributes.FilterPolicyScope = 'MessageAttributes';
      }
      const sub = await sns.send(
        new SubscribeCommand({
          TopicArn: topicArn,
          Protocol: 'sqs',
          Endpoint: queueArn,
          Attributes: attributes,
          ReturnSubscriptionArn: true,
        }),
      );
      return {
        queueUrl,
        queueArn,
        subscriptionArn: sub.SubscriptionArn ?? '',
        receiveAll: () => receiveAllFrom(sqs, queueUrl),
      };
    },
    receiveAll: (queueUrl) => receiveAllFrom(need(clients).sqs, queueUrl),
    async loadHandler(name) {
      const { resources, esm } = need(stack);
      const fn = Object.values(resources.functionsByLogicalId).find(
        (f) => f.logicalId === name || f.entry === name || basename(f.entry).replace(/\.ts$/, '') === name,
      );
      if (fn === undefined) throw new Error(`no function ${name} in the template`);
      return esm.loadHandler(fn.logicalId);
    },
  };
}
