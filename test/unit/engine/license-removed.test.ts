/**
 * licenseRemoved: what license-events tells ops when a license item is
 * deleted (its stream REMOVE record). Deleting is not supported, and held
 * shipments must not wait unseen (I5).
 */
import { describe, expect, it } from 'vitest';
import { licenseRemoved } from '../../../shared/engine/license-engine.js';
import { apply, givenLicense, idsWith, setStatus, withBacklog } from '../../helpers/fakes/engine-kit.js';
import { memoryWorld } from '../../helpers/fakes/world.js';

describe('a deleted license', () => {
  it('is a high-severity alert once the system has applied it', async () => {
    const w = memoryWorld();
    const lut = givenLicense(w, { status: 'APPROVED', appliedStatus: 'APPROVED', releasedQuantity: 30 });
    const old = w.license(lut.licenseId);
    w.console.remove('licenses', lut.licenseId);
    await licenseRemoved(w.licenseDeps(), lut.licenseId, old);
    expect(w.alerter.about(lut.licenseId)).toEqual([
      expect.objectContaining({ severity: 'high', subject: `License ${lut.licenseId} was deleted` }),
    ]);
    expect(w.alerter.about(lut.licenseId)[0]?.message).toContain(
      'an APPROVED license is ended by setting its status to REVOKED',
    );
  });

  it.each([
    ['PENDING', 'a PENDING license is ended by setting its status to DENIED'],
    ['REVOKED', 'a REVOKED license is final and needs nothing more'],
  ] as const)('applied as %s, advises what is legal from there', async (applied, advice) => {
    const w = memoryWorld();
    const lut = givenLicense(w, { status: applied, appliedStatus: applied });
    const old = w.license(lut.licenseId);
    w.console.remove('licenses', lut.licenseId);
    await licenseRemoved(w.licenseDeps(), lut.licenseId, old);
    expect(w.alerter.about(lut.licenseId)[0]?.message).toContain(advice);
  });

  it('never applied, tells ops how many shipments are held under it and the ways out', async () => {
    const w = memoryWorld();
    const lut = givenLicense(w, { status: 'PENDING', appliedStatus: undefined });
    w.seed.accepted([lut.shipment({ quantity: 10 }), lut.shipment({ quantity: 5 })]);
    const old = w.license(lut.licenseId);
    w.console.remove('licenses', lut.licenseId);
    await licenseRemoved(w.licenseDeps(), lut.licenseId, old);
    const [alert, ...more] = w.alerter.about(lut.licenseId);
    expect(more).toEqual([]);
    expect(alert).toMatchObject({
      severity: 'normal',
      subject: `License ${lut.licenseId} was deleted with 2 shipment(s) held under it`,
    });
    expect(alert?.message).toContain('2 shipment(s), 15 units, are HELD under it as LICENSE_PENDING');
    expect(alert?.message).toContain('Create the license again');
  });

  it('never applied and created again before license-events read the removal, is no news: the new item takes them on', async () => {
    const w = memoryWorld();
    const lut = givenLicense(w, { status: 'PENDING', appliedStatus: undefined });
    w.seed.accepted([lut.shipment({ quantity: 10 })]);
    const old = w.license(lut.licenseId);
    w.console.remove('licenses', lut.licenseId);
    w.console.put('licenses', old);
    await licenseRemoved(w.licenseDeps(), lut.licenseId, old);
    expect(w.alerter.about(lut.licenseId)).toEqual([]);
  });

  it('never applied and with nothing held under it, is no news', async () => {
    const w = memoryWorld();
    const lut = givenLicense(w, { status: 'PENDING', appliedStatus: undefined });
    const old = w.license(lut.licenseId);
    w.console.remove('licenses', lut.licenseId);
    await licenseRemoved(w.licenseDeps(), lut.licenseId, old);
    expect(w.alerter.about(lut.licenseId)).toEqual([]);
  });

  it('created again from its first JSON while its shipments still draw, is refused, not approved afresh (I2)', async () => {
    const w = memoryWorld();
    const { lut, ids } = withBacklog(w, { authorizedQuantity: 100 }, [
      { quantity: 30 },
      { quantity: 40 },
      { quantity: 50 },
    ]);
    const first = w.license(lut.licenseId);
    await setStatus(w, lut.licenseId, 'APPROVED');
    expect(w.license(lut.licenseId)).toMatchObject({ releasedQuantity: 70 });

    const old = w.license(lut.licenseId);
    w.console.remove('licenses', lut.licenseId);
    await licenseRemoved(w.licenseDeps(), lut.licenseId, old);
    const { appliedStatus: _a, ...json } = first;
    w.console.put('licenses', { ...json, status: 'APPROVED' });
    expect(await apply(w, lut.licenseId)).toMatchObject({ kind: 'rejected' });

    expect(idsWith(w, lut.licenseId, 'RELEASED')).toEqual(ids.slice(0, 2).sort());
    expect(w.license(lut.licenseId)).toMatchObject({
      statusError: expect.stringContaining('point-in-time recovery'),
    });
    expect(w.license(lut.licenseId).appliedStatus).toBeUndefined();
    expect(w.alerter.about(lut.licenseId).map((a) => a.subject)).toEqual([
      `License ${lut.licenseId} was deleted`,
      expect.stringContaining(lut.licenseId),
    ]);
  });
});
