import { describe, expect, it } from 'vitest';
import { judgeAmendment, sameInstant, termsOf } from '../../../shared/domain/terms.js';
import { aLicense } from '../../helpers/factories.js';

describe('sameInstant', () => {
  it('takes two ISO forms of one instant as one, and nothing else', () => {
    expect(sameInstant('2026-07-11T12:00:00Z', '2026-07-11T12:00:00.000Z')).toBe(true);
    expect(sameInstant('2026-07-11T12:00:00.001Z', '2026-07-11T12:00:00.000Z')).toBe(false);
    // Date.parse reads '1' and '2001' as the same day: ids are never compared as times.
    expect(sameInstant('1', '2001')).toBe(false);
    expect(sameInstant(undefined, '2026-07-11T12:00:00Z')).toBe(false);
  });
});

describe('judgeAmendment', () => {
  it('sees no amendment in a window end typed again for the same instant, but sees one a millisecond later', () => {
    const l = aLicense({ validUntil: '2026-07-11T12:00:00.000Z', appliedStatus: 'APPROVED' });
    const applied = termsOf(l);
    expect(judgeAmendment(applied, { ...l, validUntil: '2026-07-11T12:00:00Z' }, 'APPROVED')).toEqual({
      kind: 'unchanged',
    });
    expect(
      judgeAmendment(applied, { ...l, validUntil: '2026-07-11T12:00:00.001Z' }, 'APPROVED'),
    ).toMatchObject({
      kind: 'amended',
      changed: ['validUntil'],
    });
  });
});

describe('judgeAmendment of an edit with an illegal term', () => {
  const l = aLicense({ authorizedQuantity: 10, appliedStatus: 'APPROVED' });
  const applied = termsOf(l);

  it('sets back every term the edit changed, each on the condition it still holds the value typed', () => {
    const typed = { validFrom: '2026-07-01T00:00:00Z', validUntil: '2026-05-31T00:00:00Z' };
    expect(judgeAmendment(applied, { ...l, ...typed }, 'APPROVED')).toEqual({
      kind: 'illegal',
      field: 'validFrom',
      fields: ['validFrom', 'validUntil'],
      reason:
        'amendment rejected: validUntil must be later than validFrom; the edit is applied whole or not at all, ' +
        `so all of it was set back: validFrom to ${l.validFrom}, validUntil to ${l.validUntil}. Make the edit again with valid values`,
      revert: { validFrom: l.validFrom, validUntil: l.validUntil },
      found: typed,
    });
  });

  it('sets back a valid term typed beside the illegal one, and says it was not at fault', () => {
    const verdict = judgeAmendment(
      applied,
      { ...l, authorizedQuantity: 20, validUntil: '2027-05-31' },
      'APPROVED',
    );
    expect(verdict).toMatchObject({
      kind: 'illegal',
      field: 'validUntil',
      fields: ['authorizedQuantity', 'validUntil'],
      revert: { authorizedQuantity: 10, validUntil: l.validUntil },
      found: { authorizedQuantity: 20, validUntil: '2027-05-31' },
    });
    expect(verdict.kind === 'illegal' && verdict.reason).toContain(
      'authorizedQuantity was not at fault but is set back with the rest',
    );
  });

  it('sets back the terms typed beside an identity edit (an optional term added is removed)', () => {
    const verdict = judgeAmendment(applied, { ...l, sku: 'OTHER', authorizedValue: 5000 }, 'APPROVED');
    expect(verdict).toMatchObject({
      kind: 'illegal',
      field: 'sku',
      fields: ['sku', 'authorizedValue'],
      revert: { sku: l.sku, authorizedValue: null },
      found: { sku: 'OTHER', authorizedValue: 5000 },
    });
  });

  it('words the rejection of a single term as before: the term, its applied value and the fix', () => {
    expect(judgeAmendment(applied, { ...l, authorizedQuantity: -1 }, 'APPROVED')).toEqual({
      kind: 'illegal',
      field: 'authorizedQuantity',
      fields: ['authorizedQuantity'],
      reason:
        'amendment rejected: authorizedQuantity must be greater than 0; authorizedQuantity was set back to 10. Amend it again with a valid value',
      revert: { authorizedQuantity: 10 },
      found: { authorizedQuantity: -1 },
    });
  });

  it("tailors an identity edit's fix to the status the license takes whatever the edit (the system's expiry)", () => {
    const typed = { ...l, customerId: 'CUST-OTHER' };
    const reason = (v: ReturnType<typeof judgeAmendment>) => (v.kind === 'illegal' ? v.reason : '');
    expect(reason(judgeAmendment(applied, typed, 'APPROVED'))).toContain(
      'create it and revoke this one (set its status to REVOKED)',
    );
    const expiring = judgeAmendment(applied, typed, 'APPROVED', 'EXPIRED');
    expect(reason(expiring)).toContain('create it (this one stays EXPIRED)');
    // Only the wording: the verdict and what is set back are the applied status's.
    expect(expiring).toMatchObject({
      kind: 'illegal',
      fields: ['customerId'],
      revert: { customerId: l.customerId },
    });
  });
});
