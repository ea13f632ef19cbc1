/**
 * One console save that changes a license's `status` and its terms together,
 * where the terms are rejected (an invalid limit: a String, as the console's
 * attribute editor types by default, a fraction, a negative; an identity
 * change). An approval or reinstatement, and an illegal status, are part of
 * the rejected edit: set back with the terms in the same write-back (one
 * alert, one EDIT_REJECTED entry, a `statusError` naming both), so the
 * write-back's own record neither applies them under the terms the edit did
 * not set nor rejects them again. A restrictive decision (a legal
 * suspension, revocation, denial or expiry) fails safe instead: it is
 * applied under the terms last applied, credited to the save's author, while
 * the terms alone are set back and their rejection stands beside it; so is
 * the clock's expiry read with such an edit.
 */
import { describe, expect, it } from 'vitest';
import { clockTick } from '../../../shared/engine/clock.js';
import { aLicense, anInventory, aShipmentFor, nextId } from '../../helpers/factories.js';
import { apply, idsWith, settleSystem } from '../../helpers/fakes/engine-kit.js';
import { type MemoryWorld, memoryWorld } from '../../helpers/fakes/world.js';

const DAY = 86_400_000;

/** One console save of several attributes of a license item (the console's "Save" after editing them). */
function save(w: MemoryWorld, licenseId: string, attrs: Record<string, unknown>): void {
  const current = w.store.get('licenses', licenseId) ?? {};
  w.store.write('licenses', licenseId, { ...current, ...attrs });
}

/** A license created in the console for 100 units, applied, with `count` shipments of 10 units taken in. */
async function licenseWith(
  w: MemoryWorld,
  status: 'PENDING' | 'APPROVED',
  count: number,
  validUntil?: string,
): Promise<string> {
  const sku = nextId('SKU');
  w.seed.inventory(anInventory({ sku, warehouseId: 'WH-1' }));
  const license = aLicense({
    licenseId: nextId('LIC'),
    sku,
    status: 'PENDING',
    authorizedQuantity: 100,
    ...(validUntil ? { validUntil } : {}),
  });
  w.console.put('licenses', license);
  await settleSystem(w, license.licenseId);
  for (let i = 0; i < count; i++)
    w.console.put('shipments', aShipmentFor(license, { warehouseId: 'WH-1', priority: i + 1 }));
  await settleSystem(w, license.licenseId);
  if (status === 'APPROVED') {
    save(w, license.licenseId, { status: 'APPROVED' });
    await settleSystem(w, license.licenseId);
  }
  expect(w.license(license.licenseId)).toMatchObject({
    appliedStatus: status,
    appliedTerms: expect.objectContaining({ authorizedQuantity: 100 }),
  });
  return license.licenseId;
}

const entriesOf = (w: MemoryWorld, licenseId: string) =>
  w.entries().filter((e) => e.licenseId === licenseId && e.shipmentId === undefined);

/** I1 and I2 (shipments and counters), and I6 (one History entry per decision and per rejected edit). */
function expectInvariants(w: MemoryWorld): void {
  expect(w.violations(), 'I1/I2').toEqual([]);
  expect(w.historyViolations(), 'I6').toEqual([]);
}

/** The same edit's record delivered again: nothing more is alerted or entered. */
async function expectRedeliveryIgnored(w: MemoryWorld, licenseId: string): Promise<void> {
  const [alerts, entries] = [w.alerter.about(licenseId).length, entriesOf(w, licenseId).length];
  await apply(w, licenseId);
  await settleSystem(w, licenseId);
  expect(w.alerter.about(licenseId), 'alerts after a redelivery').toHaveLength(alerts);
  expect(entriesOf(w, licenseId), 'History entries after a redelivery').toHaveLength(entries);
}

describe('a legal status saved together with an invalid term', () => {
  it.each([
    ['authorizedQuantity typed as a String', { authorizedQuantity: '20' }, 'authorizedQuantity'],
    ['authorizedQuantity with a fraction', { authorizedQuantity: 20.5 }, 'authorizedQuantity'],
    ['customerId of the applied license changed', { customerId: 'CUST-OTHER' }, 'customerId'],
  ])(
    'PENDING → APPROVED with %s: the approval is set back with the terms, and nothing is released under the old terms',
    async (_name, terms, term) => {
      const w = memoryWorld();
      const licenseId = await licenseWith(w, 'PENDING', 12);
      const entriesBefore = entriesOf(w, licenseId).length;
      const alertsBefore = w.alerter.about(licenseId).length;

      save(w, licenseId, { status: 'APPROVED', updatedBy: 'alice', statusReason: 'BIS grant', ...terms });
      await settleSystem(w, licenseId);

      const item = w.license(licenseId);
      // The edit was rejected: nothing it carried takes effect under the terms it did not set.
      expect(idsWith(w, licenseId, 'RELEASED'), 'shipments released by a rejected edit').toEqual([]);
      expect(item).toMatchObject({
        status: 'PENDING',
        appliedStatus: 'PENDING',
        authorizedQuantity: 100,
        releasedQuantity: 0,
      });
      // The admin still sees why in the console: the term, and that the approval must be made again.
      const statusError = String(item.statusError ?? '');
      expect(statusError).toMatch(/^amendment rejected: /);
      expect(statusError).toContain(
        'The status change saved with it (PENDING → APPROVED) was not applied either: status was set back to PENDING',
      );
      expect(statusError).toContain('Once the terms are right, make the status change again on its own');
      // One rejected edit: one History entry, credited to its author, and no decision entered for it.
      const added = entriesOf(w, licenseId).slice(entriesBefore);
      expect(added.map((e) => [e.eventType, e.actor, e.status])).toEqual([
        ['EDIT_REJECTED', 'alice', 'APPROVED'],
      ]);
      const alerts = w.alerter.about(licenseId).slice(alertsBefore);
      expect(alerts.map((a) => a.subject)).toEqual([
        `License ${licenseId}: edit of ${term}, status rejected`,
      ]);
      expect(alerts[0]?.message).toContain('No shipment or counter moved');
      expectInvariants(w);
      await expectRedeliveryIgnored(w, licenseId);
    },
  );

  it('SUSPENDED → APPROVED with a fractional lowered limit: the reinstatement does not release 100 units under the old limit', async () => {
    const w = memoryWorld();
    const licenseId = await licenseWith(w, 'APPROVED', 12);
    save(w, licenseId, { status: 'SUSPENDED' });
    await settleSystem(w, licenseId);
    expect(idsWith(w, licenseId, 'RELEASED')).toEqual([]);
    const alertsBefore = w.alerter.about(licenseId).length;

    save(w, licenseId, { status: 'APPROVED', authorizedQuantity: 20.5 });
    await settleSystem(w, licenseId);

    const [alert, ...more] = w.alerter.about(licenseId).slice(alertsBefore);
    expect(more).toEqual([]);
    expect(alert?.message).toContain('No shipment or counter moved');
    // ...which must then be true.
    expect(idsWith(w, licenseId, 'RELEASED')).toEqual([]);
    expect(w.license(licenseId)).toMatchObject({
      status: 'SUSPENDED',
      appliedStatus: 'SUSPENDED',
      releasedQuantity: 0,
    });
    expect(String(w.license(licenseId).statusError ?? '')).toMatch(/^amendment rejected: /);
    expectInvariants(w);
    await expectRedeliveryIgnored(w, licenseId);
  });
});

describe('a restrictive status saved together with an invalid term', () => {
  it.each<
    [string, 'PENDING' | 'APPROVED', 'SUSPENDED' | 'REVOKED' | 'DENIED' | 'EXPIRED', Record<string, unknown>]
  >([
    ['APPROVED → SUSPENDED with a fractional limit', 'APPROVED', 'SUSPENDED', { authorizedQuantity: 20.5 }],
    ['APPROVED → REVOKED with another customerId', 'APPROVED', 'REVOKED', { customerId: 'CUST-OTHER' }],
    [
      'APPROVED → EXPIRED (typed by the admin) with a negative limit',
      'APPROVED',
      'EXPIRED',
      { authorizedQuantity: -1 },
    ],
    [
      'PENDING → DENIED with authorizedQuantity typed as a String',
      'PENDING',
      'DENIED',
      { authorizedQuantity: '20' },
    ],
  ])(
    '%s: the status is applied under the terms last applied, and the terms are set back',
    async (_name, from, status, terms) => {
      const w = memoryWorld();
      const licenseId = await licenseWith(w, from, 10);
      expect(idsWith(w, licenseId, 'RELEASED')).toHaveLength(from === 'APPROVED' ? 10 : 0);
      const entriesBefore = entriesOf(w, licenseId).length;
      const alertsBefore = w.alerter.about(licenseId).length;

      save(w, licenseId, { status, updatedBy: 'alice', statusReason: 'BIS order', ...terms });
      await settleSystem(w, licenseId);

      // Fail-safe: the restrictive decision is not undone by the typo saved with it.
      const item = w.license(licenseId);
      expect(idsWith(w, licenseId, 'RELEASED'), 'shipments left RELEASED').toEqual([]);
      expect(item).toMatchObject({
        status,
        appliedStatus: status,
        releasedQuantity: 0,
        authorizedQuantity: 100,
        customerId: 'CUST-ACME',
        appliedTerms: expect.objectContaining({ authorizedQuantity: 100, customerId: 'CUST-ACME' }),
      });
      if (from === 'PENDING')
        for (const s of w.items('shipments'))
          expect(s).toMatchObject({ status: 'HELD', holdReason: 'LICENSE_DENIED' });
      // The terms' rejection stays on the item, naming the status applied beside it.
      const statusError = String(item.statusError ?? '');
      expect(statusError).toMatch(/^amendment rejected: /);
      expect(statusError).toContain(
        `The status change saved with it (${from} → ${status}) is applied all the same, under the terms last applied`,
      );
      expect(statusError).not.toContain('was not applied either');
      // One alert for the save, saying the status applies and the terms were set back; nothing claims nothing moved.
      const alerts = w.alerter.about(licenseId).slice(alertsBefore);
      const term = Object.keys(terms).join(', ');
      expect(alerts.filter((a) => a.subject.endsWith('rejected')).map((a) => a.subject)).toEqual([
        `License ${licenseId}: edit of ${term} rejected`,
      ]);
      const rejection = alerts.find((a) => a.subject.endsWith('rejected'));
      expect(rejection?.message).toContain(
        `Its status ${status} is applied all the same, under the terms last applied`,
      );
      expect(rejection?.message).toContain('set back');
      for (const a of alerts) expect(a.message).not.toContain('No shipment or counter moved');
      // History: the terms' rejection and the decision, both credited to the admin who saved them.
      const added = entriesOf(w, licenseId).slice(entriesBefore);
      // (Entries of one instant sort by their key, not in the order they were made.)
      const rows = added.map((e) => [e.eventType, e.actor, e.status, e.previousStatus, e.reason]);
      expect(rows).toHaveLength(2);
      expect(rows).toEqual(
        expect.arrayContaining([
          ['EDIT_REJECTED', 'alice', from, from, item.statusError],
          [`LICENSE_${status}`, 'alice', status, from, 'BIS order'],
        ]),
      );
      expectInvariants(w);
      await expectRedeliveryIgnored(w, licenseId);
    },
  );

  it('APPROVED → SUSPENDED with a fractional limit: the terms amended right afterwards apply, and a reinstatement on its own clears the reason', async () => {
    const w = memoryWorld();
    const licenseId = await licenseWith(w, 'APPROVED', 10);

    save(w, licenseId, { status: 'SUSPENDED', authorizedQuantity: 20.5, updatedBy: 'alice' });
    await settleSystem(w, licenseId);
    expect(w.license(licenseId)).toMatchObject({ appliedStatus: 'SUSPENDED', authorizedQuantity: 100 });

    // As the reason says: the terms again, on their own, while suspended.
    save(w, licenseId, { authorizedQuantity: 20, updatedBy: 'alice' });
    await settleSystem(w, licenseId);
    expect(w.license(licenseId)).toMatchObject({
      appliedStatus: 'SUSPENDED',
      appliedTerms: expect.objectContaining({ authorizedQuantity: 20 }),
    });
    expect(w.license(licenseId).statusError).toBeUndefined();
    expectInvariants(w);

    save(w, licenseId, { status: 'APPROVED', updatedBy: 'bob' });
    await settleSystem(w, licenseId);
    expect(idsWith(w, licenseId, 'RELEASED')).toHaveLength(2);
    expect(w.license(licenseId)).toMatchObject({ appliedStatus: 'APPROVED', releasedQuantity: 20 });
    expect(w.license(licenseId).statusError).toBeUndefined();
    expectInvariants(w);
  });

  it('a suspension saved on its own after a rejected amendment clears that amendment’s reason', async () => {
    const w = memoryWorld();
    const licenseId = await licenseWith(w, 'APPROVED', 10);
    save(w, licenseId, { authorizedQuantity: 20.5, updatedBy: 'alice' });
    await settleSystem(w, licenseId);
    expect(String(w.license(licenseId).statusError ?? '')).toMatch(/^amendment rejected: /);

    save(w, licenseId, { status: 'SUSPENDED', updatedBy: 'bob' });
    await settleSystem(w, licenseId);

    expect(w.license(licenseId)).toMatchObject({ appliedStatus: 'SUSPENDED', releasedQuantity: 0 });
    expect(w.license(licenseId).statusError).toBeUndefined();
    expectInvariants(w);
  });
});

describe('an illegal status saved together with an invalid term', () => {
  it.each([
    ['a status typo', 'Suspended'],
    ['an illegal transition', 'PENDING'],
  ])(
    'is rejected once (%s): one alert and one History entry naming both, and statusError keeps the term',
    async (_n, status) => {
      const w = memoryWorld();
      const licenseId = await licenseWith(w, 'APPROVED', 10);
      const alertsBefore = w.alerter.about(licenseId).length;

      save(w, licenseId, { status, authorizedQuantity: -1, updatedBy: 'alice' });
      await settleSystem(w, licenseId);

      const item = w.license(licenseId);
      // Nothing moved: the quantity and the status set back, the status in force still APPROVED.
      expect(item).toMatchObject({
        status: 'APPROVED',
        appliedStatus: 'APPROVED',
        authorizedQuantity: 100,
        releasedQuantity: 100,
      });
      expect(idsWith(w, licenseId, 'RELEASED')).toHaveLength(10);

      // One save, one rejected edit: one alert and one entry, each naming the status and the quantity.
      const alerts = w.alerter.about(licenseId).slice(alertsBefore);
      expect(
        alerts.map((a) => a.subject),
        'alerts for one save',
      ).toEqual([`License ${licenseId}: edit of authorizedQuantity, status rejected`]);
      expect(alerts[0]?.message).toContain('authorizedQuantity');
      expect(alerts[0]?.message).toContain(status);
      expect(alerts[0]?.message).toContain('No shipment or counter moved');
      const rejected = w
        .entries()
        .filter((e) => e.licenseId === licenseId && e.eventType === 'EDIT_REJECTED');
      expect(
        rejected.map((e) => e.reason),
        'EDIT_REJECTED entries for one save',
      ).toEqual([item.statusError]);
      // The console still says the quantity was set back (a rejected amendment's reason stays), and the status.
      expect(String(item.statusError)).toMatch(/^amendment rejected: /);
      expect(String(item.statusError)).toContain('authorizedQuantity was set back to 100');
      expect(String(item.statusError)).toContain(status);
      expect(String(item.statusError)).toContain(
        'The status saved with it was rejected too, and set back to APPROVED',
      );
      expectInvariants(w);
      await expectRedeliveryIgnored(w, licenseId);
    },
  );
});

describe("the clock's expiry read with an invalid term", () => {
  it.each<[string, { updatedBy?: string }]>([
    ['no updatedBy (the clock’s stays)', {}],
    ['the editor’s updatedBy over the clock’s', { updatedBy: 'alice' }],
  ])(
    'is applied under the terms last applied, never set back; the terms are rejected beside it (%s)',
    async (_n, attribution) => {
      const w = memoryWorld();
      const validUntil = new Date(w.now().getTime() + DAY).toISOString();
      const licenseId = await licenseWith(w, 'APPROVED', 3, validUntil);
      expect(idsWith(w, licenseId, 'RELEASED')).toHaveLength(3);
      w.setNow(new Date(Date.parse(validUntil) + 60_000));
      expect((await clockTick(w.licenses, w.now(), w.newToken)).expired).toEqual([licenseId]);
      const entriesBefore = entriesOf(w, licenseId).length;
      const alertsBefore = w.alerter.about(licenseId).length;

      // Saved before license-events read the expiry: one read shows both.
      save(w, licenseId, { customerId: 'CUST-OTHER', ...attribution });
      await settleSystem(w, licenseId);

      const item = w.license(licenseId);
      expect(item).toMatchObject({ status: 'EXPIRED', appliedStatus: 'EXPIRED', customerId: 'CUST-ACME' });
      expect(idsWith(w, licenseId, 'RELEASED'), 'released under an expired license').toEqual([]);
      // The terms' rejection stands: its reason stays on the expired license.
      expect(String(item.statusError ?? '')).toMatch(/^amendment rejected: customerId/);
      expect(String(item.statusError)).toContain('create it (this one stays EXPIRED)');
      expect(String(item.statusError)).toContain(
        "Status EXPIRED is the system's expiry of the license (its validity window ended), not part of this edit",
      );
      const alerts = w.alerter.about(licenseId).slice(alertsBefore);
      const rejection = alerts.filter((a) => a.subject.endsWith('rejected'));
      expect(rejection.map((a) => a.subject)).toEqual([`License ${licenseId}: edit of customerId rejected`]);
      // The alert is true: shipments did move.
      expect(rejection[0]?.message).not.toContain('No shipment or counter moved');
      expect(rejection[0]?.message).toContain('Its status EXPIRED is applied all the same');
      const added = entriesOf(w, licenseId).slice(entriesBefore);
      expect(added.map((e) => e.eventType).sort()).toEqual(['EDIT_REJECTED', 'LICENSE_EXPIRED']);
      const expiry = added.find((e) => e.eventType === 'LICENSE_EXPIRED');
      const edit = added.find((e) => e.eventType === 'EDIT_REJECTED');
      expect(edit).toMatchObject({ status: 'APPROVED', previousStatus: 'APPROVED' });
      if (attribution.updatedBy === undefined) {
        // The expiry is the system's, the terms' edit nobody named.
        expect([expiry?.actor, edit?.actor]).toEqual(['clearance', 'unknown']);
      } else expect(edit?.actor).toBe('alice');
      expectInvariants(w);
      await expectRedeliveryIgnored(w, licenseId);
    },
  );
});
