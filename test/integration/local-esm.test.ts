import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { PublishBatchCommand } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { BatchWriteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type {
  Context,
  DynamoDBBatchResponse,
  DynamoDBRecord,
  DynamoDBStreamEvent,
  ScheduledEvent,
} from 'aws-lambda';
import { describe, expect, inject, it } from 'vitest';
import type { StreamHandler } from '../../local/esm.js';
import { FilterPatternError } from '../../local/filter-pattern.js';
import { JavaNotFoundError, startServices } from '../../local/services.js';
import { createStackOn, uniquePrefix } from '../../local/stack.js';
import { type CfnTemplate, parseTemplate, TemplateModelError } from '../../local/template.js';
import { workerEndpoints } from '../helpers/endpoints.js';
import { useLocalStack } from '../helpers/stack.js';

/** What a probe handler saw in one invocation. */
interface Invocation {
  readonly probes: string[];
  readonly sequenceNumbers: string[];
  readonly records: DynamoDBRecord[];
}

const probeOf = (r: DynamoDBRecord): string =>
  r.dynamodb?.NewImage?.probe?.S ?? r.dynamodb?.OldImage?.probe?.S ?? '';

/** Records every invocation of a mapping, then delegates to the current behaviour. */
function probe() {
  const invocations: Invocation[] = [];
  let behaviour: StreamHandler = () => ({ batchItemFailures: [] });
  const handler: StreamHandler = async (event: DynamoDBStreamEvent, context: Context) => {
    invocations.push({
      probes: event.Records.map(probeOf),
      sequenceNumbers: event.Records.map((r) => r.dynamodb?.SequenceNumber ?? ''),
      records: event.Records,
    });
    return behaviour(event, context);
  };
  return {
    handler,
    invocations,
    set(next: StreamHandler) {
      behaviour = next;
    },
    reset() {
      invocations.length = 0;
      behaviour = () => ({ batchItemFailures: [] });
    },
    deliveriesOf: (p: string) => invocations.filter((i) => i.probes.includes(p)),
  };
}

const licenses = probe();
const shipments = probe();
const scheduled: ScheduledEvent[] = [];

const local = useLocalStack({
  handlerOverrides: {
    licenses: licenses.handler,
    'shipment-events': shipments.handler,
    'license-clock': (event: ScheduledEvent) => {
      scheduled.push(event);
    },
  },
  // Licenses: only records whose new image carries a probe other than "skip".
  filterOverrides: {
    licenses: [{ dynamodb: { NewImage: { probe: { S: [{ 'anything-but': ['skip'] }] } } } }],
  },
  log: () => undefined,
});

function licenseItem(id: string, probeValue: string) {
  return { licenseId: id, probe: probeValue, status: 'PENDING', authorizedQuantity: 10 };
}

describe('local stack resources', () => {
  it('creates the template tables with their keys, GSIs and streams', async () => {
    const { model, resources } = local.stack;
    // The contract's four and the system's Tallies.
    expect(model.tables).toHaveLength(5);
    for (const table of model.tables) {
      const physical = resources.tablesByLogicalId[table.logicalId];
      expect(physical?.name.startsWith(resources.prefix)).toBe(true);
      const { Table: desc } = await local.dynamodb.send(
        new DescribeTableCommand({ TableName: physical?.name }),
      );
      expect(desc?.KeySchema).toEqual(
        table.keySchema.map((k) => ({ AttributeName: k.attributeName, KeyType: k.keyType })),
      );
      const gsis = (desc?.GlobalSecondaryIndexes ?? []).map((g) => ({
        name: g.IndexName,
        keys: g.KeySchema,
        projection: g.Projection?.ProjectionType,
      }));
      expect(gsis.sort((a, b) => String(a.name).localeCompare(String(b.name)))).toEqual(
        table.globalSecondaryIndexes
          .map((g) => ({
            name: g.indexName,
            keys: g.keySchema.map((k) => ({ AttributeName: k.attributeName, KeyType: k.keyType })),
            projection: g.projectionType,
          }))
          .sort((a, b) => a.name.localeCompare(b.name)),
      );
      expect(desc?.StreamSpecification?.StreamViewType).toBe(table.streamViewType);
      expect(desc?.LatestStreamArn).toBe(physical?.streamArn);
    }
    expect(resources.tables.licenses.streamArn).toBeDefined();
    expect(resources.tables.shipments.streamArn).toBeDefined();
    expect(resources.tables.inventory.streamArn).toBeUndefined();
    expect(resources.tables.history.streamArn).toBeUndefined();
    expect(resources.tables.tallies.streamArn).toBeUndefined();
    const historyModel = model.tables.find((t) => t.logicalId === resources.tables.history.logicalId);
    expect(historyModel?.globalSecondaryIndexes.map((g) => g.indexName)).toEqual(['byShipment']);
    expect(historyModel?.hasResourcePolicy).toBe(true);
    const shipmentsModel = model.tables.find((t) => t.logicalId === resources.tables.shipments.logicalId);
    expect(shipmentsModel?.globalSecondaryIndexes.length).toBeGreaterThan(0);
  });

  it('creates the topics and DLQs and resolves function environments to them', async () => {
    const { resources } = local.stack;
    for (const dlq of [resources.dlqs.licenses, resources.dlqs.shipments, resources.dlqs.shipmentHistory]) {
      const attrs = await local.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: dlq.url, AttributeNames: ['QueueArn'] }),
      );
      expect(attrs.Attributes?.QueueArn).toBe(dlq.arn);
    }
    const envs = Object.values(resources.functionsByLogicalId).map((f) => f.environment);
    expect(envs.some((e) => e.LICENSES_TABLE === resources.tables.licenses.name)).toBe(true);
    // Every topic's local ARN reaches some function's environment (directly or in a joined list).
    for (const topic of Object.values(resources.topicsByLogicalId)) {
      expect(envs.some((e) => Object.values(e).some((v) => v.split(',').includes(topic.arn)))).toBe(true);
    }
    expect(resources.topics.customerShards[0]).toEqual(resources.topics.customer);
    // The functions' variables live in their sandboxes only; this process gets the endpoints.
    expect(process.env.LICENSES_TABLE).toBeUndefined();
    expect(process.env.OPS_TOPIC_ARN).toBeUndefined();
    expect(process.env.AWS_ENDPOINT_URL_DYNAMODB).toBe(local.stack.endpoints.dynamodb);
    expect(resources.notes.join('\n')).toMatch(/OpsEmailSubscription/);
    // What the local services cannot do is said, not silently dropped.
    const notes = resources.notes.join('\n');
    expect(notes).toMatch(/AuditTrail\w* \(AWS::CloudTrail::Trail\): not emulated/);
    expect(notes).toMatch(/AuditTrailBucket\w* \(AWS::S3::Bucket\): not emulated/);
    expect(notes).toMatch(/TablesHistory\w*: its resource policy is judged by the gateway/);
  });
});

describe('local services', () => {
  it('fails with JavaNotFoundError, naming the fix, when Java cannot be run', async () => {
    const failure = startServices({ javaCommand: 'no-such-java-binary' });
    await expect(failure).rejects.toThrow(JavaNotFoundError);
    await expect(failure).rejects.toThrow(/apt-get install -y openjdk-17-jre-headless/);
  });
});

describe('test helpers', () => {
  it('subscribes a queue to a topic with raw delivery and a message-attribute filter policy', async () => {
    const queue = await local.subscribeQueue(local.resources.topics.customer.arn, { customerId: ['C-1'] });
    const attrs = (customerId: string) => ({
      customerId: { DataType: 'String', StringValue: customerId },
      kind: { DataType: 'String', StringValue: 'shipment' },
    });
    const out = await local.sns.send(
      new PublishBatchCommand({
        TopicArn: local.resources.topics.customer.arn,
        PublishBatchRequestEntries: [
          { Id: 'a', Message: '{"n":1}', MessageAttributes: attrs('C-1') },
          { Id: 'b', Message: '{"n":2}', MessageAttributes: attrs('C-2') },
        ],
      }),
    );
    expect(out.Failed ?? []).toEqual([]);
    const received = await queue.receiveAll();
    expect(received.map((m) => m.body)).toEqual(['{"n":1}']);
    expect(received[0]?.attributes).toEqual({ customerId: 'C-1', kind: 'shipment' });
    expect(await queue.receiveAll()).toEqual([]);
  });
});

describe('local event source mapping', () => {
  it('never delivers a record that the mapping filter rejects', async () => {
    licenses.reset();
    const before = local.esm.stats().mappings.find((m) => m.function.includes('License'));
    const table = local.resources.tables.licenses.name;
    await local.ddb.send(new PutCommand({ TableName: table, Item: licenseItem('LIC-F-1', 'skip') }));
    await local.ddb.send(new PutCommand({ TableName: table, Item: licenseItem('LIC-F-2', 'keep') }));
    await local.drain();

    expect(licenses.invocations.flatMap((i) => i.probes)).toEqual(['keep']);
    const after = local.esm.stats().mappings.find((m) => m.function.includes('License'));
    expect((after?.filtered ?? 0) - (before?.filtered ?? 0)).toBe(1);
    expect((after?.seen ?? 0) - (before?.seen ?? 0)).toBe(2);
  });

  it('delivers records in the Lambda DynamoDB stream event shape', async () => {
    licenses.reset();
    const table = local.resources.tables.licenses;
    await local.ddb.send(new PutCommand({ TableName: table.name, Item: licenseItem('LIC-S-1', 'shape') }));
    await local.drain();
    const record = licenses.invocations.at(-1)?.records[0];
    expect(record).toMatchObject({
      eventName: 'INSERT',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: local.stack.endpoints.region,
      eventSourceARN: table.streamArn,
      dynamodb: {
        Keys: { licenseId: { S: 'LIC-S-1' } },
        NewImage: { licenseId: { S: 'LIC-S-1' }, authorizedQuantity: { N: '10' } },
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    });
    expect(typeof record?.eventID).toBe('string');
    expect(typeof record?.dynamodb?.ApproximateCreationDateTime).toBe('number');
    expect(typeof record?.dynamodb?.SequenceNumber).toBe('string');
    expect(typeof record?.dynamodb?.SizeBytes).toBe('number');
    // readStreamRecords returns the same shape straight from the stream.
    const fromStream = await local.readStreamRecords('licenses');
    expect(fromStream.find((r) => r.dynamodb?.SequenceNumber === record?.dynamodb?.SequenceNumber)).toEqual(
      record,
    );
  });

  it('retries a record that keeps failing MaximumRetryAttempts times, sends it to the DLQ and lets later records flow', async () => {
    shipments.reset();
    const shipmentEvents = Object.values(local.resources.functionsByLogicalId).find(
      (f) => f.entry === 'functions/shipment-events.ts',
    );
    const mapping = local.stack.model.eventSourceMappings.find(
      (m) => m.functionLogicalId === shipmentEvents?.logicalId,
    );
    expect(mapping?.maximumRetryAttempts).toBeGreaterThan(0);
    const maxRetries = mapping?.maximumRetryAttempts ?? 0;
    shipments.set((event) => {
      if (event.Records.some((r) => probeOf(r) === 'poison')) throw new Error('poisoned batch');
      return { batchItemFailures: [] };
    });
    const table = local.resources.tables.shipments.name;
    for (const [id, p] of [
      ['SHP-1', 'ok-1'],
      ['SHP-2', 'poison'],
      ['SHP-3', 'ok-3'],
    ]) {
      await local.ddb.send(new PutCommand({ TableName: table, Item: { shipmentId: id, probe: p } }));
    }
    await local.drain();
    await local.ddb.send(new PutCommand({ TableName: table, Item: { shipmentId: 'SHP-4', probe: 'ok-4' } }));
    await local.drain();

    const alone = shipments.deliveriesOf('poison').filter((i) => i.probes.length === 1);
    expect(alone).toHaveLength(1 + maxRetries);
    const succeeded = shipments.invocations
      .filter((i) => !i.probes.includes('poison'))
      .flatMap((i) => i.probes);
    expect(succeeded).toEqual(expect.arrayContaining(['ok-1', 'ok-3', 'ok-4']));

    const messages = await local.receiveAll(local.resources.dlqs.shipments.url);
    expect(messages).toHaveLength(1);
    const failure: unknown = JSON.parse(messages[0]?.body ?? '{}');
    const poisonSeq = alone[0]?.sequenceNumbers[0];
    expect(failure).toMatchObject({
      requestContext: {
        condition: 'RetryAttemptsExhausted',
        functionArn: local.resources.functionsByLogicalId[mapping?.functionLogicalId ?? '']?.arn,
        approximateInvokeCount: 1 + maxRetries,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      DDBStreamBatchInfo: {
        startSequenceNumber: poisonSeq,
        endSequenceNumber: poisonSeq,
        batchSize: 1,
        streamArn: local.resources.tables.shipments.streamArn,
      },
    });
    const info = (failure as { DDBStreamBatchInfo: Record<string, unknown> }).DDBStreamBatchInfo;
    expect(info.shardId).toMatch(/^shardId-/);
    expect(info.approximateArrivalOfFirstRecord).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(info.approximateArrivalOfLastRecord).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(typeof (failure as { timestamp: unknown }).timestamp).toBe('string');
    const stats = local.esm.stats().mappings.find((m) => m.mapping === mapping?.logicalId);
    expect(stats?.dlq).toBe(1);
  });

  it('retries from the lowest record reported in batchItemFailures', async () => {
    licenses.reset();
    const partial = () =>
      local.esm.stats().mappings.find((m) => m.function.includes('License'))?.partial ?? 0;
    const partialBefore = partial();
    let failedOnce = false;
    licenses.set((event): DynamoDBBatchResponse => {
      const probes = event.Records.map(probeOf);
      if (!failedOnce && probes.includes('b3')) {
        failedOnce = true;
        // Report b4 before b3: the emulator must pick the lowest sequence number.
        const fail = ['b4', 'b3'].map(
          (p) => event.Records[probes.indexOf(p)]?.dynamodb?.SequenceNumber ?? '',
        );
        return { batchItemFailures: fail.map((itemIdentifier) => ({ itemIdentifier })) };
      }
      return { batchItemFailures: [] };
    });
    // Write the five while the emulator is stopped, so that they form one batch.
    await local.esm.stop();
    await local.ddb.send(
      new BatchWriteCommand({
        RequestItems: {
          [local.resources.tables.licenses.name]: ['b1', 'b2', 'b3', 'b4', 'b5'].map((p, i) => ({
            PutRequest: { Item: licenseItem(`LIC-B-${i}`, p) },
          })),
        },
      }),
    );
    await local.esm.start();
    await local.drain();

    const [first, second, ...rest] = licenses.invocations;
    expect(first?.probes).toHaveLength(5);
    const from = first?.probes.indexOf('b3') ?? -1;
    expect(from).toBeGreaterThanOrEqual(0);
    const seqB3 = first?.sequenceNumbers[from];
    const seqB4 = first?.sequenceNumbers[first.probes.indexOf('b4')] ?? '';
    // b3 and b4 were both reported; whichever comes first in the stream is where the retry starts.
    const lowest = [seqB3 ?? '', seqB4].sort()[0];
    const lowestIndex = first?.sequenceNumbers.indexOf(lowest ?? '') ?? -1;
    expect(second?.sequenceNumbers).toEqual(first?.sequenceNumbers.slice(lowestIndex));
    expect(rest).toHaveLength(0);
    // Counted as a partial batch when records before the lowest failure were checkpointed.
    expect(partial() - partialBefore).toBe(lowestIndex > 0 ? 1 : 0);
  });

  it('invokes the schedule target with a scheduled event', async () => {
    scheduled.length = 0;
    await local.esm.invokeSchedule('license-clock');
    expect(scheduled).toHaveLength(1);
    expect(scheduled[0]).toMatchObject({
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      region: local.stack.endpoints.region,
      detail: {},
    });
  });
});

describe('filter patterns the emulator cannot evaluate', () => {
  const template = (): CfnTemplate => structuredClone(inject('clearanceAssembly').template);

  it('rejects a template whose mapping filter uses an unknown operator', () => {
    const t = template();
    const resources = t.Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>;
    const mapping = Object.values(resources).find((r) => r.Type === 'AWS::Lambda::EventSourceMapping');
    expect(mapping).toBeDefined();
    if (mapping) {
      mapping.Properties.FilterCriteria = {
        Filters: [{ Pattern: JSON.stringify({ eventName: [{ suffix: 'RT' }] }) }],
      };
    }
    expect(() => parseTemplate(t)).toThrow(TemplateModelError);
    expect(() => parseTemplate(t)).toThrow(/unsupported filter operator "suffix"/);
  });

  it('rejects an environment variable with an intrinsic the local stack cannot resolve', () => {
    const t = template();
    const resources = t.Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>;
    const fn = Object.values(resources).find((r) => r.Type === 'AWS::Lambda::Function');
    const env = (fn?.Properties.Environment as { Variables: Record<string, unknown> } | undefined)?.Variables;
    expect(env).toBeDefined();
    if (env) env.SOMETHING = { 'Fn::ImportValue': 'shared-export' };
    expect(() => parseTemplate(t)).toThrow(/Environment\.Variables\.SOMETHING: unsupported value/);
  });

  it('resolves Fn::Join of Refs in an environment variable', () => {
    const t = template();
    const resources = t.Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>;
    const topics = Object.keys(resources).filter((id) => resources[id]?.Type === 'AWS::SNS::Topic');
    const fn = Object.values(resources).find((r) => r.Type === 'AWS::Lambda::Function');
    const env = (fn?.Properties.Environment as { Variables: Record<string, unknown> } | undefined)?.Variables;
    if (env) env.JOINED = { 'Fn::Join': [',', topics.map((id) => ({ Ref: id }))] };
    const model = parseTemplate(t);
    const joined = model.functions.map((f) => f.environment.JOINED).find((v) => v !== undefined);
    expect(joined).toEqual({
      kind: 'join',
      delimiter: ',',
      parts: topics.map((id) => ({ kind: 'ref', logicalId: id })),
    });
  });

  it('rejects an override filter with an unknown operator before touching process.env', async () => {
    const before = process.env.LICENSES_TABLE;
    await expect(
      createStackOn(workerEndpoints(), {
        assembly: { ...inject('clearanceAssembly'), template: template() },
        prefix: uniquePrefix('badfilter'),
        filterOverrides: { licenses: [{ eventName: [{ 'equals-ignore-case': 'insert' }] }] },
        log: () => undefined,
      }),
    ).rejects.toThrow(FilterPatternError);
    expect(process.env.LICENSES_TABLE).toBe(before);
  });
});
