/**
 * MaximumRetryAttempts counts the retries of a record that a partial batch
 * response reported failed, whatever progress the response made. AWS
 * (services-ddb-batchfailurereporting): "Lambda uses the record with the
 * lowest sequence number as the checkpoint. Lambda then retries all records
 * starting from that checkpoint"; MaximumRetryAttempts: "Discard records
 * after the specified number of retries". AWS does not document a reset of
 * the count when the checkpoint moves, so the emulator makes none: a test
 * never leans on a retry AWS may not make.
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

/** A handler that always reports shipment `id` failed when it is in the batch. */
const alwaysFailing = (id: string) => (batch: string[]) => ({
  batchItemFailures: batch.includes(id)
    ? [{ itemIdentifier: String(1000 + ['p', 'a', 'b', 'c'].indexOf(id)) }]
    : [],
});

describe('retries of records a partial batch response reported', () => {
  it('with MaximumRetryAttempts 0, parks the records from the reported failure on without retrying them', async () => {
    const { run, batches, parked } = runnerOf(['p', 'a', 'b', 'c'], alwaysFailing('b'), {
      maximumRetryAttempts: 0,
    });
    await run();
    // AWS: one invocation, no retry; the records from the checkpoint go to the destination.
    expect(batches).toEqual([['p', 'a', 'b', 'c']]);
    expect(parked).toEqual([
      { condition: 'RetryAttemptsExhausted', batchSize: 2, start: '1002', end: '1003' },
    ]);
  });

  it('with MaximumRetryAttempts 1, delivers the reported record at most twice (the invocation and one retry)', async () => {
    const { run, batches, parked } = runnerOf(['p', 'a', 'b', 'c'], alwaysFailing('b'), {
      maximumRetryAttempts: 1,
    });
    await run();
    const deliveriesOfB = batches.filter((b) => b.includes('b')).length;
    expect(deliveriesOfB).toBe(2);
    expect(parked).toEqual([
      { condition: 'RetryAttemptsExhausted', batchSize: 2, start: '1002', end: '1003' },
    ]);
  });
});
