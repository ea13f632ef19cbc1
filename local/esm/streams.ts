/**
 * Reading DynamoDB streams as Lambda's poller does: shards (DescribeStream,
 * paginated), their iterators, parents before children, and the per-shard
 * state of a mapping (what is read, buffered, retried or due again).
 */
import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord } from 'aws-lambda';
import { toLambdaRecord } from '../../shared/adapters/stream.js';
import { fnv1a } from '../../shared/domain/routing.js';

/** Where a shard iterator starts. */
export type IteratorType = 'TRIM_HORIZON' | 'LATEST' | 'AFTER_SEQUENCE_NUMBER';

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

/** A shard iterator of `type` (after `sequenceNumber` for AFTER_SEQUENCE_NUMBER). */
export async function shardIterator(
  streams: DynamoDBStreamsClient,
  streamArn: string,
  shardId: string,
  type: IteratorType,
  sequenceNumber?: string,
): Promise<string | undefined> {
  const out = await streams.send(
    new GetShardIteratorCommand({
      StreamArn: streamArn,
      ShardId: shardId,
      ShardIteratorType: type,
      ...(sequenceNumber === undefined ? {} : { SequenceNumber: sequenceNumber }),
    }),
  );
  return out.ShardIterator;
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
      out.push(...(await readShard(streams, streamArn, id, region)));
      done.add(id);
      progressed = true;
    }
  }
  return out;
}

/** One shard from TRIM_HORIZON to its end (closed) or to its newest record (open). */
async function readShard(
  streams: DynamoDBStreamsClient,
  streamArn: string,
  shardId: string,
  region: string,
): Promise<DynamoDBRecord[]> {
  const out: DynamoDBRecord[] = [];
  let iterator = await shardIterator(streams, streamArn, shardId, 'TRIM_HORIZON');
  while (iterator !== undefined) {
    const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
    const records = page.Records ?? [];
    out.push(...records.map((r) => toLambdaRecord(r, streamArn, region)));
    iterator = page.NextShardIterator;
    if (records.length === 0) break; // open shard: caught up
  }
  return out;
}

/** A record read from a shard and not yet done with. */
export interface PendingRecord {
  readonly record: DynamoDBRecord;
  readonly sequenceNumber: string;
  /** When this emulator first read it (DynamoDB Local truncates ApproximateCreationDateTime to the minute). */
  readonly arrivedAt: number;
  /** A copy put back by {@link EsmOptions.redelivery}. */
  readonly redelivered?: boolean;
}

/**
 * When a record entered the stream: DynamoDB Local truncates
 * ApproximateCreationDateTime to the minute, so its end, or when this
 * emulator read the record if that is earlier.
 */
export function enteredAt(p: PendingRecord): number {
  const seconds = p.record.dynamodb?.ApproximateCreationDateTime;
  return seconds === undefined ? p.arrivedAt : Math.min(p.arrivedAt, seconds * 1000 + 60_000);
}

/**
 * Records of one shard that are delivered in order, one batch at a time:
 * with ParallelizationFactor N, a shard has N lanes and a record goes to the
 * lane of its partition key, so one key's records stay in order while other
 * keys' batches run concurrently (as Lambda does).
 */
export class Lane {
  readonly buffer: PendingRecord[] = [];
  /** Failed attempts of the batch at the head of the buffer. */
  attempts = 0;
  /** Current maximum batch size (shrinks when bisecting). */
  batchLimit: number;
  /** Batches waiting to be delivered again ({@link EsmOptions.redelivery}); `after` counts down per batch. */
  readonly replays: { records: PendingRecord[]; after: number }[] = [];
  /** The lane's batch under way, when it runs beside the others (ParallelizationFactor > 1). */
  delivering: Promise<void> | undefined;

  constructor(batchSize: number) {
    this.batchLimit = batchSize;
  }

  /** Nothing buffered, waiting for redelivery or under way. */
  get empty(): boolean {
    return this.buffer.length === 0 && this.replays.length === 0 && this.delivering === undefined;
  }
}

/** Where a mapping is in one shard; the shard is its own first lane. */
export class ShardState extends Lane {
  iterator: string | undefined;
  /** Sequence number of the last record read from the stream. */
  lastRead: string | undefined;
  closed = false;
  lastFetchEmpty = false;
  /** When the last successful read started, and the runner's count of noted writes then. */
  lastReadAt = 0;
  writesAtLastRead = -1;
  /** The shard itself, then ParallelizationFactor − 1 more. */
  readonly lanes: readonly Lane[];

  constructor(
    readonly shardId: string,
    readonly parentShardId: string | undefined,
    batchSize: number,
    parallelization = 1,
  ) {
    super(batchSize);
    this.lanes = [this, ...Array.from({ length: parallelization - 1 }, () => new Lane(batchSize))];
  }

  /**
   * Whether a read could find records: always without `quietMs`; with it,
   * after a page that was not empty, once the runner's count of noted writes
   * passed the one at the last read, or `quietMs` after that read.
   */
  mayHaveRecords(writes: number, quietMs: number | undefined): boolean {
    if (quietMs === undefined || !this.lastFetchEmpty) return true;
    return this.writesAtLastRead < writes || Date.now() - this.lastReadAt >= quietMs;
  }

  /** The lane of a record: by the hash of its partition key (the item's keys). */
  laneOf(record: DynamoDBRecord): Lane {
    if (this.lanes.length === 1) return this;
    const keys = JSON.stringify(record.dynamodb?.Keys ?? {});
    return this.lanes[fnv1a(keys) % this.lanes.length] ?? this;
  }

  /** Records buffered over the lanes. */
  get buffered(): number {
    return this.lanes.reduce((n, lane) => n + lane.buffer.length, 0);
  }

  get finished(): boolean {
    return this.closed && this.lanes.every((lane) => lane.empty);
  }
}
