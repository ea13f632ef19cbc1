/**
 * Approval on the local stack, end to end through both real handlers:
 * first-fit in hold order, mismatches, and shipments arriving under an
 * already APPROVED license.
 */
import { describe, expect, it } from 'vitest';
import type { Shipment } from '../../shared/domain/model.js';
import { adminConsole } from '../helpers/admin-console.js';
import { aLicense, aShipmentFor, nextId } from '../helpers/factories.js';
import {
  expectCounters,
  givenLicense,
  holdReasons,
  idsWith,
  invocationsOf,
  settledLicense,
  shipmentsOf,
  stock,
} from '../helpers/release-kit.js';
import { useLocalStack } from '../helpers/stack.js';

const local = useLocalStack();
const s = adminConsole(local);

async function approve(licenseId: string) {
  await s.setLicenseStatus(licenseId, 'APPROVED');
  await local.drain();
  const l = await settledLicense(s, licenseId);
  expect(l.appliedStatus).toBe('APPROVED');
  return l;
}

describe('approval', () => {
  it('releases a backlog three times the licensed quantity first-fit in hold order (priority, requestedAt, shipmentId)', async () => {
    const { license, shipment } = await givenLicense(s, { authorizedQuantity: 100 });
    const at = (minute: number) => `2026-03-01T10:${String(minute).padStart(2, '0')}:00.000Z`;
    const id = (letter: string) => `${license.licenseId}-${letter}`;
    // In hold order; 300 units in all. `go` marks the first-fit outcome with 100 units.
    const backlog: (Partial<Shipment> & { go: boolean })[] = [
      { shipmentId: id('A'), priority: 1, requestedAt: at(1), quantity: 30, warehouseId: 'WH-1', go: true }, // 70 left
      { shipmentId: id('B'), priority: 1, requestedAt: at(2), quantity: 50, warehouseId: 'WH-2', go: true }, // 20 left
      { shipmentId: id('C'), priority: 1, requestedAt: at(3), quantity: 40, warehouseId: 'WH-1', go: false }, // too big
      { shipmentId: id('D'), priority: 2, requestedAt: at(0), quantity: 15, warehouseId: 'WH-2', go: true }, // 5 left
      { shipmentId: id('E'), priority: 2, requestedAt: at(1), quantity: 10, warehouseId: 'WH-1', go: false },
      { shipmentId: id('F'), priority: 2, requestedAt: at(2), quantity: 5, warehouseId: 'WH-1', go: true }, // 0 left
      { shipmentId: id('G'), priority: 2, requestedAt: at(2), quantity: 5, warehouseId: 'WH-2', go: false }, // tie: id
      { shipmentId: id('H'), priority: 3, requestedAt: at(0), quantity: 60, warehouseId: 'WH-1', go: false },
      { shipmentId: id('I'), priority: 3, requestedAt: at(5), quantity: 45, warehouseId: 'WH-2', go: false },
      { shipmentId: id('J'), priority: 4, requestedAt: at(0), quantity: 40, warehouseId: 'WH-1', go: false },
    ];
    expect(backlog.reduce((n, x) => n + (x.quantity ?? 0), 0)).toBe(3 * license.authorizedQuantity);
    // Written in reverse so that nothing depends on write order.
    await s.putShipments([...backlog].reverse().map(({ go: _go, ...o }) => shipment(o)));
    await local.drain();

    const l = await approve(license.licenseId);
    expect(l.releasedQuantity).toBe(100);

    const after = await shipmentsOf(s, license.licenseId);
    const released = backlog.filter((x) => x.go).map((x) => String(x.shipmentId));
    expect(idsWith(after, 'RELEASED')).toEqual(released);
    expect(holdReasons(after)).toEqual(
      Object.fromEntries(
        backlog.filter((x) => !x.go).map((x) => [x.shipmentId, 'LICENSE_QUANTITY_EXHAUSTED']),
      ),
    );
    for (const x of released) expect(after.get(x)?.releasedAt).toEqual(expect.any(String));
    await expectCounters(s, license.sku, 'WH-1', { released: 30 + 5, held: 40 + 10 + 60 + 40 });
    await expectCounters(s, license.sku, 'WH-2', { released: 50 + 15, held: 5 + 45 });
    await s.expectInvariants();
  });

  it('treats a license inserted as APPROVED as an approval of the shipments already held for it', async () => {
    const license = aLicense({ licenseId: nextId('LIC'), sku: nextId('SKU'), authorizedQuantity: 25 });
    await stock(s, license.sku, ['WH-1']);
    const backlog = [
      aShipmentFor(license, { quantity: 20, priority: 1, warehouseId: 'WH-1' }),
      aShipmentFor(license, { quantity: 10, priority: 2, warehouseId: 'WH-1' }),
    ];
    await s.putShipments(backlog);
    await local.drain();
    const [fits = '', tooBig = ''] = backlog.map((x) => x.shipmentId);
    expect(await s.shipment(fits)).toMatchObject({ countedStatus: 'HELD', holdReason: 'LICENSE_PENDING' });

    expect(license.status).toBe('APPROVED');
    await s.putLicense(license);
    await local.drain();

    expect(await settledLicense(s, license.licenseId)).toMatchObject({
      appliedStatus: 'APPROVED',
      releasedQuantity: 20,
    });
    const after = await shipmentsOf(s, license.licenseId);
    expect(idsWith(after, 'RELEASED')).toEqual([fits]);
    expect(holdReasons(after)).toEqual({ [tooBig]: 'LICENSE_QUANTITY_EXHAUSTED' });
    await expectCounters(s, license.sku, 'WH-1', { held: 10, released: 20 });
    await s.expectInvariants();
  });

  it('keeps a shipment for another customer or sku HELD as LICENSE_MISMATCH and releases nothing for it', async () => {
    const lut = await givenLicense(s, { authorizedQuantity: 100 });
    const otherSku = await givenLicense(s, { customerId: lut.license.customerId });
    const { shipment } = lut;
    // The mismatches come first in hold order; the matching one needs all 100 units.
    const otherCustomer = shipment({ priority: 0, quantity: 10, customerId: 'CUST-OTHER' });
    const wrongSku = shipment({ priority: 0, quantity: 10, sku: otherSku.license.sku });
    const matching = shipment({ priority: 1, quantity: 100 });
    await s.putShipments([otherCustomer, wrongSku, matching]);
    await local.drain();

    const l = await approve(lut.license.licenseId);
    expect(l.releasedQuantity).toBe(100);
    const after = await shipmentsOf(s, lut.license.licenseId);
    expect(idsWith(after, 'RELEASED')).toEqual([matching.shipmentId]);
    expect(holdReasons(after)).toEqual({
      [otherCustomer.shipmentId]: 'LICENSE_MISMATCH',
      [wrongSku.shipmentId]: 'LICENSE_MISMATCH',
    });
    await expectCounters(s, lut.license.sku, 'WH-1', { held: 10, released: 100 });
    await expectCounters(s, otherSku.license.sku, 'WH-1', { held: 10, released: 0 });
    await s.expectInvariants();
  });

  it('releases a new HELD shipment under an already APPROVED license promptly, through a release request', async () => {
    const { license, shipment } = await givenLicense(s, { authorizedQuantity: 50 });
    const first = shipment({ quantity: 20 });
    await s.putShipments([first]);
    await local.drain();
    await approve(license.licenseId);
    expect(await s.shipment(first.shipmentId)).toMatchObject({ status: 'RELEASED' });

    const licenseInvocations = () => invocationsOf(local, 'license-events');
    const invocationsBefore = licenseInvocations();
    const started = Date.now();
    const late = shipment({ quantity: 20, warehouseId: 'WH-2' });
    await s.putShipment(late);
    await local.drain();
    const elapsed = Date.now() - started;

    expect(await s.shipment(late.shipmentId)).toMatchObject({
      status: 'RELEASED',
      countedStatus: 'RELEASED',
    });
    expect(elapsed, 'one drain of the two streams, not a clock tick').toBeLessThan(10_000);
    expect(licenseInvocations(), 'license-events ran for the release request').toBeGreaterThan(
      invocationsBefore,
    );
    expect(await settledLicense(s, license.licenseId)).toMatchObject({ releasedQuantity: 40 });
    await expectCounters(s, license.sku, 'WH-1', { held: 0, released: 20 });
    await expectCounters(s, license.sku, 'WH-2', { held: 0, released: 20 });

    // A further one that does not fit stays HELD as LICENSE_QUANTITY_EXHAUSTED.
    const tooBig = shipment({ quantity: 11 });
    await s.putShipment(tooBig);
    await local.drain();
    expect(await s.shipment(tooBig.shipmentId)).toMatchObject({
      status: 'HELD',
      holdReason: 'LICENSE_QUANTITY_EXHAUSTED',
    });
    expect(await settledLicense(s, license.licenseId)).toMatchObject({ releasedQuantity: 40 });
    await s.expectInvariants();
  });
});
