/**
 * shipment-events' HIGH SEVERITY "Shipment S put back with an edited
 * countedAs stamp" alert is counted in EditsRejected{Severity=high}, which
 * the HeldToShippedRejected alarm reads: docs/OPERATIONS.md ("Notifications
 * failed") tells the on-call, when the ops topic cannot deliver, that the
 * high-severity ops alerts show in the CloudWatch console as alarms.
 * The handler runs as Lambda runs it, over stubbed AWS clients; its EMF is read from stdout.
 */
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { expect, it, vi } from 'vitest';
import { stampOf } from '../../../shared/domain/counters.js';
import { holdOrderKey } from '../../../shared/domain/planning.js';
import { GSI_ATTR } from '../../../shared/names.js';
import { captureStdout, emfDocuments } from '../../helpers/emf.js';
import { aShipment } from '../../helpers/factories.js';

const ENV = {
  LICENSES_TABLE: 'L',
  SHIPMENTS_TABLE: 'S',
  INVENTORY_TABLE: 'I',
  HISTORY_TABLE: 'H',
  CUSTOMER_TOPIC_ARNS: 'arn:aws:sns:us-east-1:000000000000:c',
  LOGISTICS_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:l',
  OPS_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:o',
  POWERTOOLS_SERVICE_NAME: 'shipment-events',
  POWERTOOLS_METRICS_NAMESPACE: 'Clearance',
  POWERTOOLS_METRICS_DISABLED: 'false',
  POWERTOOLS_TRACE_ENABLED: 'false',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  AWS_REGION: 'us-east-1',
};

const written = captureStdout();

it('counts once the high-severity "put back with an edited countedAs stamp" alert where the HeldToShippedRejected alarm reads it (Severity high)', async () => {
  Object.assign(process.env, ENV);
  vi.resetModules();
  const runtime = await import('../../../functions/runtime.js');
  const s = aShipment({ shipmentId: 'SHP-PB', licenseId: 'LIC-1', customerId: 'CUST-A', quantity: 10 });
  // Put back from a copy where CUST-A was replaced by CUST-B everywhere, stamp included: the seal is CUST-A's.
  const item = {
    ...s,
    customerId: 'CUST-B',
    status: 'RELEASED',
    countedStatus: 'RELEASED',
    revision: 2,
    releasedAt: '2026-01-01T00:00:00.000Z',
    [GSI_ATTR.holdOrder]: holdOrderKey(s),
    countedAs: { ...stampOf(s), customerId: 'CUST-B' },
  };
  const insert = {
    eventName: 'INSERT',
    dynamodb: {
      SequenceNumber: '1',
      Keys: { shipmentId: { S: 'SHP-PB' } },
      NewImage: marshall(item, { removeUndefinedValues: true }),
    },
  } as unknown as DynamoDBRecord;
  const published: string[] = [];
  const ddb = vi
    .spyOn(runtime.documentClient, 'send')
    .mockImplementation((async () => ({ Items: [], Responses: {} })) as never);
  const sns = vi.spyOn(runtime.snsClient, 'send').mockImplementation((async (command: {
    input: { Subject?: string; PublishBatchRequestEntries?: { Subject?: string }[] };
  }) => {
    for (const e of command.input.PublishBatchRequestEntries ?? [command.input])
      published.push(String(e.Subject));
    return { Failed: [], Successful: [], MessageId: 'm' };
  }) as never);
  try {
    const { handler } = await import('../../../functions/shipment-events.js');
    await handler(
      { Records: [insert] } as DynamoDBStreamEvent,
      {
        functionName: 'shipment-events',
        awsRequestId: 'r',
        getRemainingTimeInMillis: () => 120_000,
      } as never,
    );
  } finally {
    ddb.mockRestore();
    sns.mockRestore();
  }
  // The HIGH SEVERITY alert went out to ops.
  expect(published.some((t) => t.includes('Shipment SHP-PB put back with an edited countedAs stamp'))).toBe(
    true,
  );
  const docs = emfDocuments<Record<string, unknown>>(written()).filter(
    (d) => d.service === 'shipment-events',
  );
  expect(docs.length).toBeGreaterThan(0);
  // EditsRejected{Severity=high}, which HeldToShippedRejected reads, counts it once.
  const high = docs.filter((d) => d.Severity === 'high');
  expect(high, `EMF: ${JSON.stringify(docs.map(({ _aws, ...rest }) => rest))}`).toHaveLength(1);
  expect(high[0]?.EditsRejected).toBe(1);
}, 60_000);
