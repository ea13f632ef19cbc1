/**
 * The sealed copy of a license's applied terms (`appliedTerms.sealed`). A
 * find and replace over a license item's JSON in the console changes a term
 * and its plain copy in `appliedTerms` alike (both carry the same attribute
 * name and value), but not the sealed copy: edits are judged against it, so
 * an identity change is rejected and written back and a lowered limit is
 * applied, and the plain copy is written back too. A sealed copy that cannot
 * be read stops releases and amendments until a person puts it back (re-holds
 * still run: license-damaged-seal-reholds.test.ts); an `appliedTerms` written
 * before the seal is taken as it is.
 */
import { describe, expect, it } from 'vitest';
import { appliedSealOf, appliedTermsItem, sealTerms, termsOf } from '../../../shared/domain/terms.js';
import { aLicense, anInventory, aShipmentFor, nextId } from '../../helpers/factories.js';
import { idsWith, settleSystem } from '../../helpers/fakes/engine-kit.js';
import { type MemoryWorld, memoryWorld } from '../../helpers/fakes/world.js';

/** The console's JSON editor: find `from`, replace with `to`, everywhere in the item, then Save. */
function findAndReplace(w: MemoryWorld, licenseId: string, from: string, to: string): void {
  const current = w.store.get('licenses', licenseId) ?? {};
  w.store.write('licenses', licenseId, JSON.parse(JSON.stringify(current).split(from).join(to)));
}

/** A license for CUST-ACME created in the console, approved for 100 units, `released` shipments of 10 RELEASED. */
async function approvedWithReleases(w: MemoryWorld, released = 10) {
  const sku = nextId('SKU');
  w.seed.inventory(anInventory({ sku, warehouseId: 'WH-1' }));
  const license = aLicense({ licenseId: nextId('LIC'), sku, status: 'APPROVED', authorizedQuantity: 100 });
  w.console.put('licenses', license);
  await settleSystem(w, license.licenseId);
  for (let i = 0; i < released; i++)
    w.console.put('shipments', aShipmentFor(license, { warehouseId: 'WH-1', priority: i + 1 }));
  await settleSystem(w, license.licenseId);
  expect(idsWith(w, license.licenseId, 'RELEASED')).toHaveLength(released);
  expect(w.license(license.licenseId).appliedTerms).toMatchObject({
    customerId: license.customerId,
    authorizedQuantity: 100,
  });
  return license;
}

const subjects = (w: MemoryWorld, licenseId: string) => w.alerter.about(licenseId).map((a) => a.subject);

describe('a find and replace over an applied license item', () => {
  it('of its customerId is rejected and written back, as an identity edit is, its appliedTerms too', async () => {
    const w = memoryWorld();
    const license = await approvedWithReleases(w);
    findAndReplace(w, license.licenseId, `"${license.customerId}"`, '"CUST-OTHER"');
    expect(w.license(license.licenseId)).toMatchObject({
      customerId: 'CUST-OTHER',
      appliedTerms: { customerId: 'CUST-OTHER' },
    });
    await settleSystem(w, license.licenseId);

    expect(w.license(license.licenseId)).toMatchObject({
      customerId: license.customerId,
      statusError: expect.stringMatching(/^amendment rejected: customerId/),
    });
    expect(w.license(license.licenseId).statusError).toContain('appliedTerms was set back too');
    // The plain copy written back from the sealed one, which the write-back leaves as it was.
    expect(w.license(license.licenseId).appliedTerms).toEqual(
      appliedTermsItem(license.licenseId, termsOf(license)),
    );
    expect(subjects(w, license.licenseId)).toEqual([
      `License ${license.licenseId}: edit of customerId, appliedTerms rejected`,
    ]);
    expect(
      w.entries().filter((e) => e.licenseId === license.licenseId && e.eventType === 'EDIT_REJECTED'),
    ).toHaveLength(1);
    // A shipment for the edited customer is no shipment of this license (I1).
    const other = aShipmentFor(
      { ...license, customerId: 'CUST-OTHER' },
      { warehouseId: 'WH-1', priority: 99, quantity: 1 },
    );
    w.console.put('shipments', other);
    await settleSystem(w, license.licenseId);
    expect(w.shipment(other.shipmentId)).toMatchObject({ status: 'HELD', holdReason: 'LICENSE_MISMATCH' });
    expect(idsWith(w, license.licenseId, 'RELEASED')).toHaveLength(10);
    expect(w.violations()).toEqual([]);
    expect(w.historyViolations()).toEqual([]);
  });

  it('of its authorizedQuantity is applied as an amendment: the license is trimmed back within it and the amendment entered', async () => {
    const w = memoryWorld();
    const license = await approvedWithReleases(w);
    findAndReplace(w, license.licenseId, '"authorizedQuantity":100', '"authorizedQuantity":50');
    expect(w.license(license.licenseId).authorizedQuantity).toBe(50);
    await settleSystem(w, license.licenseId);

    expect(w.license(license.licenseId).releasedQuantity, 'releasedQuantity under the new limit').toBe(50);
    expect(idsWith(w, license.licenseId, 'RELEASED')).toHaveLength(5);
    expect(
      w
        .entries()
        .filter((e) => e.licenseId === license.licenseId && e.eventType === 'LICENSE_AMENDED')
        .map((e) => e.changes),
    ).toEqual(['authorizedQuantity 100 → 50']);
    expect(w.license(license.licenseId).appliedTerms).toEqual(
      appliedTermsItem(license.licenseId, { ...termsOf(license), authorizedQuantity: 50 }),
    );
    expect(w.violations()).toEqual([]);
    expect(w.historyViolations()).toEqual([]);
  });
});

describe('an edit of the plain copy in appliedTerms alone', () => {
  it('is rejected and written back from the sealed copy: one alert and one entry, nothing moved', async () => {
    const w = memoryWorld();
    const license = await approvedWithReleases(w, 3);
    const item = w.license(license.licenseId);
    w.store.write('licenses', license.licenseId, {
      ...item,
      appliedTerms: { ...(item.appliedTerms as object), authorizedQuantity: 7 },
    });
    await settleSystem(w, license.licenseId);

    expect(w.license(license.licenseId)).toMatchObject({
      authorizedQuantity: 100,
      releasedQuantity: 30,
      appliedTerms: appliedTermsItem(license.licenseId, termsOf(license)),
      statusError: expect.stringMatching(/^amendment rejected: appliedTerms is the system's record/),
    });
    expect(subjects(w, license.licenseId)).toEqual([
      `License ${license.licenseId}: edit of appliedTerms rejected`,
    ]);
    expect(idsWith(w, license.licenseId, 'RELEASED')).toHaveLength(3);
    expect(w.violations()).toEqual([]);
    expect(w.historyViolations()).toEqual([]);
  });
});

describe('a license whose sealed applied terms are damaged', () => {
  it('releases nothing and alerts high until a person puts the terms back, a suspension applied meanwhile; then the reinstatement runs', async () => {
    const w = memoryWorld();
    const license = await approvedWithReleases(w, 2);
    const item = w.license(license.licenseId);
    // A find and replace that reached the seal (or a hand edit of it).
    const sealed = String((item.appliedTerms as Record<string, unknown>).sealed);
    w.store.write('licenses', license.licenseId, {
      ...item,
      appliedTerms: {
        ...(item.appliedTerms as object),
        sealed: `${sealed.slice(0, 20)}x${sealed.slice(21)}`,
      },
    });
    expect(appliedSealOf(w.license(license.licenseId)).kind).toBe('damaged');
    await settleSystem(w, license.licenseId);
    const s = aShipmentFor(license, { warehouseId: 'WH-1', priority: 50, quantity: 5 });
    w.console.put('shipments', s);
    await settleSystem(w, license.licenseId);

    expect(w.shipment(s.shipmentId).status, 'nothing is released under unknown terms').toBe('HELD');
    expect(w.license(license.licenseId).statusError).toMatch(
      /^appliedTerms\.sealed, the system's sealed copy/,
    );
    expect(w.alerter.about(license.licenseId).map((a) => [a.severity, a.subject])).toEqual([
      [
        'high',
        `HIGH SEVERITY: License ${license.licenseId}: seal of its applied terms damaged, only re-holds run`,
      ],
    ]);
    // A suspension meanwhile needs no terms: it is applied, and its RELEASED shipments re-held.
    w.console.edit('licenses', license.licenseId, 'status', 'SUSPENDED');
    await settleSystem(w, license.licenseId);
    expect(w.license(license.licenseId)).toMatchObject({ appliedStatus: 'SUSPENDED', releasedQuantity: 0 });
    expect(idsWith(w, license.licenseId, 'RELEASED')).toEqual([]);
    expect(w.alerter.about(license.licenseId)).toHaveLength(1);
    // A reinstatement waits for the fix, and is told.
    w.console.edit('licenses', license.licenseId, 'status', 'APPROVED');
    await settleSystem(w, license.licenseId);
    expect(w.license(license.licenseId)).toMatchObject({ appliedStatus: 'SUSPENDED' });
    expect(w.license(license.licenseId).statusError).toMatch(/status APPROVED waits for the fix$/);
    expect(w.alerter.about(license.licenseId)).toHaveLength(2);
    expect(idsWith(w, license.licenseId, 'RELEASED')).toEqual([]);

    // The person checks the plain terms against the authority's license and removes the damaged seal.
    const { sealed: _damaged, ...plain } = w.license(license.licenseId).appliedTerms as Record<
      string,
      unknown
    >;
    w.console.edit('licenses', license.licenseId, 'appliedTerms', plain);
    await settleSystem(w, license.licenseId);
    expect(w.shipment(s.shipmentId).status).toBe('RELEASED');
    expect(idsWith(w, license.licenseId, 'RELEASED')).toHaveLength(3);
    expect(w.license(license.licenseId)).toMatchObject({ appliedStatus: 'APPROVED', releasedQuantity: 25 });
    expect(w.license(license.licenseId).statusError).toBeUndefined();
    expect(w.violations()).toEqual([]);
    expect(w.historyViolations()).toEqual([]);
  });

  it('is refused when the seal names another license (an item copied from another), the terms of neither guessed', async () => {
    const w = memoryWorld();
    const license = await approvedWithReleases(w, 1);
    const item = w.license(license.licenseId);
    w.console.edit('licenses', license.licenseId, 'appliedTerms', {
      ...(item.appliedTerms as object),
      sealed: sealTerms('LIC-ELSEWHERE', termsOf(license)),
    });
    w.console.put('shipments', aShipmentFor(license, { warehouseId: 'WH-1', priority: 9, quantity: 1 }));
    await settleSystem(w, license.licenseId);
    expect(w.license(license.licenseId).statusError).toContain('names license LIC-ELSEWHERE, not this one');
    expect(idsWith(w, license.licenseId, 'RELEASED')).toHaveLength(1);
    expect(idsWith(w, license.licenseId, 'HELD')).toHaveLength(1);
  });
});

describe('an appliedTerms written before the seal', () => {
  it('is taken as it is: an amendment is judged against it and applied, and its commit seals the terms', async () => {
    const w = memoryWorld();
    const license = await approvedWithReleases(w, 3);
    const { sealed: _sealed, ...plain } = w.license(license.licenseId).appliedTerms as Record<
      string,
      unknown
    >;
    w.store.seed('licenses', { ...w.license(license.licenseId), appliedTerms: plain });
    w.console.edit('licenses', license.licenseId, 'authorizedQuantity', 20);
    await settleSystem(w, license.licenseId);
    expect(w.license(license.licenseId)).toMatchObject({ releasedQuantity: 20 });
    expect(w.license(license.licenseId).appliedTerms).toEqual(
      appliedTermsItem(license.licenseId, { ...termsOf(license), authorizedQuantity: 20 }),
    );
    expect(idsWith(w, license.licenseId, 'RELEASED')).toHaveLength(2);
    expect(w.violations()).toEqual([]);
    expect(w.historyViolations()).toEqual([]);
  });
});
