/**
 * Request sizes as AWS counts them against its limits: DynamoDB items by the
 * documented rules, SNS and SQS messages with their attributes.
 */
import { isRecord } from './common.js';

/** Bytes of `s` in UTF-8 (native; a lone surrogate counts as its 3-byte replacement). */
export const utf8Length = (s: string): number => Buffer.byteLength(s, 'utf8');

/** Raw length of a binary value: base64 text as it travels in JSON, or bytes. */
export function binaryLength(value: unknown): number {
  if (value instanceof Uint8Array) return value.byteLength;
  if (typeof value !== 'string') return 0;
  let end = value.length;
  while (end > 0 && value.charCodeAt(end - 1) === 61 /* = */) end--;
  return Math.floor((end * 3) / 4);
}

export interface ParsedNumber {
  negative: boolean;
  /** Significant digits, no leading or trailing zeros; '' for zero. */
  digits: string;
  /** The value is 0.digits × 10^exponent. */
  exponent: number;
}

const NUMBER = /^\s*([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/;

export function parseNumber(text: string): ParsedNumber | undefined {
  const m = NUMBER.exec(text);
  if (!m) return undefined;
  const whole = m[2] ?? '';
  const fraction = m[3] ?? '';
  if (whole === '' && fraction === '') return undefined;
  const all = whole + fraction;
  const first = all.search(/[1-9]/);
  if (first === -1) return { negative: false, digits: '', exponent: 0 };
  const digits = all.slice(first).replace(/0+$/, '');
  return { negative: m[1] === '-', digits, exponent: Number(m[4] ?? '0') + whole.length - first };
}

/** DynamoDB's documented estimate: 1 byte per two significant digits, plus 1. */
function numberSize(text: unknown): number {
  if (typeof text !== 'string') return 0;
  const parsed = parseNumber(text);
  if (!parsed) return utf8Length(text);
  return Math.ceil(Math.max(parsed.digits.length, 1) / 2) + 1;
}

const sumOf = (value: unknown, size: (member: unknown) => number): number =>
  Array.isArray(value) ? value.reduce((total: number, member) => total + size(member), 0) : 0;

/** Size of one AttributeValue ({ S: 'x' }, { M: {...} }, ...) without its name. */
export function valueSize(value: unknown): number {
  if (!isRecord(value)) return 0;
  for (const type in value) {
    const v = value[type];
    switch (type) {
      case 'S':
        return typeof v === 'string' ? utf8Length(v) : 0;
      case 'N':
        return numberSize(v);
      case 'B':
        return binaryLength(v);
      case 'BOOL':
      case 'NULL':
        return 1;
      case 'SS':
        return sumOf(v, (s) => (typeof s === 'string' ? utf8Length(s) : 0));
      case 'NS':
        return sumOf(v, numberSize);
      case 'BS':
        return sumOf(v, binaryLength);
      case 'L':
        return 3 + sumOf(v, (element) => 1 + valueSize(element));
      case 'M':
        return 3 + (isRecord(v) ? attributesSize(v) + Object.keys(v).length : 0);
    }
  }
  return 0;
}

/** Size of an item (or key, or any name → AttributeValue map): names plus values. */
export function attributesSize(attributes: Record<string, unknown>): number {
  let size = 0;
  for (const name in attributes) size += utf8Length(name) + valueSize(attributes[name]);
  return size;
}

export const itemSize = (item: unknown): number => (isRecord(item) ? attributesSize(item) : 0);

/**
 * Bytes a message weighs against the SNS or SQS size limit: the body plus,
 * for each attribute, its name, its data type and its value.
 */
export function messageSize(body: unknown, attributes: unknown): number {
  let size = typeof body === 'string' ? utf8Length(body) : 0;
  if (!isRecord(attributes)) return size;
  for (const name in attributes) {
    const attribute = attributes[name];
    size += utf8Length(name);
    if (!isRecord(attribute)) continue;
    if (typeof attribute.DataType === 'string') size += utf8Length(attribute.DataType);
    if (typeof attribute.StringValue === 'string') size += utf8Length(attribute.StringValue);
    size += binaryLength(attribute.BinaryValue);
  }
  return size;
}
