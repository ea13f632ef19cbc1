/**
 * The record Lambda sends to a stream mapping's on-failure destination when
 * it gives up on a batch: which shard and sequence range, why, and after how
 * many attempts (the shape AWS documents for DynamoDB stream sources).
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { PendingRecord } from './streams.js';

/** Why a batch went to the on-failure destination. */
export type FailureCondition = 'RetryAttemptsExhausted' | 'RecordAgeExceeded';

/** A batch given up on, and where it came from. */
export interface FailedBatch {
  readonly functionArn: string;
  readonly streamArn: string;
  readonly shardId: string;
  /** Not empty. */
  readonly first: PendingRecord;
  readonly last: PendingRecord;
  readonly batchSize: number;
  readonly condition: FailureCondition;
  readonly invokeCount: number;
  readonly functionError: string | undefined;
}

/** When a record reached the stream, to the second. */
function arrival(p: PendingRecord): string {
  const seconds = p.record.dynamodb?.ApproximateCreationDateTime;
  return new Date(seconds === undefined ? p.arrivedAt : seconds * 1000)
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z');
}

/** The on-failure record of `failed`, as the message body Lambda sends. */
export function onFailureRecord(failed: FailedBatch): Record<string, unknown> {
  return {
    requestContext: {
      requestId: randomUUID(),
      functionArn: failed.functionArn,
      condition: failed.condition,
      approximateInvokeCount: failed.invokeCount,
    },
    responseContext: {
      statusCode: 200,
      executedVersion: '$LATEST',
      ...(failed.functionError === undefined ? {} : { functionError: failed.functionError }),
    },
    version: '1.0',
    timestamp: new Date().toISOString(),
    DDBStreamBatchInfo: {
      shardId: failed.shardId,
      startSequenceNumber: failed.first.sequenceNumber,
      endSequenceNumber: failed.last.sequenceNumber,
      approximateArrivalOfFirstRecord: arrival(failed.first),
      approximateArrivalOfLastRecord: arrival(failed.last),
      batchSize: failed.batchSize,
      streamArn: failed.streamArn,
    },
  };
}

/** Sends an on-failure record to the destination queue, trying up to five times. */
export async function sendOnFailureRecord(sqs: SQSClient, queueUrl: string, payload: unknown): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(payload) }));
      return;
    } catch (err) {
      if (attempt >= 5) throw err;
      await sleep(100 * attempt);
    }
  }
}
