/**
 * An applied license that a typo left unreadable (an emptied licenseNumber),
 * with its terms' text not the applied text: retyped in another ISO form for
 * the same instant, or an amendment typed beside the typo. A suspension still
 * runs, the expiry watch warns once per lead, and an expiry that cannot be
 * applied is told (I1, I5).
 */
import { describe, expect, it } from 'vitest';
import { clockTick } from '../../../shared/engine/clock.js';
import { apply, clockWatchOf, givenLicense, idsWith, setStatus } from '../../helpers/fakes/engine-kit.js';
import { type MemoryWorld, memoryWorld } from '../../helpers/fakes/world.js';

const DAY = 86_400_000;

/** An APPROVED license ending `days` from now, with one RELEASED shipment. */
async function approvedWithRelease(w: MemoryWorld, days: number) {
  const validUntil = new Date(w.now().getTime() + days * DAY).toISOString(); // …:00.000Z
  const lut = givenLicense(w, { authorizedQuantity: 100, validUntil });
  w.seed.accepted([lut.shipment({ priority: 1, quantity: 30 })]);
  await setStatus(w, lut.licenseId, 'APPROVED');
  expect(idsWith(w, lut.licenseId, 'RELEASED')).toHaveLength(1);
  return { lut, validUntil };
}

/** validUntil typed again for the same instant (no amendment), then licenseNumber emptied (rejected). */
async function retypedThenInvalid(w: MemoryWorld, days: number) {
  const { lut, validUntil } = await approvedWithRelease(w, days);
  w.console.edit('licenses', lut.licenseId, 'validUntil', validUntil.replace('.000Z', 'Z'));
  expect(await apply(w, lut.licenseId)).toEqual({ kind: 'noop' });
  w.console.edit('licenses', lut.licenseId, 'licenseNumber', '');
  expect(await apply(w, lut.licenseId)).toMatchObject({ kind: 'rejected' });
  return lut;
}

/** Three clock ticks a minute apart, with the expiry watch. */
async function threeTicks(w: MemoryWorld) {
  for (let i = 0; i < 3; i++) {
    await clockTick(w.licenses, w.now(), w.newToken, clockWatchOf(w));
    w.advance(60_000);
  }
}

describe('an unreadable license whose terms read differently from the applied ones', () => {
  it('is suspended when its validUntil was retyped for the same instant (the commit expects the text as read)', async () => {
    const w = memoryWorld();
    const lut = await retypedThenInvalid(w, 40);
    w.console.edit('licenses', lut.licenseId, 'status', 'SUSPENDED');
    expect(await apply(w, lut.licenseId)).toMatchObject({ kind: 'completed', reheld: 1 });
    expect(idsWith(w, lut.licenseId, 'RELEASED')).toEqual([]);
  });

  it('is warned of once per lead when its validUntil was retyped for the same instant', async () => {
    const w = memoryWorld();
    const lut = await retypedThenInvalid(w, 4);
    await threeTicks(w);
    expect(w.alerter.compliance(lut.licenseId, 'LICENSE_EXPIRING')).toHaveLength(1);
  });

  it('is not watched when a validUntil amendment was typed beside the typo (its record could not hold), and still expires', async () => {
    const w = memoryWorld();
    const { lut, validUntil } = await approvedWithRelease(w, 4);
    w.console.edit('licenses', lut.licenseId, 'licenseNumber', '');
    w.console.edit(
      'licenses',
      lut.licenseId,
      'validUntil',
      new Date(w.now().getTime() + 5 * DAY).toISOString(),
    );
    expect(await apply(w, lut.licenseId)).toMatchObject({ kind: 'rejected' });
    await threeTicks(w);
    // Not a warning every minute: none. Ops was told the item cannot be read.
    expect(w.alerter.compliance(lut.licenseId, 'LICENSE_EXPIRING')).toEqual([]);
    w.setNow(new Date(Date.parse(validUntil) + 60_000));
    expect((await clockTick(w.licenses, w.now(), w.newToken)).expired).toEqual([lut.licenseId]);
  });

  it('tells ops of an expiry it cannot apply when terms were typed beside the typo, and enters it', async () => {
    const w = memoryWorld();
    const { lut, validUntil } = await approvedWithRelease(w, 40);
    w.console.edit('licenses', lut.licenseId, 'licenseNumber', '');
    w.console.edit('licenses', lut.licenseId, 'authorizedQuantity', 150);
    expect(await apply(w, lut.licenseId)).toMatchObject({ kind: 'rejected' });
    const alerts = w.alerter.about(lut.licenseId).length;
    w.setNow(new Date(Date.parse(validUntil) + 60_000));
    expect((await clockTick(w.licenses, w.now(), w.newToken)).expired).toEqual([lut.licenseId]);
    expect(await apply(w, lut.licenseId)).toMatchObject({
      kind: 'rejected',
      reason: expect.stringContaining('status EXPIRED waits for the fix'),
    });
    expect(w.alerter.about(lut.licenseId)).toHaveLength(alerts + 1);
    const rejected = w
      .entries()
      .filter((e) => e.licenseId === lut.licenseId && e.eventType === 'EDIT_REJECTED');
    expect(rejected).toHaveLength(2);
  });
});

describe('an unreadable license: the attribution and the window as read', () => {
  it.each<[string, unknown]>([
    ['a number', 42],
    ['over 1,000 characters', 'x'.repeat(1001)],
  ])(
    'is suspended with updatedBy %s (the commit expects the value as read, not as an entry keeps it)',
    async (_, value) => {
      const w = memoryWorld();
      const { lut } = await approvedWithRelease(w, 40);
      w.console.edit('licenses', lut.licenseId, 'updatedBy', value);
      expect(await apply(w, lut.licenseId)).toMatchObject({ kind: 'rejected' });
      w.console.edit('licenses', lut.licenseId, 'status', 'SUSPENDED');
      expect(await apply(w, lut.licenseId)).toMatchObject({ kind: 'completed', reheld: 1 });
      expect(w.license(lut.licenseId).appliedStatus).toBe('SUSPENDED');
    },
  );

  it('sets back a validUntil retyped with an offset (same instant, not the contract form) and still expires', async () => {
    const w = memoryWorld();
    const { lut, validUntil } = await approvedWithRelease(w, 40);
    w.console.edit('licenses', lut.licenseId, 'validUntil', validUntil.replace('.000Z', '+00:00'));
    expect(await apply(w, lut.licenseId)).toMatchObject({ kind: 'rejected' });
    expect(w.license(lut.licenseId).validUntil).toBe(validUntil);
    w.setNow(new Date(Date.parse(validUntil) + 60_000));
    expect((await clockTick(w.licenses, w.now(), w.newToken)).expired).toEqual([lut.licenseId]);
    expect(await apply(w, lut.licenseId)).toMatchObject({ kind: 'completed', reheld: 1 });
  });

  it('expires at the applied validUntil when a status typo carries an extension beside it', async () => {
    const w = memoryWorld();
    const { lut, validUntil } = await approvedWithRelease(w, 40);
    w.console.edit(
      'licenses',
      lut.licenseId,
      'validUntil',
      new Date(Date.parse(validUntil) + 30 * DAY).toISOString(),
    );
    w.console.edit('licenses', lut.licenseId, 'status', 'APROVED');
    expect(await apply(w, lut.licenseId)).toMatchObject({ kind: 'rejected' }); // the extension is not judged
    w.setNow(new Date(Date.parse(validUntil) + 60_000));
    expect((await clockTick(w.licenses, w.now(), w.newToken)).expired).toEqual([lut.licenseId]);
  });
});
