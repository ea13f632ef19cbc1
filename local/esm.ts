/**
 * Emulates the template's Lambda event source mappings on DynamoDB Local
 * streams, and its EventBridge schedules, by running the real handler
 * modules in this process.
 *
 * Per mapping: discover shards (DescribeStream, paginated; children only
 * after their parent is read to the end), read each shard in order
 * (GetRecords), convert to the Lambda `DynamoDBStreamEvent` record shape,
 * drop records the mapping's filter rejects, batch up to BatchSize, invoke,
 * honour `batchItemFailures`, bisect on error, retry up to
 * MaximumRetryAttempts, then send an AWS-shaped on-failure record to the
 * mapping's SQS destination and move on. Mappings run concurrently; a shard
 * is strictly sequential.
 *
 * Not emulated: MaximumBatchingWindowInSeconds (records are delivered as soon
 * as they are read), ParallelizationFactor > 1, the function timeout (the
 * context reports the remaining time, nothing is killed).
 *
 * Test hooks (off unless given, see EsmOptions): `aroundInvoke` wraps each
 * invocation, `redelivery` delivers successful batches again (duplicates
 * and stale replays), `instrumentClients` hands out the emulator's own
 * Streams/SQS clients. test/chaos/faults.ts uses all three.
 */
import { randomUUID } from 'node:crypto';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type Shard,
  TrimmedDataAccessException,
} from '@aws-sdk/client-dynamodb-streams';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent, ScheduledEvent } from 'aws-lambda';
import { toLambdaRecord } from '../shared/adapters/stream.js';
import { compileFilterCriteria, type EventMatcher } from './filter-pattern.js';
import type { FunctionBundle, LambdaHost } from './lambda-host.js';
import {
  type FunctionResource,
  LOCAL_ACCOUNT_ID,
  type LocalResources,
  type QueueResource,
} from './resources.js';
import type { ServiceEndpoints } from './services.js';
import type { EventSourceMappingModel, ScheduleModel, StackModel } from './template.js';

/** The emulator was misused or a handler module cannot be loaded. */
export class EsmError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EsmError';
  }
}

/** {@link EventSourceMappingEmulator.drain} ran out of time. */
export class DrainTimeoutError extends EsmError {
  constructor(message: string) {
    super(message);
    this.name = 'DrainTimeoutError';
  }
}

/**
 * A handler for a stream mapping (the real one is a middy chain with this
 * shape). It may return a `DynamoDBBatchResponse`, or a promise of one.
 */
export type StreamHandler = (event: DynamoDBStreamEvent, context: Context) => unknown;

/** A handler for a schedule. */
export type ScheduledHandler = (event: ScheduledEvent, context: Context) => Promise<unknown> | unknown;

type AnyHandler = (event: never, context: Context) => unknown;

/** Counters of one mapping. */
export interface MappingStats {
  readonly mapping: string;
  readonly function: string;
  /** Stream records read. */
  readonly seen: number;
  /** Records dropped by the filter (never delivered). */
  readonly filtered: number;
  /** Handler invocations. */
  readonly invocations: number;
  /** Records handed to the handler (a retried record counts again). */
  readonly recordsDelivered: number;
  /** Invocations that threw or reported item failures. */
  readonly failures: number;
  /** Records sent to the on-failure destination (or discarded without one). */
  readonly dlq: number;
  /** Errors talking to the services (retried). */
  readonly pollErrors: number;
  /** Records delivered again through {@link EsmOptions.redelivery}. */
  readonly redelivered: number;
}

/** Counters of the whole emulator. */
export interface EsmStats {
  readonly mappings: readonly MappingStats[];
  readonly scheduledInvocations: number;
  readonly scheduledFailures: number;
}

/** Log sink; `level` is `debug`, `info`, `warn` or `error`. */
export type EsmLogger = (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;

/** Options of {@link EventSourceMappingEmulator}. */
export interface EsmOptions {
  readonly model: StackModel;
  readonly resources: LocalResources;
  /** Where the emulator's own Streams and SQS clients send their requests (the stack's gateway). */
  readonly endpoints: ServiceEndpoints;
  /** Runs the functions' bundles. */
  readonly host: LambdaHost;
  /**
   * Credentials the emulator's clients use for a mapping: Lambda reads the
   * stream and writes the on-failure destination with the function's role.
   * @default dummy credentials
   */
  readonly credentialsFor?: (functionLogicalId: string) => { accessKeyId: string; secretAccessKey: string };
  /**
   * Handlers to use instead of importing the template entry, keyed by mapping
   * logical id, function logical id, entry path, entry base name
   * (`license-events`) or table kind (`licenses` / `shipments`).
   */
  readonly handlerOverrides?: Readonly<Record<string, StreamHandler | ScheduledHandler>>;
  /** Filter patterns replacing a mapping's FilterCriteria, keyed like `handlerOverrides`. */
  readonly filterOverrides?: Readonly<Record<string, readonly unknown[]>>;
  /** Override of per-mapping numbers (tests), keyed like `handlerOverrides`. */
  readonly mappingOverrides?: Readonly<
    Record<
      string,
      Partial<
        Pick<
          EventSourceMappingModel,
          'batchSize' | 'maximumRetryAttempts' | 'bisectBatchOnFunctionError' | 'maximumRecordAgeSeconds'
        >
      >
    >
  >;
  /** Idle poll interval. @default 50 */
  readonly pollIntervalMs?: number;
  /** Pause before retrying a failed batch. @default 10 */
  readonly retryDelayMs?: number;
  /** @default warnings and errors to stderr; everything with CLEARANCE_LOCAL_DEBUG=1 */
  readonly log?: EsmLogger;
  /**
   * Test hook (fault injection): wraps every handler invocation, stream and
   * scheduled. `invoke` runs the handler; whatever the hook returns or
   * throws is the invocation's outcome. @default none
   */
  readonly aroundInvoke?: (info: InvocationInfo, invoke: () => Promise<unknown>) => Promise<unknown>;
  /**
   * Test hook (at-least-once delivery): asked after each successful batch of
   * a stream mapping. Returning N ≥ 0 delivers the same records again, as
   * Lambda does after a lost checkpoint: N = 0 right away (a duplicate
   * batch), N > 0 after N later batches of that shard, or as soon as the
   * shard has nothing newer buffered (a stale replay). Records are offered
   * once: a batch holding a redelivered record is not asked about.
   * @default never
   */
  readonly redelivery?: (batch: RedeliveryInfo) => number | undefined;
  /**
   * Test hook: receives the emulator's own Streams and SQS clients (one pair
   * per function), e.g. to add SDK middleware. @default none
   */
  readonly instrumentClients?: (clients: { streams: DynamoDBStreamsClient; sqs: SQSClient }) => void;
}

/** What {@link EsmOptions.aroundInvoke} is told about an invocation. */
export interface InvocationInfo {
  readonly functionLogicalId: string;
  /** The entry's base name, e.g. `license-events`. */
  readonly name: string;
  /** The mapping's logical id; undefined for a scheduled invocation. */
  readonly mapping?: string;
  /** The batch handed to the handler (stream invocations). */
  readonly records?: readonly DynamoDBRecord[];
}

/** What {@link EsmOptions.redelivery} is told about a batch that succeeded. */
export interface RedeliveryInfo {
  readonly mapping: string;
  readonly functionLogicalId: string;
  readonly shardId: string;
  /** 1-based count of this mapping's invocations. */
  readonly invocation: number;
  readonly records: readonly DynamoDBRecord[];
}

const defaultLogger: EsmLogger = (level, message) => {
  if (level === 'debug' && process.env.CLEARANCE_LOCAL_DEBUG !== '1') return;
  if (level === 'info' && process.env.CLEARANCE_LOCAL_DEBUG !== '1') return;
  process.stderr.write(`[local-esm] ${level}: ${message}\n`);
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------ record shape

export { toLambdaRecord };

/** Lists every shard of a stream (DescribeStream is paginated). */
export async function describeShards(streams: DynamoDBStreamsClient, streamArn: string): Promise<Shard[]> {
  const shards: Shard[] = [];
  let start: string | undefined;
  do {
    const out = await streams.send(
      new DescribeStreamCommand({ StreamArn: streamArn, ...(start ? { ExclusiveStartShardId: start } : {}) }),
    );
    shards.push(...(out.StreamDescription?.Shards ?? []));
    start = out.StreamDescription?.LastEvaluatedShardId;
  } while (start !== undefined);
  return shards;
}

/**
 * Reads a whole stream from TRIM_HORIZON (parents before children) and
 * returns Lambda-shaped records, e.g. to feed a handler directly in a test.
 */
export async function readAllStreamRecords(
  streams: DynamoDBStreamsClient,
  streamArn: string,
  region: string,
): Promise<DynamoDBRecord[]> {
  const shards = await describeShards(streams, streamArn);
  const ids = new Set(shards.map((s) => s.ShardId));
  const done = new Set<string>();
  const out: DynamoDBRecord[] = [];
  let progressed = true;
  while (progressed) {
    progressed = false;
    for (const shard of shards) {
      const id = shard.ShardId;
      if (id === undefined || done.has(id)) continue;
      const parent = shard.ParentShardId;
      if (parent !== undefined && ids.has(parent) && !done.has(parent)) continue;
      let iterator = (
        await streams.send(
          new GetShardIteratorCommand({
            StreamArn: streamArn,
            ShardId: id,
            ShardIteratorType: 'TRIM_HORIZON',
          }),
        )
      ).ShardIterator;
      while (iterator !== undefined) {
        const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
        const records = page.Records ?? [];
        out.push(...records.map((r) => toLambdaRecord(r, streamArn, region)));
        iterator = page.NextShardIterator;
        if (records.length === 0) break; // open shard: caught up
      }
      done.add(id);
      progressed = true;
    }
  }
  return out;
}

// ------------------------------------------------------------ handlers

/** A Lambda-like context object. */
export function lambdaContext(fn: FunctionResource): Context {
  const deadline = Date.now() + fn.timeoutSeconds * 1000;
  const requestId = randomUUID();
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: fn.name,
    functionVersion: '$LATEST',
    invokedFunctionArn: fn.arn,
    memoryLimitInMB: String(fn.memorySizeMb),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${fn.name}`,
    logStreamName: `local/[$LATEST]${requestId.replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

function baseName(entry: string): string {
  const file = entry.split('/').at(-1) ?? entry;
  return file.replace(/\.[cm]?[jt]s$/, '');
}

function parseBatchResponse(result: unknown): { itemIdentifiers: string[]; malformed: boolean } {
  if (result === undefined || result === null) return { itemIdentifiers: [], malformed: false };
  if (typeof result !== 'object' || !('batchItemFailures' in result))
    return { itemIdentifiers: [], malformed: false };
  const failures = (result as { batchItemFailures: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return { itemIdentifiers: [], malformed: false };
  if (!Array.isArray(failures)) return { itemIdentifiers: [], malformed: true };
  const ids: string[] = [];
  for (const f of failures) {
    const id =
      typeof f === 'object' && f !== null ? (f as { itemIdentifier?: unknown }).itemIdentifier : undefined;
    if (typeof id !== 'string' || id === '') return { itemIdentifiers: [], malformed: true };
    ids.push(id);
  }
  return { itemIdentifiers: ids, malformed: false };
}

// ------------------------------------------------------------ shard / mapping

interface PendingRecord {
  readonly record: DynamoDBRecord;
  readonly sequenceNumber: string;
  /** When this emulator first read it (DynamoDB Local truncates ApproximateCreationDateTime to the minute). */
  readonly arrivedAt: number;
  /** A copy put back by {@link EsmOptions.redelivery}. */
  readonly redelivered?: boolean;
}

class ShardState {
  iterator: string | undefined;
  /** Sequence number of the last record read from the stream. */
  lastRead: string | undefined;
  closed = false;
  lastFetchEmpty = false;
  readonly buffer: PendingRecord[] = [];
  /** Failed attempts of the batch at the head of the buffer. */
  attempts = 0;
  /** Current maximum batch size (shrinks when bisecting). */
  batchLimit: number;
  /** Batches waiting to be delivered again ({@link EsmOptions.redelivery}); `after` counts down per batch. */
  readonly replays: { records: PendingRecord[]; after: number }[] = [];

  constructor(
    readonly shardId: string,
    readonly parentShardId: string | undefined,
    batchSize: number,
  ) {
    this.batchLimit = batchSize;
  }

  get finished(): boolean {
    return this.closed && this.buffer.length === 0 && this.replays.length === 0;
  }
}

interface MutableStats {
  seen: number;
  filtered: number;
  invocations: number;
  recordsDelivered: number;
  failures: number;
  dlq: number;
  pollErrors: number;
  redelivered: number;
}

type Outcome =
  | { kind: 'success' }
  | { kind: 'partial'; index: number }
  | { kind: 'error'; error: unknown; functionError: 'Unhandled' | undefined };

class MappingRunner {
  readonly stats: MutableStats = {
    seen: 0,
    filtered: 0,
    invocations: 0,
    recordsDelivered: 0,
    failures: 0,
    dlq: 0,
    pollErrors: 0,
    redelivered: 0,
  };
  readonly shards = new Map<string, ShardState>();
  cyclesCompleted = 0;
  invoking = false;
  private lastDescribe = 0;
  private knownShardsEverFinished = 0;

  constructor(
    readonly mapping: EventSourceMappingModel,
    readonly fn: FunctionResource,
    readonly streamArn: string,
    readonly dlq: QueueResource | undefined,
    readonly matcher: EventMatcher,
    private readonly handler: () => Promise<StreamHandler>,
    private readonly env: {
      streams: DynamoDBStreamsClient;
      sqs: SQSClient;
      region: string;
      retryDelayMs: number;
      log: EsmLogger;
      onActivity: () => void;
      aroundInvoke?: EsmOptions['aroundInvoke'];
      redelivery?: EsmOptions['redelivery'];
    },
  ) {}

  get name(): string {
    return this.mapping.logicalId;
  }

  /** Nothing buffered, nothing in flight, every readable shard read to its current end. */
  isIdle(): boolean {
    if (this.invoking) return false;
    for (const shard of this.shards.values()) {
      if (shard.buffer.length > 0 || shard.replays.length > 0) return false;
      if (!shard.closed && !shard.lastFetchEmpty) return false;
    }
    return true;
  }

  /** One pass over the readable shards; true when it did any work. */
  async cycle(): Promise<boolean> {
    let worked = false;
    try {
      const finishedNow = [...this.shards.values()].filter((s) => s.finished).length;
      if (
        this.shards.size === 0 ||
        Date.now() - this.lastDescribe > 1_000 ||
        finishedNow !== this.knownShardsEverFinished
      ) {
        await this.refreshShards();
        this.knownShardsEverFinished = finishedNow;
      }
      const ready = [...this.shards.values()].filter((s) => !s.finished && this.parentDone(s));
      const results = await Promise.all(ready.map((s) => this.step(s)));
      worked = results.some(Boolean);
    } catch (err) {
      this.stats.pollErrors++;
      this.env.log('warn', `${this.name}: polling failed, retrying: ${describeError(err)}`);
      await sleep(200);
    } finally {
      this.cyclesCompleted++;
    }
    return worked;
  }

  private parentDone(shard: ShardState): boolean {
    if (shard.parentShardId === undefined) return true;
    const parent = this.shards.get(shard.parentShardId);
    return parent === undefined || parent.finished;
  }

  private async refreshShards(): Promise<void> {
    this.lastDescribe = Date.now();
    const shards = await describeShards(this.env.streams, this.streamArn);
    const firstDiscovery = this.shards.size === 0;
    for (const shard of shards) {
      const id = shard.ShardId;
      if (id === undefined || this.shards.has(id)) continue;
      const state = new ShardState(id, shard.ParentShardId, this.mapping.batchSize);
      const latest =
        firstDiscovery &&
        this.mapping.startingPosition === 'LATEST' &&
        shard.SequenceNumberRange?.EndingSequenceNumber === undefined;
      state.iterator = await this.iteratorFor(id, latest ? 'LATEST' : 'TRIM_HORIZON');
      this.shards.set(id, state);
    }
  }

  private async iteratorFor(
    shardId: string,
    type: 'TRIM_HORIZON' | 'LATEST' | 'AFTER_SEQUENCE_NUMBER',
    sequenceNumber?: string,
  ): Promise<string | undefined> {
    const out = await this.env.streams.send(
      new GetShardIteratorCommand({
        StreamArn: this.streamArn,
        ShardId: shardId,
        ShardIteratorType: type,
        ...(sequenceNumber === undefined ? {} : { SequenceNumber: sequenceNumber }),
      }),
    );
    return out.ShardIterator;
  }

  private async step(shard: ShardState): Promise<boolean> {
    const caughtUp = shard.buffer.length === 0 && (shard.lastFetchEmpty || shard.closed);
    const due = shard.replays.findIndex((r) => r.after <= 0 || caughtUp);
    if (due >= 0) {
      const [replay] = shard.replays.splice(due, 1);
      if (replay) shard.buffer.unshift(...replay.records);
    }
    if (shard.buffer.length > 0) {
      await this.deliver(shard);
      return true;
    }
    if (shard.closed) return false;
    if (shard.iterator === undefined) {
      shard.closed = true;
      return true;
    }
    let page: GetRecordsCommandOutput;
    try {
      page = await this.env.streams.send(
        new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: 1000 }),
      );
    } catch (err) {
      if (err instanceof ExpiredIteratorException) {
        shard.iterator =
          shard.lastRead === undefined
            ? await this.iteratorFor(shard.shardId, 'TRIM_HORIZON')
            : await this.iteratorFor(shard.shardId, 'AFTER_SEQUENCE_NUMBER', shard.lastRead);
        return true;
      }
      if (err instanceof TrimmedDataAccessException) {
        // DynamoDB Local numbers records globally across tables: an iterator taken on an empty
        // shard points before the shard's first record once another table has written first,
        // and reading it fails as "trimmed". Nothing was lost: re-acquire from where we are.
        this.env.log(
          'debug',
          `${this.name}: ${shard.shardId}: ${describeError(err)}; re-acquiring the iterator`,
        );
        shard.iterator =
          shard.lastRead === undefined
            ? await this.iteratorFor(shard.shardId, 'TRIM_HORIZON')
            : await this.iteratorFor(shard.shardId, 'AFTER_SEQUENCE_NUMBER', shard.lastRead);
        return true;
      }
      throw err;
    }
    const records = page.Records ?? [];
    shard.iterator = page.NextShardIterator;
    if (shard.iterator === undefined) shard.closed = true;
    shard.lastFetchEmpty = records.length === 0;
    const now = Date.now();
    for (const raw of records) {
      const record = toLambdaRecord(raw, this.streamArn, this.env.region);
      const sequenceNumber = record.dynamodb?.SequenceNumber ?? '';
      shard.lastRead = sequenceNumber;
      this.stats.seen++;
      if (!this.matcher(record)) {
        this.stats.filtered++;
        this.env.log('debug', `${this.name}: filtered out ${record.eventName} ${sequenceNumber}`);
        continue;
      }
      shard.buffer.push({ record, sequenceNumber, arrivedAt: now });
    }
    if (records.length > 0) this.env.onActivity();
    return records.length > 0 || shard.closed;
  }

  private async deliver(shard: ShardState): Promise<void> {
    const m = this.mapping;
    // Records past MaximumRecordAgeInSeconds are not retried any more.
    if (m.maximumRecordAgeSeconds >= 0 && shard.attempts > 0) {
      const limit = Date.now() - m.maximumRecordAgeSeconds * 1000;
      const expired = shard.buffer.filter((p) => p.arrivedAt < limit).length;
      if (expired > 0) {
        // Sent before it leaves the buffer: a failed send keeps the records for the next cycle.
        const batch = shard.buffer.slice(0, Math.min(expired, m.batchSize));
        await this.sendToDestination(shard, batch, 'RecordAgeExceeded', shard.attempts, undefined);
        shard.buffer.splice(0, batch.length);
        shard.attempts = 0;
        shard.batchLimit = m.batchSize;
        return;
      }
    }
    const size = Math.max(1, Math.min(shard.batchLimit, m.batchSize, shard.buffer.length));
    const batch = shard.buffer.slice(0, size);
    const outcome = await this.invoke(batch);
    this.env.onActivity();

    if (outcome.kind === 'success') {
      shard.buffer.splice(0, batch.length);
      shard.attempts = 0;
      shard.batchLimit = m.batchSize;
      this.offerRedelivery(shard, batch);
      return;
    }
    this.stats.failures++;
    if (outcome.kind === 'partial' && outcome.index > 0) {
      // Records before the lowest failure are done: checkpoint just before it.
      shard.buffer.splice(0, outcome.index);
      shard.attempts = 0;
      await sleep(this.env.retryDelayMs);
      return;
    }
    // No progress: the whole batch failed.
    if (m.bisectBatchOnFunctionError && batch.length > 1) {
      // Splitting does not count towards the retry quota.
      shard.batchLimit = Math.ceil(batch.length / 2);
      this.env.log('debug', `${this.name}: bisecting a failed batch of ${batch.length}`);
      await sleep(this.env.retryDelayMs);
      return;
    }
    shard.attempts++;
    const retries = shard.attempts - 1;
    if (m.maximumRetryAttempts >= 0 && retries >= m.maximumRetryAttempts) {
      const functionError = outcome.kind === 'error' ? outcome.functionError : undefined;
      await this.sendToDestination(shard, batch, 'RetryAttemptsExhausted', shard.attempts, functionError);
      shard.buffer.splice(0, batch.length);
      shard.attempts = 0;
      shard.batchLimit = m.batchSize;
      return;
    }
    const why = outcome.kind === 'error' ? describeError(outcome.error) : 'reported batch item failures';
    this.env.log('debug', `${this.name}: batch failed (attempt ${shard.attempts}): ${why}`);
    await sleep(this.env.retryDelayMs * shard.attempts);
  }

  private async invoke(batch: readonly PendingRecord[]): Promise<Outcome> {
    this.invoking = true;
    this.stats.invocations++;
    this.stats.recordsDelivered += batch.length;
    try {
      const handler = await this.handler();
      const event: DynamoDBStreamEvent = { Records: batch.map((p) => structuredClone(p.record)) };
      let result: unknown;
      try {
        const run = async () => handler(event, lambdaContext(this.fn));
        const around = this.env.aroundInvoke;
        result = await (around
          ? around(
              {
                functionLogicalId: this.fn.logicalId,
                name: baseName(this.fn.entry),
                mapping: this.name,
                records: event.Records,
              },
              run,
            )
          : run());
      } catch (error) {
        this.env.log('warn', `${this.name}: handler threw: ${describeError(error)}`);
        return { kind: 'error', error, functionError: 'Unhandled' };
      }
      if (!this.mapping.reportBatchItemFailures) return { kind: 'success' };
      const parsed = parseBatchResponse(result);
      if (parsed.malformed) {
        this.env.log('warn', `${this.name}: malformed batchItemFailures; the whole batch is retried`);
        return {
          kind: 'error',
          error: new EsmError('malformed batchItemFailures'),
          functionError: undefined,
        };
      }
      if (parsed.itemIdentifiers.length === 0) return { kind: 'success' };
      const positions = parsed.itemIdentifiers.map((id) => batch.findIndex((p) => p.sequenceNumber === id));
      if (positions.some((i) => i < 0)) {
        this.env.log(
          'warn',
          `${this.name}: batchItemFailures names a record outside the batch; retrying it all`,
        );
        return { kind: 'partial', index: 0 };
      }
      return { kind: 'partial', index: Math.min(...positions) };
    } finally {
      this.invoking = false;
    }
  }

  private offerRedelivery(shard: ShardState, batch: readonly PendingRecord[]): void {
    for (const replay of shard.replays) replay.after--;
    const hook = this.env.redelivery;
    if (hook === undefined || batch.some((p) => p.redelivered)) return;
    const after = hook({
      mapping: this.name,
      functionLogicalId: this.fn.logicalId,
      shardId: shard.shardId,
      invocation: this.stats.invocations,
      records: batch.map((p) => p.record),
    });
    if (after === undefined || !(after >= 0)) return;
    this.stats.redelivered += batch.length;
    this.env.log(
      'debug',
      `${this.name}: ${batch.length} record(s) will be delivered again after ${after} batch(es)`,
    );
    shard.replays.push({ records: batch.map((p) => ({ ...p, redelivered: true })), after });
  }

  private async sendToDestination(
    shard: ShardState,
    batch: readonly PendingRecord[],
    condition: 'RetryAttemptsExhausted' | 'RecordAgeExceeded',
    invokeCount: number,
    functionError: string | undefined,
  ): Promise<void> {
    const first = batch[0];
    const last = batch.at(-1);
    if (first === undefined || last === undefined) return;
    this.stats.dlq += batch.length;
    const arrival = (p: PendingRecord): string => {
      const seconds = p.record.dynamodb?.ApproximateCreationDateTime;
      return new Date(seconds === undefined ? p.arrivedAt : seconds * 1000)
        .toISOString()
        .replace(/\.\d{3}Z$/, 'Z');
    };
    const payload = {
      requestContext: {
        requestId: randomUUID(),
        functionArn: this.fn.arn,
        condition,
        approximateInvokeCount: invokeCount,
      },
      responseContext: {
        statusCode: 200,
        executedVersion: '$LATEST',
        ...(functionError === undefined ? {} : { functionError }),
      },
      version: '1.0',
      timestamp: new Date().toISOString(),
      DDBStreamBatchInfo: {
        shardId: shard.shardId,
        startSequenceNumber: first.sequenceNumber,
        endSequenceNumber: last.sequenceNumber,
        approximateArrivalOfFirstRecord: arrival(first),
        approximateArrivalOfLastRecord: arrival(last),
        batchSize: batch.length,
        streamArn: this.streamArn,
      },
    };
    if (this.dlq === undefined) {
      this.env.log(
        'warn',
        `${this.name}: ${condition}; no on-failure destination, ${batch.length} record(s) discarded`,
      );
      return;
    }
    this.env.log(
      'warn',
      `${this.name}: ${condition} after ${invokeCount} attempt(s); ${batch.length} record(s) ` +
        `${first.sequenceNumber}..${last.sequenceNumber} sent to ${this.dlq.name}`,
    );
    for (let attempt = 1; ; attempt++) {
      try {
        await this.env.sqs.send(
          new SendMessageCommand({ QueueUrl: this.dlq.url, MessageBody: JSON.stringify(payload) }),
        );
        return;
      } catch (err) {
        if (attempt >= 5) throw err;
        await sleep(100 * attempt);
      }
    }
  }
}

function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

// ------------------------------------------------------------ emulator

/**
 * Runs the template's stream mappings and schedules against the local
 * services. Create with {@link EventSourceMappingEmulator.create}.
 */
export class EventSourceMappingEmulator {
  private readonly runners: MappingRunner[];
  private running = false;
  private loops: Promise<void>[] = [];
  private activity = 0;
  private scheduledInFlight = 0;
  private scheduledInvocations = 0;
  private scheduledFailures = 0;
  private timers: NodeJS.Timeout[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly clients: { streams: DynamoDBStreamsClient; sqs: SQSClient }[] = [];
  private readonly log: EsmLogger;
  private readonly pollIntervalMs: number;

  private constructor(private readonly options: EsmOptions) {
    this.log = options.log ?? defaultLogger;
    this.pollIntervalMs = options.pollIntervalMs ?? 50;
    const { model, resources } = options;
    this.runners = model.eventSourceMappings
      .filter((m) => m.enabled)
      .map((base) => {
        const fn = resources.functionsByLogicalId[base.functionLogicalId];
        const table = resources.tablesByLogicalId[base.tableLogicalId];
        if (fn === undefined || table?.streamArn === undefined) {
          throw new EsmError(`${base.logicalId}: its function or stream was not created`);
        }
        const keys = this.keysOf(base.logicalId, fn);
        const mapping = { ...base, ...this.lookup(options.mappingOverrides, keys) };
        const patterns = this.lookup(options.filterOverrides, keys) ?? mapping.filterPatterns;
        const dlq =
          mapping.onFailureQueueLogicalId === undefined
            ? undefined
            : resources.queuesByLogicalId[mapping.onFailureQueueLogicalId];
        const clients = this.clientsFor(fn.logicalId);
        return new MappingRunner(
          mapping,
          fn,
          table.streamArn,
          dlq,
          compileFilterCriteria(patterns),
          () => this.handlerFor(keys, fn) as Promise<StreamHandler>,
          {
            streams: clients.streams,
            sqs: clients.sqs,
            region: resources.region,
            retryDelayMs: options.retryDelayMs ?? 10,
            log: this.log,
            onActivity: () => {
              this.activity++;
            },
            ...(options.aroundInvoke ? { aroundInvoke: options.aroundInvoke } : {}),
            ...(options.redelivery ? { redelivery: options.redelivery } : {}),
          },
        );
      });
  }

  /** Streams and SQS clients acting for one function's mapping, as Lambda does with the function's role. */
  private clientsFor(functionLogicalId: string): { streams: DynamoDBStreamsClient; sqs: SQSClient } {
    const { endpoints } = this.options;
    const base = {
      region: endpoints.region,
      credentials: this.options.credentialsFor?.(functionLogicalId) ?? {
        accessKeyId: 'local',
        secretAccessKey: 'local',
      },
    };
    const clients = {
      streams: new DynamoDBStreamsClient({ ...base, endpoint: endpoints.dynamodbStreams }),
      sqs: new SQSClient({ ...base, endpoint: endpoints.sqs }),
    };
    this.options.instrumentClients?.(clients);
    this.clients.push(clients);
    return clients;
  }

  /** Builds the emulator (does not start polling). */
  static create(options: EsmOptions): EventSourceMappingEmulator {
    return new EventSourceMappingEmulator(options);
  }

  private keysOf(mappingLogicalId: string | undefined, fn: FunctionResource): string[] {
    const keys = [fn.logicalId, fn.entry, baseName(fn.entry)];
    if (mappingLogicalId !== undefined) {
      keys.unshift(mappingLogicalId);
      const mapping = this.options.model.eventSourceMappings.find((m) => m.logicalId === mappingLogicalId);
      const { tables } = this.options.resources;
      if (mapping?.tableLogicalId === tables.licenses.logicalId) keys.push('licenses');
      if (mapping?.tableLogicalId === tables.shipments.logicalId) keys.push('shipments');
    }
    return keys;
  }

  private lookup<T>(map: Readonly<Record<string, T>> | undefined, keys: readonly string[]): T | undefined {
    if (map === undefined) return undefined;
    for (const key of keys) {
      const hit = map[key];
      if (hit !== undefined) return hit;
    }
    return undefined;
  }

  private handlerFor(keys: readonly string[], fn: FunctionResource): Promise<AnyHandler> {
    const override = this.lookup(this.options.handlerOverrides, keys);
    if (override !== undefined) return Promise.resolve(override as AnyHandler);
    return this.loadHandler(fn.logicalId);
  }

  /** The function as the Lambda host runs it. */
  bundleOf(functionLogicalId: string): FunctionBundle {
    const fn = this.options.resources.functionsByLogicalId[functionLogicalId];
    if (fn === undefined) throw new EsmError(`no function ${functionLogicalId} in the template`);
    return {
      logicalId: fn.logicalId,
      name: fn.name,
      arn: fn.arn,
      label: baseName(fn.entry),
      bundleFile: fn.bundleFile,
      exportName: fn.exportName,
      environment: fn.environment,
      timeoutSeconds: fn.timeoutSeconds,
      memorySizeMb: fn.memorySizeMb,
    };
  }

  /**
   * The function's handler as Lambda runs it: each call is an invocation in
   * one of its sandboxes (its bundle, its environment). The first call of
   * each function starts a sandbox and imports the bundle; a bundle that
   * cannot load fails with EsmError, as its first invocation would on Lambda.
   */
  async loadHandler(functionLogicalId: string): Promise<AnyHandler> {
    const bundle = this.bundleOf(functionLogicalId);
    try {
      await this.options.host.warm(bundle);
    } catch (cause) {
      throw new EsmError(`cannot load ${bundle.label} (${bundle.logicalId}): ${describeError(cause)}`, {
        cause,
      });
    }
    return (event: never) => this.options.host.invoke(bundle, event);
  }

  /** Imports every handler (surfacing import errors) and starts polling. */
  async start(): Promise<void> {
    if (this.running) return;
    for (const fn of Object.values(this.options.resources.functionsByLogicalId)) {
      const mapping = this.options.model.eventSourceMappings.find(
        (m) => m.functionLogicalId === fn.logicalId,
      );
      await this.handlerFor(this.keysOf(mapping?.logicalId, fn), fn);
    }
    this.running = true;
    this.loops = this.runners.map((runner) => this.loop(runner));
  }

  private async loop(runner: MappingRunner): Promise<void> {
    while (this.running) {
      const worked = await runner.cycle();
      if (!worked && this.running) await sleep(this.pollIntervalMs);
    }
  }

  /** Stops polling and schedules; waits for the in-flight batch and scheduled invocations. */
  async stop(): Promise<void> {
    this.stopSchedules();
    this.running = false;
    await Promise.allSettled(this.loops);
    await Promise.allSettled([...this.inFlight]);
    this.loops = [];
  }

  /** Stops and closes the emulator's SDK clients. */
  async dispose(): Promise<void> {
    await this.stop();
    for (const c of this.clients) {
      c.streams.destroy();
      c.sqs.destroy();
    }
  }

  /** True between {@link start} and {@link stop}. */
  get isRunning(): boolean {
    return this.running;
  }

  /**
   * Resolves once every mapping has read its stream to the end, nothing is
   * buffered or in flight (scheduled invocations included), twice in a row
   * with no activity in between. Handlers that write to other streamed
   * tables are thus followed to the end.
   *
   * @throws {DrainTimeoutError} after `timeoutMs` (default 30 s).
   */
  async drain(options: { timeoutMs?: number } = {}): Promise<void> {
    if (!this.running) throw new EsmError('drain() needs a started emulator');
    const timeoutMs = options.timeoutMs ?? 30_000;
    const deadline = Date.now() + timeoutMs;
    let quiet = 0;
    let lastActivity = this.activity;
    while (quiet < 2) {
      const marks = this.runners.map((r) => r.cyclesCompleted);
      // A cycle that was under way may have read before the latest write: wait for the next full one.
      while (this.runners.some((r, i) => r.cyclesCompleted < (marks[i] ?? 0) + 2)) {
        if (Date.now() > deadline) throw this.drainTimeout(timeoutMs);
        if (!this.running) throw new EsmError('emulator stopped while draining');
        await sleep(5);
      }
      const idle = this.scheduledInFlight === 0 && this.runners.every((r) => r.isIdle());
      quiet = idle && this.activity === lastActivity ? quiet + 1 : 0;
      lastActivity = this.activity;
      if (quiet < 2 && Date.now() > deadline) throw this.drainTimeout(timeoutMs);
    }
  }

  private drainTimeout(timeoutMs: number): DrainTimeoutError {
    const busy = this.runners
      .filter((r) => !r.isIdle())
      .map((r) => {
        const buffered = [...r.shards.values()].reduce((n, s) => n + s.buffer.length, 0);
        return `${r.name} (buffered ${buffered}, invoking ${String(r.invoking)})`;
      });
    return new DrainTimeoutError(
      `not quiescent after ${timeoutMs} ms; busy: ${busy.join(', ') || 'scheduled invocations'}; ` +
        `stats: ${JSON.stringify(this.stats())}`,
    );
  }

  /** Counters per mapping and for schedules. */
  stats(): EsmStats {
    return {
      mappings: this.runners.map((r) => ({ mapping: r.name, function: r.fn.logicalId, ...r.stats })),
      scheduledInvocations: this.scheduledInvocations,
      scheduledFailures: this.scheduledFailures,
    };
  }

  private findSchedule(name: string): { rule: ScheduleModel; fn: FunctionResource; input?: unknown } {
    const { model, resources } = this.options;
    for (const rule of model.schedules) {
      for (const target of rule.targets) {
        const fn = resources.functionsByLogicalId[target.functionLogicalId];
        if (fn === undefined) continue;
        if ([rule.logicalId, fn.logicalId, fn.entry, baseName(fn.entry), fn.name].includes(name)) {
          return { rule, fn, ...(target.input === undefined ? {} : { input: target.input }) };
        }
      }
    }
    throw new EsmError(`no schedule targets "${name}"`);
  }

  /**
   * Invokes a schedule's target once, as EventBridge would, and returns the
   * handler's result. `name` is the rule's or function's logical id, the
   * entry path or its base name (`license-clock`).
   */
  async invokeSchedule(name: string, options: { time?: Date } = {}): Promise<unknown> {
    const { rule, fn, input } = this.findSchedule(name);
    const keys = this.keysOf(undefined, fn);
    const region = this.options.resources.region;
    const event: ScheduledEvent = {
      version: '0',
      id: randomUUID(),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: LOCAL_ACCOUNT_ID,
      time: (options.time ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region,
      resources: [
        `arn:aws:events:${region}:${LOCAL_ACCOUNT_ID}:rule/${this.options.resources.prefix}-${rule.logicalId}`,
      ],
      detail: {},
    };
    this.scheduledInFlight++;
    this.scheduledInvocations++;
    const run = (async () => {
      try {
        const handler = await this.handlerFor(keys, fn);
        const invoke = async () => handler((input ?? event) as never, lambdaContext(fn));
        const around = this.options.aroundInvoke;
        return await (around
          ? around({ functionLogicalId: fn.logicalId, name: baseName(fn.entry) }, invoke)
          : invoke());
      } catch (err) {
        this.scheduledFailures++;
        throw err;
      } finally {
        this.scheduledInFlight--;
        this.activity++;
      }
    })();
    this.inFlight.add(run);
    try {
      return await run;
    } finally {
      this.inFlight.delete(run);
    }
  }

  /**
   * Fires every enabled `rate()` schedule on a timer, `speedUp` times faster
   * than the template says. A tick is skipped while the previous one runs.
   */
  startSchedules(options: { speedUp?: number } = {}): void {
    const speedUp = options.speedUp ?? 1;
    if (!(speedUp > 0)) throw new EsmError(`speedUp must be > 0, got ${speedUp}`);
    this.stopSchedules();
    for (const rule of this.options.model.schedules) {
      if (!rule.enabled) continue;
      if (rule.periodMs === undefined) {
        throw new EsmError(`${rule.logicalId}: only rate() schedules are emulated, got ${rule.expression}`);
      }
      for (const target of rule.targets) {
        let busy = false;
        const timer = setInterval(
          () => {
            if (busy) {
              this.log('warn', `${rule.logicalId}: previous tick still running; tick skipped`);
              return;
            }
            busy = true;
            this.invokeSchedule(target.functionLogicalId)
              .catch((err: unknown) => this.log('error', `${rule.logicalId}: ${describeError(err)}`))
              .finally(() => {
                busy = false;
              });
          },
          Math.max(10, rule.periodMs / speedUp),
        );
        timer.unref();
        this.timers.push(timer);
      }
    }
  }

  /** Stops the schedule timers (in-flight ticks finish on their own). */
  stopSchedules(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
  }
}
