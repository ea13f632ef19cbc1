/**
 * `clearance dlq redrive` against an SQS queue and a DynamoDB stream kept in
 * memory, and a Lambda endpoint on a local socket (the CLI's own
 * LambdaClient invokes it, as it invokes a local stack's gateway), so what
 * the stream answers, page by page, is up to each test.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-dynamodb-streams';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientBase } from '../../../cli/clients.js';
import { dlqRedrive } from '../../../cli/commands/dlq.js';
import type { CliContext } from '../../../cli/context.js';
import { EXIT } from '../../../cli/errors.js';
import { readRange } from '../../../cli/redrive.js';
import { parseStackFile } from '../../../cli/resources/stack-file.js';
import { stubCliContext } from '../../helpers/cli.js';

const STREAM = 'arn:aws:dynamodb:us-east-1:000000000000:table/Shipments/stream/2026-01-01T00:00:00.000';
const QUEUE = 'http://q/s';

/** The on-failure record Lambda parks for a failed batch of sequence numbers start..end. */
const failureBody = (start: string, end: string, batchSize: number) =>
  JSON.stringify({
    requestContext: {
      requestId: 'r1',
      functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f-s',
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: 1,
    },
    version: '1.0',
    timestamp: new Date().toISOString(),
    DDBStreamBatchInfo: {
      shardId: 'shardId-1',
      startSequenceNumber: start,
      endSequenceNumber: end,
      batchSize,
      streamArn: STREAM,
      approximateArrivalOfFirstRecord: new Date().toISOString(),
      approximateArrivalOfLastRecord: new Date().toISOString(),
    },
  });

const streamRecord = (seq: string) => ({
  eventID: `e${seq}`,
  eventName: 'MODIFY',
  dynamodb: { SequenceNumber: seq, Keys: { shipmentId: { S: `SHP-${seq}` } } },
});

type Page = { Records?: ReturnType<typeof streamRecord>[]; NextShardIterator?: string };

/**
 * A shard that answers `pages` in turn (the last one again once they run out), and counts the calls.
 * `gone`: GetShardIterator fails with it, unless `horizon` (the start of the range trimmed, the pages
 * still there) and it asks for TRIM_HORIZON.
 */
function shard(pages: Page[], gone?: string, horizon = false) {
  let n = 0;
  const streams = {
    calls: () => n,
    async send(command: unknown) {
      if (command instanceof GetShardIteratorCommand) {
        if (horizon && command.input.ShardIteratorType === 'TRIM_HORIZON') return { ShardIterator: 'it' };
        if (gone) throw Object.assign(new Error('trimmed'), { name: gone });
        return { ShardIterator: 'it' };
      }
      if (command instanceof GetRecordsCommand) return pages[Math.min(n++, pages.length - 1)];
      throw new Error(`unexpected ${String(command)}`);
    },
  };
  return streams;
}

const info = (start: string, end: string, batchSize: number) =>
  JSON.parse(failureBody(start, end, batchSize)).DDBStreamBatchInfo;

/** One SQS queue in memory: a receive hides what it returns; visibility 0 shows it again. */
function queue(bodies: string[]) {
  const messages = new Map(bodies.map((body, i) => [`m${i}`, { body, visible: true }]));
  const deleted: string[] = [];
  const sqs = {
    deleted,
    messages,
    async send(command: unknown) {
      if (command instanceof ReceiveMessageCommand) {
        const max = command.input.MaxNumberOfMessages ?? 1;
        const out = [...messages].filter(([, m]) => m.visible).slice(0, max);
        for (const [, m] of out) m.visible = false;
        return { Messages: out.map(([id, m]) => ({ MessageId: id, ReceiptHandle: id, Body: m.body })) };
      }
      if (command instanceof ChangeMessageVisibilityBatchCommand) {
        for (const e of command.input.Entries ?? []) {
          const m = messages.get(e.ReceiptHandle ?? '');
          if (m && e.VisibilityTimeout === 0) m.visible = true;
        }
        return {};
      }
      if (command instanceof DeleteMessageCommand) {
        messages.delete(command.input.ReceiptHandle ?? '');
        deleted.push(command.input.ReceiptHandle ?? '');
        return {};
      }
      if (command instanceof GetQueueAttributesCommand) {
        const all = [...messages.values()];
        return {
          Attributes: {
            ApproximateNumberOfMessages: String(all.filter((m) => m.visible).length),
            ApproximateNumberOfMessagesNotVisible: String(all.filter((m) => !m.visible).length),
          },
        };
      }
      throw new Error(`unexpected ${String(command)}`);
    },
  };
  return sqs;
}

/** A Lambda endpoint whose functions report no failures; it records each event's sequence numbers. */
let lambda: Server;
const invoked: string[][] = [];
beforeAll(async () => {
  lambda = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      const event = JSON.parse(body) as { Records: { dynamodb: { SequenceNumber: string } }[] };
      invoked.push(event.Records.map((r) => r.dynamodb.SequenceNumber));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"batchItemFailures":[]}');
    });
  });
  await new Promise<void>((resolve) => lambda.listen(0, '127.0.0.1', resolve));
});
afterAll(() => lambda.close());

function redriveContext(sqs: ReturnType<typeof queue>, streams: ReturnType<typeof shard>) {
  const url = `http://127.0.0.1:${(lambda.address() as AddressInfo).port}`;
  const resources = parseStackFile(
    JSON.stringify({
      region: 'us-east-1',
      endpoints: { dynamodb: url, sns: url, sqs: url, lambda: url },
      tables: { licenses: 'L', shipments: 'Shipments', inventory: 'I' },
      topics: {
        customer: 'arn:aws:sns:us-east-1:000000000000:C',
        logistics: 'arn:aws:sns:us-east-1:000000000000:Lg',
        ops: 'arn:aws:sns:us-east-1:000000000000:O',
      },
      dlqs: { licenseEvents: 'http://q/l', shipmentEvents: QUEUE, shipmentHistory: 'http://q/h' },
      functions: { licenseEvents: 'f-l', shipmentEvents: 'f-s', shipmentHistory: 'f-h' },
    }),
    'test',
  );
  const base = clientBase(resources, {});
  const { ctx, out, err } = stubCliContext({
    resources,
    clients: { sqs, streams, base },
    close: () => base.requestHandler?.httpAgent.destroy(),
  });
  return { ctx, out, err };
}

describe('readRange', () => {
  it('reads past empty pages of an open shard until the end of the range', async () => {
    const streams = shard([
      { Records: [streamRecord('100')], NextShardIterator: 'it' },
      { Records: [], NextShardIterator: 'it' },
      { Records: [], NextShardIterator: 'it' },
      { Records: [], NextShardIterator: 'it' },
      { Records: [], NextShardIterator: 'it' },
      { Records: [streamRecord('200'), streamRecord('300')], NextShardIterator: 'it' },
    ]);
    const read = await readRange(streams as never, info('100', '200', 2), 'us-east-1');
    expect(read.kind).toBe('ok');
    expect(read.kind === 'ok' && read.records.map((r) => r.dynamodb?.SequenceNumber)).toEqual(['100', '200']);
    expect(streams.calls()).toBe(6);
  });

  it('reports a read that did not reach the end of the range within its calls as partial, not ok', async () => {
    const streams = shard([
      { Records: [streamRecord('100')], NextShardIterator: 'it' },
      { Records: [], NextShardIterator: 'it' },
    ]);
    const pages: number[] = [];
    const read = await readRange(streams as never, info('100', '200', 2), 'us-east-1', {
      maxCalls: 20,
      onPage: (p) => pages.push(p.calls),
    });
    expect(read).toMatchObject({
      kind: 'partial',
      reason: expect.stringMatching(
        /only part of the range in 20 GetRecords calls \(1 record of it, up to 100; the range ends at 200\).*run `clearance dlq redrive` again/,
      ),
    });
    expect(streams.calls()).toBe(20);
    expect(pages).toHaveLength(20);
  });

  it('is complete when the shard is closed and read to its end', async () => {
    const streams = shard([{ Records: [streamRecord('100')] }]);
    const read = await readRange(streams as never, info('100', '200', 2), 'us-east-1');
    expect(read.kind === 'ok' && read.records).toHaveLength(1);
  });

  it('reports a range older than the trim horizon as gone', async () => {
    const read = await readRange(
      shard([], 'TrimmedDataAccessException') as never,
      info('100', '200', 2),
      'us-east-1',
    );
    expect(read).toMatchObject({ kind: 'gone', reason: expect.stringMatching(/TrimmedDataAccessException/) });
  });
});

describe('a range whose start the stream has trimmed', () => {
  const trimmedStart = () =>
    shard(
      [{ Records: [streamRecord('150'), streamRecord('200'), streamRecord('250')], NextShardIterator: 'it' }],
      'TrimmedDataAccessException',
      true,
    );

  it('reads what the shard still has of it from its trim horizon: partly gone, not gone', async () => {
    const read = await readRange(trimmedStart() as never, info('100', '200', 3), 'us-east-1');
    expect(read).toMatchObject({
      kind: 'partlyGone',
      reason: expect.stringMatching(
        /no longer has the start of this range \(TrimmedDataAccessException.*2 records from 150 on/,
      ),
    });
    expect(read.kind === 'partlyGone' && read.records.map((r) => r.dynamodb?.SequenceNumber)).toEqual([
      '150',
      '200',
    ]);
  });

  it('replays the records still there and leaves the message for reconcile, as gone', async () => {
    const sqs = queue([failureBody('100', '200', 3)]);
    const { ctx, out } = redriveContext(sqs, trimmedStart());
    invoked.length = 0;
    expect(await dlqRedrive(ctx, { queue: 'shipment-events', max: 10 })).toBe(EXIT.incomplete);
    ctx.close();
    expect(invoked).toEqual([['150', '200']]);
    expect(sqs.deleted).toEqual([]);
    expect(out.join('\n')).toMatch(
      /^GONE\s+shipment-events Shipments 100\.\.200: 2 records; .*from 150 on, which were processed; left in the queue$/m,
    );
  });

  it('replays them and deletes the message with --delete-gone', async () => {
    const sqs = queue([failureBody('100', '200', 3)]);
    const { ctx } = redriveContext(sqs, trimmedStart());
    invoked.length = 0;
    expect(await dlqRedrive(ctx, { queue: 'shipment-events', max: 10, deleteGone: true })).toBe(EXIT.ok);
    ctx.close();
    expect(invoked).toEqual([['150', '200']]);
    expect(sqs.deleted).toEqual(['m0']);
  });
});

describe('dlq redrive', () => {
  it('keeps a message whose range the stream returned only in part, marks it failed and exits 3', async () => {
    const sqs = queue([failureBody('100', '200', 2)]);
    const streams = shard([
      { Records: [streamRecord('100')], NextShardIterator: 'it' },
      { Records: [], NextShardIterator: 'it' },
    ]);
    const { ctx, out } = redriveContext(sqs, streams);
    invoked.length = 0;
    const code = await dlqRedrive(ctx, { queue: 'shipment-events', max: 10 });
    ctx.close();
    expect(code).toBe(EXIT.incomplete);
    expect(sqs.deleted).toEqual([]);
    expect(sqs.messages.get('m0')?.visible).toBe(true);
    expect(invoked).toEqual([]);
    const report = out.join('\n');
    expect(report).toMatch(
      /^FAILED\s+shipment-events Shipments 100\.\.200: 0 records; the stream returned only part/m,
    );
    expect(report).toMatch(/run `clearance dlq redrive` again/);
    expect(report).not.toMatch(/no longer in the stream/);
  });

  it('redrives and deletes a message once the whole range was read, empty pages or not', async () => {
    const sqs = queue([failureBody('100', '200', 2)]);
    const streams = shard([
      { Records: [streamRecord('100')], NextShardIterator: 'it' },
      { Records: [], NextShardIterator: 'it' },
      { Records: [], NextShardIterator: 'it' },
      { Records: [], NextShardIterator: 'it' },
      { Records: [streamRecord('200')], NextShardIterator: 'it' },
    ]);
    const { ctx, out } = redriveContext(sqs, streams);
    invoked.length = 0;
    expect(await dlqRedrive(ctx, { queue: 'shipment-events', max: 10 })).toBe(EXIT.ok);
    ctx.close();
    expect(invoked).toEqual([['100', '200']]);
    expect(sqs.deleted).toEqual(['m0']);
    expect(out.join('\n')).toMatch(
      /^REDRIVEN shipment-events Shipments 100\.\.200: 2 records; processed; message deleted$/m,
    );
  });
});

describe('dlq redrive stopped by an error', () => {
  it('reports what it redrove before SQS failed, and says what it did not do and that running it again is safe', async () => {
    const sqs = queue([failureBody('100', '200', 2), failureBody('300', '400', 2)]);
    // SQS fails every call after the first message was deleted: the second's delete, and making it visible again.
    const send = sqs.send.bind(sqs);
    sqs.send = async (command: unknown) => {
      if (sqs.deleted.length > 0 && !(command instanceof ReceiveMessageCommand))
        throw Object.assign(new Error('connect ETIMEDOUT'), { name: 'TimeoutError' });
      return send(command);
    };
    const streams = shard([
      { Records: [streamRecord('100'), streamRecord('200'), streamRecord('300'), streamRecord('400')] },
    ]);
    const { ctx, out } = redriveContext(sqs, streams);
    invoked.length = 0;
    const attempt = dlqRedrive(ctx, { queue: 'shipment-events', max: 10 });
    await expect(attempt).rejects.toThrow(
      /^dlq redrive stopped: TimeoutError: connect ETIMEDOUT\. Before it stopped it settled 1 message \(listed above\); every other message is still in its DLQ .*Run `clearance dlq redrive` again/,
    );
    ctx.close();
    expect(sqs.deleted).toEqual(['m0']);
    const report = out.join('\n');
    expect(report).toMatch(
      /^REDRIVEN shipment-events Shipments 100\.\.200: 2 records; processed; message deleted$/m,
    );
    expect(report).toMatch(/^FAILED\s+shipment-events Shipments 300\.\.400/m);
  });
});

describe('dlq redrive --max', () => {
  it('reports the messages it did not read as left in the DLQ, and exits 3', async () => {
    const body = failureBody('100', '200', 2);
    const sqs = queue([body, body, body]);
    const streams = shard([{ Records: [streamRecord('100'), streamRecord('200')] }]);
    const { ctx, out } = redriveContext(sqs, streams);
    expect(await dlqRedrive(ctx, { queue: 'shipment-events', max: 1 })).toBe(EXIT.incomplete);
    ctx.close();
    expect(sqs.deleted).toEqual(['m0']);
    const report = out.join('\n');
    expect(report).toMatch(
      /^Redrove 1 message; 2 messages left in the DLQ \(shipment-events: 2; SQS's approximate count\)\.$/m,
    );
    expect(report).toMatch(
      /not read by this run \(this run read at most --max 1 per queue\): run `clearance dlq redrive` again, or with a larger --max/,
    );
  });

  it('says so on stderr with --json, whose stdout stays the list of outcomes', async () => {
    const body = failureBody('100', '200', 2);
    const sqs = queue([body, body]);
    const streams = shard([{ Records: [streamRecord('100'), streamRecord('200')] }]);
    const { ctx, out, err } = redriveContext(sqs, streams);
    const data: unknown[] = [];
    const json: CliContext = { ...ctx, json: true, emit: (d) => data.push(d) };
    expect(await dlqRedrive(json, { queue: 'shipment-events', max: 1 })).toBe(EXIT.incomplete);
    ctx.close();
    expect(data).toEqual([[expect.objectContaining({ result: 'redriven', records: 2 })]]);
    expect(out).toEqual([]);
    expect(err).toContain("1 message left in the DLQ (shipment-events: 1; SQS's approximate count).");
  });

  it("exits 0 when it read the DLQ to its end and redrove every message, though SQS's lagging count still shows some", async () => {
    const body = failureBody('100', '200', 2);
    const sqs = queue([body, body]);
    const send = sqs.send.bind(sqs);
    // On AWS the approximate counts lag deletes by up to a minute.
    sqs.send = async (command: unknown) =>
      command instanceof GetQueueAttributesCommand
        ? { Attributes: { ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '2' } }
        : send(command as never);
    const streams = shard([{ Records: [streamRecord('100'), streamRecord('200')] }]);
    const { ctx, out } = redriveContext(sqs, streams);
    expect(await dlqRedrive(ctx, { queue: 'shipment-events', max: 10 })).toBe(EXIT.ok);
    ctx.close();
    expect(sqs.deleted).toEqual(['m0', 'm1']);
    expect(out.join('\n')).toMatch(/2 messages left in the DLQ \(shipment-events: 2, 2 of them in flight/);
  });

  it('exits 0 when every message was redriven and the DLQs are empty', async () => {
    const body = failureBody('100', '200', 2);
    const sqs = queue([body, body]);
    const streams = shard([{ Records: [streamRecord('100'), streamRecord('200')] }]);
    const { ctx, out } = redriveContext(sqs, streams);
    expect(await dlqRedrive(ctx, { queue: 'shipment-events', max: 2 })).toBe(EXIT.ok);
    ctx.close();
    expect(out.join('\n')).toMatch(/^Redrove 2 messages; 0 messages left in the DLQ\.$/m);
  });
});

describe('dlq redrive --delete-gone', () => {
  it('leaves a message whose records are gone, and names --delete-gone as the way to delete it', async () => {
    const sqs = queue([failureBody('100', '200', 2)]);
    const { ctx, out } = redriveContext(sqs, shard([], 'TrimmedDataAccessException'));
    expect(await dlqRedrive(ctx, { queue: 'shipment-events', max: 10 })).toBe(EXIT.incomplete);
    ctx.close();
    expect(sqs.deleted).toEqual([]);
    const report = out.join('\n');
    expect(report).toMatch(/^GONE\s+shipment-events Shipments 100\.\.200: 0 records; .*left in the queue$/m);
    expect(report).toMatch(/then delete those messages with `clearance dlq redrive --delete-gone`/);
  });

  it('deletes it with --delete-gone, printing what it held, and exits 0 once the DLQ is empty', async () => {
    const body = failureBody('100', '200', 2);
    const sqs = queue([body]);
    const { ctx, out, err } = redriveContext(sqs, shard([], 'TrimmedDataAccessException'));
    // The message's last copy reaches stderr before the delete: a run that stops early loses none.
    const send = sqs.send.bind(sqs);
    let writtenBeforeDelete = false;
    sqs.send = async (command: unknown) => {
      if (command instanceof DeleteMessageCommand)
        writtenBeforeDelete = err.some((line) =>
          line.includes(`DLQ message whose records are gone: ${body}`),
        );
      return send(command as never);
    };
    const data: unknown[] = [];
    const both: CliContext = {
      ...ctx,
      emit: (d, human) => {
        data.push(d);
        out.push(human());
      },
    };
    expect(await dlqRedrive(both, { queue: 'shipment-events', max: 10, deleteGone: true })).toBe(EXIT.ok);
    ctx.close();
    expect(sqs.deleted).toEqual(['m0']);
    expect(writtenBeforeDelete).toBe(true);
    expect(data).toEqual([
      [expect.objectContaining({ result: 'discarded', record: JSON.parse(body), range: '100..200' })],
    ]);
    const report = out.join('\n');
    expect(report).toMatch(
      /^DISCARDED shipment-events Shipments 100\.\.200: 0 records; the stream no longer has these records \(TrimmedDataAccessException\).*; message deleted \(--delete-gone\); it was shard shardId-1, records that arrived \S+ to \S+, failed \S+ \(RetryAttemptsExhausted\)$/m,
    );
    expect(report).toMatch(
      /^Redrove 0 messages; deleted 1 message whose records were gone; 0 messages left in the DLQ\.$/m,
    );
  });

  it('deletes only messages whose records are gone: a range still readable is redriven as usual', async () => {
    const sqs = queue([failureBody('100', '200', 2)]);
    const streams = shard([{ Records: [streamRecord('100'), streamRecord('200')] }]);
    const { ctx } = redriveContext(sqs, streams);
    invoked.length = 0;
    expect(await dlqRedrive(ctx, { queue: 'shipment-events', max: 10, deleteGone: true })).toBe(EXIT.ok);
    ctx.close();
    expect(invoked).toEqual([['100', '200']]);
  });
});
