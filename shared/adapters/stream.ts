import type { AttributeValue as SdkAttributeValue } from '@aws-sdk/client-dynamodb';
import type {
  AttributeValue as StreamAttributeValue,
  _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { RawItem, ShipmentRecord } from '../domain/ports.js';
import { readNumbers } from './numbers.js';

type Image = Record<string, SdkAttributeValue> | undefined;

/**
 * Turns a stream image into a plain item, reading Numbers as the handlers'
 * document client does (shared/adapters/numbers.ts): a Number beyond the safe
 * range becomes an imprecise JS number and one with more digits than a double
 * holds an inexact number, instead of throwing, so validation rejects either
 * with a reason rather than the batch crashing.
 */
export function fromImage(image: Image | Record<string, unknown>): RawItem | undefined {
  if (!image) return undefined;
  return unmarshall(image as Record<string, SdkAttributeValue>, readNumbers()) as RawItem;
}

/** ApproximateCreationDateTime (epoch seconds) as ISO, or now. */
export const recordTime = (seconds: number | undefined): string =>
  new Date(seconds !== undefined ? seconds * 1000 : Date.now()).toISOString();

/**
 * The Shipments stream records of `event` as the shipment engine takes them
 * (shipment-events and shipment-history); a record without a key, sequence
 * number or event name is skipped.
 */
export function shipmentRecordsOf(event: DynamoDBStreamEvent): ShipmentRecord[] {
  const records: ShipmentRecord[] = [];
  for (const r of event.Records) {
    const shipmentId = r.dynamodb?.Keys?.shipmentId?.S;
    const sequence = r.dynamodb?.SequenceNumber;
    if (!shipmentId || !sequence || !r.eventName) continue;
    records.push({
      sequence,
      eventName: r.eventName,
      shipmentId,
      oldImage: fromImage(r.dynamodb?.OldImage),
      newImage: fromImage(r.dynamodb?.NewImage),
      at: recordTime(r.dynamodb?.ApproximateCreationDateTime),
    });
  }
  return records;
}

const base64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

function toLambdaAttribute(value: StreamAttributeValue): AttributeValue {
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.B !== undefined) return { B: base64(value.B) };
  if (value.SS !== undefined) return { SS: value.SS };
  if (value.NS !== undefined) return { NS: value.NS };
  if (value.BS !== undefined) return { BS: value.BS.map(base64) };
  if (value.M !== undefined) return { M: toLambdaImage(value.M) };
  if (value.L !== undefined) return { L: value.L.map(toLambdaAttribute) };
  if (value.NULL !== undefined) return { NULL: value.NULL };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  throw new TypeError(`unknown attribute value ${JSON.stringify(value)}`);
}

function toLambdaImage(image: Record<string, StreamAttributeValue>): Record<string, AttributeValue> {
  return Object.fromEntries(Object.entries(image).map(([k, v]) => [k, toLambdaAttribute(v)]));
}

/**
 * A DynamoDB Streams API record as Lambda delivers it: creation time in
 * epoch seconds, binary as base64, `eventSourceARN` set. `region` is the
 * stack's (DynamoDB Local reports its own).
 */
export function toLambdaRecord(record: StreamRecord, streamArn: string, region: string): DynamoDBRecord {
  const ddb = record.dynamodb;
  if (ddb?.SequenceNumber === undefined) throw new TypeError('stream record without dynamodb.SequenceNumber');
  const created = ddb.ApproximateCreationDateTime;
  return {
    eventID: record.eventID ?? ddb.SequenceNumber,
    eventName: record.eventName ?? 'MODIFY',
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: region,
    eventSourceARN: streamArn,
    dynamodb: {
      ...(created === undefined ? {} : { ApproximateCreationDateTime: Math.floor(created.getTime() / 1000) }),
      ...(ddb.Keys ? { Keys: toLambdaImage(ddb.Keys) } : {}),
      ...(ddb.NewImage ? { NewImage: toLambdaImage(ddb.NewImage) } : {}),
      ...(ddb.OldImage ? { OldImage: toLambdaImage(ddb.OldImage) } : {}),
      SequenceNumber: ddb.SequenceNumber,
      ...(ddb.SizeBytes === undefined ? {} : { SizeBytes: ddb.SizeBytes }),
      ...(ddb.StreamViewType ? { StreamViewType: ddb.StreamViewType } : {}),
    },
    ...(record.userIdentity
      ? {
          userIdentity: {
            type: record.userIdentity.Type ?? '',
            principalId: record.userIdentity.PrincipalId ?? '',
          },
        }
      : {}),
  };
}
