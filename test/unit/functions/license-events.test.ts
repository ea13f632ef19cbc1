/**
 * license-events' handling of the records of one batch, before any license is
 * applied: deletions, overwrites and new items. The handler runs as Lambda
 * runs it, over stubbed AWS clients (every call is recorded, none leaves).
 */
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';

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
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  POWERTOOLS_METRICS_DISABLED: 'true',
  AWS_REGION: 'us-east-1',
};

/** A license as the console writes it (plain values), and as a stream image carries it. */
const item = (licenseId: string, more: Record<string, unknown> = {}) => ({
  licenseId,
  licenseNumber: 'N-1',
  customerId: 'C1',
  sku: 'H20',
  destinationCountry: 'CN',
  authorizedQuantity: 10,
  validFrom: '2020-01-01T00:00:00Z',
  validUntil: '2099-01-01T00:00:00Z',
  status: 'APPROVED',
  ...more,
});
const image = (plain: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(plain).map(([k, v]) => [k, typeof v === 'number' ? { N: String(v) } : { S: String(v) }]),
  );
const record = (
  sequence: string,
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE',
  licenseId: string,
  images: { NewImage?: Record<string, unknown>; OldImage?: Record<string, unknown> },
): DynamoDBRecord =>
  ({
    eventName,
    dynamodb: {
      SequenceNumber: sequence,
      Keys: { licenseId: { S: licenseId } },
      ...(images.NewImage ? { NewImage: image(images.NewImage) } : {}),
      ...(images.OldImage ? { OldImage: image(images.OldImage) } : {}),
    },
  }) as DynamoDBRecord;

/** Runs the handler on `records`; the license table answers every read with `stored`. */
async function handle(
  records: DynamoDBRecord[],
  options: { stored?: (licenseId: string) => Record<string, unknown> | undefined; snsFails?: boolean } = {},
) {
  Object.assign(process.env, ENV);
  const runtime = await import('../../../functions/runtime.js');
  const calls: string[] = [];
  const ddb = vi.spyOn(runtime.documentClient, 'send').mockImplementation((async (command: {
    constructor: { name: string };
    input: { Key?: { licenseId?: string } };
  }) => {
    const id = command.input.Key?.licenseId;
    calls.push(`${command.constructor.name}${id ? `:${id}` : ''}`);
    if (command.constructor.name === 'GetCommand' && id) return { Item: options.stored?.(id) };
    return { Items: [] };
  }) as never);
  const sns = vi.spyOn(runtime.snsClient, 'send').mockImplementation((async () => {
    if (options.snsFails)
      throw Object.assign(new Error('KMS key disabled'), { name: 'KMSDisabledException' });
    return { Failed: [], Successful: [] };
  }) as never);
  try {
    const { lambdaHandler } = await import('../../../functions/license-events.js');
    const out = await lambdaHandler(
      { Records: records } as DynamoDBStreamEvent,
      {
        getRemainingTimeInMillis: () => 900_000,
      } as never,
    );
    return { out, calls };
  } finally {
    ddb.mockRestore();
    sns.mockRestore();
  }
}

const applied = item('LIC-RE', { appliedStatus: 'APPROVED', releasedQuantity: 5 });

describe('license-events: the records of one batch', () => {
  it('judges a license deleted and created again, though an earlier record of the batch showed it applied', async () => {
    const { calls } = await handle(
      [
        record('1', 'MODIFY', 'LIC-RE', { NewImage: applied, OldImage: applied }),
        record('2', 'REMOVE', 'LIC-RE', { OldImage: applied }),
        record('3', 'INSERT', 'LIC-RE', { NewImage: item('LIC-RE') }),
      ],
      { stored: () => item('LIC-RE') },
    );
    // Not left alone as an overwrite in flight: read, then judged as the new item it is.
    expect(calls[0]).toBe('GetCommand:LIC-RE');
    expect(calls.length).toBeGreaterThan(1);
  }, 60_000);

  it("reports a deletion whose alert cannot be sent as that record's failure, and still applies the others", async () => {
    const { out, calls } = await handle(
      [
        record('1', 'REMOVE', 'LIC-A', { OldImage: item('LIC-A', { appliedStatus: 'APPROVED' }) }),
        record('2', 'INSERT', 'LIC-B', { NewImage: item('LIC-B') }),
      ],
      { snsFails: true }, // LIC-B reads as gone (missing): nothing of it needs SNS
    );
    expect(out.batchItemFailures).toEqual([{ itemIdentifier: '1' }]);
    expect(calls).toContain('GetCommand:LIC-B');
  }, 60_000);

  it('reads a new license saved without a status (it is rejected), instead of taking it for settled', async () => {
    const { status: _s, ...noStatus } = item('LIC-NS');
    const { calls } = await handle([record('1', 'INSERT', 'LIC-NS', { NewImage: noStatus })], {
      stored: () => noStatus,
    });
    expect(calls).toContain('GetCommand:LIC-NS');
  }, 60_000);
});
