/** `clearance dlq list` against an SQS queue kept in memory (test/helpers/dlq.ts). */
import { describe, expect, it } from 'vitest';
import { dlqList } from '../../../cli/commands/dlq.js';
import type { CliContext } from '../../../cli/context.js';
import { dlqFixture, failureBody, queue, shard } from '../../helpers/dlq.js';

const { redriveContext } = dlqFixture();

describe('dlq list', () => {
  it('says how many more messages the queue holds when --max cut the list short', async () => {
    const body = failureBody('100', '200', 2);
    const sqs = queue([body, body, body]);
    const { ctx, out } = redriveContext(sqs, shard([]));
    await dlqList(ctx, { queue: 'shipment-events', max: 2 });
    ctx.close();
    const text = out.join('\n');
    expect(text.match(/^shipment-events /gm)).toHaveLength(2);
    expect(text).toMatch(/^Note: shipment-events: 1 more not shown \(--max 2\)$/m);
    expect([...sqs.messages.values()].every((m) => m.visible)).toBe(true);
  });

  it('writes its notes to stderr under --json, keeping stdout the list of entries', async () => {
    const body = failureBody('100', '200', 2);
    const sqs = queue([body, body, body, body]);
    const inFlight = sqs.messages.get('m0');
    if (inFlight) inFlight.visible = false;
    const { ctx, out, err } = redriveContext(sqs, shard([]));
    const json: CliContext = { ...ctx, json: true, emit: (d) => out.push(JSON.stringify(d)) };
    await dlqList(json, { queue: 'shipment-events', max: 2 });
    ctx.close();
    expect(out).toHaveLength(1);
    expect(JSON.parse(out[0] ?? '[]')).toHaveLength(2);
    expect(err).toEqual([
      'Note: shipment-events: 1 message in flight (being listed or redriven elsewhere), not shown',
      'Note: shipment-events: 1 more not shown (--max 2)',
    ]);
  });

  it('adds no such note when it listed the whole queue', async () => {
    const body = failureBody('100', '200', 2);
    const { ctx, out } = redriveContext(queue([body, body]), shard([]));
    await dlqList(ctx, { queue: 'shipment-events', max: 2 });
    ctx.close();
    expect(out.join('\n')).not.toMatch(/not shown/);
  });

  it('gives the body and queue URL of a message that is not an on-failure record, and how to delete it', async () => {
    const sqs = queue(['{"hello":"world"}']);
    const { ctx, out } = redriveContext(sqs, shard([]));
    await dlqList(ctx, { queue: 'shipment-events', max: 10 });
    const data: unknown[] = [];
    const json: CliContext = { ...ctx, json: true, emit: (d) => data.push(d) };
    await dlqList(json, { queue: 'shipment-events', max: 10 });
    ctx.close();
    expect(data).toEqual([
      [
        {
          queue: 'shipment-events',
          messageId: 'm0',
          problems: expect.arrayContaining(['DDBStreamBatchInfo is missing']),
          body: '{"hello":"world"}',
          queueUrl: 'http://q/s',
        },
      ],
    ]);
    const text = out.join('\n');
    expect(text).toMatch(/^INVALID messages are not on-failure records: nothing can redrive them/m);
    expect(text).toMatch(
      /`aws sqs delete-message --queue-url http:\/\/q\/s --receipt-handle <ReceiptHandle>`/,
    );
    expect(text).not.toMatch(/Reprocess them with `clearance dlq redrive`/);
  });
});
