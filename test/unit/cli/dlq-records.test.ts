import type { _Record } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import {
  batchItemFailures,
  chunkRecords,
  compareSequence,
  type FailureRecord,
  parseDlqMessage,
  summarizeFailure,
  tableOfStream,
  toLambdaRecord,
} from '../../../cli/dlq-records.js';

const STREAM =
  'arn:aws:dynamodb:eu-west-1:123456789012:table/Clearance-TablesShipments1A2B-XYZ/stream/2026-11-27T00:00:00.000';

/** An on-failure record as Lambda writes it to an SQS destination for a DynamoDB stream mapping. */
function awsFailureRecord(
  overrides: Partial<FailureRecord['DDBStreamBatchInfo']> = {},
): Record<string, unknown> {
  return {
    requestContext: {
      requestId: '316aa6d0-8154-xmpl-9af7-85d5f4a6bc81',
      functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:Clearance-ShipmentEvents1234',
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: 3,
    },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    version: '1.0',
    timestamp: '2026-11-27T10:15:00.000Z',
    DDBStreamBatchInfo: {
      shardId: 'shardId-00000001573689847184-864758bb',
      startSequenceNumber: '800000000003126276362',
      endSequenceNumber: '800000000003126276370',
      approximateArrivalOfFirstRecord: '2026-11-27T10:14:01Z',
      approximateArrivalOfLastRecord: '2026-11-27T10:14:02Z',
      batchSize: 4,
      streamArn: STREAM,
      ...overrides,
    },
  };
}

describe('parseDlqMessage', () => {
  it('reads an on-failure record in the AWS shape', () => {
    const entry = parseDlqMessage({
      MessageId: 'm1',
      ReceiptHandle: 'r1',
      Body: JSON.stringify(awsFailureRecord()),
    });
    expect(entry.ok).toBe(true);
    expect(entry.ok && entry.record.DDBStreamBatchInfo.batchSize).toBe(4);
    expect(entry.receiptHandle).toBe('r1');
  });

  it('rejects a body that is not JSON', () => {
    const entry = parseDlqMessage({ MessageId: 'm1', Body: 'hello' });
    expect(entry.ok).toBe(false);
    expect(!entry.ok && entry.problems).toEqual(['the body is not JSON']);
  });

  it('rejects a record without batch info, naming what is missing', () => {
    const { DDBStreamBatchInfo: _, ...rest } = awsFailureRecord();
    const entry = parseDlqMessage({ MessageId: 'm1', Body: JSON.stringify(rest) });
    expect(!entry.ok && entry.problems.join(' ')).toMatch(/DDBStreamBatchInfo is missing/);
  });

  it('rejects sequence numbers that are not digits', () => {
    const entry = parseDlqMessage({ Body: JSON.stringify(awsFailureRecord({ startSequenceNumber: 'abc' })) });
    expect(!entry.ok && entry.problems.join(' ')).toMatch(/startSequenceNumber must be digits/);
  });
});

describe('summarizeFailure', () => {
  const record = (): FailureRecord => {
    const entry = parseDlqMessage({ Body: JSON.stringify(awsFailureRecord()) });
    if (!entry.ok) throw new Error('fixture must parse');
    return entry.record;
  };

  it('says which stream, which range, when and why', () => {
    const summary = summarizeFailure(record(), new Date('2026-11-27T11:00:00Z'));
    expect(summary).toMatchObject({
      table: 'Clearance-TablesShipments1A2B-XYZ',
      shardId: 'shardId-00000001573689847184-864758bb',
      startSequenceNumber: '800000000003126276362',
      endSequenceNumber: '800000000003126276370',
      batchSize: 4,
      failedAt: '2026-11-27T10:15:00.000Z',
      functionName: 'Clearance-ShipmentEvents1234',
      expired: false,
    });
    expect(summary.why).toBe(
      'retries exhausted after 3 attempts: the function threw an error (see its logs around this time)',
    );
  });

  it('explains a record-age failure', () => {
    const r = record();
    r.requestContext.condition = 'RecordAgeExceeded';
    expect(summarizeFailure(r, new Date('2026-11-27T11:00:00Z')).why).toMatch(
      /older than the mapping's maximum record age/,
    );
  });

  it('marks a range whose last record is older than the 24-hour stream retention as expired', () => {
    expect(summarizeFailure(record(), new Date('2026-11-28T10:14:03Z'))).toMatchObject({
      expired: true,
      partlyExpired: false,
    });
  });

  it('marks a range whose first records only are past retention as partly expired, not expired: its rest can be redriven', () => {
    // First record 10:14:01, last 10:14:02: at 10:14:02 the next day the first is past 24 h, the last not.
    expect(summarizeFailure(record(), new Date('2026-11-28T10:14:01.500Z'))).toMatchObject({
      expired: false,
      partlyExpired: true,
    });
  });

  it('falls back to the ARN when it is not a table stream ARN', () => {
    expect(tableOfStream('arn:aws:kinesis:x')).toBe('arn:aws:kinesis:x');
  });
});

describe('compareSequence', () => {
  it('orders decimal sequence numbers numerically, whatever their length', () => {
    expect(compareSequence('99', '100')).toBe(-1);
    expect(compareSequence('800000000003126276370', '800000000003126276362')).toBe(1);
    expect(compareSequence('42', '42')).toBe(0);
  });
});

describe('toLambdaRecord', () => {
  it('builds the record Lambda delivers: epoch seconds, base64 binary, the stack region and stream ARN', () => {
    const record: _Record = {
      eventID: 'e1',
      eventName: 'MODIFY',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'ddblocal',
      dynamodb: {
        ApproximateCreationDateTime: new Date('2026-11-27T10:14:01.900Z'),
        Keys: { shipmentId: { S: 'SHP-1' } },
        NewImage: {
          shipmentId: { S: 'SHP-1' },
          quantity: { N: '5' },
          blob: { B: new Uint8Array([1, 2, 3]) },
          tags: { L: [{ S: 'a' }, { M: { n: { N: '1' } } }] },
        },
        OldImage: { shipmentId: { S: 'SHP-1' }, quantity: { N: '5' } },
        SequenceNumber: '100',
        SizeBytes: 64,
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    };
    expect(toLambdaRecord(record, STREAM, 'eu-west-1')).toEqual({
      eventID: 'e1',
      eventName: 'MODIFY',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'eu-west-1',
      eventSourceARN: STREAM,
      dynamodb: {
        ApproximateCreationDateTime: 1795774441,
        Keys: { shipmentId: { S: 'SHP-1' } },
        NewImage: {
          shipmentId: { S: 'SHP-1' },
          quantity: { N: '5' },
          blob: { B: 'AQID' },
          tags: { L: [{ S: 'a' }, { M: { n: { N: '1' } } }] },
        },
        OldImage: { shipmentId: { S: 'SHP-1' }, quantity: { N: '5' } },
        SequenceNumber: '100',
        SizeBytes: 64,
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    });
  });

  it('rejects a record without a sequence number', () => {
    expect(() => toLambdaRecord({ dynamodb: {} }, STREAM, 'eu-west-1')).toThrow(/SequenceNumber/);
  });
});

describe('chunkRecords', () => {
  const rec = (n: number, pad = 0): DynamoDBRecord => ({
    eventID: String(n),
    dynamodb: { SequenceNumber: String(n), NewImage: { p: { S: 'x'.repeat(pad) } } },
  });

  it('splits by count and keeps order', () => {
    const chunks = chunkRecords(
      Array.from({ length: 250 }, (_, i) => rec(i)),
      100,
    );
    expect(chunks.map((c) => c.length)).toEqual([100, 100, 50]);
    expect(chunks.flat().map((r) => r.eventID)).toEqual(Array.from({ length: 250 }, (_, i) => String(i)));
  });

  it('splits before an event would pass 4 MB', () => {
    const chunks = chunkRecords(Array.from({ length: 5 }, (_, i) => rec(i, 1_500_000)));
    expect(chunks.map((c) => c.length)).toEqual([2, 2, 1]);
  });
});

describe('batchItemFailures', () => {
  it('reads the item identifiers of a partial batch response', () => {
    expect(
      batchItemFailures({ batchItemFailures: [{ itemIdentifier: '7' }, { itemIdentifier: '9' }] }),
    ).toEqual(['7', '9']);
  });

  it('treats an empty or missing response as success, as Lambda does', () => {
    expect(batchItemFailures({ batchItemFailures: [] })).toEqual([]);
    expect(batchItemFailures(undefined)).toEqual([]);
    expect(batchItemFailures('ok')).toEqual([]);
  });
});
