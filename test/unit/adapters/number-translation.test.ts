/**
 * The one translation of Numbers every reader of the tables uses (the
 * handlers' document client, the stream images, the CLI): a Number a double
 * cannot hold exactly is read as typed, and written back as typed, so a
 * write conditional on the value found (a rejection's write-back) matches
 * the item stored.
 */
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { documentTranslation, numberFromText } from '../../../shared/adapters/numbers.js';
import { fromImage } from '../../../shared/adapters/stream.js';
import { isInexactNumber } from '../../../shared/domain/numbers.js';

const { marshallOptions, unmarshallOptions } = documentTranslation();

describe('numberFromText', () => {
  it('reads a Number a double holds exactly as a JS number, 10^30 included', () => {
    expect(numberFromText('42')).toBe(42);
    expect(numberFromText('1000.0')).toBe(1000);
    expect(numberFromText('1000000000000000000000000000000')).toBe(1e30);
  });

  it('reads 1000.0000000000000000001 as an inexact number, never as 1000', () => {
    const read = numberFromText('1000.0000000000000000001');
    expect(isInexactNumber(read)).toBe(true);
    expect(String(read)).toBe('1000.0000000000000000001');
  });
});

describe('documentTranslation', () => {
  it('gives each client options of its own, which the stream images never share', () => {
    // lib-dynamodb writes convertWithoutMapWrapper into the unmarshallOptions it is given: shared with
    // fromImage, that made every stream image unreadable ("Unsupported type passed: quantity").
    const mine = documentTranslation();
    expect(documentTranslation().unmarshallOptions).not.toBe(mine.unmarshallOptions);
    Object.assign(mine.unmarshallOptions, { convertWithoutMapWrapper: true });
    expect(fromImage({ quantity: { N: '10' } })).toEqual({ quantity: 10 });
  });

  it('writes an inexact number back as the very Number it was read from', () => {
    const item = unmarshall(
      { q: { N: '1000.0000000000000000001' }, v: { N: '12345678901234567.5' } },
      unmarshallOptions,
    );
    expect(marshall(item, marshallOptions)).toEqual({
      q: { N: '1000.0000000000000000001' },
      v: { N: '12345678901234567.5' },
    });
  });

  it('writes a double beyond the safe range back (1e30 as 1e+30, the same DynamoDB Number) instead of throwing', () => {
    const item = unmarshall({ q: { N: '1000000000000000000000000000000' } }, unmarshallOptions);
    expect(marshall(item, marshallOptions)).toEqual({ q: { N: '1e+30' } });
  });

  it('gives JSON (a --json listing) the inexact number as its digits, and never a BigInt', () => {
    const item = unmarshall(
      { q: { N: '12345678901234567.5' }, big: { N: '1000000000000000000000000000000' } },
      unmarshallOptions,
    );
    expect(JSON.stringify(item)).toBe('{"q":"12345678901234567.5","big":1e+30}');
  });
});
