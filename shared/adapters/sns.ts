import { PublishBatchCommand, type PublishBatchRequestEntry, type SNSClient } from '@aws-sdk/client-sns';
import { forEachConcurrent } from '../domain/concurrency.js';
import type { Alerter, OpsAlert, OutgoingMessage, Publisher } from '../domain/ports.js';
import { customerShard } from '../domain/routing.js';

const BATCH = 10;
const ATTEMPTS = 4;
const pause = (attempt: number) =>
  new Promise((r) => setTimeout(r, 25 * 2 ** attempt * (0.5 + Math.random())));

/** PublishBatch calls one publisher keeps in flight: SNS allows thousands of messages a second per topic. */
export const PUBLISH_CONCURRENCY = 8;

/**
 * Publishes through PublishBatch, 10 entries a call, up to `concurrency`
 * calls in flight. SNS answers 200 even when some entries fail, so `Failed[]`
 * is inspected and only those entries are retried; what still fails is
 * returned so the caller can report the stream records behind it as batch
 * item failures.
 */
export async function publishBatches(
  sns: SNSClient,
  topicArn: string,
  messages: readonly OutgoingMessage[],
  concurrency = PUBLISH_CONCURRENCY,
): Promise<Set<string>> {
  const batches: OutgoingMessage[][] = [];
  for (let i = 0; i < messages.length; i += BATCH) batches.push(messages.slice(i, i + BATCH));
  const failed = new Set<string>();
  await forEachConcurrent(batches, concurrency, async (batch) => {
    for (const id of await publishBatch(sns, topicArn, batch)) failed.add(id);
  });
  return failed;
}

/** One PublishBatch of at most 10 messages, its failed entries retried alone; returns the ids that kept failing. */
async function publishBatch(
  sns: SNSClient,
  topicArn: string,
  batch: readonly OutgoingMessage[],
): Promise<string[]> {
  let pending = batch;
  for (let attempt = 0; ; attempt++) {
    const entries: PublishBatchRequestEntry[] = pending.map((m, n) => ({
      Id: `m${n}`,
      Message: m.body,
      ...(m.subject ? { Subject: m.subject } : {}),
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
    } catch {
      retry = pending;
    }
    if (retry.length === 0) return [];
    if (attempt + 1 >= ATTEMPTS) return retry.map((m) => m.id);
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
  ) {}

  async publish(topic: 'customer' | 'logistics', messages: readonly OutgoingMessage[]): Promise<Set<string>> {
    if (topic === 'logistics') return publishBatches(this.sns, this.topics.logistics, messages);
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
    const batches = [...byShard].flatMap(([arn, group]) =>
      Array.from({ length: Math.ceil(group.length / BATCH) }, (_, i) => ({
        arn,
        batch: group.slice(i * BATCH, (i + 1) * BATCH),
      })),
    );
    const failed = new Set<string>();
    await forEachConcurrent(batches, PUBLISH_CONCURRENCY, async ({ arn, batch }) => {
      for (const id of await publishBatch(this.sns, arn, batch)) failed.add(id);
    });
    return failed;
  }
}

/** SNS implementation of the Alerter port: alerts go to the ops topic as plain text. */
export class SnsAlerter implements Alerter {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
  ) {}

  async alert(alerts: readonly OpsAlert[]): Promise<void> {
    const failed = await publishBatches(
      this.sns,
      this.topicArn,
      alerts.map((a, n) => ({
        id: String(n),
        // SNS refuses a subject with line breaks or control characters; it may quote an admin's raw value.
        subject: a.subject.replace(/\p{Cc}+/gu, ' ').slice(0, 99),
        body: a.message,
        attributes: {
          kind: 'alert',
          severity: a.severity,
          ...(a.alertType ? { alertType: a.alertType } : {}),
          ...a.subjectKey,
        },
        covers: [],
      })),
    );
    if (failed.size > 0) throw new Error(`${failed.size} ops alert(s) could not be published`);
  }
}
