/**
 * Creates the template's tables, topics, queues and subscriptions on the local
 * services, under a name prefix, and resolves each function's environment to
 * the local names, ARNs and URLs.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { enableLocalhostDns, type ServiceEndpoints } from './services.js';
import type { CfnValue, FunctionModel, IndexModel, StackModel, TableModel } from './template.js';

/** A resource cannot be created or a reference cannot be resolved locally. */
export class LocalResourceError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LocalResourceError';
  }
}

/** The account id fauxqs and DynamoDB Local use in ARNs. */
export const LOCAL_ACCOUNT_ID = '000000000000';

/** A created table. */
export interface TableResource {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  /** Present when the table has a stream. */
  readonly streamArn?: string;
}

/** A created topic. */
export interface TopicResource {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
}

/** A created queue. */
export interface QueueResource {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly url: string;
}

/** A function of the template, with its environment resolved to local values. */
export interface FunctionResource {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  /** Repo-relative source of the entry, e.g. `functions/license-events.ts` (names the function in tests and logs). */
  readonly entry: string;
  readonly exportName: string;
  /** Absolute path of the bundle the template names (`<assembly>/asset.<hash>/index.mjs`): what runs. */
  readonly bundleFile: string;
  readonly timeoutSeconds: number;
  readonly memorySizeMb: number;
  readonly environment: Readonly<Record<string, string>>;
}

/** The three tables of the data contract, found by key schema. */
export interface ClearanceTables {
  readonly licenses: TableResource;
  readonly shipments: TableResource;
  readonly inventory: TableResource;
}

/** The topics, found by logical id (Customer / Logistics / Ops). */
export interface ClearanceTopics {
  /** Customer topic shard 0 (logical id contains `Customer` not followed by a digit). */
  readonly customer: TopicResource;
  /** Every customer topic shard, shard 0 first (`Customer`, `Customer1`, `Customer2`, ...). */
  readonly customerShards: readonly TopicResource[];
  readonly logistics: TopicResource;
  readonly ops: TopicResource;
}

/** On-failure queues of the stream mappings, by the table they read, and the SNS subscriptions' DLQ. */
export interface ClearanceDlqs {
  readonly licenses: QueueResource;
  readonly shipments: QueueResource;
  /** The queue `clearance subscribe` sets as every subscription's RedrivePolicy (logical id `SubscriptionDlq...`). */
  readonly subscriptions: QueueResource;
}

/** Everything created for one prefix. Plain data. */
export interface LocalResources {
  readonly prefix: string;
  readonly region: string;
  readonly tables: ClearanceTables;
  readonly topics: ClearanceTopics;
  readonly dlqs: ClearanceDlqs;
  readonly tablesByLogicalId: Readonly<Record<string, TableResource>>;
  readonly topicsByLogicalId: Readonly<Record<string, TopicResource>>;
  readonly queuesByLogicalId: Readonly<Record<string, QueueResource>>;
  readonly functionsByLogicalId: Readonly<Record<string, FunctionResource>>;
  /** Subscriptions created from the template. */
  readonly subscriptions: ReadonlyArray<{ logicalId: string; arn: string }>;
  /** What was not emulated, and why. */
  readonly notes: readonly string[];
}

/** Options of {@link createResources}. */
export interface CreateResourcesOptions {
  /** Prefix of every physical name; letters, digits, `-` and `_`. */
  readonly prefix: string;
  /** The cloud assembly directory holding the function bundles the template names. */
  readonly assemblyDir: string;
}

/** SDK clients pointed explicitly at the local services. */
export interface LocalClients {
  readonly dynamodb: DynamoDBClient;
  readonly streams: DynamoDBStreamsClient;
  readonly sns: SNSClient;
  readonly sqs: SQSClient;
}

/**
 * Clients with explicit endpoints and dummy credentials (independent of
 * `process.env`). Enables `*.localhost` resolution for fauxqs queue URLs.
 */
export function localClients(endpoints: ServiceEndpoints): LocalClients {
  enableLocalhostDns();
  const base = {
    region: endpoints.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  };
  return {
    dynamodb: new DynamoDBClient({ ...base, endpoint: endpoints.dynamodb }),
    streams: new DynamoDBStreamsClient({ ...base, endpoint: endpoints.dynamodbStreams }),
    sns: new SNSClient({ ...base, endpoint: endpoints.sns }),
    sqs: new SQSClient({ ...base, endpoint: endpoints.sqs }),
  };
}

/** Closes the clients' sockets. */
export function destroyClients(clients: LocalClients): void {
  clients.dynamodb.destroy();
  clients.streams.destroy();
  clients.sns.destroy();
  clients.sqs.destroy();
}

const SAFE = /[^A-Za-z0-9_-]/g;

/** `<prefix>-<logicalId>`, shortened with a hash when longer than `max`. */
function physicalName(prefix: string, logicalId: string, max: number, suffix = ''): string {
  const full = `${prefix}-${logicalId}`.replace(SAFE, '-');
  if (full.length + suffix.length <= max) return `${full}${suffix}`;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 8);
  return `${full.slice(0, max - suffix.length - 9)}-${hash}${suffix}`;
}

function indexInput(ix: IndexModel): {
  IndexName: string;
  KeySchema: Array<{ AttributeName: string; KeyType: 'HASH' | 'RANGE' }>;
  Projection: { ProjectionType: 'ALL' | 'KEYS_ONLY' | 'INCLUDE'; NonKeyAttributes?: string[] };
} {
  return {
    IndexName: ix.indexName,
    KeySchema: ix.keySchema.map((k) => ({ AttributeName: k.attributeName, KeyType: k.keyType })),
    Projection: {
      ProjectionType: ix.projectionType,
      ...(ix.nonKeyAttributes ? { NonKeyAttributes: [...ix.nonKeyAttributes] } : {}),
    },
  };
}

function tableInput(table: TableModel, name: string): CreateTableCommandInput {
  return {
    TableName: name,
    KeySchema: table.keySchema.map((k) => ({ AttributeName: k.attributeName, KeyType: k.keyType })),
    AttributeDefinitions: table.attributeDefinitions.map((a) => ({
      AttributeName: a.attributeName,
      AttributeType: a.attributeType,
    })),
    BillingMode: 'PAY_PER_REQUEST',
    ...(table.globalSecondaryIndexes.length > 0
      ? { GlobalSecondaryIndexes: table.globalSecondaryIndexes.map(indexInput) }
      : {}),
    ...(table.localSecondaryIndexes.length > 0
      ? { LocalSecondaryIndexes: table.localSecondaryIndexes.map(indexInput) }
      : {}),
    ...(table.streamViewType
      ? { StreamSpecification: { StreamEnabled: true, StreamViewType: table.streamViewType } }
      : {}),
  };
}

function keyNames(table: TableModel): string {
  const hash = table.keySchema.find((k) => k.keyType === 'HASH')?.attributeName ?? '';
  const range = table.keySchema.find((k) => k.keyType === 'RANGE')?.attributeName;
  return range === undefined ? hash : `${hash}+${range}`;
}

function pickOne<T>(items: readonly T[], what: string): T {
  const [first, ...rest] = items;
  if (first === undefined || rest.length > 0) {
    throw new LocalResourceError(`expected exactly one ${what} in the template, found ${items.length}`);
  }
  return first;
}

/**
 * Creates every table, topic, queue and subscription of the model on the
 * local services under `options.prefix`, and resolves function environments.
 *
 * @throws {LocalResourceError} on an unresolvable reference, an unsupported
 *   subscription protocol, or when the clearance tables / topics / DLQs
 *   cannot be identified.
 */
export async function createResources(
  model: StackModel,
  endpoints: ServiceEndpoints,
  options: CreateResourcesOptions,
): Promise<LocalResources> {
  const prefix = options.prefix;
  if (!/^[A-Za-z0-9_-]{1,40}$/.test(prefix)) {
    throw new LocalResourceError(`prefix must be 1-40 of [A-Za-z0-9_-], got ${JSON.stringify(prefix)}`);
  }
  const region = endpoints.region;
  const clients = localClients(endpoints);
  const notes: string[] = [];
  try {
    const tableEntries = await Promise.all(
      model.tables.map(async (table): Promise<[string, TableResource]> => {
        const name = physicalName(prefix, table.logicalId, 255);
        const out = await clients.dynamodb.send(new CreateTableCommand(tableInput(table, name)));
        const desc = out.TableDescription;
        if (table.timeToLiveAttribute !== undefined) {
          await clients.dynamodb.send(
            new UpdateTimeToLiveCommand({
              TableName: name,
              TimeToLiveSpecification: { Enabled: true, AttributeName: table.timeToLiveAttribute },
            }),
          );
        }
        if (table.streamViewType !== undefined && desc?.LatestStreamArn === undefined) {
          throw new LocalResourceError(`DynamoDB Local returned no stream ARN for ${name}`);
        }
        return [
          table.logicalId,
          {
            logicalId: table.logicalId,
            name,
            arn: desc?.TableArn ?? `arn:aws:dynamodb:${region}:${LOCAL_ACCOUNT_ID}:table/${name}`,
            ...(desc?.LatestStreamArn ? { streamArn: desc.LatestStreamArn } : {}),
          },
        ];
      }),
    );
    const tablesByLogicalId = Object.fromEntries(tableEntries);

    const topicEntries = await Promise.all(
      model.topics.map(async (topic): Promise<[string, TopicResource]> => {
        const name = physicalName(prefix, topic.logicalId, 256, topic.fifo ? '.fifo' : '');
        const attributes: Record<string, string> = {};
        if (topic.fifo) attributes.FifoTopic = 'true';
        if (topic.displayName !== undefined) attributes.DisplayName = topic.displayName;
        const out = await clients.sns.send(new CreateTopicCommand({ Name: name, Attributes: attributes }));
        if (out.TopicArn === undefined)
          throw new LocalResourceError(`fauxqs returned no ARN for topic ${name}`);
        return [topic.logicalId, { logicalId: topic.logicalId, name, arn: out.TopicArn }];
      }),
    );
    const topicsByLogicalId = Object.fromEntries(topicEntries);

    const queueEntries = await Promise.all(
      model.queues.map(async (queue): Promise<[string, QueueResource]> => {
        const name = physicalName(prefix, queue.logicalId, 80, queue.fifo ? '.fifo' : '');
        const attributes: Record<string, string> = {};
        if (queue.fifo) attributes.FifoQueue = 'true';
        if (queue.visibilityTimeoutSeconds !== undefined) {
          attributes.VisibilityTimeout = String(queue.visibilityTimeoutSeconds);
        }
        if (queue.messageRetentionPeriodSeconds !== undefined) {
          attributes.MessageRetentionPeriod = String(queue.messageRetentionPeriodSeconds);
        }
        const out = await clients.sqs.send(
          new CreateQueueCommand({ QueueName: name, Attributes: attributes }),
        );
        const url = out.QueueUrl;
        if (url === undefined) throw new LocalResourceError(`fauxqs returned no URL for queue ${name}`);
        const attrs = await clients.sqs.send(
          new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
        );
        const arn = attrs.Attributes?.QueueArn;
        if (arn === undefined) throw new LocalResourceError(`fauxqs returned no ARN for queue ${name}`);
        return [queue.logicalId, { logicalId: queue.logicalId, name, arn, url }];
      }),
    );
    const queuesByLogicalId = Object.fromEntries(queueEntries);

    const functionsByLogicalId: Record<string, FunctionResource> = {};
    const functionNames: Record<string, { name: string; arn: string }> = {};
    for (const fn of model.functions) {
      const name = physicalName(prefix, fn.logicalId, 64);
      functionNames[fn.logicalId] = {
        name,
        arn: `arn:aws:lambda:${region}:${LOCAL_ACCOUNT_ID}:function:${name}`,
      };
    }

    const resolve = (value: CfnValue, where: string): string => {
      if (value.kind === 'literal') return value.value;
      if (value.kind === 'join') return value.parts.map((p) => resolve(p, where)).join(value.delimiter);
      const id = value.logicalId;
      if (value.kind === 'ref') {
        switch (id) {
          case 'AWS::Region':
            return region;
          case 'AWS::AccountId':
            return LOCAL_ACCOUNT_ID;
          case 'AWS::Partition':
            return 'aws';
          case 'AWS::URLSuffix':
            return 'amazonaws.com';
          case 'AWS::StackName':
            return prefix;
          default:
            break;
        }
      }
      const table = tablesByLogicalId[id];
      const topic = topicsByLogicalId[id];
      const queue = queuesByLogicalId[id];
      const fn = functionNames[id];
      let resolved: string | undefined;
      if (value.kind === 'ref') {
        resolved = table?.name ?? topic?.arn ?? queue?.url ?? fn?.name;
      } else {
        const attr = value.attribute;
        if (table) resolved = { Arn: table.arn, StreamArn: table.streamArn }[attr];
        else if (topic) resolved = { TopicArn: topic.arn, TopicName: topic.name }[attr];
        else if (queue) resolved = { Arn: queue.arn, QueueName: queue.name, QueueUrl: queue.url }[attr];
        else if (fn) resolved = { Arn: fn.arn }[attr];
      }
      if (resolved === undefined) {
        const type = model.resourceTypes[id] ?? 'unknown resource';
        const what = value.kind === 'ref' ? `Ref ${id}` : `Fn::GetAtt ${id}.${value.attribute}`;
        throw new LocalResourceError(`${where}: cannot resolve ${what} (${type}) locally`);
      }
      return resolved;
    };

    for (const fn of model.functions) {
      const names = functionNames[fn.logicalId];
      if (names === undefined) continue;
      functionsByLogicalId[fn.logicalId] = resolveFunction(fn, names, resolve, options.assemblyDir);
    }

    const subscriptions: Array<{ logicalId: string; arn: string }> = [];
    for (const sub of model.subscriptions) {
      const where = `subscription ${sub.logicalId}`;
      if (['email', 'email-json', 'sms', 'http', 'https', 'application', 'firehose'].includes(sub.protocol)) {
        notes.push(
          `${sub.logicalId}: ${sub.protocol} subscription not emulated (fauxqs delivers to SQS only)`,
        );
        continue;
      }
      if (sub.protocol !== 'sqs') {
        throw new LocalResourceError(`${where}: protocol ${sub.protocol} is not emulated locally`);
      }
      const attributes: Record<string, string> = {};
      if (sub.rawMessageDelivery) attributes.RawMessageDelivery = 'true';
      if (sub.filterPolicy !== undefined) attributes.FilterPolicy = JSON.stringify(sub.filterPolicy);
      if (sub.filterPolicyScope !== undefined) attributes.FilterPolicyScope = sub.filterPolicyScope;
      const out = await clients.sns.send(
        new SubscribeCommand({
          TopicArn: resolve(sub.topic, where),
          Protocol: 'sqs',
          Endpoint: resolve(sub.endpoint, where),
          Attributes: attributes,
          ReturnSubscriptionArn: true,
        }),
      );
      subscriptions.push({ logicalId: sub.logicalId, arn: out.SubscriptionArn ?? '' });
    }
    for (const id of model.skippedByCondition) notes.push(`${id}: skipped, its Condition is false`);
    if (model.topics.length > 0) notes.push('topic KMS encryption is not emulated');

    const tableOf = (hashRange: string): TableResource => {
      const model_ = pickOne(
        model.tables.filter((t) => keyNames(t) === hashRange),
        `table keyed ${hashRange}`,
      );
      const res = tablesByLogicalId[model_.logicalId];
      if (res === undefined) throw new LocalResourceError(`table ${model_.logicalId} was not created`);
      return res;
    };
    const topicOf = (word: string): TopicResource =>
      pickOne(
        Object.values(topicsByLogicalId).filter((t) => t.logicalId.toLowerCase().includes(word)),
        `topic whose logical id contains "${word}"`,
      );
    const customerShards = Object.values(topicsByLogicalId)
      .map((t) => ({ t, m: /customer(\d*)/i.exec(t.logicalId) }))
      .filter((x) => x.m !== null)
      .map(({ t, m }) => ({ t, shard: Number(m?.[1] || '0') }))
      .sort((a, b) => a.shard - b.shard);
    customerShards.forEach(({ t, shard }, i) => {
      if (shard !== i) throw new LocalResourceError(`customer topic shards are not 0..n: ${t.logicalId}`);
    });
    const customerShard0 = customerShards[0]?.t;
    if (customerShard0 === undefined) throw new LocalResourceError('no customer topic in the template');
    const tables: ClearanceTables = {
      licenses: tableOf('licenseId'),
      shipments: tableOf('shipmentId'),
      inventory: tableOf('sku+warehouseId'),
    };
    const dlqOf = (table: TableResource): QueueResource => {
      const mapping = pickOne(
        model.eventSourceMappings.filter((m) => m.tableLogicalId === table.logicalId),
        `event source mapping on ${table.logicalId}`,
      );
      const queue =
        mapping.onFailureQueueLogicalId === undefined
          ? undefined
          : queuesByLogicalId[mapping.onFailureQueueLogicalId];
      if (queue === undefined) {
        throw new LocalResourceError(`mapping ${mapping.logicalId} has no on-failure queue`);
      }
      return queue;
    };

    return {
      prefix,
      region,
      tables,
      topics: {
        customer: customerShard0,
        customerShards: customerShards.map((x) => x.t),
        logistics: topicOf('logistics'),
        ops: topicOf('ops'),
      },
      dlqs: {
        licenses: dlqOf(tables.licenses),
        shipments: dlqOf(tables.shipments),
        subscriptions: pickOne(
          Object.values(queuesByLogicalId).filter((q) => /^SubscriptionDlq/.test(q.logicalId)),
          'queue whose logical id starts with "SubscriptionDlq"',
        ),
      },
      tablesByLogicalId,
      topicsByLogicalId,
      queuesByLogicalId,
      functionsByLogicalId,
      subscriptions,
      notes,
    };
  } finally {
    destroyClients(clients);
  }
}

/**
 * The bundle file of a function: the module its Handler (`index.handler`)
 * names, in the asset directory the template names, as Lambda would load it.
 */
export function bundleFileOf(fn: FunctionModel, assemblyDir: string): string {
  if (fn.assetPath === undefined) {
    throw new LocalResourceError(
      `${fn.logicalId} names no bundle (no aws:asset:path metadata): the template was synthesized without ` +
        'bundling, and the local stack runs only what deploys. Synthesize with bundling (synthesizeAssembly).',
    );
  }
  const dir = isAbsolute(fn.assetPath) ? fn.assetPath : join(assemblyDir, fn.assetPath);
  const candidates = ['index.mjs', 'index.js', 'index.cjs'].map((f) => join(dir, f));
  const found = candidates.find((f) => existsSync(f));
  if (found === undefined) {
    throw new LocalResourceError(
      `${fn.logicalId}: no index.mjs, index.js or index.cjs in ${dir}; run \`npm run synth\` (is cdk.out complete?)`,
    );
  }
  return found;
}

function resolveFunction(
  fn: FunctionModel,
  names: { name: string; arn: string },
  resolve: (value: CfnValue, where: string) => string,
  assemblyDir: string,
): FunctionResource {
  const environment: Record<string, string> = {};
  for (const [name, value] of Object.entries(fn.environment)) {
    environment[name] = resolve(value, `${fn.logicalId} environment ${name}`);
  }
  return {
    logicalId: fn.logicalId,
    name: names.name,
    arn: names.arn,
    entry: fn.entry,
    exportName: fn.exportName,
    bundleFile: bundleFileOf(fn, assemblyDir),
    timeoutSeconds: fn.timeoutSeconds,
    memorySizeMb: fn.memorySizeMb,
    environment,
  };
}
