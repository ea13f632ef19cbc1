import { describe, expect, it } from 'vitest';
import {
  compileFilterCriteria,
  compileFilterPattern,
  FilterPatternError,
  matchesFilterPattern,
} from '../../../local/filter-pattern.js';

const record = (status: string | undefined, extra: Record<string, unknown> = {}) => ({
  eventName: 'MODIFY',
  dynamodb: {
    Keys: { licenseId: { S: 'LIC-1' } },
    NewImage: {
      licenseId: { S: 'LIC-1' },
      ...(status === undefined ? {} : { status: { S: status } }),
      authorizedQuantity: { N: '40' },
      ...extra,
    },
  },
});

describe('filter pattern matcher', () => {
  it('matches an exact value and treats a list as OR', () => {
    expect(matchesFilterPattern({ eventName: ['INSERT', 'MODIFY'] }, record('APPROVED'))).toBe(true);
    expect(matchesFilterPattern({ eventName: ['INSERT'] }, record('APPROVED'))).toBe(false);
  });

  it('matches nested objects down to DynamoDB attribute values', () => {
    const pattern = { dynamodb: { NewImage: { status: { S: ['APPROVED', 'SUSPENDED'] } } } };
    expect(matchesFilterPattern(pattern, record('APPROVED'))).toBe(true);
    expect(matchesFilterPattern(pattern, record('DENIED'))).toBe(false);
    expect(matchesFilterPattern(pattern, record(undefined))).toBe(false);
  });

  it('requires every field of the pattern to match', () => {
    const pattern = { eventName: ['MODIFY'], dynamodb: { NewImage: { status: { S: ['APPROVED'] } } } };
    expect(matchesFilterPattern(pattern, record('APPROVED'))).toBe(true);
    expect(matchesFilterPattern({ ...pattern, eventName: ['REMOVE'] }, record('APPROVED'))).toBe(false);
  });

  it('matches exists true and false on leaf values, including under a missing parent', () => {
    const has = { dynamodb: { NewImage: { status: { S: [{ exists: true }] } } } };
    const lacks = { dynamodb: { NewImage: { status: { S: [{ exists: false }] } } } };
    expect(matchesFilterPattern(has, record('APPROVED'))).toBe(true);
    expect(matchesFilterPattern(has, record(undefined))).toBe(false);
    expect(matchesFilterPattern(lacks, record(undefined))).toBe(true);
    expect(matchesFilterPattern(lacks, record('APPROVED'))).toBe(false);
    expect(
      matchesFilterPattern({ dynamodb: { OldImage: { status: { S: [{ exists: false }] } } } }, record('X')),
    ).toBe(true);
  });

  it('treats an attribute value object as an intermediate node, as Lambda does', () => {
    // Lambda's DynamoDB filtering docs: exists on `status` (not `status.S`) never matches.
    const has = { dynamodb: { NewImage: { status: [{ exists: true }] } } };
    const lacks = { dynamodb: { NewImage: { status: [{ exists: false }] } } };
    expect(matchesFilterPattern(has, record('APPROVED'))).toBe(false);
    expect(matchesFilterPattern(lacks, record('APPROVED'))).toBe(true);
    expect(
      matchesFilterPattern({ dynamodb: { NewImage: { status: [{ 'anything-but': 'X' }] } } }, record('A')),
    ).toBe(false);
  });

  it('matches anything-but with a value, a list and a prefix, never a missing field', () => {
    const status = (spec: unknown) => ({
      dynamodb: { NewImage: { status: { S: [{ 'anything-but': spec }] } } },
    });
    expect(matchesFilterPattern(status('PENDING'), record('APPROVED'))).toBe(true);
    expect(matchesFilterPattern(status('APPROVED'), record('APPROVED'))).toBe(false);
    expect(matchesFilterPattern(status(['DENIED', 'APPROVED']), record('APPROVED'))).toBe(false);
    expect(matchesFilterPattern(status({ prefix: 'APP' }), record('APPROVED'))).toBe(false);
    expect(matchesFilterPattern(status({ prefix: 'SUS' }), record('APPROVED'))).toBe(true);
    expect(matchesFilterPattern(status('PENDING'), record(undefined))).toBe(false);
  });

  it('matches prefix', () => {
    const pattern = { dynamodb: { Keys: { licenseId: { S: [{ prefix: 'LIC-' }] } } } };
    expect(matchesFilterPattern(pattern, record('APPROVED'))).toBe(true);
    expect(
      matchesFilterPattern({ dynamodb: { Keys: { licenseId: { S: [{ prefix: 'X' }] } } } }, record('A')),
    ).toBe(false);
  });

  it('matches numeric ranges on JSON numbers only, never on DynamoDB N strings', () => {
    const qty = (spec: unknown[]) => ({
      dynamodb: { NewImage: { authorizedQuantity: { N: [{ numeric: spec }] } } },
    });
    // `"N": "40"` is a JSON string: Event Ruler's numeric matching works on JSON numbers only.
    expect(matchesFilterPattern(qty(['>', 0]), record('A'))).toBe(false);
    expect(matchesFilterPattern(qty(['=', 40]), record('A'))).toBe(false);
    const n = (spec: unknown[]) => ({ n: [{ numeric: spec }] });
    expect(matchesFilterPattern(n(['>', 0, '<=', 40]), { n: 40 })).toBe(true);
    expect(matchesFilterPattern(n(['<', 40]), { n: 40 })).toBe(false);
    expect(matchesFilterPattern(n(['=', 40]), { n: 40 })).toBe(true);
    expect(matchesFilterPattern(n(['=', 40]), { n: '40' })).toBe(false);
  });

  it('matches when any element of an array in the event matches', () => {
    expect(matchesFilterPattern({ tags: ['b'] }, { tags: ['a', 'b'] })).toBe(true);
    expect(matchesFilterPattern({ tags: ['c'] }, { tags: ['a', 'b'] })).toBe(false);
  });

  it('matches null and booleans exactly', () => {
    expect(matchesFilterPattern({ a: [null] }, { a: null })).toBe(true);
    expect(matchesFilterPattern({ a: [null] }, {})).toBe(false);
    expect(matchesFilterPattern({ a: [true] }, { a: true })).toBe(true);
    expect(matchesFilterPattern({ a: [true] }, { a: 'true' })).toBe(false);
  });

  it('accepts the JSON text of a FilterCriteria pattern and ORs several patterns', () => {
    const criteria = compileFilterCriteria(['{"eventName":["INSERT"]}', '{"eventName":["REMOVE"]}']);
    expect(criteria({ eventName: 'INSERT' })).toBe(true);
    expect(criteria({ eventName: 'REMOVE' })).toBe(true);
    expect(criteria({ eventName: 'MODIFY' })).toBe(false);
    expect(compileFilterCriteria([])({ eventName: 'MODIFY' })).toBe(true);
  });

  it.each([
    ['suffix', { eventName: [{ suffix: 'RT' }] }],
    ['equals-ignore-case', { eventName: [{ 'equals-ignore-case': 'insert' }] }],
    ['wildcard', { eventName: [{ wildcard: 'IN*' }] }],
    ['cidr', { ip: [{ cidr: '10.0.0.0/24' }] }],
    ['$or', { $or: [{ eventName: ['INSERT'] }, { eventName: ['REMOVE'] }] }],
    ['anything-but suffix', { eventName: [{ 'anything-but': { suffix: 'T' } }] }],
  ])('rejects the unsupported operator %s loudly', (_name, pattern) => {
    expect(() => compileFilterPattern(pattern)).toThrow(FilterPatternError);
  });

  it('rejects malformed patterns', () => {
    expect(() => compileFilterPattern('{not json')).toThrow(FilterPatternError);
    expect(() => compileFilterPattern({ eventName: 'INSERT' })).toThrow(FilterPatternError);
    expect(() => compileFilterPattern({ eventName: [] })).toThrow(FilterPatternError);
    expect(() => compileFilterPattern({ n: [{ numeric: ['~', 1] }] })).toThrow(FilterPatternError);
    expect(() => compileFilterPattern({ n: [{ exists: 'yes' }] })).toThrow(FilterPatternError);
  });
});
