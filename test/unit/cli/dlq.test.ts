/**
 * `clearance dlq redrive` against an SQS queue and a DynamoDB stream kept in
 * memory, and a Lambda endpoint on a local socket (test/helpers/dlq.ts).
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { dlqRedrive } from '../../../cli/commands/dlq.js';
import type { CliContext } from '../../../cli/context.js';
import { EXIT } from '../../../cli/errors.js';
import { readRange } from '../../../cli/redrive.js';
import { dlqFixture, failureBody, info, queue, shard, streamRecord } from '../../helpers/dlq.js';

const { invoked, redriveContext } = dlqFixture();

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
      /^REDRIVEN\s+shipment-events Shipments 100\.\.200: 2 records; processed; message deleted$/m,
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
      /^REDRIVEN\s+shipment-events Shipments 100\.\.200: 2 records; processed; message deleted$/m,
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

describe('dlq redrive order', () => {
  it('replays the ranges of one shard in stream order, with messages that are not on-failure records last', async () => {
    const sqs = queue([
      failureBody('300', '300', 1),
      '{"not":"an on-failure record"}',
      failureBody('100', '100', 1),
    ]);
    const streams = shard([
      { Records: [streamRecord('100'), streamRecord('200'), streamRecord('300'), streamRecord('400')] },
    ]);
    const { ctx, out } = redriveContext(sqs, streams);
    invoked.length = 0;
    await dlqRedrive(ctx, { queue: 'shipment-events', max: 10 });
    ctx.close();
    expect(invoked).toEqual([['100'], ['300']]);
    expect(out.join('\n')).toMatch(/^REDRIVEN .*100\.\.100.*\nREDRIVEN .*300\.\.300.*\nINVALID /m);
  });
});

describe('dlq redrive with a message that is not an on-failure record', () => {
  it('leaves it, exits 3, and says how to look at it and delete it by hand', async () => {
    const sqs = queue(['{"hello":"world"}']);
    const { ctx, out } = redriveContext(sqs, shard([]));
    expect(await dlqRedrive(ctx, { queue: 'shipment-events', max: 10, deleteGone: true })).toBe(
      EXIT.incomplete,
    );
    ctx.close();
    expect(sqs.deleted).toEqual([]);
    const report = out.join('\n');
    expect(report).toMatch(
      /^INVALID\s+shipment-events\s+m0: 0 records; not an on-failure record \(.*DDBStreamBatchInfo is missing/m,
    );
    const advice = report.slice(report.indexOf('\nRedrove'));
    expect(advice).toMatch(/^INVALID messages are not on-failure records: nothing can redrive them/m);
    expect(advice).toMatch(
      /`clearance dlq list --json`.*`aws sqs receive-message .*`aws sqs delete-message /,
    );
  });
});

describe('dlq redrive when SQS fails on a message', () => {
  const refuseVisibility = (
    sqs: ReturnType<typeof queue>,
    refuse: (seconds: number | undefined) => boolean,
  ) => {
    const send = sqs.send.bind(sqs);
    sqs.send = async (command: unknown) => {
      if (!(command instanceof ChangeMessageVisibilityBatchCommand)) return send(command);
      const entries = command.input.Entries ?? [];
      const refused = entries.filter((e) => refuse(e.VisibilityTimeout));
      await send(
        new ChangeMessageVisibilityBatchCommand({
          ...command.input,
          Entries: entries.filter((e) => !refused.includes(e)),
        }),
      );
      return {
        Failed: refused.map((e) => ({
          Id: e.Id,
          Code: 'InternalError',
          SenderFault: false,
          Message: 'try again',
        })),
      };
    };
  };

  it('stops when it cannot delete a message whose records were processed, saying they were, and exits 1', async () => {
    const sqs = queue([failureBody('100', '200', 2), failureBody('300', '400', 2)]);
    const send = sqs.send.bind(sqs);
    sqs.send = async (command: unknown) => {
      if (command instanceof DeleteMessageCommand)
        throw Object.assign(new Error('User is not authorized to perform sqs:DeleteMessage'), {
          name: 'AccessDenied',
        });
      return send(command);
    };
    const streams = shard([
      { Records: [streamRecord('100'), streamRecord('200'), streamRecord('300'), streamRecord('400')] },
    ]);
    const { ctx, out } = redriveContext(sqs, streams);
    invoked.length = 0;
    const attempt = dlqRedrive(ctx, { queue: 'shipment-events', max: 10 });
    await expect(attempt).rejects.toThrow(
      /^dlq redrive stopped: SQS did not delete shipment-events DLQ message m0 \(Shipments 100\.\.200\), whose records WERE processed: your AWS identity is not allowed/,
    );
    await expect(attempt).rejects.toMatchObject({ exitCode: EXIT.error });
    ctx.close();
    expect(invoked).toEqual([['100', '200']]);
    const report = out.join('\n');
    expect(report).toMatch(
      /^UNDELETED shipment-events Shipments 100\.\.200: 2 records; processed, but SQS did not delete the message/m,
    );
    expect(report).not.toMatch(/failed again|300\.\.400/);
    expect(sqs.messages.get('m1')?.visible).toBe(true);
  });

  it("stops when SQS refuses to make a message visible again, naming it and SQS's code", async () => {
    const sqs = queue([failureBody('100', '200', 2)]);
    refuseVisibility(sqs, (seconds) => seconds === 0);
    // The stream returns only part of the range: the message is to be made visible again.
    const streams = shard([
      { Records: [streamRecord('100')], NextShardIterator: 'it' },
      { Records: [], NextShardIterator: 'it' },
    ]);
    const { ctx, out } = redriveContext(sqs, streams);
    await expect(dlqRedrive(ctx, { queue: 'shipment-events', max: 10 })).rejects.toThrow(
      /^dlq redrive stopped: SQS did not make message m0 \(InternalError: try again\) visible again/,
    );
    ctx.close();
    expect(sqs.messages.get('m0')?.visible).toBe(false);
    expect(out.join('\n')).toMatch(
      /^FAILED\s+shipment-events Shipments 100\.\.200: .*hidden for up to 16 minutes/m,
    );
  });

  it('leaves alone a message SQS refuses to keep hidden for this run: not replayed, not deleted, LAPSED', async () => {
    const sqs = queue([failureBody('100', '200', 2)]);
    refuseVisibility(sqs, () => true);
    const { ctx, out } = redriveContext(
      sqs,
      shard([{ Records: [streamRecord('100'), streamRecord('200')] }]),
    );
    invoked.length = 0;
    expect(await dlqRedrive(ctx, { queue: 'shipment-events', max: 10 })).toBe(EXIT.incomplete);
    ctx.close();
    expect(invoked).toEqual([]);
    expect(sqs.deleted).toEqual([]);
    const report = out.join('\n');
    expect(report).toMatch(
      /^LAPSED\s+shipment-events Shipments 100\.\.200: 0 records; this run's hold on the message lapsed \(SQS refused to keep it hidden: InternalError: try again\).*not replayed by this run$/m,
    );
    expect(report).toMatch(/^This run lost its hold on some messages/m);
  });
});
