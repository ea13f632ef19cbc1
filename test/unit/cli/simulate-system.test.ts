/**
 * `license simulate` held to the whole system: the simulation is run first,
 * then the edit is made in the test world in one console write and
 * license-events, both Shipments stream consumers and the clock run until
 * nothing is left (settleSystem). The report must say what the system then
 * does: the LICENSE_DRAWDOWN alerts it sends (only an APPROVED license's
 * release pass sends any, from the record it carries over to an amended
 * limit), a rejected edit that still moves shipments, and an edit at a time
 * the clock has already expired the license by.
 */
import { describe, expect, it } from 'vitest';
import { renderSimulation } from '../../../cli/simulation/render.js';
import { buildReport, predictDrawdown, type SimulationReport } from '../../../cli/simulation/report.js';
import { runEngine, type SimulatedEdit } from '../../../cli/simulation/run.js';
import type { License, Shipment } from '../../../shared/domain/model.js';
import type { RawItem } from '../../../shared/domain/ports.js';
import { aLicense } from '../../helpers/factories.js';
import { givenLicense, settleSystem, snapshotOf } from '../../helpers/fakes/engine-kit.js';
import { type MemoryWorld, memoryWorld } from '../../helpers/fakes/world.js';

/** The edit made in one console write, as `license amend` makes one UpdateItem; then the system runs. */
async function makeEdit(w: MemoryWorld, licenseId: string, edit: SimulatedEdit) {
  const next: RawItem = {
    ...w.license(licenseId),
    ...(edit.status ? { status: edit.status } : {}),
    ...edit.terms?.set,
  };
  next.updatedBy = 'j.doe';
  w.store.write('licenses', licenseId, next);
  await settleSystem(w, licenseId);
}

/** A license approved over a backlog (priority 1, 2, ...), settled. */
async function approved(license: Partial<License>, backlog: Partial<Shipment>[]) {
  const w = memoryWorld();
  const lut = givenLicense(w, license);
  const list = backlog.map((o, i) => lut.shipment({ priority: i + 1, ...o }));
  w.seed.accepted(list);
  w.console.edit('licenses', lut.licenseId, 'status', 'APPROVED');
  await settleSystem(w, lut.licenseId);
  return { w, licenseId: lut.licenseId, ids: list.map((s) => s.shipmentId) };
}

async function simulate(w: MemoryWorld, licenseId: string, edit: SimulatedEdit, at = w.now()) {
  const snapshot = snapshotOf(w, licenseId);
  return buildReport(snapshot, edit, at, await runEngine(snapshot, edit, at));
}

const drawdownSubjects = (w: MemoryWorld) =>
  w.alerter.alerts.filter((a) => a.alertType === 'LICENSE_DRAWDOWN').map((a) => a.subject);

const crossed = (report: SimulationReport) =>
  report.drawdown.crossed.map((c) => [c.limit, c.thresholdPercent]);

describe('license simulate: LICENSE_DRAWDOWN as the engine sends it', () => {
  it('predicts none for a SUSPENDED license amended: its re-hold pass announces no drawdown', async () => {
    // 100 authorized; 85 released and shipped, 10 more released; then suspended: 85 drawn (shipped).
    const { w, licenseId, ids } = await approved({ authorizedQuantity: 100 }, [
      { quantity: 85 },
      { quantity: 10 },
    ]);
    w.console.edit('shipments', String(ids[0]), 'status', 'SHIPPED');
    await settleSystem(w, licenseId);
    w.console.edit('licenses', licenseId, 'status', 'SUSPENDED');
    await settleSystem(w, licenseId);
    w.alerter.alerts.length = 0;
    const edit: SimulatedEdit = { terms: { set: { authorizedQuantity: 90 }, remove: [] } };
    const report = await simulate(w, licenseId, edit);
    await makeEdit(w, licenseId, edit);
    expect(drawdownSubjects(w)).toEqual([]);
    expect(report.drawdown.crossed).toEqual([]);
    expect(renderSimulation(report, 20)).not.toMatch(/LICENSE_DRAWDOWN, predicted/);
  });

  it('predicts none for a rejected status edit typed with new terms: they are never applied', async () => {
    const { w, licenseId } = await approved({ authorizedQuantity: 100 }, [
      { quantity: 85 },
      { quantity: 50 },
    ]);
    w.alerter.alerts.length = 0;
    const edit: SimulatedEdit = { status: 'DENIED', terms: { set: { authorizedQuantity: 90 }, remove: [] } };
    const report = await simulate(w, licenseId, edit);
    await makeEdit(w, licenseId, edit);
    expect(w.alerter.alerts.map((a) => a.subject)).toEqual([`License ${licenseId}: status edit rejected`]);
    expect(report.rejected).toHaveLength(1);
    expect(report.drawdown.crossed).toEqual([]);
    // Remaining is what the applied limit leaves (100 - 85), not the typed one.
    expect(report.remaining.after).toEqual({ quantity: 15 });
    expect(renderSimulation(report, 20)).not.toMatch(/LICENSE_DRAWDOWN, predicted/);
  });

  it('a raised limit: the thresholds announced under the old one are carried over, and crossed again', async () => {
    // 20 authorized, 20 released (80/90/100 % announced), 10 held; raised to 30: 20/30 = 67 %, then 30/30.
    const { w, licenseId } = await approved({ authorizedQuantity: 20 }, [{}, {}, {}]);
    w.alerter.alerts.length = 0;
    const edit: SimulatedEdit = { terms: { set: { authorizedQuantity: 30 }, remove: [] } };
    const report = await simulate(w, licenseId, edit);
    await makeEdit(w, licenseId, edit);
    expect(drawdownSubjects(w)).toEqual(
      [80, 90, 100].map((t) => `License ${licenseId}: ${t} % of its quantity limit drawn`),
    );
    expect(crossed(report)).toEqual([
      ['quantity', 80],
      ['quantity', 90],
      ['quantity', 100],
    ]);
    expect(renderSimulation(report, 20)).toMatch(
      /Drawdown: +quantity reaches 80, 90 and 100 % of authorizedQuantity \(20 → 30 of 30\)/,
    );
  });

  it('is listed as predicted, and left out of the alerts once the engine sends LICENSE_DRAWDOWN itself', async () => {
    const w = memoryWorld();
    const lut = givenLicense(w, { authorizedQuantity: 10 });
    w.seed.accepted([lut.shipment()]);
    const snapshot = snapshotOf(w, lut.licenseId);
    const engine = await runEngine(snapshot, { status: 'APPROVED' }, w.now());
    // The engine sends LICENSE_DRAWDOWN itself (80, 90 and 100 %): its alerts are the simulation's.
    expect(engine.alerts.map((a) => a.alertType)).toEqual([
      'LICENSE_DRAWDOWN',
      'LICENSE_DRAWDOWN',
      'LICENSE_DRAWDOWN',
    ]);
    // Without them (an engine configured with no thresholds), the report predicts them.
    const run = { ...engine, alerts: [] };
    const predicted = buildReport(snapshot, { status: 'APPROVED' }, w.now(), run);
    expect(predicted.drawdown).toMatchObject({
      sentByEngine: false,
      crossed: [{ thresholdPercent: 80 }, {}, {}],
    });
    expect(renderSimulation(predicted, 20)).toMatch(
      /\[LICENSE_DRAWDOWN, predicted\] .*: quantity at 100 % of authorizedQuantity/,
    );
    const sent = {
      subject: `License ${lut.licenseId}: 100 % drawn`,
      message: 'm',
      severity: 'normal' as const,
      subjectKey: { licenseId: lut.licenseId },
      alertType: 'LICENSE_DRAWDOWN',
    };
    const fromEngine = buildReport(snapshot, { status: 'APPROVED' }, w.now(), { ...run, alerts: [sent] });
    expect(fromEngine.drawdown.sentByEngine).toBe(true);
    const text = renderSimulation(fromEngine, 20);
    expect(text).toMatch(/\[normal LICENSE_DRAWDOWN\] License .*: 100 % drawn/);
    expect(text).not.toMatch(/LICENSE_DRAWDOWN, predicted/);
  });
});

describe("predictDrawdown: the engine's record and limits", () => {
  /** A license item applied APPROVED under `terms`, drawing `drawn` units, with `drawdownAlerted` as given. */
  const item = (drawn: number, terms: Partial<License> = {}, drawdownAlerted?: unknown): RawItem => {
    const l = aLicense({
      appliedStatus: 'APPROVED',
      authorizedQuantity: 100,
      ...terms,
      releasedQuantity: drawn,
    });
    const {
      licenseId: _i,
      licenseNumber: _n,
      status: _s,
      releasedQuantity: _q,
      releasedValue: _v,
      ...applied
    } = l;
    return { ...l, appliedTerms: applied, ...(drawdownAlerted === undefined ? {} : { drawdownAlerted }) };
  };
  const record = (quantity: number[], quantityLimit = 100) => ({ quantityLimit, quantity, value: [] });
  const levels = (before: RawItem, after: RawItem) =>
    predictDrawdown(before, after).map((c) => c.thresholdPercent);

  it('counts a threshold reached after that the record does not list', () => {
    expect(levels(item(79), item(91))).toEqual([80, 90]);
    expect(levels(item(85, {}, record([80])), item(95, {}, record([80])))).toEqual([90]);
    // Announced before, then a cancellation returned units: not announced again on the way back up.
    expect(levels(item(70, {}, record([80])), item(85, {}, record([80])))).toEqual([]);
  });

  it('carries the record over to an amended limit as the engine does (carriedOver)', () => {
    // Lowered from 100 to 50 at 50 drawn: nothing was announced against 100, so 80, 90 and 100 % of 50 are new.
    expect(levels(item(50), item(50, { authorizedQuantity: 50 }))).toEqual([80, 90, 100]);
    // Raised from 20 to 30 at 20 drawn: 67 % of 30 drops the list; drawing 30 crosses all three again.
    const full = record([80, 90, 100], 20);
    expect(levels(item(20, { authorizedQuantity: 20 }, full), item(30, { authorizedQuantity: 30 }))).toEqual([
      80, 90, 100,
    ]);
  });

  it('predicts nothing unless the license is applied APPROVED after, and starts a new approval empty', () => {
    const suspended = (drawn: number) => ({ ...item(drawn, {}, record([80])), appliedStatus: 'SUSPENDED' });
    expect(levels(item(79), suspended(91))).toEqual([]);
    // A reinstatement is a new approval: what was announced under the last one is announced again.
    expect(levels(suspended(85), item(95, {}, record([80])))).toEqual([80, 90]);
  });

  it('measures value against the value cap (authorizedValue with its tolerance), as the engine does', () => {
    const v = (releasedValue: number) => ({
      ...item(0, { authorizedValue: 1000, valueTolerancePercent: 10 }),
      releasedValue,
    });
    // Cap 1,100: drawing the whole authorizedValue reaches 80 % (880) and 90 % (990), not 100 %.
    expect(predictDrawdown(v(0), v(1000))).toEqual([
      { limit: 'value', thresholdPercent: 80, drawnBefore: 0, drawnAfter: 1000, of: 1100 },
      { limit: 'value', thresholdPercent: 90, drawnBefore: 0, drawnAfter: 1000, of: 1100 },
    ]);
    expect(levels(v(1000), v(1100))).toEqual([80, 90, 100]);
  });
});

describe('license simulate: a rejected edit that still moves shipments', () => {
  it('a restrictive status on an invalid item is applied all the same: the head says so, not "Nothing would move"', async () => {
    const { w, licenseId, ids } = await approved({ authorizedQuantity: 100 }, [{}, {}]);
    w.store.write('licenses', licenseId, { ...w.license(licenseId), licenseNumber: '' });
    await settleSystem(w, licenseId);
    w.alerter.alerts.length = 0;
    const edit: SimulatedEdit = { status: 'SUSPENDED' };
    const report = await simulate(w, licenseId, edit);
    await makeEdit(w, licenseId, edit);
    // The system: the item is rejected, and the suspension re-holds both shipments regardless.
    expect(ids.map((id) => w.shipment(id).status)).toEqual(['HELD', 'HELD']);
    expect(report.reholds).toEqual(ids);
    expect(report.rejected).toHaveLength(1);
    const text = renderSimulation(report, 20);
    expect(text).toMatch(/Would re-hold: +2 shipments/);
    expect(text).toMatch(/REJECT this edit: .*\. Its status SUSPENDED is applied all the same/);
    expect(text).not.toMatch(/Nothing would move/);
  });
});

describe('license simulate --at past validUntil: the clock has expired the license by then', () => {
  const validUntil = '2026-07-01T00:00:00.000Z';
  const at = new Date('2026-07-02T00:00:00.000Z');

  /** The system by `at`: the clock has ticked past validUntil; then the admin makes the edit. */
  async function atThenEdit(w: MemoryWorld, licenseId: string, edit: SimulatedEdit) {
    w.setNow(at);
    await settleSystem(w, licenseId);
    await makeEdit(w, licenseId, edit);
  }

  it('an extension entered then finds the license EXPIRED: nothing stays released', async () => {
    const { w, licenseId, ids } = await approved({ authorizedQuantity: 20, validUntil }, [{}, {}, {}]);
    const edit: SimulatedEdit = {
      terms: { set: { validUntil: '2027-07-01T00:00:00.000Z', authorizedQuantity: 30 }, remove: [] },
    };
    const report = await simulate(w, licenseId, edit, at);
    await atThenEdit(w, licenseId, edit);
    expect(w.license(licenseId).status).toBe('EXPIRED');
    expect(ids.map((id) => w.shipment(id).holdReason)).toEqual([
      'LICENSE_EXPIRED',
      'LICENSE_EXPIRED',
      'LICENSE_EXPIRED',
    ]);
    expect(report.license.after.status).toBe('EXPIRED');
    expect(report.releases).toEqual([]);
    expect(report.reholds).toEqual(ids.slice(0, 2));
  });

  it('a reinstatement entered then is rejected: EXPIRED is final', async () => {
    const { w, licenseId } = await approved({ authorizedQuantity: 100, validUntil }, [{}, {}]);
    await makeEdit(w, licenseId, { status: 'SUSPENDED' });
    const edit: SimulatedEdit = { status: 'APPROVED' };
    const report = await simulate(w, licenseId, edit, at);
    w.alerter.alerts.length = 0;
    await atThenEdit(w, licenseId, edit);
    expect(w.alerter.alerts.map((a) => a.subject)).toEqual([`License ${licenseId}: status edit rejected`]);
    expect(report.rejected).toEqual([String(w.license(licenseId).statusError)]);
  });

  it("a rejected suspension does not claim the expiry's re-holds: the head names the clock's doing", async () => {
    const { w, licenseId, ids } = await approved({ authorizedQuantity: 100, validUntil }, [{}, {}]);
    const edit: SimulatedEdit = { status: 'SUSPENDED' };
    const report = await simulate(w, licenseId, edit, at);
    await atThenEdit(w, licenseId, edit);
    expect(report.rejected).toEqual([String(w.license(licenseId).statusError)]);
    expect(report.clockFirst).toBe('EXPIRED');
    expect(report.reholds).toEqual(ids);
    const text = renderSimulation(report, 20);
    expect(text).not.toMatch(/applied all the same/);
    expect(text).toMatch(
      /move by the clock's doing: by then it has made the license EXPIRED, before this edit/,
    );
  });
});
