/**
 * `license simulate --at` ticks the clock, with its expiry watch, at each edge
 * on the way to --at, and docs/OPERATIONS.md says the alerts list includes
 * "the LICENSE_EXPIRING alert the clock's expiry watch sends when a lead comes
 * due (at the default leads, 30, 7 and 1 days)". The deployed clock ticks every
 * minute, so it sends the 7-day and 1-day warnings before it expires the
 * license; the simulation ticks at each lead edge too (its tick just past
 * validUntil no longer watches: `watched` is false past validUntil), so with
 * --at past validUntil it lists both.
 */
import { describe, expect, it } from 'vitest';
import { buildReport } from '../../../cli/simulation/report.js';
import { runEngine, type SimulatedEdit, type Snapshot } from '../../../cli/simulation/run.js';
import { NOW } from '../../helpers/factories.js';
import { givenLicense, settleSystem, snapshotOf } from '../../helpers/fakes/engine-kit.js';
import { memoryWorld } from '../../helpers/fakes/world.js';

const DAY = 86_400_000;
const MINUTE = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

async function simulate(snapshot: Snapshot, edit: SimulatedEdit, at: Date) {
  return buildReport(snapshot, edit, at, await runEngine(snapshot, edit, at));
}

const expiring = (alerts: readonly { alertType?: string }[]) =>
  alerts.filter((a) => a.alertType === 'LICENSE_EXPIRING').length;

describe('license simulate --at past validUntil of an APPROVED license with RELEASED shipments', () => {
  it('lists the 7-day and 1-day LICENSE_EXPIRING alerts the clock sends before the expiry', async () => {
    const validUntil = NOW.getTime() + 20 * DAY;
    const w = memoryWorld();
    const lut = givenLicense(w, { authorizedQuantity: 100, validUntil: iso(validUntil) });
    w.seed.accepted([
      lut.shipment({ priority: 1, quantity: 30 }),
      lut.shipment({ priority: 2, quantity: 30 }),
    ]);
    w.console.edit('licenses', lut.licenseId, 'status', 'APPROVED');
    await settleSystem(w, lut.licenseId); // releases 60; the 30-day lead is due now and sent
    w.alerter.alerts.length = 0;

    const at = new Date(validUntil + 5 * DAY);
    const report = await simulate(snapshotOf(w, lut.licenseId), {}, at);

    // The deployed clock, every minute: the 7-day and 1-day leads come due, then the window ends.
    for (const t of [validUntil - 7 * DAY + MINUTE, validUntil - DAY + MINUTE, at.getTime()]) {
      w.setNow(new Date(t));
      await settleSystem(w, lut.licenseId);
    }
    expect(w.license(lut.licenseId).status).toBe('EXPIRED');
    expect(expiring(w.alerter.alerts)).toBe(2);
    expect(report.license.after.status).toBe('EXPIRED');
    expect(expiring(report.alerts)).toBe(2);
  });
});
