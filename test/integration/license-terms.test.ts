/**
 * A license's terms on the local stack, through the real handlers: value
 * limits with and without tolerance, and amendments an admin makes in the
 * console (raised and lowered limits, a moved validity window, identity and
 * invalid edits rejected and written back).
 */

import { beforeAll, describe, expect, it } from 'vitest';
import type { License, Shipment } from '../../shared/domain/model.js';
import { adminConsole } from '../helpers/admin-console.js';
import { opsInbox } from '../helpers/ops-inbox.js';
import {
  expectCounters,
  fromNow,
  givenLicense,
  holdReasons,
  idsWith,
  settledLicense,
  shipmentsOf,
} from '../helpers/release-kit.js';
import { useLocalStack } from '../helpers/stack.js';

const local = useLocalStack();
const s = adminConsole(local);
const ops = opsInbox(local);

beforeAll(async () => {
  await ops.open();
});

/** A PENDING license with `backlog` written as HELD shipments in hold order (priority 1, 2, ...) and accepted. */
async function withBacklog(license: Partial<License>, backlog: readonly Partial<Shipment>[]) {
  const lut = await givenLicense(s, license);
  const shipments = backlog.map((o, i) => lut.shipment({ priority: i + 1, ...o }));
  await s.putShipments(shipments);
  await local.drain();
  return { lut, id: lut.license.licenseId, ids: shipments.map((x) => x.shipmentId) };
}

/** The admin edits one attribute of the license in the console; the stack works it through. */
async function edit(licenseId: string, attribute: string, value: unknown) {
  await s.edit('licenses', { licenseId }, attribute, value);
  await local.drain();
  return settledLicense(s, licenseId);
}

const approve = (licenseId: string) => edit(licenseId, 'status', 'APPROVED');

async function released(licenseId: string) {
  return idsWith(await shipmentsOf(s, licenseId), 'RELEASED');
}

async function reasons(licenseId: string) {
  return holdReasons(await shipmentsOf(s, licenseId));
}

describe('value limit', () => {
  it('releases first-fit on value without tolerance: the one that would break the limit stays LICENSE_VALUE_EXHAUSTED', async () => {
    const { id, ids } = await withBacklog({ authorizedValue: 100_000 }, [
      { value: 60_000 },
      { value: 50_000 },
      { value: 30_000 },
      { value: 10_000 },
    ]);
    expect(await approve(id)).toMatchObject({ releasedQuantity: 30, releasedValue: 100_000 });
    expect(await released(id)).toEqual([ids[0], ids[2], ids[3]].sort());
    expect(await reasons(id)).toEqual({ [String(ids[1])]: 'LICENSE_VALUE_EXHAUSTED' });
    await s.expectInvariants();
  });

  it('uses the tolerance on value (floor of limit × (100 + tol) / 100) and none on quantity', async () => {
    const { id, ids } = await withBacklog(
      { authorizedQuantity: 40, authorizedValue: 100_001, valueTolerancePercent: 10 },
      // The fourth fits the units but is one dollar over the floor of 110,001.1; the fifth fits the value, not the units.
      [
        { value: 60_000 },
        { value: 50_000 },
        { value: 1 },
        { value: 1, quantity: 1 },
        { value: 0, quantity: 20 },
      ],
    );
    expect(await approve(id)).toMatchObject({ releasedQuantity: 30, releasedValue: 110_001 });
    expect(await released(id)).toEqual(ids.slice(0, 3).sort());
    expect(await reasons(id)).toEqual({
      [String(ids[3])]: 'LICENSE_VALUE_EXHAUSTED',
      [String(ids[4])]: 'LICENSE_QUANTITY_EXHAUSTED',
    });
    await s.expectInvariants();
  });

  it('keeps a shipment without value HELD as SHIPMENT_VALUE_MISSING, and releases it once the value is entered', async () => {
    const { id, ids } = await withBacklog({ authorizedValue: 100_000 }, [{}, { value: 5_000 }]);
    await approve(id);
    expect(await reasons(id)).toEqual({ [String(ids[0])]: 'SHIPMENT_VALUE_MISSING' });
    await s.edit('shipments', { shipmentId: ids[0] }, 'value', 7_000);
    await local.drain();
    expect(await released(id)).toEqual([...ids].sort());
    expect(await settledLicense(s, id)).toMatchObject({ releasedValue: 12_000 });
    await s.expectInvariants();
  });

  it('sums value under a quantity-only license, for reporting', async () => {
    const { id } = await withBacklog({}, [{ value: 120_000 }, {}, { value: 5 }]);
    expect(await approve(id)).toMatchObject({ releasedQuantity: 30, releasedValue: 120_005 });
    await s.expectInvariants();
  });

  it('frees the value of a cancelled released shipment, and the next in line uses it', async () => {
    const { id, ids } = await withBacklog({ authorizedValue: 50_000 }, [
      { value: 30_000 },
      { value: 40_000 },
    ]);
    await approve(id);
    expect(await reasons(id)).toEqual({ [String(ids[1])]: 'LICENSE_VALUE_EXHAUSTED' });
    await s.setShipmentStatus(String(ids[0]), 'CANCELLED');
    await local.drain();
    expect(await released(id)).toEqual([ids[1]]);
    expect(await settledLicense(s, id)).toMatchObject({ releasedQuantity: 10, releasedValue: 40_000 });
    await s.expectInvariants();
  });

  it('returns value with units on suspension, in the same writes', async () => {
    const { lut, id } = await withBacklog({ authorizedValue: 50_000 }, [
      { value: 20_000 },
      { value: 20_000 },
    ]);
    await approve(id);
    expect(await edit(id, 'status', 'SUSPENDED')).toMatchObject({ releasedQuantity: 0, releasedValue: 0 });
    expect(Object.values(await reasons(id))).toEqual(['LICENSE_SUSPENDED', 'LICENSE_SUSPENDED']);
    await expectCounters(s, lut.license.sku, 'WH-1', { held: 20, released: 0 });
    await s.expectInvariants();
  });
});

describe('amendment', () => {
  it('releases more in hold order when authorizedQuantity is raised', async () => {
    const { id, ids } = await withBacklog({ authorizedQuantity: 30 }, [{}, {}, {}, {}, {}]);
    await approve(id);
    expect(await released(id)).toEqual(ids.slice(0, 3).sort());
    expect(await edit(id, 'authorizedQuantity', 50)).toMatchObject({
      releasedQuantity: 50,
      appliedTerms: expect.objectContaining({ authorizedQuantity: 50 }),
    });
    expect(await released(id)).toEqual([...ids].sort());
    await s.expectInvariants();
  });

  it('re-holds the last in hold order first when a limit is lowered below what is released', async () => {
    const { lut, id, ids } = await withBacklog({ authorizedQuantity: 30, authorizedValue: 90_000 }, [
      { value: 30_000 },
      { value: 30_000 },
      { value: 30_000 },
    ]);
    await approve(id);
    expect(await edit(id, 'authorizedQuantity', 25)).toMatchObject({ releasedQuantity: 20 });
    expect(await reasons(id)).toEqual({ [String(ids[2])]: 'LICENSE_QUANTITY_EXHAUSTED' });
    expect(await edit(id, 'authorizedValue', 45_000)).toMatchObject({
      releasedQuantity: 10,
      releasedValue: 30_000,
    });
    expect(await released(id)).toEqual([ids[0]]);
    expect(await reasons(id)).toEqual({
      [String(ids[1])]: 'LICENSE_VALUE_EXHAUSTED',
      [String(ids[2])]: 'LICENSE_VALUE_EXHAUSTED',
    });
    await expectCounters(s, lut.license.sku, 'WH-1', { held: 20, released: 10 });
    await s.expectInvariants();
  });

  it('alerts ops at high severity when shipped goods alone exceed a lowered limit; reconcile sees a finding, not an I2 violation', async () => {
    const { id, ids } = await withBacklog({ authorizedQuantity: 30 }, [{}, {}, {}]);
    await approve(id);
    for (const shipped of ids.slice(0, 2)) await s.setShipmentStatus(String(shipped), 'SHIPPED');
    await local.drain();

    expect(await edit(id, 'authorizedQuantity', 15)).toMatchObject({ releasedQuantity: 20 });
    expect(await released(id)).toEqual([]);
    const alerts = (await ops.about(id)).filter((a) => a.attributes.severity === 'high');
    expect(alerts.map((a) => a.subject)).toEqual([
      `HIGH SEVERITY: License ${id}: shipped goods exceed its amended limit`,
    ]);
    expect(alerts[0]?.body).toContain('20 units shipped against 15 authorized');
    const { scanAndCheck } = await import('../../shared/engine/invariant-checker.js');
    const check = await scanAndCheck(s.repos());
    expect(check.violations).toEqual([]);
    expect(check.shippedOverLimit).toContainEqual({
      licenseId: id,
      limit: 'quantity',
      shipped: 20,
      authorized: 15,
    });
  });

  it('re-holds as LICENSE_NOT_YET_VALID when validFrom moves later, and releases again when it moves earlier', async () => {
    const { id, ids } = await withBacklog({}, [{}, {}]);
    await approve(id);
    const later = fromNow(24 * 3600_000);
    expect(await edit(id, 'validFrom', later)).toMatchObject({
      releasedQuantity: 0,
      waitingForValidFrom: later,
    });
    expect(new Set(Object.values(await reasons(id)))).toEqual(new Set(['LICENSE_NOT_YET_VALID']));
    await s.expectInvariants();

    const settled = await edit(id, 'validFrom', '2020-01-01T00:00:00.000Z');
    expect(settled).toMatchObject({ releasedQuantity: 20 });
    expect(settled.waitingForValidFrom).toBeUndefined();
    expect(await released(id)).toEqual([...ids].sort());
    await s.expectInvariants();
  });

  it('expires the license through the normal path when validUntil is amended into the past', async () => {
    const { id } = await withBacklog({}, [{}, {}]);
    await approve(id);
    expect(await edit(id, 'validUntil', fromNow(-60_000))).toMatchObject({
      status: 'EXPIRED',
      appliedStatus: 'EXPIRED',
      releasedQuantity: 0,
    });
    expect(Object.values(await reasons(id))).toEqual(['LICENSE_EXPIRED', 'LICENSE_EXPIRED']);
    await s.expectInvariants();
  });

  it('rejects an identity edit of an applied license, writes it back and alerts, with the field and the fix named', async () => {
    const { id, lut } = await withBacklog({}, [{}, {}]);
    await approve(id);
    const after = await edit(id, 'customerId', 'CUST-SOMEONE-ELSE');
    expect(after).toMatchObject({
      customerId: lut.license.customerId,
      statusError: expect.stringContaining('customerId of an applied license cannot change'),
    });
    expect(String(after.statusError)).toContain('create it and revoke this one');
    expect(await released(id)).toHaveLength(2);
    const alerts = await ops.about(id);
    expect(alerts.map((a) => a.subject)).toContain(`License ${id}: edit of customerId rejected`);
    await s.expectInvariants();
  });

  it.each([
    ['authorizedQuantity', 12.5, 'authorizedQuantity must be a whole number'],
    ['authorizedValue', -1, 'authorizedValue must be greater than 0'],
    ['valueTolerancePercent', 30, 'valueTolerancePercent must be at most 25'],
  ])(
    'rejects an amendment of %s to %j, writes the applied value back and names the field',
    async (field, value, reason) => {
      const { id } = await withBacklog({ authorizedValue: 100_000, valueTolerancePercent: 5 }, [
        { value: 1_000 },
      ]);
      const before = (await approve(id))[field];
      const after = await edit(id, field, value);
      expect(after[field]).toEqual(before);
      expect(after.statusError).toEqual(expect.stringContaining(reason));
      expect(after.statusError).toEqual(expect.stringContaining(`${field} was set back to`));
      expect(await released(id)).toHaveLength(1);
      await s.expectInvariants();
    },
  );
});
