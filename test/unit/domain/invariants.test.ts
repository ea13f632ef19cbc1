/**
 * The invariant checkers every test level relies on (checkInvariants for
 * I1–I3, checkHistory for I6): a consistent store passes, and each branch
 * reports a store broken in its one way. Without these, a checker that
 * stopped detecting something would let every "no violations" assertion pass.
 */
import { describe, expect, it } from 'vitest';
import { checkHistory, toReadAgain } from '../../../shared/domain/history-invariant.js';
import { checkInvariants } from '../../../shared/domain/invariants.js';
import type { RawItem } from '../../../shared/domain/ports.js';
import { aLicense, anInventory, aShipment } from '../../helpers/factories.js';

/**
 * A license of 100 units and USD 1,001 +10 % (cap 1,101), valid through 2026,
 * with a shipment of each status: HELD 5, RELEASED 30 (USD 600), SHIPPED 10
 * (USD 400), CANCELLED 7; and their Inventory item.
 */
function store() {
  const license: RawItem = aLicense({
    licenseId: 'LIC-1',
    authorizedQuantity: 100,
    authorizedValue: 1_001,
    valueTolerancePercent: 10,
    releasedQuantity: 40,
    releasedValue: 1_000,
    appliedStatus: 'APPROVED',
    appliedChanges: 1,
    validFrom: '2026-01-01T00:00:00.000Z',
    validUntil: '2026-12-31T00:00:00.000Z',
  });
  const shipment = (
    shipmentId: string,
    status: 'HELD' | 'RELEASED' | 'SHIPPED' | 'CANCELLED',
    quantity: number,
    value?: number,
  ): RawItem => ({
    ...aShipment({
      shipmentId,
      licenseId: 'LIC-1',
      status,
      quantity,
      ...(value === undefined ? {} : { value }),
    }),
    countedStatus: status,
    revision: 1,
  });
  const shipments = [
    shipment('S-HELD', 'HELD', 5),
    shipment('S-REL', 'RELEASED', 30, 600),
    shipment('S-SHIP', 'SHIPPED', 10, 400),
    shipment('S-CAN', 'CANCELLED', 7),
  ];
  const inventory: RawItem[] = [anInventory({ held: 5, released: 30, shipped: 10 })];
  // One committed change each, entered with the status it committed.
  const entries: RawItem[] = [
    { licenseId: 'LIC-1', entryId: 'e-license', eventType: 'LICENSE_APPROVED', status: 'APPROVED' },
    ...shipments.map((s) => ({
      licenseId: 'LIC-1',
      entryId: `${String(s.shipmentId)}#r000001`,
      eventType: 'SHIPMENT_HELD',
      shipmentId: s.shipmentId,
      status: s.countedStatus,
      previousStatus: null,
    })),
  ];
  return { licenses: [license], shipments, inventory, entries };
}

type Store = ReturnType<typeof store>;
const item = (list: RawItem[], key: string, id: string): RawItem => {
  const found = list.find((i) => i[key] === id);
  if (!found) throw new Error(`no item ${id}`);
  return found;
};
const shipmentOf = (s: Store, id: string) => item(s.shipments, 'shipmentId', id);
const violationsOf = (s: Store) => checkInvariants(s).violations.map((v) => [v.invariant, v.message]);

describe('checkInvariants', () => {
  it('finds nothing in a consistent store', () => {
    const s = store();
    expect(checkInvariants(s)).toMatchObject({ violations: [], shippedOverLimit: [] });
    expect(checkHistory(s)).toEqual([]);
  });

  it.each<[string, (s: Store) => void, string, RegExp]>([
    [
      'a RELEASED shipment of a license that does not exist',
      (s) => {
        shipmentOf(s, 'S-REL').licenseId = 'LIC-GONE';
      },
      'I1',
      /RELEASED under license LIC-GONE, which does not exist/,
    ],
    [
      'a RELEASED shipment of a SUSPENDED license',
      (s) => {
        Object.assign(item(s.licenses, 'licenseId', 'LIC-1'), {
          status: 'SUSPENDED',
          appliedStatus: 'SUSPENDED',
        });
      },
      'I1',
      /which is SUSPENDED \(applied SUSPENDED\)/,
    ],
    [
      'a RELEASED shipment of another customer',
      (s) => {
        shipmentOf(s, 'S-REL').customerId = 'CUST-OTHER';
      },
      'I1',
      /RELEASED under license LIC-1 for another customer or sku/,
    ],
    [
      'a RELEASED shipment released before validFrom',
      (s) => {
        shipmentOf(s, 'S-REL').releasedAt = '2025-12-31T23:59:59.000Z';
      },
      'I1',
      /released at 2025-12-31T23:59:59.000Z, outside/,
    ],
    [
      'a RELEASED shipment released before validFrom, after the amendment that moved validFrom later',
      (s) => {
        item(s.licenses, 'licenseId', 'LIC-1').validFromAmendedAt = '2025-12-01T00:00:00.000Z';
        shipmentOf(s, 'S-REL').releasedAt = '2025-12-31T23:59:59.000Z';
      },
      'I1',
      /released at 2025-12-31T23:59:59.000Z, outside/,
    ],
    [
      'a SHIPPED shipment of another customer',
      (s) => {
        shipmentOf(s, 'S-SHIP').customerId = 'CUST-OTHER';
      },
      'I1',
      /SHIPPED under license LIC-1 for another customer or sku/,
    ],
    [
      'a SHIPPED shipment of a license that does not exist',
      (s) => {
        shipmentOf(s, 'S-SHIP').licenseId = 'LIC-GONE';
      },
      'I1',
      /SHIPPED under license LIC-GONE, which does not exist/,
    ],
    [
      'releasedQuantity that is not what the shipments draw',
      (s) => {
        item(s.licenses, 'licenseId', 'LIC-1').releasedQuantity = 41;
      },
      'I2',
      /releasedQuantity is 41 but its released and shipped shipments draw 40/,
    ],
    [
      'releasedValue that is not what the shipments draw',
      (s) => {
        item(s.licenses, 'licenseId', 'LIC-1').releasedValue = 999;
      },
      'I2',
      /releasedValue is 999 but its released and shipped shipments draw 1000/,
    ],
    [
      'drawn units over authorizedQuantity',
      (s) => {
        item(s.licenses, 'licenseId', 'LIC-1').authorizedQuantity = 39;
      },
      'I2',
      /releasedQuantity 40 exceeds authorizedQuantity 39/,
    ],
    [
      'drawn value over the floor of the limit with its tolerance',
      (s) => {
        Object.assign(item(s.licenses, 'licenseId', 'LIC-1'), { authorizedValue: 909 });
      },
      'I2',
      /releasedValue 1000 exceeds the value limit with its tolerance 999/,
    ],
    [
      'a status edit not applied',
      (s) => {
        shipmentOf(s, 'S-HELD').status = 'CANCELLED';
      },
      'I3',
      /status CANCELLED differs from countedStatus HELD/,
    ],
    [
      'a held counter off by one',
      (s) => {
        s.inventory[0] = { ...s.inventory[0], held: 6 };
      },
      'I3',
      /held is 6 but shipments sum to 5/,
    ],
    [
      'a released counter off by one',
      (s) => {
        s.inventory[0] = { ...s.inventory[0], released: 29 };
      },
      'I3',
      /released is 29 but shipments sum to 30/,
    ],
    [
      'a shipped counter off by one',
      (s) => {
        s.inventory[0] = { ...s.inventory[0], shipped: 11 };
      },
      'I3',
      /shipped is 11 but shipments sum to 10/,
    ],
    [
      'an invalid Inventory item',
      (s) => {
        s.inventory[0] = { ...s.inventory[0], onHand: '1000' };
      },
      'I3',
      /Inventory item is invalid/,
    ],
    [
      'counted shipments with no Inventory item',
      (s) => {
        s.inventory.length = 0;
      },
      'I3',
      /counted here but there is no Inventory item/,
    ],
  ])('reports %s', (_name, breakIt, invariant, message) => {
    const s = store();
    breakIt(s);
    expect(violationsOf(s)).toContainEqual([invariant, expect.stringMatching(message)]);
  });

  it('does not report what SHIPPED under a license left with a rejected status typo (the item no longer parses)', () => {
    const s = store();
    shipmentOf(s, 'S-REL').status = 'SHIPPED';
    shipmentOf(s, 'S-REL').countedStatus = 'SHIPPED';
    s.inventory[0] = { ...s.inventory[0], released: 0, shipped: 40 };
    Object.assign(item(s.licenses, 'licenseId', 'LIC-1'), {
      status: 'expired',
      statusError: 'Rejected status "expired"',
    });
    expect(violationsOf(s)).toEqual([]);
  });

  it('accepts the value cap exactly (floor of 1,001 × 110 %), and reports one unit above it', () => {
    const s = store();
    const license = item(s.licenses, 'licenseId', 'LIC-1');
    const released = shipmentOf(s, 'S-REL');
    Object.assign(released, { value: 701 });
    Object.assign(license, { releasedValue: 1_101 });
    expect(violationsOf(s)).toEqual([]);
    Object.assign(released, { value: 702 });
    Object.assign(license, { releasedValue: 1_102 });
    expect(violationsOf(s)).toEqual([
      ['I2', 'releasedValue 1102 exceeds the value limit with its tolerance 1101'],
    ]);
  });

  it('reports SHIPPED units alone over a lowered limit as a finding, not a violation, once nothing unshipped draws', () => {
    const s = store();
    shipmentOf(s, 'S-REL').status = 'CANCELLED';
    shipmentOf(s, 'S-REL').countedStatus = 'CANCELLED';
    Object.assign(item(s.licenses, 'licenseId', 'LIC-1'), {
      releasedQuantity: 10,
      releasedValue: 400,
      authorizedQuantity: 8,
    });
    s.inventory[0] = { ...s.inventory[0], released: 0 };
    expect(checkInvariants(s)).toMatchObject({
      violations: [],
      shippedOverLimit: [{ licenseId: 'LIC-1', limit: 'quantity', shipped: 10, authorized: 8 }],
    });
  });
});

describe('I1 after validFrom was amended later', () => {
  it('judges a shipment released before that amendment under the window before it: no violation', () => {
    const s = store();
    // Released on 2025-12-15; on 2026-02-01 an amendment moved validFrom from 2025-12-01 to 2026-01-01.
    item(s.licenses, 'licenseId', 'LIC-1').validFromAmendedAt = '2026-02-01T00:00:00.000Z';
    item(s.licenses, 'licenseId', 'LIC-1').validFromBefore = '2025-12-01T00:00:00.000Z';
    shipmentOf(s, 'S-REL').releasedAt = '2025-12-15T00:00:00.000Z';
    expect(violationsOf(s)).toEqual([]);
  });

  it('still reports one released before every window the license had (early under the one before too)', () => {
    const s = store();
    item(s.licenses, 'licenseId', 'LIC-1').validFromAmendedAt = '2026-02-01T00:00:00.000Z';
    item(s.licenses, 'licenseId', 'LIC-1').validFromBefore = '2025-12-01T00:00:00.000Z';
    shipmentOf(s, 'S-REL').releasedAt = '2025-11-30T23:59:59.000Z';
    expect(violationsOf(s)).toEqual([
      ['I1', expect.stringMatching(/released at 2025-11-30T23:59:59.000Z, outside/)],
    ]);
  });

  it('judges one released in the same millisecond as that amendment under the window before it too (lifecycle-random seed 4928)', () => {
    const s = store();
    // A release commits before the amendment that fences it off: a tie is a release before it.
    item(s.licenses, 'licenseId', 'LIC-1').validFromAmendedAt = '2025-12-15T00:00:00.000Z';
    shipmentOf(s, 'S-REL').releasedAt = '2025-12-15T00:00:00.000Z';
    expect(violationsOf(s)).toEqual([]);
  });
});

describe('checkHistory', () => {
  const historyOf = (s: Parameters<typeof checkHistory>[0]) =>
    checkHistory(s).map((v) => [v.invariant, v.message]);

  it.each<[string, (s: Store) => void, RegExp]>([
    [
      'a decision without its entry',
      (s) => {
        item(s.licenses, 'licenseId', 'LIC-1').appliedChanges = 2;
      },
      /2 committed decisions and amendments \(appliedChanges\) but 1 license entries/,
    ],
    [
      'license entries of a license that does not exist',
      (s) => {
        s.entries.push({ licenseId: 'LIC-GONE', entryId: 'x', eventType: 'LICENSE_DENIED' });
      },
      /1 license entries in History for a license that is not in the Licenses table/,
    ],
    [
      'a shipment change without its entry',
      (s) => {
        shipmentOf(s, 'S-REL').revision = 2;
      },
      /revision 2 but 1 shipment entries in History; missing revisions 2/,
    ],
    [
      'a shipment change entered twice',
      (s) => {
        s.entries.push({
          licenseId: 'LIC-1',
          entryId: 'S-REL#r000001',
          eventType: 'SHIPMENT_RELEASED',
          shipmentId: 'S-REL',
        });
      },
      /revisions entered twice 1/,
    ],
    [
      'an entry beyond the shipment revision',
      (s) => {
        s.entries.push({
          licenseId: 'LIC-1',
          entryId: 'S-REL#r000002',
          eventType: 'SHIPMENT_RELEASED',
          shipmentId: 'S-REL',
        });
      },
      /entries beyond its revision 2/,
    ],
    [
      'entries of a shipment that does not exist',
      (s) => {
        s.entries.push({
          licenseId: 'LIC-1',
          entryId: 'S-GONE#r000001',
          eventType: 'SHIPMENT_HELD',
          shipmentId: 'S-GONE',
        });
      },
      /1 shipment entries in History for a shipment that is not in the Shipments table/,
    ],
  ])('reports %s', (_name, breakIt, message) => {
    const s = store();
    breakIt(s);
    expect(historyOf(s)).toContainEqual(['I6', expect.stringMatching(message)]);
  });

  describe('while changes land during the scan (the items are read before History)', () => {
    const T0 = '2026-05-01T10:00:00.000Z';
    const T1 = '2026-05-01T10:00:05.000Z';
    const T2 = '2026-05-01T10:00:09.000Z';
    const decided = (at: string) => ({ lastDecision: { eventType: 'LICENSE_APPROVED', actor: 'alice', at } });
    /** The store as read: LIC-1's last decision at T1; every entry carries its `at`. */
    function timed() {
      const s = store();
      Object.assign(item(s.licenses, 'licenseId', 'LIC-1'), decided(T1));
      for (const e of s.entries) e.at = T1;
      return s;
    }
    const shipmentEntry = (shipmentId: string, r: number, at = T2): RawItem => ({
      licenseId: 'LIC-1',
      entryId: `${at}#${shipmentId}#r${String(r).padStart(6, '0')}`,
      eventType: 'SHIPMENT_HOLD_UPDATED',
      shipmentId,
      at,
    });
    const none = new Map<string, RawItem>();
    /** A license entry (no shipmentId) of `licenseId` at `at`. */
    const licenseEntry = (licenseId: string, at: string, eventType = 'LICENSE_AMENDED'): RawItem => ({
      licenseId,
      entryId: `${at}#license#${eventType}`,
      eventType,
      at,
    });

    it('leaves out a license decision committed after the license was read, once the license read again has it', () => {
      const s = timed();
      s.entries.push(licenseEntry('LIC-1', T2));
      expect(toReadAgain(s)).toEqual({ licenses: ['LIC-1'], shipments: [] });
      const license = { ...item(s.licenses, 'licenseId', 'LIC-1'), appliedChanges: 2, ...decided(T2) };
      expect(
        checkHistory({ ...s, readAgain: { licenses: new Map([['LIC-1', license]]), shipments: none } }),
      ).toEqual([]);
    });

    it('still reports a later license entry the license read again does not have (an older copy put back)', () => {
      const s = timed();
      s.entries.push(licenseEntry('LIC-1', T2));
      const stale = item(s.licenses, 'licenseId', 'LIC-1');
      for (const readAgain of [undefined, { licenses: new Map([['LIC-1', stale]]), shipments: none }])
        expect(historyOf({ ...s, ...(readAgain ? { readAgain } : {}) })).toContainEqual([
          'I6',
          expect.stringMatching(
            /1 committed decisions and amendments \(appliedChanges\) but 2 license entries/,
          ),
        ]);
    });

    it('leaves out the first decision of a license read before it had one, once the license read again has it', () => {
      const s = timed();
      const fresh = { licenseId: 'LIC-2', status: 'APPROVED' };
      s.licenses.push(fresh);
      s.entries.push(licenseEntry('LIC-2', T2, 'LICENSE_APPROVED'));
      expect(toReadAgain(s).licenses).toEqual(['LIC-2']);
      const decidedNow = { ...fresh, appliedStatus: 'APPROVED', appliedChanges: 1, ...decided(T2) };
      expect(
        checkHistory({ ...s, readAgain: { licenses: new Map([['LIC-2', decidedNow]]), shipments: none } }),
      ).toEqual([]);
      // Read again still without it (an older copy put back): reported as before.
      expect(
        historyOf({ ...s, readAgain: { licenses: new Map([['LIC-2', fresh]]), shipments: none } }),
      ).toContainEqual([
        'I6',
        expect.stringMatching(
          /0 committed decisions and amendments \(appliedChanges\) but 1 license entries/,
        ),
      ]);
    });

    it('still reports a license entry too many from before the read', () => {
      const s = timed();
      s.entries.push(licenseEntry('LIC-1', T0));
      expect(toReadAgain(s).licenses).toEqual([]);
      expect(historyOf(s)).toContainEqual(['I6', expect.stringMatching(/but 2 license entries/)]);
    });

    it('leaves out shipment changes beyond the revision read, up to the revision read again', () => {
      const s = timed();
      s.entries.push(shipmentEntry('S-REL', 2), shipmentEntry('S-REL', 3));
      expect(toReadAgain(s)).toEqual({ licenses: [], shipments: ['S-REL'] });
      const at = (revision: number) => ({
        licenses: none,
        shipments: new Map([['S-REL', { ...shipmentOf(s, 'S-REL'), revision }]]),
      });
      expect(checkHistory({ ...s, readAgain: at(3) })).toEqual([]);
      expect(historyOf({ ...s, readAgain: at(2) })).toContainEqual([
        'I6',
        expect.stringMatching(/entries beyond its revision 3$/),
      ]);
      expect(historyOf(s)).toContainEqual(['I6', expect.stringMatching(/entries beyond its revision 2, 3$/)]);
    });

    it('leaves out the entries of items created during the scan, and only those', () => {
      const s = timed();
      s.entries.push(
        { licenseId: 'LIC-NEW', entryId: `${T2}#license#n`, eventType: 'LICENSE_APPROVED', at: T2 },
        shipmentEntry('S-NEW', 1),
        shipmentEntry('S-GONE', 1, T0),
      );
      expect(toReadAgain(s)).toEqual({ licenses: ['LIC-NEW'], shipments: ['S-NEW', 'S-GONE'] });
      const readAgain = {
        licenses: new Map([['LIC-NEW', { licenseId: 'LIC-NEW' }]]),
        shipments: new Map([['S-NEW', { shipmentId: 'S-NEW' }]]),
      };
      expect(checkHistory({ ...s, readAgain }).map((v) => v.key)).toEqual([{ shipmentId: 'S-GONE' }]);
    });
  });

  it('does not count a rejected edit as a shipment change', () => {
    const s = store();
    s.entries.push({
      licenseId: 'LIC-1',
      entryId: 'S-REL#rejected',
      eventType: 'EDIT_REJECTED',
      shipmentId: 'S-REL',
    });
    expect(checkHistory(s)).toEqual([]);
  });
});
