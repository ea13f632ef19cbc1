/**
 * processShipmentRecords' notifications (docs/data-contract.md, I4 and Notifications): one JSON
 * message per committed change to each audience, digests per (customer |
 * warehouse, license, event type), and failed sends mapped back to records.
 */
import { describe, expect, it } from 'vitest';
import { SHIPMENT_MESSAGE_SCHEMA } from '../../../shared/domain/notifications.js';
import { processShipmentRecords } from '../../../shared/engine/shipment-engine.js';
import { givenLicense, setStatus, shipmentEvents } from '../../helpers/fakes/engine-kit.js';
import { type MemoryWorld, memoryWorld } from '../../helpers/fakes/world.js';

/**
 * Two customers' licenses approved at once: A's three shipments (two at WH-1,
 * one at WH-2) and a too-big one that stays held, B's one at WH-1. Returns
 * the records of the releases and relabels, as one Shipments stream batch.
 */
async function approvals(w: MemoryWorld) {
  const a = givenLicense(w, { customerId: 'CUST-A', authorizedQuantity: 30 });
  const b = givenLicense(w, { customerId: 'CUST-B', sku: a.license.sku });
  const ids = {
    a1: a.shipment({ priority: 1 }),
    a2: a.shipment({ priority: 2 }),
    a3: a.shipment({ priority: 3, warehouseId: 'WH-2' }),
    aBig: a.shipment({ priority: 4, quantity: 500 }),
    b1: b.shipment(),
  };
  w.seed.accepted(Object.values(ids));
  await setStatus(w, a.licenseId, 'APPROVED');
  await setStatus(w, b.licenseId, 'APPROVED');
  const id = Object.fromEntries(Object.entries(ids).map(([k, s]) => [k, s.shipmentId])) as Record<
    keyof typeof ids,
    string
  >;
  return { a, b, id, records: w.shipmentRecords() };
}

describe('per-shipment messages', () => {
  it('sends one JSON message per committed change to the customer and to the logistics audience, keyed shipmentId#r<revision>', async () => {
    const w = memoryWorld();
    const lut = givenLicense(w);
    const [x, y] = [lut.shipment(), lut.shipment({ warehouseId: 'WH-2' })];
    w.console.put('shipments', x);
    w.console.put('shipments', y);
    expect(await shipmentEvents(w), 'console inserts are not committed changes').toMatchObject({
      notified: { customer: 0, logistics: 0 },
    });
    expect(w.publisher.published).toEqual([]);

    const result = await shipmentEvents(w);
    expect(result.changes.map((c) => c.dedupKey).sort()).toEqual(
      [`${x.shipmentId}#r1`, `${y.shipmentId}#r1`].sort(),
    );
    const customer = w.publisher.to('customer', 'shipment');
    expect(customer.map((m) => m.id).sort()).toEqual(
      [`customer:${x.shipmentId}#r1`, `customer:${y.shipmentId}#r1`].sort(),
    );
    const mx = customer.find((m) => m.covers.includes(`${x.shipmentId}#r1`));
    expect(mx?.attributes).toEqual({
      customerId: lut.license.customerId,
      eventType: 'SHIPMENT_HELD',
      kind: 'shipment',
      dedupKey: `${x.shipmentId}#r1`,
    });
    expect(JSON.parse(mx?.body ?? '{}')).toMatchObject({
      schema: SHIPMENT_MESSAGE_SCHEMA,
      shipmentId: x.shipmentId,
      status: 'HELD',
      previousStatus: null,
      holdReason: 'LICENSE_PENDING',
      revision: 1,
    });
    const logistics = w.publisher.to('logistics', 'shipment');
    expect(logistics.map((m) => m.attributes.warehouseId).sort()).toEqual(['WH-1', 'WH-2']);
    expect(logistics.every((m) => m.attributes.customerId === undefined)).toBe(true);
  });

  it('announces nothing for a rejected edit, and publishes nothing at all for a batch without committed changes', async () => {
    const w = memoryWorld();
    const lut = givenLicense(w);
    const s = lut.shipment();
    w.console.put('shipments', s);
    await shipmentEvents(w);
    await shipmentEvents(w);
    w.console.edit('shipments', s.shipmentId, 'status', 'SHIPPED');
    await shipmentEvents(w); // rejected and restored
    const calls = w.store.calls.length;
    const result = await shipmentEvents(w); // the restoring write's record
    expect(result.changes).toEqual([]);
    expect(w.store.ops().slice(calls)).not.toContain('publisher.publish');
  });

  it('tells each change its event type: released, re-held, hold updated, shipped, cancelled', async () => {
    const w = memoryWorld();
    const { a, id, records } = await approvals(w);
    const released = await processShipmentRecords(w.shipmentDeps(), records);
    const types = Object.fromEntries(released.changes.map((c) => [c.shipmentId, c.eventType]));
    expect(types).toMatchObject({ [id.a1]: 'SHIPMENT_RELEASED', [id.aBig]: 'SHIPMENT_HOLD_UPDATED' });
    w.console.edit('shipments', id.a1, 'status', 'SHIPPED');
    w.console.edit('shipments', id.a2, 'status', 'CANCELLED');
    await shipmentEvents(w);
    await setStatus(w, a.licenseId, 'SUSPENDED');
    const later = await shipmentEvents(w);
    expect(Object.fromEntries(later.changes.map((c) => [c.shipmentId, [c.eventType, c.revision]]))).toEqual({
      [id.a1]: ['SHIPMENT_SHIPPED', 3],
      [id.a2]: ['SHIPMENT_CANCELLED', 3],
      [id.a3]: ['SHIPMENT_REHELD', 3],
      [id.aBig]: ['SHIPMENT_HOLD_UPDATED', 3],
    });
  });
});

/**
 * After `approvals`, manual edits committed by shipment-events: A's a1 and a2
 * SHIPPED, a3 (WH-2) CANCELLED, B's b1 SHIPPED. Returns the records of the
 * committed edits (revision 3), as one batch.
 */
async function manualEdits(w: MemoryWorld) {
  const { a, b, id, records } = await approvals(w);
  const digestsBefore = w.publisher.published.filter((m) => m.attributes.kind === 'digest').length;
  await processShipmentRecords(w.shipmentDeps(), records);
  /** Digests shipment-events sent for the license passes' changes. */
  const passDigests =
    w.publisher.published.filter((m) => m.attributes.kind === 'digest').length - digestsBefore;
  w.console.edit('shipments', id.a1, 'status', 'SHIPPED');
  w.console.edit('shipments', id.a2, 'status', 'SHIPPED');
  w.console.edit('shipments', id.a3, 'status', 'CANCELLED');
  w.console.edit('shipments', id.b1, 'status', 'SHIPPED');
  await shipmentEvents(w);
  return { a, b, id, records: w.shipmentRecords(), passDigests };
}

const byScope = (w: MemoryWorld, topic: 'customer' | 'logistics', from = 0) =>
  w.publisher
    .to(topic, 'digest')
    .slice(from)
    .map((d) => [
      d.attributes.customerId ?? d.attributes.warehouseId,
      d.attributes.eventType,
      [...d.covers].sort(),
    ])
    .sort((p, q) => JSON.stringify(p).localeCompare(JSON.stringify(q)));
const sorted = (rows: unknown[][]) => rows.sort((p, q) => JSON.stringify(p).localeCompare(JSON.stringify(q)));

describe('digests', () => {
  it("sends no digest of a license pass's changes (their event's tally does), and groups manual edits' per (customer, license, event type) and per (warehouse, license, event type)", async () => {
    const w = memoryWorld();
    const edits = await manualEdits(w);
    const { a, b, id } = edits;
    expect(edits.passDigests).toBe(0);
    const from = {
      customer: w.publisher.to('customer', 'digest').length,
      logistics: w.publisher.to('logistics', 'digest').length,
    };
    await processShipmentRecords(w.shipmentDeps(), edits.records);
    const r = (...keys: string[]) => keys.map((k) => `${k}#r3`).sort();
    expect(byScope(w, 'customer', from.customer)).toEqual(
      sorted([
        ['CUST-A', 'SHIPMENT_SHIPPED', r(id.a1, id.a2)],
        ['CUST-A', 'SHIPMENT_CANCELLED', r(id.a3)],
        ['CUST-B', 'SHIPMENT_SHIPPED', r(id.b1)],
      ]),
    );
    expect(byScope(w, 'logistics', from.logistics)).toEqual(
      sorted([
        ['WH-1', 'SHIPMENT_SHIPPED', r(id.a1, id.a2)],
        ['WH-1', 'SHIPMENT_SHIPPED', r(id.b1)],
        ['WH-2', 'SHIPMENT_CANCELLED', r(id.a3)],
      ]),
    );
    const bDigest = w.publisher
      .to('customer', 'digest')
      .slice(from.customer)
      .find((d) => d.attributes.customerId === 'CUST-B');
    expect(bDigest?.body).toContain(id.b1);
    for (const other of [id.a1, id.a2, id.a3]) expect(bDigest?.body).not.toContain(other);
    expect(bDigest?.body).toContain(b.licenseId);
    expect(bDigest?.body).not.toContain(a.licenseId);
  });
});

describe('failed sends', () => {
  it('reports the sequence numbers of the records behind messages that still failed, and only those', async () => {
    const w = memoryWorld();
    const { id, records } = await manualEdits(w);
    const sequenceOf = (shipmentId: string) => records.find((r) => r.shipmentId === shipmentId)?.sequence;
    w.publisher.failWhen(
      (m) =>
        m.id === `customer:${id.b1}#r3` ||
        (m.topic === 'logistics' && m.attributes.kind === 'digest' && m.attributes.warehouseId === 'WH-2'),
    );
    const before = {
      customer: w.publisher.to('customer').length,
      logistics: w.publisher.to('logistics').length,
    };
    const result = await processShipmentRecords(w.shipmentDeps(), records);
    expect(result.failed.sort()).toEqual([sequenceOf(id.b1), sequenceOf(id.a3)].sort());
    const sent = (topic: 'customer' | 'logistics') => w.publisher.to(topic).length - before[topic];
    expect(result.notified).toEqual({ customer: sent('customer'), logistics: sent('logistics') });
    expect(w.publisher.failed).toHaveLength(2);
  });

  it('reports every record a failed digest covers', async () => {
    const w = memoryWorld();
    const { id, records } = await manualEdits(w);
    w.publisher.failWhen(
      (m) =>
        m.attributes.kind === 'digest' &&
        m.attributes.customerId === 'CUST-A' &&
        m.attributes.eventType === 'SHIPMENT_SHIPPED',
    );
    const result = await processShipmentRecords(w.shipmentDeps(), records);
    const expected = [id.a1, id.a2].map((s) => records.find((r) => r.shipmentId === s)?.sequence);
    expect(result.failed.sort()).toEqual(expected.sort());
  });
});
