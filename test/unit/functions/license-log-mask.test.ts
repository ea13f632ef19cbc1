/**
 * license-events logs `license applied` with the outcome,
 * whose `reason` quotes the rejected status through showValue. SECURITY.md
 * ("No customer contact data in logs") and ARCHITECTURE.md ("Rejections quote
 * what the admin typed, cut to 80 characters and with email addresses masked
 * (`showValue`): the quote goes into `statusError`, ops alerts and the
 * handlers' logs") promise the address is masked, an address with an
 * accented letter too. The handler runs as Lambda runs it, over stubbed AWS clients, with
 * its INFO log captured from stdout.
 */
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { expect, it, vi } from 'vitest';

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
  POWERTOOLS_TRACE_ENABLED: 'false',
  POWERTOOLS_LOG_LEVEL: 'INFO',
  POWERTOOLS_METRICS_DISABLED: 'true',
  AWS_REGION: 'us-east-1',
};

const TYPED_STATUS = 'APPROVED per josé.garcia@export-authority.example';

const license = {
  licenseId: 'LIC-LOG',
  licenseNumber: 'N-1',
  customerId: 'C1',
  sku: 'H20',
  destinationCountry: 'CN',
  authorizedQuantity: 10,
  validFrom: '2020-01-01T00:00:00Z',
  validUntil: '2099-01-01T00:00:00Z',
  status: TYPED_STATUS,
  appliedStatus: 'PENDING',
};
const image = (plain: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(plain).map(([k, v]) => [k, typeof v === 'number' ? { N: String(v) } : { S: String(v) }]),
  );

it('logs the rejected status with its email address masked (`license applied`, outcome.reason)', async () => {
  Object.assign(process.env, ENV);
  // Its own module graph: the handler's logger takes the log level at import, and another file of this worker
  // may have imported the handler with the level SILENT.
  vi.resetModules();
  const runtime = await import('../../../functions/runtime.js');
  const ddb = vi.spyOn(runtime.documentClient, 'send').mockImplementation((async (command: {
    constructor: { name: string };
  }) => {
    if (command.constructor.name === 'GetCommand') return { Item: { ...license } };
    return { Items: [], Attributes: {} };
  }) as never);
  const sns = vi.spyOn(runtime.snsClient, 'send').mockImplementation((async () => ({
    Failed: [],
    Successful: [],
  })) as never);
  const lines: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation(((chunk: unknown) => {
    lines.push(String(chunk));
    return true;
  }) as never);
  const log = vi.spyOn(console, 'info').mockImplementation((...args: unknown[]) => {
    lines.push(args.map(String).join(' '));
  });
  try {
    const { lambdaHandler } = await import('../../../functions/license-events.js');
    const record = {
      eventName: 'MODIFY',
      dynamodb: {
        SequenceNumber: '1',
        Keys: { licenseId: { S: 'LIC-LOG' } },
        NewImage: image(license),
        OldImage: image({ ...license, status: 'PENDING' }),
      },
    } as DynamoDBRecord;
    await lambdaHandler(
      { Records: [record] } as DynamoDBStreamEvent,
      {
        getRemainingTimeInMillis: () => 900_000,
      } as never,
    );
  } finally {
    write.mockRestore();
    log.mockRestore();
    ddb.mockRestore();
    sns.mockRestore();
  }
  const applied = lines.filter((l) => l.includes('license applied'));
  expect(applied.join('\n')).toContain('"kind":"rejected"');
  // The address masked, as an ASCII one is (j***@export-authority.example).
  expect(applied.join('\n')).not.toContain('josé');
}, 60_000);
