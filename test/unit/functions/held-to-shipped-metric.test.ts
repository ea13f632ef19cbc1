/**
 * A HELD → SHIPPED edit is a possible export violation, paged by the
 * HeldToShippedRejected alarm, which reads shipment-events'
 * EditsRejected{Severity=high}. ARCHITECTURE.md ("Resources and settings",
 * LicenseHighSeverityAlert row) and docs/OPERATIONS.md ("Notifications
 * failed") have the on-call watch that alarm in the console while the ops
 * topic cannot deliver: shipment-events counts each high-severity alert as it
 * sends it, and emits the count at once, so the alarm fires even when the ops
 * topic refuses the alert (its KMS key policy, a deleted topic, throttling)
 * and the batch fails before it reports anything. A delivered alert is
 * counted once, not again at the batch's end.
 *
 * The handler runs as Lambda runs it, over stubbed AWS clients; its EMF is read from stdout.
 */
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { expect, it, vi } from 'vitest';
import { captureStdout, emfDocuments } from '../../helpers/emf.js';
import { aShipment, asAccepted } from '../../helpers/factories.js';

const OPS = 'arn:aws:sns:us-east-1:000000000000:o';
const ENV = {
  LICENSES_TABLE: 'L',
  SHIPMENTS_TABLE: 'S',
  INVENTORY_TABLE: 'I',
  HISTORY_TABLE: 'H',
  CUSTOMER_TOPIC_ARNS: 'arn:aws:sns:us-east-1:000000000000:c',
  LOGISTICS_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:l',
  OPS_TOPIC_ARN: OPS,
  POWERTOOLS_SERVICE_NAME: 'shipment-events',
  POWERTOOLS_METRICS_NAMESPACE: 'Clearance',
  POWERTOOLS_METRICS_DISABLED: 'false',
  POWERTOOLS_TRACE_ENABLED: 'false',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  AWS_REGION: 'us-east-1',
};

const written = captureStdout();

/**
 * Runs shipment-events on an admin's HELD → SHIPPED edit of SHP-H2S, the ops topic
 * refusing every publish when `opsRefuses`. Returns the subjects sent to the ops
 * topic, what the handler threw, and its EMF documents.
 */
async function heldToShipped(opsRefuses: boolean) {
  Object.assign(process.env, ENV);
  vi.resetModules();
  const runtime = await import('../../../functions/runtime.js');
  const s = aShipment({ shipmentId: 'SHP-H2S', licenseId: 'LIC-1', customerId: 'CUST-A' });
  const held = asAccepted(s, 1);
  const edited = { ...held, status: 'SHIPPED', updatedBy: 'console-user' };
  const modify = {
    eventName: 'MODIFY',
    dynamodb: {
      SequenceNumber: '100',
      Keys: { shipmentId: { S: 'SHP-H2S' } },
      OldImage: marshall(held, { removeUndefinedValues: true }),
      NewImage: marshall(edited, { removeUndefinedValues: true }),
    },
  } as unknown as DynamoDBRecord;
  const opsAttempts: string[] = [];
  const ddb = vi
    .spyOn(runtime.documentClient, 'send')
    .mockImplementation((async () => ({ Items: [], Responses: {} })) as never);
  const sns = vi.spyOn(runtime.snsClient, 'send').mockImplementation((async (command: {
    input: { TopicArn?: string; Subject?: string; PublishBatchRequestEntries?: { Subject?: string }[] };
  }) => {
    if (command.input.TopicArn === OPS) {
      for (const e of command.input.PublishBatchRequestEntries ?? [command.input])
        opsAttempts.push(String(e.Subject));
      // The ops topic's key no longer lets the function's role publish.
      if (opsRefuses)
        throw Object.assign(new Error('User is not authorized to perform kms:GenerateDataKey'), {
          name: 'KMSAccessDeniedException',
        });
    }
    return { Failed: [], Successful: [], MessageId: 'm' };
  }) as never);
  let thrown: unknown;
  try {
    const { handler } = await import('../../../functions/shipment-events.js');
    await handler(
      { Records: [modify] } as DynamoDBStreamEvent,
      {
        functionName: 'shipment-events',
        awsRequestId: 'r',
        getRemainingTimeInMillis: () => 120_000,
      } as never,
    ).catch((e: unknown) => {
      thrown = e;
    });
  } finally {
    ddb.mockRestore();
    sns.mockRestore();
  }
  const docs = emfDocuments<Record<string, unknown>>(written()).filter(
    (d) => d.service === 'shipment-events',
  );
  return { opsAttempts, thrown, docs };
}

/** What the HeldToShippedRejected alarm reads: EditsRejected with Severity = high, summed. */
const highCount = (docs: readonly Record<string, unknown>[]) =>
  docs
    .filter((d) => d.Severity === 'high' && typeof d.EditsRejected === 'number')
    .reduce((n, d) => n + Number(d.EditsRejected), 0);

const shown = (docs: readonly Record<string, unknown>[]) =>
  `EMF: ${JSON.stringify(docs.map(({ _aws, ...rest }) => rest))}`;

it('counts a HELD → SHIPPED rejection where HeldToShippedRejected reads it even when the ops topic refuses the alert', async () => {
  const { opsAttempts, thrown, docs } = await heldToShipped(true);
  // The system did judge it a HIGH SEVERITY HELD → SHIPPED rejection and tried to tell ops.
  expect(opsAttempts.some((t) => /HIGH SEVERITY: Shipment SHP-H2S: status edit HELD → SHIPPED/.test(t))).toBe(
    true,
  );
  expect(thrown, 'the ops topic refused: the batch fails and the stream retries it').toBeDefined();
  expect(highCount(docs), shown(docs)).toBe(1);
}, 60_000);

it('counts a HELD → SHIPPED rejection whose alert the ops topic takes exactly once', async () => {
  const { opsAttempts, thrown, docs } = await heldToShipped(false);
  expect(opsAttempts.some((t) => /HIGH SEVERITY: Shipment SHP-H2S: status edit HELD → SHIPPED/.test(t))).toBe(
    true,
  );
  expect(thrown).toBeUndefined();
  expect(highCount(docs), shown(docs)).toBe(1);
  // Every rejection of the batch, this one included, in the batch's own EditsRejected (no Severity).
  const batch = docs.filter((d) => d.Severity === undefined && typeof d.EditsRejected === 'number');
  expect(batch.map((d) => d.EditsRejected)).toEqual([1]);
}, 60_000);
