/**
 * An operator redeploys a live stack with an extra, lower drawdown threshold
 * (`-c drawdownThresholds=50,80,90,100`, README "Deploy"). A license that
 * already drew 92 % (80 and 90 announced) is not told "50 % drawn" with its
 * next release: DESIGN §6 says LICENSE_DRAWDOWN goes "once per threshold
 * crossed", and a release from 92 % to 93 % crosses nothing.
 */
import { describe, expect, it } from 'vitest';
import { applyLicense } from '../../../shared/engine/license-engine.js';
import {
  drawdownsOf,
  LATER,
  setStatus,
  shipmentEvents,
  withBacklog,
} from '../../helpers/fakes/engine-kit.js';
import { memoryWorld } from '../../helpers/fakes/world.js';

describe('drawdown thresholds changed on a live stack', () => {
  it('announces nothing for a license going from 92 % to 93 % after 50 is added to drawdownThresholds: it crossed no threshold', async () => {
    const w = memoryWorld();
    const { lut } = withBacklog(w, { authorizedQuantity: 100 }, [{ quantity: 92 }]);
    // Deployed with the defaults: the approval releases 92 units, 80 and 90 are announced.
    await setStatus(w, lut.licenseId, 'APPROVED');
    expect(drawdownsOf(w, lut)).toEqual(['quantity 80', 'quantity 90']);

    // Redeployed with 50 added; a 1-unit shipment arrives and is released (92 % → 93 %).
    w.console.put('shipments', lut.shipment({ priority: 50, quantity: 1 }));
    await shipmentEvents(w);
    await applyLicense(w.licenseDeps({ drawdownThresholds: [50, 80, 90, 100] }), lut.licenseId, LATER());
    expect(w.license(lut.licenseId).releasedQuantity).toBe(93);

    expect(drawdownsOf(w, lut)).toEqual(['quantity 80', 'quantity 90']);
  });
});

describe('a drawdown record damaged by hand', () => {
  it('still announces a threshold crossed when drawdownAlerted lists one no configuration can hold (1000)', async () => {
    const w = memoryWorld();
    const { lut } = withBacklog(w, { authorizedQuantity: 100 }, [{ quantity: 50 }, { quantity: 35 }]);
    await setStatus(w, lut.licenseId, 'APPROVED');
    expect(drawdownsOf(w, lut)).toEqual(['quantity 80']);
    const rec = w.license(lut.licenseId).drawdownAlerted as Record<string, unknown>;
    w.console.edit('licenses', lut.licenseId, 'drawdownAlerted', { ...rec, quantity: [80, 1000] });
    w.console.put('shipments', lut.shipment({ priority: 50, quantity: 6 }));
    await shipmentEvents(w);
    await applyLicense(w.licenseDeps({ drawdownThresholds: [80, 90, 100] }), lut.licenseId, LATER());
    expect(w.license(lut.licenseId).releasedQuantity).toBe(91);
    expect(drawdownsOf(w, lut)).toEqual(['quantity 80', 'quantity 90']);
  });
});
