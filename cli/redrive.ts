import {
  type _Record,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { SETTLE_DELAY_MS } from '../infra/tuning.js';
import { ENV } from '../shared/names.js';
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

/** On AWS: synchronous Lambda Invoke of the deployed function. */
export async function lambdaInvoker(
  resources: Resources,
  base: ClientBase,
): Promise<{ invoke: Invoker; close(): void }> {
  const { LambdaClient, InvokeCommand } = await import('@aws-sdk/client-lambda');
  const lambda = new LambdaClient({
    ...base,
    // A license release may run up to the function's 15-minute timeout.
    requestHandler: { ...base.requestHandler, requestTimeout: 16 * 60 * 1000 },
  });
  return {
    async invoke(fn, event) {
      const name = resources.functions[fn]?.name;
      if (name === undefined) {
        throw new CliError(
          `the stack has no ${fn === 'licenseEvents' ? 'LicenseEventsFunctionName' : 'ShipmentEventsFunctionName'} output, so the function to redrive to is unknown: redeploy with \`npx cdk deploy\``,
        );
      }
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

/**
 * The environment the stream functions read (see ENV in shared/names.ts),
 * pointed at a local stack. The stack description's own function
 * environment, when it has one, wins.
 */
export function handlerEnvironment(
  resources: Resources,
  fn: FunctionKey,
  releaseTimeBudgetMs: number,
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const endpoints = resources.endpoints;
  if (!endpoints)
    throw new CliError('in-process redrive needs a local stack (endpoints in the stack description)');
  const haveCredentials = Boolean(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY);
  return {
    AWS_REGION: resources.region,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_DYNAMODB_STREAMS: endpoints.dynamodbStreams,
    AWS_ENDPOINT_URL_SNS: endpoints.sns,
    AWS_ENDPOINT_URL_SQS: endpoints.sqs,
    ...(haveCredentials ? {} : { AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' }),
    [ENV.licensesTable]: resources.tables.licenses,
    [ENV.shipmentsTable]: resources.tables.shipments,
    [ENV.inventoryTable]: resources.tables.inventory,
    [ENV.customerTopicArns]: (resources.topics.customerShards.length > 0
      ? resources.topics.customerShards
      : [resources.topics.customer]
    ).join(','),
    [ENV.logisticsTopicArn]: resources.topics.logistics,
    [ENV.opsTopicArn]: resources.topics.ops,
    [ENV.releaseTimeBudgetMs]: String(releaseTimeBudgetMs),
    [ENV.settleDelayMs]: String(SETTLE_DELAY_MS),
    POWERTOOLS_SERVICE_NAME: fn === 'licenseEvents' ? 'license-events' : 'shipment-events',
    // The handlers log to stdout; keep this command's output readable unless asked otherwise.
    POWERTOOLS_LOG_LEVEL: env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
    ...(resources.functions[fn]?.environment ?? {}),
  };
}

/** The timeouts infra/stack.ts gives the functions, used when the description does not say. */
const DEFAULT_TIMEOUT_SECONDS: Record<FunctionKey, number> = { licenseEvents: 900, shipmentEvents: 120 };

function lambdaContext(resources: Resources, fn: FunctionKey): Context {
  const timeout = resources.functions[fn]?.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS[fn];
  const name =
    resources.functions[fn]?.name ?? (fn === 'licenseEvents' ? 'license-events' : 'shipment-events');
  const deadline = Date.now() + timeout * 1000;
  const requestId = `redrive-${Date.now().toString(36)}`;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${resources.region}:000000000000:function:${name}`,
    memoryLimitInMB: '1024',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: `clearance-cli/${requestId}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

type Handler = (event: DynamoDBStreamEvent, context: Context) => Promise<unknown>;

/**
 * On a local stack: imports the handler module into this process, with the
 * environment it reads at load time, and calls it as Lambda would.
 */
export async function inProcessInvoker(
  resources: Resources,
  env: Readonly<Record<string, string | undefined>>,
): Promise<{ invoke: Invoker; close(): void }> {
  const budget =
    resources.functions.licenseEvents?.environment?.[ENV.releaseTimeBudgetMs] ??
    String((await import('../infra/tuning.js')).RELEASE_TIME_BUDGET_MS);
  const handlers = new Map<FunctionKey, Handler>();
  const previous = new Map<string, string | undefined>();
  const load = async (fn: FunctionKey): Promise<Handler> => {
    const loaded = handlers.get(fn);
    if (loaded) return loaded;
    for (const [name, value] of Object.entries(handlerEnvironment(resources, fn, Number(budget), env))) {
      if (!previous.has(name)) previous.set(name, process.env[name]);
      process.env[name] = value;
    }
    const mod =
      fn === 'licenseEvents'
        ? await import('../functions/license-events.js')
        : await import('../functions/shipment-events.js');
    const handler = mod.handler as unknown as Handler;
    handlers.set(fn, handler);
    return handler;
  };
  return {
    async invoke(fn, event) {
      const handler = await load(fn);
      try {
        return { failures: batchItemFailures(await handler(event, lambdaContext(resources, fn))) };
      } catch (error) {
        return { failures: [], error: `${(error as Error).name}: ${(error as Error).message}` };
      }
    },
    close() {
      for (const [name, value] of previous) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    },
  };
}
