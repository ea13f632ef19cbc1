import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { Context, DynamoDBStreamEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../cli/errors.js';
import { adminConsole } from '../helpers/admin-console.js';
import { runCli } from '../helpers/cli.js';
import { aLicense, anInventory, aShipmentFor } from '../helpers/factories.js';
import { useLocalStack } from '../helpers/stack.js';

/** Shipment ids the shipment-events mapping fails on while they are listed here. */
const poisoned = new Set<string>();

const local = useLocalStack({
  handlerOverrides: {
    // The real handler, except that batches holding a poisoned shipment fail as a crashing function would.
    'shipment-events': async (event: DynamoDBStreamEvent, context: Context) => {
      const ids = event.Records.map((r) => r.dynamodb?.Keys?.shipmentId?.S ?? '');
      if (ids.some((id) => poisoned.has(id))) throw new Error(`poisoned shipment in batch: ${ids.join(',')}`);
      const real = await local.loadHandler('shipment-events');
      return real(event as never, context);
    },
  },
  mappingOverrides: { 'shipment-events': { maximumRetryAttempts: 1 } },
  log: () => undefined,
});
const s = adminConsole(local);

/**
 * `dlq list` of the one DLQ these tests fill (the failures are shipment-events'). The first test's first
 * listing reads all three and finds the other two empty; the other checks read this one only, since
 * listing a queue ends with a 1 s long poll that finds it empty.
 */
const LIST_SHIPMENT_EVENTS = ['dlq', 'list', '--queue', 'shipment-events'];

describe('clearance dlq', () => {
  it('lists a failed record without consuming it, and redrive reprocesses it through the real handler', async () => {
    await s.putInventory(anInventory());
    const license = aLicense({ licenseId: 'LIC-DLQ', status: 'PENDING' });
    await s.putLicense(license);
    await local.drain();
    poisoned.add('SHP-POISON');
    await s.putShipments([
      aShipmentFor(license, { shipmentId: 'SHP-POISON', quantity: 7 }),
      aShipmentFor(license, { shipmentId: 'SHP-FINE', quantity: 3 }),
    ]);
    await local.drain();
    // The poisoned record went to the DLQ; the system never counted it.
    expect((await s.shipment('SHP-POISON')).countedStatus).toBeUndefined();
    expect((await s.shipment('SHP-FINE')).countedStatus).toBe('HELD');

    const listed = await runCli(local, ['--json', 'dlq', 'list']);
    expect(listed.code).toBe(EXIT.ok);
    const entries = listed.json() as { queue: string; failure?: Record<string, unknown> }[];
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      queue: 'shipment-events',
      failure: {
        table: local.resources.tables.shipments.name,
        condition: 'RetryAttemptsExhausted',
        batchSize: 1,
        expired: false,
      },
    });
    const table = await runCli(local, LIST_SHIPMENT_EVENTS);
    expect(table.stdout).toMatch(/shipment-events\s+\S+\s+\S+\s+\S+\s+\d+\.\.\d+\s+1\s+retries exhausted/);
    // Listing twice shows the same message: list does not consume.
    expect((await runCli(local, ['--json', ...LIST_SHIPMENT_EVENTS])).json()).toHaveLength(1);

    const drift = await runCli(local, ['reconcile']);
    expect(drift.code).toBe(EXIT.ok);
    expect(drift.stdout).toMatch(/No drift/);

    poisoned.clear();
    const redriven = await runCli(local, ['dlq', 'redrive']);
    expect(redriven.code).toBe(EXIT.ok);
    expect(redriven.stdout).toMatch(/^REDRIVEN\s+shipment-events .* 1 record; processed; message deleted/m);
    expect(redriven.stdout).toMatch(/Redrove 1 message; 0 messages left in the DLQ/);

    expect(await s.shipment('SHP-POISON')).toMatchObject({
      countedStatus: 'HELD',
      holdReason: 'LICENSE_PENDING',
    });
    expect(await s.inventory('H20', 'WH-AMS-1')).toMatchObject({ held: 10 });
    expect((await runCli(local, ['--json', ...LIST_SHIPMENT_EVENTS])).json()).toEqual([]);
    await local.drain();
    await s.expectInvariants();
  });

  it('redrive --max reports the messages it did not read as left, and exits 3 until the DLQ is empty', async () => {
    const license = aLicense({ licenseId: 'LIC-DLQ-MAX', status: 'PENDING' });
    await s.putLicense(license);
    await local.drain();
    // Two failed batches, so two DLQ messages.
    for (const id of ['SHP-MAX-1', 'SHP-MAX-2']) {
      poisoned.add(id);
      await s.putShipments([aShipmentFor(license, { shipmentId: id, quantity: 2 })]);
      await local.drain();
    }
    expect((await runCli(local, ['--json', ...LIST_SHIPMENT_EVENTS])).json()).toHaveLength(2);
    poisoned.clear();

    const first = await runCli(local, ['dlq', 'redrive', '--max', '1']);
    expect(first.code).toBe(EXIT.incomplete);
    expect(first.stdout).toMatch(/^REDRIVEN\s+shipment-events /m);
    expect(first.stdout).toMatch(
      /Redrove 1 message; 1 message left in the DLQ \(shipment-events: 1; SQS's approximate count\)\./,
    );
    expect(first.stdout).toMatch(/at most --max 1 per queue\): run `clearance dlq redrive` again/);

    const second = await runCli(local, ['dlq', 'redrive', '--max', '1']);
    expect(second.code).toBe(EXIT.ok);
    expect(second.stdout).toMatch(/Redrove 1 message; 0 messages left in the DLQ\./);
    await local.drain();
    for (const id of ['SHP-MAX-1', 'SHP-MAX-2']) expect((await s.shipment(id)).countedStatus).toBe('HELD');
    await s.expectInvariants();
  });

  it('leaves a message whose records are gone from the stream, points to reconcile, and deletes it with --delete-gone', async () => {
    const body = {
      requestContext: {
        requestId: 'r1',
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:old',
        condition: 'RecordAgeExceeded',
        approximateInvokeCount: 1,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST' },
      version: '1.0',
      timestamp: '2026-01-01T00:00:00.000Z',
      DDBStreamBatchInfo: {
        shardId: 'shardId-00000000000000000000-deadbeef',
        startSequenceNumber: '000000000000000000100',
        endSequenceNumber: '000000000000000000200',
        batchSize: 2,
        streamArn: local.resources.tables.shipments.streamArn ?? '',
        approximateArrivalOfFirstRecord: '2026-01-01T00:00:00Z',
        approximateArrivalOfLastRecord: '2026-01-01T00:00:01Z',
      },
    };
    await local.sqs.send(
      new SendMessageCommand({
        QueueUrl: local.resources.dlqs.shipments.url,
        MessageBody: JSON.stringify(body),
      }),
    );

    const listed = await runCli(local, LIST_SHIPMENT_EVENTS);
    expect(listed.stdout).toMatch(/records older than 24 h: gone from the stream/);
    expect(listed.stdout).toMatch(/run `clearance reconcile`/);

    const redriven = await runCli(local, ['dlq', 'redrive', '--queue', 'shipment-events']);
    expect(redriven.code).toBe(EXIT.incomplete);
    expect(redriven.stdout).toMatch(/^GONE\s+shipment-events .*left in the queue/m);
    expect(redriven.stdout).toMatch(/run `clearance reconcile`/);
    expect(redriven.stdout).toMatch(/delete those messages with `clearance dlq redrive --delete-gone`/);
    expect((await runCli(local, ['--json', ...LIST_SHIPMENT_EVENTS])).json()).toHaveLength(1);

    // After reconcile, the operator deletes it; the outcome keeps what the message held.
    const deleted = await runCli(local, [
      '--json',
      'dlq',
      'redrive',
      '--queue',
      'shipment-events',
      '--delete-gone',
    ]);
    expect(deleted.code).toBe(EXIT.ok);
    expect(deleted.json()).toEqual([
      expect.objectContaining({ result: 'discarded', record: expect.objectContaining(body) }),
    ]);
    expect((await runCli(local, ['--json', ...LIST_SHIPMENT_EVENTS])).json()).toEqual([]);
  });
});
