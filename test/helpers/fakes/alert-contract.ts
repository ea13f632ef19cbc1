/**
 * The ports' contract for the compliance alerts (shipped with
 * port-contract.ts's subjects): the record of alerts sent on a license, the
 * approval that stamps a fresh one, and the held backlog's totals. Run
 * against the memory fakes and the DynamoDB adapters alike.
 */
import { describe, expect, it } from 'vitest';
import { termsOf } from '../../../shared/domain/terms.js';
import { aLicense, nextId } from '../factories.js';
import { acceptedItem, aDecision, type ContractSubject } from './port-contract.js';

export function describeAlertContract(name: string, subject: () => ContractSubject): void {
  describe(`${name}: compliance alert records`, () => {
    it('records an alert only while every expectation holds (null for absent, a name with a dot one attribute), and replaces the record', async () => {
      const s = subject();
      const l = aLicense({ licenseId: nextId('LIC'), appliedStatus: 'APPROVED' });
      await s.put('licenses', { ...l, pendingWork: 'tok' });
      const record = { validUntil: l.validUntil, leads: [30] };
      const expect1 = { appliedStatus: 'APPROVED', validUntil: l.validUntil, expiryAlerted: null };
      expect(await s.licenses.recordAlerted(l.licenseId, 'expiryAlerted', record, expect1)).toBe(true);
      expect(
        await s.licenses.recordAlerted(l.licenseId, 'expiryAlerted', record, expect1),
        'not absent now',
      ).toBe(false);
      const next = { validUntil: l.validUntil, leads: [30, 7] };
      expect(
        await s.licenses.recordAlerted(l.licenseId, 'expiryAlerted', next, {
          'expiryAlerted.validUntil': l.validUntil,
        }),
        'no attribute is named expiryAlerted.validUntil (it is no path into the record)',
      ).toBe(false);
      const onRecord = { expiryAlerted: record, pendingWork: 'tok' };
      expect(await s.licenses.recordAlerted(l.licenseId, 'expiryAlerted', next, onRecord)).toBe(true);
      expect(
        await s.licenses.recordAlerted(
          l.licenseId,
          'drawdownAlerted',
          { quantity: [80] },
          { pendingWork: 'other' },
        ),
      ).toBe(false);
      expect(await s.licenses.recordAlerted(nextId('LIC'), 'expiryAlerted', next, {}), 'no such item').toBe(
        false,
      );
      const item = await s.get('licenses', { licenseId: l.licenseId });
      expect(item).toMatchObject({ expiryAlerted: next, changedBy: 'clearance', pendingWork: 'tok' });
      expect(item?.drawdownAlerted).toBeUndefined();
    });

    it("sets a decision's own system attributes with it (an approval's fresh drawdown record)", async () => {
      const s = subject();
      const id = nextId('LIC');
      const license = aLicense({ licenseId: id, status: 'APPROVED' });
      await s.put('licenses', {
        ...license,
        drawdownAlerted: { approval: 'old', quantity: [80], value: [] },
      });
      const fresh = { approval: '2026-06-01T12:00:00.000Z', quantity: [], value: [] };
      const record = { ...aDecision(id, 't1'), set: { drawdownAlerted: fresh } };
      expect(await s.licenses.startWork(id, undefined, 'APPROVED', 't1', termsOf(license), record)).toBe(
        true,
      );
      expect(await s.get('licenses', { licenseId: id })).toMatchObject({
        drawdownAlerted: fresh,
        lastDecision: record.lastDecision,
        appliedChanges: 1,
      });
    });

    it('sums the held shipments of a license: count, units and value (missing value as 0)', async () => {
      const s = subject();
      const licenseId = nextId('LIC');
      await s.put('shipments', acceptedItem({ licenseId, quantity: 7, value: 700 }));
      await s.put('shipments', acceptedItem({ licenseId, quantity: 3 }));
      await s.put('shipments', acceptedItem({ licenseId: nextId('LIC'), quantity: 50, value: 1 }));
      expect(await s.shipments.sumHeld(licenseId)).toEqual({ shipments: 2, units: 10, value: 700 });
      expect(await s.shipments.sumHeld(nextId('LIC'))).toEqual({ shipments: 0, units: 0, value: 0 });
    });
  });
}
