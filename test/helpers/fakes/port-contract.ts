/**
 * The storage ports' contract as the engines rely on it, written once against
 * the ports and a plain put/get, so the same cases run against the in-memory
 * fakes (test/unit/engine/fakes-contract.test.ts) and can run against the
 * DynamoDB adapter on DynamoDB Local. Each case names one semantic.
 */
import { describe, expect, it } from 'vitest';
import { ConflictError, DependencyError } from '../../../shared/domain/errors.js';
import { groupName, type TallyTarget } from '../../../shared/domain/event-tally.js';
import type { HistoryEntry } from '../../../shared/domain/history.js';
import { indexKey, indexKeys } from '../../../shared/domain/index-keys.js';
import type { License, Shipment } from '../../../shared/domain/model.js';
import type {
  DecisionRecord,
  HistoryRepository,
  InventoryRepository,
  LicenseGuard,
  LicenseRepository,
  RawItem,
  ShipmentRepository,
  ShipmentWrite,
  TallyRepository,
} from '../../../shared/domain/ports.js';
import { appliedTermsItem, termsOf } from '../../../shared/domain/terms.js';
import { COUNTER_REVISION, GSI_ATTR } from '../../../shared/names.js';
import { aLicense, anInventory, aShipment, asAccepted, nextId } from '../factories.js';

/** What a contract case needs: the repositories and plain PutItem / GetItem. */
export interface ContractSubject {
  licenses: LicenseRepository;
  shipments: ShipmentRepository;
  inventory: InventoryRepository;
  history: HistoryRepository;
  /** Absent for `license simulate`'s memory adapters, which keep no tally (no digest is sent there). */
  tallies?: TallyRepository;
  put(table: 'licenses' | 'shipments' | 'inventory' | 'history', item: RawItem): Promise<void>;
  get(table: 'licenses' | 'shipments' | 'inventory' | 'history', key: RawItem): Promise<RawItem | undefined>;
}

/** A History entry of license `licenseId`. */
export const anEntry = (
  licenseId: string,
  entryId: string,
  extra: Partial<HistoryEntry> = {},
): HistoryEntry => ({
  licenseId,
  entryId,
  at: '2026-06-01T12:00:00.000Z',
  eventType: 'LICENSE_APPROVED',
  actor: 'alice',
  ...extra,
});

/** The record of a decision committed with token `token`, as the license engine builds it. */
export const aDecision = (licenseId: string, token: string, by?: string): DecisionRecord => ({
  entry: anEntry(licenseId, `2026-06-01T12:00:00.000Z#license#${token}`, { actor: by ?? 'unknown' }),
  lastDecision: {
    eventType: 'LICENSE_APPROVED',
    actor: by ?? 'unknown',
    at: '2026-06-01T12:00:00.000Z',
    ...(by ? { updatedBy: by } : {}),
  },
});

/** A shipment as the intake leaves it: counted HELD, in the held index. */
export const acceptedItem = (overrides: Partial<Shipment> = {}): RawItem => asAccepted(aShipment(overrides));

/** The release write the license engine commits for a HELD shipment. */
export const releaseWrite = (s: RawItem, licenseId = String(s.licenseId)): ShipmentWrite => ({
  shipmentId: String(s.shipmentId),
  set: {
    status: 'RELEASED',
    countedStatus: 'RELEASED',
    [GSI_ATTR.releasedLicenseId]: indexKey(licenseId, String(s.shipmentId)),
  },
  remove: [GSI_ATTR.heldLicenseId, 'holdReason'],
  bumpRevision: true,
  expect: { status: 'HELD', countedStatus: 'HELD', licenseId },
  counters: {
    sku: String(s.sku),
    warehouseId: String(s.warehouseId),
    delta: { onHand: 0, held: -Number(s.quantity), released: Number(s.quantity), shipped: 0 },
  },
  license: { licenseId, quantity: Number(s.quantity), value: Number(s.value ?? 0) },
});

const guardOf = (l: License, token: string): LicenseGuard => ({
  licenseId: l.licenseId,
  expect: {
    status: 'APPROVED',
    appliedStatus: 'APPROVED',
    pendingWork: token,
    authorizedQuantity: l.authorizedQuantity,
  },
  authorizedQuantity: l.authorizedQuantity,
});

export function describePortContract(
  name: string,
  subject: () => ContractSubject,
  options: { tallies: boolean } = { tallies: true },
): void {
  /** An APPROVED, applied license with work `token` pending, its sku stocked in one warehouse. */
  async function releasing(overrides: Partial<License> = {}, token = 'tok-a') {
    const s = subject();
    const license = aLicense({
      licenseId: nextId('LIC'),
      sku: nextId('SKU'),
      appliedStatus: 'APPROVED',
      ...overrides,
    });
    await s.put('licenses', { ...license, pendingWork: token });
    await s.put('inventory', { ...anInventory({ sku: license.sku }) });
    const shipment = (o: Partial<Shipment> = {}) =>
      acceptedItem({ licenseId: license.licenseId, sku: license.sku, ...o });
    return { s, license, token, guard: guardOf(license, token), shipment };
  }
  const heldCount = async (s: ContractSubject, sku: string) =>
    (await s.get('inventory', { sku, warehouseId: anInventory().warehouseId }))?.held;

  describe(`${name}: LicenseRepository`, () => {
    it('commits to work only from the applied status read: startWork sets appliedStatus and pendingWork, clears the leftovers', async () => {
      const s = subject();
      const id = nextId('LIC');
      const license = aLicense({ licenseId: id, status: 'APPROVED' });
      const terms = termsOf(license);
      await s.put('licenses', { ...license, statusError: 'x', workCursor: 'c' });
      expect(
        await s.licenses.startWork(id, 'PENDING', 'APPROVED', 't1', terms, aDecision(id, 't1')),
        'appliedStatus is absent',
      ).toBe(false);
      expect(
        await s.licenses.startWork(id, undefined, 'SUSPENDED', 't1', terms, aDecision(id, 't1')),
        'status is not SUSPENDED',
      ).toBe(false);
      expect(await s.licenses.startWork(id, undefined, 'APPROVED', 't1', terms, aDecision(id, 't1'))).toBe(
        true,
      );
      const l = await s.get('licenses', { licenseId: id });
      expect(l).toMatchObject({
        appliedStatus: 'APPROVED',
        appliedTerms: terms,
        pendingWork: 't1',
        changedBy: 'clearance',
      });
      expect([l?.statusError, l?.workCursor]).toEqual([undefined, undefined]);
      expect(
        await s.licenses.startWork(id, undefined, 'APPROVED', 't2', terms, aDecision(id, 't2')),
        'applied already',
      ).toBe(false);
      expect(
        await s.licenses.startWork(nextId('LIC'), undefined, 'APPROVED', 't', terms, aDecision('x', 't')),
        'no such item',
      ).toBe(false);
    });

    it('keeps a statusError the decision sets (a restrictive change applied on an unreadable item)', async () => {
      const s = subject();
      const id = nextId('LIC');
      const license = aLicense({ licenseId: id, status: 'SUSPENDED', appliedStatus: 'APPROVED' });
      await s.put('licenses', { ...license, statusError: 'old', workCursor: 'c' });
      const decision = aDecision(id, 't1');
      const record = { ...decision, set: { ...decision.set, statusError: 'the license item is invalid' } };
      expect(await s.licenses.startWork(id, 'APPROVED', 'SUSPENDED', 't1', termsOf(license), record)).toBe(
        true,
      );
      const l = await s.get('licenses', { licenseId: id });
      expect([l?.appliedStatus, l?.statusError, l?.workCursor]).toEqual([
        'SUSPENDED',
        'the license item is invalid',
        undefined,
      ]);
    });

    it('finishes, continues and re-requests work only while the token read is still the pending one', async () => {
      const { s, license } = await releasing({ settleCheckAt: '2026-06-01T12:00:30.000Z' });
      const id = license.licenseId;
      expect(await s.licenses.continueWork(id, 'other', 'tok-b', 'cursor-1')).toBe(false);
      expect(await s.licenses.continueWork(id, 'tok-a', 'tok-b', 'cursor-1')).toBe(true);
      expect(await s.get('licenses', { licenseId: id })).toMatchObject({
        pendingWork: 'tok-b',
        workCursor: 'cursor-1',
      });
      expect(await s.licenses.finishWork(id, 'tok-a', {})).toBe(false);
      expect(
        await s.licenses.finishWork(id, 'tok-b', { waitingForValidFrom: '2026-07-01T00:00:00.000Z' }),
      ).toBe(true);
      const l = await s.get('licenses', { licenseId: id });
      expect(l).toMatchObject({ waitingForValidFrom: '2026-07-01T00:00:00.000Z' });
      expect([l?.pendingWork, l?.workCursor, l?.settleCheckAt], 'no settleCheckAt given: removed').toEqual([
        undefined,
        undefined,
        undefined,
      ]);
    });

    it('asks for a release only under an APPROVED applied license, replacing any running token', async () => {
      const { s, license } = await releasing({ waitingForValidFrom: '2026-07-01T00:00:00.000Z' });
      expect(await s.licenses.requestRelease(license.licenseId, 'tok-new')).toBe(true);
      const l = await s.get('licenses', { licenseId: license.licenseId });
      expect(l?.pendingWork).toBe('tok-new');
      expect(l?.waitingForValidFrom).toBeUndefined();
      const pending = aLicense({ licenseId: nextId('LIC'), status: 'APPROVED', appliedStatus: 'PENDING' });
      await s.put('licenses', pending);
      expect(await s.licenses.requestRelease(pending.licenseId, 't')).toBe(false);
      expect(await s.licenses.requestPass(pending.licenseId, 'APPROVED', 't')).toBe(false);
      expect(await s.licenses.requestPass(pending.licenseId, 'PENDING', 't')).toBe(true);
    });

    it("keeps an amendment's pass one when a release or another pass replaces it (its alert must not be lost)", async () => {
      const { s, license } = await releasing({}, 'amend#tok-a');
      expect(await s.licenses.requestRelease(license.licenseId, 'tok-b')).toBe(true);
      expect((await s.get('licenses', { licenseId: license.licenseId }))?.pendingWork).toBe('amend#tok-b');
      expect(await s.licenses.requestPass(license.licenseId, 'APPROVED', 'tok-c')).toBe(true);
      expect((await s.get('licenses', { licenseId: license.licenseId }))?.pendingWork).toBe('amend#tok-c');
      const plain = await releasing({}, 'tok-d');
      expect(await plain.s.licenses.requestPass(plain.license.licenseId, 'APPROVED', 'tok-e')).toBe(true);
      expect((await plain.s.get('licenses', { licenseId: plain.license.licenseId }))?.pendingWork).toBe(
        'tok-e',
      );
      expect(await plain.s.licenses.requestPass(plain.license.licenseId, 'SUSPENDED', 'tok-f')).toBe(false);
    });

    it("keeps a trim's plan (a trim# workCursor) when a release or another pass replaces the token, and drops any other cursor", async () => {
      for (const [token, expected] of [
        ['amend#tok-a', 'amend#tok-b'],
        ['tok-a', 'tok-b'],
      ] as const) {
        const trimming = await releasing({ workCursor: 'trim#000001#2026', waitingForValidFrom: 'x' }, token);
        const id = trimming.license.licenseId;
        expect(await trimming.s.licenses.requestRelease(id, 'tok-b')).toBe(true);
        const l = await trimming.s.get('licenses', { licenseId: id });
        expect([l?.pendingWork, l?.workCursor, l?.waitingForValidFrom]).toEqual([
          expected,
          'trim#000001#2026',
          undefined,
        ]);
      }
      // A re-hold under way (rehold#REASON) is kept too: under a damaged applied-terms seal it goes on alone.
      const reholding = await releasing({ workCursor: 'rehold#LICENSE_NOT_YET_VALID' }, 'tok-a');
      expect(await reholding.s.licenses.requestRelease(reholding.license.licenseId, 'tok-b')).toBe(true);
      expect(
        (await reholding.s.get('licenses', { licenseId: reholding.license.licenseId }))?.workCursor,
      ).toBe('rehold#LICENSE_NOT_YET_VALID');
      const releasing2 = await releasing({ workCursor: '000001#2026' }, 'tok-d');
      const id = releasing2.license.licenseId;
      expect(await releasing2.s.licenses.requestPass(id, 'APPROVED', 'tok-e')).toBe(true);
      expect((await releasing2.s.get('licenses', { licenseId: id }))?.workCursor).toBeUndefined();
    });

    it('asks for a settling pass only when nothing is pending and settleCheckAt is the value read', async () => {
      const s = subject();
      const at = '2026-06-01T12:00:30.000Z';
      const l = aLicense({ licenseId: nextId('LIC'), appliedStatus: 'APPROVED', settleCheckAt: at });
      await s.put('licenses', { ...l, pendingWork: 'busy' });
      expect(await s.licenses.requestSettlePass(l.licenseId, 'APPROVED', at, 'settle#1')).toBe(false);
      await s.put('licenses', l);
      expect(
        await s.licenses.requestSettlePass(l.licenseId, 'APPROVED', '2026-01-01T00:00:00.000Z', 'settle#1'),
      ).toBe(false);
      expect(await s.licenses.requestSettlePass(l.licenseId, 'SUSPENDED', at, 'settle#1')).toBe(false);
      expect(await s.licenses.requestSettlePass(l.licenseId, 'APPROVED', at, 'settle#1')).toBe(true);
      const after = await s.get('licenses', { licenseId: l.licenseId });
      expect(after?.pendingWork).toBe('settle#1');
      expect(after?.settleCheckAt).toBeUndefined();
    });

    it('records a rejection only while status is still the rejected value (same type), and clears it', async () => {
      const s = subject();
      const id = nextId('LIC');
      await s.put('licenses', { ...aLicense({ licenseId: id, appliedStatus: 'APPROVED' }), status: 7 });
      expect(
        await s.licenses.reject(
          id,
          '7',
          'not a status',
          anEntry(id, 'r#1', { eventType: 'EDIT_REJECTED' }),
          {},
        ),
        'a string is not the number 7',
      ).toBe(false);
      expect(
        await s.licenses.reject(
          id,
          7,
          'not a status',
          anEntry(id, 'r#2', { eventType: 'EDIT_REJECTED' }),
          {},
        ),
      ).toBe(true);
      expect((await s.get('licenses', { licenseId: id }))?.statusError).toBe('not a status');
      await s.licenses.clearError(id);
      expect((await s.get('licenses', { licenseId: id }))?.statusError).toBeUndefined();
      await expect(s.licenses.clearError(id), 'nothing to clear is not an error').resolves.toBeUndefined();
    });

    it('records a rejection of a status or a term emptied in the console (NULL), expecting it absent or NULL', async () => {
      const s = subject();
      const id = nextId('LIC');
      await s.put('licenses', { ...aLicense({ licenseId: id, appliedStatus: 'APPROVED' }), status: null });
      expect(
        await s.licenses.reject(
          id,
          null,
          'no status',
          anEntry(id, 'r#1', { eventType: 'EDIT_REJECTED' }),
          {},
        ),
      ).toBe(true);
      expect((await s.get('licenses', { licenseId: id }))?.statusError).toBe('no status');

      const other = nextId('LIC');
      await s.put('licenses', {
        ...aLicense({ licenseId: other, appliedStatus: 'APPROVED' }),
        authorizedQuantity: null,
      });
      const reverted = await s.licenses.revertTerms(
        other,
        { authorizedQuantity: 1000 },
        { authorizedQuantity: null },
        'amendment rejected: authorizedQuantity missing',
        anEntry(other, 'r#2', { eventType: 'EDIT_REJECTED' }),
        {},
      );
      expect(reverted).toBe(true);
      expect(await s.get('licenses', { licenseId: other })).toMatchObject({ authorizedQuantity: 1000 });
    });

    it('amends only while each applied term (a member of the appliedTerms map) is the one read', async () => {
      const s = subject();
      const id = nextId('LIC');
      const license = aLicense({ licenseId: id, status: 'APPROVED', appliedStatus: 'APPROVED' });
      const from = termsOf(license);
      const to = { ...from, authorizedQuantity: from.authorizedQuantity + 10 };
      // An attribute named like the path is another attribute: the condition reads the map's member.
      await s.put('licenses', { ...license, ...to, appliedTerms: from, 'appliedTerms.sku': 'OTHER' });
      const other = { ...from, sku: 'OTHER' };
      expect(
        await s.licenses.amend(id, 'APPROVED', other, to, 'amend#t1', aDecision(id, 't1')),
        'appliedTerms.sku is not OTHER',
      ).toBe(false);
      expect(
        await s.licenses.amend(
          id,
          'APPROVED',
          { ...from, authorizedValue: 5 },
          to,
          'amend#t1',
          aDecision(id, 't1'),
        ),
        'appliedTerms has no authorizedValue',
      ).toBe(false);
      expect(await s.licenses.amend(id, 'APPROVED', from, to, 'amend#t1', aDecision(id, 't1'))).toBe(true);
      expect(await s.get('licenses', { licenseId: id })).toMatchObject({
        appliedTerms: to,
        pendingWork: 'amend#t1',
        'appliedTerms.sku': 'OTHER',
      });
    });

    it('amends while the sealed copy in appliedTerms is the terms read, whatever its plain members show, and writes the new terms sealed', async () => {
      const s = subject();
      const id = nextId('LIC');
      const license = aLicense({ licenseId: id, status: 'APPROVED', appliedStatus: 'APPROVED' });
      const from = termsOf(license);
      const to = { ...from, authorizedQuantity: from.authorizedQuantity - 10 };
      // A find and replace over the item's JSON changed the limit and its plain copy alike, not the sealed copy.
      const copy = { ...appliedTermsItem(id, from), authorizedQuantity: to.authorizedQuantity };
      await s.put('licenses', { ...license, ...to, appliedTerms: copy });
      expect(
        await s.licenses.amend(id, 'APPROVED', to, to, 'amend#t1', aDecision(id, 't1')),
        'the sealed copy is not of the plain members',
      ).toBe(false);
      expect(await s.licenses.amend(id, 'APPROVED', from, to, 'amend#t1', aDecision(id, 't1'))).toBe(true);
      expect((await s.get('licenses', { licenseId: id }))?.appliedTerms).toEqual(appliedTermsItem(id, to));
    });

    it('sets an overwritten license back with attributes named with dots, spaces or other letters, each one attribute of its own', async () => {
      const s = subject();
      const id = nextId('LIC');
      const { appliedStatus: _applied, ...put } = aLicense({ licenseId: id });
      await s.put('licenses', { ...put, 'BIS case no.': 'B-99', 'added.by.import': 'x', 'Ship-To': 'Osaka' });
      const revert = {
        appliedStatus: 'APPROVED',
        'BIS case no.': 'B-17',
        'Ship To': 'Kobe',
        'Ship-To': 'Osaka',
        出荷日: '2026-01-10',
        納品日: '2026-01-15',
        'added.by.import': null,
      };
      const entry = anEntry(id, 'r#1', { eventType: 'EDIT_REJECTED' });
      expect(await s.licenses.revertTerms(id, revert, { appliedStatus: null }, 'set back', entry, {})).toBe(
        true,
      );
      const item = await s.get('licenses', { licenseId: id });
      expect(item).toMatchObject({
        appliedStatus: 'APPROVED',
        'BIS case no.': 'B-17',
        'Ship To': 'Kobe',
        'Ship-To': 'Osaka',
        出荷日: '2026-01-10',
        納品日: '2026-01-15',
        statusError: 'set back',
      });
      expect(item).not.toHaveProperty(['added.by.import']);
    });

    it("finds a license's first decision in History past its shipment entries and rejections, and none for a license never decided", async () => {
      const s = subject();
      const id = nextId('LIC');
      const other = nextId('LIC');
      const at = (minute: number) => `2026-06-01T12:${String(minute).padStart(2, '0')}:00.000Z`;
      // Shipments taken in before the license was applied come first in its partition (more than one page).
      for (let i = 0; i < 30; i++)
        await s.put('history', {
          ...anEntry(id, `${at(0)}#SHP-${String(i).padStart(3, '0')}#r000001`, {
            eventType: 'SHIPMENT_HELD',
          }),
          shipmentId: `SHP-${i}`,
        });
      await s.put('history', { ...anEntry(id, `${at(1)}#rejected#n1`, { eventType: 'EDIT_REJECTED' }) });
      await s.put('history', {
        ...anEntry(id, `${at(2)}#license#t1`, { eventType: 'LICENSE_PENDING', at: at(2) }),
      });
      await s.put('history', {
        ...anEntry(id, `${at(3)}#license#t2`, { eventType: 'LICENSE_APPROVED', at: at(3) }),
      });
      await s.put('history', { ...anEntry(other, `${at(0)}#rejected#n2`, { eventType: 'EDIT_REJECTED' }) });

      expect(await s.licenses.firstDecision?.(id)).toEqual({ eventType: 'LICENSE_PENDING', at: at(2) });
      expect(await s.licenses.firstDecision?.(other)).toBeUndefined();
      expect(await s.licenses.firstDecision?.(nextId('LIC'))).toBeUndefined();
    });

    it('restores a refused overwritten license without a History entry, only while it still has no appliedStatus', async () => {
      const s = subject();
      const id = nextId('LIC');
      const { appliedStatus: _applied, ...put } = aLicense({ licenseId: id });
      await s.put('licenses', { ...put, note: 'typed after the put', statusError: 'refused' });
      const revert = { appliedStatus: 'APPROVED', releasedQuantity: 70, 'BIS case no.': 'B-17', note: null };
      const found = { appliedStatus: null, releasedQuantity: put.releasedQuantity ?? null };

      expect(await s.licenses.restoreRefused?.(id, revert, found, 'set back')).toBe(true);
      const item = await s.get('licenses', { licenseId: id });
      expect(item).toMatchObject({
        appliedStatus: 'APPROVED',
        releasedQuantity: 70,
        'BIS case no.': 'B-17',
        statusError: 'set back',
        changedBy: 'clearance',
      });
      expect(item).not.toHaveProperty('note');
      // Applied again: a second restore finds the condition false.
      expect(await s.licenses.restoreRefused?.(id, revert, found, 'again')).toBe(false);
      expect(await s.get('licenses', { licenseId: id })).toMatchObject({ statusError: 'set back' });
    });

    it('sets a status as the clock does, only from the status read', async () => {
      const s = subject();
      const l = aLicense({ licenseId: nextId('LIC'), appliedStatus: 'APPROVED' });
      await s.put('licenses', l);
      expect(await s.licenses.setStatus(l.licenseId, 'SUSPENDED', 'EXPIRED', 'r', 'license-clock')).toBe(
        false,
      );
      // An expiry on the validUntil it found passed: an extension typed since then wins.
      const extended = { validUntil: '2000-01-01T00:00:00.000Z' };
      expect(
        await s.licenses.setStatus(l.licenseId, 'APPROVED', 'EXPIRED', 'r', 'license-clock', extended),
      ).toBe(false);
      const asRead = { validUntil: l.validUntil };
      expect(
        await s.licenses.setStatus(l.licenseId, 'APPROVED', 'EXPIRED', 'r', 'license-clock', asRead),
      ).toBe(true);
      expect(await s.get('licenses', { licenseId: l.licenseId })).toMatchObject({
        status: 'EXPIRED',
        statusReason: 'r',
        updatedBy: 'license-clock',
        appliedStatus: 'APPROVED',
      });
    });

    it('reads several licenses at once, leaving out missing ones, and scans all of them', async () => {
      const s = subject();
      const ids = [nextId('LIC'), nextId('LIC')];
      for (const licenseId of ids) await s.put('licenses', aLicense({ licenseId }));
      const got = await s.licenses.batchGet([...ids, ids[0] ?? '', nextId('LIC')]);
      expect([...got.keys()].sort()).toEqual([...ids].sort());
      const scanned: string[] = [];
      for await (const page of s.licenses.scan()) scanned.push(...page.map((l) => String(l.licenseId)));
      expect(scanned).toEqual(expect.arrayContaining(ids));
    });
  });

  describe(`${name}: ShipmentRepository`, () => {
    it('pages the sparse held index of one license in holdOrder, `next` whenever a page is full', async () => {
      const s = subject();
      const licenseId = nextId('LIC');
      const items = [3, 1, 2].map((priority) => acceptedItem({ licenseId, priority }));
      for (const item of items) await s.put('shipments', item);
      await s.put('shipments', { ...acceptedItem({ licenseId }), [GSI_ATTR.holdOrder]: undefined });
      await s.put('shipments', { ...acceptedItem({ licenseId }), [GSI_ATTR.heldLicenseId]: nextId('LIC') });
      const order = [...items]
        .sort((a, b) => Number(a.priority) - Number(b.priority))
        .map((x) => x.shipmentId);
      const first = await s.shipments.page('held', licenseId, undefined, 2);
      expect(first.items.map((x) => x.shipmentId)).toEqual(order.slice(0, 2));
      expect(first.next).toBe(first.items[1]?.[GSI_ATTR.holdOrder]);
      const second = await s.shipments.page('held', licenseId, first.next, 2);
      expect(second.items.map((x) => x.shipmentId)).toEqual(order.slice(2));
      expect(second.next, 'a short page is the last').toBeUndefined();
      const exact = await s.shipments.page('held', licenseId, undefined, 3);
      expect(exact.next, 'a full page has a next, even with nothing after it').toBeDefined();
      expect((await s.shipments.page('held', licenseId, exact.next, 3)).items).toEqual([]);
      expect((await s.shipments.page('released', licenseId, undefined, 10)).items).toEqual([]);
    });

    it("keeps every item that shares a holdOrder under one key (a console copy before it is taken in), and a page after that holdOrder skips them all, as DynamoDB's `>` does", async () => {
      const s = subject();
      const licenseId = nextId('LIC');
      const [first, original, last] = [1, 2, 3].map((priority) => acceptedItem({ licenseId, priority }));
      if (!first || !original || !last) throw new Error('three items');
      const copy = { ...original, shipmentId: nextId('SHP') };
      for (const item of [first, original, copy, last]) await s.put('shipments', item);
      const ids = async (after?: string, limit = 10) =>
        (await s.shipments.page('held', licenseId, after, limit)).items.map((x) => x.shipmentId);
      expect(new Set(await ids())).toEqual(new Set([first, original, copy, last].map((x) => x.shipmentId)));
      expect((await ids()).slice(1, 3).sort(), 'the tie sorts in its place').toEqual(
        [original.shipmentId, copy.shipmentId].sort(),
      );
      const tied = String(original[GSI_ATTR.holdOrder]);
      expect(await ids(tied)).toEqual([last.shipmentId]);
      // The copy is taken in (its index keys rewritten): the original stays where it was.
      await s.put('shipments', {
        ...copy,
        [GSI_ATTR.heldLicenseId]: undefined,
        [GSI_ATTR.holdOrder]: undefined,
      });
      expect(await ids()).toEqual([first, original, last].map((x) => x.shipmentId));
      expect(await s.shipments.sumHeld(licenseId)).toMatchObject({ shipments: 3 });
    });

    it('ends a page before a console copy, not at it, so the original that shares its holdOrder is on the next page', async () => {
      const s = subject();
      const licenseId = nextId('LIC');
      // The copy's id sorts before its original's, so where ties are ordered by id the copy comes first.
      const copyId = nextId('SHP');
      const [first, original, last] = [1, 2, 3].map((priority) => acceptedItem({ licenseId, priority }));
      if (!first || !original || !last) throw new Error('three items');
      const copy = { ...original, shipmentId: copyId };
      for (const item of [first, original, copy, last]) await s.put('shipments', item);
      for (const direction of ['forward', 'backward'] as const) {
        const read: unknown[] = [];
        let after: string | undefined;
        let pages = 0;
        do {
          const page = await s.shipments.page('held', licenseId, after, 2, direction);
          const end = page.items.at(-1);
          if (page.next !== undefined && page.items.length > 1)
            expect(end?.shipmentId, `a ${direction} page does not end at the copy`).not.toBe(copyId);
          read.push(...page.items.map((x) => x.shipmentId));
          after = page.next;
          pages++;
        } while (after !== undefined && pages < 10);
        expect(read, `${direction}: every original read`).toEqual(
          expect.arrayContaining([first.shipmentId, original.shipmentId, last.shipmentId]),
        );
      }
    });

    it("merges a license's index keys into one holdOrder, forward and backward, the bare license id (items written before the spread) included", async () => {
      const s = subject();
      const licenseId = nextId('LIC');
      // Enough shipments that every key holds at least two (ids hash to keys).
      const items: RawItem[] = [];
      const perKey = () =>
        indexKeys(licenseId).map((k) => items.filter((x) => x[GSI_ATTR.heldLicenseId] === k));
      while (items.length < 17 || perKey().some((k) => k.length < 2))
        items.push(acceptedItem({ licenseId, priority: (items.length * 7) % 5 }));
      items.push({ ...acceptedItem({ licenseId, priority: 2 }), [GSI_ATTR.heldLicenseId]: licenseId });
      for (const item of items) await s.put('shipments', item);
      const keys = new Set(items.map((x) => x[GSI_ATTR.heldLicenseId]));
      expect(keys, 'the items sit under several keys').toEqual(new Set(indexKeys(licenseId)));
      const order = items.map((x) => String(x[GSI_ATTR.holdOrder])).sort();
      for (const direction of ['forward', 'backward'] as const) {
        const read: string[] = [];
        let after: string | undefined;
        do {
          const page = await s.shipments.page('held', licenseId, after, 4, direction);
          expect(page.items.length).toBeLessThanOrEqual(4);
          read.push(...page.items.map((x) => String(x[GSI_ATTR.holdOrder])));
          after = page.next;
        } while (after !== undefined);
        expect(read).toEqual(direction === 'forward' ? order : [...order].reverse());
      }
      expect(await s.shipments.sumHeld(licenseId)).toMatchObject({ shipments: items.length });
      const reasons = await s.shipments.countHeldByReason(licenseId);
      expect([...reasons.values()].reduce((a, b) => a + b, 0)).toBe(items.length);
    });

    it('commits writes with their aggregated counters and license units, bumping revision and marking changedBy', async () => {
      const { s, license, guard, shipment } = await releasing({ authorizedQuantity: 25 });
      const [a, b] = [shipment({ quantity: 10 }), shipment({ quantity: 15 })];
      await s.put('shipments', a);
      await s.put('shipments', b);
      await s.put('inventory', { ...anInventory({ sku: license.sku }), held: 25 });
      const result = await s.shipments.commit([releaseWrite(a), releaseWrite(b)], guard);
      expect(result.committed).toHaveLength(2);
      expect(await s.get('shipments', { shipmentId: a.shipmentId })).toMatchObject({
        status: 'RELEASED',
        revision: 2,
        changedBy: 'clearance',
        [GSI_ATTR.releasedLicenseId]: indexKey(license.licenseId, String(a.shipmentId)),
      });
      expect((await s.get('shipments', { shipmentId: a.shipmentId }))?.heldLicenseId).toBeUndefined();
      expect(await s.get('inventory', { sku: license.sku, warehouseId: 'WH-AMS-1' })).toMatchObject({
        held: 0,
        released: 25,
      });
      expect((await s.get('licenses', { licenseId: license.licenseId }))?.releasedQuantity).toBe(25);
    });

    it('adds 1 to counterRevision of each Inventory item and license a transaction moves, so reconcile --fix can tell a counter moved away and back', async () => {
      const { s, license, guard, shipment } = await releasing({ authorizedQuantity: 25 });
      const [a, b] = [shipment({ quantity: 10 }), shipment({ quantity: 15 })];
      await s.put('shipments', a);
      await s.put('shipments', b);
      await s.put('inventory', { ...anInventory({ sku: license.sku }), held: 25 });
      await s.shipments.commit([releaseWrite(a)], guard);
      await s.shipments.commit([releaseWrite(b)], guard);
      expect(await s.get('inventory', { sku: license.sku, warehouseId: 'WH-AMS-1' })).toMatchObject({
        released: 25,
        [COUNTER_REVISION]: 2,
      });
      expect(await s.get('licenses', { licenseId: license.licenseId })).toMatchObject({
        releasedQuantity: 25,
        [COUNTER_REVISION]: 2,
      });
    });

    it('skips a write whose own condition fails and commits the rest of its transaction', async () => {
      const { s, license, guard, shipment } = await releasing();
      const [a, b] = [shipment(), shipment()];
      await s.put('shipments', a);
      await s.put('shipments', { ...b, status: 'CANCELLED' });
      const result = await s.shipments.commit([releaseWrite(a), releaseWrite(b)], guard);
      expect(result.committed.map((w) => w.shipmentId)).toEqual([a.shipmentId]);
      expect(result.skipped.map((w) => w.shipmentId)).toEqual([b.shipmentId]);
      expect((await s.get('licenses', { licenseId: license.licenseId }))?.releasedQuantity).toBe(10);
    });

    it('fails with ConflictError and writes nothing when the guard no longer holds', async () => {
      const { s, license, guard, shipment } = await releasing();
      const a = shipment();
      await s.put('shipments', a);
      await s.put('licenses', { ...license, status: 'SUSPENDED', pendingWork: 'tok-a' });
      await expect(s.shipments.commit([releaseWrite(a)], guard)).rejects.toBeInstanceOf(ConflictError);
      expect((await s.get('shipments', { shipmentId: a.shipmentId }))?.status).toBe('HELD');
      expect(await heldCount(s, license.sku)).toBe(0);
    });

    it('lets releasedQuantity reach authorizedQuantity but never pass it (guard)', async () => {
      const { s, license, guard, shipment } = await releasing({
        authorizedQuantity: 30,
        releasedQuantity: 20,
      });
      const [a, b] = [shipment({ quantity: 10 }), shipment({ quantity: 1 })];
      await s.put('shipments', a);
      await s.put('shipments', b);
      expect((await s.shipments.commit([releaseWrite(a)], guard)).committed).toHaveLength(1);
      await expect(s.shipments.commit([releaseWrite(b)], guard)).rejects.toBeInstanceOf(ConflictError);
      expect((await s.get('licenses', { licenseId: license.licenseId }))?.releasedQuantity).toBe(30);
    });

    it('commits each transaction of 100 actions on its own: a later one failing keeps the earlier', async () => {
      const { s, license, guard, shipment } = await releasing({ authorizedQuantity: 120 });
      const items = Array.from({ length: 150 }, () => shipment({ quantity: 1 }));
      for (const item of items) await s.put('shipments', item);
      await expect(
        s.shipments.commit(
          items.map((x) => releaseWrite(x)),
          guard,
        ),
      ).rejects.toBeInstanceOf(ConflictError);
      // The first transaction holds 98 writes, 1 counter update and the guard: 100 actions.
      expect((await s.get('licenses', { licenseId: license.licenseId }))?.releasedQuantity).toBe(98);
    });

    it('fails with DependencyError for a missing Inventory item, with or without a guard that holds', async () => {
      const s = subject();
      const a = acceptedItem({ sku: nextId('SKU') });
      await s.put('shipments', a);
      const { license: _l, ...unguarded } = releaseWrite(a);
      await expect(s.shipments.commit([unguarded])).rejects.toBeInstanceOf(DependencyError);
      expect((await s.get('shipments', { shipmentId: a.shipmentId }))?.status).toBe('HELD');
      const r = await releasing();
      const b = acceptedItem({ licenseId: r.license.licenseId, sku: nextId('SKU') });
      await r.s.put('shipments', b);
      await expect(r.s.shipments.commit([releaseWrite(b)], r.guard)).rejects.toBeInstanceOf(DependencyError);
      expect((await r.s.get('shipments', { shipmentId: b.shipmentId }))?.status).toBe('HELD');
    });

    it('checks nothing when there is nothing to commit, not even the guard', async () => {
      const { s, guard } = await releasing();
      await expect(s.shipments.commit([], { ...guard, expect: { status: 'NOPE' } })).resolves.toMatchObject({
        committed: [],
        skipped: [],
        transactions: 0,
        conflicts: 0,
      });
    });

    it('updates one shipment conditionally, ignoring counters, and refuses an undefined value', async () => {
      const s = subject();
      const a = acceptedItem({ sku: nextId('SKU') });
      await s.put('shipments', { ...a, status: 'Shipped' });
      const restore: ShipmentWrite = {
        ...releaseWrite(a),
        set: { status: 'HELD', statusError: 'typo' },
        remove: [],
        bumpRevision: false,
        expect: { status: 'Shipped', countedStatus: 'HELD' },
      };
      expect(await s.shipments.update(restore)).toBe(true);
      expect(await s.shipments.update(restore), 'status is HELD now').toBe(false);
      expect(await s.get('shipments', { shipmentId: a.shipmentId })).toMatchObject({
        status: 'HELD',
        statusError: 'typo',
        revision: 1,
      });
      expect(await s.shipments.get(String(a.shipmentId)), 'read back as written').toEqual(
        await s.get('shipments', { shipmentId: a.shipmentId }),
      );
      expect(await s.shipments.get(nextId('SHP'))).toBeUndefined();
      await expect(s.shipments.update({ ...restore, expect: { status: undefined } })).rejects.toThrow();
      expect(await s.shipments.update({ ...restore, shipmentId: nextId('SHP'), expect: {} })).toBe(false);
    });

    it('updates a shipment whose status was emptied in the console (NULL) on a condition of null, as on one without status', async () => {
      const s = subject();
      const a = acceptedItem({ sku: nextId('SKU') });
      const b = acceptedItem({ sku: nextId('SKU') });
      await s.put('shipments', { ...a, status: null });
      const { status: _status, ...withoutStatus } = b;
      await s.put('shipments', withoutStatus);
      const restore = (id: string): ShipmentWrite => ({
        shipmentId: id,
        set: { status: 'HELD', statusError: 'no status' },
        bumpRevision: false,
        expect: { status: null, countedStatus: 'HELD' },
      });
      expect(await s.shipments.update(restore(String(a.shipmentId)))).toBe(true);
      expect(await s.shipments.update(restore(String(b.shipmentId)))).toBe(true);
      expect(await s.shipments.update(restore(String(a.shipmentId))), 'status is HELD now').toBe(false);
      expect(await s.get('shipments', { shipmentId: a.shipmentId })).toMatchObject({ status: 'HELD' });
    });

    it('updates, removes and expects attributes named with dots, spaces or other letters, each one attribute of its own', async () => {
      const s = subject();
      const a = acceptedItem({ sku: nextId('SKU') });
      await s.put('shipments', {
        ...a,
        'customs.ref': 'CR-1',
        customs: { ref: 'in the map' },
        'Ship To': 'Kobe',
        納品日: '2026-01-15',
      });
      const write = (expected: string): ShipmentWrite => ({
        shipmentId: String(a.shipmentId),
        set: { 'customs.ref': 'CR-2', 'Ship To': 'Osaka', 'Ship-To': 'Nagoya', 出荷日: '2026-01-10' },
        remove: ['納品日'],
        bumpRevision: false,
        expect: { 'customs.ref': expected },
      });
      expect(
        await s.shipments.update(write('in the map')),
        'customs.ref is CR-1, whatever customs holds',
      ).toBe(false);
      expect(await s.shipments.update(write('CR-1'))).toBe(true);
      const item = await s.get('shipments', { shipmentId: a.shipmentId });
      expect(item).toMatchObject({
        'customs.ref': 'CR-2',
        customs: { ref: 'in the map' },
        'Ship To': 'Osaka',
        'Ship-To': 'Nagoya',
        出荷日: '2026-01-10',
      });
      expect(item).not.toHaveProperty('納品日');
    });

    it('counts the held shipments of a license by hold reason', async () => {
      const s = subject();
      const licenseId = nextId('LIC');
      for (const holdReason of ['LICENSE_PENDING', 'LICENSE_PENDING', 'LICENSE_MISMATCH'] as const)
        await s.put('shipments', acceptedItem({ licenseId, holdReason }));
      expect(Object.fromEntries(await s.shipments.countHeldByReason(licenseId))).toEqual({
        LICENSE_PENDING: 2,
        LICENSE_MISMATCH: 1,
      });
    });
  });

  // Adapters that keep no tallies (the simulator's) have no such case at all, rather than a skipped one.
  if (options.tallies)
    describe(`${name}: TallyRepository`, () => {
      it("adds a transaction's shipments to its license event's tally in the same transaction (a skipped write not counted), keeps lines while there is room, and removes the tally only at the transaction count read", async () => {
        const { s, license, guard, shipment } = await releasing();
        const [a, b, c] = [shipment({ quantity: 2 }), shipment({ quantity: 3 }), shipment({ quantity: 4 })];
        for (const x of [a, b]) await s.put('shipments', x);
        await s.put('shipments', { ...c, status: 'CANCELLED' });
        await s.put('inventory', { ...anInventory({ sku: license.sku }), held: 9 });
        const notice = {
          customerId: license.customerId,
          warehouseId: 'WH-AMS-1',
          eventType: 'SHIPMENT_RELEASED' as const,
        };
        const group = groupName(notice);
        const lineOf = (x: RawItem) => ({
          shipmentId: String(x.shipmentId),
          quantity: Number(x.quantity),
          sku: license.sku,
        });
        const noticed = (x: RawItem): ShipmentWrite => ({
          ...releaseWrite(x),
          notice: { ...notice, line: lineOf(x) },
        });
        const event = 'LICENSE_APPROVED@2026-06-01T12:00:00.000Z';
        const tally: TallyTarget = {
          licenseId: license.licenseId,
          event,
          opened: 'tok-a',
          room: new Map([[group, 1]]),
        };
        const first = await s.shipments.commit([noticed(a), noticed(c)], { ...guard, tally });
        expect(first.skipped.map((w) => w.shipmentId)).toEqual([c.shipmentId]);
        await s.shipments.commit([noticed(b)], { ...guard, tally: { ...tally, opened: 'tok-b' } });
        const tallies = s.tallies;
        if (!tallies) throw new Error('the subject has no tallies');
        const [item, ...more] = await tallies.list(license.licenseId);
        expect(more).toEqual([]);
        expect(item).toMatchObject({
          licenseId: license.licenseId,
          event,
          opened: 'tok-a',
          transactions: 2,
          [`n|${group}`]: 2,
          [`q|${group}`]: 5,
          [`l|${group}`]: [lineOf(a)],
        });
        expect(typeof item?.expiresAt).toBe('number');
        expect(tally.room.get(group)).toBe(0);
        expect(await tallies.list(nextId('LIC'))).toEqual([]);
        expect(await tallies.remove(license.licenseId, event, 1)).toBe(false);
        expect(await tallies.list(license.licenseId)).toHaveLength(1);
        expect(await tallies.remove(license.licenseId, event, 2)).toBe(true);
        expect(await tallies.list(license.licenseId)).toEqual([]);
      });
    });

  describe(`${name}: InventoryRepository`, () => {
    it('tells which (sku, warehouse) items exist and whether a sku is stocked anywhere', async () => {
      const s = subject();
      const sku = nextId('SKU');
      await s.put('inventory', { ...anInventory({ sku, warehouseId: 'WH-1' }) });
      const found = await s.inventory.existing([
        { sku, warehouseId: 'WH-1' },
        { sku, warehouseId: 'WH-2' },
      ]);
      expect(found.size).toBe(1);
      expect(await s.inventory.skuExists(sku)).toBe(true);
      expect(await s.inventory.skuExists(nextId('SKU'))).toBe(false);
    });
  });
}
