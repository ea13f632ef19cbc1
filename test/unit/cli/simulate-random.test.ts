/**
 * `license simulate` against the engine on random backlogs: for each seed a
 * license in a random applied state (PENDING, APPROVED with some released
 * and some shipped, SUSPENDED), a random backlog (priorities with ties,
 * values, missing values, mismatched customers and skus) and a random edit
 * (a status, new limits or validity, or both) at a random time. The
 * simulation (cli/simulation, on shared/adapters/memory) is run first; then
 * the edit is made in the test world (test/helpers/fakes, held to the
 * DynamoDB port contract), and license-events, both Shipments stream
 * consumers and the clock, settling passes included, run until nothing is
 * left. The shipments released and re-held, every hold reason, the
 * license's counters and status, and the alerts must be what was predicted.
 * Longer runs: SEEDS=5000 (and FROM=N to start at seed N).
 */
import { describe, expect, it } from 'vitest';
import type { AmendRequest } from '../../../cli/amend-plan.js';
import { buildReport } from '../../../cli/simulation/report.js';
import { runEngine, type SimulatedEdit } from '../../../cli/simulation/run.js';
import type { License, LicenseStatus, Shipment } from '../../../shared/domain/model.js';
import type { RawItem } from '../../../shared/domain/ports.js';
import { anInventory, NOW } from '../../helpers/factories.js';
import { givenLicense, settleSystem, snapshotOf } from '../../helpers/fakes/engine-kit.js';
import { type MemoryWorld, memoryWorld } from '../../helpers/fakes/world.js';

/** mulberry32: a small seeded generator, so a failing seed can be run again. */
function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[int(0, xs.length - 1)] as T;
  return { next, int, pick, chance: (p: number) => next() < p };
}
type Random = ReturnType<typeof random>;

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** A world with a license in a random applied state over a random backlog. */
async function givenRandom(r: Random) {
  const w = memoryWorld();
  const valueLimited = r.chance(0.5);
  const start = r.pick(['PENDING', 'APPROVED', 'APPROVED', 'SUSPENDED'] as const);
  const backlogSize = r.int(0, 30);
  const quantities = Array.from({ length: backlogSize }, () => r.pick([1, 2, 5, 10, 20, 50]));
  const total = quantities.reduce((a, b) => a + b, 0);
  const terms: Partial<License> = {
    authorizedQuantity: Math.max(1, Math.round(total * r.pick([0.2, 0.5, 0.8, 1, 1.5]))),
    ...(valueLimited
      ? {
          authorizedValue: Math.max(1, Math.round(total * 1000 * r.pick([0.2, 0.5, 0.8, 1.2]))),
          valueTolerancePercent: r.pick([0, 0, 5, 10, 25]),
        }
      : {}),
  };
  const lut = givenLicense(w, { status: 'PENDING', appliedStatus: 'PENDING', ...terms });
  const otherSku = `${lut.license.sku}-X`;
  w.seed.inventory(anInventory({ sku: otherSku, warehouseId: 'WH-1' }));
  const backlog: Shipment[] = quantities.map((quantity) =>
    lut.shipment({
      quantity,
      priority: r.int(1, 6),
      requestedAt: iso(Date.parse('2026-01-01T00:00:00Z') + r.int(0, 3) * 3_600_000),
      warehouseId: r.pick(['WH-1', 'WH-2']),
      ...(r.chance(0.85) ? { value: quantity * r.pick([0, 500, 1000, 1500, 3000]) } : {}),
      ...(r.chance(0.08) ? { customerId: 'CUST-OTHER' } : {}),
      ...(r.chance(0.05) ? { sku: otherSku, warehouseId: 'WH-1' } : {}),
    }),
  );
  w.seed.accepted(backlog);
  if (start !== 'PENDING') {
    w.console.edit('licenses', lut.licenseId, 'status', 'APPROVED');
    await settleSystem(w, lut.licenseId);
    // Logistics ships some of what was released.
    for (const s of w.items('shipments'))
      if (s.licenseId === lut.licenseId && s.status === 'RELEASED' && r.chance(0.3))
        w.console.edit('shipments', String(s.shipmentId), 'status', 'SHIPPED');
    await settleSystem(w, lut.licenseId);
    if (start === 'SUSPENDED') {
      w.console.edit('licenses', lut.licenseId, 'status', 'SUSPENDED');
      await settleSystem(w, lut.licenseId);
    }
  }
  w.alerter.alerts.length = 0;
  return { w, licenseId: lut.licenseId, start, total };
}

/** A random edit: a status (legal or not), new terms, both, or neither; and when. */
function randomEdit(r: Random, start: LicenseStatus, total: number): { edit: SimulatedEdit; at: Date } {
  const statuses: LicenseStatus[] = ['APPROVED', 'DENIED', 'SUSPENDED', 'REVOKED', 'EXPIRED'];
  const status = r.chance(start === 'PENDING' ? 0.9 : 0.5) ? r.pick(statuses) : undefined;
  const terms: AmendRequest = { set: {}, remove: [] };
  if (r.chance(0.5))
    terms.set.authorizedQuantity = Math.max(1, Math.round(total * r.pick([0.1, 0.3, 0.6, 1, 2])));
  if (r.chance(0.3)) {
    if (r.chance(0.2)) terms.remove.push('authorizedValue');
    else terms.set.authorizedValue = Math.max(1, Math.round(total * 1000 * r.pick([0.1, 0.4, 0.9, 2])));
  }
  if (r.chance(0.2)) terms.set.valueTolerancePercent = r.pick([0, 3, 10, 25]);
  if (r.chance(0.15)) terms.set.validFrom = iso(NOW.getTime() + r.pick([-10, 2, 5]) * DAY);
  if (r.chance(0.1)) terms.set.validUntil = iso(NOW.getTime() + r.pick([-1, 3, 400]) * DAY);
  const amended = Object.keys(terms.set).length + terms.remove.length > 0;
  // Now, or later: past a later validFrom, or past validUntil.
  const at = new Date(NOW.getTime() + r.pick([0, 0, 0, 3, 6]) * DAY + r.int(0, 1000));
  return { edit: { ...(status ? { status } : {}), ...(amended ? { terms } : {}) }, at };
}

async function makeEdit(w: MemoryWorld, licenseId: string, edit: SimulatedEdit, at: Date) {
  w.setNow(at);
  // One console write, as `license amend` makes one UpdateItem: status and terms together.
  const current = w.license(licenseId);
  const next: RawItem = { ...current, ...(edit.status ? { status: edit.status } : {}), ...edit.terms?.set };
  for (const term of edit.terms?.remove ?? []) delete next[term];
  if (edit.status || edit.terms) next.updatedBy = 'j.doe';
  w.store.write('licenses', licenseId, next);
  await settleSystem(w, licenseId);
}

describe('license simulate predicts the engine on random backlogs', () => {
  const SEEDS = Number(process.env.SEEDS ?? 500);
  it(`${SEEDS} seeds: same releases, re-holds, hold reasons, counters and alerts`, async () => {
    for (let seed = Number(process.env.FROM ?? 1); seed <= SEEDS; seed++) {
      const r = random(seed);
      const { w, licenseId, start, total } = await givenRandom(r);
      const { edit, at } = randomEdit(r, start, total);
      const snapshot = snapshotOf(w, licenseId);
      const report = buildReport(snapshot, edit, at, await runEngine(snapshot, edit, at));
      const before = new Map(w.items('shipments').map((s) => [String(s.shipmentId), s]));
      await makeEdit(w, licenseId, edit, at);
      const after = new Map(w.items('shipments').map((s) => [String(s.shipmentId), s]));
      const label = `seed ${seed}: ${start}, ${JSON.stringify(edit)} at ${at.toISOString()}`;
      const moved = (from: string, to: string) =>
        [...before.values()]
          .filter((s) => s.status === from && after.get(String(s.shipmentId))?.status === to)
          .map((s) => String(s.shipmentId))
          .sort();
      expect([...report.releases].sort(), `${label}: releases`).toEqual(moved('HELD', 'RELEASED'));
      expect([...report.reholds].sort(), `${label}: re-holds`).toEqual(moved('RELEASED', 'HELD'));
      const predicted = Object.fromEntries(
        [...report.holds, ...report.reholdReasons].map((h) => [h.shipmentId, h.holdReason]),
      );
      const actual = Object.fromEntries(
        [...after.values()]
          .filter((s) => s.status === 'HELD' && s.licenseId === licenseId)
          .map((s) => [String(s.shipmentId), s.holdReason]),
      );
      expect(predicted, `${label}: hold reasons`).toEqual(actual);
      const license = w.license(licenseId);
      expect(report.license.after, `${label}: license`).toMatchObject({
        status: license.status,
        appliedStatus: license.appliedStatus,
        releasedQuantity: license.releasedQuantity,
        releasedValue: license.releasedValue ?? 0,
      });
      expect(
        report.alerts.map((a) => a.subject),
        `${label}: alerts`,
      ).toEqual(w.alerter.alerts.map((a) => a.subject));
      // The Drawdown line is the engine's LICENSE_DRAWDOWN alerts, one crossing each.
      expect(
        report.drawdown.crossed.map(
          (c) => `License ${licenseId}: ${c.thresholdPercent} % of its ${c.limit} limit drawn`,
        ),
        `${label}: drawdown`,
      ).toEqual(w.alerter.alerts.filter((a) => a.alertType === 'LICENSE_DRAWDOWN').map((a) => a.subject));
      // A rejected status stays on the item (with statusError) until the admin sets it back: I1 judges it.
      // Open question, left to the lead: a validFrom moved later but already past when entered leaves
      // what was released before it RELEASED (the window is valid now), which I1 reports by releasedAt.
      const violations = w
        .violations()
        .filter((v) => !(edit.terms?.set.validFrom && /^released at .*, outside /.test(v.message)));
      if (report.rejected.length === 0) expect(violations, `${label}: invariants`).toEqual([]);
    }
  }, 120_000);
});
