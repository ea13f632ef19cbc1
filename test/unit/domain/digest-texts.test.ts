/**
 * What a customer (and a warehouse team) reads in a license event's digest
 * email (docs/messages.md, "Digests"; shared/domain/notifications.ts).
 */
import { describe, expect, it } from 'vitest';
import type { Tally, TallyGroup } from '../../../shared/domain/event-tally.js';
import type { HoldReason } from '../../../shared/domain/model.js';
import { tallyDigests } from '../../../shared/domain/notifications.js';

/** A tally of one license event: CUST-A's two shipments at WH-SIN, as `eventType`. */
function tallyOf(licenseId: string, eventType: TallyGroup['eventType'], holdReason?: HoldReason): Tally {
  return {
    licenseId,
    event: `LICENSE_X@2026-06-01T00:00:00.000Z`,
    opened: `token-${eventType}`,
    transactions: 1,
    groups: [
      {
        customerId: 'CUST-A',
        warehouseId: 'WH-SIN',
        eventType,
        count: 2,
        quantity: 30,
        lines: [
          { shipmentId: 'SHP-1', quantity: 10, sku: 'H20', ...(holdReason ? { holdReason } : {}) },
          { shipmentId: 'SHP-2', quantity: 20, sku: 'H20', ...(holdReason ? { holdReason } : {}) },
        ],
      },
    ],
  };
}

describe('digest subjects with long (contract-legal) ids', () => {
  // 60 characters: ID_PATTERN allows 128.
  const licenseId = `LIC-${'H20-EXPORT-'.repeat(5)}0001`;

  it('cuts the ids of a customer subject, never its verb, so "released" and "put back on hold" read apart', () => {
    const [released] = tallyDigests(tallyOf(licenseId, 'SHIPMENT_RELEASED'), 'customer');
    const [reheld] = tallyDigests(tallyOf(licenseId, 'SHIPMENT_REHELD', 'LICENSE_SUSPENDED'), 'customer');
    expect(released?.subject?.length).toBeLessThan(100);
    expect(reheld?.subject?.length).toBeLessThan(100);
    // What happened survives the cut (the expiry digest keeps its deadline the same way).
    expect(released?.subject).toMatch(
      /^2 of your shipments under license LIC-H20-EXPORT-.*\.\.\. were released$/,
    );
    expect(reheld?.subject).toMatch(/were put back on hold$/);
  });

  it('cuts the ids of a warehouse subject, never its verb, so "released" and "put back on hold" read apart', () => {
    const wh = 'WH-SINGAPORE-TUAS-SOUTH-BONDED-01';
    const t = (e: TallyGroup['eventType'], r?: HoldReason) => {
      const tally = tallyOf(licenseId, e, r);
      for (const g of tally.groups) g.warehouseId = wh;
      return tally;
    };
    const [released] = tallyDigests(t('SHIPMENT_RELEASED'), 'logistics');
    const [reheld] = tallyDigests(t('SHIPMENT_REHELD', 'LICENSE_REVOKED'), 'logistics');
    expect(released?.subject?.length).toBeLessThan(100);
    expect(released?.subject).toMatch(
      /^Warehouse WH-SINGAPORE-TUAS-SOUTH-BONDED-01: 2 shipments .*\.\.\. released$/,
    );
    expect(reheld?.subject).toMatch(/\.\.\. put back on hold$/);
  });

  it('leaves a subject that fits whole', () => {
    const [released] = tallyDigests(tallyOf('LIC-H20-0001', 'SHIPMENT_RELEASED'), 'customer');
    expect(released?.subject).toBe('2 of your shipments under license LIC-H20-0001 were released');
  });
});

describe('what a re-hold digest tells the customer the shipments wait for', () => {
  const bodyOf = (reason: HoldReason) =>
    tallyDigests(tallyOf('LIC-H20-0001', 'SHIPMENT_REHELD', reason), 'customer')[0]?.body ?? '';

  it.each<HoldReason>(['LICENSE_REVOKED', 'LICENSE_EXPIRED'])(
    'says a license %s is final: the shipments will not be released under it',
    (reason) => {
      const body = bodyOf(reason);
      // DESIGN §3: DENIED, REVOKED and EXPIRED are final; no restoration will release them.
      expect(body).toContain('These shipments may not leave the warehouse.');
      expect(body).toContain('which is final: they will not be released under it.');
      expect(body).not.toContain('restored');
      expect(body).not.toContain('released again');
    },
  );

  it('says shipments re-held by a suspension are released again if the license is reinstated', () => {
    expect(bodyOf('LICENSE_SUSPENDED')).toContain(
      'The export license is suspended: if it is reinstated, they are released again as far as its limits allow.',
    );
  });

  it.each<HoldReason>(['LICENSE_QUANTITY_EXHAUSTED', 'LICENSE_VALUE_EXHAUSTED'])(
    'says shipments re-held as %s need room on the license (an amendment, or a cancellation)',
    (reason) => {
      expect(bodyOf(reason)).toContain(
        'are released again only if it gets room (an amendment raising its limit, or shipments released under it cancelled).',
      );
    },
  );

  it('says shipments re-held under a later validFrom are released again when the license becomes valid', () => {
    expect(bodyOf('LICENSE_NOT_YET_VALID')).toContain(
      'The export license now becomes valid later: they are released again when it does',
    );
  });

  it('says what each listed reason waits for when one event re-held for several', () => {
    const tally = tallyOf('LIC-H20-0001', 'SHIPMENT_REHELD', 'LICENSE_QUANTITY_EXHAUSTED');
    const second = tally.groups[0]?.lines[1];
    if (second) second.holdReason = 'SHIPMENT_VALUE_MISSING';
    const body = tallyDigests(tally, 'customer')[0]?.body ?? '';
    expect(body).toContain('Those the export license has no quantity left for');
    expect(body).toContain('Those that lack details the export license needs');
  });

  it('tells the warehouse to stop picking, whatever the reason', () => {
    const [digest] = tallyDigests(tallyOf('LIC-H20-0001', 'SHIPMENT_REHELD', 'LICENSE_REVOKED'), 'logistics');
    expect(digest?.body).toContain('Do not ship these: stop picking and return them to the held area.');
    expect(digest?.body).not.toContain('final');
  });
});
