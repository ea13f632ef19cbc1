/**
 * The History side of the storage ports' contract: a decision commits with
 * its entry or not at all, and appends keep the first entry of a key. Run on
 * the in-memory fakes (test/unit/engine/fakes-contract.test.ts) and on the
 * DynamoDB adapters (test/integration/port-contract.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { termsOf } from '../../../shared/domain/terms.js';
import { aLicense, nextId } from '../factories.js';
import { aDecision, anEntry, type ContractSubject } from './port-contract.js';

export function describeHistoryContract(name: string, subject: () => ContractSubject): void {
  const entryOf = (s: ContractSubject, licenseId: string, entryId: string) =>
    s.get('history', { licenseId, entryId });

  describe(`${name}: decisions and their History entries`, () => {
    it('commits a decision with its entry: lastDecision kept, appliedChanges counted, the entry written', async () => {
      const s = subject();
      const id = nextId('LIC');
      const license = aLicense({ licenseId: id, status: 'APPROVED', updatedBy: 'alice' });
      await s.put('licenses', license);
      const record = aDecision(id, 't1', 'alice');
      expect(await s.licenses.startWork(id, undefined, 'APPROVED', 't1', termsOf(license), record)).toBe(
        true,
      );
      expect(await s.get('licenses', { licenseId: id })).toMatchObject({
        appliedChanges: 1,
        lastDecision: record.lastDecision,
        updatedBy: 'alice',
      });
      expect(await entryOf(s, id, record.entry.entryId)).toEqual(record.entry);
      const again = aDecision(id, 't2', 'alice');
      expect(await s.licenses.amend(id, 'APPROVED', termsOf(license), termsOf(license), 't2', again)).toBe(
        true,
      );
      expect((await s.get('licenses', { licenseId: id }))?.appliedChanges).toBe(2);
    });

    it('writes neither the decision nor its entry when the condition fails, also when updatedBy changed since the read', async () => {
      const s = subject();
      const id = nextId('LIC');
      const license = aLicense({ licenseId: id, status: 'APPROVED', updatedBy: 'bob' });
      await s.put('licenses', license);
      const stale = aDecision(id, 't1', 'alice');
      expect(await s.licenses.startWork(id, undefined, 'APPROVED', 't1', termsOf(license), stale)).toBe(
        false,
      );
      expect(await entryOf(s, id, stale.entry.entryId)).toBeUndefined();
      const l = await s.get('licenses', { licenseId: id });
      expect([l?.appliedStatus, l?.appliedChanges, l?.lastDecision]).toEqual([
        undefined,
        undefined,
        undefined,
      ]);
    });

    it('records a rejection with its entry, and neither when status moved on', async () => {
      const s = subject();
      const id = nextId('LIC');
      await s.put('licenses', { ...aLicense({ licenseId: id }), status: 'APPROVD' });
      const moved = anEntry(id, 'x#rejected#1', { eventType: 'EDIT_REJECTED' });
      expect(await s.licenses.reject(id, 'APPROVED', 'typo', moved, {})).toBe(false);
      expect(await entryOf(s, id, moved.entryId)).toBeUndefined();
      const entry = anEntry(id, 'x#rejected#2', { eventType: 'EDIT_REJECTED', reason: 'typo' });
      expect(await s.licenses.reject(id, 'APPROVD', 'typo', entry, { updatedBy: 'erin' })).toBe(true);
      expect((await s.get('licenses', { licenseId: id }))?.attributed).toEqual({
        at: entry.at,
        updatedBy: 'erin',
      });
      expect(await entryOf(s, id, entry.entryId)).toEqual(entry);
    });
  });

  describe(`${name}: HistoryRepository`, () => {
    it('appends only new entries: an entry already there keeps its first content, the others are written', async () => {
      const s = subject();
      const id = nextId('LIC');
      const a = anEntry(id, 'a', { reason: 'first' });
      await s.history.append([a, anEntry(id, 'b')]);
      await s.history.append([{ ...a, reason: 'second' }, anEntry(id, 'c'), anEntry(id, 'b')]);
      expect((await entryOf(s, id, 'a'))?.reason).toBe('first');
      expect(await entryOf(s, id, 'b')).toBeDefined();
      expect(await entryOf(s, id, 'c')).toBeDefined();
    });

    it("reads a shipment's latest committed change (byShipment), never a rejected edit", async () => {
      const s = subject();
      const id = nextId('LIC');
      const [counted, refused] = [nextId('SHP'), nextId('SHP')];
      const at = (second: number) => `2026-06-01T12:00:0${second}.000Z`;
      await s.history.append([
        anEntry(id, `${at(0)}#${counted}#r000001`, {
          eventType: 'SHIPMENT_HELD',
          shipmentId: counted,
          at: at(0),
        }),
        anEntry(id, `${at(1)}#${counted}#r000002`, {
          eventType: 'SHIPMENT_RELEASED',
          shipmentId: counted,
          at: at(1),
        }),
        anEntry(id, `${at(2)}#${counted}#rejected#9`, {
          eventType: 'EDIT_REJECTED',
          shipmentId: counted,
          at: at(2),
        }),
        anEntry(id, `${at(3)}#${refused}#rejected#1`, {
          eventType: 'EDIT_REJECTED',
          shipmentId: refused,
          at: at(3),
        }),
      ]);
      const read = s.history.lastShipmentChange?.bind(s.history);
      if (!read) throw new Error('this History port cannot read a shipment');
      expect(await read(counted)).toMatchObject({
        eventType: 'SHIPMENT_RELEASED',
        entryId: `${at(1)}#${counted}#r000002`,
      });
      expect(await read(refused)).toBeUndefined();
      expect(await read(nextId('SHP'))).toBeUndefined();
    });

    it('appends more entries than one transaction holds, and the same key twice in one call once', async () => {
      const s = subject();
      const id = nextId('LIC');
      const entries = Array.from({ length: 205 }, (_, i) => anEntry(id, `e${String(i).padStart(3, '0')}`));
      await s.history.append([...entries, entries[0] ?? anEntry(id, 'x')]);
      for (const i of [0, 99, 100, 204])
        expect(await entryOf(s, id, `e${String(i).padStart(3, '0')}`)).toBeDefined();
    });
  });
}
