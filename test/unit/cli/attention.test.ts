/**
 * `clearance licenses --attention` without a stack: which licenses need a
 * decision or action, what is read to know it, and the order (cli/attention.ts).
 */
import { describe, expect, it } from 'vitest';
import {
  attentionTable,
  type Backlog,
  backlogNeeded,
  rankAttention,
  reasonsFor,
} from '../../../cli/attention.js';
import type { License } from '../../../shared/domain/model.js';
import type { RawItem } from '../../../shared/domain/ports.js';
import { aLicense } from '../../helpers/factories.js';

const NOW = new Date('2026-06-01T00:00:00.000Z');
const DAY = 86_400_000;
const inDays = (d: number) => new Date(NOW.getTime() + d * DAY).toISOString();
const license = (licenseId: string, o: Partial<License> = {}): RawItem =>
  aLicense({ licenseId, appliedStatus: o.status ?? 'APPROVED', ...o });
const sum = (units: number, shipments = 1, value = 0) => ({ shipments, units, value });

describe('backlogNeeded', () => {
  it('reads the indexes only of licenses whose item alone cannot settle it', () => {
    expect(backlogNeeded(license('A'), NOW)).toEqual({ held: false, released: false });
    expect(backlogNeeded(license('P', { status: 'PENDING' }), NOW)).toEqual({ held: true, released: false });
    expect(backlogNeeded(license('E', { validUntil: inDays(10) }), NOW)).toEqual({
      held: true,
      released: true,
    });
    expect(backlogNeeded(license('R', { status: 'REVOKED', validUntil: inDays(10) }), NOW)).toEqual({
      held: false,
      released: false,
    });
    expect(backlogNeeded(license('O', { authorizedQuantity: 10, releasedQuantity: 20 }), NOW)).toEqual({
      held: false,
      released: true,
    });
  });
});

describe('reasonsFor', () => {
  it('says why, with the numbers', () => {
    const texts = (raw: RawItem, backlog: Backlog = {}) => reasonsFor(raw, backlog, NOW).map((r) => r.text);
    expect(
      texts(license('E', { validUntil: inDays(3.5) }), { held: sum(300, 3), released: sum(1200, 12) }),
    ).toEqual([`expires in 3 days (${inDays(3.5)}): 1,200 units released unshipped, 300 units held`]);
    expect(texts(license('H', { validUntil: inDays(0.2) }), { released: sum(5) })).toEqual([
      `expires in 5 hours (${inDays(0.2)}): 5 units released unshipped`,
    ]);
    expect(texts(license('L', { validUntil: inDays(-2) }), { held: sum(7) })).toEqual([
      `validity ended 2 days ago (${inDays(-2)}), not expired yet: 7 units held`,
    ]);
    expect(texts(license('Q', { authorizedQuantity: 1000, releasedQuantity: 920 }))).toEqual([
      '92 % of authorizedQuantity drawn (920 of 1,000 units)',
    ]);
    expect(
      texts(license('V', { authorizedValue: 100_000, releasedValue: 85_000, releasedQuantity: 1 })),
    ).toEqual(['85 % of the value cap drawn ($85,000 of $100,000)']);
    // Against the cap with its tolerance, as LICENSE_DRAWDOWN counts: 85,000 of 110,000 is 77 %.
    const tolerant = { authorizedValue: 100_000, valueTolerancePercent: 10, releasedQuantity: 1 };
    expect(texts(license('T', { ...tolerant, releasedValue: 85_000 }))).toEqual([]);
    expect(texts(license('U', { ...tolerant, releasedValue: 99_000 }))).toEqual([
      '90 % of the value cap drawn ($99,000 of $110,000)',
    ]);
    expect(texts(license('P', { status: 'PENDING' }), { held: sum(1200, 120, 5_000) })).toEqual([
      'PENDING with 1,200 units held in 120 shipments ($5,000): approve or deny',
    ]);
    expect(texts({ ...license('X'), statusError: 'APPROVED → PENDING is not allowed' })).toEqual([
      'rejected edit, not in effect: APPROVED → PENDING is not allowed',
    ]);
    expect(
      texts(license('S', { authorizedQuantity: 10, releasedQuantity: 20 }), { released: sum(0, 0) }),
    ).toEqual([
      'shipped goods above a lowered limit: 20 units shipped, above authorizedQuantity 10 (escalate to compliance)',
      '200 % of authorizedQuantity drawn (20 of 10 units)',
    ]);
  });

  it('leaves out what needs nothing', () => {
    const none = (raw: RawItem, backlog: Backlog = {}) => reasonsFor(raw, backlog, NOW);
    expect(none(license('A', { releasedQuantity: 799, authorizedQuantity: 1000 }))).toEqual([]);
    expect(none(license('E', { validUntil: inDays(31) }), { held: sum(10) })).toEqual([]);
    expect(none(license('E', { validUntil: inDays(3) }), { held: sum(0, 0), released: sum(0, 0) })).toEqual(
      [],
    );
    expect(none(license('P', { status: 'PENDING' }), { held: sum(0, 0) })).toEqual([]);
    expect(none(license('D', { status: 'DENIED', validUntil: inDays(3) }), { held: sum(10) })).toEqual([]);
    // Over a limit while released shipments remain: the trim is not done, not shipped goods.
    expect(
      none(license('T', { authorizedQuantity: 10, releasedQuantity: 20, status: 'SUSPENDED' }), {
        released: sum(10),
      }).map((r) => r.kind),
    ).toEqual(['drawn']);
  });
});

describe('rankAttention', () => {
  it('orders by urgency: shipped over limit, expiry within 7 days, rejected edit, expiry within 30, drawn, pending', () => {
    const licenses = [
      license('PENDING-SMALL', { status: 'PENDING' }),
      license('PENDING-BIG', { status: 'PENDING' }),
      license('DRAWN-85', { authorizedQuantity: 100, releasedQuantity: 85 }),
      license('DRAWN-95', { authorizedQuantity: 100, releasedQuantity: 95 }),
      license('EXPIRES-20', { validUntil: inDays(20) }),
      { ...license('REJECTED'), status: 'PENDING', statusError: 'typo' },
      license('EXPIRES-5', { validUntil: inDays(5) }),
      license('EXPIRES-2', { validUntil: inDays(2), authorizedQuantity: 100, releasedQuantity: 90 }),
      license('SHIPPED-OVER', { authorizedQuantity: 10, releasedQuantity: 20 }),
      license('FINE'),
    ];
    const backlogs = new Map<string, Backlog>([
      ['PENDING-SMALL', { held: sum(10) }],
      ['PENDING-BIG', { held: sum(500, 5) }],
      ['EXPIRES-20', { held: sum(1), released: sum(0, 0) }],
      ['EXPIRES-5', { held: sum(1), released: sum(0, 0) }],
      ['EXPIRES-2', { held: sum(0, 0), released: sum(90, 9) }],
      ['SHIPPED-OVER', { released: sum(0, 0) }],
    ]);
    const ranked = rankAttention(licenses, backlogs, NOW);
    expect(ranked.map((i) => i.licenseId)).toEqual([
      'SHIPPED-OVER',
      'EXPIRES-2',
      'EXPIRES-5',
      'REJECTED',
      'EXPIRES-20',
      'DRAWN-95',
      'DRAWN-85',
      'PENDING-BIG',
      'PENDING-SMALL',
    ]);
    expect(ranked[1]?.reasons.map((r) => r.kind)).toEqual(['expiring', 'drawn']);
    const table = attentionTable(ranked, NOW);
    expect(table).toMatch(/^9 licenses need attention, most urgent first/);
    expect(table).toMatch(
      /^2 {2}EXPIRES-2 +APPROVED +CUST-ACME +expires in 2 days .*: 90 units released unshipped$/m,
    );
    expect(table).toMatch(/^ +90 % of authorizedQuantity drawn \(90 of 100 units\)$/m);
    expect(table).toMatch(
      /^4 {2}REJECTED +PENDING \(applied APPROVED\) +CUST-ACME +rejected edit, not in effect: typo$/m,
    );
    expect(attentionTable([], NOW)).toBe('No license needs attention (as of 2026-06-01T00:00:00.000Z).');
  });
});
