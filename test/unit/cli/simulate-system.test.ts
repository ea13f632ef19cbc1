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
import { buildReport, type SimulationReport } from '../../../cli/simulation/report.js';
import { announcedIn, runEngine, type SimulatedEdit } from '../../../cli/simulation/run.js';
import type { License, Shipment } from '../../../shared/domain/model.js';
import type { RawItem } from '../../../shared/domain/ports.js';
import { NOW } from '../../helpers/factories.js';
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

  it('the Drawdown line is what the engine announced: one crossing per LICENSE_DRAWDOWN alert, listed once', async () => {
    const w = memoryWorld();
    const lut = givenLicense(w, { authorizedQuantity: 10 });
    w.seed.accepted([lut.shipment()]);
    const report = await simulate(w, lut.licenseId, { status: 'APPROVED' });
    await makeEdit(w, lut.licenseId, { status: 'APPROVED' });
    expect(drawdownSubjects(w)).toEqual(
      [80, 90, 100].map((t) => `License ${lut.licenseId}: ${t} % of its quantity limit drawn`),
    );
    expect(report.alerts.filter((a) => a.alertType === 'LICENSE_DRAWDOWN').map((a) => a.subject)).toEqual(
      drawdownSubjects(w),
    );
    expect(report.drawdown).toMatchObject({
      sentByEngine: true,
      crossed: [80, 90, 100].map((thresholdPercent) => ({
        limit: 'quantity',
        thresholdPercent,
        drawnBefore: 0,
        drawnAfter: 10,
        of: 10,
        beforeEdit: false,
      })),
    });
    const text = renderSimulation(report, 20);
    expect(text).toMatch(
      /Drawdown: +quantity reaches 80, 90 and 100 % of authorizedQuantity \(0 → 10 of 10\)/,
    );
    expect(text.match(/LICENSE_DRAWDOWN/g)).toHaveLength(3);
    expect(text).not.toMatch(/predicted\]/);
  });

  it('a reinstatement is a new approval: what the last one announced is announced again', async () => {
    // 95 of 100 released (80 and 90 % announced), suspended (all re-held), then reinstated.
    const { w, licenseId } = await approved({ authorizedQuantity: 100 }, [
      { quantity: 85 },
      { quantity: 10 },
    ]);
    w.console.edit('licenses', licenseId, 'status', 'SUSPENDED');
    await settleSystem(w, licenseId);
    w.alerter.alerts.length = 0;
    const edit: SimulatedEdit = { status: 'APPROVED' };
    const report = await simulate(w, licenseId, edit);
    await makeEdit(w, licenseId, edit);
    expect(drawdownSubjects(w)).toEqual(
      [80, 90].map((t) => `License ${licenseId}: ${t} % of its quantity limit drawn`),
    );
    expect(crossed(report)).toEqual([
      ['quantity', 80],
      ['quantity', 90],
    ]);
  });
});

describe('license simulate --at: drawdown crossed before the edit, under the limits then', () => {
  const DAY = 86_400_000;
  const validFrom = new Date(NOW.getTime() + 2 * DAY);
  const at = new Date(NOW.getTime() + 3 * DAY);

  /** APPROVED before validFrom over 3 x 30 units (100 authorized): waiting for the clock. */
  async function waiting() {
    const w = memoryWorld();
    const lut = givenLicense(w, { authorizedQuantity: 100, validFrom: validFrom.toISOString() });
    w.seed.accepted([1, 2, 3].map((priority) => lut.shipment({ priority, quantity: 30 })));
    w.console.edit('licenses', lut.licenseId, 'status', 'APPROVED');
    await settleSystem(w, lut.licenseId);
    expect(w.license(lut.licenseId).waitingForValidFrom).toBeDefined();
    w.alerter.alerts.length = 0;
    return { w, licenseId: lut.licenseId };
  }

  /** The system: the clock releases the 90 units at validFrom (80 and 90 %); on day 3 the edit is made. */
  async function clockThenEdit(w: MemoryWorld, licenseId: string, edit: SimulatedEdit) {
    w.setNow(new Date(validFrom.getTime() + 60_000));
    await settleSystem(w, licenseId);
    w.setNow(at);
    await makeEdit(w, licenseId, edit);
  }

  const atValidFrom = (licenseId: string) =>
    [80, 90].map((t) => `License ${licenseId}: ${t} % of its quantity limit drawn`);

  it('an amendment: the Drawdown line names the thresholds the wake-up release crosses, as the alerts do', async () => {
    const { w, licenseId } = await waiting();
    const edit: SimulatedEdit = { terms: { set: { authorizedQuantity: 200 }, remove: [] } };
    const report = await simulate(w, licenseId, edit, at);
    await clockThenEdit(w, licenseId, edit);
    expect(drawdownSubjects(w)).toEqual(atValidFrom(licenseId));
    expect(report.alerts.filter((a) => a.alertType === 'LICENSE_DRAWDOWN').map((a) => a.subject)).toEqual(
      drawdownSubjects(w),
    );
    expect(report.drawdown.crossed.map((c) => [c.limit, c.thresholdPercent, c.of, c.beforeEdit])).toEqual([
      ['quantity', 80, 100, true],
      ['quantity', 90, 100, true],
    ]);
    const text = renderSimulation(report, 20);
    expect(text).not.toMatch(/Drawdown: +crosses no 80\/90\/100 % threshold/);
    expect(text).toMatch(
      /Drawdown: +quantity reaches 80 and 90 % of authorizedQuantity \(0 → 90 of 100, before the edit\)/,
    );
    expect(text).toMatch(
      /\[normal LICENSE_DRAWDOWN\] License .*: 80 % of its quantity limit drawn \(before the edit\)/,
    );
  });

  it('a suspension: the release the clock made first still crossed 80 and 90 %', async () => {
    const { w, licenseId } = await waiting();
    const edit: SimulatedEdit = { status: 'SUSPENDED' };
    const report = await simulate(w, licenseId, edit, at);
    await clockThenEdit(w, licenseId, edit);
    expect(drawdownSubjects(w)).toEqual(atValidFrom(licenseId));
    expect(report.license.after.appliedStatus).toBe('SUSPENDED');
    expect(crossed(report)).toEqual([
      ['quantity', 80],
      ['quantity', 90],
    ]);
  });

  it('a rejected edit keeps the crossings of the work before it', async () => {
    const { w, licenseId } = await waiting();
    const edit: SimulatedEdit = { status: 'DENIED' };
    const report = await simulate(w, licenseId, edit, at);
    await clockThenEdit(w, licenseId, edit);
    expect(report.rejected).toEqual([String(w.license(licenseId).statusError)]);
    expect(drawdownSubjects(w)).toEqual(atValidFrom(licenseId));
    expect(crossed(report)).toEqual([
      ['quantity', 80],
      ['quantity', 90],
    ]);
  });
});

describe('announcedIn: the thresholds one drawdownAlerted write records', () => {
  const licenseWith = (drawdownAlerted?: unknown): RawItem => ({
    licenseId: 'LIC-1',
    releasedQuantity: 95,
    releasedValue: 1000,
    ...(drawdownAlerted === undefined ? {} : { drawdownAlerted }),
  });
  const record = (quantity: number[], quantityLimit = 100, value?: { limit: number; list: number[] }) => ({
    quantityLimit,
    quantity,
    ...(value ? { valueLimit: value.limit, value: value.list } : { value: [] }),
  });
  const levels = (was: RawItem, next: unknown) =>
    announcedIn(was, next, false).map((a) => [a.limit, a.thresholdPercent, a.drawn, a.of]);

  it('counts what the record adds under the same limit, with what the license draws then', () => {
    expect(levels(licenseWith(record([80])), record([80, 90]))).toEqual([['quantity', 90, 95, 100]]);
    expect(levels(licenseWith(), record([80, 90]))).toEqual([
      ['quantity', 80, 95, 100],
      ['quantity', 90, 95, 100],
    ]);
  });

  it('counts every threshold listed against another limit as new, and values against the value cap', () => {
    expect(levels(licenseWith(record([80, 90, 100], 20)), record([80], 30))).toEqual([
      ['quantity', 80, 95, 30],
    ]);
    const value = { limit: 1100, list: [80, 90] };
    expect(levels(licenseWith(record([])), record([], 100, value))).toEqual([
      ['value', 80, 1000, 1100],
      ['value', 90, 1000, 1100],
    ]);
  });

  it('counts nothing for a write that only drops thresholds (a trim back within lowered limits)', () => {
    expect(levels(licenseWith(record([80, 90])), record([80]))).toEqual([]);
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
