import { describe, expect, it, test } from 'vitest';
import {
  holdReasonFor,
  isSettledImage,
  judgeLicenseStatus,
  SETTLE_TOKEN_PREFIX,
  settleCheckAt,
  systemWroteStatus,
  workFor,
} from '../../../shared/domain/license-rules.js';
import { LICENSE_STATUSES, type LicenseStatus } from '../../../shared/domain/model.js';

type Applied = LicenseStatus | undefined;
/** What the verdict should be: `unchanged`, `illegal`, or legal with the shipment work it implies. */
type Expected = 'unchanged' | 'illegal' | 'release' | 'rehold' | 'none';

/**
 * The full (appliedStatus × status) matrix, written out by hand from
 * docs/data-contract.md rather than derived from the code under test.
 */
const EXPECTED: Record<string, Record<LicenseStatus, Expected>> = {
  undefined: {
    PENDING: 'none',
    APPROVED: 'release',
    DENIED: 'rehold',
    SUSPENDED: 'illegal',
    REVOKED: 'illegal',
    EXPIRED: 'illegal',
  },
  PENDING: {
    PENDING: 'unchanged',
    APPROVED: 'release',
    DENIED: 'rehold',
    SUSPENDED: 'illegal',
    REVOKED: 'illegal',
    EXPIRED: 'illegal',
  },
  APPROVED: {
    PENDING: 'illegal',
    APPROVED: 'unchanged',
    DENIED: 'illegal',
    SUSPENDED: 'rehold',
    REVOKED: 'rehold',
    EXPIRED: 'rehold',
  },
  SUSPENDED: {
    PENDING: 'illegal',
    APPROVED: 'release',
    DENIED: 'illegal',
    SUSPENDED: 'unchanged',
    REVOKED: 'rehold',
    EXPIRED: 'rehold',
  },
  DENIED: {
    PENDING: 'illegal',
    APPROVED: 'illegal',
    DENIED: 'unchanged',
    SUSPENDED: 'illegal',
    REVOKED: 'illegal',
    EXPIRED: 'illegal',
  },
  REVOKED: {
    PENDING: 'illegal',
    APPROVED: 'illegal',
    DENIED: 'illegal',
    SUSPENDED: 'illegal',
    REVOKED: 'unchanged',
    EXPIRED: 'illegal',
  },
  EXPIRED: {
    PENDING: 'illegal',
    APPROVED: 'illegal',
    DENIED: 'illegal',
    SUSPENDED: 'illegal',
    REVOKED: 'illegal',
    EXPIRED: 'unchanged',
  },
};

const APPLIED: readonly Applied[] = [undefined, ...LICENSE_STATUSES];
const MATRIX = APPLIED.flatMap((applied) =>
  LICENSE_STATUSES.map((status) => {
    const row = EXPECTED[String(applied)];
    if (!row) throw new Error(`no expected row for ${String(applied)}`);
    return { applied, status, expected: row[status] };
  }),
);

describe('judgeLicenseStatus: the full transition matrix', () => {
  test('covers all 7 × 6 pairs', () => {
    expect(MATRIX).toHaveLength(42);
  });

  test.each(MATRIX.filter((c) => c.expected === 'unchanged'))(
    'treats $applied → $status as a no-op (redelivered event)',
    ({ applied, status }) => {
      expect(judgeLicenseStatus(applied, status)).toEqual({ kind: 'unchanged', status });
    },
  );

  test.each(MATRIX.filter((c) => c.expected !== 'unchanged' && c.expected !== 'illegal'))(
    'accepts $applied → $status and implies $expected work',
    ({ applied, status, expected }) => {
      expect(judgeLicenseStatus(applied, status)).toEqual({
        kind: 'legal',
        from: applied,
        to: status,
        work: expected,
      });
    },
  );

  test.each(MATRIX.filter((c) => c.expected === 'illegal'))(
    'rejects $applied → $status with a reason that names both statuses',
    ({ applied, status }) => {
      const verdict = judgeLicenseStatus(applied, status);
      expect(verdict).toMatchObject({ kind: 'illegal', from: applied, to: status });
      if (verdict.kind !== 'illegal') return;
      expect(verdict.reason).toContain(status);
      if (applied === undefined) expect(verdict.reason).toMatch(/new license/i);
      else expect(verdict.reason).toContain(applied);
      expect(verdict.reason).not.toMatch(/undefined|null|\[object/);
    },
  );
});

describe('judgeLicenseStatus: reasons tell the admin what to do', () => {
  test('rejects an insert as SUSPENDED and lists the statuses a new license may start with', () => {
    const verdict = judgeLicenseStatus(undefined, 'SUSPENDED');
    expect(verdict.kind).toBe('illegal');
    if (verdict.kind !== 'illegal') return;
    for (const s of ['PENDING', 'APPROVED', 'DENIED']) expect(verdict.reason).toContain(s);
  });

  test('rejects APPROVED → PENDING and lists the statuses APPROVED may become', () => {
    const verdict = judgeLicenseStatus('APPROVED', 'PENDING');
    expect(verdict.kind).toBe('illegal');
    if (verdict.kind !== 'illegal') return;
    for (const s of ['SUSPENDED', 'REVOKED', 'EXPIRED']) expect(verdict.reason).toContain(s);
  });

  test.each(['DENIED', 'REVOKED', 'EXPIRED'] as const)(
    'rejects any change away from %s and says the status is final',
    (final) => {
      const verdict = judgeLicenseStatus(final, 'APPROVED');
      expect(verdict.kind).toBe('illegal');
      if (verdict.kind !== 'illegal') return;
      expect(verdict.reason).toMatch(/final/);
    },
  );
});

describe('judgeLicenseStatus: values outside the list', () => {
  const ALL_STATUSES = /PENDING, APPROVED, DENIED, SUSPENDED, REVOKED, EXPIRED/;

  test.each<{ label: string; value: unknown; to: string }>([
    { label: "a typo 'APPROVD'", value: 'APPROVD', to: 'APPROVD' },
    { label: 'an empty string', value: '', to: '' },
    { label: 'the number 1', value: 1, to: '1' },
    { label: 'undefined (attribute removed)', value: undefined, to: 'undefined' },
    { label: 'null', value: null, to: 'null' },
    { label: 'an object', value: { S: 'APPROVED' }, to: '{"S":"APPROVED"}' },
  ])('rejects $label and names the valid statuses', ({ value, to }) => {
    for (const applied of APPLIED) {
      const verdict = judgeLicenseStatus(applied, value);
      expect(verdict).toMatchObject({ kind: 'illegal', from: applied, to });
      if (verdict.kind !== 'illegal') continue;
      expect(verdict.reason).toMatch(ALL_STATUSES);
      expect(verdict.reason).not.toContain('Did you mean');
    }
  });

  test.each([
    ['approved', 'APPROVED'],
    ['Revoked', 'REVOKED'],
    [' APPROVED ', 'APPROVED'],
  ])("rejects '%s' and suggests %s", (value, suggestion) => {
    const verdict = judgeLicenseStatus('PENDING', value);
    expect(verdict).toMatchObject({ kind: 'illegal', from: 'PENDING', to: value });
    if (verdict.kind !== 'illegal') return;
    expect(verdict.reason).toMatch(ALL_STATUSES);
    expect(verdict.reason).toContain(`Did you mean ${suggestion}?`);
  });
});

describe('workFor and holdReasonFor', () => {
  test.each<[LicenseStatus, ReturnType<typeof workFor>, ReturnType<typeof holdReasonFor>]>([
    ['PENDING', 'none', 'LICENSE_PENDING'],
    ['APPROVED', 'release', undefined],
    ['DENIED', 'rehold', 'LICENSE_DENIED'],
    ['SUSPENDED', 'rehold', 'LICENSE_SUSPENDED'],
    ['REVOKED', 'rehold', 'LICENSE_REVOKED'],
    ['EXPIRED', 'rehold', 'LICENSE_EXPIRED'],
  ])('maps %s to work %s and hold reason %s', (status, work, reason) => {
    expect(workFor(status)).toBe(work);
    expect(holdReasonFor(status)).toBe(reason);
  });
});

describe('settleCheckAt', () => {
  const now = new Date('2026-11-27T10:00:00.000Z');

  it('asks for a settling pass the delay after a release or re-hold pass', () => {
    for (const status of ['APPROVED', 'SUSPENDED', 'REVOKED', 'EXPIRED', 'DENIED'] as const)
      expect(settleCheckAt(status, '2026-11-27T09:59:59.000Z#abcd1234', now, 30_000), status).toBe(
        '2026-11-27T10:00:30.000Z',
      );
  });

  it('does not ask again after a settling pass, nor for PENDING (no shipment work)', () => {
    expect(settleCheckAt('SUSPENDED', `${SETTLE_TOKEN_PREFIX}x`, now, 30_000)).toBeUndefined();
    expect(settleCheckAt('PENDING', 'x', now, 30_000)).toBeUndefined();
  });
});

describe('isSettledImage', () => {
  const terms = {
    customerId: 'C1',
    sku: 'H20',
    destinationCountry: 'AE',
    authorizedQuantity: 10,
    validFrom: '2026-01-01T00:00:00.000Z',
    validUntil: '2027-01-01T00:00:00.000Z',
  };
  const settled = {
    licenseId: 'L1',
    status: 'APPROVED',
    appliedStatus: 'APPROVED',
    releasedQuantity: 5,
    ...terms,
    appliedTerms: terms,
  };

  it('needs no read for an image whose status is applied, with no work pending and no rejection', () => {
    expect(isSettledImage(settled)).toBe(true);
  });

  test.each<[string, Record<string, unknown> | undefined]>([
    ['a status not yet applied', { ...settled, status: 'SUSPENDED' }],
    ['a new license (no appliedStatus)', { licenseId: 'L1', status: 'APPROVED' }],
    ['pending work', { ...settled, pendingWork: '2026-11-27T10:00:00.000Z#abcd1234' }],
    ['a recorded rejection', { ...settled, statusError: 'Rejected status "APPROVD"' }],
    ['no image', undefined],
    ['an amendment (a term other than the applied one)', { ...settled, authorizedQuantity: 20 }],
    ['an added value limit', { ...settled, authorizedValue: 1_000 }],
    ['an applied license whose terms were never kept', { ...settled, appliedTerms: undefined }],
  ])('reads the item for %s', (_label, image) => {
    expect(isSettledImage(image)).toBe(false);
  });
});

describe('systemWroteStatus', () => {
  const now = new Date('2026-06-01T12:00:00.000Z');
  const applied = (validUntil: string) => ({
    status: 'EXPIRED',
    appliedStatus: 'APPROVED',
    appliedTerms: {
      customerId: 'C',
      sku: 'S',
      destinationCountry: 'AE',
      authorizedQuantity: 10,
      validFrom: '2026-01-01T00:00:00.000Z',
      validUntil,
    },
  });
  const running = applied('2027-01-01T00:00:00.000Z');
  const ended = applied('2026-06-01T11:59:59.000Z');

  test.each<[string, Record<string, unknown>, boolean]>([
    ["the clock's expiry", { ...running, updatedBy: 'license-clock' }, true],
    ["a pass's expiry", { ...running, updatedBy: 'clearance' }, true],
    ['EXPIRED by an admin while the applied window runs', { ...running, updatedBy: 'alice' }, false],
    ['EXPIRED by nobody named while the applied window runs', running, false],
    ['EXPIRED past the applied window, whoever typed it', { ...ended, updatedBy: 'alice' }, true],
    [
      'another status over a stale license-clock',
      { ...ended, status: 'SUSPENDED', updatedBy: 'license-clock' },
      false,
    ],
  ])('%s', (_label, raw, expected) => {
    expect(systemWroteStatus(raw, now)).toBe(expected);
  });
});
