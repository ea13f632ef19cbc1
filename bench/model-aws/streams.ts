/**
 * DynamoDB Streams and the Lambda event source mappings in the AWS model.
 * A table's records go to its shards (by hash of the key); each shard is read
 * by one invocation at a time (parallelization factor 1). An invocation
 * takes up to `batchSize` records; it starts `lagMs` after records are
 * there (the poller's idle interval), and, with a batching window, not
 * before the first waiting record is `windowMs` old unless the batch is full.
 * A failed invocation is handled as the deployed mappings' settings say, and
 * as the local stack's emulator (local/esm/mapping-runner.ts) does: records
 * before the lowest reported failure are checkpointed; a batch whose
 * invocation threw is split in two and read again (`bisect`, which does not
 * count against the retries); a batch that made no progress and cannot be
 * split, or whose failure was reported at its head (a partial response never
 * halves it), is read again until `maxRetries` retries have failed, then
 * dropped (counted: the DLQ).
 */
import type { VirtualClock } from './clock.js';
import type { StreamEntry } from './ports.js';

export interface MappingOptions {
  shards: number;
  batchSize: number;
  windowMs: number;
  lagMs: number;
  /** Per invocation (warm start, the poller's call). */
  overheadMs: number;
  /** Retries of a batch that cannot be split further before its records are dropped (MaximumRetryAttempts). */
  maxRetries: number;
  /** BisectBatchOnFunctionError. */
  bisect: boolean;
}

interface Waiting {
  entry: StreamEntry;
  arrivedAt: number;
}

class Shard {
  queue: Waiting[] = [];
  head = 0;
  busy = false;
  /** Failed invocations of the batch at the head since it last made progress. */
  attempts = 0;
  /** The largest batch to take next: shrinks as a failed batch is split. */
  batchLimit: number;
  constructor(batchSize: number) {
    this.batchLimit = batchSize;
  }
  timer: { at: number; cancelled: boolean } | undefined;
  get waiting(): number {
    return this.queue.length - this.head;
  }
  take(n: number): Waiting[] {
    const out = this.queue.slice(this.head, this.head + n);
    this.head += out.length;
    if (this.head > 50_000) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return out;
  }
  putBack(items: Waiting[]): void {
    this.queue = [...items, ...this.queue.slice(this.head)];
    this.head = 0;
  }
}

/** What one invocation returns: the sequence numbers that failed. `shard` is the shard's index (one function instance each). */
export type StreamHandler = (records: StreamEntry[], shard: number) => Promise<string[]>;

export class StreamMapping {
  private readonly shards: Shard[];
  invocations = 0;
  records = 0;
  retried = 0;
  dropped = 0;
  /** Largest number of records waiting in one shard. */
  peakBacklog = 0;

  constructor(
    private readonly clock: VirtualClock,
    private readonly options: MappingOptions,
    private readonly handler: StreamHandler,
  ) {
    this.shards = Array.from({ length: options.shards }, () => new Shard(options.batchSize));
  }

  push(entry: StreamEntry): void {
    const shard = this.shards[hash(entry.key) % this.shards.length] as Shard;
    shard.queue.push({ entry, arrivedAt: this.clock.now() });
    this.peakBacklog = Math.max(this.peakBacklog, shard.waiting);
    this.wake(shard);
  }

  private wake(shard: Shard): void {
    if (shard.busy || shard.waiting === 0) return;
    const { batchSize, windowMs, lagMs } = this.options;
    const full = shard.waiting >= batchSize;
    const first = shard.queue[shard.head]?.arrivedAt ?? this.clock.now();
    const at = full ? this.clock.now() + lagMs : Math.max(this.clock.now() + lagMs, first + windowMs);
    // An invocation already due no later stays as it is: a record arriving does not put it off.
    if (shard.timer && shard.timer.at <= at) return;
    if (shard.timer) shard.timer.cancelled = true;
    shard.timer = this.clock.schedule(at - this.clock.now(), () => {
      shard.timer = undefined;
      void this.invoke(shard);
    });
  }

  private async invoke(shard: Shard): Promise<void> {
    if (shard.busy || shard.waiting === 0) return;
    shard.busy = true;
    const batch = shard.take(Math.min(shard.batchLimit, this.options.batchSize));
    this.invocations++;
    this.records += batch.length;
    await this.clock.sleep(this.options.overheadMs);
    let failed: string[];
    let threw = false;
    try {
      failed = await this.handler(
        batch.map((w) => w.entry),
        this.shards.indexOf(shard),
      );
    } catch {
      threw = true;
      failed = batch.map((w) => w.entry.sequence);
    }
    if (failed.length === 0) {
      shard.attempts = 0;
      shard.batchLimit = this.options.batchSize;
    } else {
      const lowest = [...failed].sort()[0] ?? '';
      const index = Math.max(
        0,
        batch.findIndex((w) => w.entry.sequence >= lowest),
      );
      const again = batch.slice(index);
      if (index > 0) {
        // Progress: the records before the lowest failure are checkpointed.
        shard.attempts = 0;
      } else if (threw && this.options.bisect && batch.length > 1) {
        // Only a function error bisects; a partial response failing at the head retries the batch whole.
        shard.batchLimit = Math.ceil(batch.length / 2);
      } else if (++shard.attempts - 1 >= this.options.maxRetries) {
        this.dropped += again.length;
        again.length = 0;
        shard.attempts = 0;
        shard.batchLimit = this.options.batchSize;
      }
      this.retried += again.length;
      shard.putBack(again);
    }
    shard.busy = false;
    this.wake(shard);
  }

  /** Whether any record is waiting or being handled. */
  get idle(): boolean {
    return this.shards.every((s) => !s.busy && s.waiting === 0);
  }
}

function hash(key: string): number {
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  return h >>> 0;
}
