/**
 * licenseRemoved: what license-events tells ops when a license item is
 * deleted (its stream REMOVE record). Deleting is not supported, and held
 * shipments must not wait unseen (I5).
 */
import { describe, expect, it } from 'vitest';
import type { LicenseRepository } from '../../../shared/domain/ports.js';
import { applyLicense, licenseRemoved } from '../../../shared/engine/license-engine.js';
import {
  apply,
  givenLicense,
  idsWith,
  LATER,
  setStatus,
  shipmentEvents,
  withBacklog,
} from '../../helpers/fakes/engine-kit.js';
import { type MemoryWorld, memoryWorld } from '../../helpers/fakes/world.js';

/**
 * A license approved with shipments of 30, 40 and 50 units under a limit of
 * 100 (the first two RELEASED), deleted, and created again from its first
 * JSON as APPROVED: its first read is refused, and its own statusError
 * write, delivered, is nothing new.
 */
async function recreatedAndRefused(w: MemoryWorld): Promise<{ licenseId: string; ids: string[] }> {
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
  expect(await apply(w, lut.licenseId)).toMatchObject({ kind: 'noop' });
  w.licenseRecords();
  return { licenseId: lut.licenseId, ids };
}

const rejectedEntries = (w: MemoryWorld, licenseId: string) =>
  w.entries().filter((e) => e.licenseId === licenseId && e.eventType === 'EDIT_REJECTED');

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

  it('created again and refused, gets a reason from its History that names no shipment, and an alert that names one', async () => {
    const w = memoryWorld();
    const { licenseId, ids } = await recreatedAndRefused(w);
    const reason = String(w.license(licenseId).statusError);
    expect(reason).toMatch(
      new RegExp(
        `^this item replaces a license the system applied: History holds decisions of license ${licenseId} since `,
      ),
    );
    expect(reason).toContain(
      `(the first LICENSE_PENDING; \`clearance license history ${licenseId}\` lists them)`,
    );
    expect(reason).toContain('point-in-time recovery');
    for (const id of ids) expect(reason).not.toContain(id);
    expect(rejectedEntries(w, licenseId).map((e) => e.reason)).toEqual([reason]);
    const alert = w.alerter.about(licenseId)[1];
    expect(alert?.message).toContain(`Rejected because ${reason}.`);
    expect(alert?.message).toContain(`Shipment ${ids[0]} is one of those RELEASED under it.`);
  });

  it('created again where History cannot be read (the simulation), is refused while shipments are RELEASED under its id, and names how to list them', async () => {
    const w = memoryWorld();
    const { lut, ids } = withBacklog(w, { authorizedQuantity: 100 }, [{ quantity: 30 }, { quantity: 40 }]);
    const first = w.license(lut.licenseId);
    await setStatus(w, lut.licenseId, 'APPROVED');
    w.console.remove('licenses', lut.licenseId);
    const { appliedStatus: _a, ...json } = first;
    w.console.put('licenses', { ...json, status: 'APPROVED' });
    // The licenses port without History (firstDecision, an optional method, absent).
    const licenses: LicenseRepository = new Proxy(w.licenses, {
      get: (target, name, receiver) =>
        name === 'firstDecision' ? undefined : Reflect.get(target, name, receiver),
    });

    expect(await applyLicense(w.licenseDeps({ licenses }), lut.licenseId, LATER())).toMatchObject({
      kind: 'rejected',
    });

    const reason = String(w.license(lut.licenseId).statusError);
    expect(reason).toContain(`shipments are already RELEASED under license ${lut.licenseId}`);
    expect(reason).toContain(
      `\`clearance shipment list --license ${lut.licenseId} --status RELEASED\` lists them`,
    );
    for (const id of ids) expect(reason).not.toContain(id);
    expect(w.alerter.about(lut.licenseId).at(-1)?.message).toContain(`Shipment ${ids[0]} is one of them.`);
    expect(w.license(lut.licenseId).appliedStatus).toBeUndefined();
  });

  it('created again after all its shipments SHIPPED, is refused by its History, not approved afresh (I1/I2)', async () => {
    const w = memoryWorld();
    const { lut, ids } = withBacklog(w, { authorizedQuantity: 100 }, [
      { quantity: 30 },
      { quantity: 40 },
      { quantity: 50 },
    ]);
    const first = w.license(lut.licenseId);
    await setStatus(w, lut.licenseId, 'APPROVED');
    for (const id of ids.slice(0, 2)) w.console.edit('shipments', String(id), 'status', 'SHIPPED');
    await shipmentEvents(w);
    expect(idsWith(w, lut.licenseId, 'RELEASED'), 'nothing RELEASED under it').toEqual([]);
    const old = w.license(lut.licenseId);
    w.console.remove('licenses', lut.licenseId);
    await licenseRemoved(w.licenseDeps(), lut.licenseId, old);
    const { appliedStatus: _a, ...json } = first;
    w.console.put('licenses', { ...json, status: 'APPROVED' });

    expect(await apply(w, lut.licenseId)).toMatchObject({ kind: 'rejected' });
    expect(await apply(w, lut.licenseId), 'its own write, delivered').toEqual({ kind: 'noop' });
    await shipmentEvents(w);

    // The 50 units stay held: approved afresh, 120 units would be out against 100 licensed.
    expect(idsWith(w, lut.licenseId, 'RELEASED')).toEqual([]);
    expect(w.license(lut.licenseId).appliedStatus).toBeUndefined();
    expect(String(w.license(lut.licenseId).statusError)).toContain('History holds decisions of license');
    expect(rejectedEntries(w, lut.licenseId)).toHaveLength(1);
    expect(w.alerter.about(lut.licenseId).map((a) => a.subject)).toEqual([
      `License ${lut.licenseId} was deleted`,
      `License ${lut.licenseId}: invalid item rejected`,
    ]);
  });

  it('created again, refused, and deleted with shipments held under it: the alert says to put the license back, not to create it again', async () => {
    const w = memoryWorld();
    const { licenseId } = await recreatedAndRefused(w);
    const refused = w.license(licenseId);
    w.console.remove('licenses', licenseId);

    await licenseRemoved(w.licenseDeps(), licenseId, refused);

    const alert = w.alerter.about(licenseId).at(-1);
    expect(alert?.subject).toBe(`License ${licenseId} was deleted with 1 shipment(s) held under it`);
    expect(alert?.message).toContain('refused as a replacement of a license the system applied');
    expect(alert?.message).toContain('point-in-time recovery');
    expect(alert?.message).not.toContain('Create the license again');
  });

  it('created again and refused, is refused once: a redelivery after the RELEASED shipment its alert named SHIPPED enters and alerts nothing more (I6)', async () => {
    const w = memoryWorld();
    const { licenseId, ids } = await recreatedAndRefused(w);
    const refused = rejectedEntries(w, licenseId).map((e) => e.reason);
    expect(refused).toHaveLength(1);

    // Logistics ships the first RELEASED shipment (a legal edit; the license item is not written).
    w.console.edit('shipments', String(ids[0]), 'status', 'SHIPPED');
    await shipmentEvents(w);
    expect(w.shipment(String(ids[0]))).toMatchObject({ countedStatus: 'SHIPPED' });
    expect(w.licenseRecords(), 'nobody wrote the license item since').toEqual([]);
    // license-events gets the license's record again (a redelivery: its batch is retried).
    expect(await apply(w, licenseId)).toEqual({ kind: 'noop' });

    expect(
      rejectedEntries(w, licenseId).map((e) => e.reason),
      'one refused edit, one History entry',
    ).toEqual(refused);
    expect(w.alerter.about(licenseId).map((a) => a.subject)).toEqual([
      `License ${licenseId} was deleted`,
      expect.stringContaining(licenseId),
    ]);
  });

  it('created again and refused, stays refused once when a RELEASED shipment is cancelled: its units go to no item (releasedQuantity stays 0), and ops is told', async () => {
    const w = memoryWorld();
    const { licenseId, ids } = await recreatedAndRefused(w);
    const reason = w.license(licenseId).statusError;

    // Logistics cancels the first RELEASED shipment: its units are not given to the item as it is.
    w.console.edit('shipments', String(ids[0]), 'status', 'CANCELLED');
    await shipmentEvents(w);
    expect(w.license(licenseId)).toMatchObject({ releasedQuantity: 0 });
    expect(w.licenseRecords()).toEqual([]);
    expect(await apply(w, licenseId)).toEqual({ kind: 'noop' });

    expect(w.license(licenseId).statusError, 'the refusal and its way out stay on the item').toBe(reason);
    expect(rejectedEntries(w, licenseId).map((e) => e.reason)).toEqual([reason]);
    expect(w.alerter.about(licenseId)).toHaveLength(3);
    expect(w.alerter.about(licenseId).map((a) => a.subject)).toContain(
      `License ${licenseId}: 30 cancelled units not given back`,
    );
    expect(w.license(licenseId).appliedStatus).toBeUndefined();
  });
});
