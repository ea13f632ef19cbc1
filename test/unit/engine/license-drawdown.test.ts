/**
 * LICENSE_DRAWDOWN: the thresholds a release takes a license across, each
 * announced once per approval, recorded in `drawdownAlerted` after the
 * alert, so a crash repeats it and nothing loses it. Across amendments:
 * license-drawdown-amend.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { clockTick } from '../../../shared/engine/clock.js';
import {
  apply,
  drawdownsOf,
  expectInvariants,
  idsWith,
  newShipment,
  PAST,
  setStatus,
  withBacklog,
} from '../../helpers/fakes/engine-kit.js';
import { memoryWorld, SETTLE_DELAY_MS } from '../../helpers/fakes/world.js';

const DRAWDOWN = 'LICENSE_DRAWDOWN';

describe('drawdown alerts', () => {
  it('announces each threshold once as releases take the license across it, with percentage, what is left and the backlog', async () => {
    const w = memoryWorld();
    const { lut } = withBacklog(w, { authorizedQuantity: 100 }, [{ quantity: 70 }, { quantity: 40 }]);
    await setStatus(w, lut.licenseId, 'APPROVED');
    expect(drawdownsOf(w, lut)).toEqual([]);

    await newShipment(w, lut, { quantity: 15 });
    expect(drawdownsOf(w, lut)).toEqual(['quantity 80']);
    const [alert] = w.alerter.compliance(lut.licenseId);
    expect(alert).toMatchObject({
      severity: 'normal',
      alertType: DRAWDOWN,
      subjectKey: { licenseId: lut.licenseId },
      subject: `License ${lut.licenseId}: 80 % of its quantity limit drawn`,
    });
    expect(alert?.message).toContain('85 units released of 100 units authorized, 85 %');
    expect(alert?.message).toContain('Left to release: 15 units and no value limit.');
    expect(alert?.message).toContain('Held backlog still waiting under it: 1 shipment (40 units).');

    await newShipment(w, lut, { quantity: 5 });
    expect(drawdownsOf(w, lut), '90 reached').toEqual(['quantity 80', 'quantity 90']);
    await newShipment(w, lut, { quantity: 10 });
    expect(drawdownsOf(w, lut)).toEqual(['quantity 80', 'quantity 90', 'quantity 100']);
    expect(w.alerter.compliance(lut.licenseId).at(-1)?.message).toMatch(
      /Nothing more can be released under this limit: held shipments wait as LICENSE_QUANTITY_EXHAUSTED/,
    );
    expect(w.license(lut.licenseId).drawdownAlerted).toMatchObject({
      quantityLimit: 100,
      quantity: [80, 90, 100],
      value: [],
    });
    expectInvariants(w);
  });

  it('sends one alert per threshold when one pass crosses several, and none for 100 % while units are left', async () => {
    const w = memoryWorld();
    const { lut } = withBacklog(w, { authorizedQuantity: 100 }, [{ quantity: 96 }, { quantity: 10 }]);
    await setStatus(w, lut.licenseId, 'APPROVED');
    expect(drawdownsOf(w, lut)).toEqual(['quantity 80', 'quantity 90']);
    expect(w.license(lut.licenseId).releasedQuantity).toBe(96);
  });

  it('announces the value limit against its cap (with tolerance), apart from quantity', async () => {
    const w = memoryWorld();
    const { lut } = withBacklog(
      w,
      { authorizedQuantity: 1000, authorizedValue: 100_000, valueTolerancePercent: 10 },
      [
        { quantity: 10, value: 90_000 },
        { quantity: 10, value: 10_000 },
        { quantity: 10, value: 50_000 },
      ],
    );
    await setStatus(w, lut.licenseId, 'APPROVED');
    // 100,000 of the cap 110,000: 90.9 %.
    expect(drawdownsOf(w, lut)).toEqual(['value 80', 'value 90']);
    const [, ninety] = w.alerter.compliance(lut.licenseId);
    expect(ninety?.message).toContain(
      'USD 100,000 released of the cap USD 110,000 (value limit USD 100,000 + 10 % tolerance = cap USD 110,000), 90.9 %',
    );
    expect(ninety?.message).toContain('Left to release: 980 units and USD 10,000 of value.');
    expect(ninety?.message).toContain('1 shipment (10 units)');
    expect(w.license(lut.licenseId).drawdownAlerted).toMatchObject({ valueLimit: 110_000, value: [80, 90] });
  });

  it('does not repeat a threshold when shipments are re-held and released again under the same approval', async () => {
    const w = memoryWorld();
    const { lut } = withBacklog(w, { authorizedQuantity: 100 }, [{ quantity: 50 }, { quantity: 35 }]);
    await setStatus(w, lut.licenseId, 'APPROVED');
    expect(drawdownsOf(w, lut)).toEqual(['quantity 80']);
    // A later validFrom re-holds everything as LICENSE_NOT_YET_VALID; moving it back releases them again.
    w.console.edit('licenses', lut.licenseId, 'validFrom', '2026-07-01T00:00:00.000Z');
    expect(await apply(w, lut.licenseId)).toMatchObject({ reheld: 2 });
    w.console.edit('licenses', lut.licenseId, 'validFrom', '2020-01-01T00:00:00.000Z');
    expect(await apply(w, lut.licenseId)).toMatchObject({ released: 2 });
    expect(drawdownsOf(w, lut)).toEqual(['quantity 80']);
    expectInvariants(w);
  });

  it('does not repeat on redelivery, on the settling pass, or when a stream record is delivered again', async () => {
    const w = memoryWorld();
    const { lut } = withBacklog(w, { authorizedQuantity: 10 }, [{ quantity: 10 }]);
    await setStatus(w, lut.licenseId, 'APPROVED');
    expect(drawdownsOf(w, lut)).toEqual(['quantity 80', 'quantity 90', 'quantity 100']);
    expect(await apply(w, lut.licenseId)).toEqual({ kind: 'noop' });
    w.advance(SETTLE_DELAY_MS);
    expect((await clockTick(w.licenses, w.now(), w.newToken)).settling).toEqual([lut.licenseId]);
    expect(await apply(w, lut.licenseId)).toMatchObject({ kind: 'completed', released: 0 });
    expect(drawdownsOf(w, lut)).toHaveLength(3);
  });

  it('repeats the alert, never loses it, when the record fails after the alert went out', async () => {
    const w = memoryWorld();
    const { lut } = withBacklog(w, { authorizedQuantity: 10 }, [{ quantity: 8 }]);
    w.faults.failNext('licenses.recordAlerted', new Error('throttled'));
    await expect(setStatus(w, lut.licenseId, 'APPROVED')).rejects.toThrow('throttled');
    expect(drawdownsOf(w, lut)).toEqual(['quantity 80']);
    expect(w.license(lut.licenseId).drawdownAlerted).toEqual({
      approval: expect.any(String),
      quantity: [],
      value: [],
    });
    // The stream delivers the record again: the pass is still pending and announces what is unrecorded.
    expect(await apply(w, lut.licenseId)).toMatchObject({ kind: 'completed' });
    expect(drawdownsOf(w, lut)).toEqual(['quantity 80', 'quantity 80']);
    expect(await apply(w, lut.licenseId)).toEqual({ kind: 'noop' });
    expect(drawdownsOf(w, lut)).toHaveLength(2);
    const ops = w.store.ops();
    expect(ops.lastIndexOf('alerter.alert')).toBeLessThan(ops.lastIndexOf('licenses.recordAlerted'));
  });

  it('announces at the end of each slice of a release that continues, once each', async () => {
    const w = memoryWorld();
    const { lut } = withBacklog(
      w,
      { authorizedQuantity: 100 },
      Array.from({ length: 10 }, () => ({ quantity: 10 })),
    );
    w.console.edit('licenses', lut.licenseId, 'status', 'APPROVED');
    const deps = { pageSize: 4 };
    let slices = 0;
    do {
      await apply(w, lut.licenseId, PAST(), deps);
      slices++;
    } while (w.license(lut.licenseId).pendingWork !== undefined && slices < 10);
    expect(slices).toBeGreaterThan(2);
    expect(idsWith(w, lut.licenseId, 'RELEASED')).toHaveLength(10);
    expect(drawdownsOf(w, lut)).toEqual(['quantity 80', 'quantity 90', 'quantity 100']);
    expectInvariants(w);
  });

  it('re-arms on a new approval: a reinstatement after a suspension announces again', async () => {
    const w = memoryWorld();
    const { lut } = withBacklog(w, { authorizedQuantity: 100 }, [{ quantity: 85 }]);
    await setStatus(w, lut.licenseId, 'APPROVED');
    const first = w.license(lut.licenseId).drawdownAlerted as { approval: string };
    await setStatus(w, lut.licenseId, 'SUSPENDED');
    w.advance(60_000);
    await setStatus(w, lut.licenseId, 'APPROVED');
    expect(drawdownsOf(w, lut)).toEqual(['quantity 80', 'quantity 80']);
    const second = w.license(lut.licenseId).drawdownAlerted as { approval: string };
    expect(second.approval).not.toBe(first.approval);
    expect(second.approval).toBe((w.license(lut.licenseId).lastDecision as { at: string }).at);
  });

  it('announces again a threshold a raised limit leaves the license below, as it fills', async () => {
    const w = memoryWorld();
    const { lut } = withBacklog(w, { authorizedQuantity: 100 }, [
      { quantity: 85 },
      { quantity: 60 },
      { quantity: 20 },
    ]);
    await setStatus(w, lut.licenseId, 'APPROVED');
    expect(drawdownsOf(w, lut)).toEqual(['quantity 80']);
    // 200 units: 85 + 60 = 145 (72.5 %), then the 20 go too: 165 (82.5 %).
    w.console.edit('licenses', lut.licenseId, 'authorizedQuantity', 200);
    expect(await apply(w, lut.licenseId)).toMatchObject({ released: 2 });
    expect(drawdownsOf(w, lut)).toEqual(['quantity 80', 'quantity 80']);
    expect(w.alerter.compliance(lut.licenseId).at(-1)?.message).toContain('165 units released of 200 units');
    expect(w.license(lut.licenseId).drawdownAlerted).toMatchObject({ quantityLimit: 200, quantity: [80] });
  });

  it('uses the thresholds it is given', async () => {
    const w = memoryWorld();
    const { lut } = withBacklog(w, { authorizedQuantity: 100 }, [{ quantity: 60 }]);
    w.console.edit('licenses', lut.licenseId, 'status', 'APPROVED');
    const { applyLicense } = await import('../../../shared/engine/license-engine.js');
    await applyLicense(w.licenseDeps({ drawdownThresholds: [50, 75] }), lut.licenseId, Date.now() + 60_000);
    expect(drawdownsOf(w, lut)).toEqual(['quantity 50']);
    expect(w.alerter.compliance(lut.licenseId)[0]?.message).toContain('Sent once per threshold (50, 75 %)');
  });
});
