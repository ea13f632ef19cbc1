import { PublishBatchCommand, type PublishBatchRequestEntry, type SNSClient } from '@aws-sdk/client-sns';
import type { Alerter, OpsAlert, OutgoingMessage, Publisher } from '../domain/ports.js';
import { customerShard } from '../domain/routing.js';

const BATCH = 10;
const ATTEMPTS = 4;
const pause = (attempt: number) =>
  new Promise((r) => setTimeout(r, 25 * 2 ** attempt * (0.5 + Math.random())));

/**
 * Publishes through PublishBatch, 10 entries a call. SNS answers 200 even when
 * some entries fail, so `Failed[]` is inspected and only those entries are
 * retried; what still fails is returned so the caller can report the stream
 * records behind it as batch item failures.
 */
export async function publishBatches(
  sns: SNSClient,
  topicArn: string,
  messages: readonly OutgoingMessage[],
): Promise<Set<string>> {
  const failed = new Set<string>();
  for (let i = 0; i < messages.length; i += BATCH) {
    let pending = messages.slice(i, i + BATCH);
    for (let attempt = 0; pending.length > 0; attempt++) {
      const entries: PublishBatchRequestEntry[] = pending.map((m, n) => ({
        Id: `m${n}`,
        Message: m.body,
        ...(m.subject ? { Subject: m.subject } : {}),
        MessageAttributes: Object.fromEntries(
          Object.entries(m.attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
        ),
      }));
      let failedIds: string[];
      try {
        const out = await sns.send(
          new PublishBatchCommand({ TopicArn: topicArn, PublishBatchRequestEntries: entries }),
        );
        failedIds = (out.Failed ?? []).map((f) => f.Id ?? '');
      } catch (error) {
        if (attempt + 1 >= ATTEMPTS) {
          for (const m of pending) failed.add(m.id);
          break;
        }
        void error;
        await pause(attempt);
        continue;
      }
      const retry = pending.filter((_, n) => failedIds.includes(`m${n}`));
      if (retry.length === 0) break;
      if (attempt + 1 >= ATTEMPTS) {
        for (const m of retry) failed.add(m.id);
        break;
      }
      pending = retry;
      await pause(attempt);
    }
  }
  return failed;
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
      byShard.set(arn, [...(byShard.get(arn) ?? []), m]);
    }
    const failed = new Set<string>();
    for (const [arn, group] of byShard)
      for (const id of await publishBatches(this.sns, arn, group)) failed.add(id);
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
