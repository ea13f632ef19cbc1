/**
 * clockTick: expiry past validUntil, the wake-up at validFrom and the
 * settling pass, each followed through applyLicense where it starts work.
 */
import { describe, expect, it } from 'vitest';
import type { License } from '../../../shared/domain/model.js';
import {
  BACKLOG_CONCURRENCY,
  type ClockWatch,
  clockTick,
  heldBacklog,
  RECHECK_CONCURRENCY,
} from '../../../shared/engine/clock.js';
import {
  apply,
  clockWatchOf,
  expectInvariants,
  givenLicense,
  holdReasons,
  idsWith,
  setStatus,
} from '../../helpers/fakes/engine-kit.js';
import { type MemoryWorld, memoryWorld } from '../../helpers/fakes/world.js';

/** A tick that found nothing to do. */
const NOTHING_DONE = {
  expired: [],
  woken: [],
  settling: [],
  expiring: [],
  expiryFailed: [],
  quietRechecksSkipped: 0,
  expiryWatchesDeferred: 0,
};

const tick = (w: MemoryWorld) => clockTick(w.licenses, w.now(), w.newToken);

/** Writes the clock made (anything but reads). */
const writesSince = (w: MemoryWorld, calls: number) =>
  w.store
    .ops()
    .slice(calls)
    .filter((op) => op !== 'licenses.scan');

/** An APPROVED license with two 10-unit shipments released, valid until `validUntil`. */
async function releasedUntil(w: MemoryWorld, validUntil: string, overrides: Partial<License> = {}) {
  const lut = givenLicense(w, { validUntil, ...overrides });
  w.seed.accepted([lut.shipment(), lut.shipment()]);
  await setStatus(w, lut.licenseId, 'APPROVED');
  expect(idsWith(w, lut.licenseId, 'RELEASED')).toHaveLength(2);
  return lut;
}

describe('expiry', () => {
  it('expires an APPROVED license once validUntil has passed, as the clock, and its shipments go back to HELD', async () => {
    const w = memoryWorld();
    const validUntil = '2026-06-01T13:00:00.000Z';
    const lut = await releasedUntil(w, validUntil);
    w.setNow(validUntil);
    expect((await tick(w)).expired, 'validUntil itself is still valid').toEqual([]);

    w.advance(1);
    expect(await tick(w)).toMatchObject({ expired: [lut.licenseId], woken: [], settling: [] });
    expect(w.license(lut.licenseId)).toMatchObject({
      status: 'EXPIRED',
      appliedStatus: 'APPROVED',
      statusReason: `validity window ended at ${validUntil}`,
      updatedBy: 'license-clock',
    });
    expect(await apply(w, lut.licenseId)).toMatchObject({ reheld: 2 });
    expect(new Set(Object.values(holdReasons(w, lut.licenseId)))).toEqual(new Set(['LICENSE_EXPIRED']));
    expect(w.license(lut.licenseId).releasedQuantity).toBe(0);
    expectInvariants(w);
  });

  it('expires a SUSPENDED license too, and leaves other statuses past validUntil alone', async () => {
    const w = memoryWorld();
    const past = '2026-05-01T00:00:00.000Z';
    const suspended = givenLicense(w, { status: 'SUSPENDED', appliedStatus: 'SUSPENDED', validUntil: past });
    for (const status of ['PENDING', 'DENIED', 'REVOKED', 'EXPIRED'] as const)
      givenLicense(w, { status, appliedStatus: status, validUntil: past });
    const calls = w.store.calls.length;
    expect((await tick(w)).expired).toEqual([suspended.licenseId]);
    expect(writesSince(w, calls)).toEqual(['licenses.setStatus']);
    expect(await apply(w, suspended.licenseId)).toMatchObject({ kind: 'completed' });
    expect(w.license(suspended.licenseId).appliedStatus).toBe('EXPIRED');
  });
  it.each<[string, unknown]>([
    ['a rejected typo', 'Suspended'],
    ['emptied in the console (NULL)', null],
    ['removed', undefined],
  ])(
    'expires an applied license whose status is %s: it cannot keep shipments RELEASED past the window',
    async (_name, status) => {
      const w = memoryWorld();
      const validUntil = '2026-06-01T13:00:00.000Z';
      const lut = await releasedUntil(w, validUntil);
      expect(await setStatus(w, lut.licenseId, status)).toMatchObject({ kind: 'rejected' });
      expect(w.license(lut.licenseId).statusError).toEqual(expect.any(String));

      w.setNow('2026-06-01T13:00:00.001Z');
      expect((await tick(w)).expired).toEqual([lut.licenseId]);
      expect(w.license(lut.licenseId)).toMatchObject({ status: 'EXPIRED', updatedBy: 'license-clock' });
      expect(await apply(w, lut.licenseId)).toMatchObject({ reheld: 2 });
      expect(idsWith(w, lut.licenseId, 'RELEASED')).toEqual([]);
      expectInvariants(w);
    },
  );

  it('leaves an EXPIRED not applied yet alone, though a rejected typo left statusError: its author and reason stay', async () => {
    const w = memoryWorld();
    const validUntil = '2026-06-01T13:00:00.000Z';
    const lut = await releasedUntil(w, validUntil);
    expect(await setStatus(w, lut.licenseId, 'Suspended')).toMatchObject({ kind: 'rejected' });
    w.console.put('licenses', {
      ...w.license(lut.licenseId),
      status: 'EXPIRED',
      statusReason: 'customer closed the contract',
      updatedBy: 'alice@corp',
    });
    w.setNow('2026-06-01T13:00:00.001Z');
    const calls = w.store.calls.length;
    // Before, the clock set EXPIRED again over it, as license-clock with its own reason.
    expect((await tick(w)).expired).toEqual([]);
    expect(writesSince(w, calls)).toEqual([]);
    expect(await apply(w, lut.licenseId)).toMatchObject({ reheld: 2 });
    expect(w.entries().find((e) => e.status === 'EXPIRED' && e.shipmentId === undefined)).toMatchObject({
      actor: 'alice@corp',
      reason: 'customer closed the contract',
    });
  });

  it('leaves a status edit that is not applied yet to license-events, even past validUntil', async () => {
    const w = memoryWorld();
    givenLicense(w, {
      status: 'SUSPENDED',
      appliedStatus: 'APPROVED',
      validUntil: '2026-05-01T00:00:00.000Z',
    });
    const calls = w.store.calls.length;
    expect((await tick(w)).expired).toEqual([]);
    expect(writesSince(w, calls)).toEqual([]);
  });
});

describe('validFrom', () => {
  it('wakes an approved license waiting for validFrom once it arrives, and the release pass releases', async () => {
    const w = memoryWorld();
    const validFrom = '2026-06-02T00:00:00.000Z';
    const lut = givenLicense(w, { validFrom });
    w.seed.accepted([lut.shipment(), lut.shipment()]);
    await setStatus(w, lut.licenseId, 'APPROVED');
    expect(w.license(lut.licenseId).waitingForValidFrom).toBe(validFrom);

    w.setNow('2026-06-01T23:59:59.999Z');
    expect(await tick(w)).toMatchObject({ woken: [], settling: [lut.licenseId] });
    // The settling pass, still before validFrom, keeps the license waiting.
    expect(await apply(w, lut.licenseId)).toMatchObject({ released: 0 });
    expect(w.license(lut.licenseId).waitingForValidFrom).toBe(validFrom);
    w.setNow(validFrom);
    expect(await tick(w)).toMatchObject({ woken: [lut.licenseId], expired: [] });
    expect(w.license(lut.licenseId).pendingWork).toEqual(expect.any(String));

    expect(await apply(w, lut.licenseId)).toMatchObject({ released: 2 });
    expect(w.license(lut.licenseId).waitingForValidFrom).toBeUndefined();
    expect((await tick(w)).woken, 'woken once').toEqual([]);
    expectInvariants(w);
  });

  it('wakes at the current validFrom when an amendment moved it, not at the one the pass saw', async () => {
    const w = memoryWorld();
    const lut = givenLicense(w, { validFrom: '2026-07-01T00:00:00.000Z' });
    w.seed.accepted([lut.shipment()]);
    await setStatus(w, lut.licenseId, 'APPROVED');
    expect(w.license(lut.licenseId).waitingForValidFrom).toBe('2026-07-01T00:00:00.000Z');
    // An earlier validFrom the stream has not delivered yet: the clock must not wait for the stale one.
    w.console.edit('licenses', lut.licenseId, 'validFrom', '2026-06-05T00:00:00.000Z');
    w.setNow('2026-06-05T00:00:00.000Z');
    expect((await tick(w)).woken).toEqual([lut.licenseId]);
    expect(await apply(w, lut.licenseId)).toMatchObject({ released: 1 });
    expectInvariants(w);
  });

  it('does not wake a license whose approval is not applied yet', async () => {
    const w = memoryWorld();
    givenLicense(w, {
      status: 'APPROVED',
      appliedStatus: 'PENDING',
      waitingForValidFrom: '2026-05-01T00:00:00.000Z',
    });
    const calls = w.store.calls.length;
    expect((await tick(w)).woken).toEqual([]);
    expect(writesSince(w, calls), 'not even a conditional write').toEqual([]);
  });
});

describe('settling pass', () => {
  it('asks for the settling pass once settleCheckAt is past, with a settle# token, and only then', async () => {
    const w = memoryWorld();
    const lut = await releasedUntil(w, '2099-12-31T23:59:59.999Z');
    const checkAt = String(w.license(lut.licenseId).settleCheckAt);
    w.setNow(new Date(Date.parse(checkAt) - 1));
    expect((await tick(w)).settling).toEqual([]);
    w.setNow(checkAt);
    expect((await tick(w)).settling).toEqual([lut.licenseId]);
    expect(w.license(lut.licenseId).pendingWork).toMatch(/^settle#tok-\d+$/);
    expect(w.license(lut.licenseId).settleCheckAt).toBeUndefined();
    expect((await tick(w)).settling, 'asked once').toEqual([]);
  });

  it('does not ask for a settling pass while work is pending or the status is not applied', async () => {
    const w = memoryWorld();
    const due = '2026-06-01T11:00:00.000Z';
    givenLicense(w, {
      status: 'APPROVED',
      appliedStatus: 'APPROVED',
      settleCheckAt: due,
      pendingWork: 'busy',
    });
    givenLicense(w, { status: 'SUSPENDED', appliedStatus: 'APPROVED', settleCheckAt: due });
    const calls = w.store.calls.length;
    expect(await tick(w)).toEqual(NOTHING_DONE);
    expect(writesSince(w, calls)).toEqual([]);
  });
});

describe('a license that is fine', () => {
  it('writes nothing for licenses with nothing due, and skips invalid items', async () => {
    const w = memoryWorld();
    await releasedUntil(w, '2099-12-31T23:59:59.999Z');
    givenLicense(w);
    w.seed.license({ licenseId: 'LIC-BROKEN', status: 'APPROVED', validUntil: 'soon' });
    w.advance(1000); // before settleCheckAt
    const calls = w.store.calls.length;
    expect(await tick(w)).toEqual(NOTHING_DONE);
    expect(writesSince(w, calls)).toEqual([]);
  });

  it('sums the held backlog by hold reason over all licenses', async () => {
    const w = memoryWorld();
    const a = givenLicense(w);
    const b = givenLicense(w, { authorizedQuantity: 10 });
    w.seed.accepted([a.shipment(), a.shipment(), b.shipment(), b.shipment()]);
    await setStatus(w, b.licenseId, 'APPROVED');
    expect(Object.fromEntries((await heldBacklog(w.licenses, w.shipments)) ?? [])).toEqual({
      LICENSE_PENDING: 2,
      LICENSE_QUANTITY_EXHAUSTED: 1,
    });
  });

  it("counts licenses' held indexes several at once, and gives up rather than run past its deadline", async () => {
    const w = memoryWorld();
    for (let i = 0; i < 40; i++) {
      const l = givenLicense(w);
      w.seed.accepted([l.shipment()]);
    }
    let inFlight = 0;
    let most = 0;
    // The world's repository, but each count waits a turn: how many run at once shows.
    const shipments: typeof w.shipments = Object.create(w.shipments);
    shipments.countHeldByReason = async (licenseId: string) => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      return w.shipments.countHeldByReason(licenseId);
    };
    expect(Object.fromEntries((await heldBacklog(w.licenses, shipments)) ?? [])).toEqual({
      LICENSE_PENDING: 40,
    });
    // Before, one license after another: a 100,000-license table outlasted the clock's 60 s every 5th tick.
    expect(most).toBe(BACKLOG_CONCURRENCY);
    expect(await heldBacklog(w.licenses, shipments, Date.now() - 1)).toBeUndefined();
  });
});

describe('quiet expiry leads', () => {
  const DAY = 86_400_000;

  /** `n` APPROVED licenses with nothing under them whose 30-day lead came due quiet, in licenseId order. */
  async function quietLicenses(w: MemoryWorld, n: number, watch: ClockWatch) {
    const validUntil = new Date(w.now().getTime() + 40 * DAY).toISOString();
    const luts = [];
    for (let i = 0; i < n; i++) {
      const lut = givenLicense(w, { validUntil });
      await setStatus(w, lut.licenseId, 'APPROVED');
      luts.push(lut);
    }
    w.setNow(new Date(Date.parse(validUntil) - 30 * DAY));
    expect((await clockTick(w.licenses, w.now(), w.newToken, watch)).expiring).toEqual([]);
    for (const l of luts) expect(w.license(l.licenseId).expiryAlerted).toMatchObject({ quiet: [30] });
    return luts.sort((a, b) => (a.licenseId < b.licenseId ? -1 : 1));
  }

  const watchOf = clockWatchOf;

  it('re-checks them after the scan only while in time, and the next ticks go on after the last one checked', async () => {
    const w = memoryWorld();
    const cursor: { after?: string } = {};
    const luts = await quietLicenses(w, 3, watchOf(w));
    const last = luts[2];
    if (!last) throw new Error('three licenses');
    w.seed.accepted([last.shipment({ quantity: 5 })]);
    w.advance(DAY);

    const calls = w.store.ops().length;
    const none = await clockTick(w.licenses, w.now(), w.newToken, watchOf(w, { inTime: () => false }));
    expect(none).toMatchObject({ expiring: [], quietRechecksSkipped: 3 });
    expect(w.store.ops().slice(calls), 'out of time: nothing read').toEqual(['licenses.scan']);

    // Time for one re-check per tick: the first tick takes the first license, the next ones go on from there.
    const oneEach = () => {
      let left = 1;
      return watchOf(w, { inTime: () => left-- > 0, recheckCursor: cursor });
    };
    const ticks = [];
    for (let i = 0; i < 3; i++) ticks.push(await clockTick(w.licenses, w.now(), w.newToken, oneEach()));
    expect(ticks.map((t) => t.quietRechecksSkipped)).toEqual([2, 2, 2]);
    expect(ticks.map((t) => t.expiring)).toEqual([[], [], [last.licenseId]]);
    expect(cursor.after).toBe(last.licenseId);
    expect(w.alerter.compliance(last.licenseId, 'LICENSE_EXPIRING')).toHaveLength(1);
  });

  it('re-checks each quiet license on one tick in `recheckEvery`, spread over the ticks', async () => {
    const w = memoryWorld();
    const luts = await quietLicenses(w, 10, watchOf(w));
    w.advance(DAY);
    const calls = w.store.calls.length;
    const perTick: number[] = [];
    for (let minute = 0; minute < 5; minute++) {
      const before = w.store.calls.length;
      const slot = new Date(Date.UTC(2026, 5, 1, 12, minute));
      await clockTick(w.licenses, w.now(), w.newToken, watchOf(w, { recheckEvery: 5, slot }));
      perTick.push(w.store.calls.slice(before).filter((c) => c.op === 'shipments.page').length / 2);
    }
    const read = w.store.calls.slice(calls).filter((c) => c.op === 'shipments.page');
    for (const l of luts)
      expect(
        read.filter((c) => c.args[1] === l.licenseId),
        `${l.licenseId}: both indexes, once`,
      ).toHaveLength(2);
    expect(Math.max(...perTick), `spread: ${perTick}`).toBeLessThan(10);
  });

  it('re-checks several licenses at once', async () => {
    const w = memoryWorld();
    await quietLicenses(w, 2 * RECHECK_CONCURRENCY, watchOf(w));
    let inFlight = 0;
    let most = 0;
    const shipments: typeof w.shipments = Object.create(w.shipments);
    shipments.page = async (...args: Parameters<typeof w.shipments.page>) => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      return w.shipments.page(...args);
    };
    w.advance(DAY);
    expect(await clockTick(w.licenses, w.now(), w.newToken, watchOf(w, { shipments }))).toMatchObject({
      expiring: [],
      quietRechecksSkipped: 0,
    });
    expect(most, 'both indexes of each license at once').toBe(2 * RECHECK_CONCURRENCY);
  });
});
