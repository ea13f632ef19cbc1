/**
 * The clock's expiry write is conditional on the `validUntil` it judged, not
 * only on `status`: an extension of `validUntil` typed between the clock's
 * scan and its write wins, and the license is not set EXPIRED (final) while
 * its window, as the item stands, has not ended.
 */
import { describe, expect, it } from 'vitest';
import { clockTick } from '../../../shared/engine/clock.js';
import { apply, givenLicense, idsWith, setStatus } from '../../helpers/fakes/engine-kit.js';
import { memoryWorld } from '../../helpers/fakes/world.js';

describe('the clock expiring a license while the admin extends validUntil', () => {
  it('does not expire a license whose validUntil the admin extended after the clock read it and before it wrote EXPIRED', async () => {
    const w = memoryWorld();
    const validUntil = '2026-06-01T13:00:00.000Z';
    const extended = '2026-12-31T23:59:59.000Z';
    const lut = givenLicense(w, { validUntil });
    w.seed.accepted([lut.shipment(), lut.shipment()]);
    await setStatus(w, lut.licenseId, 'APPROVED');
    expect(idsWith(w, lut.licenseId, 'RELEASED')).toHaveLength(2);

    w.setNow('2026-06-01T13:00:30.000Z');
    // The clock has scanned the page (old validUntil); the admin's extension lands before its write.
    w.faults.beforeNext('licenses.setStatus', async () => {
      w.console.edit('licenses', lut.licenseId, 'validUntil', extended);
    });
    await clockTick(w.licenses, w.now(), w.newToken);
    // license-events applies the record as it stands.
    await apply(w, lut.licenseId);

    const license = w.license(lut.licenseId);
    expect(license.validUntil).toBe(extended);
    // Expected: the extension wins (the write was judged on a window the item no longer has).
    expect(license.status, `statusReason: ${String(license.statusReason)}`).toBe('APPROVED');
    expect(license.appliedStatus).toBe('APPROVED');
    expect(idsWith(w, lut.licenseId, 'RELEASED')).toHaveLength(2);
  });

  it("does not expire a license whose release pass found it late while the admin's extension landed", async () => {
    const w = memoryWorld();
    const validUntil = '2026-06-01T13:00:00.000Z';
    const extended = '2026-12-31T23:59:59.000Z';
    const lut = givenLicense(w, { validUntil });
    await setStatus(w, lut.licenseId, 'APPROVED');
    w.setNow('2026-06-01T13:00:30.000Z');
    // A release pass asked for after validUntil (a new shipment) finds the window ended.
    w.seed.accepted([lut.shipment()]);
    await w.licenses.requestRelease(lut.licenseId, w.newToken());
    w.faults.beforeNext('licenses.setStatus', async () => {
      w.console.edit('licenses', lut.licenseId, 'validUntil', extended);
    });
    await apply(w, lut.licenseId);
    await apply(w, lut.licenseId);
    const license = w.license(lut.licenseId);
    expect(license.status, `statusReason: ${String(license.statusReason)}`).toBe('APPROVED');
    expect(idsWith(w, lut.licenseId, 'RELEASED')).toHaveLength(1);
  });
});
