import type { DynamoDBRecord } from 'aws-lambda';
import { z } from 'zod';
import { chunkBySize } from '../shared/domain/chunks.js';
import { parseItem } from '../shared/domain/model.js';

/**
 * The on-failure records a DynamoDB stream event source mapping sends to its
 * SQS destination, and the conversion of stream records back into the event
 * Lambda hands the function, for redriving them.
 */

export const FailureRecordSchema = z.looseObject({
  requestContext: z.looseObject({
    requestId: z.string().optional(),
    functionArn: z.string(),
    condition: z.string(),
    approximateInvokeCount: z.number().optional(),
  }),
  responseContext: z
    .looseObject({
      statusCode: z.number().optional(),
      executedVersion: z.string().optional(),
      functionError: z.string().optional(),
    })
    .optional(),
  version: z.string(),
  timestamp: z.string(),
  DDBStreamBatchInfo: z.looseObject({
    shardId: z.string().min(1),
    startSequenceNumber: z.string().regex(/^\d+$/, 'startSequenceNumber must be digits'),
    endSequenceNumber: z.string().regex(/^\d+$/, 'endSequenceNumber must be digits'),
    batchSize: z.number().int().min(0),
    streamArn: z.string().regex(/^arn:[^:]+:dynamodb:/, 'streamArn must be a DynamoDB stream ARN'),
    approximateArrivalOfFirstRecord: z.string(),
    approximateArrivalOfLastRecord: z.string(),
  }),
});
export type FailureRecord = z.infer<typeof FailureRecordSchema>;

/** One message of a DLQ: an on-failure record, or a body that is not one. */
export type DlqEntry =
  | { messageId: string; receiptHandle: string; ok: true; record: FailureRecord }
  | { messageId: string; receiptHandle: string; ok: false; problems: string[]; body: string };

/** Parses an SQS message body written by the on-failure destination. */
export function parseDlqMessage(message: {
  MessageId?: string;
  ReceiptHandle?: string;
  Body?: string;
}): DlqEntry {
  const base = { messageId: message.MessageId ?? '', receiptHandle: message.ReceiptHandle ?? '' };
  const body = message.Body ?? '';
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    return { ...base, ok: false, problems: ['the body is not JSON'], body };
  }
  const parsed = parseItem(FailureRecordSchema, raw);
  if (!parsed.ok) return { ...base, ok: false, problems: parsed.problems, body };
  return { ...base, ok: true, record: parsed.value };
}

/** DynamoDB Streams keep records for 24 hours. */
export const STREAM_RETENTION_MS = 24 * 60 * 60 * 1000;

/** What a person needs to know about one failure. */
export interface FailureSummary {
  table: string;
  streamArn: string;
  shardId: string;
  startSequenceNumber: string;
  endSequenceNumber: string;
  batchSize: number;
  failedAt: string;
  firstRecordAt: string;
  lastRecordAt: string;
  functionName: string;
  condition: string;
  why: string;
  /** Every record of the range is past stream retention (its last one too): none can be read. */
  expired: boolean;
  /**
   * The range's first records are past stream retention, its last one is
   * not: `dlq redrive` replays what the stream still holds, until that ages out too.
   */
  partlyExpired: boolean;
}

/** `arn:aws:dynamodb:REGION:ACCOUNT:table/NAME/stream/LABEL` → NAME. */
export function tableOfStream(streamArn: string): string {
  return /:table\/([^/]+)\/stream\//.exec(streamArn)?.[1] ?? streamArn;
}

/** The reason in words, from the mapping's condition and the function's error kind. */
export function explainCondition(record: FailureRecord): string {
  const tries = record.requestContext.approximateInvokeCount;
  const error = record.responseContext?.functionError;
  const how =
    error === 'Unhandled'
      ? 'the function threw an error (see its logs around this time)'
      : error === 'Handled'
        ? 'the function returned an error'
        : 'the function reported these records as batch item failures';
  switch (record.requestContext.condition) {
    case 'RetryAttemptsExhausted':
      return `retries exhausted${tries === undefined ? '' : ` after ${tries} attempt${tries === 1 ? '' : 's'}`}: ${how}`;
    case 'RecordAgeExceeded':
      return `records grew older than the mapping's maximum record age before they were processed: ${how}, or the shard was blocked behind other failures`;
    case 'MaximumPayloadSizeExceeded':
      return 'the batch was larger than the Lambda payload limit';
    default:
      return `${record.requestContext.condition}: ${how}`;
  }
}

export function summarizeFailure(record: FailureRecord, now: Date): FailureSummary {
  const info = record.DDBStreamBatchInfo;
  const gone = (at: string) => {
    const t = Date.parse(at);
    return Number.isFinite(t) && now.getTime() - t > STREAM_RETENTION_MS;
  };
  // A range with no readable last time is judged by its first, as before.
  const lastGone = Number.isFinite(Date.parse(info.approximateArrivalOfLastRecord))
    ? gone(info.approximateArrivalOfLastRecord)
    : gone(info.approximateArrivalOfFirstRecord);
  const firstGone = gone(info.approximateArrivalOfFirstRecord);
  return {
    table: tableOfStream(info.streamArn),
    streamArn: info.streamArn,
    shardId: info.shardId,
    startSequenceNumber: info.startSequenceNumber,
    endSequenceNumber: info.endSequenceNumber,
    batchSize: info.batchSize,
    failedAt: record.timestamp,
    firstRecordAt: info.approximateArrivalOfFirstRecord,
    lastRecordAt: info.approximateArrivalOfLastRecord,
    functionName: record.requestContext.functionArn.split(':').at(-1) ?? record.requestContext.functionArn,
    condition: record.requestContext.condition,
    why: explainCondition(record),
    expired: lastGone,
    partlyExpired: firstGone && !lastGone,
  };
}

/** Compares two stream sequence numbers (decimal strings of any length). */
export function compareSequence(a: string, b: string): number {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

export { toLambdaRecord } from '../shared/adapters/stream.js';

/** Lambda's synchronous payload limit is 6 MB; stay well under it. */
const MAX_EVENT_BYTES = 4 * 1024 * 1024;

/** Splits records into events of at most `max` records and about 4 MB, in order. */
export function chunkRecords(records: readonly DynamoDBRecord[], max = 100): DynamoDBRecord[][] {
  return chunkBySize(records, {
    count: max,
    bytes: MAX_EVENT_BYTES,
    sizeOf: (r) => Buffer.byteLength(JSON.stringify(r)),
  });
}

/** The `batchItemFailures` identifiers of a handler's response (Lambda treats anything else as success). */
export function batchItemFailures(response: unknown): string[] {
  if (response === null || typeof response !== 'object') return [];
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (!Array.isArray(failures)) return [];
  return failures.map((f: unknown) =>
    f !== null && typeof f === 'object'
      ? String((f as { itemIdentifier?: unknown }).itemIdentifier ?? '')
      : '',
  );
}
