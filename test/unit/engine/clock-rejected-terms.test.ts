/**
 * An APPROVED license saved in the console with an illegal status (a legal
 * value, e.g. PENDING) and a validUntil extension in the same save. The status
 * edit is rejected (statusError) and the extension is not applied
 * (appliedTerms keeps the old validUntil), as for a typo that leaves the item
 * unreadable (test/unit/engine/license-invalid-item.test.ts): the clock judges
 * the window in force, not the one typed, and expires the license at its end.
 */
import { describe, expect, it } from 'vitest';
import { clockTick } from '../../../shared/engine/clock.js';
import { apply, givenLicense, idsWith, setStatus } from '../../helpers/fakes/engine-kit.js';
import { memoryWorld } from '../../helpers/fakes/world.js';

const DAY = 86_400_000;

async function rejectedWithTypedExtension() {
  const w = memoryWorld();
  const validUntil = new Date(w.now().getTime() + 4 * DAY).toISOString();
  const lut = givenLicense(w, { authorizedQuantity: 100, validUntil });
  w.seed.accepted([lut.shipment({ priority: 1, quantity: 30 })]);
  await setStatus(w, lut.licenseId, 'APPROVED');
  expect(idsWith(w, lut.licenseId, 'RELEASED')).toHaveLength(1);
  // One console save: an illegal status and an extension of the window.
  w.console.edit('licenses', lut.licenseId, 'status', 'PENDING');
  w.console.edit(
    'licenses',
    lut.licenseId,
    'validUntil',
    new Date(w.now().getTime() + 200 * DAY).toISOString(),
  );
  expect(await apply(w, lut.licenseId)).toMatchObject({ kind: 'rejected' });
  const l = w.license(lut.licenseId);
  expect(l.appliedStatus).toBe('APPROVED');
  expect((l.appliedTerms as Record<string, unknown>).validUntil).toBe(validUntil);
  return { w, lut, validUntil };
}

describe('a rejected status edit saved together with a validUntil extension', () => {
  it('expires the license at its applied validUntil, not the extension typed beside the rejected status', async () => {
    const { w, lut, validUntil } = await rejectedWithTypedExtension();
    w.setNow(new Date(Date.parse(validUntil) + 60_000));
    const tick = await clockTick(w.licenses, w.now(), w.newToken);
    expect(tick.expired).toEqual([lut.licenseId]);
    await apply(w, lut.licenseId); // the expiry's pass re-holds what was RELEASED
    expect(idsWith(w, lut.licenseId, 'RELEASED')).toEqual([]);
    expect(w.violations()).toEqual([]);
  });
});
