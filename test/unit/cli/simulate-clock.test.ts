/**
 * `license simulate` against what the system then does, where the clock acts.
 * Each case runs the simulation first, then the same edit (or the same time)
 * in the test world with license-events, both Shipments stream consumers and
 * the clock as deployed (settleSystem, and the clock's expiry watch as
 * functions/license-clock.ts runs it on every tick).
 */
import { describe, expect, it } from 'vitest';
import { renderSimulation } from '../../../cli/simulation/render.js';
import { buildReport } from '../../../cli/simulation/report.js';
import { runEngine, type SimulatedEdit, type Snapshot } from '../../../cli/simulation/run.js';
import { numberFromText } from '../../../shared/adapters/numbers.js';
import type { License, Shipment } from '../../../shared/domain/model.js';
import type { RawItem } from '../../../shared/domain/ports.js';
import { clockTick } from '../../../shared/engine/clock.js';
import { NOW } from '../../helpers/factories.js';
import { clockWatchOf, givenLicense, settleSystem, snapshotOf } from '../../helpers/fakes/engine-kit.js';
import { type MemoryWorld, memoryWorld } from '../../helpers/fakes/world.js';

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

async function simulate(snapshot: Snapshot, edit: SimulatedEdit, at: Date) {
  return buildReport(snapshot, edit, at, await runEngine(snapshot, edit, at));
}

/** A license over a backlog (priority 1, 2, ...), left `status` (PENDING) and settled, the clock having ticked. */
async function given(license: Partial<License>, backlog: Partial<Shipment>[], status?: 'APPROVED') {
  const w = memoryWorld();
  const lut = givenLicense(w, license);
  const list = backlog.map((o, i) => lut.shipment({ priority: i + 1, ...o }));
  w.seed.accepted(list);
  if (status) {
    w.console.edit('licenses', lut.licenseId, 'status', status);
    await settleSystem(w, lut.licenseId);
  }
  // The clock runs every minute as deployed: what it warns of before the edit (a PENDING license's
  // expiry, too) is on the record before anyone simulates, and is not what the decision does.
  await clockTick(w.licenses, w.now(), w.newToken, clockWatchOf(w));
  w.alerter.alerts.length = 0;
  return { w, licenseId: lut.licenseId, ids: list.map((s) => s.shipmentId) };
}

/** The edit in one console write, the system run to rest, then the clock's next tick with its expiry watch. */
async function decide(w: MemoryWorld, licenseId: string, edit: SimulatedEdit) {
  const next: RawItem = {
    ...w.license(licenseId),
    ...(edit.status ? { status: edit.status } : {}),
    ...edit.terms?.set,
  };
  next.updatedBy = 'j.doe';
  w.store.write('licenses', licenseId, next);
  await settleSystem(w, licenseId);
  await clockTick(w.licenses, w.now(), w.newToken, clockWatchOf(w));
}

const types = (alerts: readonly { alertType?: string }[]) => alerts.map((a) => a.alertType ?? 'ops');

describe('license simulate lists the alerts ops would get', () => {
  it('an approval of a license that expires in 5 days: ops gets LICENSE_EXPIRING on the next tick, and the simulation lists it', async () => {
    const { w, licenseId } = await given(
      { authorizedQuantity: 100, validUntil: iso(NOW.getTime() + 5 * DAY) },
      [{ quantity: 30 }, { quantity: 30 }],
    );
    const edit: SimulatedEdit = { status: 'APPROVED' };
    const report = await simulate(snapshotOf(w, licenseId), edit, w.now());
    await decide(w, licenseId, edit);
    // What the system does: the approval releases 60 of 100 (no drawdown threshold), and the clock's
    // expiry watch tells ops that 60 released units must ship within 7 days.
    expect(types(w.alerter.alerts)).toEqual(['LICENSE_EXPIRING']);
    expect(types(report.alerts)).toEqual(['LICENSE_EXPIRING']);
  });

  it('an amendment that brings validUntil within 7 days re-arms the watch: LICENSE_EXPIRING, which the simulation lists', async () => {
    const { w, licenseId } = await given(
      { authorizedQuantity: 100 },
      [{ quantity: 30 }, { quantity: 30 }],
      'APPROVED',
    );
    const edit: SimulatedEdit = {
      terms: { set: { validUntil: iso(NOW.getTime() + 3 * DAY) }, remove: [] },
    };
    const report = await simulate(snapshotOf(w, licenseId), edit, w.now());
    await decide(w, licenseId, edit);
    expect(types(w.alerter.alerts)).toEqual(['LICENSE_EXPIRING']);
    expect(types(report.alerts)).toEqual(['LICENSE_EXPIRING']);
  });
});

describe('license simulate --at: what time alone does by then', () => {
  it('past validFrom and validUntil both: the release at validFrom and its LICENSE_DRAWDOWN alerts are shown, then the expiry', async () => {
    const validFrom = NOW.getTime() + 2 * DAY;
    const { w, licenseId } = await given(
      { authorizedQuantity: 100, validFrom: iso(validFrom), validUntil: iso(NOW.getTime() + 4 * DAY) },
      [{ quantity: 30 }, { quantity: 30 }, { quantity: 30 }],
      'APPROVED',
    );
    // Approved before its window: the backlog waits as LICENSE_NOT_YET_VALID.
    expect(w.license(licenseId).waitingForValidFrom).toBeDefined();
    const at = new Date(NOW.getTime() + 5 * DAY);
    const report = await simulate(snapshotOf(w, licenseId), {}, at);
    // The clock ticks every minute: at validFrom it releases the 90 units (logistics is told to ship them,
    // ops gets 80 % and 90 % drawdown alerts), a day before validUntil it warns (LICENSE_EXPIRING), at
    // validUntil it expires the license.
    w.setNow(new Date(validFrom + 60_000));
    await settleSystem(w, licenseId);
    w.setNow(new Date(NOW.getTime() + 3 * DAY + 60_000));
    await settleSystem(w, licenseId);
    w.setNow(at);
    await settleSystem(w, licenseId);
    expect(w.license(licenseId).status).toBe('EXPIRED');
    expect(report.license.after.status).toBe('EXPIRED');
    expect(report.alerts.map((a) => a.subject)).toEqual(w.alerter.alerts.map((a) => a.subject));
    // The Drawdown line names what the release at validFrom crossed, though the license ends EXPIRED.
    expect(
      report.drawdown.crossed.map((c) => [c.thresholdPercent, c.drawnBefore, c.drawnAfter, c.of]),
    ).toEqual([
      [80, 0, 90, 100],
      [90, 0, 90, 100],
    ]);
    expect(renderSimulation(report, 20)).toMatch(
      /Drawdown: +quantity reaches 80 and 90 % of authorizedQuantity \(0 → 90 of 100\) \(predicted\)/,
    );
  });
});

describe('license simulate on a license item holding a Number a double cannot hold', () => {
  it('predicts the engine\'s rejection ("more digits than the system can hold exactly"), not "not a Map (M)"', async () => {
    const { w, licenseId } = await given(
      { authorizedQuantity: 100, authorizedValue: 100_000 },
      [{ quantity: 30, value: 3000 }],
      'APPROVED',
    );
    // The admin typed authorizedValue 1000.0000000000000000001 in the console; the CLI reads it as the
    // handlers do (cli/clients.ts: numberFromText), an inexact number the schema names.
    const snapshot = snapshotOf(w, licenseId);
    const typed = {
      ...snapshot,
      license: { ...snapshot.license, authorizedValue: numberFromText('1000.0000000000000000001') },
    };
    const report = await simulate(typed, {}, w.now());
    expect(report.rejected).toHaveLength(1);
    expect(report.rejected[0]).toMatch(/authorizedValue has more digits than the system can hold exactly/);
    expect(report.alerts.map((a) => a.message).join('\n')).not.toMatch(/\{"value":/);
  });
});
