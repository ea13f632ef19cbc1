/**
 * `clearance license simulate` without a stack: the simulation (the engine
 * run on the memory adapters, cli/simulation) predicts exactly what the
 * engine then does on the test world when the admin makes the edit and the
 * Licenses stream and the clock deliver it; the snapshot is never changed;
 * options are checked with errors that name the fix. Drawdown alerts,
 * rejections that still move shipments and edits past validUntil, against
 * the whole system: simulate-system.test.ts.
 */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { planAmendment } from '../../../cli/amend-plan.js';
import { licenseSimulate } from '../../../cli/commands/license-simulate.js';
import { UsageError } from '../../../cli/errors.js';
import { parseAt, parseSimulateOptions } from '../../../cli/simulation/options.js';
import { renderSimulation } from '../../../cli/simulation/render.js';
import { buildReport, type SimulationReport } from '../../../cli/simulation/report.js';
import { runEngine, type SimulatedEdit } from '../../../cli/simulation/run.js';
import { isSettledImage } from '../../../shared/domain/license-rules.js';
import type { License, Shipment } from '../../../shared/domain/model.js';
import type { RawItem } from '../../../shared/domain/ports.js';
import { termsOf } from '../../../shared/domain/terms.js';
import { clockTick } from '../../../shared/engine/clock.js';
import { GSI_ATTR } from '../../../shared/names.js';
import { stubCliContext, stubResources } from '../../helpers/cli.js';
import { aLicense, NOW } from '../../helpers/factories.js';
import { apply, givenLicense, snapshotOf } from '../../helpers/fakes/engine-kit.js';
import { type MemoryWorld, memoryWorld } from '../../helpers/fakes/world.js';

/** A license with a backlog in hold order (priority 1, 2, ...), seeded as accepted; then applied as it stands. */
async function given(license: Partial<License>, backlog: readonly Partial<Shipment>[]) {
  const w = memoryWorld();
  const lut = givenLicense(w, license);
  const shipments = backlog.map((o, i) => lut.shipment({ priority: i + 1, ...o }));
  w.seed.accepted(shipments);
  if (license.status && license.status !== license.appliedStatus) await apply(w, lut.licenseId);
  w.licenseRecords();
  return { w, licenseId: lut.licenseId, ids: shipments.map((s) => s.shipmentId) };
}

async function simulate(w: MemoryWorld, licenseId: string, edit: SimulatedEdit, at = w.now()) {
  const snapshot = snapshotOf(w, licenseId);
  const copy = structuredClone(snapshot);
  const report = buildReport(snapshot, edit, at, await runEngine(snapshot, edit, at));
  expect(snapshot, 'the snapshot is left as read').toEqual(copy);
  return report;
}

/**
 * The admin makes the edit in the console at `at`; license-events applies
 * every record that is not a settled write-back, and the clock ticks, its
 * settling pass included (SETTLE_DELAY_MS after a pass), until nothing is
 * left to do.
 */
async function doIt(w: MemoryWorld, licenseId: string, edit: SimulatedEdit, at = w.now()) {
  w.setNow(at);
  if (edit.status) w.console.edit('licenses', licenseId, 'status', edit.status);
  for (const [term, v] of Object.entries(edit.terms?.set ?? {}))
    w.console.edit('licenses', licenseId, term, v);
  for (let round = 0; round < 10; round++) {
    const records = w.licenseRecords().filter((r) => !isSettledImage(r.newImage));
    if (records.length > 0) {
      await apply(w, licenseId);
      continue;
    }
    const tick = await clockTick(w.licenses, w.now(), w.newToken);
    if (tick.expired.length + tick.woken.length + tick.settling.length > 0) continue;
    const settleCheckAt = w.license(licenseId).settleCheckAt;
    if (settleCheckAt === undefined) return;
    w.setNow(String(settleCheckAt));
  }
  throw new Error('did not settle');
}

/** Expects the world to have done exactly what the report predicted. */
function expectAsPredicted(w: MemoryWorld, before: Map<string, RawItem>, report: SimulationReport) {
  const after = new Map(w.items('shipments').map((s) => [String(s.shipmentId), s]));
  const moved = (from: string, to: string) =>
    [...before.values()]
      .filter((s) => s.status === from && after.get(String(s.shipmentId))?.status === to)
      .map((s) => String(s.shipmentId))
      .sort();
  expect([...report.releases].sort(), 'releases').toEqual(moved('HELD', 'RELEASED'));
  expect([...report.reholds].sort(), 're-holds').toEqual(moved('RELEASED', 'HELD'));
  const reasons = Object.fromEntries(
    [...report.holds, ...report.reholdReasons].map((h) => [h.shipmentId, h.holdReason]),
  );
  const actual = Object.fromEntries(
    [...after.values()]
      .filter((s) => s.status === 'HELD' && before.has(String(s.shipmentId)))
      .map((s) => [String(s.shipmentId), s.holdReason]),
  );
  expect(reasons, 'hold reasons').toEqual(actual);
  const license = w.license(report.licenseId);
  expect(report.license.after).toMatchObject({
    status: license.status,
    appliedStatus: license.appliedStatus,
    releasedQuantity: license.releasedQuantity,
    releasedValue: license.releasedValue,
  });
}

async function predictThenDo(
  w: MemoryWorld,
  licenseId: string,
  edit: SimulatedEdit,
  at = w.now(),
): Promise<SimulationReport> {
  const report = await simulate(w, licenseId, edit, at);
  const before = new Map(w.items('shipments').map((s) => [String(s.shipmentId), s]));
  await doIt(w, licenseId, edit, at);
  expectAsPredicted(w, before, report);
  return report;
}

describe('license simulate predicts what the engine does', () => {
  it('approval: first-fit on value, a mismatch, the tolerance', async () => {
    const { w, licenseId, ids } = await given(
      { authorizedQuantity: 100, authorizedValue: 100_000, valueTolerancePercent: 10 },
      [
        { value: 60_000 },
        { value: 60_000 },
        { value: 40_000 },
        { customerId: 'OTHER', value: 1 },
        { value: 20_000 },
      ],
    );
    const report = await predictThenDo(w, licenseId, { status: 'APPROVED' });
    expect(report.releases).toEqual([ids[0], ids[2]]);
    expect(report.holds).toEqual([
      { shipmentId: ids[1], holdReason: 'LICENSE_VALUE_EXHAUSTED', previousHoldReason: 'LICENSE_PENDING' },
      { shipmentId: ids[3], holdReason: 'LICENSE_MISMATCH', previousHoldReason: 'LICENSE_PENDING' },
      { shipmentId: ids[4], holdReason: 'LICENSE_VALUE_EXHAUSTED', previousHoldReason: 'LICENSE_PENDING' },
    ]);
    expect(report.remaining.after).toEqual({ quantity: 80, value: 10_000 });
    // $100,000 drawn of a $110,000 cap (10 % tolerance): 80 and 90 %, not 100 %, as the engine alerts.
    expect(report.drawdown.crossed.map((c) => [c.limit, c.thresholdPercent])).toEqual([
      ['value', 80],
      ['value', 90],
    ]);
    expect(report.drawdown.sentByEngine).toBe(true);
    expect(report.alerts.filter((a) => a.alertType === 'LICENSE_DRAWDOWN').map((a) => a.subject)).toEqual([
      `License ${licenseId}: 80 % of its value limit drawn`,
      `License ${licenseId}: 90 % of its value limit drawn`,
    ]);
  });

  it('approval before validFrom holds as LICENSE_NOT_YET_VALID; --at after it releases, as the clock then does', async () => {
    const validFrom = new Date(NOW.getTime() + 86_400_000).toISOString();
    const { w, licenseId, ids } = await given({ validFrom }, [{}, {}]);
    const now = await simulate(w, licenseId, { status: 'APPROVED' });
    expect(now.releases).toEqual([]);
    expect(now.holds.map((h) => h.holdReason)).toEqual(['LICENSE_NOT_YET_VALID', 'LICENSE_NOT_YET_VALID']);
    expect(now.license.after.waitingForValidFrom).toBe(validFrom);
    const later = await predictThenDo(
      w,
      licenseId,
      { status: 'APPROVED' },
      new Date(Date.parse(validFrom) + 1),
    );
    expect(later.releases).toEqual(ids);
  });

  it('approval past validUntil: the engine expires it and every shipment is held as LICENSE_EXPIRED', async () => {
    const { w, licenseId } = await given({ validUntil: '2026-06-30T00:00:00.000Z' }, [{}, {}]);
    const report = await predictThenDo(
      w,
      licenseId,
      { status: 'APPROVED' },
      new Date('2026-07-01T00:00:00Z'),
    );
    expect(report.license.after).toMatchObject({ status: 'EXPIRED', appliedStatus: 'EXPIRED' });
    expect(report.holds.map((h) => h.holdReason)).toEqual(['LICENSE_EXPIRED', 'LICENSE_EXPIRED']);
  });

  it.each(['SUSPENDED', 'REVOKED', 'EXPIRED'] as const)('%s re-holds what was released', async (status) => {
    const { w, licenseId, ids } = await given({ status: 'APPROVED', authorizedQuantity: 20 }, [{}, {}, {}]);
    const report = await predictThenDo(w, licenseId, { status });
    expect(report.reholds).toEqual(ids.slice(0, 2));
    expect(report.totals.reheld).toEqual({ shipments: 2, units: 20, value: 0 });
    expect(report.license.after.releasedQuantity).toBe(0);
  });

  it('denial relabels the backlog', async () => {
    const { w, licenseId } = await given({}, [{}, {}]);
    const report = await predictThenDo(w, licenseId, { status: 'DENIED' });
    expect(report.holds.map((h) => h.holdReason)).toEqual(['LICENSE_DENIED', 'LICENSE_DENIED']);
  });

  it('a lowered quantity trims the last released first and predicts the amendment alert', async () => {
    const { w, licenseId, ids } = await given({ status: 'APPROVED', authorizedQuantity: 30 }, [
      {},
      {},
      {},
      { quantity: 5 },
    ]);
    const report = await predictThenDo(w, licenseId, {
      terms: { set: { authorizedQuantity: 15 }, remove: [] },
    });
    expect(report.reholds).toEqual([ids[1], ids[2]]);
    expect(report.reholdReasons.map((r) => r.holdReason)).toEqual([
      'LICENSE_QUANTITY_EXHAUSTED',
      'LICENSE_QUANTITY_EXHAUSTED',
    ]);
    expect(report.alerts.filter((a) => !a.alertType).map((a) => a.subject)).toEqual([
      `License ${licenseId}: amendment put shipments back on hold`,
    ]);
    // Lowered to what it draws: at 100 % of 30 before and of 15 after, so no threshold is sent again.
    expect(report.alerts.filter((a) => a.alertType)).toEqual([]);
    expect(report.drawdown.crossed).toEqual([]);
  });

  it('hold reasons as the settling pass leaves them: one a later release left short of quantity, not of value', async () => {
    // 60 units, USD 50,000. The first pass reaches the second shipment with 50 units and USD 5,000
    // left (short of value), then releases the third (40 units): 10 units left. The settling pass
    // that follows names the limit the second is now short of, quantity, and tells its customer.
    const { w, licenseId, ids } = await given({ authorizedQuantity: 60, authorizedValue: 50_000 }, [
      { quantity: 10, value: 45_000 },
      { quantity: 50, value: 10_000 },
      { quantity: 40, value: 1_000 },
    ]);
    const report = await predictThenDo(w, licenseId, { status: 'APPROVED' });
    expect(report.releases).toEqual([ids[0], ids[2]]);
    expect(report.holds).toEqual([
      { shipmentId: ids[1], holdReason: 'LICENSE_QUANTITY_EXHAUSTED', previousHoldReason: 'LICENSE_PENDING' },
    ]);
  });

  it('an illegal status is reported as the rejection the engine would record, and nothing moves', async () => {
    const { w, licenseId } = await given({}, [{}]);
    const report = await predictThenDo(w, licenseId, { status: 'SUSPENDED' });
    expect(report.rejected).toEqual([
      'PENDING → SUSPENDED is not allowed; from PENDING the status may become APPROVED, DENIED (or set it back to PENDING)',
    ]);
    expect([report.releases, report.reholds]).toEqual([[], []]);
    expect(report.alerts).toHaveLength(1);
  });
});

describe('license simulate at scale', () => {
  it('works out an approval of 50,000 held shipments in memory', async () => {
    const { w, licenseId } = await given({ authorizedQuantity: 400_000 }, []);
    const license = w.license(licenseId);
    const backlog = Array.from({ length: 50_000 }, (_, i) => ({
      ...w.items('shipments')[0],
      shipmentId: `SHP-${String(i).padStart(6, '0')}`,
      licenseId,
      customerId: license.customerId,
      sku: license.sku,
      warehouseId: i % 3 === 0 ? 'WH-2' : 'WH-1',
      quantity: 10,
      priority: i % 7,
      requestedAt: '2026-01-01T00:00:00.000Z',
      status: 'HELD',
      holdReason: 'LICENSE_PENDING',
      countedStatus: 'HELD',
      [GSI_ATTR.heldLicenseId]: licenseId,
      [GSI_ATTR.holdOrder]: `${String(i % 7).padStart(6, '0')}#2026-01-01T00:00:00.000Z#SHP-${String(i).padStart(6, '0')}`,
    }));
    const snapshot = { license, shipments: backlog, inventory: w.items('inventory') };
    const started = Date.now();
    const run = await runEngine(snapshot, { status: 'APPROVED' }, w.now());
    const report = buildReport(snapshot, { status: 'APPROVED' }, w.now(), run);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(report.totals.released).toEqual({ shipments: 40_000, units: 400_000, value: 0 });
    expect(report.totals.stillHeld.shipments).toBe(10_000);
    const text = renderSimulation(report, 20);
    expect(text).toMatch(/^ {2}… 39,980 more \(--limit to see more, --json for every id\)$/m);
    expect(text.split('\n').length).toBeLessThan(120);
  }, 120_000);
});

describe('license simulate options', () => {
  const now = new Date('2026-06-01T00:00:00Z');
  const usage = (f: () => unknown) => {
    try {
      f();
    } catch (error) {
      expect(error).toBeInstanceOf(UsageError);
      return (error as Error).message;
    }
    throw new Error('no error');
  };

  it('takes a status, terms and a time, or none of them', () => {
    expect(parseSimulateOptions({ status: 'approved', quantity: '40', tolerance: '10%' }, now)).toEqual({
      edit: {
        status: 'APPROVED',
        terms: { set: { authorizedQuantity: 40, valueTolerancePercent: 10 }, remove: [] },
      },
      at: now,
    });
    expect(parseSimulateOptions({}, now)).toEqual({ edit: {}, at: now });
    expect(parseAt('2026-07-01')).toEqual(new Date('2026-07-01T00:00:00Z'));
    expect(parseAt('2026-07-01T09:30:00+02:00')).toEqual(new Date('2026-07-01T07:30:00Z'));
  });

  it('names the option and the fix', () => {
    expect(usage(() => parseSimulateOptions({ status: 'APPROVD' }, now))).toBe(
      '--status must be one of APPROVED, DENIED, SUSPENDED, REVOKED, EXPIRED, not "APPROVD"',
    );
    expect(usage(() => parseSimulateOptions({ status: 'PENDING' }, now))).toMatch(/only starts as PENDING/);
    expect(usage(() => parseSimulateOptions({ quantity: '-5' }, now))).toMatch(
      /^--quantity must be a whole number of units from 1 to .* not "-5"$/,
    );
    expect(usage(() => parseSimulateOptions({ quantity: '2.5' }, now))).toMatch(
      /^--quantity must be a whole/,
    );
    expect(usage(() => parseSimulateOptions({ tolerance: '30' }, now))).toMatch(
      /^--tolerance must be a whole number from 0 to 25 \(percent\), not "30"$/,
    );
    for (const at of ['tomorrow', '2026-02-30', '2026-07-01T09:00:00', '2026-13-01T00:00:00Z'])
      expect(usage(() => parseSimulateOptions({ at }, now))).toMatch(/^--at must be an ISO-8601 time/);
  });

  it('refuses a window that would end before it starts, as `license amend` does, naming the option', async () => {
    const license = {
      ...aLicense({ licenseId: 'LIC-1', status: 'APPROVED', appliedStatus: 'APPROVED' }),
      validFrom: '2026-01-01T00:00:00.000Z',
    };
    const item = { ...license, appliedTerms: termsOf(license) };
    // A read-only table: the license, no HELD or RELEASED shipments, no Inventory.
    const db = {
      async send(command: unknown) {
        if (command instanceof GetCommand) return { Item: structuredClone(item) };
        if (command instanceof QueryCommand) return { Items: [] };
        throw new Error(`unexpected command ${String(command)}`);
      },
    };
    const { ctx } = stubCliContext({ resources: stubResources(), clients: { db } });
    const refusal = new UsageError('--valid-until must be later than validFrom (2026-01-01T00:00:00.000Z)');
    const validUntil = '2025-06-01T00:00:00Z';
    expect(() => planAmendment(item, { set: { validUntil }, remove: [] }, now)).toThrow(refusal);
    await expect(licenseSimulate(ctx, 'LIC-1', { validUntil, limit: 20 })).rejects.toThrow(refusal);
  });
});
