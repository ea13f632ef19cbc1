/**
 * An admin extends validUntil in the console on a license the clock has
 * already EXPIRED (final). Taken as a legal amendment, it would be entered as
 * LICENSE_AMENDED with no statusError and no alert, while the license stays
 * EXPIRED and its shipments HELD as LICENSE_EXPIRED: the admin would see an
 * extended window and no sign that it did nothing. The CLI
 * refuses the same amendment ("EXPIRED, which is final: amended, it would
 * stay EXPIRED and release nothing. A license to be used again is a new
 * license item", cli/amend-plan.ts:201); a console edit that breaks a rule
 * is rejected with `statusError` and an ops alert (DESIGN §3).
 */
import { describe, expect, it } from 'vitest';
import { clockTick } from '../../../shared/engine/clock.js';
import { amend, apply, givenLicense, holdReasons, setStatus } from '../../helpers/fakes/engine-kit.js';
import { memoryWorld } from '../../helpers/fakes/world.js';

const DAY = 86_400_000;

describe('extending validUntil after the license EXPIRED', () => {
  it('rejects the extension of an EXPIRED license with a statusError saying it is final, an alert, and no LICENSE_AMENDED entry', async () => {
    const w = memoryWorld();
    const validUntil = new Date(w.now().getTime() + DAY).toISOString();
    const lut = givenLicense(w, { validUntil });
    w.seed.accepted([lut.shipment()]);
    await setStatus(w, lut.licenseId, 'APPROVED');
    w.setNow(new Date(Date.parse(validUntil) + 60_000));
    expect((await clockTick(w.licenses, w.now(), w.newToken)).expired).toEqual([lut.licenseId]);
    await apply(w, lut.licenseId);
    expect(w.license(lut.licenseId).appliedStatus).toBe('EXPIRED');
    const alertsBefore = w.alerter.alerts.length;

    const extended = new Date(Date.parse(validUntil) + 90 * DAY).toISOString();
    await amend(w, lut, 'validUntil', extended);

    // Nothing was or can be released: the extension did nothing.
    expect(w.license(lut.licenseId).status).toBe('EXPIRED');
    expect(Object.values(holdReasons(w, lut.licenseId))).toEqual(['LICENSE_EXPIRED']);
    const amended = w
      .entries()
      .filter((e) => e.licenseId === lut.licenseId && e.eventType === 'LICENSE_AMENDED');
    // Rejected like any edit the rules refuse: statusError naming EXPIRED as final, an ops alert,
    // validUntil set back, and no LICENSE_AMENDED entry claiming the final license was extended.
    expect({
      statusError: w.license(lut.licenseId).statusError,
      newAlerts: w.alerter.alerts.length - alertsBefore,
      amendedEntries: amended.map((e) => e.changes ?? e.reason),
    }).toMatchObject({
      statusError: expect.stringMatching(/final/),
      newAlerts: 1,
      amendedEntries: [],
    });
    expect(w.license(lut.licenseId).validUntil).toBe(validUntil);
  });

  it('names exactly the statuses no transition leaves as final', async () => {
    const { LICENSE_TRANSITIONS } = await import('../../../shared/domain/license-rules.js');
    const { FINAL_LICENSE_STATUSES } = await import('../../../shared/domain/terms.js');
    const final = Object.entries(LICENSE_TRANSITIONS)
      .filter(([, to]) => to.length === 0)
      .map(([from]) => from);
    expect([...FINAL_LICENSE_STATUSES].sort()).toEqual(final.sort());
  });
});
