/**
 * A whole-item put over an applied license (an import run again, its first
 * JSON) whose own stream record is judged late: it failed every retry and
 * was parked in the license-events DLQ, and newer records of the license
 * were processed first. Only that record's images tell an overwrite
 * (isOverwrite); a newer record's old image is the put itself, so the item
 * reads as a license never applied. It must not be approved afresh from the
 * put's `releasedQuantity` 0, even when every unit it drew has SHIPPED and
 * nothing is RELEASED under it: History's decisions of its id are the
 * durable trace (refuseReplaced). The redriven record then sets the item back
 * and enters nothing more; one found applied from the put since is told to
 * ops, high severity.
 */
import { describe, expect, it } from 'vitest';
import { isSettledImage } from '../../../shared/domain/license-rules.js';
import type { License } from '../../../shared/domain/model.js';
import type { LicenseRepository } from '../../../shared/domain/ports.js';
import { applyLicense } from '../../../shared/engine/license-engine.js';
import { appliedFromPut, isOverwrite, licenseOverwritten } from '../../../shared/engine/license-overwrite.js';
import {
  apply,
  givenLicense,
  LATER,
  setStatus,
  settleShipments,
  shipmentEvents,
} from '../../helpers/fakes/engine-kit.js';
import type { StreamEntry } from '../../helpers/fakes/store.js';
import { type MemoryWorld, memoryWorld } from '../../helpers/fakes/world.js';

/** license-events on one Licenses stream record, as functions/license-events.ts handles it. */
async function licenseEvents(
  w: MemoryWorld,
  record: StreamEntry,
  licenses: LicenseRepository = w.licenses,
): Promise<void> {
  const newImage = record.newImage;
  const oldImage = newImage?.appliedStatus === undefined ? record.oldImage : undefined;
  const deps = w.licenseDeps({ licenses });
  if (isOverwrite(oldImage, newImage)) await licenseOverwritten(deps, record.key, oldImage, newImage);
  if (!isSettledImage(newImage)) await applyLicense(deps, record.key, LATER());
}

/**
 * APPROVED for 100 units; 30 + 40 released, then both SHIPPED (nothing RELEASED under it now), and a
 * 60-unit shipment held for lack of room. Returns the item as its import first wrote it.
 */
async function shippedAndHolding(w: MemoryWorld) {
  const lut = givenLicense(w, { authorizedQuantity: 100, status: 'PENDING', appliedStatus: undefined });
  const { appliedStatus: _a, ...first } = lut.license;
  for (const quantity of [30, 40]) w.console.put('shipments', lut.shipment({ quantity }));
  await shipmentEvents(w);
  await setStatus(w, lut.licenseId, 'PENDING');
  await setStatus(w, lut.licenseId, 'APPROVED');
  await settleShipments(w);
  for (const s of w.items('shipments'))
    w.console.edit('shipments', String(s.shipmentId), 'status', 'SHIPPED');
  await settleShipments(w);
  const big = lut.shipment({ quantity: 60, priority: 900 });
  w.console.put('shipments', big);
  await settleShipments(w);
  await apply(w, lut.licenseId);
  await settleShipments(w);
  expect(w.license(lut.licenseId)).toMatchObject({ appliedStatus: 'APPROVED', releasedQuantity: 70 });
  expect(w.shipment(big.shipmentId)).toMatchObject({ countedStatus: 'HELD' });
  w.licenseRecords();
  w.alerter.alerts.length = 0;
  return { licenseId: lut.licenseId, first: first as License, big: big.shipmentId };
}

/**
 * The put of the license's first JSON as APPROVED, whose record (returned) license-events fails on every
 * retry (the ops topic refuses the alert): Lambda parks it in the DLQ.
 */
async function parkedPut(w: MemoryWorld, first: License): Promise<StreamEntry> {
  w.console.put('licenses', { ...first, status: 'APPROVED' });
  const [record] = w.licenseRecords();
  if (!record) throw new Error('no record of the put');
  w.faults.failNext(
    'alerter.alert',
    Object.assign(new Error('KMS key disabled'), { name: 'KMSDisabledException' }),
  );
  await expect(licenseEvents(w, record)).rejects.toThrow();
  return record;
}

/** The stream moves on: a newer record of the license (the admin adds a note, an hour later) is processed. */
async function newerRecord(w: MemoryWorld, licenseId: string, licenses?: LicenseRepository): Promise<void> {
  w.setNow(new Date(w.now().getTime() + 3_600_000));
  w.console.edit('licenses', licenseId, 'note', 'checking why statusError is empty');
  for (let round = 0; round < 5; round++)
    for (const record of w.licenseRecords()) await licenseEvents(w, record, licenses);
  await settleShipments(w);
}

const rejectedEntries = (w: MemoryWorld, licenseId: string) =>
  w.entries().filter((e) => e.licenseId === licenseId && e.eventType === 'EDIT_REJECTED');

/** The licenses port as a repository without History shows it: firstDecision finds nothing. */
const withoutHistory = (w: MemoryWorld): LicenseRepository =>
  new Proxy(w.licenses, {
    get: (target, name, receiver) =>
      name === 'firstDecision' ? async () => undefined : Reflect.get(target, name, receiver),
  });

describe('a parked license overwrite, redriven after a newer record of the license', () => {
  it('refuses the put item as a replacement when every unit it drew has SHIPPED: the held 60 units stay held (I1/I2)', async () => {
    const w = memoryWorld();
    const { licenseId, first, big } = await shippedAndHolding(w);
    await parkedPut(w, first);

    const shipments = w.items('shipments');
    await newerRecord(w, licenseId);

    // Nothing released under the put item (the tables' invariants hold again once it is set back, below).
    expect(w.shipment(big)).toMatchObject({ countedStatus: 'HELD' });
    expect(w.items('shipments'), 'no shipment moved').toEqual(shipments);
    const item = w.license(licenseId);
    expect(item.appliedStatus, 'not approved afresh').toBeUndefined();
    expect(item.releasedQuantity, 'nothing drawn on the put item').toBe(0);
    const reason = String(item.statusError);
    // The reason rests on History, not on shipments (none is RELEASED), and says the way out.
    expect(reason).toMatch(
      /^this item replaces a license the system applied: History holds decisions of license /,
    );
    expect(reason).toContain('(the first LICENSE_PENDING;');
    expect(reason).toContain('point-in-time recovery');
    expect(reason).toContain('or create the license under a new licenseId');
    expect(rejectedEntries(w, licenseId).map((e) => e.reason)).toEqual([reason]);
    expect(w.alerter.about(licenseId).map((a) => a.subject)).toEqual([
      `License ${licenseId}: invalid item rejected`,
    ]);
  });

  it('sets the refused item back when the parked record is replayed, and enters the put once (I6)', async () => {
    const w = memoryWorld();
    const { licenseId, first, big } = await shippedAndHolding(w);
    const r0 = await parkedPut(w, first);
    await newerRecord(w, licenseId);
    const refusal = rejectedEntries(w, licenseId);
    expect(refusal).toHaveLength(1);

    // Hours later: `clearance dlq redrive` replays the put's record.
    await licenseEvents(w, r0);
    await settleShipments(w);
    for (const record of w.licenseRecords()) await licenseEvents(w, record);
    await settleShipments(w);

    // The license as last committed: what its shipments drew, and its decisions counted.
    expect(w.license(licenseId)).toMatchObject({
      appliedStatus: 'APPROVED',
      releasedQuantity: 70,
      statusError: expect.stringContaining('without appliedStatus'),
    });
    expect(w.shipment(big)).toMatchObject({ countedStatus: 'HELD' });
    expect(w.violations(), 'I1/I2').toEqual([]);
    expect(w.historyViolations(), 'I6').toEqual([]);
    // One put, one rejected edit: the refusal's entry; the set-back adds none, but is told.
    expect(rejectedEntries(w, licenseId)).toEqual(refusal);
    const alerts = w.alerter.about(licenseId);
    expect(alerts.map((a) => a.subject)).toEqual([
      `License ${licenseId}: invalid item rejected`,
      `License ${licenseId}: overwritten item set back`,
    ]);
    expect(alerts[1]?.message).toContain('It had been refused as a replacement of the license before');
    expect(alerts[1]?.message).toContain('needs no point-in-time recovery');
  });

  it('tells ops, high severity, when the replayed put finds the item applied from it since (History did not show the license), and sets nothing back', async () => {
    const w = memoryWorld();
    const { licenseId, first } = await shippedAndHolding(w);
    const r0 = await parkedPut(w, first);
    // A license judged without its History (decisions older than History): applied afresh, as before the fix.
    await newerRecord(w, licenseId, withoutHistory(w));
    expect(w.license(licenseId)).toMatchObject({ appliedStatus: 'APPROVED' });
    const applied = w.license(licenseId);
    w.alerter.alerts.length = 0;

    await licenseEvents(w, r0);

    const [alert, ...more] = w.alerter.about(licenseId);
    expect(more).toEqual([]);
    expect(alert).toMatchObject({
      severity: 'high',
      subject: `HIGH SEVERITY: License ${licenseId}: overwritten item was applied as a new license`,
    });
    expect(alert?.message).toContain('releasedQuantity 70');
    expect(alert?.message).toContain('Meanwhile the item was applied as a new license: LICENSE_APPROVED');
    expect(alert?.message).toContain(`clearance license suspend ${licenseId}`);
    expect(w.license(licenseId), 'nothing set back').toEqual(applied);
  });

  it('stays silent when the replayed put finds the license as last committed (set back before, or put back from a backup)', async () => {
    const w = memoryWorld();
    const { licenseId, first } = await shippedAndHolding(w);
    const committed = w.license(licenseId);
    w.console.put('licenses', { ...first, status: 'APPROVED' });
    const [r0] = w.licenseRecords();
    if (!r0) throw new Error('no record of the put');
    await licenseEvents(w, r0);
    expect(w.license(licenseId)).toMatchObject({ appliedStatus: 'APPROVED', releasedQuantity: 70 });
    const alerts = w.alerter.alerts.length;
    const entries = w.entries().length;

    await licenseEvents(w, r0);

    expect(w.alerter.alerts).toHaveLength(alerts);
    expect(w.entries()).toHaveLength(entries);
    expect(appliedFromPut(committed, w.license(licenseId))).toBe(false);
  });
});

describe('appliedFromPut', () => {
  const decided = (at: string, appliedChanges: number) => ({
    appliedStatus: 'APPROVED',
    appliedChanges,
    lastDecision: { eventType: 'LICENSE_APPROVED', actor: 'alice', at },
  });

  it('is true for a decision after the committed one that counts no more decisions than it', () => {
    expect(appliedFromPut(decided('2026-01-01T00:00:00Z', 3), decided('2026-02-01T00:00:00Z', 1))).toBe(true);
    expect(appliedFromPut(decided('2026-01-01T00:00:00Z', 3), decided('2026-02-01T00:00:00Z', 3))).toBe(true);
  });

  it('is false for the committed license carried on (its later decisions counted on top), or as it was', () => {
    expect(appliedFromPut(decided('2026-01-01T00:00:00Z', 3), decided('2026-02-01T00:00:00Z', 4))).toBe(
      false,
    );
    expect(appliedFromPut(decided('2026-01-01T00:00:00Z', 3), decided('2026-01-01T00:00:00Z', 3))).toBe(
      false,
    );
    expect(appliedFromPut(decided('2026-01-01T00:00:00Z', 3), { appliedStatus: 'APPROVED' })).toBe(false);
  });
});
