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
import type { FunctionKey, Resources } from './resources.js';

/** The records of one on-failure range, or why they cannot be read. */
export type RangeRead = { kind: 'ok'; records: DynamoDBRecord[] } | { kind: 'gone'; reason: string };

const GONE = new Set(['TrimmedDataAccessException', 'ResourceNotFoundException']);

/**
 * Reads the records `startSequenceNumber..endSequenceNumber` of one shard
 * (GetShardIterator AT_SEQUENCE_NUMBER, then GetRecords until past the end).
 */
export async function readRange(
  streams: DynamoDBStreamsClient,
  info: FailureRecord['DDBStreamBatchInfo'],
  region: string,
): Promise<RangeRead> {
  const records: DynamoDBRecord[] = [];
  let iterator: string | undefined;
  try {
    iterator = (
      await streams.send(
        new GetShardIteratorCommand({
          StreamArn: info.streamArn,
          ShardId: info.shardId,
          ShardIteratorType: 'AT_SEQUENCE_NUMBER',
          SequenceNumber: info.startSequenceNumber,
        }),
      )
    ).ShardIterator;
  } catch (error) {
    const name = (error as Error).name;
    if (GONE.has(name)) {
      return {
        kind: 'gone',
        reason: `the stream no longer has these records (${name}): streams keep records for 24 hours`,
      };
    }
    throw error;
  }
  let empty = 0;
  while (iterator !== undefined) {
    const page: { Records?: _Record[]; NextShardIterator?: string } = await streams.send(
      new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }),
    );
    const batch = page.Records ?? [];
    for (const r of batch) {
      const seq = r.dynamodb?.SequenceNumber;
      if (seq === undefined) continue;
      if (compareSequence(seq, info.endSequenceNumber) > 0) return done(records);
      if (compareSequence(seq, info.startSequenceNumber) >= 0)
        records.push(toLambdaRecord(r, info.streamArn, region));
    }
    if (records.at(-1)?.dynamodb?.SequenceNumber === info.endSequenceNumber) return done(records);
    // An open shard answers empty pages at its tip; a few in a row mean there is nothing more.
    empty = batch.length === 0 ? empty + 1 : 0;
    if (empty >= 3) break;
    iterator = page.NextShardIterator;
  }
  return done(records);
}

const done = (records: DynamoDBRecord[]): RangeRead =>
  records.length === 0
    ? {
        kind: 'gone',
        reason: 'no records of this range are left in the stream (streams keep records for 24 hours)',
      }
    : { kind: 'ok', records };

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
