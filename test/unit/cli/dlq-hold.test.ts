/**
 * `clearance dlq redrive` keeps hidden the messages it has received and not
 * yet settled, however long the run takes: a run receives up to --max
 * messages at once and replays them one after the other, while each is
 * hidden for 960 s only. Were a message to become visible again, another
 * run could receive it under a new receipt handle, and this run's delete,
 * with its stale handle, might leave it in the queue (SQS answers success)
 * while the report says "message deleted".
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { dlqRedrive } from '../../../cli/commands/dlq.js';
import { Hold } from '../../../cli/dlq-sqs.js';
import { dlqFixture, failureBody, shard, streamRecord } from '../../helpers/dlq.js';

const LICENSES = 'arn:aws:dynamodb:us-east-1:000000000000:table/Licenses/stream/2026-01-01T00:00:00.000';

const fixture = dlqFixture();

/** Simulated time, in ms. */
const clock = { now: 0 };

/**
 * One SQS standard queue with visibility timeouts on `clock`: each receive
 * hands out a new receipt handle, and only the latest one deletes the
 * message or changes its visibility.
 */
function timedQueue(bodies: string[]) {
  const messages = new Map(
    bodies.map((body, i) => [`m${i}`, { body, hiddenUntil: 0, handle: '', receives: 0 }]),
  );
  const byHandle = (h: string | undefined) => [...messages.values()].find((m) => m.handle === h);
  const receive = (max: number, visibility: number) => {
    const out = [...messages].filter(([, m]) => m.hiddenUntil <= clock.now).slice(0, max);
    for (const [id, m] of out) {
      m.receives++;
      m.handle = `${id}#${m.receives}`;
      m.hiddenUntil = clock.now + visibility * 1000;
    }
    return out.map(([id, m]) => ({ MessageId: id, ReceiptHandle: m.handle, Body: m.body }));
  };
  return {
    messages,
    receive,
    async send(command: unknown): Promise<unknown> {
      if (command instanceof ReceiveMessageCommand)
        return {
          Messages: receive(command.input.MaxNumberOfMessages ?? 1, command.input.VisibilityTimeout ?? 30),
        };
      if (command instanceof ChangeMessageVisibilityBatchCommand) {
        const Failed: { Id: string; Code: string; SenderFault: boolean }[] = [];
        for (const e of command.input.Entries ?? []) {
          const m = byHandle(e.ReceiptHandle);
          if (m) m.hiddenUntil = clock.now + (e.VisibilityTimeout ?? 0) * 1000;
          else Failed.push({ Id: e.Id ?? '', Code: 'ReceiptHandleIsInvalid', SenderFault: true });
        }
        return { Failed };
      }
      if (command instanceof DeleteMessageCommand) {
        // SQS answers success to an outdated receipt handle, but the message stays.
        for (const [id, m] of messages) if (m.handle === command.input.ReceiptHandle) messages.delete(id);
        return {};
      }
      if (command instanceof GetQueueAttributesCommand) {
        const all = [...messages.values()];
        return {
          Attributes: {
            ApproximateNumberOfMessages: String(all.filter((m) => m.hiddenUntil <= clock.now).length),
            ApproximateNumberOfMessagesNotVisible: String(
              all.filter((m) => m.hiddenUntil > clock.now).length,
            ),
          },
        };
      }
      throw new Error(`unexpected ${String(command)}`);
    },
  };
}

afterEach(() => {
  fixture.onInvoke = () => undefined;
  vi.useRealTimers();
});

describe('dlq redrive holding the messages it received', () => {
  it('keeps every message it has not settled hidden from other runs, however long the run takes', async () => {
    const count = 20;
    const seqs = Array.from({ length: count }, (_, i) => String(1000 + i));
    const sqs = timedQueue(seqs.map((seq) => failureBody(seq, seq, 1, LICENSES)));
    const { ctx, out } = fixture.redriveContext(
      sqs,
      shard([{ Records: [...seqs, '9999'].map(streamRecord) }]),
    );
    clock.now = 0;
    // What a second operator's `clearance dlq redrive` (or `dlq list`) started meanwhile receives.
    const takenElsewhere: string[] = [];
    fixture.onInvoke = () => {
      clock.now += 60_000; // one invocation: license-events' 60 s release budget
      takenElsewhere.push(...sqs.receive(10, 960).map((m) => m.MessageId));
    };
    await dlqRedrive(ctx, { queue: 'license-events', max: 100 });
    ctx.close();
    expect(takenElsewhere).toEqual([]);
    expect(out.join('\n').match(/message deleted/g)).toHaveLength(count);
    expect([...sqs.messages.keys()]).toEqual([]);
  });

  it('does not delete a message whose hold lapsed while it was replayed: LAPSED, left to the run that has it', async () => {
    const sqs = timedQueue([failureBody('1000', '1000', 1, LICENSES)]);
    const { ctx, out } = fixture.redriveContext(
      sqs,
      shard([{ Records: ['1000', '1001'].map(streamRecord) }]),
    );
    clock.now = 0;
    // The replay outlives the hold (no renewal reached SQS), and another run receives the message.
    fixture.onInvoke = () => {
      clock.now += 961_000;
      sqs.receive(10, 960);
    };
    await dlqRedrive(ctx, { queue: 'license-events', max: 10 });
    ctx.close();
    expect([...sqs.messages.keys()]).toEqual(['m0']);
    expect(out.join('\n')).toMatch(
      /^LAPSED\s+license-events Licenses 1000\.\.1000: 1 record; this run's hold on the message lapsed \(SQS refused to keep it hidden: ReceiptHandleIsInvalid\).*not deleted by this run$/m,
    );
  });
});

describe('Hold', () => {
  it('renews the hold every few minutes while a long replay runs', async () => {
    vi.useFakeTimers();
    const renewals: number[] = [];
    const sqs = {
      async send(command: unknown) {
        if (command instanceof ChangeMessageVisibilityBatchCommand)
          renewals.push(...(command.input.Entries ?? []).map((e) => e.VisibilityTimeout ?? 0));
        return {};
      },
    };
    const hold = new Hold(sqs as never, 'http://q/l', [
      { messageId: 'm0', receiptHandle: 'h0' },
      { messageId: 'm1', receiptHandle: 'h1' },
    ]);
    let finish: () => void = () => undefined;
    const replay = hold.during(
      () =>
        new Promise<void>((resolve) => {
          finish = resolve;
        }),
    );
    await vi.advanceTimersByTimeAsync(15 * 60_000);
    finish();
    await replay;
    expect(renewals).toEqual([960, 960, 960, 960, 960, 960]);
  });
});
