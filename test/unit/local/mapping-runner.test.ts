/**
 * The local stack's event source mapping against what AWS documents for
 * DynamoDB Streams (services-ddb-batchfailurereporting, services-dynamodb-
 * errors): a partial batch response checkpoints before the lowest failure
 * and never halves a batch (only a function error bisects), reading on from
 * there is a retry that counts towards MaximumRetryAttempts (AWS documents
 * no reset of the count: the emulator is no more lenient than Lambda), and
 * MaximumRecordAgeInSeconds discards records by when they entered the
 * stream, whether a batch failed or not. On fake Streams and SQS clients.
 */
import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { MappingRunner } from '../../../local/esm/mapping-runner.js';
import type { StreamHandler } from '../../../local/esm/types.js';
import { compileFilterCriteria } from '../../../local/filter-pattern.js';
import type { FunctionResource } from '../../../local/resources.js';
import type { EventSourceMappingModel } from '../../../local/template/model.js';

const STREAM = 'arn:aws:dynamodb:us-east-1:000000000000:table/T/stream/2026-01-01T00:00:00.000';

/** A stream record of shipment `id`, entered into the stream at `created`. */
function streamRecord(id: string, n: number, created = new Date()) {
  return {
    eventID: `e${n}`,
    eventName: 'INSERT' as const,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    dynamodb: {
      ApproximateCreationDateTime: created,
      Keys: { shipmentId: { S: id } },
      NewImage: { shipmentId: { S: id } },
      SequenceNumber: String(1000 + n),
      SizeBytes: 10,
      StreamViewType: 'NEW_AND_OLD_IMAGES' as const,
    },
  };
}

/** A runner over one shard holding `ids`, with a handler that records each batch's ids. */
function runnerOf(
  ids: readonly string[],
  respond: (batch: string[]) => { batchItemFailures: { itemIdentifier: string }[] } | 'throw',
  mapping: Partial<EventSourceMappingModel> = {},
  created?: Date,
) {
  const records = ids.map((id, n) => streamRecord(id, n, created));
  let served = false;
  const parked: { condition: string; batchSize: number; start: string; end: string }[] = [];
  const streams = {
    send: async (command: unknown) => {
      if (command instanceof DescribeStreamCommand)
        return {
          StreamDescription: {
            Shards: [{ ShardId: 'shardId-1', SequenceNumberRange: { StartingSequenceNumber: '1000' } }],
          },
        };
      if (command instanceof GetShardIteratorCommand) return { ShardIterator: 'iterator' };
      if (command instanceof GetRecordsCommand) {
        const page = served ? [] : records;
        served = true;
        return { Records: page, NextShardIterator: 'iterator' };
      }
      throw new Error(`unexpected command ${String(command)}`);
    },
  };
  const sqs = {
    send: async (command: { input: { MessageBody: string } }) => {
      const body = JSON.parse(command.input.MessageBody);
      const info = body.DDBStreamBatchInfo;
      parked.push({
        condition: body.requestContext.condition,
        batchSize: info.batchSize,
        start: info.startSequenceNumber,
        end: info.endSequenceNumber,
      });
      return {};
    },
  };
  const batches: string[][] = [];
  const handler: StreamHandler = async (event: DynamoDBStreamEvent) => {
    const batch = event.Records.map((r) => String(r.dynamodb?.Keys?.shipmentId?.S));
    batches.push(batch);
    const response = respond(batch);
    if (response === 'throw') throw new Error('function error');
    return response;
  };
  const model: EventSourceMappingModel = {
    logicalId: 'Mapping',
    functionLogicalId: 'Fn',
    tableLogicalId: 'Table',
    batchSize: 100,
    maximumBatchingWindowSeconds: 0,
    startingPosition: 'TRIM_HORIZON',
    bisectBatchOnFunctionError: true,
    maximumRetryAttempts: 1,
    maximumRecordAgeSeconds: -1,
    reportBatchItemFailures: true,
    parallelizationFactor: 1,
    filterPatterns: [],
    enabled: true,
    onFailureQueueLogicalId: 'Dlq',
    ...mapping,
  };
  const fn: FunctionResource = {
    logicalId: 'Fn',
    name: 'fn',
    arn: 'arn:aws:lambda:us-east-1:000000000000:function:fn',
    entry: 'functions/fn.ts',
    exportName: 'handler',
    bundleFile: '',
    timeoutSeconds: 3,
    memorySizeMb: 128,
    environment: {},
  };
  const runner = new MappingRunner(
    model,
    fn,
    STREAM,
    { logicalId: 'Dlq', name: 'dlq', arn: 'arn:aws:sqs:us-east-1:000000000000:dlq', url: 'http://dlq' },
    compileFilterCriteria([]),
    async () => handler,
    {
      streams: streams as never,
      sqs: sqs as never,
      region: 'us-east-1',
      retryDelayMs: 0,
      log: () => undefined,
      onActivity: () => undefined,
    },
  );
  const run = async (cycles = 20) => {
    for (let i = 0; i < cycles; i++) await runner.cycle();
  };
  return { run, batches, parked };
}

/** A partial batch response reporting shipment `id` of `batch`, if it is there. */
const reporting = (id: string) => (batch: string[]) => ({
  batchItemFailures: batch.includes(id)
    ? [{ itemIdentifier: String(1000 + ['p', 'a', 'b', 'c'].indexOf(id)) }]
    : [],
});

describe('local event source mapping: failures as AWS handles them', () => {
  it('retries a batch whose failure is reported at its head whole, without halving it, then parks it whole', async () => {
    const { run, batches, parked } = runnerOf(['p', 'a', 'b', 'c'], reporting('p'));
    await run();
    expect(batches).toEqual([
      ['p', 'a', 'b', 'c'],
      ['p', 'a', 'b', 'c'],
    ]);
    expect(parked).toEqual([
      { condition: 'RetryAttemptsExhausted', batchSize: 4, start: '1000', end: '1003' },
    ]);
  });

  it('checkpoints before the lowest reported failure and reads again from it', async () => {
    let reported = false;
    const { run, batches, parked } = runnerOf(['p', 'a', 'b', 'c'], (batch) => {
      if (reported || !batch.includes('b')) return { batchItemFailures: [] };
      reported = true;
      return { batchItemFailures: [{ itemIdentifier: '1002' }] };
    });
    await run();
    expect(batches).toEqual([
      ['p', 'a', 'b', 'c'],
      ['b', 'c'],
    ]);
    expect(parked).toEqual([]);
  });

  it('bisects a batch whose invocation threw until the bad record is alone, and parks only it', async () => {
    const { run, batches, parked } = runnerOf(['p', 'a', 'b', 'c'], (batch) =>
      batch.includes('a') ? 'throw' : { batchItemFailures: [] },
    );
    await run();
    // After each success the next batch is full-sized again, as on a fresh read of the shard.
    expect(batches).toEqual([
      ['p', 'a', 'b', 'c'],
      ['p', 'a'],
      ['p'],
      ['a', 'b', 'c'],
      ['a', 'b'],
      ['a'],
      ['a'],
      ['b', 'c'],
    ]);
    expect(parked).toEqual([
      { condition: 'RetryAttemptsExhausted', batchSize: 1, start: '1001', end: '1001' },
    ]);
  });

  it('sends records past MaximumRecordAgeInSeconds to the destination, counted from when they entered the stream', async () => {
    const anHourAgo = new Date(Date.now() - 3_600_000);
    const { run, batches, parked } = runnerOf(
      ['p', 'a'],
      () => ({ batchItemFailures: [] }),
      { maximumRecordAgeSeconds: 600 },
      anHourAgo,
    );
    await run();
    expect(batches).toEqual([]);
    expect(parked).toEqual([{ condition: 'RecordAgeExceeded', batchSize: 2, start: '1000', end: '1001' }]);
  });

  it('delivers records younger than MaximumRecordAgeInSeconds (DynamoDB Local rounds their time down to the minute)', async () => {
    const { run, batches, parked } = runnerOf(
      ['p'],
      () => ({ batchItemFailures: [] }),
      { maximumRecordAgeSeconds: 60 },
      new Date(Date.now() - 90_000),
    );
    await run();
    expect(batches).toEqual([['p']]);
    expect(parked).toEqual([]);
  });
});

describe('local event source mapping: retries of records a partial batch response reported', () => {
  it('with MaximumRetryAttempts 0, parks the records from the reported failure on without retrying them', async () => {
    const { run, batches, parked } = runnerOf(['p', 'a', 'b', 'c'], reporting('b'), {
      maximumRetryAttempts: 0,
    });
    await run();
    // One invocation, no retry; the records from the checkpoint go to the destination.
    expect(batches).toEqual([['p', 'a', 'b', 'c']]);
    expect(parked).toEqual([
      { condition: 'RetryAttemptsExhausted', batchSize: 2, start: '1002', end: '1003' },
    ]);
  });

  it('with MaximumRetryAttempts 1, delivers the reported record twice (the invocation and one retry)', async () => {
    const { run, batches, parked } = runnerOf(['p', 'a', 'b', 'c'], reporting('b'), {
      maximumRetryAttempts: 1,
    });
    await run();
    expect(batches.filter((b) => b.includes('b')).length).toBe(2);
    expect(parked).toEqual([
      { condition: 'RetryAttemptsExhausted', batchSize: 2, start: '1002', end: '1003' },
    ]);
  });
});
