/**
 * The clock's expiry watch at the mission's size. One license with 100,000
 * RELEASED shipments at one warehouse comes within 30 days of validUntil: the
 * watch reads all of them. Its digest is built in time linear in them (a list
 * copied once per shipment took 82 s for 100,000), and the watch runs after
 * the scan, within the invocation's budget, so no license scanned after it
 * waits for it to be expired, woken or settled (on AWS the 60 s invocation
 * would time out at that license every minute until its validUntil passed).
 */
import { describe, expect, it } from 'vitest';
import { expiryDigests } from '../../../shared/domain/compliance-notices.js';
import { clockTick } from '../../../shared/engine/clock.js';
import { clockWatchOf, givenLicense, setStatus } from '../../helpers/fakes/engine-kit.js';
import { memoryWorld } from '../../helpers/fakes/world.js';

const DAY = 86_400_000;

/** Steps taken by array iterators (spread, for-of) while `fn` runs. */
function iteratorSteps(fn: () => void): number {
  const proto = Array.prototype as unknown as Record<symbol, (this: unknown[]) => Iterator<unknown>>;
  const original = proto[Symbol.iterator] as (this: unknown[]) => Iterator<unknown>;
  let steps = 0;
  proto[Symbol.iterator] = function (this: unknown[]) {
    const it = original.call(this);
    return {
      next() {
        steps++;
        return it.next();
      },
      [Symbol.iterator]() {
        return this;
      },
    } as Iterator<unknown>;
  };
  try {
    fn();
  } finally {
    proto[Symbol.iterator] = original;
  }
  return steps;
}

describe('expiry watch at scale', () => {
  it('builds a warehouse LICENSE_EXPIRING digest in time linear in its RELEASED shipments (no list copied once per shipment)', () => {
    const n = 2_000;
    const released = Array.from({ length: n }, (_, i) => ({
      shipmentId: `SHP-${String(i).padStart(6, '0')}`,
      customerId: 'CUST-1',
      sku: 'H20',
      warehouseId: 'WH-1',
      quantity: 1,
    }));
    const steps = iteratorSteps(() =>
      expiryDigests({
        license: {
          licenseId: 'LIC-H20-0001',
          customerId: 'CUST-1',
          sku: 'H20',
          validUntil: '2026-07-01T00:00:00.000Z',
        },
        lead: 30,
        now: new Date('2026-06-01T00:00:00.000Z'),
        released,
      }),
    );
    // Grouping n shipments needs O(n) steps; `[...(byWarehouse.get(w) ?? []), s]` takes n²/2 (≈ 2,000,000 here,
    // 5·10⁹ for 100,000 shipments: 82 s on a dev machine, far past the clock's 60 s timeout).
    expect(steps).toBeLessThan(10 * n);
  });

  it('does not expire a license past validUntil while the expiry watch of a license scanned before it is still reading', async () => {
    const w = memoryWorld();
    // A: many RELEASED shipments, 20 days before validUntil, so the 30-day lead is due and its watch reads them all.
    const big = givenLicense(w, {
      licenseId: 'LIC-A-BIG',
      validUntil: new Date(w.now().getTime() + 20 * DAY).toISOString(),
    });
    w.seed.accepted([big.shipment(), big.shipment()]);
    await setStatus(w, big.licenseId, 'APPROVED');
    // B: scanned after A, its window ended an hour ago: the clock must expire it on this tick.
    const over = givenLicense(w, {
      licenseId: 'LIC-B-OVER',
      validUntil: new Date(w.now().getTime() + 1 * DAY).toISOString(),
    });
    w.seed.accepted([over.shipment()]);
    await setStatus(w, over.licenseId, 'APPROVED');
    w.setNow(new Date(w.now().getTime() + 1 * DAY + 3_600_000));

    // A's watch outlasts the invocation (100,000 RELEASED: reads plus the quadratic digest): its reads do not return
    // while we look.
    let release = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const stop = w.faults.before('shipments.page', async ({ args }) => {
      if (String(args[1]).startsWith(big.licenseId)) await gate;
    });
    const tick = clockTick(w.licenses, w.now(), w.newToken, clockWatchOf(w));
    for (let i = 0; i < 200; i++) await new Promise((r) => setImmediate(r));
    const statusMeanwhile = w.license(over.licenseId).status;
    stop();
    release();
    await tick;
    expect(statusMeanwhile).toBe('EXPIRED');
  });

  it("leaves due watches for the next tick once the invocation's budget is spent, and runs them then", async () => {
    const w = memoryWorld();
    const soon = new Date(w.now().getTime() + 20 * DAY).toISOString();
    const a = givenLicense(w, { licenseId: 'LIC-DUE-A', validUntil: soon });
    const b = givenLicense(w, { licenseId: 'LIC-DUE-B', validUntil: soon });
    for (const lut of [a, b]) {
      w.seed.accepted([lut.shipment()]);
      await setStatus(w, lut.licenseId, 'APPROVED');
    }
    let budget = 1;
    const spent = await clockTick(
      w.licenses,
      w.now(),
      w.newToken,
      clockWatchOf(w, { inTime: () => budget-- > 0 }),
    );
    expect(spent.expiring).toHaveLength(1);
    expect(spent.expiryWatchesDeferred).toBe(1);
    const next = await clockTick(w.licenses, w.now(), w.newToken, clockWatchOf(w));
    expect([...spent.expiring, ...next.expiring].sort()).toEqual([a.licenseId, b.licenseId]);
    expect(next.expiryWatchesDeferred).toBe(0);
  });
});
