/**
 * `license simulate` on a license whose release pass is still running
 * (pendingWork: a large approval hands over from invocation to invocation).
 * The system finishes that pass within seconds; `license amend` refuses
 * while it runs, so an amendment only ever lands on the finished pass, and
 * the simulation finishes it first too. A status is taken at once, on the
 * running pass, whose work the status's own pass replaces: the simulation
 * makes it there, and says which of the two it did.
 */
import { describe, expect, it } from 'vitest';
import { renderSimulation } from '../../../cli/simulation/render.js';
import { buildReport } from '../../../cli/simulation/report.js';
import { runEngine, type SimulatedEdit } from '../../../cli/simulation/run.js';
import type { Shipment } from '../../../shared/domain/model.js';
import type { RawItem } from '../../../shared/domain/ports.js';
import {
  apply,
  givenLicense,
  PAST,
  settleSystem,
  shipmentEvents,
  snapshotOf,
} from '../../helpers/fakes/engine-kit.js';
import { type MemoryWorld, memoryWorld } from '../../helpers/fakes/world.js';

/**
 * 100 units authorized over a backlog in hold order: five of 12 units (60),
 * then B (50) and C (40). Approved, and license-events has run the first
 * slice of the pass only (it hands over after its first transaction: the five).
 */
async function midPass(): Promise<{
  w: MemoryWorld;
  licenseId: string;
  first: Shipment[];
  b: Shipment;
  c: Shipment;
}> {
  const w = memoryWorld();
  const lut = givenLicense(w, { authorizedQuantity: 100 });
  const first = [1, 2, 3, 4, 5].map((priority) => lut.shipment({ priority, quantity: 12 }));
  const b = lut.shipment({ priority: 6, quantity: 50 });
  const c = lut.shipment({ priority: 7, quantity: 40 });
  w.seed.accepted([...first, b, c]);
  w.console.edit('licenses', lut.licenseId, 'status', 'APPROVED');
  w.licenseRecords();
  await apply(w, lut.licenseId, PAST(), { pageSize: 2 });
  await shipmentEvents(w);
  expect(w.license(lut.licenseId).pendingWork).toBeDefined();
  expect([...first, b, c].map((s) => w.shipment(s.shipmentId).status)).toEqual([
    ...first.map(() => 'RELEASED'),
    'HELD',
    'HELD',
  ]);
  return { w, licenseId: lut.licenseId, first, b, c };
}

async function simulate(w: MemoryWorld, licenseId: string, edit: SimulatedEdit) {
  const snapshot = snapshotOf(w, licenseId);
  return buildReport(snapshot, edit, w.now(), await runEngine(snapshot, edit, w.now()));
}

/** The admin's write (one UpdateItem), made on the license as it then stands, and the system until it settles. */
async function makeEdit(w: MemoryWorld, licenseId: string, edit: SimulatedEdit) {
  const next: RawItem = {
    ...w.license(licenseId),
    ...(edit.status ? { status: edit.status } : {}),
    ...edit.terms?.set,
    updatedBy: 'j.doe',
  };
  w.store.write('licenses', licenseId, next);
  await settleSystem(w, licenseId);
}

describe('license simulate while the approval pass is still running', () => {
  it('an amendment is predicted on the finished pass, as the system applies it', async () => {
    const { w, licenseId, b, c } = await midPass();
    const edit: SimulatedEdit = { terms: { set: { authorizedQuantity: 110 }, remove: [] } };
    const report = await simulate(w, licenseId, edit);

    // The system: the running pass finishes (first-fit under 100: the five and C; B stays held);
    // only then can `license amend` write: 100 drawn of 110, B (50) does not fit.
    await settleSystem(w, licenseId);
    await makeEdit(w, licenseId, edit);
    expect([b, c].map((s) => w.shipment(s.shipmentId).status)).toEqual(['HELD', 'RELEASED']);

    expect(report.releases).toEqual([c.shipmentId]);
    expect(report.holds.map((h) => h.shipmentId)).toEqual([b.shipmentId]);
    expect(report.license.after.releasedQuantity).toBe(w.license(licenseId).releasedQuantity);
    expect(report.alerts.map((a) => a.subject)).toEqual(w.alerter.alerts.map((a) => a.subject));
    expect(report.runningPass).toBe('finished-first');
    expect(renderSimulation(report, 20)).toMatch(
      /was being applied when read \(pendingWork\): the simulation finishes that pass first, .*then makes the amendment/,
    );
  });

  it('the finished pass counts as the work before the amendment: its drawdown alerts are marked so', async () => {
    const { w, licenseId } = await midPass();
    const edit: SimulatedEdit = { terms: { set: { authorizedQuantity: 110 }, remove: [] } };
    const report = await simulate(w, licenseId, edit);
    // The pass ends at 100 of 100 (80, 90 and 100 %): announced before the amendment, under 100.
    expect(report.drawdown.crossed.map((x) => [x.thresholdPercent, x.of, x.beforeEdit])).toEqual([
      [80, 100, true],
      [90, 100, true],
      [100, 100, true],
    ]);
    expect(report.alerts.filter((a) => a.alertType === 'LICENSE_DRAWDOWN').every((a) => a.beforeEdit)).toBe(
      true,
    );
    expect(report.rejected).toEqual([]);
  });

  it('a status is set on the running pass, as the system takes it at once, and the report says so', async () => {
    const { w, licenseId, first } = await midPass();
    const edit: SimulatedEdit = { status: 'SUSPENDED' };
    const report = await simulate(w, licenseId, edit);

    // The system: the suspension is written while the pass runs; its own pass replaces it and re-holds.
    await makeEdit(w, licenseId, edit);
    expect(first.map((s) => w.shipment(s.shipmentId).status)).toEqual(first.map(() => 'HELD'));

    expect(report.reholds).toEqual(first.map((s) => s.shipmentId));
    expect(report.releases).toEqual([]);
    expect(report.runningPass).toBe('replaced-by-edit');
    expect(renderSimulation(report, 20)).toMatch(
      /was being applied when read \(pendingWork\): the status is set while that pass runs, .*does not finish first/,
    );
  });
});
