/**
 * I2 as checkInvariants judges it beyond the well-formed license: the
 * exception for SHIPPED units alone over a limit holds only where History
 * shows that limit lowered (given History), and the sums are checked on a
 * license item that does not parse (a final license left with a rejected
 * status typo) wherever its counters and limits are numbers.
 */
import { describe, expect, it } from 'vitest';
import { checkInvariants } from '../../../shared/domain/invariants.js';
import { loweredLimits } from '../../../shared/domain/license-limits.js';
import type { RawItem } from '../../../shared/domain/ports.js';
import { checkI1toI3 } from '../../chaos/checks.js';
import { aLicense, anInventory, aShipment } from '../../helpers/factories.js';

describe('I2: shipped units over a limit', () => {
  /** LIC-8, approved once at 8 units; 10 units released and shipped. */
  function store() {
    const license: RawItem = {
      ...aLicense({
        licenseId: 'LIC-8',
        authorizedQuantity: 8,
        releasedQuantity: 10,
        appliedStatus: 'APPROVED',
        appliedChanges: 1,
      }),
      appliedTerms: { authorizedQuantity: 8 },
    };
    const shipment: RawItem = {
      ...aShipment({ shipmentId: 'S-10', licenseId: 'LIC-8', status: 'SHIPPED', quantity: 10 }),
      countedStatus: 'SHIPPED',
      revision: 3,
    };
    return { licenses: [license], shipments: [shipment], inventory: [anInventory({ shipped: 10 })] };
  }
  const approval: RawItem = {
    licenseId: 'LIC-8',
    entryId: 'e1',
    eventType: 'LICENSE_APPROVED',
    status: 'APPROVED',
  };
  const amendment = (changes: string): RawItem => ({
    licenseId: 'LIC-8',
    entryId: 'e2',
    eventType: 'LICENSE_AMENDED',
    status: 'APPROVED',
    changes,
  });

  it('is a violation, not a finding, when no History entry lowered that limit', () => {
    const { violations, shippedOverLimit } = checkInvariants(store(), { entries: [approval] });
    expect(violations).toContainEqual(
      expect.objectContaining({ invariant: 'I2', key: { licenseId: 'LIC-8' } }),
    );
    expect(shippedOverLimit).toEqual([]);
  });

  it('is a violation when History shows the limit raised, or another term lowered', () => {
    for (const changes of [
      'authorizedQuantity 5 → 8',
      'authorizedValue 900 → 800',
      'terms recorded: authorizedQuantity (none) → 8',
    ])
      expect(checkInvariants(store(), { entries: [approval, amendment(changes)] }).violations).toContainEqual(
        expect.objectContaining({ invariant: 'I2', key: { licenseId: 'LIC-8' } }),
      );
  });

  it('is a finding, not a violation, when an amendment lowered that limit', () => {
    const entries = [approval, amendment('authorizedQuantity 12 → 8, validUntil a → b')];
    expect(checkInvariants(store(), { entries })).toMatchObject({
      violations: [],
      shippedOverLimit: [{ licenseId: 'LIC-8', limit: 'quantity', shipped: 10, authorized: 8 }],
    });
  });

  it('reads the value limit lowered from authorizedValue or valueTolerancePercent going down, or a value limit added', () => {
    const lowered = (changes: string) =>
      loweredLimits([amendment(changes)]).get('LIC-8') ?? new Set<string>();
    expect([...lowered('authorizedValue 1000 → 900')]).toEqual(['value']);
    expect([...lowered('valueTolerancePercent 10 → 5')]).toEqual(['value']);
    expect([...lowered('authorizedValue (none) → 900')]).toEqual(['value']);
    expect([...lowered('authorizedValue 900 → (none)')]).toEqual([]);
  });
});

describe('I2: releasedQuantity of a license left with a rejected status typo', () => {
  function store() {
    const license: RawItem = {
      ...aLicense({
        licenseId: 'LIC-TYPO',
        authorizedQuantity: 100,
        // The shipments draw 10; the counter says 55.
        releasedQuantity: 55,
        appliedStatus: 'EXPIRED',
      }),
      status: 'expired',
      statusError: 'status "expired" is not a license status',
    };
    const shipment: RawItem = {
      ...aShipment({ shipmentId: 'S-SHIPPED', licenseId: 'LIC-TYPO', status: 'SHIPPED', quantity: 10 }),
      countedStatus: 'SHIPPED',
      revision: 3,
    };
    return {
      licenses: [license],
      shipments: [shipment],
      inventory: [anInventory({ shipped: 10 })],
      history: [],
    };
  }

  it('is checked by checkInvariants', () => {
    expect(checkInvariants(store()).violations).toContainEqual(
      expect.objectContaining({ invariant: 'I2', key: { licenseId: 'LIC-TYPO' } }),
    );
  });

  it('is checked by the chaos suite', () => {
    expect(checkI1toI3(store()).problems).toContainEqual(expect.stringMatching(/I2.*LIC-TYPO/));
  });

  it('judges its limits by the terms the system applied, not a value typed into the item', () => {
    const s = store();
    const applied = {
      customerId: 'CUST-ACME',
      sku: 'H20',
      destinationCountry: 'AE',
      validFrom: '2020-01-01T00:00:00.000Z',
      validUntil: '2099-12-31T23:59:59.999Z',
      authorizedQuantity: 8,
    };
    // An invalid amendment held back by the rejected status: not a limit in force.
    s.licenses[0] = { ...s.licenses[0], releasedQuantity: 10, authorizedQuantity: -5 };
    expect(checkInvariants(s).violations).toEqual([]);
    s.licenses[0] = { ...s.licenses[0], appliedTerms: applied };
    // 10 shipped over 8, and History (none here) never lowered it.
    expect(checkInvariants(s, { entries: [] }).violations).toEqual([
      expect.objectContaining({
        invariant: 'I2',
        message: expect.stringMatching(/exceeds authorizedQuantity 8/),
      }),
    ]);
  });

  it('holds when the counter is what its shipments draw', () => {
    const s = store();
    s.licenses[0] = { ...s.licenses[0], releasedQuantity: 10 };
    expect(checkInvariants(s).violations).toEqual([]);
  });
});
