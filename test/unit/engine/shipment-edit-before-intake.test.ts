/**
 * An edit (a priority, a value, a note) saved to a new shipment between its
 * INSERT and shipment-events' intake (an importer creating, then updating)
 * carries no countedStatus in its image. The intake does not check those
 * fields and commits with the edit in place; the stream then holds INSERT,
 * MODIFY(edit), MODIFY(system). Judged in a batch of its own (a batch cut
 * between the two MODIFYs, or a failing batch bisected) once shipment-history
 * has entered SHIPMENT_HELD, the edit's record looks like an edit of an item
 * not counted that History shows counted before (shipment-traces.ts). The
 * item it edits is the counted one: the record is older than the count and is
 * dropped, with no alert (the false "counted before" page advised deleting the
 * item and restoring it from PITR) and no EDIT_REJECTED entry for an edit that
 * stands (I6). Only an item that, read now, still carries no countedStatus or
 * revision is refused.
 */
import { describe, expect, it } from 'vitest';
import { holdOrderKey } from '../../../shared/domain/planning.js';
import { processShipmentRecords, recordShipmentHistory } from '../../../shared/engine/shipment-engine.js';
import { GSI_ATTR } from '../../../shared/names.js';
import { expectCounters, givenLicense, settleShipments } from '../../helpers/fakes/engine-kit.js';
import { type MemoryWorld, memoryWorld } from '../../helpers/fakes/world.js';

const rejectedEntries = (w: MemoryWorld, id: string) =>
  w.entries().filter((e) => e.shipmentId === id && e.eventType === 'EDIT_REJECTED');

/**
 * A new 30-unit shipment, `field` set to `value` after its INSERT; the INSERT judged alone (the intake
 * commits over the edited item) and shipment-history ahead, SHIPMENT_HELD entered. Returns the edit's
 * record and the system's, neither judged by shipment-events yet.
 */
async function editedBeforeIntake(w: MemoryWorld, field: string, value: unknown) {
  const lut = givenLicense(w, { authorizedQuantity: 100 });
  const s = lut.shipment({ quantity: 30, priority: 5 });
  w.console.put('shipments', s);
  const insert = w.shipmentRecords();
  w.console.edit('shipments', s.shipmentId, field, value);
  const edit = w.shipmentRecords();
  expect(edit[0]?.newImage?.countedStatus).toBeUndefined();
  expect(edit[0]?.newImage?.revision).toBeUndefined();

  await recordShipmentHistory(w.shipmentDeps(), insert);
  await processShipmentRecords(w.shipmentDeps(), insert);
  expect(w.shipment(s.shipmentId)).toMatchObject({ countedStatus: 'HELD', revision: 1, [field]: value });
  const system = w.shipmentRecords();
  await recordShipmentHistory(w.shipmentDeps(), [...edit, ...system]);
  expect(
    w.entries().filter((e) => e.shipmentId === s.shipmentId && e.eventType === 'SHIPMENT_HELD'),
  ).toHaveLength(1);
  w.alerter.alerts.length = 0;
  return { lut, s, id: s.shipmentId, edit, system };
}

/** Counted once as HELD with the edit in place, nothing alerted or rejected, I1-I6 hold. */
function expectEditStands(w: MemoryWorld, t: Awaited<ReturnType<typeof editedBeforeIntake>>, edited: object) {
  expect(w.alerter.about(t.id), 'no alert for a legal edit of a counted shipment').toEqual([]);
  expect(rejectedEntries(w, t.id), 'no EDIT_REJECTED entry for an edit that stands (I6)').toEqual([]);
  expect(w.shipment(t.id)).toMatchObject({ countedStatus: 'HELD', revision: 1, ...edited });
  expect(w.shipment(t.id).statusError).toBeUndefined();
  expectCounters(w, t.lut.license.sku, 'WH-1', { held: 30, released: 0 });
  expect(w.violations()).toEqual([]);
  expect(w.historyViolations()).toEqual([]);
}

describe('an edit saved before the intake, judged in a batch of its own after History entered the count', () => {
  it.each([
    ['priority', 1],
    ['value', 1234],
    ['note', 'customs broker changed'],
  ])(
    'is dropped, not refused as "counted before": the %s edited is on the counted item',
    async (field, value) => {
      const w = memoryWorld();
      const t = await editedBeforeIntake(w, field, value);

      // A batch cut between the edit's record and the system's.
      await processShipmentRecords(w.shipmentDeps(), t.edit);
      await processShipmentRecords(w.shipmentDeps(), t.system);

      expectEditStands(w, t, { [field]: value });
    },
  );

  it('is dropped when a failing batch is bisected and the edit is retried alone', async () => {
    const w = memoryWorld();
    const t = await editedBeforeIntake(w, 'priority', 1);

    // The batch of both records fails (the holdOrder rewrite is refused); Lambda halves it and retries.
    w.faults.failNext('shipments.update', new Error('ProvisionedThroughputExceededException'));
    await expect(processShipmentRecords(w.shipmentDeps(), [...t.edit, ...t.system])).rejects.toThrow();
    await processShipmentRecords(w.shipmentDeps(), t.edit);
    await processShipmentRecords(w.shipmentDeps(), t.system);

    expectEditStands(w, t, { priority: 1 });
    expect(w.shipment(t.id)[GSI_ATTR.holdOrder], 'hold order rewritten for the edited priority').toBe(
      holdOrderKey({ ...t.s, priority: 1 }),
    );
  });

  it('is still refused when the item, read now, carries no countedStatus: a whole item was put over it since', async () => {
    const w = memoryWorld();
    const t = await editedBeforeIntake(w, 'priority', 1);
    // An import run again puts the whole item over the counted one; its record comes later in the stream.
    w.console.put('shipments', structuredClone({ ...t.s, priority: 1 }));
    const put = w.shipmentRecords();
    expect(w.shipment(t.id).countedStatus).toBeUndefined();

    await processShipmentRecords(w.shipmentDeps(), t.edit);

    const [refusal, ...more] = w.alerter.about(t.id);
    expect(more).toEqual([]);
    expect(refusal).toMatchObject({
      severity: 'high',
      subject: `HIGH SEVERITY: Shipment ${t.id}: counted before, not taken in again`,
    });
    expect(refusal?.message).toContain('its last committed change is HELD (SHIPMENT_HELD r000001');
    expect(rejectedEntries(w, t.id)).toEqual([
      expect.objectContaining({ reason: expect.stringMatching(/^Not taken in: shipment /) }),
    ]);
    expect(w.shipment(t.id).countedStatus, 'not taken in as a new shipment').toBeUndefined();
    expectCounters(w, t.lut.license.sku, 'WH-1', { held: 30, released: 0 });

    // The system's record, then the put's: the put is set back as last committed, counted once.
    await processShipmentRecords(w.shipmentDeps(), t.system);
    await recordShipmentHistory(w.shipmentDeps(), put);
    await processShipmentRecords(w.shipmentDeps(), put);
    await settleShipments(w);
    expect(w.shipment(t.id)).toMatchObject({ countedStatus: 'HELD', revision: 1, priority: 1 });
    expectCounters(w, t.lut.license.sku, 'WH-1', { held: 30, released: 0 });
    expect(rejectedEntries(w, t.id)).toHaveLength(2);
    expect(w.violations()).toEqual([]);
    expect(w.historyViolations()).toEqual([]);
  });
});
