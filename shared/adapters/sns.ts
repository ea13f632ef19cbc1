import { PublishBatchCommand, type PublishBatchRequestEntry, type SNSClient } from '@aws-sdk/client-sns';
import { chunkBySize } from '../domain/chunks.js';
import { forEachConcurrent } from '../domain/concurrency.js';
import { cutBefore } from '../domain/notifications.js';
import type { Alerter, OpsAlert, OutgoingMessage, Publisher } from '../domain/ports.js';
import { customerShard } from '../domain/routing.js';

const BATCH = 10;
/** SNS's cap on one PublishBatch, all its entries' bodies and attributes together (the default topic's). */
export const BATCH_BYTES = 256 * 1024;
const ATTEMPTS = 4;
const pause = (attempt: number) =>
  new Promise((r) => setTimeout(r, 25 * 2 ** attempt * (0.5 + Math.random())));

/** PublishBatch calls one publisher keeps in flight: SNS allows thousands of messages a second per topic. */
export const PUBLISH_CONCURRENCY = 8;

/**
 * Publishes through PublishBatch, 10 entries a call and at most 256 KiB
 * together (see {@link toBatches}), up to `concurrency` calls in flight. SNS
 * answers 200 even when some entries fail, so `Failed[]` is inspected and
 * only those entries are retried; what still fails is returned so the caller
 * can report the stream records behind it as batch item failures, and
 * `onFailure` hears why, once for the topic.
 */
export function publishBatches(
  sns: SNSClient,
  topicArn: string,
  messages: readonly OutgoingMessage[],
  onFailure: OnPublishFailure = () => {},
  concurrency = PUBLISH_CONCURRENCY,
): Promise<Set<string>> {
  return publishAll(
    sns,
    toBatches(messages).map((batch) => ({ arn: topicArn, batch })),
    onFailure,
    concurrency,
  );
}

/**
 * Told of messages that still failed after every attempt, once per topic and
 * publish: the topic, how many, and SNS's reasons (its `Failed[]` codes and
 * messages, or the errors the calls threw), for the caller's log. The
 * reasons name no message content.
 */
export type OnPublishFailure = (failure: { topicArn: string; messages: number; reasons: string[] }) => void;

/** Sends `batches` with up to `concurrency` calls in flight; returns the ids that kept failing. */
async function publishAll(
  sns: SNSClient,
  batches: readonly { arn: string; batch: readonly OutgoingMessage[] }[],
  onFailure: OnPublishFailure,
  concurrency: number,
): Promise<Set<string>> {
  const failed = new Set<string>();
  const byTopic = new Map<string, { messages: number; reasons: Set<string> }>();
  await forEachConcurrent(batches, concurrency, async ({ arn, batch }) => {
    const { ids, reason } = await publishBatch(sns, arn, batch);
    if (ids.length === 0) return;
    for (const id of ids) failed.add(id);
    const topic = byTopic.get(arn) ?? { messages: 0, reasons: new Set<string>() };
    topic.messages += ids.length;
    topic.reasons.add(reason);
    byTopic.set(arn, topic);
  });
  for (const [topicArn, { messages, reasons }] of byTopic)
    onFailure({ topicArn, messages, reasons: [...reasons] });
  return failed;
}

/** What SNS counts of a message against the batch's size: body, subject, and each attribute's name, type and value. */
export function messageBytes(m: OutgoingMessage): number {
  let bytes = Buffer.byteLength(m.body) + (m.subject ? Buffer.byteLength(m.subject) : 0);
  for (const [name, value] of Object.entries(m.attributes))
    bytes += Buffer.byteLength(name) + 'String'.length + Buffer.byteLength(value);
  return bytes;
}

/**
 * `messages` cut, in order, into PublishBatch calls of at most 10 entries
 * whose sizes add up to at most {@link BATCH_BYTES}. Ten digests of a few
 * hundred lines each would pass the count and fail the whole call with
 * BatchRequestTooLong; cut by size, each goes. A message over the cap on its
 * own goes alone, and SNS fails just that entry.
 */
export function toBatches(messages: readonly OutgoingMessage[]): OutgoingMessage[][] {
  return chunkBySize(messages, { count: BATCH, bytes: BATCH_BYTES, sizeOf: messageBytes });
}

/**
 * Text with every lone UTF-16 surrogate (half an emoji left by a cut) replaced
 * with U+FFFD: the SDK cannot encode a request that holds one (URIError), and
 * a message SNS can never be sent would fail its batch on every retry.
 */
export const wellFormed = (text: string): string =>
  text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');

/** What SNS refuses in a subject: line breaks and control characters (C0, C1, U+2028, U+2029). */
const SUBJECT_REFUSED = /[\p{Cc}\u2028\u2029]+/gu;
/** SNS takes subjects shorter than 100 characters. */
const SUBJECT_MAX = 99;

/**
 * `subject` as SNS takes it: what SNS refuses replaced by a space (a subject
 * may quote an admin's raw value, pasted with a line separator), and, when
 * too long, cut so that its end, what happened ("status edit rejected", "was
 * deleted"), is kept: the id after its first word ("License L", "Shipment
 * S") is shortened first, as cutBefore does for digests, then, when the rest
 * alone is too long, the middle.
 */
export function snsSubject(subject: string): string {
  const text = subject.replace(SUBJECT_REFUSED, ' ');
  if (text.length <= SUBJECT_MAX) return text;
  const id = /^(\S+ [A-Za-z0-9][A-Za-z0-9._:-]*?)(:? .*)$/s.exec(text);
  if (id?.[1] !== undefined && id[2] !== undefined && id[2].length <= SUBJECT_MAX - 20)
    return cutBefore(id[1], id[2]);
  return `${text.slice(0, 40)}...${text.slice(text.length - (SUBJECT_MAX - 43))}`;
}

/** One PublishBatch of at most 10 messages, its failed entries retried alone; returns the ids that kept failing, and why. */
async function publishBatch(
  sns: SNSClient,
  topicArn: string,
  batch: readonly OutgoingMessage[],
): Promise<{ ids: string[]; reason: string }> {
  let pending = batch;
  let reason = '';
  for (let attempt = 0; ; attempt++) {
    const entries: PublishBatchRequestEntry[] = pending.map((m, n) => ({
      Id: `m${n}`,
      Message: wellFormed(m.body),
      ...(m.subject ? { Subject: wellFormed(snsSubject(m.subject)) } : {}),
      MessageAttributes: Object.fromEntries(
        Object.entries(m.attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
      ),
    }));
    let retry: readonly OutgoingMessage[];
    try {
      const out = await sns.send(
        new PublishBatchCommand({ TopicArn: topicArn, PublishBatchRequestEntries: entries }),
      );
      const failedIds = new Set((out.Failed ?? []).map((f) => f.Id ?? ''));
      retry = pending.filter((_, n) => failedIds.has(`m${n}`));
      const first = out.Failed?.[0];
      if (first) reason = `${first.Code ?? 'unknown'}${first.Message ? `: ${first.Message}` : ''}`;
    } catch (error) {
      retry = pending;
      reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    }
    if (retry.length === 0) return { ids: [], reason };
    if (attempt + 1 >= ATTEMPTS) return { ids: retry.map((m) => m.id), reason };
    pending = retry;
    await pause(attempt);
  }
}

/**
 * SNS implementation of the Publisher port. Customer messages go to the
 * customer's shard topic (`customerShard` of its `customerId` attribute).
 */
export class SnsPublisher implements Publisher {
  /** `customerShards` may be empty for a publisher that only tells logistics (the clock's). */
  constructor(
    private readonly sns: SNSClient,
    private readonly topics: { customerShards: readonly string[]; logistics: string },
    private readonly onFailure: OnPublishFailure = () => {},
  ) {}

  async publish(topic: 'customer' | 'logistics', messages: readonly OutgoingMessage[]): Promise<Set<string>> {
    if (topic === 'logistics')
      return publishBatches(this.sns, this.topics.logistics, messages, this.onFailure);
    const shards = this.topics.customerShards;
    if (shards.length === 0) throw new RangeError('SnsPublisher was given no customer topic');
    const byShard = new Map<string, OutgoingMessage[]>();
    for (const m of messages) {
      const arn = shards[customerShard(m.attributes.customerId ?? '', shards.length)] ?? '';
      const group = byShard.get(arn);
      if (group) group.push(m);
      else byShard.set(arn, [m]);
    }
    // Every shard's batches share one pool of calls in flight.
    const batches = [...byShard].flatMap(([arn, group]) => toBatches(group).map((batch) => ({ arn, batch })));
    return publishAll(this.sns, batches, this.onFailure, PUBLISH_CONCURRENCY);
  }
}

/** SNS implementation of the Alerter port: alerts go to the ops topic as plain text. */
export class SnsAlerter implements Alerter {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
  ) {}

  async alert(alerts: readonly OpsAlert[]): Promise<void> {
    const reasons = new Set<string>();
    const failed = await publishBatches(
      this.sns,
      this.topicArn,
      alerts.map((a, n) => ({
        id: String(n),
        // Made what SNS takes when published (snsSubject); half an emoji left by a cut is made whole text by wellFormed.
        subject: a.subject,
        body: a.message,
        attributes: {
          kind: 'alert',
          severity: a.severity,
          ...(a.alertType ? { alertType: a.alertType } : {}),
          ...a.subjectKey,
        },
        covers: [],
      })),
      (failure) => {
        for (const reason of failure.reasons) reasons.add(reason);
      },
    );
    if (failed.size > 0)
      throw new Error(`${failed.size} ops alert(s) could not be published (${[...reasons].join('; ')})`);
  }
}
