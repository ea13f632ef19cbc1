/**
 * A console save of an APPROVED license that is rejected and set back (a
 * status typo with a limit typed as a String, or a term alone) while a new
 * shipment comes in. The intake reads the license with the save on it and
 * asks for no release; the write-back puts the license back as applied, in a
 * settled write. DESIGN §4: a HELD shipment appearing under an APPROVED
 * license is released, so the write-back asks for a pass of the applied
 * status, which runs under the terms written back and enters nothing but
 * what it moves.
 */
import { describe, expect, it } from 'vitest';
import {
  apply,
  givenLicense,
  type LicenseUnderTest,
  settleSystem,
  shipmentEvents,
} from '../../helpers/fakes/engine-kit.js';
import { type MemoryWorld, memoryWorld } from '../../helpers/fakes/world.js';

/** A license the system applied (it keeps its applied terms): created PENDING, then approved in the console. */
async function approvedInConsole(w: MemoryWorld, authorizedQuantity = 100): Promise<LicenseUnderTest> {
  const lut = givenLicense(w, { status: 'PENDING', appliedStatus: undefined, authorizedQuantity });
  await settleSystem(w, lut.licenseId);
  w.console.edit('licenses', lut.licenseId, 'status', 'APPROVED');
  await settleSystem(w, lut.licenseId);
  expect(w.license(lut.licenseId).appliedTerms).toBeDefined();
  return lut;
}

/** The History entries after the first `from`, as `eventType shipmentId`. */
const entriesSince = (w: MemoryWorld, licenseId: string, from: number) =>
  w
    .entries()
    .filter((e) => e.licenseId === licenseId)
    .slice(from)
    .map((e) => `${String(e.eventType)} ${String(e.shipmentId ?? '')}`.trim())
    .sort();

const entriesOf = (w: MemoryWorld, licenseId: string) =>
  w.entries().filter((e) => e.licenseId === licenseId).length;

describe('a new shipment beside a rejected save of its APPROVED license', () => {
  it('is released once the save is set back whole (status typo and a limit typed as a String), with one rejection entered and nothing else but the release', async () => {
    const w = memoryWorld();
    const lut = await approvedInConsole(w);
    const before = entriesOf(w, lut.licenseId);
    const s = lut.shipment({ quantity: 3 });
    // A new order arrives while the admin saves the license with a typo'd status and a limit typed as a String.
    w.console.put('shipments', s);
    w.store.write('licenses', lut.licenseId, {
      ...w.license(lut.licenseId),
      status: 'Approved',
      authorizedQuantity: '30',
      updatedBy: 'j.doe',
    });
    // shipment-events takes the shipment in first (it reads the license with the typo on it), then license-events.
    await shipmentEvents(w);
    await settleSystem(w, lut.licenseId);

    const license = w.license(lut.licenseId);
    expect({ status: license.status, applied: license.appliedStatus, q: license.authorizedQuantity }).toEqual(
      { status: 'APPROVED', applied: 'APPROVED', q: 100 },
    );
    expect(license.statusError).toMatch(/^amendment rejected: authorizedQuantity/);
    expect(license.pendingWork, 'no work left behind').toBeUndefined();
    expect(w.shipment(s.shipmentId).status, 'a HELD shipment that fits an APPROVED license').toBe('RELEASED');
    expect(license.releasedQuantity).toBe(3);
    expect(entriesSince(w, lut.licenseId, before)).toEqual([
      'EDIT_REJECTED',
      `SHIPMENT_HELD ${s.shipmentId}`,
      `SHIPMENT_RELEASED ${s.shipmentId}`,
    ]);
    expect(w.alerter.about(lut.licenseId).map((a) => a.subject)).toEqual([
      `License ${lut.licenseId}: edit of authorizedQuantity, status rejected`,
    ]);
    expect(w.violations()).toEqual([]);
    expect(w.historyViolations()).toEqual([]);
  });

  it('is released under the terms set back, not the rejected ones: a raise typed as a String releases nothing more', async () => {
    const w = memoryWorld();
    const lut = await approvedInConsole(w, 10);
    const [a, b] = [lut.shipment({ quantity: 6, priority: 1 }), lut.shipment({ quantity: 6, priority: 2 })];
    w.console.put('shipments', a);
    w.console.put('shipments', b);
    // Both fit the 20 typed (a String, rejected with the status typo); one fits the 10 set back.
    w.store.write('licenses', lut.licenseId, {
      ...w.license(lut.licenseId),
      status: 'approved',
      authorizedQuantity: '20',
    });
    await shipmentEvents(w);
    await settleSystem(w, lut.licenseId);

    expect(w.license(lut.licenseId)).toMatchObject({
      status: 'APPROVED',
      authorizedQuantity: 10,
      releasedQuantity: 6,
    });
    expect(w.shipment(a.shipmentId).status).toBe('RELEASED');
    expect(w.shipment(b.shipmentId)).toMatchObject({
      status: 'HELD',
      holdReason: 'LICENSE_QUANTITY_EXHAUSTED',
    });
    expect(w.license(lut.licenseId).pendingWork).toBeUndefined();
    expect(w.violations()).toEqual([]);
    expect(w.historyViolations()).toEqual([]);
  });

  it('asks for no pass when the license, as set back, has no room: the write-back comes round as a no-op', async () => {
    const w = memoryWorld();
    const lut = await approvedInConsole(w, 5);
    w.console.put('shipments', lut.shipment({ quantity: 5 }));
    await settleSystem(w, lut.licenseId);
    expect(w.license(lut.licenseId).releasedQuantity).toBe(5);
    w.console.edit('licenses', lut.licenseId, 'authorizedQuantity', '9');
    expect(await apply(w, lut.licenseId)).toMatchObject({ kind: 'rejected' });
    expect(w.license(lut.licenseId).pendingWork).toBeUndefined();
    expect(await apply(w, lut.licenseId)).toEqual({ kind: 'noop' });
  });
});
