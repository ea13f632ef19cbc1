/**
 * Console edits of shipments on the local stack: the legal ones move the
 * counters (and the license) exactly; the illegal HELD → SHIPPED is undone
 * and reported loudly, and a field edited again after a rejected edit is
 * set back again.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Shipment } from '../../shared/domain/model.js';
import { adminConsole } from '../helpers/admin-console.js';
import { opsInbox } from '../helpers/ops-inbox.js';
import {
  expectCounters,
  givenLicense,
  type LicenseUnderTest,
  ON_HAND,
  settledLicense,
  snapshot,
} from '../helpers/release-kit.js';
import { useLocalStack } from '../helpers/stack.js';

const local = useLocalStack();
const s = adminConsole(local);
const ops = opsInbox(local);

beforeAll(async () => {
  await ops.open();
});

/** A license with `shipments` accepted, then approved (unless `approve` is false). */
async function licensed(
  authorizedQuantity: number,
  shipments: (lut: LicenseUnderTest) => Shipment[],
  approve = true,
): Promise<LicenseUnderTest & { ids: string[] }> {
  const lut = await givenLicense(s, { authorizedQuantity });
  const list = shipments(lut);
  await s.putShipments(list);
  await local.drain();
  if (approve) {
    await s.setLicenseStatus(lut.license.licenseId, 'APPROVED');
    await local.drain();
  }
  return { ...lut, ids: list.map((x) => x.shipmentId) };
}

async function consoleEdit(shipmentId: string, status: string) {
  await s.setShipmentStatus(shipmentId, status);
  await local.drain();
  return s.shipment(shipmentId);
}

describe('legal console edits', () => {
  it('moves a RELEASED → SHIPPED shipment from released to shipped and off onHand; releasedQuantity unchanged', async () => {
    const { license, ids } = await licensed(100, (l) => [
      l.shipment({ quantity: 30 }),
      l.shipment({ quantity: 20, warehouseId: 'WH-2' }),
    ]);
    const [shipped = ''] = ids;
    expect(await s.shipment(shipped)).toMatchObject({ status: 'RELEASED' });

    const after = await consoleEdit(shipped, 'SHIPPED');
    expect(after).toMatchObject({ status: 'SHIPPED', countedStatus: 'SHIPPED' });
    expect(after.statusError).toBeUndefined();
    await expectCounters(s, license.sku, 'WH-1', { held: 0, released: 0, shipped: 30, onHand: ON_HAND - 30 });
    await expectCounters(s, license.sku, 'WH-2', { held: 0, released: 20 });
    expect(await settledLicense(s, license.licenseId)).toMatchObject({ releasedQuantity: 50 });
    await s.expectInvariants();
  });

  it('takes a HELD → CANCELLED shipment off the held counter and leaves the license alone', async () => {
    const { license, ids } = await licensed(
      100,
      (l) => [l.shipment({ quantity: 30 }), l.shipment({ quantity: 20 })],
      false,
    );
    const [cancelled = ''] = ids;
    const after = await consoleEdit(cancelled, 'CANCELLED');
    expect(after).toMatchObject({ status: 'CANCELLED', countedStatus: 'CANCELLED' });
    expect(after.heldLicenseId).toBeUndefined();
    await expectCounters(s, license.sku, 'WH-1', { held: 20, released: 0 });
    expect(await settledLicense(s, license.licenseId)).toMatchObject({
      appliedStatus: 'PENDING',
      releasedQuantity: 0,
    });
    await s.expectInvariants();
  });

  it('gives the units of a RELEASED → CANCELLED shipment back to the license, and a held one that now fits goes', async () => {
    // 50 units: A (30) goes, B (25) does not fit, C (20) goes.
    const { license, ids } = await licensed(50, (l) => [
      l.shipment({ priority: 1, quantity: 30 }),
      l.shipment({ priority: 2, quantity: 25, warehouseId: 'WH-2' }),
      l.shipment({ priority: 3, quantity: 20 }),
    ]);
    const [a = '', b = '', c = ''] = ids;
    expect(await s.shipment(b)).toMatchObject({ status: 'HELD', holdReason: 'LICENSE_QUANTITY_EXHAUSTED' });
    expect(await s.license(license.licenseId)).toMatchObject({ releasedQuantity: 50 });

    const after = await consoleEdit(a, 'CANCELLED');
    expect(after).toMatchObject({ status: 'CANCELLED', countedStatus: 'CANCELLED' });
    expect(await s.shipment(b)).toMatchObject({ status: 'RELEASED', countedStatus: 'RELEASED' });
    expect(await s.shipment(c)).toMatchObject({ status: 'RELEASED' });
    expect(await settledLicense(s, license.licenseId)).toMatchObject({ releasedQuantity: 25 + 20 });
    await expectCounters(s, license.sku, 'WH-1', { held: 0, released: 20 });
    await expectCounters(s, license.sku, 'WH-2', { held: 0, released: 25 });
    await s.expectInvariants();
  });
});

describe('illegal console edits', () => {
  it('rejects HELD → SHIPPED: status restored to HELD, statusError, a HIGH SEVERITY ops alert, counters unchanged', async () => {
    const { ids } = await licensed(100, (l) => [l.shipment({ quantity: 30 })], false);
    const [shipmentId = ''] = ids;
    const before = await snapshot(s);

    const after = await consoleEdit(shipmentId, 'SHIPPED');
    expect(after).toMatchObject({ status: 'HELD', countedStatus: 'HELD', holdReason: 'LICENSE_PENDING' });
    expect(after.statusError).toContain('Rejected status SHIPPED: HELD → SHIPPED is not allowed');
    expect(after.revision, 'a rejected edit is not a committed change').toBe(
      before.shipments.find((x) => x.shipmentId === shipmentId)?.revision,
    );

    const alerts = await ops.about(shipmentId);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.attributes.severity).toBe('high');
    expect(alerts[0]?.body).toContain('possible export violation');
    const current = await snapshot(s);
    expect(current.inventory).toEqual(before.inventory);
    expect(current.licenses).toEqual(before.licenses);
    await s.expectInvariants();
  });

  it('sets a quantity edited again after a rejected edit back each time, enters both, and releases what was counted', async () => {
    const { license, ids } = await licensed(100, (l) => [l.shipment({ quantity: 30 })], false);
    const [shipmentId = ''] = ids;
    for (const quantity of [3, 50]) {
      await s.edit('shipments', { shipmentId }, 'quantity', quantity);
      await local.drain();
      expect(await s.shipment(shipmentId)).toMatchObject({
        quantity: 30,
        statusError: expect.stringContaining('Rejected edit of quantity'),
      });
    }
    const alerts = await ops.about(shipmentId, 2);
    expect(alerts.map((a) => a.body)).toEqual([
      expect.stringContaining('quantity 30 → 3'),
      expect.stringContaining('quantity 30 → 50'),
    ]);
    const rejected = (await s.history(license.licenseId)).filter(
      (e) => e.shipmentId === shipmentId && e.eventType === 'EDIT_REJECTED',
    );
    expect(rejected).toHaveLength(2);

    await s.setLicenseStatus(license.licenseId, 'APPROVED');
    await local.drain();
    expect(await s.shipment(shipmentId)).toMatchObject({ status: 'RELEASED', quantity: 30 });
    expect(await settledLicense(s, license.licenseId)).toMatchObject({ releasedQuantity: 30 });
    await expectCounters(s, license.sku, 'WH-1', { held: 0, released: 30 });
    await s.expectInvariants();
  });
});
