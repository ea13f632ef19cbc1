/**
 * `clearance reconcile` and hold order keys an earlier version wrote. Since
 * requestedAt's digits finer than the millisecond count in holdOrderKey
 * (`…00.000900Z` keys as `…00.000Z900000#id`), a shipment accepted before
 * keeps `…00.000Z#id` until a stream record of it comes by; that key sorts
 * before every new key of its millisecond ('#' < '0'), so its license would
 * release it ahead of an earlier request (DESIGN §3: ties within a priority
 * go to the earlier request), and re-hold it last under a lowered limit.
 * A pass reading the index cannot tell a stale key without reading every
 * item: reconcile finds them from its scan, and --fix rewrites them with the
 * write shipment-events restamps with.
 */
import { describe, expect, it } from 'vitest';
import { holdOrderWrite, staleHoldOrders } from '../../../cli/reconcile-hold-order.js';
import { planReconcile } from '../../../cli/reconcile-plan.js';
import { checkInvariants } from '../../../shared/domain/invariants.js';
import { GSI_ATTR } from '../../../shared/names.js';
import { asAccepted } from '../../helpers/factories.js';
import {
  amend,
  apply,
  givenLicense,
  idsWith,
  type LicenseUnderTest,
  settleShipments,
} from '../../helpers/fakes/engine-kit.js';
import { type MemoryWorld, memoryWorld } from '../../helpers/fakes/world.js';

/** holdOrderKey as the version before sub-millisecond keys wrote it (milliseconds only). */
const millisecondKey = (s: { priority: number; requestedAt: string; shipmentId: string }) =>
  `${String(s.priority).padStart(6, '0')}#${new Date(s.requestedAt).toISOString()}#${s.shipmentId}`;

/**
 * SHP-LATE, accepted by the earlier version (HELD, counted, in the held index
 * under the key it wrote then), and SHP-EARLY, requested 800 µs before it in
 * the same millisecond and accepted by this one. One fits `quantity`.
 */
async function acceptedAcrossTheUpgrade(w: MemoryWorld, quantity = 10): Promise<LicenseUnderTest> {
  const lut = givenLicense(w, { authorizedQuantity: quantity });
  const later = lut.shipment({
    shipmentId: 'SHP-LATE',
    priority: 1,
    quantity: 10,
    requestedAt: '2026-01-01T00:00:00.000900Z',
  });
  w.seed.accepted([later]);
  w.store.seed('shipments', {
    ...asAccepted(later),
    holdReason: 'LICENSE_PENDING',
    [GSI_ATTR.holdOrder]: millisecondKey(later),
  });
  const earlier = lut.shipment({
    shipmentId: 'SHP-EARLY',
    priority: 1,
    quantity: 10,
    requestedAt: '2026-01-01T00:00:00.000100Z',
  });
  w.console.put('shipments', earlier);
  await settleShipments(w);
  return lut;
}

/** SHP-LATE's key as the earlier version wrote it. */
const LATE_BEFORE = '000001#2026-01-01T00:00:00.000Z#SHP-LATE';

const itemsOf = (w: MemoryWorld) => ({
  licenses: w.items('licenses'),
  shipments: w.items('shipments'),
  inventory: w.items('inventory'),
});
const planOf = (w: MemoryWorld) => planReconcile(itemsOf(w), checkInvariants(itemsOf(w)));

/** reconcile --fix's hold order writes, through the Shipments port as the CLI makes them. */
async function fixHoldOrders(w: MemoryWorld): Promise<boolean[]> {
  const written: boolean[] = [];
  for (const fix of staleHoldOrders(w.items('shipments')))
    written.push(await w.shipments.update(holdOrderWrite(fix)));
  return written;
}

describe('reconcile and hold order keys of an earlier version', () => {
  it('finds the shipment whose stale key puts it ahead of an earlier request of its millisecond', async () => {
    const w = memoryWorld();
    const lut = await acceptedAcrossTheUpgrade(w);
    // The held index, as a release pass reads it: the later request first.
    const page = await w.shipments.page('held', lut.licenseId, undefined, 10);
    expect(page.items.map((s) => s.shipmentId)).toEqual(['SHP-LATE', 'SHP-EARLY']);

    expect(planOf(w).fixes).toEqual([
      {
        kind: 'holdOrder',
        shipmentId: 'SHP-LATE',
        read: LATE_BEFORE,
        set: '000001#2026-01-01T00:00:00.000Z900000#SHP-LATE',
        revision: 1,
        countedStatus: 'HELD',
        priority: 1,
        requestedAt: '2026-01-01T00:00:00.000900Z',
      },
    ]);
    // It breaks no counter invariant: only reconcile's hold order check sees it.
    expect(w.violations({})).toEqual([]);
  });

  it('releases the earlier request first once --fix rewrote the stale key, without a revision, notice or History entry', async () => {
    const w = memoryWorld();
    const lut = await acceptedAcrossTheUpgrade(w);
    const published = w.publisher.published.length;
    const entries = w.entries().length;

    expect(await fixHoldOrders(w)).toEqual([true]);
    expect(w.shipment('SHP-LATE')).toMatchObject({
      [GSI_ATTR.holdOrder]: '000001#2026-01-01T00:00:00.000Z900000#SHP-LATE',
      revision: 1,
      status: 'HELD',
      countedStatus: 'HELD',
    });
    // shipment-events and shipment-history take the rewrite's stream record as the restamp it is.
    await settleShipments(w);
    expect(w.publisher.published.length).toBe(published);
    expect(w.entries().length).toBe(entries);
    expect(w.alerter.alerts).toEqual([]);
    expect(planOf(w).fixes).toEqual([]);

    w.console.edit('licenses', lut.licenseId, 'status', 'APPROVED');
    await apply(w, lut.licenseId);
    await settleShipments(w);
    expect(idsWith(w, lut.licenseId, 'RELEASED')).toEqual(['SHP-EARLY']);
  });

  it('re-holds the later request first under a lowered limit once --fix rewrote its RELEASED key', async () => {
    const w = memoryWorld();
    const lut = await acceptedAcrossTheUpgrade(w, 20);
    w.console.edit('licenses', lut.licenseId, 'status', 'APPROVED');
    await apply(w, lut.licenseId);
    await settleShipments(w);
    expect(idsWith(w, lut.licenseId, 'RELEASED').sort()).toEqual(['SHP-EARLY', 'SHP-LATE']);
    // As the earlier version released it: in the released index under the key it wrote then.
    w.store.seed('shipments', { ...w.shipment('SHP-LATE'), [GSI_ATTR.holdOrder]: LATE_BEFORE });
    expect(staleHoldOrders(w.items('shipments'))).toMatchObject([
      { shipmentId: 'SHP-LATE', countedStatus: 'RELEASED' },
    ]);

    expect(await fixHoldOrders(w)).toEqual([true]);
    await settleShipments(w);
    await amend(w, lut, 'authorizedQuantity', 10);
    await settleShipments(w);
    expect(idsWith(w, lut.licenseId, 'RELEASED')).toEqual(['SHP-EARLY']);
  });

  it.each([
    [
      'its holdOrder',
      (w: MemoryWorld) => w.store.seed('shipments', { ...w.shipment('SHP-LATE'), holdOrder: 'x' }),
    ],
    [
      'its revision',
      (w: MemoryWorld) => w.store.seed('shipments', { ...w.shipment('SHP-LATE'), revision: 2 }),
    ],
    ['its priority', (w: MemoryWorld) => w.console.edit('shipments', 'SHP-LATE', 'priority', 2)],
  ])('writes nothing when %s changed since the scan', async (_what, change) => {
    const w = memoryWorld();
    await acceptedAcrossTheUpgrade(w);
    const [fix] = staleHoldOrders(w.items('shipments'));
    if (!fix) throw new Error('no stale hold order');
    change(w);
    const before = w.shipment('SHP-LATE');
    expect(await w.shipments.update(holdOrderWrite(fix))).toBe(false);
    expect(w.shipment('SHP-LATE')).toEqual(before);
  });

  it('leaves a copy of another shipment to the copy intake, and a shipment already keyed as it should be', async () => {
    const w = memoryWorld();
    await acceptedAcrossTheUpgrade(w);
    const copy = { ...w.shipment('SHP-LATE'), shipmentId: 'SHP-COPY' };
    const early = w.shipment('SHP-EARLY');
    expect(early[GSI_ATTR.holdOrder]).toBe('000001#2026-01-01T00:00:00.000Z100000#SHP-EARLY');
    expect(staleHoldOrders([copy, early])).toEqual([]);
  });
});
