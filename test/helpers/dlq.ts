/**
 * `clearance dlq` against an SQS queue and a DynamoDB stream kept in memory,
 * and a Lambda endpoint on a local socket (the CLI's own LambdaClient invokes
 * it, as it invokes a local stack's gateway), so what the stream answers,
 * page by page, is up to each test.
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
import { afterAll, beforeAll } from 'vitest';
import { clientBase } from '../../cli/clients.js';
import { parseStackFile } from '../../cli/resources/stack-file.js';
import { stubCliContext } from './cli.js';

const STREAM = 'arn:aws:dynamodb:us-east-1:000000000000:table/Shipments/stream/2026-01-01T00:00:00.000';

/** The on-failure record Lambda parks for a failed batch of sequence numbers start..end. */
export const failureBody = (start: string, end: string, batchSize: number, streamArn = STREAM) =>
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
      streamArn,
      approximateArrivalOfFirstRecord: new Date().toISOString(),
      approximateArrivalOfLastRecord: new Date().toISOString(),
    },
  });

export const info = (start: string, end: string, batchSize: number) =>
  JSON.parse(failureBody(start, end, batchSize)).DDBStreamBatchInfo;

export const streamRecord = (seq: string) => ({
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
export function shard(pages: Page[], gone?: string, horizon = false) {
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

/** One SQS queue in memory: a receive hides what it returns; visibility 0 shows it again. */
export function queue(bodies: string[]) {
  const messages = new Map(bodies.map((body, i) => [`m${i}`, { body, visible: true }]));
  const deleted: string[] = [];
  const sqs = {
    deleted,
    messages,
    async send(command: unknown): Promise<unknown> {
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

/**
 * Starts (for the calling test file) a Lambda endpoint whose functions report
 * no failures. `invoked` collects each event's sequence numbers; `onInvoke`,
 * if set, runs on each invocation. `redriveContext` is a CLI context whose
 * stack has that endpoint, the Shipments table and DLQs http://q/l, http://q/s
 * and http://q/h.
 */
export function dlqFixture() {
  let lambda: Server;
  const fixture = {
    invoked: [] as string[][],
    onInvoke: ((_seqs) => undefined) as (seqs: string[]) => void,
    redriveContext(sqs: { send(command: unknown): Promise<unknown> }, streams: ReturnType<typeof shard>) {
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
          dlqs: { licenseEvents: 'http://q/l', shipmentEvents: 'http://q/s', shipmentHistory: 'http://q/h' },
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
    },
  };
  beforeAll(async () => {
    lambda = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        const event = JSON.parse(body) as { Records: { dynamodb: { SequenceNumber: string } }[] };
        const seqs = event.Records.map((r) => r.dynamodb.SequenceNumber);
        fixture.invoked.push(seqs);
        fixture.onInvoke(seqs);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"batchItemFailures":[]}');
      });
    });
    await new Promise<void>((resolve) => lambda.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => lambda.close());
  return fixture;
}
