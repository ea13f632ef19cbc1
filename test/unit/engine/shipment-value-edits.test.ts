/**
 * Console edits of a shipment's `value` and `priority` that a write of the
 * system to the same shipment follows in the batch (a release or relabel
 * read the shipment before the edit and committed after it, keeping the
 * edited field): a value set on a HELD shipment still has its APPROVED
 * license look again, and a field edited out of the contract is still set
 * back, to what it was before the batch (docs/data-contract.md, "Shipments").
 */
import { describe, expect, it } from 'vitest';
import {
  amend,
  apply,
  expectInvariants,
  givenLicense,
  setStatus,
  settleShipments,
} from '../../helpers/fakes/engine-kit.js';
import { memoryWorld } from '../../helpers/fakes/world.js';

describe('a value set while the shipment is HELD', () => {
  it('releases a shipment whose value was set while the approval pass relabelled it SHIPMENT_VALUE_MISSING', async () => {
    const w = memoryWorld();
    const lut = givenLicense(w, { authorizedQuantity: 100, authorizedValue: 10_000 });
    const s = lut.shipment({ quantity: 30, priority: 1 });
    w.console.put('shipments', s);
    await settleShipments(w);
    expect(w.shipment(s.shipmentId).holdReason).toBe('LICENSE_PENDING');

    // The pass reads the shipment without value; the admin sets one before the relabel commits.
    w.console.edit('licenses', lut.licenseId, 'status', 'APPROVED');
    w.faults.beforeNext('shipments.commit', () => w.console.edit('shipments', s.shipmentId, 'value', 500));
    await apply(w, lut.licenseId);
    expect(w.shipment(s.shipmentId)).toMatchObject({ holdReason: 'SHIPMENT_VALUE_MISSING', value: 500 });

    await settleShipments(w);
    expect(w.license(lut.licenseId).pendingWork, 'the license is asked to look again').toEqual(
      expect.any(String),
    );
    await apply(w, lut.licenseId);
    await settleShipments(w);
    expect(w.shipment(s.shipmentId)).toMatchObject({ status: 'RELEASED', countedValue: 500 });
    expect(w.license(lut.licenseId)).toMatchObject({ releasedQuantity: 30, releasedValue: 500 });
    expectInvariants(w);
  });
});

describe('a field edited out of the contract while a pass writes the shipment', () => {
  it('sets a priority edited while the approval pass released the shipment back, so the suspension re-holds it', async () => {
    const w = memoryWorld();
    const lut = givenLicense(w, { authorizedQuantity: 100 });
    const s = lut.shipment({ quantity: 30, priority: 1 });
    w.console.put('shipments', s);
    await settleShipments(w);
    // The pass reads the shipment; the admin types a bad priority before the release commits, which keeps it.
    w.console.edit('licenses', lut.licenseId, 'status', 'APPROVED');
    w.faults.beforeNext('shipments.commit', () => w.console.edit('shipments', s.shipmentId, 'priority', 'x'));
    await apply(w, lut.licenseId);
    expect(w.shipment(s.shipmentId)).toMatchObject({ status: 'RELEASED', priority: 'x' });

    await settleShipments(w);
    expect(w.shipment(s.shipmentId)).toMatchObject({
      priority: 1,
      statusError: expect.stringContaining('priority set back to 1'),
    });
    expect(w.alerter.about(s.shipmentId).map((a) => a.subject)).toEqual([
      `Shipment ${s.shipmentId}: edit of priority rejected`,
    ]);
    await setStatus(w, lut.licenseId, 'SUSPENDED');
    await settleShipments(w);
    expect(w.shipment(s.shipmentId)).toMatchObject({ status: 'HELD', holdReason: 'LICENSE_SUSPENDED' });
    expectInvariants(w);
  });

  it('sets a value edited while a pass relabelled the shipment back, so the license still releases it', async () => {
    const w = memoryWorld();
    const lut = givenLicense(w, {
      authorizedQuantity: 100,
      authorizedValue: 10_000,
      validFrom: '2998-01-01T00:00:00.000Z',
      validUntil: '2999-01-01T00:00:00.000Z',
    });
    const s = lut.shipment({ quantity: 30, priority: 1, value: 500 });
    w.console.put('shipments', s);
    await settleShipments(w);
    // Approved before validFrom, the pass relabels the shipment; the admin types a bad value before it commits.
    w.console.edit('licenses', lut.licenseId, 'status', 'APPROVED');
    w.faults.beforeNext('shipments.commit', () => w.console.edit('shipments', s.shipmentId, 'value', -1));
    await apply(w, lut.licenseId);
    expect(w.shipment(s.shipmentId)).toMatchObject({ holdReason: 'LICENSE_NOT_YET_VALID', value: -1 });

    await settleShipments(w);
    expect(w.shipment(s.shipmentId)).toMatchObject({
      value: 500,
      statusError: expect.stringContaining('value set back to 500'),
    });
    await amend(w, lut, 'validFrom', '2026-01-01T00:00:00.000Z');
    await settleShipments(w);
    expect(w.shipment(s.shipmentId)).toMatchObject({ status: 'RELEASED', countedValue: 500 });
    expectInvariants(w);
  });
});

describe('a status edit landing between a rejected edit and its write-back', () => {
  it('is judged, not swallowed by the write-back: SHIPPED typed while a value edit of a RELEASED shipment is set back', async () => {
    const w = memoryWorld();
    const lut = givenLicense(w, { authorizedQuantity: 100, authorizedValue: 10_000 });
    const s = lut.shipment({ quantity: 30, priority: 1, value: 500 });
    w.console.put('shipments', s);
    await settleShipments(w);
    await setStatus(w, lut.licenseId, 'APPROVED');
    await settleShipments(w);
    expect(w.shipment(s.shipmentId)).toMatchObject({ status: 'RELEASED', countedValue: 500 });

    // A value edit, rejected while RELEASED; the shipment is shipped before its write-back commits,
    // so the write-back's own stream record (never judged) carries status SHIPPED.
    w.console.edit('shipments', s.shipmentId, 'value', 3440);
    w.faults.beforeNext('shipments.update', () =>
      w.console.edit('shipments', s.shipmentId, 'status', 'SHIPPED'),
    );
    await settleShipments(w);
    const after = w.shipment(s.shipmentId);
    expect(after.status, 'the SHIPPED edit is applied or answered, never left pending').toBe(
      after.countedStatus,
    );
    expect(after).toMatchObject({ value: 500 });
    expectInvariants(w);
  });
});
