import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { ReceivedMessage } from '../helpers/stack.js';

/**
 * Receives every message currently in a queue. Received messages stay
 * invisible for 10 minutes instead of being deleted (half the calls); the
 * queue is deleted with the run.
 */
export async function receiveAll(sqs: SQSClient, queueUrl: string): Promise<ReceivedMessage[]> {
  const out: ReceivedMessage[] = [];
  for (;;) {
    const page = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 600,
        MessageAttributeNames: ['All'],
      }),
    );
    const messages = page.Messages ?? [];
    if (messages.length === 0) return out;
    for (const m of messages) {
      const attributes: Record<string, string> = {};
      for (const [name, value] of Object.entries(m.MessageAttributes ?? {})) {
        if (value.StringValue !== undefined) attributes[name] = value.StringValue;
      }
      out.push({ messageId: m.MessageId ?? '', body: m.Body ?? '', attributes });
    }
  }
}
