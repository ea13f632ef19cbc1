/**
 * A counted shipment overwritten by a whole-item put (an import run again: no
 * countedStatus, no revision) whose own Shipments stream record shipment-events
 * does not judge in time: parked in the DLQ after its batch failed every retry,
 * or gone from the stream. The overwrite is told from the images of a batch
 * (overwriteRejection), and only the put's record has the image the system
 * committed. A newer record of the shipment (a `note` typed in the console, as
 * OPERATIONS.md "DLQ messages" step 4 has the on-call do) shows an item never
 * counted: taken in, it was counted a second time (Inventory held 30 and
 * released 30 for one 30-unit shipment, I3), its license still drew 30 for a
 * now HELD shipment (I2), and its notices started again from `r1`, a dedupKey
 * already sent (I4). History is the trace that it was counted: such an edit is
 * refused, alerted HIGH SEVERITY and entered, and the item is left for the
 * put's replay or a put-back. The replay of the put says what it did.
 */
import { describe, expect, it } from 'vitest';
import type { RawItem } from '../../../shared/domain/ports.js';
import { processShipmentRecords, recordShipmentHistory } from '../../../shared/engine/shipment-engine.js';
import {
  expectCounters,
  givenLicense,
  setStatus,
  settleShipments,
  shipmentEvents,
} from '../../helpers/fakes/engine-kit.js';
import { type MemoryWorld, memoryWorld } from '../../helpers/fakes/world.js';

/** A 30-unit shipment RELEASED under a 100-unit license; the item as first put, and as committed. */
async function released(w: MemoryWorld) {
  const lut = givenLicense(w, { authorizedQuantity: 100, status: 'PENDING', appliedStatus: undefined });
  const s = lut.shipment({ quantity: 30 });
  w.console.put('shipments', s);
  await shipmentEvents(w);
  await setStatus(w, lut.licenseId, 'PENDING');
  await setStatus(w, lut.licenseId, 'APPROVED');
  await settleShipments(w);
  const committed: RawItem = structuredClone(w.shipment(s.shipmentId)); // what point-in-time recovery gives back
  expect(committed).toMatchObject({ countedStatus: 'RELEASED', revision: 2 });
  expect(noticesOf(w, s.shipmentId)).toEqual(
    new Set([`${s.shipmentId}#r1 HELD`, `${s.shipmentId}#r2 RELEASED`]),
  );
  expect(w.license(lut.licenseId)).toMatchObject({ releasedQuantity: 30 });
  w.alerter.alerts.length = 0;
  return { lut, s, id: s.shipmentId, committed, notices: noticesOf(w, s.shipmentId) };
}

/**
 * The per-shipment notices of `id` (both audiences) as `dedupKey status`, each once: a notice sent again
 * with its dedupKey (a put-back repeats the last) adds nothing, a change sent under a key already used does.
 */
const noticesOf = (w: MemoryWorld, id: string): Set<string> =>
  new Set(
    w.publisher.published
      .filter((m) => m.attributes.kind === 'shipment' && m.attributes.dedupKey?.startsWith(`${id}#`))
      .map((m) => `${m.attributes.dedupKey} ${(JSON.parse(m.body) as { status: string }).status}`),
  );

const rejectedEntries = (w: MemoryWorld, id: string) =>
  w.entries().filter((e) => e.shipmentId === id && e.eventType === 'EDIT_REJECTED');

/** The put (R0) over the counted shipment; its batch fails with `fault` and is parked. Returns R0's records. */
async function putParked(w: MemoryWorld, first: RawItem, fault: 'alerter.alert' | 'shipments.update') {
  w.console.put('shipments', structuredClone(first));
  const parked = w.shipmentRecords();
  w.faults.failNext(fault, new Error('KMS key disabled'));
  await recordShipmentHistory(w.shipmentDeps(), parked);
  await expect(processShipmentRecords(w.shipmentDeps(), parked)).rejects.toThrow();
  return parked;
}

/** `clearance dlq redrive` replays the parked records. */
async function redrive(w: MemoryWorld, parked: ReturnType<MemoryWorld['shipmentRecords']>) {
  await recordShipmentHistory(w.shipmentDeps(), parked);
  await processShipmentRecords(w.shipmentDeps(), parked);
  await settleShipments(w);
}

/** Counted once, RELEASED (I2, I3), every change entered once (I6), no notice again (I4). */
function expectCountedOnce(w: MemoryWorld, t: Awaited<ReturnType<typeof released>>): void {
  expect(w.shipment(t.id)).toMatchObject({ status: 'RELEASED', countedStatus: 'RELEASED', revision: 2 });
  expect(w.license(t.lut.licenseId)).toMatchObject({ releasedQuantity: 30 });
  expectCounters(w, t.lut.license.sku, 'WH-1', { held: 0, released: 30 });
  expect(w.violations()).toEqual([]);
  expect(w.historyViolations()).toEqual([]);
  expect(noticesOf(w, t.id)).toEqual(t.notices);
}

describe('a counted shipment overwritten while the record of the put is not judged', () => {
  it('refuses a newer edit of it rather than count it again, and the replay of the parked put sets it back', async () => {
    const w = memoryWorld();
    const t = await released(w);
    // R0's write-back fails every retry (here: DynamoDB refuses it), and Lambda parks its range in the DLQ.
    const parked = await putParked(w, t.s, 'shipments.update');
    expect(w.shipment(t.id).countedStatus).toBeUndefined();

    // The stream moves on; a newer record of the shipment (a note typed in the console) is processed.
    w.console.edit('shipments', t.id, 'note', 'why is statusError empty?');
    await settleShipments(w);
    expect(w.shipment(t.id).countedStatus, 'not taken in as a new shipment').toBeUndefined();
    expect(w.shipment(t.id).statusError, 'nothing written to the item').toBeUndefined();
    expect(w.license(t.lut.licenseId)).toMatchObject({ releasedQuantity: 30 });
    expectCounters(w, t.lut.license.sku, 'WH-1', { held: 0, released: 30 });
    expect(noticesOf(w, t.id), 'no notice from r1 again').toEqual(t.notices);
    const [refusal, ...more] = w.alerter.about(t.id);
    expect(more).toEqual([]);
    expect(refusal).toMatchObject({
      severity: 'high',
      subject: `HIGH SEVERITY: Shipment ${t.id}: counted before, not taken in again`,
    });
    expect(refusal?.message).toContain('its last committed change is RELEASED (SHIPMENT_RELEASED r000002');
    expect(refusal?.message).toContain('`clearance dlq redrive` replays the put');
    expect(refusal?.message).toContain('docs/OPERATIONS.md, "DLQ messages", step 4');
    expect(rejectedEntries(w, t.id)).toEqual([
      expect.objectContaining({ status: 'HELD', reason: expect.stringMatching(/^Not taken in: shipment /) }),
    ]);

    // Hours later: `clearance dlq redrive` replays R0, which holds the item as last committed.
    w.alerter.alerts.length = 0;
    await redrive(w, parked);
    expect(w.alerter.about(t.id)).toEqual([
      expect.objectContaining({ severity: 'normal', subject: `Shipment ${t.id}: overwritten item set back` }),
    ]);
    expectCountedOnce(w, t);
    expect(w.shipment(t.id).note, 'the note typed on the copy is kept').toBe('why is statusError empty?');
    expect(rejectedEntries(w, t.id)).toHaveLength(2);
  });

  it('sets the put back before its alert, so a batch parked because the ops topic refused the alert leaves nothing to count', async () => {
    const w = memoryWorld();
    const t = await released(w);
    const parked = await putParked(w, t.s, 'alerter.alert');
    expect(w.shipment(t.id)).toMatchObject({ countedStatus: 'RELEASED', status: 'RELEASED' });

    w.console.edit('shipments', t.id, 'note', 'why is statusError empty?');
    await settleShipments(w);
    await redrive(w, parked);
    // The replay finds its own write-back: the alert the ops topic refused is sent, as it was.
    expect(w.alerter.alerts.map((a) => a.subject)).toEqual([`Shipment ${t.id}: overwritten item set back`]);
    expectCountedOnce(w, t);
    expect(rejectedEntries(w, t.id)).toHaveLength(1);
  });

  it('refuses the note of DLQ step 4 when the put is gone from the stream, and the put-back from point-in-time recovery counts it once', async () => {
    const w = memoryWorld();
    const t = await released(w);
    w.console.put('shipments', structuredClone(t.s));
    w.shipmentRecords(); // gone: older than the stream's 24 h

    w.console.edit('shipments', t.id, 'note', 'DLQ repair, ticket 42');
    await settleShipments(w);
    expect(w.shipment(t.id).countedStatus).toBeUndefined();
    expect(w.alerter.about(t.id).map((a) => a.severity)).toEqual(['high']);
    expectCounters(w, t.lut.license.sku, 'WH-1', { held: 0, released: 30 });
    // Edited again meanwhile: refused again, entered again, never counted.
    w.console.edit('shipments', t.id, 'note', 'still not counted?');
    await settleShipments(w);
    expect(w.shipment(t.id).countedStatus).toBeUndefined();
    expect(rejectedEntries(w, t.id)).toHaveLength(2);

    // As the alert says: delete the copy, put the item back from point-in-time recovery.
    w.console.remove('shipments', t.id);
    await settleShipments(w);
    w.console.put('shipments', t.committed);
    await settleShipments(w);
    expectCountedOnce(w, t);
  });

  it('says the put was NOT set back when its replay finds the item put back by hand, and enters it once', async () => {
    const w = memoryWorld();
    const t = await released(w);
    const parked = await putParked(w, t.s, 'shipments.update');
    w.console.remove('shipments', t.id);
    await settleShipments(w);
    w.console.put('shipments', t.committed);
    await settleShipments(w);
    w.alerter.alerts.length = 0;

    await redrive(w, parked);
    const [alert, ...more] = w.alerter.about(t.id);
    expect(more).toEqual([]);
    expect(alert).toMatchObject({ subject: `Shipment ${t.id}: overwritten item NOT set back` });
    expect(alert?.message).toMatch(
      /^Nothing was set back: the item was changed again before the system could write this back \(the item now shows status RELEASED, countedStatus RELEASED, revision 2\)/,
    );
    expect(w.shipment(t.id).statusError).toBeUndefined();
    expect(rejectedEntries(w, t.id)).toEqual([
      expect.objectContaining({
        reason: expect.stringContaining('changed again before the system wrote this back'),
      }),
    ]);
    await redrive(w, parked); // again: entered once
    expect(rejectedEntries(w, t.id)).toHaveLength(1);
    expectCountedOnce(w, t);
  });
});

describe('an edit of a shipment not counted', () => {
  it('takes in a new shipment corrected after it was refused: a rejected edit in History is no trace of a count', async () => {
    const w = memoryWorld();
    const lut = givenLicense(w);
    const s = lut.shipment({ quantity: 30 });
    w.console.put('shipments', { ...s, quantity: -1 });
    await settleShipments(w);
    expect(rejectedEntries(w, s.shipmentId)).toHaveLength(1);

    w.console.edit('shipments', s.shipmentId, 'quantity', 30);
    await settleShipments(w);
    expect(w.shipment(s.shipmentId)).toMatchObject({ countedStatus: 'HELD', revision: 1 });
    expectCounters(w, lut.license.sku, 'WH-1', { held: 30, released: 0 });
    expect(w.violations()).toEqual([]);
  });

  it('reads History only for it: not for a new item, nor for an edit of a counted one', async () => {
    const w = memoryWorld();
    const lut = givenLicense(w);
    const reads = () => w.store.ops().filter((op) => op === 'history.lastShipmentChange').length;
    const s = lut.shipment({ quantity: 30 });
    w.console.put('shipments', s);
    w.console.put('shipments', lut.shipment({ quantity: 5 }));
    await settleShipments(w);
    w.console.edit('shipments', s.shipmentId, 'priority', 7);
    await settleShipments(w);
    expect(reads()).toBe(0);

    const late = lut.shipment({ quantity: 10 });
    w.console.put('shipments', late);
    w.shipmentRecords(); // its INSERT lost
    w.console.edit('shipments', late.shipmentId, 'note', 'DLQ repair, ticket 42');
    await settleShipments(w);
    expect(reads()).toBe(1);
    expect(w.shipment(late.shipmentId)).toMatchObject({ countedStatus: 'HELD' });
  });
});
