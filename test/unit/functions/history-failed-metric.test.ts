/**
 * shipment-history's HistoryEntriesFailed metric, which the dashboard plots
 * ("Shipments released and History entries per minute") and docs/OPERATIONS.md
 * ("Iterator age") names as the count of History entries not written. When
 * History refuses the batch's first entry (a refused write, History throttled
 * past its patience) the invocation fails and the stream reads the whole batch
 * again: its entries count as failed all the same. The handler runs as Lambda
 * runs it (middy, Powertools), over a stubbed DynamoDB client that refuses the
 * write; its EMF is read from stdout.
 */
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { expect, it, vi } from 'vitest';
import { captureStdout, emfDocuments } from '../../helpers/emf.js';

const ENV = {
  HISTORY_TABLE: 'H',
  POWERTOOLS_SERVICE_NAME: 'shipment-history',
  POWERTOOLS_METRICS_NAMESPACE: 'Clearance',
  POWERTOOLS_METRICS_DISABLED: 'false',
  POWERTOOLS_TRACE_ENABLED: 'false',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  AWS_REGION: 'us-east-1',
};

const shipment = {
  shipmentId: 'SHP-1',
  licenseId: 'LIC-1',
  customerId: 'CUST-1',
  sku: 'H20',
  warehouseId: 'WH-1',
  quantity: 10,
  priority: 1,
  requestedAt: '2026-01-01T00:00:00Z',
};
const released = {
  ...shipment,
  status: 'RELEASED',
  countedStatus: 'RELEASED',
  revision: 2,
  releasedAt: '2026-06-01T12:00:00.000Z',
  changedAt: '2026-06-01T12:00:00.000Z',
  decision: { actor: 'clearance', trigger: { eventType: 'LICENSE_APPROVED', actor: 'alice', reason: 'ok' } },
};
const held = {
  ...shipment,
  status: 'HELD',
  countedStatus: 'HELD',
  revision: 1,
  holdReason: 'LICENSE_PENDING',
};
const record: DynamoDBRecord = {
  eventName: 'MODIFY',
  dynamodb: {
    SequenceNumber: '100',
    Keys: { shipmentId: { S: 'SHP-1' } },
    NewImage: marshall(released) as never,
    OldImage: marshall(held) as never,
  },
} as DynamoDBRecord;

const written = captureStdout();

it('counts in HistoryEntriesFailed the entries of a batch History refused whole, and fails the invocation', async () => {
  Object.assign(process.env, ENV);
  // A fresh module graph: another file of the worker may have built the handler with metrics disabled.
  vi.resetModules();
  const runtime = await import('../../../functions/runtime.js');
  const ddb = vi.spyOn(runtime.documentClient, 'send').mockImplementation((async () => {
    throw Object.assign(new Error('User is not authorized to perform: dynamodb:PutItem'), {
      name: 'AccessDeniedException',
    });
  }) as never);
  let thrown: unknown;
  try {
    const { handler } = await import('../../../functions/shipment-history.js');
    await handler(
      { Records: [record] } as DynamoDBStreamEvent,
      {
        functionName: 'shipment-history',
        awsRequestId: 'r',
        getRemainingTimeInMillis: () => 60_000,
      } as never,
    );
  } catch (error) {
    thrown = error;
  } finally {
    ddb.mockRestore();
  }
  expect(String(thrown)).toContain('History entries not written');
  const docs = emfDocuments<Record<string, unknown>>(written()).filter(
    (d) => d.service === 'shipment-history',
  );
  const failed = docs.reduce(
    (n, d) => n + [d.HistoryEntriesFailed ?? 0].flat().reduce((a: number, b) => a + Number(b), 0),
    0,
  );
  expect(failed).toBe(1);
}, 60_000);
