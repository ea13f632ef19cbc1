/**
 * DynamoDB Streams and the Lambda event source mappings in the AWS model.
 * A table's records go to its shards (by hash of the key); each shard is read
 * by one invocation at a time (parallelization factor 1). An invocation
 * takes up to `batchSize` records; it starts `lagMs` after records are
 * there (the poller's idle interval), and, with a batching window, not
 * before the first waiting record is `windowMs` old unless the batch is full.
 * Failed records (batchItemFailures) are read again from the lowest failed
 * sequence number; a record failed `maxRetries` times is dropped (counted).
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
  maxRetries: number;
}

interface Waiting {
  entry: StreamEntry;
  arrivedAt: number;
  failures: number;
}

class Shard {
  queue: Waiting[] = [];
  head = 0;
  busy = false;
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
    this.shards = Array.from({ length: options.shards }, () => new Shard());
  }

  push(entry: StreamEntry): void {
    const shard = this.shards[hash(entry.key) % this.shards.length] as Shard;
    shard.queue.push({ entry, arrivedAt: this.clock.now(), failures: 0 });
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
    const batch = shard.take(this.options.batchSize);
    this.invocations++;
    this.records += batch.length;
    await this.clock.sleep(this.options.overheadMs);
    let failed: string[];
    try {
      failed = await this.handler(
        batch.map((w) => w.entry),
        this.shards.indexOf(shard),
      );
    } catch {
      failed = batch.map((w) => w.entry.sequence);
    }
    if (failed.length > 0) {
      const lowest = [...failed].sort()[0] ?? '';
      const again = batch.filter((w) => w.entry.sequence >= lowest);
      const first = again[0];
      if (first) first.failures++;
      if (first && first.failures > this.options.maxRetries) {
        this.dropped++;
        again.shift();
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
