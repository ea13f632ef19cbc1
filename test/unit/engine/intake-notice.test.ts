/**
 * What a customer and a warehouse are told about a new shipment under a
 * license that is already APPROVED (docs/messages.md "Digests";
 * data-contract.md "Rules"): the intake holds one that fits as
 * LICENSE_PENDING and asks for a release pass, whose digest tells it.
 */
import { describe, expect, it } from 'vitest';
import {
  givenLicense,
  type LicenseUnderTest,
  setStatus,
  settleSystem,
  shipmentEvents,
} from '../../helpers/fakes/engine-kit.js';
import { type MemoryWorld, memoryWorld } from '../../helpers/fakes/world.js';

const digestTypes = (w: MemoryWorld, topic: string) =>
  w.publisher.published
    .filter((m) => m.topic === topic && m.attributes.kind === 'digest')
    .map((m) => m.attributes.eventType);

async function approved(w: MemoryWorld): Promise<LicenseUnderTest> {
  const lut = givenLicense(w, { authorizedQuantity: 100 });
  await setStatus(w, lut.licenseId, 'APPROVED');
  await settleSystem(w, lut.licenseId);
  w.publisher.published.length = 0;
  return lut;
}

describe('a new shipment that fits an APPROVED license', () => {
  it('sends no "placed on hold" digest, only the release\'s, and still the per-shipment message of its HELD revision', async () => {
    const w = memoryWorld();
    const lut = await approved(w);
    const s = lut.shipment({ quantity: 10 });
    w.console.put('shipments', s);
    // As deployed: shipment-events takes it in and asks for a release; license-events releases it and
    // sends the pass's digest when the pass ends; shipment-events then sees the HELD r1 record (with r2).
    await settleSystem(w, lut.licenseId);
    expect(w.shipment(s.shipmentId).status).toBe('RELEASED');

    for (const topic of ['customer', 'logistics'])
      expect(digestTypes(w, topic)).toEqual(['SHIPMENT_RELEASED']);
    const perShipment = w.publisher.published.filter(
      (m) => m.topic === 'customer' && m.attributes.kind === 'shipment',
    );
    expect(perShipment.map((m) => m.attributes.dedupKey)).toEqual([
      `${s.shipmentId}#r1`,
      `${s.shipmentId}#r2`,
    ]);
    expect(JSON.parse(perShipment[0]?.body ?? '{}')).toMatchObject({
      eventType: 'SHIPMENT_HELD',
      holdReason: 'LICENSE_PENDING',
      revision: 1,
    });
  });

  it('sends no "placed on hold" digest when shipment-events sees the HELD record before the release pass ran', async () => {
    const w = memoryWorld();
    const lut = await approved(w);
    const s = lut.shipment({ quantity: 10 });
    w.console.put('shipments', s);
    await shipmentEvents(w); // the intake: r1, and a release request
    await shipmentEvents(w); // r1's record, the license still APPROVED, its pass not run yet
    expect(w.shipment(s.shipmentId).status).toBe('HELD');
    expect(w.publisher.published.filter((m) => m.attributes.dedupKey === `${s.shipmentId}#r1`)).toHaveLength(
      2,
    );
    expect(digestTypes(w, 'customer')).toEqual([]);
    expect(digestTypes(w, 'logistics')).toEqual([]);

    await settleSystem(w, lut.licenseId);
    expect(w.shipment(s.shipmentId).status).toBe('RELEASED');
    expect(digestTypes(w, 'customer')).toEqual(['SHIPMENT_RELEASED']);
  });
});

describe('a new shipment under a license not yet approved', () => {
  it('tells the customer it was placed on hold because the export license is still pending', async () => {
    const w = memoryWorld();
    const lut = givenLicense(w, { authorizedQuantity: 100 });
    const s = lut.shipment({ quantity: 10 });
    w.console.put('shipments', s);
    await shipmentEvents(w);
    await shipmentEvents(w);
    const held = w.publisher.published.filter(
      (m) =>
        m.topic === 'customer' &&
        m.attributes.kind === 'digest' &&
        m.attributes.eventType === 'SHIPMENT_HELD',
    );
    expect(held).toHaveLength(1);
    expect(held[0]?.body).toContain(
      `${s.shipmentId}: 10 × ${s.sku} from warehouse WH-1 (the export license is still pending)`,
    );
  });
});
