/**
 * Two license-clock ticks at once, and one tick twice. On AWS, EventBridge
 * invokes license-clock asynchronously every minute: a slow tick overlaps the
 * next one, and an asynchronous invocation may be delivered more than once.
 * The local stack never overlaps ticks (local/esm/schedules.ts), so this file
 * does it on the memory fakes: each tick waits at every port call
 * (store.enter) for a scheduler that lets one tick run at a time, in a chosen
 * or seeded order, so a tick can read before the other writes and write
 * after it (and after license-events applied what the other wrote).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../local/random.js';
import { judgedLeads, quietLeads } from '../../../shared/domain/compliance.js';
import { expiryDigests } from '../../../shared/domain/compliance-notices.js';
import type { Shipment } from '../../../shared/domain/model.js';
import type { RawItem } from '../../../shared/domain/ports.js';
import { type ClockResult, type ClockWatch, clockTick } from '../../../shared/engine/clock.js';
import {
  apply,
  changesTo,
  clockWatchOf,
  givenLicense,
  idsWith,
  PAST,
  setStatus,
  settleShipments,
} from '../../helpers/fakes/engine-kit.js';
import { type MemoryWorld, memoryWorld, SETTLE_DELAY_MS } from '../../helpers/fakes/world.js';

const MINUTE = 60_000;
const DAY = 86_400_000;
const EXPIRING = 'LICENSE_EXPIRING';

type TickName = 'A' | 'B';
const ticking = new AsyncLocalStorage<TickName>();
/** Which waiting tick goes on, at the `turn`-th turn. */
type Pick = (waiting: TickName[], turn: number) => TickName;

/** Every port call a clock tick makes: each is a point where the other tick may run. */
const TICK_OPS = [
  'licenses.scan',
  'licenses.get',
  'licenses.setStatus',
  'licenses.requestRelease',
  'licenses.requestSettlePass',
  'licenses.recordAlerted',
  'shipments.page',
  'shipments.sumHeld',
  'publisher.publish',
  'alerter.alert',
];

/**
 * Lets one tick run at a time: a tick that reaches a port call waits there;
 * once no tick runs, `pick` chooses which waiting one goes on. When the first
 * tick ends, `between` runs (license-events acting on its writes) before the
 * other goes on.
 */
class Turns {
  private readonly waiting = new Map<TickName, () => void>();
  private readonly running = new Set<TickName>();
  private turn = 0;
  private busy = false;
  private ended = 0;

  constructor(
    private readonly pick: Pick,
    private readonly between?: () => Promise<void>,
    /** Told of each port call as it goes on (the other tick waits meanwhile). */
    private readonly onTurn?: (tick: TickName, op: string) => void,
  ) {}

  /** The hook at each port call: a tick's call waits for its turn; other callers pass. */
  async at(op: string): Promise<void> {
    const me = ticking.getStore();
    if (me === undefined) return;
    await new Promise<void>((resolve) => {
      this.running.delete(me);
      this.waiting.set(me, resolve);
      this.next();
    });
    this.onTurn?.(me, op);
  }

  async run(name: TickName, tick: () => Promise<ClockResult>): Promise<ClockResult> {
    this.running.add(name);
    try {
      return await ticking.run(name, tick);
    } finally {
      this.running.delete(name);
      if (this.ended++ === 0 && this.between) {
        this.busy = true;
        await ticking.exit(this.between);
        this.busy = false;
      }
      this.next();
    }
  }

  private next(): void {
    // Not before both ticks wait at their first call: the first turn is the pick's too.
    if (this.busy || this.running.size > 0 || this.waiting.size === 0 || this.waiting.size + this.ended < 2)
      return;
    const waiting = [...this.waiting.keys()].sort();
    const chosen = this.pick(waiting, this.turn++);
    const resolve = this.waiting.get(chosen);
    if (resolve === undefined) throw new Error(`${chosen} was picked but is not waiting (${waiting})`);
    this.waiting.delete(chosen);
    this.running.add(chosen);
    resolve();
  }
}

/** B reads first, then A runs to its end, then B writes what it read before A wrote. */
const staleB = (waiting: TickName[], turn: number): TickName =>
  turn === 0 ? 'B' : waiting.includes('A') ? 'A' : 'B';
/** A, then B, at every port call. */
const alternate = (waiting: TickName[], turn: number): TickName =>
  waiting.includes(turn % 2 === 0 ? 'A' : 'B') ? (turn % 2 === 0 ? 'A' : 'B') : (waiting[0] as TickName);
/** A to its end, then B: the same tick delivered twice. */
const oneAfterTheOther = (waiting: TickName[]): TickName => (waiting.includes('A') ? 'A' : 'B');
/** A seeded random order (a fresh one per test, so a test run alone gets the same order). */
const seeded = (seed: number) => () => {
  const r = mulberry32(seed);
  return (waiting: TickName[]): TickName => waiting[Math.floor(r() * waiting.length)] as TickName;
};

const watchOf = (w: MemoryWorld, errors: unknown[]): ClockWatch =>
  clockWatchOf(w, { pageSize: 2, onError: (licenseId, error) => errors.push({ licenseId, error }) });

/**
 * license-events and both Shipments stream consumers until nothing is left to
 * do: every license with a new Licenses stream record or work pending is
 * applied to the end of its work.
 */
async function settle(w: MemoryWorld): Promise<void> {
  for (let round = 0; round < 20; round++) {
    const ids = new Set(
      w.licenseRecords().map((r) => String(r.newImage?.licenseId ?? r.oldImage?.licenseId)),
    );
    for (const l of w.items('licenses')) if (l.pendingWork !== undefined) ids.add(String(l.licenseId));
    for (const id of ids) await apply(w, id);
    const shipmentRounds = await settleShipments(w);
    if (ids.size === 0 && shipmentRounds === 0) return;
  }
  throw new Error('license-events never went quiet');
}

/** Shipments entered in the console and taken in by shipment-events (counted HELD, their History recorded). */
async function accept(w: MemoryWorld, shipments: readonly Shipment[]): Promise<void> {
  for (const s of shipments) w.console.put('shipments', s);
  await settleShipments(w);
}

/** APPROVED with two 10-unit shipments RELEASED at WH-1. */
async function approved(w: MemoryWorld, overrides: Parameters<typeof givenLicense>[1] = {}) {
  const lut = givenLicense(w, overrides);
  await accept(w, [lut.shipment(), lut.shipment()]);
  await setStatus(w, lut.licenseId, 'APPROVED');
  return lut;
}

/**
 * A license in every situation the clock handles, its work done and its
 * shipment changes recorded; the clock then ticks at `at` (an hour later):
 * - expired: APPROVED, two shipments RELEASED, validUntil 30 minutes ago;
 * - waking: APPROVED, two shipments kept as LICENSE_NOT_YET_VALID, validFrom 30 minutes ago;
 * - settling: settleCheckAt due (the others' is due too; they are judged first for the rest);
 * - expiring: the 30-day lead due, RELEASED at WH-1 and WH-2, one shipment HELD;
 * - pending: a release pass in its first slice, settleCheckAt of the earlier pass due;
 * - pendingExpired: the same, past validUntil;
 * - typo: like expired, with a rejected status typo (the expiry replaces it).
 */
async function everySituation() {
  const w = memoryWorld();
  const t0 = w.now().getTime();
  const at = new Date(t0 + 60 * MINUTE);
  const soon = new Date(t0 + 30 * MINUTE).toISOString();
  const expired = await approved(w, { validUntil: soon });
  const waking = await approved(w, { validFrom: soon });
  const settling = await approved(w);
  const expiringUntil = new Date(at.getTime() + 29 * DAY).toISOString();
  const expiring = givenLicense(w, { authorizedQuantity: 100, validUntil: expiringUntil });
  const s = (o: Parameters<typeof expiring.shipment>[0]) =>
    expiring.shipment({ quantity: 10, value: 1_000, ...o });
  await accept(w, [
    s({ priority: 1, warehouseId: 'WH-1' }),
    s({ priority: 2, warehouseId: 'WH-2' }),
    s({ priority: 3, warehouseId: 'WH-1' }),
    s({ priority: 9, quantity: 80, value: 50_000 }),
  ]);
  await setStatus(w, expiring.licenseId, 'APPROVED');
  const pending = await approved(w);
  const pendingExpired = await approved(w, { validUntil: soon });
  const typo = await approved(w, { validUntil: soon });
  w.console.edit('licenses', typo.licenseId, 'status', 'Suspended');
  await settle(w);
  expect(w.license(typo.licenseId)).toMatchObject({
    appliedStatus: 'APPROVED',
    statusError: expect.any(String),
  });
  // New shipments arrive under the last two; shipment-events asks for a pass that stops after a slice.
  for (const lut of [pending, pendingExpired]) {
    await accept(w, [lut.shipment(), lut.shipment(), lut.shipment()]);
    w.licenseRecords();
    expect(await w.licenses.requestRelease(lut.licenseId, w.newToken())).toBe(true);
    expect(await apply(w, lut.licenseId, PAST(), { pageSize: 1 })).toMatchObject({ kind: 'continued' });
  }
  await settleShipments(w);
  w.licenseRecords();

  for (const lut of [expired, typo]) expect(idsWith(w, lut.licenseId, 'RELEASED')).toHaveLength(2);
  expect(w.license(waking.licenseId).waitingForValidFrom).toBe(soon);
  expect(idsWith(w, waking.licenseId, 'RELEASED')).toEqual([]);
  expect(idsWith(w, expiring.licenseId, 'RELEASED')).toHaveLength(3);
  for (const lut of [expired, waking, settling, expiring])
    expect(Date.parse(String(w.license(lut.licenseId).settleCheckAt))).toBeLessThan(at.getTime());
  for (const lut of [pending, pendingExpired]) {
    expect(w.license(lut.licenseId).pendingWork).toEqual(expect.any(String));
    expect(Date.parse(String(w.license(lut.licenseId).settleCheckAt))).toBeLessThan(at.getTime());
  }
  // The checker cannot read the typo's license until the expiry replaces the typo.
  expect(w.violations().filter((v) => !v.message.includes(typo.licenseId))).toEqual([]);
  expect(w.historyViolations()).toEqual([]);
  w.setNow(at);
  return {
    w,
    at,
    ids: {
      expired: expired.licenseId,
      waking: waking.licenseId,
      settling: settling.licenseId,
      expiring: expiring.licenseId,
      pending: pending.licenseId,
      pendingExpired: pendingExpired.licenseId,
      typo: typo.licenseId,
    },
  };
}

interface Schedule {
  /** A new picker of the next tick to run, for one test. */
  order: () => Pick;
  /** B reads before A writes anything, and writes after A ended. */
  stale?: boolean;
  /** license-events runs on the first tick's writes before the other tick goes on. */
  engineBetween?: boolean;
}

const SCHEDULES: [string, Schedule][] = [
  ['B reads, A runs, B writes', { order: () => staleB, stale: true }],
  [
    'B reads, A runs, license-events applies, B writes',
    { order: () => staleB, stale: true, engineBetween: true },
  ],
  ['the ticks alternate at every port call', { order: () => alternate }],
  ['the same tick twice, one after the other', { order: () => oneAfterTheOther }],
  ...[1, 2, 3, 4, 5, 6, 7, 8].map((seed): [string, Schedule] => [
    `seeded order ${seed}`,
    { order: seeded(seed) },
  ]),
];

/** When the second tick's clock stands: the same slot delivered twice, or the next slot while this one runs. */
const SECOND_TICK: [string, number][] = [
  ['a duplicate delivery (same now)', 0],
  ['the next minute', MINUTE],
];

const changedToExpired = (w: MemoryWorld, licenseId: string) =>
  w.store.streams.licenses.filter(
    (r) =>
      r.newImage?.licenseId === licenseId &&
      r.newImage.status === 'EXPIRED' &&
      r.oldImage?.status !== 'EXPIRED',
  );

/** History entries of the license's applied status becoming `status` (no shipment). */
const statusEntries = (w: MemoryWorld, licenseId: string, status: string): RawItem[] =>
  w.entries().filter((e) => e.licenseId === licenseId && e.shipmentId === undefined && e.status === status);

/**
 * Ticks A (at `at`) and B (at `at + later`) at once, in the schedule's order,
 * each with the expiry watch; what they returned and what their watch reported failing.
 */
async function runTicks(
  w: MemoryWorld,
  schedule: Schedule,
  at: Date,
  later: number,
  onTurn?: (tick: TickName, op: string) => void,
  /** The port calls where the other tick may run. @default every one (TICK_OPS) */
  turnsAt: readonly string[] = TICK_OPS,
) {
  const errors: unknown[] = [];
  const turns = new Turns(schedule.order(), schedule.engineBetween ? () => settle(w) : undefined, onTurn);
  const unhook = turnsAt.map((op) => w.faults.before(op, (call) => turns.at(call.op)));
  const calls = w.store.calls.length;
  const results = await Promise.all([
    turns.run('A', () => clockTick(w.licenses, at, w.newToken, watchOf(w, errors))),
    turns.run('B', () =>
      clockTick(w.licenses, new Date(at.getTime() + later), w.newToken, watchOf(w, errors)),
    ),
  ]);
  for (const u of unhook) u();
  if (!schedule.engineBetween)
    expect(
      w.store
        .ops()
        .slice(calls)
        .filter((op) => !TICK_OPS.includes(op)),
      'every port call of a tick is a point where the other may run',
    ).toEqual([]);
  return { results, errors };
}

describe('overlapping and repeated clock ticks', () => {
  describe.each(SECOND_TICK)('the second tick is %s', (_when, later) => {
    it.each(SCHEDULES)(
      '%s: nothing is done twice that matters, and neither tick fails',
      async (_name, schedule) => {
        const { w, at, ids } = await everySituation();
        const { results, errors } = await runTicks(w, schedule, at, later);
        const [a, b] = results as [ClockResult, ClockResult];
        if (schedule.stale && !schedule.engineBetween) {
          // B read before A wrote: each of its conditional writes found A's done (and its wake-up replaced A's).
          expect(b).toMatchObject({ expired: [], settling: [], woken: [ids.waking] });
          expect(a.woken).toEqual([ids.waking]);
        }
        const all = (key: Exclude<keyof ClockResult, 'quietRechecksSkipped' | 'expiryWatchesDeferred'>) =>
          results.flatMap((r) => r[key]);

        // No tick fails on the other's writes: a condition the other made false is work done.
        expect(errors).toEqual([]);
        expect(all('expiryFailed')).toEqual([]);

        // Each license expired once: one conditional write won, one status change on the stream.
        const expiredIds = [ids.expired, ids.pendingExpired, ids.typo];
        expect(all('expired').sort()).toEqual([...expiredIds].sort());
        for (const id of expiredIds) expect(changedToExpired(w, id)).toHaveLength(1);
        // A settling pass is asked once (its write is conditional on settleCheckAt and no work pending).
        expect(all('settling').filter((id) => id === ids.settling)).toEqual([ids.settling]);
        expect(new Set(all('settling')).size).toBe(all('settling').length);
        if (!schedule.engineBetween) expect(all('settling')).not.toContain(ids.pending);
        expect(all('woken')).toContain(ids.waking);

        // LICENSE_EXPIRING: once or twice, the same lead, the same dedupKey per warehouse.
        const alerts = w.alerter.compliance(ids.expiring, EXPIRING);
        expect(alerts.length).toBeGreaterThanOrEqual(1);
        expect(alerts.length).toBeLessThanOrEqual(2);
        expect(new Set(alerts.map((x) => x.subject)).size).toBe(1);
        expect(alerts[0]?.subject).toContain('expires in 30 days or less');
        const digests = w.publisher
          .to('logistics', 'digest')
          .filter((m) => m.attributes.eventType === EXPIRING);
        const keys = new Map<string, Set<string | undefined>>();
        for (const d of digests) {
          const warehouse = String(d.attributes.warehouseId);
          keys.set(warehouse, new Set([...(keys.get(warehouse) ?? []), d.attributes.dedupKey]));
        }
        expect([...keys.keys()].sort()).toEqual(['WH-1', 'WH-2']);
        for (const [warehouse, k] of keys) expect(k.size, `dedupKeys of the ${warehouse} digest`).toBe(1);
        expect(digests.length).toBe(2 * alerts.length);

        // license-events does what the ticks asked, then the clock settles what is left.
        for (let round = 0; round < 5; round++) {
          await settle(w);
          w.advance(SETTLE_DELAY_MS + 1);
          const tick = await clockTick(w.licenses, w.now(), w.newToken, watchOf(w, errors));
          expect(tick.expired).toEqual([]);
          expect(tick.expiring, 'the lead is recorded as judged').toEqual([]);
        }
        expect(errors).toEqual([]);
        const sent = w.publisher
          .to('logistics', 'digest')
          .filter((m) => m.attributes.eventType === EXPIRING)
          .map((m) => m.attributes.dedupKey);
        for (const key of new Set(sent)) expect(sent.filter((k) => k === key).length).toBeLessThanOrEqual(2);
        expect(w.license(ids.expiring).expiryAlerted).toEqual({
          validUntil: w.license(ids.expiring).validUntil,
          leads: [30],
        });
        for (const id of expiredIds) {
          expect(w.license(id)).toMatchObject({ status: 'EXPIRED', appliedStatus: 'EXPIRED' });
          expect(idsWith(w, id, 'RELEASED')).toEqual([]);
          expect(statusEntries(w, id, 'EXPIRED'), `History of ${id}'s expiry`).toHaveLength(1);
        }
        expect(idsWith(w, ids.waking, 'RELEASED')).toHaveLength(2);
        expect(idsWith(w, ids.pending, 'RELEASED')).toHaveLength(5);
        // No shipment released twice for one approval (I1), counters and draw right (I2, I3), History whole (I6).
        for (const id of [ids.waking, ids.pending, ids.settling, ids.expiring])
          for (const shipmentId of idsWith(w, id, 'RELEASED'))
            expect(changesTo(w, 'RELEASED').get(shipmentId), shipmentId).toBe(1);
        expect(w.violations()).toEqual([]);
        expect(w.historyViolations()).toEqual([]);
        for (const l of w.items('licenses')) expect(l.pendingWork, String(l.licenseId)).toBeUndefined();
      },
    );
  });

  it.each(SCHEDULES)(
    '%s: a lead that comes due between the two ticks: each lead sent at most twice, one dedupKey per lead and warehouse',
    async (_name, schedule) => {
      const w = memoryWorld();
      const at = new Date(w.now().getTime() + 60 * MINUTE);
      // The 7-day lead comes due 30 s after A's now, before B's: A sends the 30-day lead, B the 7-day one.
      const validUntil = new Date(at.getTime() + 7 * DAY + 30_000).toISOString();
      const lut = givenLicense(w, { authorizedQuantity: 100, validUntil });
      await accept(w, [
        lut.shipment({ quantity: 10, warehouseId: 'WH-1' }),
        lut.shipment({ quantity: 10, warehouseId: 'WH-2' }),
      ]);
      await setStatus(w, lut.licenseId, 'APPROVED');
      await settle(w);
      w.setNow(at);
      const { results, errors } = await runTicks(w, schedule, at, MINUTE);
      for (let round = 0; round < 3; round++) {
        await settle(w);
        w.advance(MINUTE);
        results.push(await clockTick(w.licenses, w.now(), w.newToken, watchOf(w, errors)));
      }
      expect(errors).toEqual([]);
      expect(results.flatMap((r) => r.expiryFailed)).toEqual([]);

      const keyOf = (lead: number) =>
        expiryDigests({
          license: lut.license,
          lead,
          now: at,
          released: ['WH-1', 'WH-2'].map((warehouseId) => ({ ...lut.shipment(), warehouseId })),
        }).map((d) => d.attributes.dedupKey);
      const expected = new Set([...keyOf(30), ...keyOf(7)]);
      const sent = w.publisher
        .to('logistics', 'digest')
        .filter((m) => m.attributes.eventType === EXPIRING)
        .map((m) => m.attributes.dedupKey);
      for (const key of sent) expect(expected, 'a digest under a key of its own').toContain(key);
      for (const key of expected) expect(sent.filter((k) => k === key).length).toBeLessThanOrEqual(2);
      for (const key of keyOf(7)) expect(sent, 'the 7-day digests').toContain(key);
      const subjects = w.alerter
        .compliance(lut.licenseId, EXPIRING)
        .map((x) => x.subject.match(/in (\d+) days/)?.[1]);
      expect(subjects).toContain('7');
      for (const lead of new Set(subjects))
        expect(subjects.filter((l) => l === lead).length).toBeLessThanOrEqual(2);
      expect(w.license(lut.licenseId).expiryAlerted).toEqual({ validUntil, leads: [30, 7] });
    },
  );
});

/**
 * Every interleaving of the two ticks, one per run: the pick at each turn
 * where both wait, counted up like the digits of a number (a depth-first
 * walk of the tree of choices).
 */
class EveryOrder {
  private readonly choices: number[] = [];
  private readonly widths: number[] = [];
  private depth = 0;
  runs = 0;

  /** The picker of the next run. */
  order = (): Pick => {
    this.depth = 0;
    this.runs++;
    return (waiting) => {
      const d = this.depth++;
      const c = this.choices[d] ?? 0;
      this.choices[d] = c;
      this.widths[d] = waiting.length;
      return waiting[c] as TickName;
    };
  };

  /** Moves on to the next interleaving; false once every one ran. */
  advance(): boolean {
    for (let i = this.depth - 1; i >= 0; i--) {
      const c = this.choices[i] as number;
      if (c + 1 < (this.widths[i] as number)) {
        this.choices.length = i + 1;
        this.widths.length = i + 1;
        this.choices[i] = c + 1;
        return true;
      }
    }
    return false;
  }
}

interface LeadCase {
  /** Two shipments RELEASED under the license before the ticks; without, its leads are judged quiet. */
  outstanding: boolean;
  /** The 30-day lead recorded as quiet by an earlier tick, before the shipments came. */
  quiet30?: boolean;
  /** When B's clock stands after A's (0: a duplicate delivery). The 7-day lead comes due 30 s after A's. */
  later: number;
  /** `expiryAlerted` as the two ticks leave it. */
  recorded: { leads: number[]; quiet?: number[] };
  /** The leads later ticks send (once shipments are RELEASED under the license). */
  after: number[];
}

const LEAD_CASES: [string, LeadCase][] = [
  [
    'the same tick twice, the 30-day lead due',
    { outstanding: true, later: 0, recorded: { leads: [30] }, after: [7] },
  ],
  [
    'the 7-day lead comes due between A and B',
    { outstanding: true, later: MINUTE, recorded: { leads: [30, 7] }, after: [] },
  ],
  [
    'A re-checks a quiet 30-day lead and sends it, B sends the 7-day lead come due',
    { outstanding: true, quiet30: true, later: MINUTE, recorded: { leads: [30, 7] }, after: [] },
  ],
  [
    'nothing outstanding: A judges the 30-day lead quiet, B the 7-day one too',
    { outstanding: false, later: MINUTE, recorded: { leads: [30, 7], quiet: [30, 7] }, after: [7] },
  ],
];

/** Two 10-unit shipments taken in and RELEASED under the (APPROVED) license, at WH-1 and WH-2. */
async function releaseTwo(w: MemoryWorld, lut: ReturnType<typeof givenLicense>): Promise<void> {
  await accept(w, [
    lut.shipment({ quantity: 10, warehouseId: 'WH-1' }),
    lut.shipment({ quantity: 10, warehouseId: 'WH-2' }),
  ]);
  await settle(w);
  expect(idsWith(w, lut.licenseId, 'RELEASED')).toHaveLength(2);
}

/** One APPROVED license as the case has it; the ticks' now (A's) is `at`. */
async function leadCase(c: LeadCase) {
  const w = memoryWorld();
  const at = new Date(w.now().getTime() + 60 * MINUTE);
  const validUntil = new Date(at.getTime() + 7 * DAY + 30_000).toISOString();
  const lut = givenLicense(w, { authorizedQuantity: 100, validUntil });
  await setStatus(w, lut.licenseId, 'APPROVED');
  await settle(w);
  if (c.quiet30) {
    w.console.edit('licenses', lut.licenseId, 'expiryAlerted', { validUntil, leads: [30], quiet: [30] });
    await settle(w);
  }
  if (c.outstanding) await releaseTwo(w, lut);
  w.setNow(at);
  return { w, at, lut, validUntil };
}

/**
 * The port calls where the order of two ticks over one license can matter:
 * its reads and writes, and the alert (which lead a tick sent). The ticks
 * write nothing else; their other calls read shipments, which neither
 * writes, or publish the digests just before the alert. So every
 * interleaving at every port call ends as one of those that change turns
 * only at these, and those are few enough to run them all.
 */
const RACING_OPS = ['licenses.scan', 'licenses.get', 'licenses.recordAlerted', 'alerter.alert'];

const leadOf = (alert: { subject: string }) => Number(alert.subject.match(/in (\d+) days/)?.[1]);

describe('every interleaving of two ticks at their port calls, over one license', () => {
  it.each(LEAD_CASES)(
    '%s: no tick sends a lead recorded before it read the license, and no lead sent is lost from the record',
    async (_name, c) => {
      const orders = new EveryOrder();
      do {
        const { w, at, lut, validUntil } = await leadCase(c);
        const alerted = () => w.alerter.compliance(lut.licenseId, EXPIRING).map(leadOf);
        // The leads any record held as sent (not quiet) so far, and those when each tick read the license.
        const recorded = new Set<number>();
        const readBefore = new Map<TickName, Set<number>>();
        const alertedBy: TickName[] = [];
        const onTurn = (tick: TickName, op: string) => {
          const record = w.license(lut.licenseId).expiryAlerted;
          const quiet = quietLeads(record, validUntil);
          for (const d of judgedLeads(record, validUntil)) if (!quiet.includes(d)) recorded.add(d);
          if (op === 'licenses.scan') readBefore.set(tick, new Set(recorded));
          if (op === 'alerter.alert') alertedBy.push(tick);
        };
        const schedule = { order: orders.order };
        const { results, errors } = await runTicks(w, schedule, at, c.later, onTurn, RACING_OPS);
        const run = `interleaving ${orders.runs}`;
        expect(errors, run).toEqual([]);
        expect(
          results.flatMap((r) => r.expiryFailed),
          run,
        ).toEqual([]);
        const sent = alerted();
        expect(sent).toHaveLength(alertedBy.length);
        for (const tick of ['A', 'B'] as const) {
          const mine = sent.filter((_, i) => alertedBy[i] === tick);
          expect(new Set(mine).size, `${run}: ${tick} sends a lead once`).toBe(mine.length);
          for (const lead of mine)
            expect(readBefore.get(tick)?.has(lead), `${run}: ${tick} sent the ${lead}-day lead`).toBe(false);
        }
        const left = structuredClone(w.license(lut.licenseId).expiryAlerted);

        // Later ticks send what was never sent, once shipments are there, and nothing again.
        await settle(w);
        if (!c.outstanding) await releaseTwo(w, lut);
        for (let round = 0; round < 3; round++) {
          w.advance(MINUTE);
          await clockTick(w.licenses, w.now(), w.newToken, watchOf(w, errors));
          await settle(w);
        }
        expect(errors, run).toEqual([]);
        expect(alerted().slice(sent.length), `${run}: sent by later ticks`).toEqual(c.after);
        expect(left, `${run}: the record the two ticks left`).toEqual({ validUntil, ...c.recorded });
        expect(w.license(lut.licenseId).expiryAlerted, run).toEqual({ validUntil, leads: [30, 7] });
      } while (orders.advance());
      // At least every order of the two ticks' scans and records, C(4, 2).
      expect(orders.runs).toBeGreaterThanOrEqual(6);
    },
  );
});
