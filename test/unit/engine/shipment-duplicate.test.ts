/**
 * The AWS console's "Duplicate item" on a counted shipment: a new item with a
 * new `shipmentId` and every other attribute copied, the system's included
 * (`countedStatus`, `revision`, `countedAs`, the index keys, `holdOrder`...).
 * Before, shipment-events took the copy for a shipment already counted: it
 * was never taken in (no Inventory `held`, no History entry), a release pass
 * then released it, and Inventory went to held −30, released 60 (I3). Now a
 * copy (its `holdOrder` ends in another shipment's id) is taken in as a new
 * HELD shipment: its system attributes are dropped and recomputed, a copied
 * RELEASED is not honoured, it is counted once, entered in History and
 * alerted, and no license pass moves it before it is taken in.
 */
import { describe, expect, it } from 'vitest';
import { planReconcile } from '../../../cli/reconcile-plan.js';
import { deletedShipments } from '../../../shared/domain/history-invariant.js';
import { indexKey } from '../../../shared/domain/index-keys.js';
import { checkInvariants } from '../../../shared/domain/invariants.js';
import { copiedFrom, holdOrderKey } from '../../../shared/domain/planning.js';
import type { RawItem } from '../../../shared/domain/ports.js';
import { processShipmentRecords, recordShipmentHistory } from '../../../shared/engine/shipment-engine.js';
import { GSI_ATTR } from '../../../shared/names.js';
import {
  apply,
  expectCounters,
  expectInvariants,
  givenLicense,
  type LicenseUnderTest,
  setStatus,
  settleShipments,
} from '../../helpers/fakes/engine-kit.js';
import { type MemoryWorld, memoryWorld } from '../../helpers/fakes/world.js';

/** Both Shipments consumers and the license's asked-for passes, until nothing is left to do. */
async function settle(w: MemoryWorld, licenseId: string): Promise<void> {
  for (let round = 0; round < 10; round++) {
    await settleShipments(w);
    if (w.license(licenseId).pendingWork === undefined) return;
    await apply(w, licenseId);
  }
  throw new Error('never settled');
}

/** A license with one shipment of 30 units (value 500), counted (HELD, or RELEASED under an APPROVED license). */
async function original(w: MemoryWorld, approved: boolean, authorizedQuantity = 100) {
  const lut = givenLicense(w, {
    authorizedQuantity,
    authorizedValue: 10_000,
    ...(approved ? { status: 'APPROVED', appliedStatus: 'APPROVED' } : {}),
  });
  const s = lut.shipment({ quantity: 30, value: 500, priority: 5 });
  w.console.put('shipments', s);
  await settle(w, lut.licenseId);
  expect(w.shipment(s.shipmentId).countedStatus).toBe(approved ? 'RELEASED' : 'HELD');
  w.alerter.alerts.length = 0;
  return { lut, id: s.shipmentId };
}

/** "Duplicate item" in the console: the item as it is, every attribute, under a new shipmentId. */
function duplicate(w: MemoryWorld, id: string, copyId: string): RawItem {
  const copy = { ...w.shipment(id), shipmentId: copyId };
  w.console.put('shipments', copy);
  return copy;
}

const entriesOf = (w: MemoryWorld, id: string) =>
  w
    .entries()
    .filter((e) => e.shipmentId === id)
    .map((e) => `${String(e.eventType)} ${String(e.entryId).slice(-7)}`);

/** The copy is its own shipment now: its own index keys and hold order, counted from revision 1. */
function expectOwn(w: MemoryWorld, lut: LicenseUnderTest, copyId: string, status: string): void {
  const item = w.shipment(copyId);
  expect(item).toMatchObject({ status, countedStatus: status, changedBy: 'clearance' });
  expect(String(item[GSI_ATTR.holdOrder])).toMatch(new RegExp(`#${copyId}$`));
  const index = status === 'HELD' ? GSI_ATTR.heldLicenseId : GSI_ATTR.releasedLicenseId;
  expect(item[index]).toBe(indexKey(lut.licenseId, copyId));
}

describe('a counted shipment duplicated in the console', () => {
  it('a copy of a HELD one is taken in as a new HELD shipment, then released once with the original', async () => {
    const w = memoryWorld();
    const { lut, id } = await original(w, false);
    const copyId = `${id}-copy`;
    duplicate(w, id, copyId);
    await settle(w, lut.licenseId);

    expectOwn(w, lut, copyId, 'HELD');
    expect(w.shipment(copyId)).toMatchObject({ revision: 1, holdReason: 'LICENSE_PENDING' });
    expectCounters(w, lut.license.sku, 'WH-1', { held: 60, released: 0 });
    expect(entriesOf(w, copyId)).toEqual(['SHIPMENT_HELD r000001']);
    const [alert] = w.alerter.about(copyId);
    expect(alert?.subject).toBe(`Shipment ${copyId}: copy of shipment ${id} taken in as a new shipment`);
    expect(alert?.message).toMatch(new RegExp(`copy of shipment ${id}.*cancel ${copyId}`, 's'));
    expect(w.alerter.about(copyId)).toHaveLength(1);

    await setStatus(w, lut.licenseId, 'APPROVED');
    await settle(w, lut.licenseId);
    expectOwn(w, lut, copyId, 'RELEASED');
    expect(w.shipment(id).countedStatus).toBe('RELEASED');
    expectCounters(w, lut.license.sku, 'WH-1', { held: 0, released: 60 });
    expect(w.license(lut.licenseId)).toMatchObject({ releasedQuantity: 60, releasedValue: 1000 });
    expect(entriesOf(w, copyId)).toEqual(['SHIPMENT_HELD r000001', 'SHIPMENT_RELEASED r000002']);
    expect(entriesOf(w, id)).toEqual(['SHIPMENT_HELD r000001', 'SHIPMENT_RELEASED r000002']);
    expectInvariants(w);
    expect(w.historyViolations()).toEqual([]);
  });

  it('a copy of a RELEASED one is not taken as released: it starts HELD, and the license releases it, once', async () => {
    const w = memoryWorld();
    const { lut, id } = await original(w, true);
    const copyId = `${id}-copy`;
    duplicate(w, id, copyId);
    await settle(w, lut.licenseId);

    expectOwn(w, lut, copyId, 'RELEASED');
    expectCounters(w, lut.license.sku, 'WH-1', { held: 0, released: 60 });
    expect(w.license(lut.licenseId)).toMatchObject({ releasedQuantity: 60, releasedValue: 1000 });
    expect(entriesOf(w, copyId)).toEqual(['SHIPMENT_HELD r000001', 'SHIPMENT_RELEASED r000002']);
    expect(w.alerter.about(copyId)).toEqual([
      expect.objectContaining({ subject: expect.stringContaining(`copy of shipment ${id}`) }),
    ]);

    // A suspension re-holds both, and gives back exactly what both drew.
    await setStatus(w, lut.licenseId, 'SUSPENDED');
    await settle(w, lut.licenseId);
    expect([w.shipment(id).countedStatus, w.shipment(copyId).countedStatus]).toEqual(['HELD', 'HELD']);
    expectCounters(w, lut.license.sku, 'WH-1', { held: 60, released: 0 });
    expect(w.license(lut.licenseId)).toMatchObject({ releasedQuantity: 0, releasedValue: 0 });
    expectInvariants(w);
    expect(w.historyViolations()).toEqual([]);
  });

  it('a copy of a RELEASED one under a license with no room left stays HELD, QUANTITY_EXHAUSTED', async () => {
    const w = memoryWorld();
    const { lut, id } = await original(w, true, 30);
    const copyId = `${id}-copy`;
    duplicate(w, id, copyId);
    await settle(w, lut.licenseId);

    expectOwn(w, lut, copyId, 'HELD');
    expect(w.shipment(copyId)).toMatchObject({ holdReason: 'LICENSE_QUANTITY_EXHAUSTED' });
    expect(w.shipment(copyId).releasedAt).toBeUndefined();
    expect(w.shipment(copyId).countedValue).toBeUndefined();
    expectCounters(w, lut.license.sku, 'WH-1', { held: 30, released: 30 });
    expect(w.license(lut.licenseId)).toMatchObject({ releasedQuantity: 30, releasedValue: 500 });
    expect(entriesOf(w, copyId)).toEqual(['SHIPMENT_HELD r000001']);
    expectInvariants(w);
    expect(w.historyViolations()).toEqual([]);
  });

  it('no license pass releases or re-holds a copy before it is taken in', async () => {
    const w = memoryWorld();
    const { lut, id } = await original(w, false);
    const copyId = `${id}-copy`;
    duplicate(w, id, copyId);
    // The approval's pass runs before shipment-events has looked at the copy.
    await setStatus(w, lut.licenseId, 'APPROVED');
    expect(w.shipment(id).countedStatus).toBe('RELEASED');
    expect(w.license(lut.licenseId)).toMatchObject({ releasedQuantity: 30 });
    expectCounters(w, lut.license.sku, 'WH-1', { held: 0, released: 30 });

    await settle(w, lut.licenseId);
    expectOwn(w, lut, copyId, 'RELEASED');
    expectCounters(w, lut.license.sku, 'WH-1', { held: 0, released: 60 });
    expect(w.license(lut.licenseId)).toMatchObject({ releasedQuantity: 60, releasedValue: 1000 });
    expectInvariants(w);
    expect(w.historyViolations()).toEqual([]);
  });

  it('a copy delivered again after it was taken in is not taken in twice', async () => {
    const w = memoryWorld();
    const { lut, id } = await original(w, false);
    const copyId = `${id}-copy`;
    duplicate(w, id, copyId);
    await settle(w, lut.licenseId);
    const all = w.shipmentHistory().filter((r) => r.shipmentId === copyId);
    await recordShipmentHistory(w.shipmentDeps(), all);
    await processShipmentRecords(w.shipmentDeps(), all);
    await processShipmentRecords(w.shipmentDeps(), all.slice(0, 1));
    await settle(w, lut.licenseId);
    expectOwn(w, lut, copyId, 'HELD');
    expect(w.shipment(copyId).revision).toBe(1);
    expectCounters(w, lut.license.sku, 'WH-1', { held: 60, released: 0 });
    expect(entriesOf(w, copyId)).toEqual(['SHIPMENT_HELD r000001']);
    expectInvariants(w);
    expect(w.historyViolations()).toEqual([]);
  });

  it('a copy deleted before the system looked at it counted nothing: no alert, nothing to fix', async () => {
    const w = memoryWorld();
    const { lut, id } = await original(w, false);
    const copyId = `${id}-copy`;
    duplicate(w, id, copyId);
    w.console.remove('shipments', copyId);
    await settle(w, lut.licenseId);
    expect(w.alerter.about(copyId)).toEqual([]);
    expectCounters(w, lut.license.sku, 'WH-1', { held: 30, released: 0 });
    expect(entriesOf(w, copyId)).toEqual([]);
    expectInvariants(w);
  });
});

describe('a copy put over another counted shipment', () => {
  it('is an overwrite of that shipment: set back as it was, nothing counted twice', async () => {
    const w = memoryWorld();
    const { lut, id } = await original(w, true);
    const other = lut.shipment({ quantity: 7, value: 70, priority: 9 });
    w.console.put('shipments', other);
    await settle(w, lut.licenseId);
    const asItWas = w.shipment(other.shipmentId);
    expect(asItWas).toMatchObject({ countedStatus: 'RELEASED', revision: 2 });
    w.alerter.alerts.length = 0;
    duplicate(w, id, other.shipmentId);
    await settle(w, lut.licenseId);

    expect(w.shipment(other.shipmentId)).toMatchObject({
      ...asItWas,
      statusError: expect.stringContaining('Rejected: the item was replaced by a whole item'),
      rejectedEdit: expect.any(String),
    });
    expect(w.alerter.about(other.shipmentId)).toEqual([
      expect.objectContaining({ subject: `Shipment ${other.shipmentId}: overwritten item set back` }),
    ]);
    expectCounters(w, lut.license.sku, 'WH-1', { held: 0, released: 37 });
    expect(w.license(lut.licenseId)).toMatchObject({ releasedQuantity: 37, releasedValue: 570 });
    expect(entriesOf(w, other.shipmentId)).toEqual([
      'SHIPMENT_HELD r000001',
      'SHIPMENT_RELEASED r000002',
      expect.stringMatching(/^EDIT_REJECTED/),
    ]);
    expectInvariants(w);
    expect(w.historyViolations()).toEqual([]);
  });
});

describe('a copy the system has not taken in yet', () => {
  it('is counted by neither reconcile nor the invariant checks, nor expected in History; reconcile lists it as busy', async () => {
    const w = memoryWorld();
    const { id } = await original(w, true);
    duplicate(w, id, `${id}-copy`);
    const items = {
      licenses: w.items('licenses'),
      shipments: w.items('shipments'),
      inventory: w.items('inventory'),
    };
    const checked = checkInvariants(items);
    expect(checked.violations).toEqual([]);
    expect(w.historyViolations()).toEqual([]);
    const deleted = deletedShipments({ ...items, entries: w.entries() });
    // Nothing to fix; the copy is listed as work the system has not finished.
    expect(planReconcile(items, checked, deleted)).toEqual({
      fixes: [],
      manual: [],
      busy: [`1 shipment has an edit the system has not counted yet: ${id}-copy`],
    });
  });
});

describe('copiedFrom', () => {
  const s = { shipmentId: 'SHP-1', priority: 5, requestedAt: '2026-01-01T00:00:00.000Z' };
  const item = (holdOrder: unknown, shipmentId = 'SHP-1') => ({
    shipmentId,
    [GSI_ATTR.holdOrder]: holdOrder,
  });

  it('names the shipment whose id ends the holdOrder when it is another one', () => {
    expect(copiedFrom(item(holdOrderKey(s), 'SHP-1-copy'))).toBe('SHP-1');
    expect(copiedFrom(item(holdOrderKey(s), 'SHP-'))).toBe('SHP-1');
  });

  it('is undefined for an item with its own holdOrder (put back as it was, or restamped), or none', () => {
    expect(copiedFrom(item(holdOrderKey(s)))).toBeUndefined();
    expect(copiedFrom(item(holdOrderKey({ ...s, priority: 1 })))).toBeUndefined();
    expect(copiedFrom(item(undefined))).toBeUndefined();
    expect(copiedFrom(item('no-hash'))).toBeUndefined();
    expect(copiedFrom(undefined)).toBeUndefined();
  });
});
