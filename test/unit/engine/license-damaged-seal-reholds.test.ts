/**
 * A license whose sealed applied terms (`appliedTerms.sealed`) are damaged:
 * the terms it was applied with are not known, so nothing is released or
 * amended under it until a person puts them back. Holding needs no terms
 * (DESIGN §4: a suspension, revocation, denial or expiry puts every
 * unshipped shipment back on hold, whatever the limits), so the re-holds
 * still run: a suspension committed before the seal was reached finishes its
 * re-hold, an admin's suspension and the clock's expiry are applied, and a
 * trim under way re-holds its cut. Otherwise shipments would stay RELEASED
 * (and could ship) under a license History and `appliedStatus` call
 * SUSPENDED or EXPIRED (I1), or over a lowered limit (I2).
 */
import { describe, expect, it } from 'vitest';
import { appliedSealOf, appliedTermsItem, termsOf } from '../../../shared/domain/terms.js';
import { aLicense, anInventory, aShipmentFor, nextId } from '../../helpers/factories.js';
import { apply, idsWith, PAST, settleSystem } from '../../helpers/fakes/engine-kit.js';
import { type MemoryWorld, memoryWorld } from '../../helpers/fakes/world.js';

/** A license approved for 100 units, with `released` shipments of 10 units RELEASED under it. */
async function approvedWithReleases(w: MemoryWorld, released: number) {
  const sku = nextId('SKU');
  w.seed.inventory(anInventory({ sku, warehouseId: 'WH-1' }));
  const license = aLicense({ licenseId: nextId('LIC'), sku, status: 'APPROVED', authorizedQuantity: 100 });
  w.console.put('licenses', license);
  await settleSystem(w, license.licenseId);
  for (let i = 0; i < released; i++)
    w.console.put('shipments', aShipmentFor(license, { warehouseId: 'WH-1', priority: i + 1 }));
  await settleSystem(w, license.licenseId);
  expect(idsWith(w, license.licenseId, 'RELEASED')).toHaveLength(released);
  w.licenseRecords();
  return license;
}

/** A find and replace in the console reaches `appliedTerms.sealed`: one character of it changed. */
function damageSeal(w: MemoryWorld, licenseId: string): void {
  const item = w.license(licenseId);
  const sealed = String((item.appliedTerms as Record<string, unknown>).sealed);
  const swapped = sealed[10] === 'A' ? 'B' : 'A';
  w.store.write('licenses', licenseId, {
    ...item,
    appliedTerms: {
      ...(item.appliedTerms as object),
      sealed: `${sealed.slice(0, 10)}${swapped}${sealed.slice(11)}`,
    },
  });
  expect(appliedSealOf(w.license(licenseId)).kind).toBe('damaged');
}

const SEAL_ALERT = (licenseId: string) =>
  `HIGH SEVERITY: License ${licenseId}: seal of its applied terms damaged, only re-holds run`;

const entriesOf = (w: MemoryWorld, licenseId: string, eventType: string) =>
  w.entries().filter((e) => e.licenseId === licenseId && e.eventType === eventType);

describe('a license whose applied terms seal is damaged', () => {
  it('finishes the re-hold of a suspension committed before the seal was reached', async () => {
    const w = memoryWorld();
    const license = await approvedWithReleases(w, 6);
    // The admin suspends; license-events commits the suspension and hands over after its first page.
    w.console.edit('licenses', license.licenseId, 'status', 'SUSPENDED');
    const first = await apply(w, license.licenseId, PAST(), { pageSize: 2 });
    expect(first.kind).toBe('continued');
    expect(w.license(license.licenseId)).toMatchObject({ appliedStatus: 'SUSPENDED' });
    expect(w.license(license.licenseId).pendingWork).toBeDefined();
    expect(idsWith(w, license.licenseId, 'RELEASED').length).toBeGreaterThan(0);

    damageSeal(w, license.licenseId);
    await settleSystem(w, license.licenseId);

    expect(
      idsWith(w, license.licenseId, 'RELEASED'),
      'shipments left RELEASED under a license applied SUSPENDED',
    ).toEqual([]);
    expect(w.license(license.licenseId)).toMatchObject({ appliedStatus: 'SUSPENDED', releasedQuantity: 0 });
    expect(w.license(license.licenseId).pendingWork).toBeUndefined();
    // Refused all the same, once, for a person to fix the seal.
    expect(w.license(license.licenseId).statusError).toMatch(
      /^appliedTerms\.sealed, the system's sealed copy/,
    );
    const alerts = w.alerter.about(license.licenseId);
    expect(alerts.map((a) => [a.severity, a.subject])).toEqual([['high', SEAL_ALERT(license.licenseId)]]);
    expect(alerts[0]?.message).toContain(
      'The re-hold of its status SUSPENDED under way goes on, as a re-hold needs no terms',
    );
    expect(w.violations()).toEqual([]);
    expect(w.historyViolations()).toEqual([]);
  });

  it("applies an admin's suspension and re-holds, without sealing the item's terms as the applied ones", async () => {
    const w = memoryWorld();
    const license = await approvedWithReleases(w, 3);
    damageSeal(w, license.licenseId);
    const damaged = w.license(license.licenseId).appliedTerms;
    await settleSystem(w, license.licenseId);
    expect(idsWith(w, license.licenseId, 'RELEASED')).toHaveLength(3);

    w.console.edit('licenses', license.licenseId, 'status', 'SUSPENDED');
    await settleSystem(w, license.licenseId);

    expect(idsWith(w, license.licenseId, 'RELEASED'), 'RELEASED under a suspended license').toEqual([]);
    expect(w.license(license.licenseId)).toMatchObject({
      status: 'SUSPENDED',
      appliedStatus: 'SUSPENDED',
      releasedQuantity: 0,
      // The seal stays damaged: no terms were taken from a guess.
      appliedTerms: damaged,
      statusError: expect.stringMatching(/^appliedTerms\.sealed, the system's sealed copy/),
    });
    expect(w.license(license.licenseId).statusError).not.toContain('waits for the fix');
    expect(entriesOf(w, license.licenseId, 'LICENSE_SUSPENDED')).toHaveLength(1);
    // One alert for the seal: the suspension is entered, and its reason is the one already on the item.
    expect(w.alerter.about(license.licenseId).map((a) => a.subject)).toEqual([SEAL_ALERT(license.licenseId)]);
    expect(w.violations()).toEqual([]);
    expect(w.historyViolations()).toEqual([]);
  });

  it("applies the clock's expiry at validUntil and re-holds", async () => {
    const w = memoryWorld();
    const license = await approvedWithReleases(w, 2);
    w.console.edit('licenses', license.licenseId, 'validUntil', '2026-06-02T00:00:00.000Z');
    await settleSystem(w, license.licenseId);
    expect(w.license(license.licenseId).appliedTerms).toMatchObject({
      validUntil: '2026-06-02T00:00:00.000Z',
    });
    damageSeal(w, license.licenseId);
    await settleSystem(w, license.licenseId);
    expect(idsWith(w, license.licenseId, 'RELEASED')).toHaveLength(2);

    w.setNow('2026-06-02T00:05:00.000Z');
    await settleSystem(w, license.licenseId);

    expect(idsWith(w, license.licenseId, 'RELEASED'), 'RELEASED past the validity window').toEqual([]);
    expect(w.license(license.licenseId)).toMatchObject({
      status: 'EXPIRED',
      appliedStatus: 'EXPIRED',
      releasedQuantity: 0,
    });
    expect(entriesOf(w, license.licenseId, 'LICENSE_EXPIRED')).toHaveLength(1);
    const held = idsWith(w, license.licenseId, 'HELD').map((id) => w.shipment(id).holdReason);
    expect(held).toEqual(['LICENSE_EXPIRED', 'LICENSE_EXPIRED']);
    expect(w.alerter.about(license.licenseId).map((a) => a.subject)).toEqual([SEAL_ALERT(license.licenseId)]);
    expect(w.violations()).toEqual([]);
    expect(w.historyViolations()).toEqual([]);
  });

  it('releases nothing on a reinstatement or an amendment until the seal is fixed, then applies them', async () => {
    const w = memoryWorld();
    const license = await approvedWithReleases(w, 2);
    w.console.edit('licenses', license.licenseId, 'status', 'SUSPENDED');
    await settleSystem(w, license.licenseId);
    expect(idsWith(w, license.licenseId, 'HELD')).toHaveLength(2);
    damageSeal(w, license.licenseId);
    const damaged = w.license(license.licenseId).appliedTerms;

    w.console.edit('licenses', license.licenseId, 'status', 'APPROVED');
    await settleSystem(w, license.licenseId);
    expect(idsWith(w, license.licenseId, 'RELEASED'), 'released under unknown terms').toEqual([]);
    expect(w.license(license.licenseId)).toMatchObject({ appliedStatus: 'SUSPENDED', appliedTerms: damaged });
    expect(w.license(license.licenseId).statusError).toMatch(/; status APPROVED waits for the fix$/);
    expect(entriesOf(w, license.licenseId, 'LICENSE_REINSTATED')).toEqual([]);

    w.console.edit('licenses', license.licenseId, 'authorizedQuantity', 150);
    await settleSystem(w, license.licenseId);
    expect(w.license(license.licenseId)).toMatchObject({ appliedStatus: 'SUSPENDED', appliedTerms: damaged });
    expect(entriesOf(w, license.licenseId, 'LICENSE_AMENDED'), 'an amendment under unknown terms').toEqual(
      [],
    );
    expect(idsWith(w, license.licenseId, 'RELEASED')).toEqual([]);
    expect(w.alerter.about(license.licenseId).every((a) => a.severity === 'high')).toBe(true);

    // A person puts appliedTerms back (from point-in-time recovery): the amendment and the reinstatement apply.
    w.console.edit(
      'licenses',
      license.licenseId,
      'appliedTerms',
      appliedTermsItem(license.licenseId, termsOf(license)),
    );
    await settleSystem(w, license.licenseId);
    expect(idsWith(w, license.licenseId, 'RELEASED')).toHaveLength(2);
    expect(w.license(license.licenseId)).toMatchObject({
      appliedStatus: 'APPROVED',
      authorizedQuantity: 150,
    });
    expect(w.license(license.licenseId).appliedTerms).toEqual(
      appliedTermsItem(license.licenseId, { ...termsOf(license), authorizedQuantity: 150 }),
    );
    expect(w.license(license.licenseId).statusError).toBeUndefined();
    expect(w.violations()).toEqual([]);
    expect(w.historyViolations()).toEqual([]);
  });

  it("re-holds the cut of an amendment's trim under way, and releases what fits once the seal is fixed", async () => {
    const w = memoryWorld();
    const license = await approvedWithReleases(w, 10);
    // The authority lowers the limit to 50: the trim re-holds the last five, handing over after each page.
    w.console.edit('licenses', license.licenseId, 'authorizedQuantity', 50);
    const first = await apply(w, license.licenseId, PAST(), { pageSize: 2 });
    expect(first.kind).toBe('continued');
    expect(String(w.license(license.licenseId).workCursor)).toMatch(/^trim#/);
    expect(idsWith(w, license.licenseId, 'RELEASED').length).toBeGreaterThan(5);

    damageSeal(w, license.licenseId);
    await settleSystem(w, license.licenseId);

    expect(idsWith(w, license.licenseId, 'RELEASED'), 'RELEASED over the lowered limit').toHaveLength(5);
    expect(w.license(license.licenseId).releasedQuantity).toBe(50);
    expect(w.violations()).toEqual([]);
    expect(w.historyViolations()).toEqual([]);

    // Fixed: the pass missed meanwhile runs, under the limit of 50.
    const { sealed: _damaged, ...plain } = w.license(license.licenseId).appliedTerms as Record<
      string,
      unknown
    >;
    w.console.edit('licenses', license.licenseId, 'appliedTerms', plain);
    await settleSystem(w, license.licenseId);
    expect(idsWith(w, license.licenseId, 'RELEASED')).toHaveLength(5);
    expect(w.license(license.licenseId)).toMatchObject({ releasedQuantity: 50, authorizedQuantity: 50 });
    expect(w.license(license.licenseId).statusError).toBeUndefined();
    expect(w.violations()).toEqual([]);
    expect(w.historyViolations()).toEqual([]);
  });
});
