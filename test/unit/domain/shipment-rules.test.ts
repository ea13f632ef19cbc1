import { describe, expect, test } from 'vitest';
import { SHIPMENT_STATUSES, type ShipmentStatus } from '../../../shared/domain/model.js';
import { judgeShipmentStatus } from '../../../shared/domain/shipment-rules.js';

type Counted = ShipmentStatus | undefined;
type Expected = 'accept' | 'legal' | 'unchanged' | 'illegal' | 'illegal-high';

/** The full (countedStatus × status) matrix for manual edits, written out from docs/data-contract.md. */
const EXPECTED: Record<string, Record<ShipmentStatus, Expected>> = {
  undefined: { HELD: 'accept', RELEASED: 'illegal', SHIPPED: 'illegal', CANCELLED: 'illegal' },
  HELD: { HELD: 'unchanged', RELEASED: 'illegal', SHIPPED: 'illegal-high', CANCELLED: 'legal' },
  RELEASED: { HELD: 'illegal', RELEASED: 'unchanged', SHIPPED: 'legal', CANCELLED: 'legal' },
  SHIPPED: { HELD: 'illegal', RELEASED: 'illegal', SHIPPED: 'unchanged', CANCELLED: 'illegal' },
  CANCELLED: { HELD: 'illegal', RELEASED: 'illegal', SHIPPED: 'illegal', CANCELLED: 'unchanged' },
};

const COUNTED: readonly Counted[] = [undefined, ...SHIPMENT_STATUSES];
const MATRIX = COUNTED.flatMap((counted) =>
  SHIPMENT_STATUSES.map((status) => {
    const row = EXPECTED[String(counted)];
    if (!row) throw new Error(`no expected row for ${String(counted)}`);
    return { counted, status, expected: row[status] };
  }),
);

describe('judgeShipmentStatus: the full manual-edit matrix', () => {
  test('covers all 5 × 4 pairs', () => {
    expect(MATRIX).toHaveLength(20);
  });

  test('accepts a new shipment that starts as HELD', () => {
    expect(judgeShipmentStatus(undefined, 'HELD')).toEqual({ kind: 'accept' });
  });

  test.each(MATRIX.filter((c) => c.expected === 'unchanged'))(
    'treats $counted → $status as a no-op',
    ({ counted, status }) => {
      expect(judgeShipmentStatus(counted, status)).toEqual({ kind: 'unchanged' });
    },
  );

  test.each(MATRIX.filter((c) => c.expected === 'legal'))(
    'accepts the manual edit $counted → $status',
    ({ counted, status }) => {
      expect(judgeShipmentStatus(counted, status)).toEqual({ kind: 'legal', from: counted, to: status });
    },
  );

  test.each(MATRIX.filter((c) => c.expected === 'illegal' || c.expected === 'illegal-high'))(
    'rejects the manual edit $counted → $status ($expected)',
    ({ counted, status, expected }) => {
      const verdict = judgeShipmentStatus(counted, status);
      expect(verdict).toMatchObject({
        kind: 'illegal',
        from: counted,
        to: status,
        severity: expected === 'illegal-high' ? 'high' : 'normal',
      });
      if (verdict.kind !== 'illegal') return;
      if (counted === undefined) {
        expect(verdict.reason).toMatch(/new shipment must start as HELD/);
        expect(verdict.reason).toContain(status);
      } else {
        expect(verdict.reason).toContain(counted);
      }
      expect(verdict.reason).not.toMatch(/undefined|null|\[object/);
    },
  );
});

describe('judgeShipmentStatus: reasons', () => {
  test('rejects HELD → SHIPPED loudly as a possible export violation', () => {
    const verdict = judgeShipmentStatus('HELD', 'SHIPPED');
    expect(verdict).toMatchObject({ kind: 'illegal', severity: 'high' });
    if (verdict.kind !== 'illegal') return;
    expect(verdict.reason).toContain('HELD');
    expect(verdict.reason).toContain('SHIPPED');
    expect(verdict.reason).toMatch(/export violation/);
  });

  test('rejects HELD → RELEASED by hand because it bypasses the license check', () => {
    const verdict = judgeShipmentStatus('HELD', 'RELEASED');
    expect(verdict).toMatchObject({ kind: 'illegal', severity: 'normal' });
    if (verdict.kind !== 'illegal') return;
    expect(verdict.reason).toMatch(/bypass/);
    expect(verdict.reason).toMatch(/license/);
  });

  test('rejects RELEASED → HELD and lists what RELEASED may become', () => {
    const verdict = judgeShipmentStatus('RELEASED', 'HELD');
    expect(verdict.kind).toBe('illegal');
    if (verdict.kind !== 'illegal') return;
    expect(verdict.reason).toContain('SHIPPED');
    expect(verdict.reason).toContain('CANCELLED');
  });

  test.each(['SHIPPED', 'CANCELLED'] as const)(
    'rejects any edit of a %s shipment and says it is final',
    (final) => {
      const verdict = judgeShipmentStatus(final, 'HELD');
      expect(verdict.kind).toBe('illegal');
      if (verdict.kind !== 'illegal') return;
      expect(verdict.reason).toMatch(/final/);
    },
  );
});

describe('judgeShipmentStatus: values outside the list', () => {
  test.each<{ label: string; value: unknown; to: string }>([
    { label: "lower case 'shipped'", value: 'shipped', to: 'shipped' },
    { label: "a typo 'SHIPED'", value: 'SHIPED', to: 'SHIPED' },
    { label: 'an empty string', value: '', to: '' },
    { label: 'the number 1', value: 1, to: '1' },
    { label: 'undefined (attribute removed)', value: undefined, to: 'undefined' },
    { label: 'null', value: null, to: 'null' },
  ])('rejects $label and names the valid statuses', ({ value, to }) => {
    for (const counted of COUNTED) {
      const verdict = judgeShipmentStatus(counted, value);
      expect(verdict).toMatchObject({ kind: 'illegal', from: counted, to, severity: 'normal' });
      if (verdict.kind !== 'illegal') continue;
      expect(verdict.reason).toMatch(/HELD, RELEASED, SHIPPED, CANCELLED/);
    }
  });
});
