/**
 * A license whose sealed applied terms (`appliedTerms.sealed`) are damaged:
 * the terms it was applied with are not known, so nothing is released or
 * amended under it until a person puts them back. Holding needs no terms
 * (DESIGN §4: a suspension, revocation, denial or expiry puts every
 * unshipped shipment back on hold, whatever the limits), so the re-holds
 * still run: a suspension committed before the seal was reached finishes its
 * re-hold, an admin's suspension and the clock's expiry are applied, and a
 * trim under way re-holds its cut, and an APPROVED license's re-hold under
 * way (a later `validFrom`) goes on. Otherwise shipments would stay RELEASED
 * (and could ship) under a license History and `appliedStatus` call
 * SUSPENDED or EXPIRED, or not valid now (I1), or over a lowered limit (I2).
 * What needs the terms waits for the fix, an amendment's alerts included:
 * its pass stays pending, and ends once the seal is fixed.
 */
import { describe, expect, it } from 'vitest';
import { appliedSealOf, appliedTermsItem, termsOf } from '../../../shared/domain/terms.js';
import { aLicense, anInventory, aShipmentFor, nextId } from '../../helpers/factories.js';
import {
  amend,
  apply,
  idsWith,
  PAST,
  setStatus,
  settleSystem,
  shipmentEvents,
  withBacklog,
} from '../../helpers/fakes/engine-kit.js';
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

/** A person checks the plain applied terms and removes the damaged seal (docs/OPERATIONS.md, step 3). */
function fixSeal(w: MemoryWorld, licenseId: string): void {
  const { sealed: _damaged, ...plain } = w.license(licenseId).appliedTerms as Record<string, unknown>;
  w.console.edit('licenses', licenseId, 'appliedTerms', plain);
}

const SHIPPED_OVER = (licenseId: string) =>
  `HIGH SEVERITY: License ${licenseId}: shipped goods exceed its amended limit`;
const TRIMMED = (licenseId: string) => `License ${licenseId}: amendment put shipments back on hold`;

/**
 * Four shipments of 10 units RELEASED under a license of 50, two of them then SHIPPED (the
 * settling pass run), and the limit lowered to `limit`: the trim's first slice hands over.
 */
async function amendmentHandedOver(w: MemoryWorld, limit: number) {
  const { lut, ids } = withBacklog(w, { authorizedQuantity: 50 }, [{}, {}, {}, {}]);
  await setStatus(w, lut.licenseId, 'APPROVED');
  await shipmentEvents(w);
  w.console.edit('shipments', String(ids[0]), 'status', 'SHIPPED');
  w.console.edit('shipments', String(ids[1]), 'status', 'SHIPPED');
  await settleSystem(w, lut.licenseId);
  expect(idsWith(w, lut.licenseId, 'RELEASED')).toHaveLength(2);
  expect(await amend(w, lut, 'authorizedQuantity', limit, { deadline: PAST(), pageSize: 1 })).toMatchObject({
    kind: 'continued',
  });
  expect(String(w.license(lut.licenseId).pendingWork)).toMatch(/^amend#/);
  expect(String(w.license(lut.licenseId).workCursor)).toMatch(/^trim#/);
  // Not sent yet: the alerts come at the end of the amendment's pass.
  expect(w.alerter.about(lut.licenseId).map((a) => a.subject)).toEqual([]);
  return lut;
}

/** I6 but for the seeded shipments' own first revision (withBacklog writes them without History). */
const historyViolationsBeyondSeed = (w: MemoryWorld) =>
  w
    .historyViolations()
    .filter(
      (v) => !/^revision \d+ but \d+ shipment entries in History; missing revisions 1$/.test(v.message),
    );

const subjectsOf = (w: MemoryWorld, licenseId: string, severity: 'high' | 'normal') =>
  w.alerter
    .about(licenseId)
    .filter((a) => a.severity === severity)
    .map((a) => a.subject);

describe("an amendment's pass under way when the applied terms' seal is damaged", () => {
  it('re-holds the cut, keeps the pass pending, and alerts (high) that shipped goods exceed the amended limit once the seal is fixed', async () => {
    const w = memoryWorld();
    const lut = await amendmentHandedOver(w, 15);
    const pass = w.license(lut.licenseId).pendingWork;

    damageSeal(w, lut.licenseId);
    await settleSystem(w, lut.licenseId);
    expect(idsWith(w, lut.licenseId, 'RELEASED')).toEqual([]);
    expect(w.license(lut.licenseId)).toMatchObject({ pendingWork: pass, workCursor: 'trim#' });
    expect(subjectsOf(w, lut.licenseId, 'high')).toEqual([SEAL_ALERT(lut.licenseId)]);
    expect(w.alerter.about(lut.licenseId)[0]?.message).toContain(
      'The trim of its amendment under way goes on, as a re-hold needs no terms',
    );
    // Read again before the fix (a redelivery): nothing to re-hold, nothing written.
    await apply(w, lut.licenseId);
    expect(w.licenseRecords()).toEqual([]);
    expect(w.shipmentRecords()).toEqual([]);
    expect(w.violations()).toEqual([]);

    fixSeal(w, lut.licenseId);
    await settleSystem(w, lut.licenseId);
    expect(w.license(lut.licenseId).statusError).toBeUndefined();
    expect(w.license(lut.licenseId).pendingWork).toBeUndefined();
    expect(
      subjectsOf(w, lut.licenseId, 'high'),
      'the amendment leaves 20 shipped units against 15 authorized',
    ).toEqual([SEAL_ALERT(lut.licenseId), SHIPPED_OVER(lut.licenseId)]);
    expect(idsWith(w, lut.licenseId, 'RELEASED')).toEqual([]);
    expect(w.violations()).toEqual([]);
    expect(historyViolationsBeyondSeed(w)).toEqual([]);
  });

  it('alerts that the amendment put shipments back on hold once the seal is fixed, and releases nothing over the amended limit', async () => {
    const w = memoryWorld();
    const lut = await amendmentHandedOver(w, 25);

    damageSeal(w, lut.licenseId);
    await settleSystem(w, lut.licenseId);
    expect(idsWith(w, lut.licenseId, 'RELEASED')).toEqual([]);
    expect(subjectsOf(w, lut.licenseId, 'normal')).toEqual([]);

    fixSeal(w, lut.licenseId);
    await settleSystem(w, lut.licenseId);
    expect(subjectsOf(w, lut.licenseId, 'normal')).toEqual([TRIMMED(lut.licenseId)]);
    expect(subjectsOf(w, lut.licenseId, 'high')).toEqual([SEAL_ALERT(lut.licenseId)]);
    expect(w.license(lut.licenseId).releasedQuantity).toBe(20);
    expect(w.license(lut.licenseId).pendingWork).toBeUndefined();
    expect(w.violations()).toEqual([]);
    expect(historyViolationsBeyondSeed(w)).toEqual([]);
  });

  it('alerts (high) that shipped goods exceed the amended limit when a suspension replaces the pass', async () => {
    const w = memoryWorld();
    const lut = await amendmentHandedOver(w, 15);

    // The seal is reached and the admin suspends before license-events reads the item again.
    damageSeal(w, lut.licenseId);
    w.console.edit('licenses', lut.licenseId, 'status', 'SUSPENDED');
    await settleSystem(w, lut.licenseId);
    expect(w.license(lut.licenseId)).toMatchObject({ appliedStatus: 'SUSPENDED', releasedQuantity: 20 });
    expect(idsWith(w, lut.licenseId, 'RELEASED')).toEqual([]);

    fixSeal(w, lut.licenseId);
    await settleSystem(w, lut.licenseId);

    // As without the damaged seal: a suspension replacing an amendment's pass is an amendment's pass too.
    const high = subjectsOf(w, lut.licenseId, 'high');
    expect(high, 'the amendment leaves 20 shipped units against 15 authorized').toContain(
      SHIPPED_OVER(lut.licenseId),
    );
    expect(high.filter((s) => s === SHIPPED_OVER(lut.licenseId))).toHaveLength(1);
    expect(w.violations()).toEqual([]);
    expect(historyViolationsBeyondSeed(w)).toEqual([]);
  });
});

describe('a re-hold of an APPROVED license under way when the seal is damaged', () => {
  it('goes on re-holding after validFrom is moved later: nothing stays RELEASED under a license not valid now', async () => {
    const w = memoryWorld();
    const license = await approvedWithReleases(w, 6);
    const tomorrow = new Date(w.now().getTime() + 86_400_000).toISOString();
    w.console.edit('licenses', license.licenseId, 'validFrom', tomorrow);
    expect(await apply(w, license.licenseId, PAST(), { pageSize: 2 })).toMatchObject({ kind: 'continued' });
    expect(w.license(license.licenseId)).toMatchObject({ appliedStatus: 'APPROVED', validFrom: tomorrow });
    expect(w.license(license.licenseId).workCursor).toBe('rehold#LICENSE_NOT_YET_VALID');
    const left = idsWith(w, license.licenseId, 'RELEASED');
    expect(left.length).toBeGreaterThan(0);
    expect(left.length).toBeLessThan(6);

    damageSeal(w, license.licenseId);
    await settleSystem(w, license.licenseId);

    expect(
      idsWith(w, license.licenseId, 'RELEASED'),
      'RELEASED under a license whose validFrom is tomorrow',
    ).toEqual([]);
    const held = idsWith(w, license.licenseId, 'HELD').map((id) => w.shipment(id).holdReason);
    expect(held).toEqual(Array(6).fill('LICENSE_NOT_YET_VALID'));
    expect(w.license(license.licenseId).releasedQuantity).toBe(0);
    const alerts = w.alerter.about(license.licenseId);
    expect(alerts.map((a) => a.subject)).toEqual([SEAL_ALERT(license.licenseId)]);
    expect(alerts[0]?.message).toContain('The re-hold of its RELEASED shipments under way');
    expect(alerts[0]?.message).not.toContain('No shipment or counter moved');
    expect(w.violations()).toEqual([]);
    expect(w.historyViolations()).toEqual([]);

    fixSeal(w, license.licenseId);
    await settleSystem(w, license.licenseId);
    expect(w.license(license.licenseId).pendingWork).toBeUndefined();
    expect(w.license(license.licenseId).waitingForValidFrom).toBe(tomorrow);
    expect(idsWith(w, license.licenseId, 'RELEASED')).toEqual([]);
    expect(w.violations()).toEqual([]);
  });

  it('goes on re-holding the shipments without a value after a value limit is added', async () => {
    const w = memoryWorld();
    const license = await approvedWithReleases(w, 6);
    expect(idsWith(w, license.licenseId, 'RELEASED').map((id) => w.shipment(id).value)).toEqual(
      Array(6).fill(undefined),
    );
    w.console.edit('licenses', license.licenseId, 'authorizedValue', 1_000_000);
    expect(await apply(w, license.licenseId, PAST(), { pageSize: 2 })).toMatchObject({ kind: 'continued' });
    expect(w.license(license.licenseId).workCursor).toBe('rehold#SHIPMENT_VALUE_MISSING');
    expect(String(w.license(license.licenseId).pendingWork)).toMatch(/^amend#/);
    expect(idsWith(w, license.licenseId, 'RELEASED').length).toBeGreaterThan(0);

    damageSeal(w, license.licenseId);
    await settleSystem(w, license.licenseId);

    expect(idsWith(w, license.licenseId, 'RELEASED'), 'RELEASED without a value under a value limit').toEqual(
      [],
    );
    const held = idsWith(w, license.licenseId, 'HELD').map((id) => w.shipment(id).holdReason);
    expect(held).toEqual(Array(6).fill('SHIPMENT_VALUE_MISSING'));
    const alerts = w.alerter.about(license.licenseId);
    expect(alerts.map((a) => a.subject)).toEqual([SEAL_ALERT(license.licenseId)]);
    expect(alerts[0]?.message).toContain('The re-hold of its RELEASED shipments without a value under way');
    expect(w.violations()).toEqual([]);
    expect(w.historyViolations()).toEqual([]);

    fixSeal(w, license.licenseId);
    await settleSystem(w, license.licenseId);
    expect(w.license(license.licenseId).pendingWork).toBeUndefined();
    expect(w.license(license.licenseId)).toMatchObject({ releasedQuantity: 0, authorizedValue: 1_000_000 });
    expect(w.violations()).toEqual([]);
    expect(w.historyViolations()).toEqual([]);
  });

  it('starts the pass again from a re-hold cursor when the seal is sound', async () => {
    const w = memoryWorld();
    const license = await approvedWithReleases(w, 6);
    const tomorrow = new Date(w.now().getTime() + 86_400_000).toISOString();
    w.console.edit('licenses', license.licenseId, 'validFrom', tomorrow);
    expect(await apply(w, license.licenseId, PAST(), { pageSize: 2 })).toMatchObject({ kind: 'continued' });
    expect(w.license(license.licenseId).workCursor).toBe('rehold#LICENSE_NOT_YET_VALID');

    await settleSystem(w, license.licenseId);
    expect(idsWith(w, license.licenseId, 'RELEASED')).toEqual([]);
    expect(w.license(license.licenseId).pendingWork).toBeUndefined();
    expect(w.license(license.licenseId)).toMatchObject({
      releasedQuantity: 0,
      waitingForValidFrom: tomorrow,
    });
    expect(w.alerter.about(license.licenseId)).toEqual([]);
    expect(w.violations()).toEqual([]);
    expect(w.historyViolations()).toEqual([]);
  });
});
