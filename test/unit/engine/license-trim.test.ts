/**
 * A lowered limit: the trim re-holds last in hold order first until the
 * license is within its limits, and first-fit then releases what fits. The
 * engine plans both before it writes, so a trimmed shipment that first-fit
 * would take again stays RELEASED, untouched: no SHIPMENT_REHELD followed by
 * SHIPMENT_RELEASED for it. These tests check the outcome against the literal
 * reading of the rules (trim, then first-fit), computed here from the state
 * before the amendment with the domain's planners.
 */
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../local/random.js';
import { type License, LicenseSchema, type Shipment, ShipmentSchema } from '../../../shared/domain/model.js';
import { compareHoldOrder, planRelease, planTrim, remainingOf } from '../../../shared/domain/planning.js';
import {
  amend,
  apply,
  applyInSlices,
  changesTo,
  expectInvariants,
  holdReasons,
  idsWith,
  PAST,
  setStatus,
  shipmentEvents,
  withBacklog,
} from '../../helpers/fakes/engine-kit.js';
import { type MemoryWorld, memoryWorld } from '../../helpers/fakes/world.js';

/** A backlog in priorities 10, 20, 30, ...: room for shipments between them. */
const withBacklogOf = (w: MemoryWorld, license: Partial<License>, backlog: readonly Partial<Shipment>[]) =>
  withBacklog(w, license, backlog, 10);

/** The keys of History's entries so far. */
const entryKeys = (w: MemoryWorld) => new Set(w.entries().map((e) => `${e.licenseId}/${e.entryId}`));

/** History's SHIPMENT_* entries written since `before`, after shipment-history has run. */
async function shipmentEntries(w: MemoryWorld, before: Set<string>) {
  await shipmentEvents(w);
  return w
    .entries()
    .filter((e) => !before.has(`${e.licenseId}/${e.entryId}`))
    .filter((e) => String(e.eventType).startsWith('SHIPMENT_'))
    .map((e) => [e.shipmentId, e.eventType, e.holdReason ?? null]);
}

describe('trim: a trimmed shipment that fits again stays released', () => {
  it('re-holds only what first-fit leaves out: the last, smaller shipment keeps its release', async () => {
    const w = memoryWorld();
    const { lut, ids } = withBacklogOf(w, { authorizedQuantity: 60 }, [
      { quantity: 30 },
      { quantity: 20 },
      { quantity: 10 },
    ]);
    await setStatus(w, lut.licenseId, 'APPROVED');
    await shipmentEvents(w);
    const before = entryKeys(w);
    const heldBefore = changesTo(w, 'HELD');

    // Literally: the trim re-holds the third (50 > 45) and the second (30); first-fit then takes the third again.
    expect(await amend(w, lut, 'authorizedQuantity', 45)).toMatchObject({ reheld: 1, released: 0 });
    expect(idsWith(w, lut.licenseId, 'RELEASED')).toEqual([ids[0], ids[2]].sort());
    expect(holdReasons(w, lut.licenseId)).toEqual({ [String(ids[1])]: 'LICENSE_QUANTITY_EXHAUSTED' });
    expect(w.license(lut.licenseId)).toMatchObject({ releasedQuantity: 40 });
    expect(changesTo(w, 'HELD').get(String(ids[2]))).toBe(heldBefore.get(String(ids[2])));
    expect(await shipmentEntries(w, before)).toEqual([
      [ids[1], 'SHIPMENT_REHELD', 'LICENSE_QUANTITY_EXHAUSTED'],
    ]);
    const alert = w.alerter.about(lut.licenseId).at(-1);
    expect(alert?.message).toContain('after the re-holds it drew 40 units');
    expectInvariants(w);
  });

  it('re-holds for value as LICENSE_VALUE_EXHAUSTED and keeps what still fits the value limit', async () => {
    const w = memoryWorld();
    const { lut, ids } = withBacklogOf(w, { authorizedQuantity: 100, authorizedValue: 80_000 }, [
      { value: 40_000 },
      { value: 30_000 },
      { value: 10_000 },
    ]);
    await setStatus(w, lut.licenseId, 'APPROVED');
    await shipmentEvents(w);
    const before = entryKeys(w);

    expect(await amend(w, lut, 'authorizedValue', 55_000)).toMatchObject({ reheld: 1, released: 0 });
    expect(holdReasons(w, lut.licenseId)).toEqual({ [String(ids[1])]: 'LICENSE_VALUE_EXHAUSTED' });
    expect(w.license(lut.licenseId)).toMatchObject({ releasedQuantity: 20, releasedValue: 50_000 });
    expect(await shipmentEntries(w, before)).toEqual([
      [ids[1], 'SHIPMENT_REHELD', 'LICENSE_VALUE_EXHAUSTED'],
    ]);
    expectInvariants(w);
  });

  it('re-holds a shipment without value under a new value limit once, as SHIPMENT_VALUE_MISSING', async () => {
    const w = memoryWorld();
    const { lut, ids } = withBacklogOf(w, { authorizedQuantity: 100 }, [{ value: 50_000 }, {}]);
    await setStatus(w, lut.licenseId, 'APPROVED');
    await shipmentEvents(w);
    const before = entryKeys(w);

    expect(await amend(w, lut, 'authorizedValue', 30_000)).toMatchObject({ reheld: 2, released: 0 });
    expect(holdReasons(w, lut.licenseId)).toEqual({
      [String(ids[0])]: 'LICENSE_VALUE_EXHAUSTED',
      [String(ids[1])]: 'SHIPMENT_VALUE_MISSING',
    });
    // One entry each: not re-held as LICENSE_VALUE_EXHAUSTED and then relabelled.
    expect((await shipmentEntries(w, before)).sort()).toEqual(
      [
        [ids[0], 'SHIPMENT_REHELD', 'LICENSE_VALUE_EXHAUSTED'],
        [ids[1], 'SHIPMENT_REHELD', 'SHIPMENT_VALUE_MISSING'],
      ].sort(),
    );
    expectInvariants(w);
  });

  it('re-holds every RELEASED shipment without value once a value limit is added, though no limit is over (DESIGN §3: value is required under one)', async () => {
    const w = memoryWorld();
    const { lut, ids } = withBacklogOf(w, { authorizedQuantity: 100 }, [
      { quantity: 5, value: 10_000 },
      { quantity: 5 },
      { quantity: 5, value: 20_000 },
      { quantity: 5 },
    ]);
    await setStatus(w, lut.licenseId, 'APPROVED');
    await shipmentEvents(w);
    const before = entryKeys(w);

    // USD 30,000 drawn of 1,000,000: nothing is over; the value-less ones drew nothing from the new limit.
    expect(await amend(w, lut, 'authorizedValue', 1_000_000)).toMatchObject({ reheld: 2, released: 0 });
    expect(holdReasons(w, lut.licenseId)).toEqual({
      [String(ids[1])]: 'SHIPMENT_VALUE_MISSING',
      [String(ids[3])]: 'SHIPMENT_VALUE_MISSING',
    });
    expect(w.license(lut.licenseId)).toMatchObject({ releasedQuantity: 10, releasedValue: 30_000 });
    expect((await shipmentEntries(w, before)).sort()).toEqual(
      [
        [ids[1], 'SHIPMENT_REHELD', 'SHIPMENT_VALUE_MISSING'],
        [ids[3], 'SHIPMENT_REHELD', 'SHIPMENT_VALUE_MISSING'],
      ].sort(),
    );
    expectInvariants(w);
  });

  it('re-holds the RELEASED shipments without value in slices, then trims what is still over', async () => {
    const w = memoryWorld();
    const { lut, ids } = withBacklogOf(w, { authorizedQuantity: 100 }, [
      ...Array.from({ length: 5 }, () => ({ quantity: 2 })),
      { quantity: 10, value: 40_000 },
      { quantity: 10, value: 40_000 },
    ]);
    await setStatus(w, lut.licenseId, 'APPROVED');
    await shipmentEvents(w);

    // USD 80,000 drawn over a 50,000 limit: the last one in hold order is trimmed; none without value stays.
    w.console.edit('licenses', lut.licenseId, 'authorizedValue', 50_000);
    // Each slice is out of time once it has written: the re-hold hands over after each page of 2.
    await apply(w, lut.licenseId, PAST(), { pageSize: 2 });
    expect(w.license(lut.licenseId).pendingWork).toBeDefined();
    await applyInSlices(w, lut.licenseId, { pageSize: 2 });
    expect(holdReasons(w, lut.licenseId)).toEqual({
      ...Object.fromEntries(ids.slice(0, 5).map((id) => [id, 'SHIPMENT_VALUE_MISSING'])),
      [String(ids[6])]: 'LICENSE_VALUE_EXHAUSTED',
    });
    expect(w.license(lut.licenseId)).toMatchObject({ releasedQuantity: 10, releasedValue: 40_000 });
    expectInvariants(w);
  });

  it('re-holds with the reason the release pass gives, whose room is less by the trimmed shipments kept after it (no relabel)', async () => {
    const w = memoryWorld();
    const { lut, ids } = withBacklogOf(w, { authorizedQuantity: 8, authorizedValue: 100_000 }, [
      { quantity: 1, value: 10_000, priority: 10 },
      { quantity: 3, value: 50_000, priority: 30 },
      { quantity: 4, value: 10_000, priority: 40 },
    ]);
    await setStatus(w, lut.licenseId, 'APPROVED');
    await shipmentEvents(w);
    w.seed.accepted([lut.shipment({ quantity: 2, value: 1_000, priority: 20 })]);
    const changesBefore = w.store.streams.shipments.filter((e) => e.key === ids[1]).length;

    // The plan: 7 units and USD 45,000 left; the held 2 units fit, the 3 units are short of value only, the
    // last 4 units fit and stay. The pass then has 1 unit left at the 3 units: short of quantity.
    await amend(w, lut, 'authorizedValue', 55_000);
    expect(holdReasons(w, lut.licenseId)).toEqual({ [String(ids[1])]: 'LICENSE_QUANTITY_EXHAUSTED' });
    expect(w.store.streams.shipments.filter((e) => e.key === ids[1]).length - changesBefore).toBe(1);
    expectInvariants(w);
  });

  it('gives the room to a HELD shipment earlier in hold order, not to a trimmed one after it', async () => {
    const w = memoryWorld();
    const { lut, ids } = withBacklogOf(w, { authorizedQuantity: 60 }, [
      { quantity: 30, priority: 10 },
      { quantity: 20, priority: 30 },
      { quantity: 10, priority: 40 },
    ]);
    await setStatus(w, lut.licenseId, 'APPROVED');
    await shipmentEvents(w);
    // Accepted while the license has no room left: HELD, ahead of the second and third in hold order.
    const early = lut.shipment({ quantity: 12, priority: 20 });
    w.seed.accepted([early]);

    // After the trim 15 units are left: the early one takes 12, so neither trimmed one fits again.
    expect(await amend(w, lut, 'authorizedQuantity', 45)).toMatchObject({ reheld: 2, released: 1 });
    expect(idsWith(w, lut.licenseId, 'RELEASED')).toEqual([ids[0], early.shipmentId].sort());
    expect(holdReasons(w, lut.licenseId)).toEqual({
      [String(ids[1])]: 'LICENSE_QUANTITY_EXHAUSTED',
      [String(ids[2])]: 'LICENSE_QUANTITY_EXHAUSTED',
    });
    expectInvariants(w);
  });
});

describe('trim: nothing over', () => {
  it('tells ops nothing of a re-hold when an amendment of a value-limited license trims nothing', async () => {
    const w = memoryWorld();
    const { lut } = withBacklog(w, { authorizedQuantity: 100, authorizedValue: 1_000_000 }, [
      { quantity: 10, value: 1_000 },
      { quantity: 10, value: 1_000 },
    ]);
    await setStatus(w, lut.licenseId, 'APPROVED');
    for (const [term, value] of [
      ['authorizedQuantity', 200],
      ['validUntil', new Date(Date.parse(lut.license.validUntil) + 86_400_000).toISOString()],
    ] as const) {
      expect(await amend(w, lut, term, value)).toMatchObject({ kind: 'completed', reheld: 0 });
    }
    expect(w.alerter.about(lut.licenseId).map((a) => a.subject)).not.toContain(
      `License ${lut.licenseId}: amendment put shipments back on hold`,
    );
    expectInvariants(w);
  });
});

describe('trim: in slices', () => {
  it('keeps its plan when a new shipment asks for a release pass between its slices', async () => {
    const w = memoryWorld();
    const { lut, ids } = withBacklogOf(w, { authorizedQuantity: 7 }, [
      { quantity: 1, priority: 10 },
      { quantity: 5, priority: 20 },
      { quantity: 1, priority: 40 },
    ]);
    await setStatus(w, lut.licenseId, 'APPROVED');
    await shipmentEvents(w);
    const held = lut.shipment({ quantity: 4, priority: 30 });
    w.seed.accepted([held]); // the license is full: HELD, ahead of the last one

    // The first slice re-holds the 5 units and hands its plan over.
    await amend(w, lut, 'authorizedQuantity', 5, { deadline: PAST(), pageSize: 1 });
    expect(w.license(lut.licenseId).workCursor).toMatch(/^trim#/);
    // A new shipment: shipment-events asks the license for a release pass.
    w.console.put('shipments', lut.shipment({ quantity: 50, priority: 50 }));
    await shipmentEvents(w);
    expect(w.license(lut.licenseId).workCursor).toMatch(/^trim#/);
    await applyInSlices(w, lut.licenseId, { pageSize: 1 });
    // Literally: the trim re-holds the last 1 and the 5 (1 unit drawn of 5); first-fit then takes the held 4, not the last 1.
    expect(idsWith(w, lut.licenseId, 'RELEASED')).toEqual([ids[0], held.shipmentId].sort());
    expect(w.license(lut.licenseId)).toMatchObject({ releasedQuantity: 5 });
    expect(w.alerter.about(lut.licenseId).map((a) => a.subject)).toContain(
      `License ${lut.licenseId}: amendment put shipments back on hold`,
    );
    expectInvariants(w);
  });

  it('goes on with the same plan when a slice runs out of time, so slicing does not change the outcome or lose the alert', async () => {
    const w = memoryWorld();
    const { lut, ids } = withBacklogOf(w, { authorizedQuantity: 10 }, [
      { quantity: 3, priority: 1 },
      { quantity: 4, priority: 2 },
      { quantity: 1, priority: 4 },
      { quantity: 2, priority: 6 },
    ]);
    await setStatus(w, lut.licenseId, 'APPROVED');
    await shipmentEvents(w);
    const early = lut.shipment({ quantity: 2, priority: 5 });
    w.seed.accepted([early]); // the license is full: HELD, ahead of the last one

    await amend(w, lut, 'authorizedQuantity', 6, { deadline: PAST(), pageSize: 1 });
    await applyInSlices(w, lut.licenseId, { pageSize: 1 });
    // Literally: the trim re-holds 2, 1 and 4 units (3 left of 6); first-fit then takes the 1 and the early 2.
    expect(idsWith(w, lut.licenseId, 'RELEASED')).toEqual([ids[0], ids[2], early.shipmentId].sort());
    expect(w.alerter.about(lut.licenseId).map((a) => a.subject)).toEqual([
      `License ${lut.licenseId}: amendment put shipments back on hold`,
    ]);
    expectInvariants(w);
  });

  it('hands over after its re-holds when out of time, plans again from what is left, and alerts once', async () => {
    const w = memoryWorld();
    const { lut, ids } = withBacklog(
      w,
      { authorizedQuantity: 100 },
      [30, 5, 20, 5, 10, 5, 10, 5].map((quantity) => ({ quantity })),
    );
    await setStatus(w, lut.licenseId, 'APPROVED');
    await shipmentEvents(w);

    // Every slice is out of time once it has written, with pages of one shipment.
    w.console.edit('licenses', lut.licenseId, 'authorizedQuantity', 52);
    expect(await apply(w, lut.licenseId, PAST(), { pageSize: 1 })).toMatchObject({ kind: 'continued' });
    await applyInSlices(w, lut.licenseId, { pageSize: 1 });
    // Literally: the trim re-holds the last six (back to 35 units), and first-fit takes back 5 and 10 of the 17 left.
    expect(idsWith(w, lut.licenseId, 'RELEASED')).toEqual(
      [ids[0], ids[1], ids[3], ids[4]].map(String).sort(),
    );
    expect(w.license(lut.licenseId)).toMatchObject({ releasedQuantity: 50 });
    const alerts = w.alerter.about(lut.licenseId);
    expect(alerts.map((a) => a.subject)).toEqual([
      `License ${lut.licenseId}: amendment put shipments back on hold`,
    ]);
    expectInvariants(w);
  });
});

/** The shipments of a license as parsed, RELEASED and HELD ones in hold order, and SHIPPED. */
function stateOf(w: MemoryWorld, licenseId: string) {
  const all = w
    .items('shipments')
    .filter((s) => s.licenseId === licenseId)
    .map((s) => ShipmentSchema.parse(s) as Shipment)
    .sort(compareHoldOrder);
  return {
    released: all.filter((s) => s.status === 'RELEASED'),
    held: all.filter((s) => s.status === 'HELD'),
  };
}

/** The literal rules on the state before the amendment: the trim's re-holds, then first-fit over all HELD. */
function literalOutcome(license: License, released: Shipment[], held: Shipment[]): string[] {
  const drawn = { quantity: license.releasedQuantity, value: license.releasedValue };
  const trim = planTrim(license, [...released].reverse(), drawn);
  const trimmed = new Set(trim.rehold.map((r) => r.shipment.shipmentId));
  const within = {
    ...license,
    releasedQuantity: drawn.quantity - trim.returned.quantity,
    releasedValue: drawn.value - trim.returned.value,
  };
  const asHeld = released
    .filter((s) => trimmed.has(s.shipmentId))
    .map((s) => ({ ...s, status: 'HELD' as const }));
  const candidates = [...held, ...asHeld].sort(compareHoldOrder);
  const again = planRelease(within, candidates, remainingOf(within), new Date()).release;
  return [
    ...released.filter((s) => !trimmed.has(s.shipmentId)).map((s) => s.shipmentId),
    ...again.map((s) => s.shipmentId),
  ].sort();
}

describe('trim: the outcome is the literal one, in any paging', () => {
  it.each(Array.from({ length: 80 }, (_, seed) => seed))(
    'seed %i: same RELEASED shipments as trim-then-first-fit, and at most one change per shipment',
    async (seed) => {
      const random = mulberry32(seed + 1);
      const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
      const w = memoryWorld();
      const withValue = random() < 0.5;
      const backlog = Array.from({ length: int(4, 14) }, () => ({
        quantity: int(1, 12),
        priority: int(1, 9),
        ...(withValue && random() < 0.9 ? { value: int(1, 12) * 1_000 } : {}),
      }));
      const total = backlog.reduce((n, s) => n + s.quantity, 0);
      const { lut } = withBacklog(
        w,
        {
          authorizedQuantity: int(Math.ceil(total / 2), total),
          ...(withValue ? { authorizedValue: 200_000 } : {}),
        },
        backlog,
      );
      await setStatus(w, lut.licenseId, 'APPROVED');
      await shipmentEvents(w);
      // A few more arrive while it has little room left: HELD anywhere in hold order.
      w.seed.accepted(
        Array.from({ length: int(0, 3) }, () => lut.shipment({ quantity: int(1, 8), priority: int(1, 9) })),
      );

      const license = LicenseSchema.parse(w.license(lut.licenseId)) as License;
      const { released, held } = stateOf(w, lut.licenseId);
      const byValue = withValue && random() < 0.5;
      const lowered = byValue
        ? Math.floor(license.releasedValue * (0.2 + random() * 0.7))
        : Math.floor(license.releasedQuantity * (0.2 + random() * 0.7));
      const attribute = byValue ? 'authorizedValue' : 'authorizedQuantity';
      const expected = literalOutcome({ ...license, [attribute]: lowered }, released, held);

      const mark = w.store.streams.shipments.length;
      // Half the seeds in slices that run out of time once they have written.
      const sliced = seed % 2 === 1;
      const pageSize = int(1, 4);
      await amend(w, lut, attribute, lowered, { pageSize, ...(sliced ? { deadline: PAST() } : {}) });
      if (sliced) await applyInSlices(w, lut.licenseId, { pageSize }, 100);
      expect(idsWith(w, lut.licenseId, 'RELEASED')).toEqual(expected);
      // One committed change at most per shipment: none re-held and released again, none re-held and relabelled.
      const changes = new Map<string, number>();
      for (const e of w.store.streams.shipments.slice(mark)) {
        if (Number(e.newImage?.revision ?? 0) > Number(e.oldImage?.revision ?? 0))
          changes.set(e.key, (changes.get(e.key) ?? 0) + 1);
      }
      expect([...changes].filter(([, n]) => n > 1)).toEqual([]);
      expectInvariants(w);
    },
  );
});
