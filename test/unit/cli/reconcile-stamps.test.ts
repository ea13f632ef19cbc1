/**
 * `clearance reconcile` and `countedAs` stamps written before the seal
 * existed (docs/system-attributes.md `countedAs`). A license pass compares
 * such a stamp on its fields alone, so a find and replace of CUST-A by CUST-B
 * over the item's JSON, stamp too, read by a pass before shipment-events sets
 * it back, would tell CUST-B about CUST-A's shipment (DESIGN I4). reconcile
 * finds the HELD and RELEASED shipments whose unsealed stamp is true to their
 * fields, and --fix seals them: no revision, no History entry, no notice.
 */
import { describe, expect, it } from 'vitest';
import { planReconcile } from '../../../cli/reconcile-plan.js';
import {
  sealWrite,
  unsealedStampSection,
  unsealedStamps,
  unsealedStampsOf,
} from '../../../cli/reconcile-stamps.js';
import { countedAsOf, stampOf } from '../../../shared/domain/counters.js';
import { checkInvariants } from '../../../shared/domain/invariants.js';
import type { Shipment } from '../../../shared/domain/model.js';
import type { RawItem } from '../../../shared/domain/ports.js';
import { processShipmentRecords, recordShipmentHistory } from '../../../shared/engine/shipment-engine.js';
import { apply, givenLicense, setStatus, settleShipments } from '../../helpers/fakes/engine-kit.js';
import { type MemoryWorld, memoryWorld } from '../../helpers/fakes/world.js';

/** The stamp as the version before the seal wrote it: five fields, or three before customerId and licenseId. */
const unsealed = (s: Shipment, fields: 3 | 5 = 5) => {
  const { quantity, sku, warehouseId, customerId, licenseId } = countedAsOf(s);
  return fields === 5
    ? { quantity, sku, warehouseId, customerId, licenseId }
    : { quantity, sku, warehouseId };
};

/**
 * A PENDING license of CUST-A with one shipment of CUST-A taken in (HELD),
 * its stamp as an earlier version left it.
 */
async function acceptedBeforeTheSeal(w: MemoryWorld, fields: 3 | 5 = 5) {
  const lut = givenLicense(w, { customerId: 'CUST-A', authorizedQuantity: 100 });
  const s = lut.shipment({ quantity: 30, priority: 1 });
  w.console.put('shipments', s);
  await settleShipments(w);
  w.store.seed('shipments', { ...w.shipment(s.shipmentId), countedAs: unsealed(s, fields) });
  return { lut, s, id: s.shipmentId };
}

/** The admin's find and replace of CUST-A by CUST-B over the item's JSON (stamp included): one PutItem. */
function findAndReplace(w: MemoryWorld, id: string) {
  const item = w.shipment(id);
  w.console.put('shipments', {
    ...item,
    customerId: 'CUST-B',
    countedAs: { ...(item.countedAs as Record<string, unknown>), customerId: 'CUST-B' },
  });
}

const customersTold = (w: MemoryWorld, id: string) => [
  ...new Set(
    w.publisher
      .to('customer')
      .filter((m) => m.body.includes(id))
      .map((m) => m.attributes.customerId),
  ),
];

const itemsOf = (w: MemoryWorld) => ({
  licenses: w.items('licenses'),
  shipments: w.items('shipments'),
  inventory: w.items('inventory'),
});

/** reconcile --fix's seals, through the Shipments port as the CLI makes them. */
async function seal(w: MemoryWorld): Promise<boolean[]> {
  const written: boolean[] = [];
  for (const fix of unsealedStamps(w.items('shipments'), w.items('licenses')))
    written.push(await w.shipments.update(sealWrite(fix)));
  return written;
}

describe('reconcile and countedAs stamps without a seal', () => {
  it('finds HELD and RELEASED shipments whose unsealed stamp is true to their fields, and plans their seal', async () => {
    const w = memoryWorld();
    const held = await acceptedBeforeTheSeal(w);
    const released = await acceptedBeforeTheSeal(w);
    await setStatus(w, released.lut.licenseId, 'APPROVED');
    await settleShipments(w);
    expect(w.shipment(released.id).countedStatus).toBe('RELEASED');
    // Accepted by this version: sealed already.
    const sealed = givenLicense(w).shipment();
    w.console.put('shipments', sealed);
    await settleShipments(w);

    const plan = planReconcile(itemsOf(w), checkInvariants(itemsOf(w)));
    expect(plan.fixes).toEqual([
      {
        kind: 'seal',
        shipmentId: held.id,
        read: unsealed(held.s),
        set: stampOf(held.s),
        fields: countedAsOf(held.s),
        revision: 1,
        countedStatus: 'HELD',
        status: 'HELD',
      },
      expect.objectContaining({ kind: 'seal', shipmentId: released.id, countedStatus: 'RELEASED' }),
    ]);
    // Nothing is wrong with the counters: only the seal check sees it.
    expect(w.violations({})).toEqual([]);
  });

  it('leaves a SHIPPED shipment alone: final, out of the indexes passes and the expiry watch read', async () => {
    const w = memoryWorld();
    const { lut, s, id } = await acceptedBeforeTheSeal(w);
    await setStatus(w, lut.licenseId, 'APPROVED');
    await settleShipments(w);
    w.console.edit('shipments', id, 'status', 'SHIPPED');
    await settleShipments(w);
    w.store.seed('shipments', { ...w.shipment(id), countedAs: unsealed(s) });
    expect(w.shipment(id).countedStatus).toBe('SHIPPED');
    expect(unsealedStamps(w.items('shipments'))).toEqual([]);
  });

  it('seals the stamp without a revision, History entry, notice or alert; shipment-events takes it as no edit', async () => {
    const w = memoryWorld();
    const { s, id } = await acceptedBeforeTheSeal(w);
    const published = w.publisher.published.length;
    const entries = w.entries().length;

    expect(await seal(w)).toEqual([true]);
    await settleShipments(w);
    expect(w.shipment(id)).toMatchObject({ countedAs: stampOf(s), revision: 1, status: 'HELD' });
    expect(w.publisher.published.length).toBe(published);
    expect(w.entries().length).toBe(entries);
    expect(w.alerter.alerts).toEqual([]);
    expect(unsealedStamps(w.items('shipments'))).toEqual([]);
  });

  it('gives a 3-field stamp the five fields of the item, sealed', async () => {
    const w = memoryWorld();
    const { s, id } = await acceptedBeforeTheSeal(w, 3);
    expect(await seal(w)).toEqual([true]);
    await settleShipments(w);
    expect(w.shipment(id).countedAs).toEqual(stampOf(s));
    expect(w.alerter.alerts).toEqual([]);
  });

  it("leaves a 3-field stamp unsealed while the item's customer is not its license's (an edit of customerId waiting in the DLQ), and says so", async () => {
    const w = memoryWorld();
    const { id } = await acceptedBeforeTheSeal(w, 3);
    w.console.edit('shipments', id, 'customerId', 'CUST-B');
    const parked = w.shipmentRecords(); // its batch failed: in the DLQ until `clearance dlq redrive`

    const found = unsealedStampsOf(w.items('shipments'), w.items('licenses'));
    expect(found).toEqual({ fixes: [], left: [id] });
    const plan = planReconcile(itemsOf(w), checkInvariants(itemsOf(w)));
    expect(plan.fixes).toEqual([]);
    expect(plan.unsealedLeft).toEqual([id]);
    expect(unsealedStampSection([], plan.unsealedLeft).join('\n')).toContain(
      `1 three-field stamp left unsealed: its customer, sku or index key (the license the system counts it under) differs from its licenseId's license; check it`,
    );

    await recordShipmentHistory(w.shipmentDeps(), parked); // the redrive
    await processShipmentRecords(w.shipmentDeps(), parked);
    await settleShipments(w);
    const item = w.shipment(id);
    expect(item.customerId, 'the edit is set back').toBe('CUST-A');
    expect((item.countedAs as RawItem).customerId, 'no seal vouches for the edited customer').toBeUndefined();
    // Judged and set back: now it is sealed, with the counted customer.
    expect(await seal(w)).toEqual([true]);
    expect((w.shipment(id).countedAs as RawItem).customerId).toBe('CUST-A');
  });

  it("once sealed, a find and replace of the customer (stamp too) before a pass is left alone: only CUST-A is told of CUST-A's shipment", async () => {
    const w = memoryWorld();
    const { lut, id } = await acceptedBeforeTheSeal(w);
    await seal(w);
    await settleShipments(w);
    findAndReplace(w, id); // shipment-events has not judged the edit yet
    await setStatus(w, lut.licenseId, 'APPROVED');
    await settleShipments(w);
    expect(customersTold(w, id)).toEqual(['CUST-A']);
    expect(w.alerter.alerts.map((a) => a.subject)).toEqual([
      `Shipment ${id}: edit of customerId, countedAs rejected`,
    ]);
    await apply(w, lut.licenseId); // the follow-up pass a set-back edit asks for
    await settleShipments(w);
    expect(w.shipment(id)).toMatchObject({ customerId: 'CUST-A', status: 'RELEASED' });
    expect(customersTold(w, id)).toEqual(['CUST-A']);
  });

  it('does not seal a stamp its fields do not match: an edit still to reject', async () => {
    const w = memoryWorld();
    const five = await acceptedBeforeTheSeal(w);
    w.store.seed('shipments', { ...w.shipment(five.id), customerId: 'CUST-B' });
    const three = await acceptedBeforeTheSeal(w, 3);
    w.store.seed('shipments', { ...w.shipment(three.id), quantity: 31 });
    const copy = { ...w.shipment(three.id), quantity: 30, shipmentId: 'SHP-COPY' };
    expect(unsealedStamps([...w.items('shipments'), copy])).toEqual([]);
  });

  it('a seal written over an edit of the customer and stamp not judged yet is set back with the edit', async () => {
    const w = memoryWorld();
    const { s, id } = await acceptedBeforeTheSeal(w);
    findAndReplace(w, id);
    // The forged stamp is true to the edited fields: the scan cannot tell.
    expect(await seal(w)).toEqual([true]);
    await settleShipments(w);
    expect(w.shipment(id)).toMatchObject({ customerId: 'CUST-A', countedAs: unsealed(s) });
    expect(w.alerter.alerts.map((a) => a.subject)).toEqual([
      `Shipment ${id}: edit of customerId, countedAs rejected`,
    ]);
  });

  it.each([
    ['its stamp', (w: MemoryWorld, id: string) => findAndReplace(w, id)],
    ['its quantity', (w: MemoryWorld, id: string) => w.console.edit('shipments', id, 'quantity', 31)],
    ['its status', (w: MemoryWorld, id: string) => w.console.edit('shipments', id, 'status', 'CANCELLED')],
    [
      'its revision',
      (w: MemoryWorld, id: string) => w.store.seed('shipments', { ...w.shipment(id), revision: 2 }),
    ],
  ])('writes nothing when %s changed since the scan', async (_what, change) => {
    const w = memoryWorld();
    const { id } = await acceptedBeforeTheSeal(w);
    const [fix] = unsealedStamps(w.items('shipments'));
    if (!fix) throw new Error('no unsealed stamp');
    change(w, id);
    const before = w.shipment(id);
    expect(await w.shipments.update(sealWrite(fix))).toBe(false);
    expect(w.shipment(id)).toEqual(before);
  });
});
