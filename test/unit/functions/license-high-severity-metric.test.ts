/**
 * license-events' high-severity ops alerts (a deleted applied license;
 * shipped goods over an amended limit; an overwritten item set back) count in
 * OpsAlerts{Severity=high}, which the LicenseHighSeverityAlert alarm reads, as
 * shipment-events' high-severity rejections count in
 * EditsRejected{Severity=high} (the HeldToShippedRejected alarm): when the ops
 * topic cannot deliver, docs/OPERATIONS.md ("Notifications failed") tells the
 * on-call to watch the alarms in the CloudWatch console. The handler runs as
 * Lambda runs it, over stubbed AWS clients; its EMF is read from stdout.
 */
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { expect, it, vi } from 'vitest';
import { captureStdout, emfDocuments } from '../../helpers/emf.js';

const ENV = {
  LICENSES_TABLE: 'L',
  SHIPMENTS_TABLE: 'S',
  INVENTORY_TABLE: 'I',
  HISTORY_TABLE: 'H',
  TALLIES_TABLE: 'T',
  CUSTOMER_TOPIC_ARNS: 'arn:aws:sns:us-east-1:000000000000:c',
  LOGISTICS_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:l',
  OPS_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:o',
  RELEASE_TIME_BUDGET_MS: '60000',
  RELEASE_CONCURRENCY: '4',
  SETTLE_DELAY_MS: '30000',
  RELEASE_FIRST_SLICE_MS: '100',
  DRAWDOWN_THRESHOLDS: '80,90,100',
  POWERTOOLS_SERVICE_NAME: 'license-events',
  POWERTOOLS_METRICS_NAMESPACE: 'Clearance',
  POWERTOOLS_METRICS_DISABLED: 'false',
  POWERTOOLS_TRACE_ENABLED: 'false',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  AWS_REGION: 'us-east-1',
};

const applied = {
  licenseId: 'LIC-DEL',
  licenseNumber: 'N-1',
  customerId: 'C1',
  sku: 'H20',
  destinationCountry: 'CN',
  authorizedQuantity: 10,
  validFrom: '2020-01-01T00:00:00Z',
  validUntil: '2099-01-01T00:00:00Z',
  status: 'APPROVED',
  appliedStatus: 'APPROVED',
  releasedQuantity: 5,
};
const image = (plain: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(plain).map(([k, v]) => [k, typeof v === 'number' ? { N: String(v) } : { S: String(v) }]),
  );
const removal = {
  eventName: 'REMOVE',
  dynamodb: { SequenceNumber: '1', Keys: { licenseId: { S: 'LIC-DEL' } }, OldImage: image(applied) },
} as DynamoDBRecord;

const written = captureStdout();

it('counts the high-severity "License L was deleted" alert in OpsAlerts with Severity high', async () => {
  Object.assign(process.env, ENV);
  // A fresh module graph: another file of the worker may have built the handler with metrics disabled.
  vi.resetModules();
  const runtime = await import('../../../functions/runtime.js');
  const published: string[] = [];
  const ddb = vi
    .spyOn(runtime.documentClient, 'send')
    .mockImplementation((async () => ({ Items: [] })) as never);
  const sns = vi.spyOn(runtime.snsClient, 'send').mockImplementation((async (command: {
    input: { Subject?: string; PublishBatchRequestEntries?: { Subject?: string }[] };
  }) => {
    for (const e of command.input.PublishBatchRequestEntries ?? [command.input])
      published.push(String(e.Subject));
    return { Failed: [], Successful: [], MessageId: 'm' };
  }) as never);
  try {
    const { handler } = await import('../../../functions/license-events.js');
    const out = await handler(
      { Records: [removal] } as DynamoDBStreamEvent,
      {
        functionName: 'license-events',
        awsRequestId: 'r',
        getRemainingTimeInMillis: () => 900_000,
      } as never,
    );
    expect(out.batchItemFailures).toEqual([]);
  } finally {
    ddb.mockRestore();
    sns.mockRestore();
  }
  // The ops alert went out, high severity.
  expect(published.some((s) => s.includes('License LIC-DEL was deleted'))).toBe(true);
  const docs = emfDocuments<Record<string, unknown>>(written()).filter((d) => d.service === 'license-events');
  expect(docs.length).toBeGreaterThan(0);
  const high = docs.filter((d) => d.Severity === 'high');
  expect(high, `EMF: ${JSON.stringify(docs.map(({ _aws, ...rest }) => rest))}`).toHaveLength(1);
  expect(high[0]?.OpsAlerts).toBe(1);
  expect(docs.some((d) => d.Severity === 'normal')).toBe(false);
}, 60_000);
