/**
 * `clearance licenses --attention` without a stack: which licenses need a
 * decision or action, what is read to know it, and the order (cli/attention.ts).
 */
import { QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  attentionTable,
  type Backlog,
  backlogNeeded,
  rankAttention,
  reasonsFor,
} from '../../../cli/attention.js';
import { licenseAttention } from '../../../cli/commands/license-attention.js';
import type { License } from '../../../shared/domain/model.js';
import type { RawItem } from '../../../shared/domain/ports.js';
import { stubCliContext, stubResources } from '../../helpers/cli.js';
import { aLicense } from '../../helpers/factories.js';

const NOW = new Date('2026-06-01T00:00:00.000Z');
const DAY = 86_400_000;
const inDays = (d: number) => new Date(NOW.getTime() + d * DAY).toISOString();
const license = (licenseId: string, o: Partial<License> = {}): RawItem =>
  aLicense({ licenseId, appliedStatus: o.status ?? 'APPROVED', ...o });
const sum = (units: number, shipments = 1, value = 0) => ({ shipments, units, value });

/** A license as the console leaves it after a rejected typo: `status` outside the list, `statusError` written. */
const typoed = (
  licenseId: string,
  applied: string,
  typo: string,
  o: Record<string, unknown> = {},
): RawItem => ({
  ...aLicense({ licenseId }),
  ...o,
  status: typo,
  appliedStatus: applied,
  statusError: `status "${typo}" is not one of PENDING, APPROVED, DENIED, SUSPENDED, REVOKED, EXPIRED`,
});

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

  it('gives the numbers behind each text in data, for --json', () => {
    const data = (raw: RawItem, backlog: Backlog = {}) =>
      reasonsFor(raw, backlog, NOW).map((r) => [r.kind, r.data]);
    // Value only over its limit: 50 of 100 units, but $2,000 shipped against a $1,000 value limit.
    const valueOnly = license('V', {
      authorizedQuantity: 100,
      releasedQuantity: 50,
      authorizedValue: 1000,
      releasedValue: 2000,
    });
    const [over] = reasonsFor(valueOnly, { released: sum(0, 0) }, NOW);
    expect(over?.text).toMatch(/\$2,000 shipped, above the value limit \$1,000/);
    expect(data(valueOnly, { released: sum(0, 0) })).toEqual([
      [
        'shipped-over-limit',
        { shippedQuantity: 50, authorizedQuantity: 100, shippedValue: 2000, valueCap: 1000 },
      ],
      ['drawn', { percent: 200, limit: 'value', drawn: 2000, cap: 1000 }],
    ]);
    // No value limit: quantity figures only.
    expect(
      data(license('S', { authorizedQuantity: 10, releasedQuantity: 20 }), { released: sum(0, 0) }),
    ).toEqual([
      ['shipped-over-limit', { shippedQuantity: 20, authorizedQuantity: 10 }],
      ['drawn', { percent: 200, limit: 'quantity', drawn: 20, cap: 10 }],
    ]);
    // The value cap with its tolerance: $99,000 of $110,000.
    expect(
      data(
        license('U', {
          authorizedValue: 100_000,
          valueTolerancePercent: 10,
          releasedValue: 99_000,
          releasedQuantity: 1,
        }),
      ),
    ).toEqual([['drawn', { percent: 90, limit: 'value', drawn: 99_000, cap: 110_000 }]]);
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

describe('a license whose status edit was rejected', () => {
  it('judges a PENDING license whose status was mistyped on its held backlog, as any PENDING license', () => {
    const raw = typoed('P', 'PENDING', 'APROVED');
    expect(backlogNeeded(raw, NOW).held).toBe(true);
    const kinds = reasonsFor(raw, { held: sum(500, 5) }, NOW).map((r) => r.kind);
    expect(kinds).toEqual(['rejected-edit', 'pending-backlog']);
  });

  it('ranks an APPROVED license expiring in 2 days with RELEASED goods unshipped at rank 2, above a mere rejected edit', () => {
    const expiring = typoed('E', 'APPROVED', 'SUSPNDED', {
      validUntil: inDays(2),
      authorizedQuantity: 100,
      releasedQuantity: 90,
    });
    expect(backlogNeeded(expiring, NOW)).toEqual({ held: true, released: true });
    const backlog: Backlog = { held: sum(0, 0), released: sum(90, 9) };
    // The clock still expires it in 2 days and re-holds the 90 units: rank 2, with the 90 % drawn.
    expect(reasonsFor(expiring, backlog, NOW).map((r) => r.kind)).toEqual([
      'expiring',
      'rejected-edit',
      'drawn',
    ]);
    const other: RawItem = {
      ...aLicense({ licenseId: 'A-REJECTED', appliedStatus: 'APPROVED' }),
      status: 'PENDING',
      statusError: 'APPROVED → PENDING is not allowed',
    };
    const ranked = rankAttention([other, expiring], new Map([['E', backlog]]), NOW);
    expect(ranked.map((i) => i.licenseId)).toEqual(['E', 'A-REJECTED']);
  });

  it('judges expiry on the applied validUntil, not on one typed beside the rejected status', () => {
    const applied = inDays(2);
    const raw: RawItem = {
      ...aLicense({ licenseId: 'X', appliedStatus: 'APPROVED', validUntil: inDays(200) }),
      status: 'PENDING',
      statusError: 'APPROVED → PENDING is not allowed',
      appliedTerms: {
        customerId: 'CUST-ACME',
        sku: 'H20',
        destinationCountry: 'AE',
        authorizedQuantity: 1000,
        validFrom: '2020-01-01T00:00:00.000Z',
        validUntil: applied,
      },
    };
    expect(backlogNeeded(raw, NOW)).toEqual({ held: true, released: true });
    const reasons = reasonsFor(raw, { held: sum(0, 0), released: sum(30, 1) }, NOW);
    expect(reasons[0]?.kind).toBe('expiring');
    expect(reasons[0]?.text).toContain(applied);
  });
});

describe('a PENDING license near or past the end of its window', () => {
  const stale = (licenseId: string) =>
    license(licenseId, { status: 'PENDING', validFrom: inDays(-400), validUntil: inDays(-300) });

  it('ranks a PENDING license whose validity ended 300 days ago with the pending ones, below an APPROVED one re-held in 2 hours', () => {
    const licenses = [
      stale('A-STALE-PENDING'),
      license('B-PENDING', { status: 'PENDING' }),
      license('Z-APPROVED', { validUntil: inDays(2 / 24) }),
    ];
    const backlogs = new Map<string, Backlog>([
      ['A-STALE-PENDING', { held: sum(5) }],
      ['B-PENDING', { held: sum(50, 5) }],
      ['Z-APPROVED', { held: sum(0, 0), released: sum(500, 5) }],
    ]);
    const ranked = rankAttention(licenses, backlogs, NOW);
    expect(ranked.map((i) => [i.licenseId, i.reasons.map((r) => r.rank)])).toEqual([
      ['Z-APPROVED', [2]],
      ['B-PENDING', [6]],
      ['A-STALE-PENDING', [6]],
    ]);
  });

  it('says the window ended and what to do, not that the license will expire', () => {
    expect(backlogNeeded(stale('P'), NOW)).toEqual({ held: true, released: false });
    const reasons = reasonsFor(stale('P'), { held: sum(5) }, NOW);
    expect(reasons.map((r) => [r.kind, r.text])).toEqual([
      [
        'pending-ended',
        `PENDING, validity ended 300 days ago (${inDays(-300)}): deny it, or amend validUntil before approving; 5 units held in 1 shipment`,
      ],
    ]);
  });

  it('names the end of a window within 30 days beside the pending decision, not as an expiry', () => {
    const soon = license('S', { status: 'PENDING', validUntil: inDays(3.5) });
    expect(backlogNeeded(soon, NOW)).toEqual({ held: true, released: false });
    expect(reasonsFor(soon, { held: sum(7) }, NOW).map((r) => [r.kind, r.rank, r.text])).toEqual([
      [
        'pending-backlog',
        6,
        `PENDING with 7 units held in 1 shipment: approve or deny (validity ends in 3 days, ${inDays(3.5)})`,
      ],
    ]);
  });
});

describe('licenseAttention --status', () => {
  it('keeps the licenses whose applied status is the one asked for, whatever a rejected edit shows', async () => {
    const items = [
      typoed('LIC-P-TYPO', 'PENDING', 'APROVED'),
      typoed('LIC-A-TYPO', 'APPROVED', 'PENDING', { authorizedQuantity: 100, releasedQuantity: 90 }),
      license('LIC-P', { status: 'PENDING' }),
    ];
    const db = {
      async send(command: unknown) {
        if (command instanceof ScanCommand) return { Items: items };
        if (command instanceof QueryCommand) return { Items: [{ quantity: 5, value: 0 }] };
        throw new Error(`unexpected command ${String(command)}`);
      },
    };
    const listed = async (status: string) => {
      const { ctx, emitted } = stubCliContext({ resources: stubResources(), clients: { db }, json: true });
      await licenseAttention(ctx, { status });
      return (emitted as { licenses: { licenseId: string }[] }[])[0]?.licenses.map((l) => l.licenseId);
    };
    expect(await listed('PENDING')).toEqual(['LIC-P-TYPO', 'LIC-P']);
    expect(await listed('APPROVED')).toEqual(['LIC-A-TYPO']);
  });
});
