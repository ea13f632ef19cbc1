/**
 * Rejected shipment edits made more than once: every edit the system refuses
 * is set back, alerted and entered once (I6), whatever the item's
 * `statusError` already says, and the system never judges its own
 * write-back as an edit. Before `rejectedEdit`, a second refused edit of a
 * field found the first one's `statusError` on the item and was taken for
 * done: the edited quantity stayed, and a later release drew it (I2, I3).
 */
import { describe, expect, it } from 'vitest';
import { processShipmentRecords, recordShipmentHistory } from '../../../shared/engine/shipment-engine.js';
import { REJECTED_EDIT } from '../../../shared/engine/shipment-rejections.js';
import {
  apply,
  expectCounters,
  expectInvariants,
  givenLicense,
  setStatus,
  shipmentEvents,
} from '../../helpers/fakes/engine-kit.js';
import { type MemoryWorld, memoryWorld } from '../../helpers/fakes/world.js';

/** A PENDING license with one shipment of 30 units (value 500) taken in: counted HELD. */
async function heldShipment(w: MemoryWorld) {
  const lut = givenLicense(w, { authorizedQuantity: 100, authorizedValue: 10_000 });
  const s = lut.shipment({ quantity: 30, value: 500, priority: 1 });
  w.console.put('shipments', s);
  await shipmentEvents(w); // intake
  await shipmentEvents(w); // the intake's own record
  w.alerter.alerts.length = 0;
  return { lut, id: s.shipmentId };
}

/** Both Shipments stream consumers until a round finds no record; how many rounds found some. */
async function settle(w: MemoryWorld): Promise<number> {
  for (let round = 0; round < 10; round++) {
    const records = w.shipmentRecords();
    if (records.length === 0) return round;
    await recordShipmentHistory(w.shipmentDeps(), records);
    await processShipmentRecords(w.shipmentDeps(), records);
  }
  throw new Error('the Shipments stream never went quiet: the system keeps answering its own writes');
}

const rejectedEntries = (w: MemoryWorld, id: string) =>
  w.entries().filter((e) => e.shipmentId === id && e.eventType === 'EDIT_REJECTED');

describe('a field edited again after a rejected edit', () => {
  it('sets the quantity back each time, alerts each edit with its values, and the release draws what was counted', async () => {
    const w = memoryWorld();
    const { lut, id } = await heldShipment(w);
    w.console.edit('shipments', id, 'quantity', 3);
    await settle(w);
    w.console.edit('shipments', id, 'quantity', 50);
    await settle(w);

    expect(w.shipment(id)).toMatchObject({ quantity: 30, statusError: expect.stringContaining('quantity') });
    expect(w.alerter.about(id).map((a) => a.message)).toEqual([
      expect.stringContaining('quantity 30 → 3'),
      expect.stringContaining('quantity 30 → 50'),
    ]);
    expect(rejectedEntries(w, id)).toHaveLength(2);
    expectCounters(w, lut.license.sku, 'WH-1', { held: 30, released: 0 });

    await setStatus(w, lut.licenseId, 'APPROVED');
    await settle(w);
    expect(w.license(lut.licenseId).releasedQuantity).toBe(30);
    expectCounters(w, lut.license.sku, 'WH-1', { held: 0, released: 30 });
    expectInvariants(w);
    expect(w.historyViolations()).toEqual([]);
  });

  it('rejects the very same edit made twice, twice, and stops: its own write-backs are not judged', async () => {
    const w = memoryWorld();
    const { id } = await heldShipment(w);
    for (let i = 0; i < 2; i++) {
      w.console.edit('shipments', id, 'quantity', 3);
      expect(await settle(w)).toBe(2); // the edit, then the write-back's own record, judged as nothing
    }
    expect(w.shipment(id).quantity).toBe(30);
    expect(w.alerter.about(id)).toHaveLength(2);
    expect(rejectedEntries(w, id)).toHaveLength(2);
    expectInvariants(w);
  });

  it('sets a value edited out of the contract twice back to the counted value', async () => {
    const w = memoryWorld();
    const { id } = await heldShipment(w);
    w.console.edit('shipments', id, 'value', -1);
    await settle(w);
    w.console.edit('shipments', id, 'value', -5);
    await settle(w);
    expect(w.shipment(id).value).toBe(500);
    expect(w.alerter.about(id)).toHaveLength(2);
    expect(rejectedEntries(w, id)).toHaveLength(2);
    expectInvariants(w);
  });

  it('keeps an uncounted invalid item rejected on each edit that leaves it invalid, each entered once', async () => {
    const w = memoryWorld();
    const lut = givenLicense(w);
    const s = lut.shipment({ quantity: 30, priority: 1 });
    w.console.put('shipments', { ...s, quantity: -1 });
    await settle(w);
    w.console.edit('shipments', s.shipmentId, 'priority', 2);
    await settle(w);
    expect(w.shipment(s.shipmentId).countedStatus).toBeUndefined();
    expect(w.alerter.about(s.shipmentId)).toHaveLength(2);
    expect(rejectedEntries(w, s.shipmentId)).toHaveLength(2);
    expectInvariants(w);
  });
});

describe('several edits between two batches', () => {
  it('sets fields edited twice back to what was counted, not to the first edit', async () => {
    const w = memoryWorld();
    const { lut, id } = await heldShipment(w);
    w.console.edit('shipments', id, 'quantity', 3);
    w.console.edit('shipments', id, 'quantity', 50);
    w.console.edit('shipments', id, 'value', -1);
    w.console.edit('shipments', id, 'value', -5);
    await settle(w);
    // One batch: the latest record is judged, against the item as the system last left it.
    expect(w.shipment(id)).toMatchObject({ quantity: 30, value: 500 });
    expect(w.alerter.about(id)).toHaveLength(1);
    expect(w.alerter.about(id)[0]?.message).toContain('quantity 30 → 50');
    expect(w.alerter.about(id)[0]?.message).toContain('value 500 → -5');
    expectCounters(w, lut.license.sku, 'WH-1', { held: 30, released: 0 });
    expectInvariants(w);
  });
});

describe('redelivery', () => {
  it('writes a rejection back once: a redelivered edit is alerted again but changes and enters nothing', async () => {
    const w = memoryWorld();
    const { id } = await heldShipment(w);
    w.console.edit('shipments', id, 'quantity', 3);
    const [edit] = w.shipmentRecords();
    if (!edit) throw new Error('no record of the edit');
    await processShipmentRecords(w.shipmentDeps(), [edit]);
    const [writeBack] = w.shipmentRecords();
    expect(writeBack?.newImage?.[REJECTED_EDIT]).toBe(edit.sequence);
    const item = w.shipment(id);

    expect(await processShipmentRecords(w.shipmentDeps(), [edit])).toMatchObject({ rejected: 1 });
    if (writeBack) await processShipmentRecords(w.shipmentDeps(), [edit, writeBack]);
    expect(w.shipment(id)).toEqual(item);
    expect(w.shipmentRecords()).toEqual([]);
    expect(rejectedEntries(w, id)).toHaveLength(1);
    expect(w.alerter.about(id)).toHaveLength(2); // at least once: the redelivery of the edit alone
    await apply(w, w.shipment(id).licenseId as string);
    expectInvariants(w);
  });

  it('does not judge a write-back made before rejectedEdit existed (a record still in the stream at a deployment)', async () => {
    const w = memoryWorld();
    const { id } = await heldShipment(w);
    const item = w.shipment(id);
    const statusError = 'Rejected edit of quantity: these cannot change once a shipment is accepted.';
    const legacy = { ...item, statusError };
    const record = {
      sequence: 'legacy-1',
      eventName: 'MODIFY' as const,
      shipmentId: id,
      at: w.now().toISOString(),
    };
    const result = await processShipmentRecords(w.shipmentDeps(), [
      { ...record, oldImage: { ...item, quantity: 3 }, newImage: legacy },
    ]);
    expect(result).toMatchObject({ rejected: 0 });
    expect(w.shipment(id)).toEqual(item);
    expect(w.alerter.about(id)).toEqual([]);
  });
});
