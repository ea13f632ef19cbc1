/**
 * A license replaced by a whole-item put without `appliedStatus` (an import
 * run again). Before, license-events took it for a new license: an APPROVED
 * one was applied afresh with `releasedQuantity` 0 while its shipments still
 * drew 70 units (I2), and a later release could go past the limit; ops heard
 * nothing. license-events now sets it back first, as it does here.
 */
import { describe, expect, it } from 'vitest';
import type { License } from '../../../shared/domain/model.js';
import { applyLicense } from '../../../shared/engine/license-engine.js';
import { isOverwrite, licenseOverwritten } from '../../../shared/engine/license-overwrite.js';
import {
  apply,
  givenLicense,
  LATER,
  setStatus,
  shipmentEvents,
  shipmentsOf,
} from '../../helpers/fakes/engine-kit.js';
import { type MemoryWorld, memoryWorld } from '../../helpers/fakes/world.js';

/** An APPROVED license that released 30 + 40 units; the item as its import first wrote it. */
async function approved(w: MemoryWorld) {
  const lut = givenLicense(w, { authorizedQuantity: 100, status: 'PENDING', appliedStatus: undefined });
  const { appliedStatus: _applied, ...first } = lut.license;
  for (const quantity of [30, 40]) w.console.put('shipments', lut.shipment({ quantity }));
  await shipmentEvents(w);
  await setStatus(w, lut.licenseId, 'PENDING');
  await setStatus(w, lut.licenseId, 'APPROVED');
  for (let i = 0; i < 3; i++) await shipmentEvents(w);
  expect(w.license(lut.licenseId)).toMatchObject({ appliedStatus: 'APPROVED', releasedQuantity: 70 });
  w.alerter.alerts.length = 0;
  return { lut, first: first as License };
}

/** What license-events does with the put's stream record, then the license. */
async function put(w: MemoryWorld, licenseId: string, item: License): Promise<boolean> {
  const old = w.license(licenseId);
  w.console.put('licenses', item);
  const set =
    isOverwrite(old, w.license(licenseId)) && (await licenseOverwritten(w.licenseDeps(), licenseId, old));
  await apply(w, licenseId);
  for (let i = 0; i < 3; i++) await shipmentEvents(w);
  return set;
}

const rejected = (w: MemoryWorld, licenseId: string) =>
  w.entries().filter((e) => e.licenseId === licenseId && e.eventType === 'EDIT_REJECTED');

describe('a license put again whole', () => {
  it('as first written, but APPROVED: set back with what its shipments draw, alerted and entered once', async () => {
    const w = memoryWorld();
    const { lut, first } = await approved(w);
    const committed = w.license(lut.licenseId);

    expect(await put(w, lut.licenseId, { ...first, status: 'APPROVED' })).toBe(true);
    expect(w.license(lut.licenseId)).toMatchObject({
      appliedStatus: 'APPROVED',
      releasedQuantity: 70,
      appliedTerms: committed.appliedTerms,
      appliedChanges: committed.appliedChanges,
      statusError: expect.stringContaining('without appliedStatus'),
    });
    const [alert, ...more] = w.alerter.about(lut.licenseId);
    expect(more).toEqual([]);
    expect(alert).toMatchObject({
      severity: 'normal',
      subject: `License ${lut.licenseId}: overwritten item set back`,
    });
    expect(alert?.message).toContain('releasedQuantity 70');
    expect(rejected(w, lut.licenseId)).toEqual([
      expect.objectContaining({ previousStatus: 'APPROVED', status: 'APPROVED' }),
    ]);
    expect(w.violations()).toEqual([]);
    expect(w.historyViolations()).toEqual([]);
  });

  it('with new terms (an amended import): HIGH SEVERITY, the terms it tried named, the limit kept', async () => {
    const w = memoryWorld();
    const { lut, first } = await approved(w);
    await put(w, lut.licenseId, { ...first, status: 'APPROVED', authorizedQuantity: 80 });
    expect(w.license(lut.licenseId)).toMatchObject({ authorizedQuantity: 100, releasedQuantity: 70 });
    expect(w.alerter.about(lut.licenseId)).toEqual([
      expect.objectContaining({
        severity: 'high',
        message: expect.stringContaining('authorizedQuantity 100 → 80'),
      }),
    ]);
    // Made again as an edit, the amendment applies: nothing was lost but the put itself.
    w.console.edit('licenses', lut.licenseId, 'authorizedQuantity', 60);
    await apply(w, lut.licenseId);
    for (let i = 0; i < 3; i++) await shipmentEvents(w);
    expect(w.license(lut.licenseId)).toMatchObject({ authorizedQuantity: 60, releasedQuantity: 30 });
    expect(w.violations()).toEqual([]);
  });

  it('landing while a pass runs: the pass leaves it alone, and its own record sets it back (no release past the limit)', async () => {
    const w = memoryWorld();
    const { lut, first } = await approved(w);
    w.console.put('shipments', lut.shipment({ quantity: 20, priority: 60 }));
    w.console.put('shipments', lut.shipment({ quantity: 50, priority: 70 }));
    await shipmentEvents(w); // intake asks the license for a release pass
    w.licenseRecords();
    let old: License | undefined;
    w.faults.beforeNext('shipments.commit', () => {
      old = w.license(lut.licenseId) as License;
      w.console.put('licenses', { ...first, status: 'APPROVED' });
    });
    // The pass's guarded write fails; its fresh read finds no appliedStatus: not a new license.
    expect(await apply(w, lut.licenseId)).toEqual({ kind: 'noop' });
    expect(w.license(lut.licenseId).appliedStatus).toBeUndefined();
    if (!old) throw new Error('the put did not land during the pass');
    expect(await licenseOverwritten(w.licenseDeps(), lut.licenseId, old)).toBe(true);
    await apply(w, lut.licenseId);
    for (let i = 0; i < 3; i++) await shipmentEvents(w);
    expect(w.license(lut.licenseId)).toMatchObject({ appliedStatus: 'APPROVED', releasedQuantity: 90 });
    expect(w.violations()).toEqual([]);
  });

  it('read without appliedStatus by a call the stream showed it applied: left alone', async () => {
    const w = memoryWorld();
    const { lut, first } = await approved(w);
    w.console.put('licenses', { ...first, status: 'APPROVED' });
    expect(await applyLicense(w.licenseDeps(), lut.licenseId, LATER(), { applied: true })).toEqual({
      kind: 'noop',
    });
    expect(w.license(lut.licenseId).appliedStatus).toBeUndefined();
    expect(w.license(lut.licenseId).releasedQuantity).toBe(first.releasedQuantity); // as put: nothing applied
  });

  it('does nothing once the item has an appliedStatus again (a redelivered record)', async () => {
    const w = memoryWorld();
    const { lut, first } = await approved(w);
    const old = w.license(lut.licenseId);
    await put(w, lut.licenseId, { ...first, status: 'APPROVED' });
    expect(await licenseOverwritten(w.licenseDeps(), lut.licenseId, old)).toBe(false);
    expect(w.alerter.about(lut.licenseId)).toHaveLength(1);
    expect(rejected(w, lut.licenseId)).toHaveLength(1);
  });

  it('is not a new license put, nor an edit that keeps appliedStatus', () => {
    expect(isOverwrite(undefined, { licenseId: 'L', status: 'PENDING' })).toBe(false);
    expect(
      isOverwrite({ appliedStatus: 'APPROVED' }, { appliedStatus: 'APPROVED', status: 'SUSPENDED' }),
    ).toBe(false);
    expect(isOverwrite({ appliedStatus: 'APPROVED' }, undefined)).toBe(false);
  });

  it('keeps the drawdown as committed when a shipment is cancelled meanwhile: no units go to the put item, ops is told, and reconcile --fix gives them back', async () => {
    const w = memoryWorld();
    const { lut, first } = await approved(w);
    const old = w.license(lut.licenseId);
    const cancelled = [...shipmentsOf(w, lut.licenseId).values()].find((x) => x.quantity === 30);
    const copy = { ...first, status: 'APPROVED' } as License;
    w.console.put('licenses', copy);
    // Before license-events sets the license back, shipment-events commits a cancel: the put item is not the
    // license the system applied (no appliedStatus), so its units go to no item and ops is told.
    w.console.edit('shipments', String(cancelled?.shipmentId), 'status', 'CANCELLED');
    await shipmentEvents(w);

    expect(await licenseOverwritten(w.licenseDeps(), lut.licenseId, old, copy)).toBe(true);
    expect(w.license(lut.licenseId)).toMatchObject({ appliedStatus: 'APPROVED', releasedQuantity: 70 });
    expect(w.license(lut.licenseId).counterRevision).toBe(Number(old.counterRevision) + 1);
    expect(w.alerter.about(lut.licenseId).map((a) => a.subject)).toEqual([
      `License ${lut.licenseId}: 30 cancelled units not given back`,
      `License ${lut.licenseId}: overwritten item set back`,
    ]);
    expect(w.violations()).toEqual([
      expect.objectContaining({ invariant: 'I2', key: { licenseId: lut.licenseId } }),
    ]);
  });

  it('asks for a pass of its applied status: a shipment taken in while it was overwritten is released', async () => {
    const w = memoryWorld();
    const { lut, first } = await approved(w);
    const old = w.license(lut.licenseId);
    const copy = { ...first, status: 'APPROVED' } as License;
    w.console.put('licenses', copy);
    // Taken in before license-events sets the license back: the copy has no appliedStatus, so it waits as LICENSE_PENDING.
    const late = lut.shipment({ quantity: 20 });
    w.console.put('shipments', late);
    await shipmentEvents(w);
    expect(w.shipment(late.shipmentId)).toMatchObject({
      countedStatus: 'HELD',
      holdReason: 'LICENSE_PENDING',
    });

    expect(await licenseOverwritten(w.licenseDeps(), lut.licenseId, old, copy)).toBe(true);
    await apply(w, lut.licenseId);
    for (let i = 0; i < 3; i++) await shipmentEvents(w);
    expect(w.shipment(late.shipmentId)).toMatchObject({ countedStatus: 'RELEASED' });
    expect(w.license(lut.licenseId).releasedQuantity).toBe(90);
    expect(w.violations()).toEqual([]);
  });
});
