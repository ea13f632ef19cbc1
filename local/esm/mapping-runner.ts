/**
 * One event source mapping at work, as Lambda runs it on a DynamoDB stream:
 * poll the shards (parents before children), drop what the filter rejects,
 * batch up to BatchSize, invoke, honour `batchItemFailures`, bisect a failed
 * batch, retry up to MaximumRetryAttempts or until MaximumRecordAgeInSeconds,
 * then send an on-failure record to the mapping's SQS destination and move
 * on. A shard is sequential, or, with ParallelizationFactor N, runs N lanes
 * at once, each a partition key's records in order; the shards of a mapping
 * run concurrently.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  TrimmedDataAccessException,
} from '@aws-sdk/client-dynamodb-streams';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { toLambdaRecord } from '../../shared/adapters/stream.js';
import type { EventMatcher } from '../filter-pattern.js';
import type { FunctionResource, QueueResource } from '../resources.js';
import type { EventSourceMappingModel } from '../template.js';
import { type Outcome, reportedOutcome } from './batch-outcome.js';
import { baseName, describeError, invokeAround, lambdaContext } from './invoke.js';
import { type FailureCondition, onFailureRecord, sendOnFailureRecord } from './on-failure.js';
import {
  describeShards,
  enteredAt,
  type IteratorType,
  type Lane,
  type PendingRecord,
  ShardState,
  shardIterator,
} from './streams.js';
import { type EsmLogger, type EsmOptions, newStats, type StreamHandler } from './types.js';

/** What a runner is given besides its mapping: clients, pacing, log and the test hooks. */
export interface RunnerEnv {
  streams: DynamoDBStreamsClient;
  sqs: SQSClient;
  region: string;
  retryDelayMs: number;
  /** See EsmOptions.quietReadIntervalMs (undefined: a shard is read at every cycle). */
  quietReadIntervalMs?: number;
  log: EsmLogger;
  /** Called whenever records were read or a batch was invoked (drain waits for quiet). */
  onActivity: () => void;
  aroundInvoke?: EsmOptions['aroundInvoke'];
  redelivery?: EsmOptions['redelivery'];
}

type StreamRecords = NonNullable<GetRecordsCommandOutput['Records']>;

/** Polls one mapping's stream and delivers its records to the function. */
export class MappingRunner {
  readonly stats = newStats();
  readonly shards = new Map<string, ShardState>();
  cyclesCompleted = 0;
  /** When the polling cycle under way started (undefined between cycles): drain reports a stuck one. */
  cycleStartedAt: number | undefined;
  /** Invocations under way (up to ParallelizationFactor per shard). */
  private inFlight = 0;
  private lastDescribe = 0;
  private knownShardsEverFinished = 0;
  /** Writes noted to the mapping's table, or drains that want every shard read once more. */
  private writes = 0;

  constructor(
    readonly mapping: EventSourceMappingModel,
    readonly fn: FunctionResource,
    readonly streamArn: string,
    readonly dlq: QueueResource | undefined,
    readonly matcher: EventMatcher,
    private readonly handler: () => Promise<StreamHandler>,
    private readonly env: RunnerEnv,
  ) {}

  get name(): string {
    return this.mapping.logicalId;
  }

  /** An invocation is under way. */
  get invoking(): boolean {
    return this.inFlight > 0;
  }

  /** Nothing buffered, nothing in flight, every readable shard read to its current end. */
  isIdle(): boolean {
    if (this.invoking) return false;
    for (const shard of this.shards.values()) {
      if (!shard.lanes.every((lane) => lane.empty)) return false;
      if (!shard.closed && !shard.lastFetchEmpty) return false;
    }
    return true;
  }

  noteWrite(): void {
    this.writes++;
  }

  /** Resolves once the batches under way beside the polling (ParallelizationFactor > 1) have ended. */
  async settle(): Promise<void> {
    const pending = [...this.shards.values()].flatMap((s) => s.lanes.map((lane) => lane.delivering));
    await Promise.allSettled(pending);
  }

  /** One pass over the readable shards; true when it did any work. */
  async cycle(): Promise<boolean> {
    let worked = false;
    this.cycleStartedAt = Date.now();
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
      this.cycleStartedAt = undefined;
    }
    return worked;
  }

  // ---------------------------------------------------------------- polling

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
      const { batchSize, parallelizationFactor } = this.mapping;
      const state = new ShardState(id, shard.ParentShardId, batchSize, parallelizationFactor);
      const latest =
        firstDiscovery &&
        this.mapping.startingPosition === 'LATEST' &&
        shard.SequenceNumberRange?.EndingSequenceNumber === undefined;
      state.iterator = await this.iteratorFor(id, latest ? 'LATEST' : 'TRIM_HORIZON');
      this.shards.set(id, state);
    }
  }

  private iteratorFor(
    shardId: string,
    type: IteratorType,
    sequenceNumber?: string,
  ): Promise<string | undefined> {
    return shardIterator(this.env.streams, this.streamArn, shardId, type, sequenceNumber);
  }

  /** A fresh iterator just after the last record read (from TRIM_HORIZON when none was). */
  private resumeIterator(shard: ShardState): Promise<string | undefined> {
    return shard.lastRead === undefined
      ? this.iteratorFor(shard.shardId, 'TRIM_HORIZON')
      : this.iteratorFor(shard.shardId, 'AFTER_SEQUENCE_NUMBER', shard.lastRead);
  }

  /** Delivers the shard's next batch, or reads its next page; true when it did any work. */
  private async step(shard: ShardState): Promise<boolean> {
    if (shard.lanes.length > 1) return this.stepLanes(shard);
    this.requeueDueReplay(shard, shard);
    if (shard.buffer.length > 0) {
      await this.deliver(shard, shard);
      return true;
    }
    return this.readNext(shard);
  }

  /** Reads the shard's next page (or notes it closed); true when it did any work. */
  private readNext(shard: ShardState): Promise<boolean> {
    if (shard.closed) return Promise.resolve(false);
    if (shard.iterator === undefined) {
      shard.closed = true;
      return Promise.resolve(true);
    }
    if (!shard.mayHaveRecords(this.writes, this.env.quietReadIntervalMs)) return Promise.resolve(false);
    return this.read(shard, shard.iterator);
  }

  /**
   * ParallelizationFactor > 1: starts the next batch of every lane that has
   * none under way (they run on beside the polling), and reads on while
   * fewer than a batch per lane are buffered.
   */
  private async stepLanes(shard: ShardState): Promise<boolean> {
    let worked = false;
    for (const lane of shard.lanes) {
      this.requeueDueReplay(shard, lane);
      if (lane.delivering !== undefined || lane.buffer.length === 0) continue;
      worked = true;
      lane.delivering = this.deliver(shard, lane)
        .catch((err: unknown) => {
          this.stats.pollErrors++;
          this.env.log('warn', `${this.name}: delivering failed, retrying: ${describeError(err)}`);
          return sleep(200);
        })
        .finally(() => {
          lane.delivering = undefined;
        });
    }
    if (shard.buffered >= shard.lanes.length * this.mapping.batchSize) return worked;
    return (await this.readNext(shard)) || worked;
  }

  /** Puts a redelivery that is due back at the head of the lane's buffer. */
  private requeueDueReplay(shard: ShardState, lane: Lane): void {
    const caughtUp = lane.buffer.length === 0 && (shard.lastFetchEmpty || shard.closed);
    const due = lane.replays.findIndex((r) => r.after <= 0 || caughtUp);
    if (due >= 0) {
      const [replay] = lane.replays.splice(due, 1);
      if (replay) lane.buffer.unshift(...replay.records);
    }
  }

  /** Reads one page of the shard into its buffer; true when it read records or the shard closed. */
  private async read(shard: ShardState, iterator: string): Promise<boolean> {
    let page: GetRecordsCommandOutput;
    const [startedAt, writes] = [Date.now(), this.writes];
    try {
      page = await this.env.streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
    } catch (err) {
      if (!(err instanceof ExpiredIteratorException || err instanceof TrimmedDataAccessException)) throw err;
      if (err instanceof TrimmedDataAccessException) {
        // DynamoDB Local numbers records globally across tables: an iterator taken on an empty
        // shard points before the shard's first record once another table has written first,
        // and reading it fails as "trimmed". Nothing was lost: re-acquire from where we are.
        this.env.log(
          'debug',
          `${this.name}: ${shard.shardId}: ${describeError(err)}; re-acquiring the iterator`,
        );
      }
      shard.iterator = await this.resumeIterator(shard);
      return true;
    }
    const records = page.Records ?? [];
    [shard.lastReadAt, shard.writesAtLastRead] = [startedAt, writes];
    shard.iterator = page.NextShardIterator;
    if (shard.iterator === undefined) shard.closed = true;
    shard.lastFetchEmpty = records.length === 0;
    this.buffer(shard, records);
    if (records.length > 0) this.env.onActivity();
    return records.length > 0 || shard.closed;
  }

  /** Buffers the records the mapping's filter selects; the others are dropped for good. */
  private buffer(shard: ShardState, records: StreamRecords): void {
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
      shard.laneOf(record).buffer.push({ record, sequenceNumber, arrivedAt: now });
    }
  }

  // ---------------------------------------------------------------- delivery

  /** Done with the first `count` records of the lane's buffer: the next batch starts afresh. */
  private checkpoint(lane: Lane, count: number): void {
    lane.buffer.splice(0, count);
    lane.attempts = 0;
    lane.batchLimit = this.mapping.batchSize;
  }

  private async deliver(shard: ShardState, lane: Lane): Promise<void> {
    if (await this.discardExpired(shard, lane)) return;
    const m = this.mapping;
    const size = Math.max(1, Math.min(lane.batchLimit, m.batchSize, lane.buffer.length));
    const batch = lane.buffer.slice(0, size);
    const outcome = await this.invoke(batch);
    this.env.onActivity();

    if (outcome.kind === 'success') {
      this.checkpoint(lane, batch.length);
      this.offerRedelivery(shard, lane, batch);
      return;
    }
    await this.retryOrGiveUp(shard, lane, batch, outcome);
  }

  /**
   * Records past MaximumRecordAgeInSeconds are not delivered: as on AWS,
   * whether a batch has failed or the mapping has just fallen behind, the
   * expired ones at the head of the buffer go to the destination. True when
   * some did. A record's age counts from when it entered the stream.
   */
  private async discardExpired(shard: ShardState, lane: Lane): Promise<boolean> {
    const m = this.mapping;
    if (m.maximumRecordAgeSeconds < 0) return false;
    const limit = Date.now() - m.maximumRecordAgeSeconds * 1000;
    let expired = 0;
    while (expired < lane.buffer.length && enteredAt(lane.buffer[expired] as PendingRecord) < limit)
      expired++;
    if (expired === 0) return false;
    // Sent before it leaves the buffer: a failed send keeps the records for the next cycle.
    const batch = lane.buffer.slice(0, Math.min(expired, m.batchSize));
    await this.sendToDestination(shard, batch, 'RecordAgeExceeded', lane.attempts, undefined);
    this.checkpoint(lane, batch.length);
    return true;
  }

  /** After a failed invocation: checkpoint a partial success, bisect, retry, or give up on the batch. */
  private async retryOrGiveUp(
    shard: ShardState,
    lane: Lane,
    batch: readonly PendingRecord[],
    outcome: Exclude<Outcome, { kind: 'success' }>,
  ): Promise<void> {
    const m = this.mapping;
    this.stats.failures++;
    if (outcome.kind === 'partial' && outcome.index > 0) {
      // Records before the lowest failure are done: checkpoint just before it. Reading on is a retry of
      // the rest (AWS documents no reset of the count: stricter, tests never lean on one more).
      this.stats.partial++;
      lane.buffer.splice(0, outcome.index);
      if (!(await this.exhausted(shard, lane, batch.slice(outcome.index), outcome)))
        await sleep(this.env.retryDelayMs);
      return;
    }
    // No progress. Only a function error bisects: a partial response "bisects at the returned sequence
    // number" (the records before it are done, above), so one failing at the head retries the batch whole.
    if (outcome.kind === 'error' && m.bisectBatchOnFunctionError && batch.length > 1) {
      // Splitting does not count towards the retry quota.
      lane.batchLimit = Math.ceil(batch.length / 2);
      this.env.log('debug', `${this.name}: bisecting a failed batch of ${batch.length}`);
      await sleep(this.env.retryDelayMs);
      return;
    }
    if (await this.exhausted(shard, lane, batch, outcome)) return;
    const why = outcome.kind === 'error' ? describeError(outcome.error) : 'reported batch item failures';
    this.env.log('debug', `${this.name}: batch failed (attempt ${lane.attempts}): ${why}`);
    await sleep(this.env.retryDelayMs * lane.attempts);
  }

  /** Counts a failed invocation of the lane's head `batch`; past MaximumRetryAttempts, parks it (true). */
  private async exhausted(shard: ShardState, lane: Lane, batch: readonly PendingRecord[], outcome: Outcome) {
    const functionError = outcome.kind === 'error' ? outcome.functionError : undefined;
    lane.attempts++;
    const max = this.mapping.maximumRetryAttempts;
    if (max < 0 || lane.attempts - 1 < max) return false;
    await this.sendToDestination(shard, batch, 'RetryAttemptsExhausted', lane.attempts, functionError);
    this.checkpoint(lane, batch.length);
    return true;
  }

  private async invoke(batch: readonly PendingRecord[]): Promise<Outcome> {
    this.inFlight++;
    this.stats.invocations++;
    this.stats.recordsDelivered += batch.length;
    try {
      const handler = await this.handler();
      const event: DynamoDBStreamEvent = { Records: batch.map((p) => structuredClone(p.record)) };
      let result: unknown;
      try {
        const info = {
          functionLogicalId: this.fn.logicalId,
          name: baseName(this.fn.entry),
          mapping: this.name,
          records: event.Records,
        };
        result = await invokeAround(this.env.aroundInvoke, info, async () =>
          handler(event, lambdaContext(this.fn)),
        );
      } catch (error) {
        this.env.log('warn', `${this.name}: handler threw: ${describeError(error)}`);
        return { kind: 'error', error, functionError: 'Unhandled' };
      }
      return this.outcomeOf(result, batch);
    } finally {
      this.inFlight--;
    }
  }

  /** What the handler's response says about the batch (only with ReportBatchItemFailures). */
  private outcomeOf(result: unknown, batch: readonly PendingRecord[]): Outcome {
    if (!this.mapping.reportBatchItemFailures) return { kind: 'success' };
    const { outcome, warning } = reportedOutcome(result, batch);
    if (warning !== undefined) this.env.log('warn', `${this.name}: ${warning}`);
    return outcome;
  }

  /** Asks the {@link EsmOptions.redelivery} hook whether a batch that succeeded is delivered again. */
  private offerRedelivery(shard: ShardState, lane: Lane, batch: readonly PendingRecord[]): void {
    for (const replay of lane.replays) replay.after--;
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
    this.env.log('debug', `${this.name}: ${batch.length} record(s) delivered again after ${after} batch(es)`);
    lane.replays.push({ records: batch.map((p) => ({ ...p, redelivered: true })), after });
  }

  /** Sends the batch's on-failure record to the mapping's destination (or logs it discarded without one). */
  private async sendToDestination(
    shard: ShardState,
    batch: readonly PendingRecord[],
    condition: FailureCondition,
    invokeCount: number,
    functionError: string | undefined,
  ): Promise<void> {
    const first = batch[0];
    const last = batch.at(-1);
    if (first === undefined || last === undefined) return;
    this.stats.dlq += batch.length;
    const payload = onFailureRecord({
      functionArn: this.fn.arn,
      streamArn: this.streamArn,
      shardId: shard.shardId,
      first,
      last,
      batchSize: batch.length,
      condition,
      invokeCount,
      functionError,
    });
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
    await sendOnFailureRecord(this.env.sqs, this.dlq.url, payload);
  }
}
