/**
 * SECURITY.md promises "No customer contact data in logs:
 * handlers log ids, counts and outcomes only, never item images", and
 * test/security/log-hygiene.test.ts seeds a statusReason quoting an email
 * address to hold the handlers to it. When shipment-history cannot write the
 * first History entry of a batch (History throttled past its patience, a
 * refused write), it throws the HistoryAppendError, whose `unwritten` holds
 * every entry (not enumerable, so not logged): `actor` (updatedBy), `reason` and
 * `trigger.reason` (the admins' statusReason, free text). The Lambda Node.js
 * runtime logs an uncaught error as `Invoke Error` with
 * `JSON.stringify(error, _withEnumerableProperties)` (aws-lambda-nodejs-
 * runtime-interface-client, src/Errors.js `toFormatted`), which copies every
 * enumerable property into the CloudWatch log line: an enumerable field would
 * put the entries in the function's log. The handler runs here as Lambda runs it, over a stubbed
 * DynamoDB client that refuses the write.
 */
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { expect, it, vi } from 'vitest';

const ENV = {
  HISTORY_TABLE: 'H',
  POWERTOOLS_TRACE_ENABLED: 'false',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  POWERTOOLS_METRICS_DISABLED: 'true',
  AWS_REGION: 'us-east-1',
};

const REASON_EMAIL = 'licensing.desk@export-authority.example';

/** The Lambda Node.js runtime's `toFormatted` (RIC src/Errors.js): how an uncaught error is written to the log. */
function asLambdaLogsIt(error: unknown): string {
  const withEnumerable = (v: unknown) =>
    v instanceof Error
      ? Object.assign(
          { errorType: v.name, errorMessage: v.message, code: (v as { code?: unknown }).code },
          v,
          typeof v.stack === 'string' ? { stack: v.stack.split('\n') } : {},
        )
      : v;
  return `\t${JSON.stringify(error, (_k, v) => withEnumerable(v))}`;
}

const shipment = {
  shipmentId: 'SHP-1',
  licenseId: 'LIC-1',
  customerId: 'CUST-1',
  sku: 'H20',
  warehouseId: 'WH-1',
  quantity: 10,
  priority: 1,
  requestedAt: '2026-01-01T00:00:00Z',
  consigneeEmail: 'receiving.dock@buyer-one.example',
};
// A release under a license approved with a statusReason that quotes an email address, as the system stamps it.
const released = {
  ...shipment,
  status: 'RELEASED',
  countedStatus: 'RELEASED',
  revision: 2,
  releasedAt: '2026-06-01T12:00:00.000Z',
  changedAt: '2026-06-01T12:00:00.000Z',
  decision: {
    actor: 'clearance',
    trigger: {
      eventType: 'LICENSE_APPROVED',
      actor: 'alice',
      reason: `approved, see mail from ${REASON_EMAIL}`,
    },
  },
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

it('keeps the unwritten History entries, and the statusReason they quote, out of the log line of the failed invocation', async () => {
  Object.assign(process.env, ENV);
  const runtime = await import('../../../functions/runtime.js');
  const ddb = vi.spyOn(runtime.documentClient, 'send').mockImplementation((async () => {
    throw Object.assign(new Error('User is not authorized to perform: dynamodb:PutItem'), {
      name: 'AccessDeniedException',
    });
  }) as never);
  let thrown: unknown;
  try {
    const { lambdaHandler } = await import('../../../functions/shipment-history.js');
    await lambdaHandler({ Records: [record] } as DynamoDBStreamEvent);
  } catch (error) {
    thrown = error;
  } finally {
    ddb.mockRestore();
  }
  // The invocation fails (the stream retries the batch), and Lambda writes the error to the function's log.
  expect(thrown).toBeInstanceOf(Error);
  const logLine = asLambdaLogsIt(thrown);
  expect(logLine).toContain('History entries not written');
  // Expected: ids, counts and the reason only, never what an admin typed into statusReason.
  expect(logLine).not.toContain(REASON_EMAIL);
  // The entries are still there for the callers that append them again.
  expect((thrown as { unwritten?: readonly unknown[] }).unwritten?.length).toBeGreaterThan(0);
}, 60_000);
