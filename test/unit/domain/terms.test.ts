import { describe, expect, it } from 'vitest';
import {
  appliedCopyEdits,
  appliedSealOf,
  appliedTermsItem,
  appliedTermsOf,
  judgeAmendment,
  sameInstant,
  sealTerms,
  termsOf,
  termsSettled,
} from '../../../shared/domain/terms.js';
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

  it('names an invalid term typed beside an identity edit as at fault too, never "not at fault"', () => {
    const verdict = judgeAmendment(
      applied,
      { ...l, destinationCountry: 'CN', authorizedQuantity: -5 },
      'APPROVED',
    );
    expect(verdict).toMatchObject({ kind: 'illegal', field: 'destinationCountry' });
    const reason = verdict.kind === 'illegal' ? verdict.reason : '';
    expect(reason).toContain('destinationCountry of an applied license cannot change');
    expect(reason).toContain('authorizedQuantity must be');
    expect(reason).not.toContain('not at fault');
    // A valid term beside an identity edit is still said to be set back only with the rest.
    const beside = judgeAmendment(
      applied,
      { ...l, destinationCountry: 'CN', authorizedQuantity: 20 },
      'APPROVED',
    );
    expect(beside.kind === 'illegal' && beside.reason).toContain(
      'authorizedQuantity was not at fault but is set back with the rest',
    );
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

describe('the sealed copy of the applied terms', () => {
  const license = aLicense({
    licenseId: 'LIC-SEAL-1',
    customerId: 'CUST-ACME',
    authorizedQuantity: 100,
    authorizedValue: 5000,
    appliedStatus: 'APPROVED',
  });
  const terms = termsOf(license);
  const item = { ...license, appliedTerms: appliedTermsItem(license.licenseId, terms) };
  /** The console's JSON editor: find and replace everywhere in the item. */
  const replaced = (from: string, to: string) => JSON.parse(JSON.stringify(item).split(from).join(to));

  it('holds the terms and the license id, readable back, in a form a find and replace of a term cannot reach', () => {
    const sealed = sealTerms(license.licenseId, terms);
    expect(sealed).toMatch(/^[A-Za-z0-9_-]+\.[0-9a-f]{16}$/);
    for (const text of ['CUST-ACME', '"authorizedQuantity":100', 'H20']) expect(sealed).not.toContain(text);
    expect(appliedSealOf(item)).toEqual({ kind: 'sealed', terms });
    expect(appliedTermsOf(item)).toEqual(terms);
    expect(termsSettled(item)).toBe(true);
    expect(appliedCopyEdits(item)).toEqual([]);
  });

  it('is the applied terms when a find and replace changed a term and its plain copy alike', () => {
    const edited = replaced('"CUST-ACME"', '"CUST-OTHER"');
    expect(edited).toMatchObject({ customerId: 'CUST-OTHER', appliedTerms: { customerId: 'CUST-OTHER' } });
    expect(appliedTermsOf(edited)).toEqual(terms);
    expect(termsSettled(edited)).toBe(false);
    expect(appliedCopyEdits(edited)).toEqual(['customerId']);
    expect(judgeAmendment(terms, edited, 'APPROVED')).toMatchObject({ kind: 'illegal', field: 'customerId' });
    const lowered = replaced('"authorizedQuantity":100', '"authorizedQuantity":50');
    expect(appliedTermsOf(lowered)?.authorizedQuantity).toBe(100);
    expect(appliedCopyEdits(lowered)).toEqual(['authorizedQuantity']);
  });

  it('is damaged when it does not decode, does not match its digest, or names another license: no terms are read then', () => {
    const sealed = sealTerms(license.licenseId, terms);
    const [body = '', digest = ''] = sealed.split('.');
    const withSeal = (v: unknown) => ({ ...item, appliedTerms: { ...item.appliedTerms, sealed: v } });
    const cases: [unknown, RegExp][] = [
      ['not base64 at all', /does not decode/],
      [`${body}.0000000000000000`, /does not match its digest/],
      [`${body.slice(0, -4)}${digest}`, /does not decode|does not match/],
      [sealTerms('LIC-OTHER', terms), /names license LIC-OTHER/],
      [42, /is not a string/],
    ];
    for (const [v, why] of cases) {
      const raw = withSeal(v);
      expect(appliedSealOf(raw), String(v)).toEqual({ kind: 'damaged', why: expect.stringMatching(why) });
      expect(appliedTermsOf(raw), String(v)).toBeUndefined();
      expect(termsSettled(raw), String(v)).toBe(false);
    }
  });

  it('takes an appliedTerms written before the seal as it is', () => {
    const { sealed: _sealed, ...plain } = item.appliedTerms;
    const legacy = { ...item, appliedTerms: plain };
    expect(appliedSealOf(legacy)).toEqual({ kind: 'unsealed' });
    expect(appliedTermsOf(legacy)).toEqual(terms);
    expect(appliedCopyEdits(legacy)).toEqual([]);
  });
});
