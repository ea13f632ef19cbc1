/**
 * The SQS side of `clearance dlq`: receiving DLQ messages without consuming
 * them, keeping hidden those a redrive holds, making them visible again, and
 * the queues' counts.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import type { Clients } from './clients.js';
import { CliError } from './errors.js';

type Sqs = Clients['sqs'];

/** A received message: its receipt handle is what deletes it or changes its visibility. */
export interface Received {
  messageId: string;
  receiptHandle: string;
}

/** How long a redrive hides the messages it holds: longer than one invocation may take (license-events: up to 15 minutes). */
export const HOLD_SECONDS = 960;

/** How often a redrive renews its hold while one message's replay runs, well within HOLD_SECONDS. */
const RENEW_EVERY_MS = 5 * 60_000;

/** SQS refused to make messages visible again (ChangeMessageVisibilityBatch answered them as Failed). */
export class VisibilityError extends CliError {}

/**
 * Receives up to `max` messages, each once: received messages stay invisible
 * for `hideSeconds` so the loop does not see them again. The caller makes
 * them visible again (or deletes them).
 */
export async function receive(
  sqs: Sqs,
  queueUrl: string,
  max: number,
  hideSeconds: number,
): Promise<Message[]> {
  const seen = new Map<string, Message>();
  while (seen.size < max) {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: Math.min(10, max - seen.size),
        VisibilityTimeout: hideSeconds,
        WaitTimeSeconds: 1,
      }),
    );
    const messages = out.Messages ?? [];
    if (messages.length === 0) break;
    for (const m of messages) if (m.MessageId && !seen.has(m.MessageId)) seen.set(m.MessageId, m);
  }
  return [...seen.values()];
}

/** Sets the visibility timeout of messages; answers those SQS refused, with its code and message. */
async function changeVisibility(
  sqs: Sqs,
  queueUrl: string,
  messages: readonly Received[],
  seconds: number,
): Promise<Map<string, string>> {
  const refused = new Map<string, string>();
  for (let i = 0; i < messages.length; i += 10) {
    const batch = messages.slice(i, i + 10);
    const out = await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: batch.map((m, n) => ({
          Id: String(n),
          ReceiptHandle: m.receiptHandle,
          VisibilityTimeout: seconds,
        })),
      }),
    );
    for (const f of out.Failed ?? []) {
      const m = batch[Number(f.Id)];
      if (m) refused.set(m.messageId, `${f.Code ?? 'refused'}${f.Message ? `: ${f.Message}` : ''}`);
    }
  }
  return refused;
}

/** Makes messages visible again right away; throws a VisibilityError naming those SQS refused. */
export async function release(sqs: Sqs, queueUrl: string, messages: readonly Received[]): Promise<void> {
  const refused = await changeVisibility(sqs, queueUrl, messages, 0);
  if (refused.size > 0) {
    const which = [...refused].map(([id, why]) => `message ${id} (${why})`).join(', ');
    throw new VisibilityError(`SQS did not make ${which} visible again`);
  }
}

/** What SQS counts in a queue (approximately): messages to receive, and those received and not yet deleted or released. */
export async function queueDepth(sqs: Sqs, queueUrl: string): Promise<{ visible: number; inFlight: number }> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    visible: Number(out.Attributes?.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
  };
}

/**
 * The messages a redrive has received and not yet settled. Renewing hides
 * them for another HOLD_SECONDS, so that no other run receives one while this
 * run still works through the others. A message whose renewal SQS refuses has
 * lapsed: another run may have received it (its receipt handle here is stale,
 * and a delete with it may leave the message in the queue), so this run must
 * leave it alone.
 */
export class Hold {
  private readonly held: Map<string, Received>;
  /** The messages that lapsed, with SQS's reason. */
  readonly lapsed = new Map<string, string>();

  constructor(
    private readonly sqs: Sqs,
    private readonly queueUrl: string,
    messages: readonly Received[],
  ) {
    this.held = new Map(messages.map((m) => [m.messageId, m]));
  }

  /** Renews the hold on these messages (default: all it holds). */
  async renew(messageIds: readonly string[] = [...this.held.keys()]): Promise<void> {
    const messages = messageIds.flatMap((id) => this.held.get(id) ?? []);
    const refused = await changeVisibility(this.sqs, this.queueUrl, messages, HOLD_SECONDS);
    for (const [id, why] of refused) {
      this.held.delete(id);
      this.lapsed.set(id, why);
    }
  }

  /** Runs `work`, renewing the hold every few minutes while it runs. */
  async during<T>(work: () => Promise<T>): Promise<T> {
    // A renewal that throws is not fatal here: each message is renewed again before it is settled.
    let renewing: Promise<void> = Promise.resolve();
    const timer = setInterval(() => {
      renewing = this.renew().catch(() => undefined);
    }, RENEW_EVERY_MS);
    try {
      return await work();
    } finally {
      clearInterval(timer);
      await renewing;
    }
  }

  /** Makes these messages visible again, and lets them go. */
  async release(messages: readonly Received[]): Promise<void> {
    for (const m of messages) this.held.delete(m.messageId);
    await release(this.sqs, this.queueUrl, messages);
  }

  /** Makes every message it still holds visible again. */
  async releaseAll(): Promise<void> {
    await this.release([...this.held.values()]);
  }

  /** Deletes a message, and lets it go. */
  async delete(message: Received): Promise<void> {
    await this.sqs.send(
      new DeleteMessageCommand({ QueueUrl: this.queueUrl, ReceiptHandle: message.receiptHandle }),
    );
    this.held.delete(message.messageId);
  }
}
