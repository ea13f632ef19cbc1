import { describe, expect, it } from 'vitest';
import {
  amendmentUpdate,
  describeTerms,
  parseAmendOptions,
  pendingAmendment,
  planAmendment,
  sameTerms,
} from '../../../cli/amend-plan.js';
import { EXIT, UsageError } from '../../../cli/errors.js';
import type { License } from '../../../shared/domain/model.js';
import type { RawItem } from '../../../shared/domain/ports.js';
import { termsOf } from '../../../shared/domain/terms.js';
import { aLicense, NOW } from '../../helpers/factories.js';

/** An applied, settled license: appliedStatus and appliedTerms as the engine leaves them. */
function applied(overrides: Partial<License> = {}): RawItem {
  const license = aLicense({ appliedStatus: 'APPROVED', ...overrides });
  return { ...license, appliedTerms: { ...termsOf(license) } };
}

const usageError = (fn: () => unknown): UsageError => {
  try {
    fn();
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error('expected a UsageError');
};

describe('parseAmendOptions', () => {
  it('reads each term option as the engine will store it', () => {
    expect(
      parseAmendOptions({
        quantity: '1500',
        value: '250000',
        tolerance: '10%',
        validFrom: '2026-01-01T00:00:00Z',
        validUntil: '2027-01-01T00:00:00Z',
      }),
    ).toEqual({
      set: {
        authorizedQuantity: 1500,
        authorizedValue: 250_000,
        valueTolerancePercent: 10,
        validFrom: '2026-01-01T00:00:00Z',
        validUntil: '2027-01-01T00:00:00Z',
      },
      remove: [],
    });
  });

  it('removes the value limit with --value none, in any case', () => {
    expect(parseAmendOptions({ value: 'None' })).toEqual({ set: {}, remove: ['authorizedValue'] });
  });

  it.each([
    ['30', /^--tolerance must be a whole number from 0 to 25 \(percent\), not "30"$/],
    ['-1', /^--tolerance must be a whole number from 0 to 25/],
    ['2.5', /^--tolerance must be a whole number from 0 to 25/],
    ['', /^--tolerance must be a whole number from 0 to 25/],
  ])('rejects --tolerance %j with the option, its range and the value typed', (tolerance, message) => {
    const error = usageError(() => parseAmendOptions({ tolerance }));
    expect(error.message).toMatch(message);
    expect(error.exitCode).toBe(EXIT.usage);
  });

  it.each(['0', '1.5', '1e3', 'ten', '1000000001'])(
    'rejects --quantity %j: a whole number of units from 1 to the maximum',
    (quantity) => {
      expect(usageError(() => parseAmendOptions({ quantity })).message).toMatch(
        /^--quantity must be a whole number of units from 1 to 1000000000 \(digits only\)/,
      );
    },
  );

  it.each(['0', '12.50', '50,000', '-5'])('rejects --value %j and says how to remove the limit', (value) => {
    expect(usageError(() => parseAmendOptions({ value })).message).toMatch(
      /^--value must be a whole number of US dollars from 1 to 1000000000000 .*or "none" to remove the value limit/,
    );
  });

  it('rejects a time that is not ISO-8601 UTC, naming the option', () => {
    expect(usageError(() => parseAmendOptions({ validUntil: '31/12/2027' })).message).toMatch(
      /^--valid-until must be an ISO-8601 UTC time ending in Z, such as 2026-01-31T00:00:00Z, not "31\/12\/2027"$/,
    );
  });

  it('rejects a command with no term option at all', () => {
    expect(usageError(() => parseAmendOptions({})).message).toMatch(
      /^nothing to amend: give at least one of --quantity, --value, --tolerance, --valid-from, --valid-until$/,
    );
  });
});

describe('planAmendment', () => {
  it('writes only the changed terms, conditional on the status, no pending work and every term read', () => {
    const plan = planAmendment(
      applied({ authorizedQuantity: 1000 }),
      parseAmendOptions({ quantity: '1500' }),
      NOW,
    );
    expect(plan).toMatchObject({
      kind: 'change',
      set: { authorizedQuantity: 1500 },
      remove: [],
      notes: [],
      expect: {
        status: 'APPROVED',
        appliedStatus: 'APPROVED',
        pendingWork: null,
        customerId: 'CUST-ACME',
        sku: 'H20',
        destinationCountry: 'AE',
        authorizedQuantity: 1000,
        authorizedValue: null,
        valueTolerancePercent: null,
        validFrom: '2020-01-01T00:00:00.000Z',
        validUntil: '2099-12-31T23:59:59.999Z',
      },
    });
    expect(plan.kind === 'change' && plan.to.authorizedQuantity).toBe(1500);
  });

  it('removes authorizedValue for --value none, expecting the value read', () => {
    const plan = planAmendment(
      applied({ authorizedValue: 50_000, valueTolerancePercent: 10 }),
      parseAmendOptions({ value: 'none' }),
      NOW,
    );
    expect(plan).toMatchObject({
      kind: 'change',
      set: {},
      remove: ['authorizedValue'],
      expect: { authorizedValue: 50_000, valueTolerancePercent: 10 },
      notes: [expect.stringMatching(/the tolerance has no effect while the license has no value limit/)],
    });
  });

  it('takes a window bound typed again in another form for the same instant as unchanged: not written, not reported', () => {
    const plan = planAmendment(
      applied({ authorizedQuantity: 1000, validUntil: '2099-12-31T23:59:59.999Z' }),
      parseAmendOptions({ quantity: '1500', validUntil: '2099-12-31T23:59:59.999000Z' }),
      NOW,
    );
    expect(plan).toMatchObject({ kind: 'change', set: { authorizedQuantity: 1500 }, remove: [] });
    expect(plan.kind === 'change' && Object.keys(plan.set)).toEqual(['authorizedQuantity']);
    expect(plan.kind === 'change' && plan.to.validUntil).toBe('2099-12-31T23:59:59.999Z');
    expect(
      planAmendment(
        applied({ validUntil: '2099-12-31T23:59:59.999Z' }),
        parseAmendOptions({ validUntil: '2099-12-31T23:59:59.999000Z' }),
        NOW,
      ),
    ).toMatchObject({ kind: 'noop' });
  });

  it('does nothing when the license already has these terms', () => {
    expect(
      planAmendment(applied({ authorizedQuantity: 1000 }), parseAmendOptions({ quantity: '1000' }), NOW),
    ).toEqual({ kind: 'noop', reason: 'license LIC-H20-0001 already has these terms; nothing to do' });
  });

  it('refuses a license the system has not applied yet', () => {
    const { appliedStatus: _, appliedTerms: __, ...fresh } = applied();
    expect(planAmendment(fresh, parseAmendOptions({ quantity: '5' }), NOW)).toMatchObject({
      kind: 'refuse',
      reason: expect.stringMatching(
        /^license LIC-H20-0001 has no appliedStatus: the system has not applied it yet/,
      ),
    });
  });

  it('refuses while a status edit is not applied, and points at the rejected one', () => {
    const pending = { ...applied(), status: 'SUSPENDED' };
    expect(planAmendment(pending, parseAmendOptions({ quantity: '5' }), NOW)).toMatchObject({
      kind: 'refuse',
      reason: expect.stringMatching(
        /has status SUSPENDED that the system has not applied yet \(applied: APPROVED\)/,
      ),
    });
    const rejected = { ...applied(), status: 'APPRVD', statusError: 'APPRVD is not a status' };
    expect(planAmendment(rejected, parseAmendOptions({ quantity: '5' }), NOW)).toMatchObject({
      kind: 'refuse',
      reason: expect.stringMatching(
        /has status APPRVD, which the system rejected .*set status back to APPROVED/,
      ),
    });
  });

  it('refuses while work is pending or an amendment is not applied yet', () => {
    expect(
      planAmendment({ ...applied(), pendingWork: 'amend#t1' }, parseAmendOptions({ quantity: '5' }), NOW),
    ).toMatchObject({ kind: 'refuse', reason: expect.stringMatching(/still has work in progress/) });
    const edited = { ...applied({ authorizedQuantity: 1000 }), authorizedQuantity: 1200 };
    expect(planAmendment(edited, parseAmendOptions({ quantity: '5' }), NOW)).toMatchObject({
      kind: 'refuse',
      reason: expect.stringMatching(
        /has an amendment the system has not applied yet \(authorizedQuantity 1,000 → 1,200\)/,
      ),
    });
  });

  it('rejects a window that would end before it starts, naming the option given', () => {
    const license = applied();
    expect(
      usageError(() => planAmendment(license, parseAmendOptions({ validUntil: '2019-01-01T00:00:00Z' }), NOW))
        .message,
    ).toBe('--valid-until must be later than validFrom (2020-01-01T00:00:00.000Z)');
    expect(
      usageError(() => planAmendment(license, parseAmendOptions({ validFrom: '2100-01-01T00:00:00Z' }), NOW))
        .message,
    ).toBe('--valid-from must be earlier than validUntil (2099-12-31T23:59:59.999Z)');
  });

  it('warns when the new limits are below what is released, or the window moves past now', () => {
    const license = applied({ authorizedValue: 100_000, releasedValue: 80_000, releasedQuantity: 10 });
    const lowered = planAmendment(license, parseAmendOptions({ value: '70000' }), NOW);
    expect(lowered.kind === 'change' && lowered.notes).toEqual([
      expect.stringMatching(/^the new limit is below what is already released: the system re-holds/),
    ]);
    const within = planAmendment(license, parseAmendOptions({ value: '70000', tolerance: '15' }), NOW);
    expect(within.kind === 'change' && within.notes).toEqual([]);
    // A value limit added: what was released without a value goes back on hold (nothing released: no note).
    const added = planAmendment(
      applied({ releasedQuantity: 10 }),
      parseAmendOptions({ value: '70000' }),
      NOW,
    );
    expect(added.kind === 'change' && added.notes).toEqual([
      expect.stringMatching(
        /^the license gets a value limit: released shipments without a value go back on hold/,
      ),
    ]);
    const none = planAmendment(applied({}), parseAmendOptions({ value: '70000' }), NOW);
    expect(none.kind === 'change' && none.notes).toEqual([]);
    const later = planAmendment(license, parseAmendOptions({ validFrom: '2026-07-01T00:00:00Z' }), NOW);
    expect(later.kind === 'change' && later.notes).toEqual([
      expect.stringMatching(/^validFrom is in the future/),
    ]);
  });
});

describe('amendmentUpdate', () => {
  it('sets the terms, reason and author and removes a dropped value limit in one conditional update', () => {
    const plan = planAmendment(
      applied({ authorizedValue: 50_000 }),
      parseAmendOptions({ quantity: '1500', value: 'none' }),
      NOW,
    );
    if (plan.kind !== 'change') throw new Error('expected a change');
    const update = amendmentUpdate('Licenses', 'LIC-H20-0001', plan, { reason: 'A-17', by: 'j.doe' });
    expect(update).toMatchObject({ TableName: 'Licenses', Key: { licenseId: 'LIC-H20-0001' } });
    const names = update.ExpressionAttributeNames;
    const values = update.ExpressionAttributeValues ?? {};
    // Resolve the placeholders, so the test reads as the expression DynamoDB evaluates.
    const plain = (expression: string) =>
      expression.replace(/#\w+/g, (n) => names[n] ?? n).replace(/:v\d+/g, (v) => JSON.stringify(values[v]));
    expect(plain(update.UpdateExpression)).toBe(
      'SET authorizedQuantity = 1500, statusReason = "A-17", updatedBy = "j.doe", changedBy = "cli:j.doe" REMOVE authorizedValue',
    );
    const conditions = plain(update.ConditionExpression).split(' AND ');
    expect(conditions).toEqual(
      expect.arrayContaining([
        'attribute_exists(licenseId)',
        'status = "APPROVED"',
        'appliedStatus = "APPROVED"',
        '(attribute_not_exists(pendingWork) OR attribute_type(pendingWork, "NULL"))',
        'authorizedQuantity = 1000',
        'authorizedValue = 50000',
        '(attribute_not_exists(valueTolerancePercent) OR attribute_type(valueTolerancePercent, "NULL"))',
        'customerId = "CUST-ACME"',
        'validUntil = "2099-12-31T23:59:59.999Z"',
      ]),
    );
    expect(conditions).toHaveLength(12);
  });
});

describe('pendingAmendment', () => {
  it('is undefined for a settled license and for one that keeps no applied terms', () => {
    expect(pendingAmendment(applied())).toBeUndefined();
    expect(
      pendingAmendment({ ...aLicense({ appliedStatus: 'APPROVED' }), authorizedQuantity: 5 }),
    ).toBeUndefined();
  });

  it('describes terms edited but not applied, and says when the engine will reject them', () => {
    expect(pendingAmendment({ ...applied(), authorizedValue: 40_000, valueTolerancePercent: 5 })).toEqual({
      changes: 'authorizedValue (none) → $40,000, valueTolerancePercent (none) → 5%',
    });
    const illegal = pendingAmendment({ ...applied(), valueTolerancePercent: 30 });
    expect(illegal?.changes).toBe('valueTolerancePercent (none) → 30%');
    expect(illegal?.rejectedBecause).toMatch(/^amendment rejected: valueTolerancePercent must be at most 25/);
  });
});

describe('describeTerms and sameTerms', () => {
  it('lists only the terms that differ, money and percent for people', () => {
    const from = termsOf(aLicense({ authorizedValue: 10_000 }));
    const to = { ...from, authorizedValue: 12_500, valueTolerancePercent: 10 };
    expect(describeTerms(from, to)).toBe(
      'authorizedValue $10,000 → $12,500, valueTolerancePercent (none) → 10%',
    );
    expect(sameTerms(from, { ...from })).toBe(true);
    expect(sameTerms(from, to)).toBe(false);
    const { authorizedValue: _, ...withoutValue } = from;
    expect(sameTerms(from, withoutValue)).toBe(false);
  });
});
