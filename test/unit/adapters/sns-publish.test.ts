/**
 * The SNS adapter's sending rules (docs/data-contract.md, "Notifications", "Sending"):
 * PublishBatch with 10 entries a call, `Failed[]` inspected on a 200 answer
 * and only those entries retried, what keeps failing returned to the caller,
 * and customer messages routed to their shard topic.
 */
import type {
  PublishBatchCommand,
  PublishBatchCommandOutput,
  PublishBatchRequestEntry,
  SNSClient,
} from '@aws-sdk/client-sns';
import { describe, expect, test } from 'vitest';
import {
  BATCH_BYTES,
  PUBLISH_CONCURRENCY,
  publishBatches,
  SnsAlerter,
  SnsPublisher,
} from '../../../shared/adapters/sns.js';
import type { OutgoingMessage } from '../../../shared/domain/ports.js';
import { customerShard } from '../../../shared/domain/routing.js';

interface SentCall {
  topicArn: string;
  entries: PublishBatchRequestEntry[];
}

/**
 * A stand-in SNS client: `answer` decides, per call, which entry ids fail
 * (or throws). Records every call.
 */
function fakeSns(answer: (call: SentCall, n: number) => string[] = () => []) {
  const calls: SentCall[] = [];
  const client = {
    async send(command: PublishBatchCommand): Promise<PublishBatchCommandOutput> {
      const call = {
        topicArn: command.input.TopicArn ?? '',
        entries: command.input.PublishBatchRequestEntries ?? [],
      };
      calls.push(call);
      const failed = answer(call, calls.length - 1);
      return {
        $metadata: { httpStatusCode: 200 },
        Successful: call.entries.filter((e) => !failed.includes(e.Id ?? '')).map((e) => ({ Id: e.Id })),
        Failed: failed.map((Id) => ({ Id, Code: 'InternalError', SenderFault: false })),
      };
    },
  };
  return { client: client as unknown as SNSClient, calls };
}

const message = (id: string, extra: Partial<OutgoingMessage> = {}): OutgoingMessage => ({
  id,
  body: `body of ${id}`,
  attributes: { kind: 'shipment', dedupKey: id },
  covers: [id],
  ...extra,
});
const messages = (n: number, prefix = 'x') => Array.from({ length: n }, (_, i) => message(`${prefix}${i}`));
const keysOf = (call: SentCall | undefined) =>
  (call?.entries ?? []).map((e) => e.MessageAttributes?.dedupKey?.StringValue);

describe('publishBatches', () => {
  test('sends 10 entries a call, with string message attributes and a subject only where there is one', async () => {
    const { client, calls } = fakeSns();
    const batch = [
      ...messages(24),
      message('d', { subject: '2 of your shipments under license L were released', body: 'Hello' }),
    ];
    const failed = await publishBatches(client, 'arn:topic', batch);
    expect(failed.size).toBe(0);
    expect(calls.map((c) => c.entries.length)).toEqual([10, 10, 5]);
    expect(calls.every((c) => c.topicArn === 'arn:topic')).toBe(true);
    expect(calls[0]?.entries.map((e) => e.Id)).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`));
    expect(calls[0]?.entries[0]).toEqual({
      Id: 'm0',
      Message: 'body of x0',
      MessageAttributes: {
        kind: { DataType: 'String', StringValue: 'shipment' },
        dedupKey: { DataType: 'String', StringValue: 'x0' },
      },
    });
    expect(calls[2]?.entries.at(-1)?.Subject).toBe('2 of your shipments under license L were released');
  });

  test('retries only the entries SNS reported as Failed, and reports nothing when the retry succeeds', async () => {
    const { client, calls } = fakeSns((_, n) => (n === 0 ? ['m2', 'm7'] : []));
    const failed = await publishBatches(client, 'arn:topic', messages(10));
    expect(failed.size).toBe(0);
    expect(calls).toHaveLength(2);
    expect(keysOf(calls[1])).toEqual(['x2', 'x7']);
  });

  test('returns the ids of entries that still fail after 4 attempts, and sends the others once', async () => {
    const { client, calls } = fakeSns((call) =>
      call.entries.filter((e) => e.MessageAttributes?.dedupKey?.StringValue === 'x3').map((e) => e.Id ?? ''),
    );
    const told: unknown[] = [];
    const failed = await publishBatches(client, 'arn:topic', messages(12), (f) => told.push(f));
    expect([...failed]).toEqual(['x3']);
    expect(told).toEqual([{ topicArn: 'arn:topic', messages: 1, reasons: ['InternalError'] }]);
    // The two batches are in flight at once, so only each batch's own calls keep their order.
    expect(calls.map(keysOf).filter((k) => !k.includes('x10'))).toEqual([
      ['x0', 'x1', 'x2', 'x3', 'x4', 'x5', 'x6', 'x7', 'x8', 'x9'],
      ['x3'],
      ['x3'],
      ['x3'],
    ]);
    expect(calls.map(keysOf).filter((k) => k.includes('x10'))).toEqual([['x10', 'x11']]);
  });

  test('retries a whole call that throws, then reports all of its messages and goes on with the next', async () => {
    const { client, calls } = fakeSns((call) => {
      if (keysOf(call).includes('x0')) throw new Error('socket hang up');
      return [];
    });
    const told: unknown[] = [];
    const failed = await publishBatches(client, 'arn:topic', messages(11), (f) => told.push(f));
    expect(told).toEqual([{ topicArn: 'arn:topic', messages: 10, reasons: ['Error: socket hang up'] }]);
    expect([...failed].sort()).toEqual(
      messages(10)
        .map((m) => m.id)
        .sort(),
    );
    expect(calls.map((c) => c.entries.length).sort((a, b) => a - b)).toEqual([1, 10, 10, 10, 10]);
  });

  test('tells onFailure once per topic, with every message that still failed and the distinct reasons', async () => {
    const { client } = fakeSns((call) => call.entries.map((e) => e.Id ?? ''));
    const told: unknown[] = [];
    const failed = await publishBatches(client, 'arn:topic', messages(25), (f) => told.push(f));
    expect(failed.size).toBe(25);
    expect(told).toEqual([{ topicArn: 'arn:topic', messages: 25, reasons: ['InternalError'] }]);
  });

  test('keeps several calls in flight, never more than the limit', async () => {
    let inFlight = 0;
    let peak = 0;
    const client = {
      async send(command: PublishBatchCommand): Promise<PublishBatchCommandOutput> {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight--;
        const entries = command.input.PublishBatchRequestEntries ?? [];
        return { $metadata: {}, Successful: entries.map((e) => ({ Id: e.Id })), Failed: [] };
      },
    } as unknown as SNSClient;
    expect((await publishBatches(client, 'arn:topic', messages(200), undefined, 4)).size).toBe(0);
    expect(peak).toBe(4);
    await publishBatches(client, 'arn:topic', messages(200));
    expect(peak).toBe(PUBLISH_CONCURRENCY);
  });
});

describe('PublishBatch size', () => {
  /** What SNS adds up against its 256 KiB: each entry's body and its attributes' names, types and values. */
  const sizeOf = (e: PublishBatchRequestEntry) =>
    Buffer.byteLength(e.Message ?? '') +
    Object.entries(e.MessageAttributes ?? {}).reduce(
      (n, [k, v]) =>
        n +
        Buffer.byteLength(k) +
        Buffer.byteLength(v.DataType ?? '') +
        Buffer.byteLength(v.StringValue ?? ''),
      0,
    );
  /** An SNS that refuses a whole call over 256 KiB, as AWS does (BatchRequestTooLong), and fails an entry over it alone. */
  function cappedSns() {
    return fakeSns((call) => {
      if (call.entries.reduce((n, e) => n + sizeOf(e), 0) > BATCH_BYTES) {
        if (call.entries.length > 1)
          throw Object.assign(new Error('BatchRequestTooLong'), { name: 'BatchRequestTooLong' });
        return [call.entries[0]?.Id ?? ''];
      }
      return [];
    });
  }
  /** A digest of about `kb` KiB (an expiry notice lists up to 200 shipments). */
  const digest = (id: string, kb: number) =>
    message(id, {
      subject: `Digest ${id}`,
      body: `${id}\n${'SHP-0000000001 30 units H20\n'.repeat(kb * 37)}`,
    });

  test('cuts ten digests of 30 KiB into calls of at most 256 KiB, so every one is published', async () => {
    const { client, calls } = cappedSns();
    const digests = Array.from({ length: 10 }, (_, i) => digest(`d${i}`, 30));
    const failed = await publishBatches(client, 'arn:logistics', digests);
    expect([...failed]).toEqual([]);
    expect(calls.length).toBeGreaterThan(1);
    for (const call of calls)
      expect(call.entries.reduce((n, e) => n + sizeOf(e), 0)).toBeLessThanOrEqual(BATCH_BYTES);
    expect(calls.flatMap(keysOf)).toEqual(digests.map((d) => d.id));
  });

  test('sends a message over the cap alone, so only it fails, and still 10 small ones a call', async () => {
    const { client, calls } = cappedSns();
    const batch = [...messages(3, 'a'), digest('huge', 300), ...messages(12, 'b')];
    const failed = await publishBatches(client, 'arn:logistics', batch);
    expect([...failed]).toEqual(['huge']);
    expect(calls.filter((c) => keysOf(c).includes('huge')).map((c) => c.entries.length)).toEqual([
      1, 1, 1, 1,
    ]);
    expect(calls.filter((c) => !keysOf(c).includes('huge')).map((c) => c.entries.length)).toEqual([3, 10, 2]);
  });

  test("cuts one customer shard's digests by size too", async () => {
    const { client, calls } = cappedSns();
    const publisher = new SnsPublisher(client, {
      customerShards: ['arn:customer-0'],
      logistics: 'arn:logistics',
    });
    const digests = Array.from({ length: 10 }, (_, i) =>
      message(`c${i}`, {
        ...digest(`c${i}`, 30),
        attributes: { customerId: `CUST-${i}`, kind: 'digest', dedupKey: `c${i}` },
      }),
    );
    expect([...(await publisher.publish('customer', digests))]).toEqual([]);
    expect(calls.length).toBeGreaterThan(1);
  });
});

describe('SnsPublisher', () => {
  const shards = ['arn:customer-0', 'arn:customer-1', 'arn:customer-2'];
  const customers = ['CUST-A', 'CUST-B', 'CUST-C', 'CUST-D', 'CUST-E', 'CUST-F'];

  test("sends each customer's messages to its shard topic, and logistics messages to the logistics topic", async () => {
    const { client, calls } = fakeSns();
    const publisher = new SnsPublisher(client, { customerShards: shards, logistics: 'arn:logistics' });
    await publisher.publish(
      'customer',
      customers.map((c) => message(c, { attributes: { customerId: c, kind: 'shipment', dedupKey: c } })),
    );
    for (const call of calls) {
      for (const key of keysOf(call)) expect(call.topicArn, key).toBe(shards[customerShard(key ?? '', 3)]);
    }
    expect(calls.flatMap(keysOf).sort()).toEqual(customers);

    calls.length = 0;
    await publisher.publish('logistics', messages(3));
    expect(calls.map((c) => c.topicArn)).toEqual(['arn:logistics']);
  });

  test('returns the failed message ids of every shard', async () => {
    const { client } = fakeSns((call) =>
      call.topicArn === shards[customerShard('CUST-B', 3)] ? ['m0'] : [],
    );
    const publisher = new SnsPublisher(client, { customerShards: shards, logistics: 'arn:logistics' });
    const failed = await publisher.publish('customer', [
      message('b', { attributes: { customerId: 'CUST-B', kind: 'shipment', dedupKey: 'b' } }),
    ]);
    expect([...failed]).toEqual(['b']);
  });
});

describe('SnsAlerter', () => {
  test("keeps an alert's subject a valid SNS subject when it quotes an admin's raw value", async () => {
    const { client, calls } = fakeSns();
    await new SnsAlerter(client, 'arn:ops').alert([
      {
        severity: 'normal',
        subject: `Shipment SHP-1: status edit HELD → SHIP\nPED\t${'x'.repeat(200)} rejected`,
        message: 'line one\nline two',
        subjectKey: { shipmentId: 'SHP-1' },
      },
    ]);
    const entry = calls[0]?.entries[0];
    // Cut in the middle, never at the end: what happened ("rejected") stays.
    expect(entry?.Subject).toMatch(/^Shipment SHP-1: status edit HELD → SHIP \.\.\.x+ rejected$/);
    expect(entry?.Subject?.length).toBeLessThan(100);
    expect(entry?.Message).toBe('line one\nline two');
  });

  test("throws with SNS's reason when an alert cannot be published", async () => {
    const { client } = fakeSns((call) => call.entries.map((e) => e.Id ?? ''));
    const alert = {
      severity: 'normal' as const,
      subject: 'S',
      message: 'M',
      subjectKey: { shipmentId: 'SHP-1' },
    };
    await expect(new SnsAlerter(client, 'arn:ops').alert([alert])).rejects.toThrow(
      '1 ops alert(s) could not be published (InternalError)',
    );
  });
});
