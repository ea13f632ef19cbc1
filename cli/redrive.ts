import {
  type _Record,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { STACK_OUTPUTS } from '../infra/outputs.js';
import type { ClientBase } from './clients.js';
import { batchItemFailures, compareSequence, type FailureRecord, toLambdaRecord } from './dlq-records.js';
import { CliError } from './errors.js';
import { plural } from './format.js';
import type { FunctionKey, Resources } from './resources.js';

/**
 * The records of one on-failure range; or that the stream no longer has them
 * (`gone`); or that it has trimmed the start of the range and still has the
 * rest (`partlyGone`: those records, which can still be replayed); or that it
 * returned only the start of the range within the calls allowed (`partial`:
 * the rest is still there, a later read may get it).
 */
export type RangeRead =
  | { kind: 'ok'; records: DynamoDBRecord[] }
  | { kind: 'gone'; reason: string }
  | { kind: 'partlyGone'; records: DynamoDBRecord[]; reason: string }
  | { kind: 'partial'; records: DynamoDBRecord[]; reason: string };

const GONE = new Set(['TrimmedDataAccessException', 'ResourceNotFoundException']);

/**
 * GetRecords calls one range may take. DynamoDB Streams may answer empty
 * pages before later records of an open shard, so empty pages do not end a
 * read; this bound does, and the read is then reported as incomplete.
 */
export const MAX_GET_RECORDS_CALLS = 500;

/** How far a read has come, after each GetRecords page. */
export interface ReadProgress {
  calls: number;
  records: number;
  /** The sequence number of the last record read, if any. */
  lastSequenceNumber?: string;
}

export interface ReadOptions {
  /** GetRecords calls allowed (default {@link MAX_GET_RECORDS_CALLS}). */
  maxCalls?: number;
  onPage?(progress: ReadProgress): void;
}

/**
 * Reads the records `startSequenceNumber..endSequenceNumber` of one shard
 * (GetShardIterator AT_SEQUENCE_NUMBER, then GetRecords). The read is
 * complete once a record at or past `endSequenceNumber` was read, or the
 * shard is closed and read to its end (no NextShardIterator); anything short
 * of that is `partial`, never `ok`.
 */
export async function readRange(
  streams: DynamoDBStreamsClient,
  info: FailureRecord['DDBStreamBatchInfo'],
  region: string,
  options: ReadOptions = {},
): Promise<RangeRead> {
  const maxCalls = options.maxCalls ?? MAX_GET_RECORDS_CALLS;
  const records: DynamoDBRecord[] = [];
  const start = await startOf(streams, info);
  if (start.gone !== undefined) {
    return {
      kind: 'gone',
      reason: `the stream no longer has these records (${start.gone}): streams keep records for 24 hours`,
    };
  }
  let iterator: string | undefined = start.iterator;
  let calls = 0;
  let last: string | undefined;
  while (iterator !== undefined) {
    if (calls >= maxCalls) return partial(info, records, last, calls);
    const page: { Records?: _Record[]; NextShardIterator?: string } = await streams.send(
      new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }),
    );
    calls++;
    for (const r of page.Records ?? []) {
      const seq = r.dynamodb?.SequenceNumber;
      if (seq === undefined) continue;
      last = seq;
      if (compareSequence(seq, info.endSequenceNumber) > 0) return complete(records, start.trimmed);
      if (compareSequence(seq, info.startSequenceNumber) >= 0)
        records.push(toLambdaRecord(r, info.streamArn, region));
    }
    if (last !== undefined && compareSequence(last, info.endSequenceNumber) >= 0)
      return complete(records, start.trimmed);
    options.onPage?.({
      calls,
      records: records.length,
      ...(last === undefined ? {} : { lastSequenceNumber: last }),
    });
    // Absent: the shard is closed and every record it holds has been read.
    iterator = page.NextShardIterator;
  }
  return complete(records, start.trimmed);
}

/**
 * Where a range's read starts: at its first record; or, when the stream has
 * trimmed that one (`trimmed`), at the oldest record the shard still has
 * (TRIM_HORIZON), since the rest of the range may still be there; or nowhere
 * (`gone`: the shard itself is gone, or nothing of it is left).
 */
async function startOf(
  streams: DynamoDBStreamsClient,
  info: FailureRecord['DDBStreamBatchInfo'],
): Promise<{ iterator?: string; trimmed?: string; gone?: string }> {
  const iteratorAt = async (type: 'AT_SEQUENCE_NUMBER' | 'TRIM_HORIZON') =>
    (
      await streams.send(
        new GetShardIteratorCommand({
          StreamArn: info.streamArn,
          ShardId: info.shardId,
          ShardIteratorType: type,
          ...(type === 'AT_SEQUENCE_NUMBER' ? { SequenceNumber: info.startSequenceNumber } : {}),
        }),
      )
    ).ShardIterator;
  const goneName = (error: unknown) => {
    const name = (error as Error).name;
    if (GONE.has(name)) return name;
    throw error;
  };
  try {
    return { iterator: await iteratorAt('AT_SEQUENCE_NUMBER') };
  } catch (error) {
    const trimmed = goneName(error);
    if (trimmed !== 'TrimmedDataAccessException') return { gone: trimmed };
    try {
      return { iterator: await iteratorAt('TRIM_HORIZON'), trimmed };
    } catch (again) {
      return { gone: goneName(again) };
    }
  }
}

const complete = (records: DynamoDBRecord[], trimmed: string | undefined): RangeRead => {
  if (records.length === 0) {
    return {
      kind: 'gone',
      reason: `${trimmed ? `the stream no longer has these records (${trimmed})` : 'no records of this range are left in the stream'} (streams keep records for 24 hours)`,
    };
  }
  if (trimmed === undefined) return { kind: 'ok', records };
  const first = records[0]?.dynamodb?.SequenceNumber;
  return {
    kind: 'partlyGone',
    records,
    reason: `the stream no longer has the start of this range (${trimmed}; streams keep records for 24 hours), only ${plural(records.length, 'record')} from ${first} on`,
  };
};

const partial = (
  info: FailureRecord['DDBStreamBatchInfo'],
  records: DynamoDBRecord[],
  last: string | undefined,
  calls: number,
): RangeRead => ({
  kind: 'partial',
  records,
  reason: `the stream returned only part of the range in ${calls} GetRecords calls (${
    last === undefined ? 'no record yet' : `${plural(records.length, 'record')} of it, up to ${last}`
  }; the range ends at ${info.endSequenceNumber}), so nothing was replayed: run \`clearance dlq redrive\` again`,
});

/** What one invocation answered. */
export interface InvokeResult {
  /** Sequence numbers the function reported as batch item failures. */
  failures: string[];
  /** Set when the invocation itself failed (the function threw, or Lambda refused). */
  error?: string;
}

/** Invokes a stream function with an event of the Lambda shape. */
export type Invoker = (fn: FunctionKey, event: DynamoDBStreamEvent) => Promise<InvokeResult>;

/**
 * Where Lambda Invoke goes: AWS's regional endpoint, or a local stack's
 * gateway (`endpoints.lambda`), which runs the function's deployed bundle.
 */
export function lambdaEndpoint(resources: Resources): { endpoint?: string } {
  if (!resources.endpoints) return {};
  const { lambda } = resources.endpoints;
  if (lambda === undefined) {
    throw new CliError(
      `the local stack description (${resources.source}) has no endpoints.lambda: it was printed by an older ` +
        '`npm run stack`, whose gateway does not serve Lambda Invoke, so the functions cannot be redriven. ' +
        'Restart `npm run stack` and use the line it prints',
    );
  }
  return { endpoint: lambda };
}

/** The name of the function to redrive to, or a CliError saying how to get it. */
function functionName(resources: Resources, fn: FunctionKey): string {
  const name = resources.functions[fn]?.name;
  if (name !== undefined) return name;
  const output = STACK_OUTPUTS[`${fn}FunctionName`];
  throw new CliError(
    resources.endpoints
      ? `the local stack description (${resources.source}) names no functions.${fn}, so the function to redrive to is unknown: restart \`npm run stack\` and use the line it prints`
      : `the stack has no ${output} output, so the function to redrive to is unknown: redeploy with \`npx cdk deploy\``,
  );
}

/**
 * Synchronous Lambda Invoke of the deployed function: on AWS, and on a local
 * stack through its gateway (with the local agent and credentials of
 * `base`), which runs the function's `cdk.out` bundle in its sandbox.
 */
export async function lambdaInvoker(
  resources: Resources,
  base: ClientBase,
): Promise<{ invoke: Invoker; close(): void }> {
  const endpoint = lambdaEndpoint(resources);
  const { LambdaClient, InvokeCommand } = await import('@aws-sdk/client-lambda');
  const lambda = new LambdaClient({
    ...base,
    ...endpoint,
    // A license release may run up to the function's 15-minute timeout.
    requestHandler: { ...base.requestHandler, requestTimeout: 16 * 60 * 1000 },
  });
  return {
    async invoke(fn, event) {
      const name = functionName(resources, fn);
      const out = await lambda.send(
        new InvokeCommand({
          FunctionName: name,
          InvocationType: 'RequestResponse',
          Payload: new TextEncoder().encode(JSON.stringify(event)),
        }),
      );
      const text = out.Payload ? new TextDecoder().decode(out.Payload) : '';
      let payload: unknown;
      try {
        payload = text === '' ? undefined : JSON.parse(text);
      } catch {
        payload = text;
      }
      if (out.FunctionError) {
        const message =
          payload && typeof payload === 'object' && 'errorMessage' in payload
            ? String((payload as { errorMessage: unknown }).errorMessage)
            : text;
        return { failures: [], error: `${name} failed (${out.FunctionError}): ${message}` };
      }
      return { failures: batchItemFailures(payload) };
    },
    close: () => lambda.destroy(),
  };
}
