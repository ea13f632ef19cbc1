/**
 * docs/OPERATIONS.md "Upgrading", end to end on the in-memory
 * world. A stack written by the release before (0e7943a): countedAs stamps
 * without a seal (5-field, and 3-field from older ones), holdOrder keys in
 * whole milliseconds, and an applied license's appliedTerms without a sealed
 * copy. reconcile, then reconcile --fix (plan order: hold orders, then the
 * seals, after shipment-events judged what came before), then the re-check's
 * exit code, then the system at work.
 */
import { describe, expect, it } from 'vitest';
import { holdOrderWrite, staleHoldOrders } from '../../../cli/reconcile-hold-order.js';
import { planReconcile, stampViolations } from '../../../cli/reconcile-plan.js';
import { exitFor, holdOrderFixes, sealFixes, termsSealFixes } from '../../../cli/reconcile-report.js';
import { sealWrite, unsealedStamps, unsealedStampsOf } from '../../../cli/reconcile-stamps.js';
import { damagedSealViolations, termsSealWrite, unsealedTerms } from '../../../cli/reconcile-terms.js';
import { countedAsOf, stampOf } from '../../../shared/domain/counters.js';
import { checkInvariants } from '../../../shared/domain/invariants.js';
import type { Shipment } from '../../../shared/domain/model.js';
import { holdOrderKey } from '../../../shared/domain/planning.js';
import type { RawItem } from '../../../shared/domain/ports.js';
import { appliedSealOf, appliedTermsItem, appliedTermsOf } from '../../../shared/domain/terms.js';
import { GSI_ATTR } from '../../../shared/names.js';
import {
  amend,
  apply,
  givenLicense,
  idsWith,
  setStatus,
  settleShipments,
} from '../../helpers/fakes/engine-kit.js';
import { type MemoryWorld, memoryWorld } from '../../helpers/fakes/world.js';

/** holdOrderKey as 0e7943a wrote it: milliseconds only. */
const millisecondKey = (s: { priority: number; requestedAt: string; shipmentId: string }) =>
  `${String(s.priority).padStart(6, '0')}#${new Date(s.requestedAt).toISOString()}#${s.shipmentId}`;

/** The stamp as an earlier release wrote it. */
const unsealed = (s: Shipment | RawItem, fields: 3 | 5) => {
  const { quantity, sku, warehouseId, customerId, licenseId } = countedAsOf(s as Shipment);
  return fields === 5
    ? { quantity, sku, warehouseId, customerId, licenseId }
    : { quantity, sku, warehouseId };
};

/** Rewrites a shipment as the previous release left it (no stream record: it was always so). */
function asPreviousRelease(w: MemoryWorld, id: string, fields: 3 | 5) {
  const item = w.shipment(id);
  w.store.seed('shipments', {
    ...item,
    countedAs: unsealed(item, fields),
    [GSI_ATTR.holdOrder]: millisecondKey(item as unknown as Shipment),
  });
}

const itemsOf = (w: MemoryWorld) => ({
  licenses: w.items('licenses'),
  shipments: w.items('shipments'),
  inventory: w.items('inventory'),
});

/** Rewrites a license's appliedTerms as the previous release left it: no sealed copy. */
function unsealedTermsOfPreviousRelease(w: MemoryWorld, licenseId: string) {
  const { sealed: _sealed, ...plain } = w.license(licenseId).appliedTerms as Record<string, unknown>;
  w.store.seed('licenses', { ...w.license(licenseId), appliedTerms: plain });
}

/** The violations as the CLI gathers them (I1–I3, I6, broken stamps, damaged seals of applied terms). */
const violationsOf = (w: MemoryWorld, items: ReturnType<typeof itemsOf>) => [
  ...checkInvariants(items).violations,
  ...w.historyViolations(),
  ...stampViolations(items.shipments),
  ...damagedSealViolations(items.licenses),
];

/** `clearance reconcile` over the world: violations as the CLI gathers them (see violationsOf). */
function check(w: MemoryWorld) {
  const items = itemsOf(w);
  const result = checkInvariants(items);
  const violations = violationsOf(w, items);
  const plan = planReconcile(items, { ...result, violations });
  const found = {
    violations,
    shippedOverLimit: result.shippedOverLimit,
    staleHoldOrder: holdOrderFixes(plan),
    unsealedStamps: sealFixes(plan),
    unsealedTerms: termsSealFixes(plan),
  };
  return { plan, found, exit: exitFor(found) };
}

/** `clearance reconcile --fix --yes`: the plan's writes in order, seals after the streams drained; then the re-check. */
async function reconcileFix(w: MemoryWorld, drainBeforeSeals = true) {
  const { plan } = check(w);
  const written: string[] = [];
  const skipped: string[] = [];
  let settled = false;
  for (const fix of plan.fixes) {
    if ((fix.kind === 'seal' || fix.kind === 'termsSeal') && !settled) {
      if (drainBeforeSeals) await settleShipments(w); // SEAL_SETTLE_MS: shipment-events judged what came before
      w.advance(15_000);
      settled = true;
    }
    if (fix.kind === 'termsSeal') {
      const write = termsSealWrite(fix, 'cli:local:ops');
      const ok = w.store.update('licenses', write.licenseId, { set: write.set, expect: write.expect });
      (ok ? written : skipped).push(`${fix.kind}:${fix.licenseId}`);
      continue;
    }
    if (fix.kind !== 'seal' && fix.kind !== 'holdOrder')
      throw new Error(`unexpected counter fix ${fix.kind}`);
    const ok = await w.shipments.update(fix.kind === 'seal' ? sealWrite(fix) : holdOrderWrite(fix));
    (ok ? written : skipped).push(`${fix.kind}:${fix.shipmentId}`);
  }
  await settleShipments(w);
  const items = itemsOf(w);
  const result = checkInvariants(items);
  const after = {
    violations: violationsOf(w, items),
    shippedOverLimit: result.shippedOverLimit,
    staleHoldOrder: staleHoldOrders(items.shipments),
    unsealedStamps: unsealedStamps(items.shipments, items.licenses),
    unsealedTerms: unsealedTerms(items.licenses, items.shipments),
  };
  return { plan, written, skipped, after, exit: exitFor(after) };
}

const customersTold = (w: MemoryWorld, id: string) => [
  ...new Set(
    w.publisher
      .to('customer')
      .filter((m) => m.body.includes(id))
      .map((m) => m.attributes.customerId),
  ),
];

/**
 * The stack as 0e7943a left it:
 * - LIC-P (CUST-A, PENDING, 10 units): SHP-P-A (…000900Z) and SHP-P-B (…000100Z), priority 1, 10 units each,
 *   5-field stamps, millisecond keys (A sorts first by id: the later request); SHP-P-3 priority 2, 3-field stamp.
 * - LIC-R (CUST-A, APPROVED, 20 units): SHP-R-A (…000900Z) and SHP-R-B (…000100Z) RELEASED, 5-field stamps,
 *   millisecond keys; its appliedTerms without a sealed copy.
 * - LIC-Q (CUST-A, PENDING): SHP-Q-1, 3-field stamp, whole-millisecond requestedAt (no key to rewrite).
 */
async function previousReleaseStack(w: MemoryWorld) {
  const p = givenLicense(w, { customerId: 'CUST-A', authorizedQuantity: 10 });
  const r = givenLicense(w, { customerId: 'CUST-A', authorizedQuantity: 20 });
  const q = givenLicense(w, { customerId: 'CUST-A', authorizedQuantity: 100 });
  const at = (micro: string) => `2026-05-01T00:00:00.000${micro}Z`;
  w.console.put(
    'shipments',
    p.shipment({ shipmentId: 'SHP-P-A', priority: 1, quantity: 10, requestedAt: at('900') }),
  );
  w.console.put(
    'shipments',
    p.shipment({ shipmentId: 'SHP-P-B', priority: 1, quantity: 10, requestedAt: at('100') }),
  );
  w.console.put('shipments', p.shipment({ shipmentId: 'SHP-P-3', priority: 2, quantity: 5 }));
  w.console.put(
    'shipments',
    r.shipment({ shipmentId: 'SHP-R-A', priority: 1, quantity: 10, requestedAt: at('900') }),
  );
  w.console.put(
    'shipments',
    r.shipment({ shipmentId: 'SHP-R-B', priority: 1, quantity: 10, requestedAt: at('100') }),
  );
  w.console.put('shipments', q.shipment({ shipmentId: 'SHP-Q-1', priority: 1, quantity: 7 }));
  await settleShipments(w);
  await setStatus(w, r.licenseId, 'APPROVED');
  await settleShipments(w);
  expect(idsWith(w, r.licenseId, 'RELEASED')).toEqual(['SHP-R-A', 'SHP-R-B']);
  for (const id of ['SHP-P-A', 'SHP-P-B', 'SHP-R-A', 'SHP-R-B']) asPreviousRelease(w, id, 5);
  for (const id of ['SHP-P-3', 'SHP-Q-1']) asPreviousRelease(w, id, 3);
  unsealedTermsOfPreviousRelease(w, r.licenseId);
  // The previous release's keys put the later request of each pair first.
  expect(w.shipment('SHP-P-A')[GSI_ATTR.holdOrder]).toBe('000001#2026-05-01T00:00:00.000Z#SHP-P-A');
  return { p, r, q };
}

describe('the upgrade checklist end to end on a stack the previous release wrote', () => {
  it('reconcile, reconcile --fix, then exit 0, sealed stamps, rewritten keys, and a system that keeps its promises', async () => {
    const w = memoryWorld();
    const { p, r, q } = await previousReleaseStack(w);
    const entriesBefore = w.entries().length;
    const revisions = new Map(w.items('shipments').map((s) => [s.shipmentId, s.revision]));
    const publishedBefore = w.publisher.published.length;
    const alertsBefore = w.alerter.alerts.length;

    // (4) reconcile: stale hold orders (exit 3) and unsealed stamps (a note).
    const first = check(w);
    expect(first.found.violations).toEqual([]);
    expect(first.found.staleHoldOrder.map((f) => f.shipmentId).sort()).toEqual([
      'SHP-P-A',
      'SHP-P-B',
      'SHP-R-A',
      'SHP-R-B',
    ]);
    expect(first.found.unsealedStamps.map((f) => f.shipmentId).sort()).toEqual([
      'SHP-P-3',
      'SHP-P-A',
      'SHP-P-B',
      'SHP-Q-1',
      'SHP-R-A',
      'SHP-R-B',
    ]);
    expect(first.plan.unsealedLeft).toBeUndefined();
    expect(first.found.unsealedTerms.map((f) => f.licenseId)).toEqual([r.licenseId]);
    expect(first.plan.unsealedTermsLeft).toBeUndefined();
    expect(first.plan.busy).toEqual([]);
    expect(first.exit).toBe(3);

    // reconcile --fix: rewrites stale hold orders and seals old stamps in one run.
    const fixed = await reconcileFix(w);
    expect(fixed.skipped).toEqual([]);
    expect(fixed.written).toHaveLength(11);
    expect(fixed.after.violations).toEqual([]);
    expect(fixed.after.staleHoldOrder).toEqual([]);
    expect(fixed.after.unsealedStamps).toEqual([]);
    expect(fixed.after.unsealedTerms).toEqual([]);
    const terms = appliedTermsOf(w.license(r.licenseId));
    expect(appliedSealOf(w.license(r.licenseId)).kind).toBe('sealed');
    expect(terms && w.license(r.licenseId).appliedTerms).toEqual(
      terms && appliedTermsItem(r.licenseId, terms),
    );
    expect(unsealedStampsOf(w.items('shipments'), w.items('licenses')).left).toEqual([]);
    expect(fixed.exit).toBe(0);
    for (const s of w.items('shipments')) {
      expect(s.countedAs, String(s.shipmentId)).toEqual(stampOf(s as unknown as Shipment));
      expect(s[GSI_ATTR.holdOrder], String(s.shipmentId)).toBe(holdOrderKey(s as unknown as Shipment));
      expect(s.revision, String(s.shipmentId)).toBe(revisions.get(s.shipmentId));
    }
    // No History entry, no notice, no alert for the fixes.
    expect(w.entries().length).toBe(entriesBefore);
    expect(w.publisher.published.length).toBe(publishedBefore);
    expect(w.alerter.alerts.length).toBe(alertsBefore);
    // A second reconcile: nothing left, exit 0.
    expect(check(w)).toMatchObject({ exit: 0, plan: { fixes: [] } });

    // Sealed by --fix, LIC-R's applied terms are out of reach of a find and replace over its JSON
    // (appliedTerms included): the edit is judged against the sealed copy and set back.
    const lic = w.license(r.licenseId);
    w.console.put('licenses', JSON.parse(JSON.stringify(lic).split('"CUST-A"').join('"CUST-B"')));
    expect(w.license(r.licenseId).appliedTerms).toMatchObject({ customerId: 'CUST-B' });
    await apply(w, r.licenseId);
    expect(w.license(r.licenseId)).toMatchObject({
      customerId: 'CUST-A',
      appliedTerms: { customerId: 'CUST-A' },
      statusError: expect.stringMatching(/^amendment rejected: customerId/),
    });
    await settleShipments(w);

    // Approve LIC-P: the earlier request of the sub-millisecond pair goes first (DESIGN §3).
    await setStatus(w, p.licenseId, 'APPROVED');
    await settleShipments(w);
    expect(idsWith(w, p.licenseId, 'RELEASED')).toEqual(['SHP-P-B']);

    // Lower LIC-R to 10: the later request is re-held, the earlier stays released.
    await amend(w, r, 'authorizedQuantity', 10);
    await settleShipments(w);
    expect(idsWith(w, r.licenseId, 'RELEASED')).toEqual(['SHP-R-B']);

    // A find and replace of CUST-A by CUST-B over sealed SHP-Q-1 (stamp too), read by a pass before it is set back.
    const item = w.shipment('SHP-Q-1');
    w.console.put('shipments', {
      ...item,
      customerId: 'CUST-B',
      countedAs: { ...(item.countedAs as Record<string, unknown>), customerId: 'CUST-B' },
    });
    await setStatus(w, q.licenseId, 'APPROVED');
    await settleShipments(w);
    await apply(w, q.licenseId); // the follow-up pass a set-back edit asks for
    await settleShipments(w);
    expect(w.shipment('SHP-Q-1')).toMatchObject({ customerId: 'CUST-A', status: 'RELEASED' });
    expect(customersTold(w, 'SHP-Q-1')).toEqual(['CUST-A']);
    expect(w.alerter.alerts.filter((a) => a.subject.includes('SHP-Q-1')).map((a) => a.subject)).toEqual([
      'Shipment SHP-Q-1: edit of customerId, countedAs rejected',
    ]);

    // I1–I6.
    expect(w.violations()).toEqual([]);
    expect(w.historyViolations()).toEqual([]);
    expect(check(w).exit).toBe(0);
  });

  it('the same run with the Shipments stream behind (hold order and seal records of one item in one batch) ends the same', async () => {
    const w = memoryWorld();
    const { p } = await previousReleaseStack(w);
    const alertsBefore = w.alerter.alerts.length;
    const entriesBefore = w.entries().length;
    const fixed = await reconcileFix(w, false);
    expect(fixed.skipped).toEqual([]);
    expect(fixed.exit).toBe(0);
    expect(fixed.after.unsealedStamps).toEqual([]);
    expect(w.alerter.alerts.length).toBe(alertsBefore);
    expect(w.entries().length).toBe(entriesBefore);
    for (const s of w.items('shipments')) expect(s.countedAs).toEqual(stampOf(s as unknown as Shipment));
    await setStatus(w, p.licenseId, 'APPROVED');
    await settleShipments(w);
    expect(idsWith(w, p.licenseId, 'RELEASED')).toEqual(['SHP-P-B']);
    expect(w.violations()).toEqual([]);
    expect(w.historyViolations()).toEqual([]);
  });
});
