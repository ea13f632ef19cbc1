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
