import { describe, expect, test } from 'vitest';
import type { HoldReason, License, LicenseStatus, Shipment } from '../../../shared/domain/model.js';
import {
  compareHoldOrder,
  holdOrderKey,
  mismatch,
  planRehold,
  planRelease,
  type ReleasePlan,
  validity,
} from '../../../shared/domain/planning.js';
import { aLicense, aShipment, aShipmentFor, heldBacklog, NOW } from '../../helpers/factories.js';

const ids = (shipments: readonly Shipment[]) => shipments.map((s) => s.shipmentId);
const relabelled = (plan: { relabel: { shipment: Shipment; holdReason: HoldReason }[] }) =>
  plan.relabel.map((r) => [r.shipment.shipmentId, r.holdReason] as const);

const license = aLicense({ licenseId: 'LIC-A', customerId: 'CUST-A', sku: 'H20', authorizedQuantity: 100 });
const held = (quantity: number, overrides: Partial<Shipment> = {}) =>
  aShipmentFor(license, { quantity, status: 'HELD', holdReason: 'LICENSE_PENDING', ...overrides });

describe('planRelease: first-fit in hold order', () => {
  test('releases every HELD shipment while the licensed quantity lasts', () => {
    const backlog = [held(30), held(30), held(30)];
    const plan = planRelease(license, backlog, { quantity: 100 }, NOW);
    expect(ids(plan.release)).toEqual(ids(backlog));
    expect(plan.relabel).toEqual([]);
    expect(plan.remaining.quantity).toBe(10);
  });

  test('keeps a shipment HELD when the license is exhausted while later smaller ones go', () => {
    const first = held(40);
    const big = held(80);
    const third = held(30);
    const fourth = held(20);
    const plan = planRelease(license, [first, big, third, fourth], { quantity: 100 }, NOW);
    expect(ids(plan.release)).toEqual(ids([first, third, fourth]));
    expect(relabelled(plan)).toEqual([[big.shipmentId, 'LICENSE_QUANTITY_EXHAUSTED']]);
    expect(plan.remaining.quantity).toBe(10);
  });

  test('releases a shipment that fits exactly and leaves zero remaining', () => {
    const backlog = [held(60), held(40), held(1)];
    const plan = planRelease(license, backlog, { quantity: 100 }, NOW);
    expect(ids(plan.release)).toEqual(ids(backlog.slice(0, 2)));
    expect(plan.remaining.quantity).toBe(0);
    expect(relabelled(plan)).toEqual([[backlog[2]?.shipmentId, 'LICENSE_QUANTITY_EXHAUSTED']]);
  });

  test('keeps everything HELD as exhausted when nothing remains', () => {
    const backlog = [held(1), held(2)];
    const plan = planRelease(license, backlog, { quantity: 0 }, NOW);
    expect(plan.release).toEqual([]);
    expect(plan.relabel.map((r) => r.holdReason)).toEqual([
      'LICENSE_QUANTITY_EXHAUSTED',
      'LICENSE_QUANTITY_EXHAUSTED',
    ]);
    expect(plan.remaining.quantity).toBe(0);
  });

  test('releases a previously exhausted shipment once enough quantity is back', () => {
    const s = held(50, { holdReason: 'LICENSE_QUANTITY_EXHAUSTED' });
    const plan = planRelease(license, [s], { quantity: 50 }, NOW);
    expect(ids(plan.release)).toEqual([s.shipmentId]);
    expect(plan.remaining.quantity).toBe(0);
  });

  test('returns an empty plan for an empty backlog', () => {
    expect(planRelease(license, [], { quantity: 100 }, NOW)).toEqual({
      release: [],
      relabel: [],
      remaining: { quantity: 100 },
    });
  });

  test('does not modify the shipments it is given', () => {
    const backlog = [held(80), held(80)];
    const before = structuredClone(backlog);
    planRelease(license, backlog, { quantity: 100 }, NOW);
    expect(backlog).toEqual(before);
  });
});

describe('planRelease: validity window (both ends inclusive)', () => {
  const windowed = aLicense({
    ...license,
    validFrom: '2026-03-01T00:00:00.000Z',
    validUntil: '2026-09-01T00:00:00.000Z',
  });
  const backlog = () => [held(10), held(20)];
  const at = (iso: string, deltaMs = 0) => new Date(Date.parse(iso) + deltaMs);

  test('releases when now is exactly validFrom', () => {
    const b = backlog();
    const plan = planRelease(windowed, b, { quantity: 100 }, at(windowed.validFrom));
    expect(ids(plan.release)).toEqual(ids(b));
    expect(validity(windowed, at(windowed.validFrom))).toBe('valid');
  });

  test('keeps all shipments HELD as LICENSE_NOT_YET_VALID 1 ms before validFrom', () => {
    const b = backlog();
    const plan = planRelease(windowed, b, { quantity: 100 }, at(windowed.validFrom, -1));
    expect(plan.release).toEqual([]);
    expect(relabelled(plan)).toEqual(b.map((s) => [s.shipmentId, 'LICENSE_NOT_YET_VALID']));
    expect(plan.remaining.quantity).toBe(100);
    expect(validity(windowed, at(windowed.validFrom, -1))).toBe('early');
  });

  test('releases when now is exactly validUntil', () => {
    const b = backlog();
    const plan = planRelease(windowed, b, { quantity: 100 }, at(windowed.validUntil));
    expect(ids(plan.release)).toEqual(ids(b));
    expect(validity(windowed, at(windowed.validUntil))).toBe('valid');
  });

  test('keeps all shipments HELD as LICENSE_EXPIRED 1 ms after validUntil', () => {
    const b = backlog();
    const plan = planRelease(windowed, b, { quantity: 100 }, at(windowed.validUntil, 1));
    expect(plan.release).toEqual([]);
    expect(relabelled(plan)).toEqual(b.map((s) => [s.shipmentId, 'LICENSE_EXPIRED']));
    expect(plan.remaining.quantity).toBe(100);
    expect(validity(windowed, at(windowed.validUntil, 1))).toBe('late');
  });

  test('judges validity the same for times written without milliseconds', () => {
    const l = { validFrom: '2026-03-01T00:00:00Z', validUntil: '2026-09-01T00:00:00Z' };
    expect(validity(l, new Date('2026-03-01T00:00:00.000Z'))).toBe('valid');
    expect(validity(l, new Date('2026-02-28T23:59:59.999Z'))).toBe('early');
    expect(validity(l, new Date('2026-09-01T00:00:00.001Z'))).toBe('late');
  });
});

describe('planRelease: mismatches', () => {
  test('keeps shipments for another customer or sku HELD as LICENSE_MISMATCH without consuming quantity', () => {
    const otherCustomer = held(20, { customerId: 'CUST-B' });
    const otherSku = held(20, { sku: 'H100' });
    const matching = held(20);
    const plan = planRelease(license, [otherCustomer, otherSku, matching], { quantity: 20 }, NOW);
    expect(ids(plan.release)).toEqual([matching.shipmentId]);
    expect(relabelled(plan)).toEqual([
      [otherCustomer.shipmentId, 'LICENSE_MISMATCH'],
      [otherSku.shipmentId, 'LICENSE_MISMATCH'],
    ]);
    expect(plan.remaining.quantity).toBe(0);
  });

  test('labels a mismatch LICENSE_MISMATCH even outside the validity window', () => {
    const s = held(1, { sku: 'H100' });
    const plan = planRelease(license, [s], { quantity: 100 }, new Date('2100-01-01T00:00:00Z'));
    expect(relabelled(plan)).toEqual([[s.shipmentId, 'LICENSE_MISMATCH']]);
  });

  test('mismatch compares customer and sku exactly (case-sensitive)', () => {
    expect(mismatch(license, held(1))).toBe(false);
    expect(mismatch(license, held(1, { customerId: 'cust-a' }))).toBe(true);
    expect(mismatch(license, held(1, { sku: 'h20' }))).toBe(true);
    expect(mismatch(license, held(1, { warehouseId: 'WH-OTHER' }))).toBe(false);
  });
});

describe('planRelease: only changed reasons are relabelled', () => {
  test('does not list a shipment again whose hold reason is already right', () => {
    const alreadyExhausted = held(500, { holdReason: 'LICENSE_QUANTITY_EXHAUSTED' });
    const stillPending = held(500, { holdReason: 'LICENSE_PENDING' });
    const alreadyMismatch = held(5, { customerId: 'CUST-B', holdReason: 'LICENSE_MISMATCH' });
    const plan = planRelease(
      license,
      [alreadyExhausted, stillPending, alreadyMismatch],
      { quantity: 100 },
      NOW,
    );
    expect(relabelled(plan)).toEqual([[stillPending.shipmentId, 'LICENSE_QUANTITY_EXHAUSTED']]);
  });

  test('relabels a shipment that has no hold reason yet', () => {
    const { holdReason: _none, ...bare } = held(500);
    const plan = planRelease(license, [bare], { quantity: 100 }, NOW);
    expect(relabelled(plan)).toEqual([[bare.shipmentId, 'LICENSE_QUANTITY_EXHAUSTED']]);
  });
});

describe('planRelease: what it ignores', () => {
  test('ignores non-HELD shipments and shipments of other licenses', () => {
    const ignored = [
      held(10, { status: 'RELEASED' }),
      held(10, { status: 'SHIPPED' }),
      held(10, { status: 'CANCELLED' }),
      held(10, { licenseId: 'LIC-OTHER' }),
      held(500, { licenseId: 'LIC-OTHER' }),
    ];
    const wanted = held(100);
    const plan = planRelease(license, [...ignored, wanted], { quantity: 100 }, NOW);
    expect(ids(plan.release)).toEqual([wanted.shipmentId]);
    expect(plan.relabel).toEqual([]);
    expect(plan.remaining.quantity).toBe(0);
  });
});

describe('hold order', () => {
  test('sorts by priority numerically, so priority 2 goes before priority 10', () => {
    const p10 = aShipment({ shipmentId: 'S-A', priority: 10 });
    const p2 = aShipment({ shipmentId: 'S-B', priority: 2 });
    const p100 = aShipment({ shipmentId: 'S-C', priority: 100 });
    expect(ids([p10, p100, p2].sort(compareHoldOrder))).toEqual(['S-B', 'S-A', 'S-C']);
    expect(holdOrderKey(p2) < holdOrderKey(p10)).toBe(true);
  });

  test('breaks a priority tie by the earlier requestedAt', () => {
    const later = aShipment({ shipmentId: 'S-A', priority: 1, requestedAt: '2026-01-02T00:00:00.000Z' });
    const earlier = aShipment({ shipmentId: 'S-B', priority: 1, requestedAt: '2026-01-01T23:59:59.999Z' });
    expect(ids([later, earlier].sort(compareHoldOrder))).toEqual(['S-B', 'S-A']);
  });

  test('breaks a (priority, requestedAt) tie by shipmentId, however the time is written', () => {
    const b = aShipment({ shipmentId: 'S-B', priority: 1, requestedAt: '2026-01-01T00:00:00Z' });
    const a = aShipment({ shipmentId: 'S-A', priority: 1, requestedAt: '2026-01-01T00:00:00.000Z' });
    const c = aShipment({ shipmentId: 'S-C', priority: 1, requestedAt: '2026-01-01T00:00:00.000Z' });
    expect(ids([c, b, a].sort(compareHoldOrder))).toEqual(['S-A', 'S-B', 'S-C']);
    expect(compareHoldOrder(a, a)).toBe(0);
  });

  test('orders a shuffled backlog by priority, then requestedAt, then shipmentId', () => {
    const s1 = aShipment({ shipmentId: 'S-1', priority: 0, requestedAt: '2026-05-01T00:00:00Z' });
    const s2 = aShipment({ shipmentId: 'S-2', priority: 2, requestedAt: '2026-01-01T00:00:00Z' });
    const s3 = aShipment({ shipmentId: 'S-3', priority: 2, requestedAt: '2026-01-01T00:00:01Z' });
    const s4a = aShipment({ shipmentId: 'S-4a', priority: 2, requestedAt: '2026-01-01T00:00:02Z' });
    const s4b = aShipment({ shipmentId: 'S-4b', priority: 2, requestedAt: '2026-01-01T00:00:02Z' });
    const s5 = aShipment({ shipmentId: 'S-5', priority: 10, requestedAt: '2025-01-01T00:00:00Z' });
    const s6 = aShipment({ shipmentId: 'S-6', priority: 999_999, requestedAt: '2020-01-01T00:00:00Z' });
    const shuffled = [s4b, s6, s1, s4a, s5, s2, s3];
    expect(ids(shuffled.sort(compareHoldOrder))).toEqual(['S-1', 'S-2', 'S-3', 'S-4a', 'S-4b', 'S-5', 'S-6']);
  });

  test('releases the priority-2 shipment before the priority-10 one when only one fits', () => {
    const p10 = held(60, { priority: 10, requestedAt: '2025-01-01T00:00:00Z' });
    const p2 = held(60, { priority: 2, requestedAt: '2026-01-01T00:00:00Z' });
    const plan = planRelease(license, [p10, p2].sort(compareHoldOrder), { quantity: 100 }, NOW);
    expect(ids(plan.release)).toEqual([p2.shipmentId]);
    expect(relabelled(plan)).toEqual([[p10.shipmentId, 'LICENSE_QUANTITY_EXHAUSTED']]);
  });
});

describe('planRelease: paging', () => {
  /** Deterministic quantities 1..60 so the backlog mixes fits and misses. */
  const backlog = heldBacklog(40, (i) => ({
    licenseId: license.licenseId,
    customerId: i % 13 === 5 ? 'CUST-OTHER' : license.customerId,
    sku: license.sku,
    quantity: ((i * 37) % 60) + 1,
    priority: i % 3,
    holdReason: i % 7 === 0 ? 'LICENSE_QUANTITY_EXHAUSTED' : 'LICENSE_PENDING',
  })).sort(compareHoldOrder);

  const inPages = (
    l: License,
    shipments: readonly Shipment[],
    remaining: number,
    pageSize: number,
  ): ReleasePlan => {
    const total: ReleasePlan = { release: [], relabel: [], remaining: { quantity: remaining } };
    for (let i = 0; i < shipments.length; i += pageSize) {
      const page = planRelease(l, shipments.slice(i, i + pageSize), total.remaining, NOW);
      total.release.push(...page.release);
      total.relabel.push(...page.relabel);
      total.remaining = page.remaining;
    }
    return total;
  };

  test.each([1, 3, 7, 40])(
    'gives the same plan in pages of %i, passing remaining on, as in one page',
    (size) => {
      const whole = planRelease(license, backlog, { quantity: 400 }, NOW);
      expect(whole.release.length).toBeGreaterThan(0);
      expect(whole.relabel.some((r) => r.holdReason === 'LICENSE_QUANTITY_EXHAUSTED')).toBe(true);
      expect(whole.relabel.some((r) => r.holdReason === 'LICENSE_MISMATCH')).toBe(true);
      const paged = inPages(license, backlog, 400, size);
      expect(ids(paged.release)).toEqual(ids(whole.release));
      expect(relabelled(paged)).toEqual(relabelled(whole));
      expect(paged.remaining).toEqual(whole.remaining);
    },
  );

  test('never releases more than the remaining quantity', () => {
    const plan = planRelease(license, backlog, { quantity: 400 }, NOW);
    const releasedUnits = plan.release.reduce((sum, s) => sum + s.quantity, 0);
    expect(releasedUnits).toBe(400 - plan.remaining.quantity);
    expect(plan.remaining.quantity).toBeGreaterThanOrEqual(0);
  });
});

describe('planRehold', () => {
  test.each<[LicenseStatus, HoldReason]>([
    ['SUSPENDED', 'LICENSE_SUSPENDED'],
    ['REVOKED', 'LICENSE_REVOKED'],
    ['EXPIRED', 'LICENSE_EXPIRED'],
    ['DENIED', 'LICENSE_DENIED'],
    ['PENDING', 'LICENSE_PENDING'],
  ])('puts RELEASED shipments back on HOLD when the license becomes %s, with %s', (status, reason) => {
    const released = [held(10, { status: 'RELEASED', value: 120_000 }), held(25, { status: 'RELEASED' })];
    const heldOk = held(5, { holdReason: 'LICENSE_QUANTITY_EXHAUSTED' });
    const heldMismatch = held(5, { sku: 'H100', holdReason: 'LICENSE_PENDING' });
    const heldMismatchLabelled = held(5, { customerId: 'CUST-B', holdReason: 'LICENSE_MISMATCH' });
    const history = [held(40, { status: 'SHIPPED' }), held(50, { status: 'CANCELLED' })];
    const otherLicense = held(70, { status: 'RELEASED', licenseId: 'LIC-OTHER' });

    const plan = planRehold(license, status, [
      ...released,
      heldOk,
      heldMismatch,
      heldMismatchLabelled,
      ...history,
      otherLicense,
    ]);

    expect(plan.rehold.map((r) => [r.shipment.shipmentId, r.holdReason])).toEqual(
      released.map((s) => [s.shipmentId, reason]),
    );
    expect(plan.returned).toEqual({ quantity: 35, value: 120_000 });
    expect(relabelled(plan)).toEqual([
      [heldOk.shipmentId, reason],
      [heldMismatch.shipmentId, 'LICENSE_MISMATCH'],
    ]);
  });

  test('does not relabel HELD shipments that already carry the reason', () => {
    const s = held(5, { holdReason: 'LICENSE_SUSPENDED' });
    expect(planRehold(license, 'SUSPENDED', [s])).toEqual({
      rehold: [],
      relabel: [],
      returned: { quantity: 0, value: 0 },
    });
  });

  test('leaves SHIPPED and CANCELLED shipments untouched and returns no units for them', () => {
    const plan = planRehold(license, 'REVOKED', [
      held(40, { status: 'SHIPPED' }),
      held(50, { status: 'CANCELLED' }),
    ]);
    expect(plan).toEqual({ rehold: [], relabel: [], returned: { quantity: 0, value: 0 } });
  });

  test('returns an empty plan for no shipments', () => {
    expect(planRehold(license, 'EXPIRED', [])).toEqual({
      rehold: [],
      relabel: [],
      returned: { quantity: 0, value: 0 },
    });
  });

  test('fails with a RangeError for APPROVED, which holds nothing', () => {
    expect(() => planRehold(license, 'APPROVED', [held(1, { status: 'RELEASED' })])).toThrow(RangeError);
    expect(() => planRehold(license, 'APPROVED', [])).toThrow(/APPROVED/);
  });
});
