import { PublishBatchCommand, type PublishBatchRequestEntry, type SNSClient } from '@aws-sdk/client-sns';
import type { Alerter, OpsAlert, OutgoingMessage, Publisher } from '../domain/ports.js';

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

/** SNS implementation of the Publisher port over the customer and logistics topics. */
export class SnsPublisher implements Publisher {
  constructor(
    private readonly sns: SNSClient,
    private readonly topics: { customer: string; logistics: string },
  ) {}

  publish(topic: 'customer' | 'logistics', messages: readonly OutgoingMessage[]): Promise<Set<string>> {
    return publishBatches(this.sns, this.topics[topic], messages);
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
        subject: a.subject.slice(0, 99),
        body: a.message,
        attributes: { kind: 'alert', severity: a.severity, ...a.subjectKey },
        covers: [],
      })),
    );
    if (failed.size > 0) throw new Error(`${failed.size} ops alert(s) could not be published`);
  }
}
