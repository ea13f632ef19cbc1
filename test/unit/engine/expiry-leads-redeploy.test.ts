/**
 * An operator redeploys a live stack with an extra, longer expiry lead
 * (`-c expiryLeadDays=60,30,7,1`, README "Deploy"). A license already warned
 * at 30 days is not warned again at "60 days or less", 40 days after that
 * lead came due: when leads come due together the watch sends only the
 * nearest (docs/messages.md), and a farther lead that a nearer one already
 * announced is the same stale warning.
 */
import { describe, expect, it } from 'vitest';
import { deadline } from '../../../shared/domain/compliance-notices.js';
import type { Shipment } from '../../../shared/domain/model.js';
import { clockTick } from '../../../shared/engine/clock.js';
import { clockWatchOf, givenLicense, setStatus } from '../../helpers/fakes/engine-kit.js';
import { memoryWorld } from '../../helpers/fakes/world.js';

const DAY = 86_400_000;
const EXPIRING = 'LICENSE_EXPIRING';

describe('expiry leads changed on a live stack', () => {
  it('sends no LICENSE_EXPIRING ("60 days or less") nor digest to a license already warned at 30 days, when 60 is added to expiryLeadDays', async () => {
    const w = memoryWorld();
    const validUntil = new Date(w.now().getTime() + 40 * DAY).toISOString();
    const lut = givenLicense(w, { authorizedQuantity: 100, validUntil });
    const s = (o: Partial<Shipment>) => lut.shipment({ quantity: 10, ...o });
    w.seed.accepted([s({ shipmentId: `${lut.licenseId}-A`, priority: 1, warehouseId: 'WH-1' })]);
    await setStatus(w, lut.licenseId, 'APPROVED');

    // Deployed with the defaults: the 30-day warning goes out.
    w.setNow(new Date(Date.parse(validUntil) - 30 * DAY));
    await clockTick(w.licenses, w.now(), w.newToken, clockWatchOf(w, { leadDays: [30, 7, 1] }));
    expect(w.alerter.compliance(lut.licenseId, EXPIRING)).toHaveLength(1);

    // Ten days later the stack is redeployed with a 60-day lead added; the next tick.
    w.setNow(new Date(Date.parse(validUntil) - 20 * DAY));
    await clockTick(w.licenses, w.now(), w.newToken, clockWatchOf(w, { leadDays: [60, 30, 7, 1] }));

    const digests = w.publisher.to('logistics', 'digest').filter((m) => m.attributes.eventType === EXPIRING);
    expect({
      alerts: w.alerter.compliance(lut.licenseId, EXPIRING).map((a) => a.subject),
      digests: digests.length,
    }).toEqual({
      alerts: [`License ${lut.licenseId} expires in 30 days or less (until ${deadline(validUntil)})`],
      digests: 1,
    });
  });
});

describe('a compliance record damaged by hand', () => {
  it('still sends a due lead when expiryAlerted lists a lead no configuration can hold (0)', async () => {
    const w = memoryWorld();
    const validUntil = new Date(w.now().getTime() + 40 * DAY).toISOString();
    const lut = givenLicense(w, { authorizedQuantity: 100, validUntil });
    w.seed.accepted([lut.shipment({ quantity: 10, priority: 1 })]);
    await setStatus(w, lut.licenseId, 'APPROVED');
    w.console.edit('licenses', lut.licenseId, 'expiryAlerted', { validUntil, leads: [0] });
    w.setNow(new Date(Date.parse(validUntil) - 30 * DAY));
    await clockTick(w.licenses, w.now(), w.newToken, clockWatchOf(w, { leadDays: [30, 7, 1] }));
    expect(w.alerter.compliance(lut.licenseId, EXPIRING)).toHaveLength(1);
  });
});
