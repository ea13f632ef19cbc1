import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { type NumberValue, unmarshall } from '@aws-sdk/util-dynamodb';
import type { RawItem } from '../domain/ports.js';

type Image = Record<string, AttributeValue> | undefined;

/**
 * Turns a stream image into a plain item. Numbers beyond the safe range become
 * imprecise JS numbers instead of throwing, so validation can reject them with
 * a reason rather than the batch crashing.
 */
export function fromImage(image: Image | Record<string, unknown>): RawItem | undefined {
  if (!image) return undefined;
  const item = unmarshall(image as Record<string, AttributeValue>, { wrapNumbers: true });
  return plain(item) as RawItem;
}

function plain(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (isNumberValue(value)) return Number(value.value);
  if (Array.isArray(value)) return value.map(plain);
  if (value instanceof Set) return new Set([...value].map(plain));
  if (value instanceof Uint8Array) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
}

const isNumberValue = (v: object): v is NumberValue =>
  (v as { constructor?: { name?: string } }).constructor?.name === 'NumberValue' &&
  typeof (v as NumberValue).value === 'string';

/** ApproximateCreationDateTime (epoch seconds) as ISO, or now. */
export const recordTime = (seconds: number | undefined): string =>
  new Date(seconds !== undefined ? seconds * 1000 : Date.now()).toISOString();
