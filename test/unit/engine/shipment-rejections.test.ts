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
import {
  immutableRejection,
  REJECTED_EDIT,
  sequenceAtOrAfter,
} from '../../../shared/engine/shipment-rejections.js';
import {
  apply,
  expectCounters,
  expectInvariants,
  givenLicense,
  setStatus,
  settleShipments,
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

const rejectedEntries = (w: MemoryWorld, id: string) =>
  w.entries().filter((e) => e.shipmentId === id && e.eventType === 'EDIT_REJECTED');

describe('a field edited again after a rejected edit', () => {
  it('sets the quantity back each time, alerts each edit with its values, and the release draws what was counted', async () => {
    const w = memoryWorld();
    const { lut, id } = await heldShipment(w);
    w.console.edit('shipments', id, 'quantity', 3);
    await settleShipments(w);
    w.console.edit('shipments', id, 'quantity', 50);
    await settleShipments(w);

    expect(w.shipment(id)).toMatchObject({ quantity: 30, statusError: expect.stringContaining('quantity') });
    expect(w.alerter.about(id).map((a) => a.message)).toEqual([
      expect.stringContaining('quantity 30 → 3'),
      expect.stringContaining('quantity 30 → 50'),
    ]);
    expect(rejectedEntries(w, id)).toHaveLength(2);
    expectCounters(w, lut.license.sku, 'WH-1', { held: 30, released: 0 });

    await setStatus(w, lut.licenseId, 'APPROVED');
    await settleShipments(w);
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
      expect(await settleShipments(w)).toBe(2); // the edit, then the write-back's own record, judged as nothing
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
    await settleShipments(w);
    w.console.edit('shipments', id, 'value', -5);
    await settleShipments(w);
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
    await settleShipments(w);
    w.console.edit('shipments', s.shipmentId, 'priority', 2);
    await settleShipments(w);
    expect(w.shipment(s.shipmentId).countedStatus).toBeUndefined();
    expect(w.alerter.about(s.shipmentId)).toHaveLength(2);
    expect(rejectedEntries(w, s.shipmentId)).toHaveLength(2);
    expectInvariants(w);
  });
});

describe('an illegal status edit changed again before the system looked (one batch)', () => {
  it('alerts HELD → SHIPPED set back to HELD, loudly, and enters it once under its own record', async () => {
    const w = memoryWorld();
    const { lut, id } = await heldShipment(w);
    w.console.edit('shipments', id, 'status', 'SHIPPED');
    w.console.edit('shipments', id, 'status', 'HELD');
    const records = w.shipmentRecords();
    expect(records).toHaveLength(2);
    expect(await processShipmentRecords(w.shipmentDeps(), records)).toMatchObject({ rejected: 1 });
    await processShipmentRecords(w.shipmentDeps(), records); // redelivered: alerted again, entered once

    expect(w.alerter.about(id).map((a) => [a.severity, a.subject])).toEqual([
      ['high', `HIGH SEVERITY: Shipment ${id}: status edit HELD → SHIPPED rejected`],
      ['high', `HIGH SEVERITY: Shipment ${id}: status edit HELD → SHIPPED rejected`],
    ]);
    expect(w.alerter.about(id)[0]?.message).toContain(
      'changed again, to HELD, before the system judged this edit',
    );
    expect(rejectedEntries(w, id)).toEqual([
      expect.objectContaining({ at: records[0]?.at, status: 'SHIPPED', previousStatus: 'HELD' }),
    ]);
    expect(w.shipment(id)).toMatchObject({ status: 'HELD', countedStatus: 'HELD' });
    expect(w.shipment(id).statusError).toBeUndefined();
    expectCounters(w, lut.license.sku, 'WH-1', { held: 30, released: 0 });
    expectInvariants(w);
    expect(w.historyViolations()).toEqual([]);
  });

  it('judges an illegal edit followed by a legal cancellation, and applies the cancellation', async () => {
    const w = memoryWorld();
    const { lut, id } = await heldShipment(w);
    w.console.edit('shipments', id, 'status', 'RELEASED');
    w.console.edit('shipments', id, 'status', 'CANCELLED');
    await settleShipments(w);
    expect(w.alerter.about(id).map((a) => a.subject)).toEqual([
      `Shipment ${id}: status edit HELD → RELEASED rejected`,
    ]);
    expect(rejectedEntries(w, id)).toHaveLength(1);
    expect(w.shipment(id)).toMatchObject({ status: 'CANCELLED', countedStatus: 'CANCELLED' });
    expectCounters(w, lut.license.sku, 'WH-1', { held: 0, released: 0 });
    expectInvariants(w);
  });

  it('leaves an illegal status still shown by the latest record to that record: one alert, one entry', async () => {
    const w = memoryWorld();
    const { id } = await heldShipment(w);
    w.console.edit('shipments', id, 'status', 'SHIPPED');
    w.console.edit('shipments', id, 'priority', 7); // same status: the latest record carries the edit
    await settleShipments(w);
    expect(w.alerter.about(id)).toHaveLength(1);
    expect(rejectedEntries(w, id)).toHaveLength(1);
    expect(w.shipment(id)).toMatchObject({ status: 'HELD', statusError: expect.stringContaining('SHIPPED') });
    expectInvariants(w);
  });
});

describe('an edit that also rewrites statusError', () => {
  /** heldShipment, with an earlier edit rejected: the item carries its statusError and rejectedEdit. */
  async function afterRejection(w: MemoryWorld) {
    const held = await heldShipment(w);
    w.console.edit('shipments', held.id, 'quantity', 3);
    await settleShipments(w);
    expect(w.shipment(held.id).statusError).toEqual(expect.any(String));
    w.alerter.alerts.length = 0;
    return held;
  }

  it("rejects HELD → SHIPPED saved with the old statusError blanked, loudly: it is the admin's edit, not a write-back", async () => {
    const w = memoryWorld();
    const { id } = await afterRejection(w);
    w.console.put('shipments', { ...w.shipment(id), status: 'SHIPPED', statusError: '' });
    await settleShipments(w);
    expect(w.shipment(id)).toMatchObject({ status: 'HELD', countedStatus: 'HELD' });
    expect(w.alerter.about(id).map((a) => a.severity)).toEqual(['high']);
    expect(rejectedEntries(w, id)).toHaveLength(2);
    expectInvariants(w);
  });

  it('applies a legal cancellation saved with statusError rewritten, and moves the counters', async () => {
    const w = memoryWorld();
    const { lut, id } = await afterRejection(w);
    w.console.put('shipments', {
      ...w.shipment(id),
      status: 'CANCELLED',
      statusError: 'cancelled by the customer',
    });
    await settleShipments(w);
    expect(w.shipment(id)).toMatchObject({ status: 'CANCELLED', countedStatus: 'CANCELLED' });
    expectCounters(w, lut.license.sku, 'WH-1', { held: 0, released: 0 });
    expectInvariants(w);
    expect(w.historyViolations()).toEqual([]);
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
    await settleShipments(w);
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
  it('orders stream sequence numbers as numbers: longer is later, zero-padded or not', () => {
    expect(sequenceAtOrAfter('100000000000000000010', '99999999999999999999')).toBe(true);
    expect(sequenceAtOrAfter('99999999999999999999', '100000000000000000010')).toBe(false);
    expect(sequenceAtOrAfter('000000000000000000012', '12')).toBe(true);
    expect(sequenceAtOrAfter('000000000000000000011', '000000000000000000012')).toBe(false);
    expect(sequenceAtOrAfter(undefined, '12')).toBe(false);
    expect(sequenceAtOrAfter('legacy-1', '12')).toBe(false);
  });

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

  it('enters a rejected edit once when the admin changed the item again before the write-back', async () => {
    const w = memoryWorld();
    const { id } = await heldShipment(w);
    w.console.edit('shipments', id, 'status', 'SHIPPED');
    const [edit] = w.shipmentRecords();
    if (!edit) throw new Error('no record of the edit');
    // The admin sets it back to HELD after the batch read the edit, before its write-back commits.
    w.faults.beforeNext('shipments.update', () => w.console.edit('shipments', id, 'status', 'HELD'));
    await processShipmentRecords(w.shipmentDeps(), [edit]);
    await processShipmentRecords(w.shipmentDeps(), [edit]); // redelivered

    expect(w.shipment(id)).toMatchObject({ status: 'HELD', countedStatus: 'HELD' });
    expect(w.shipment(id)[REJECTED_EDIT]).toBeUndefined();
    // Each delivery: the HIGH SEVERITY alert before the write-back, then, the write-back having set nothing
    // back, one saying so and what the item shows instead.
    const rejected = `HIGH SEVERITY: Shipment ${id}: status edit HELD → SHIPPED rejected`;
    const notSetBack = { severity: 'high', subject: `${rejected}: nothing set back` };
    expect(w.alerter.about(id)).toEqual([
      expect.objectContaining({ severity: 'high', subject: rejected }),
      expect.objectContaining(notSetBack),
      expect.objectContaining({ severity: 'high', subject: rejected }),
      expect.objectContaining(notSetBack),
    ]);
    expect(w.alerter.about(id)[1]?.message).toMatch(
      /^Nothing was set back: the item was changed again before the system could write this back \(the item now shows status HELD, countedStatus HELD, revision 1\)/,
    );
    expect(rejectedEntries(w, id)).toEqual([
      expect.objectContaining({
        at: edit.at,
        status: 'SHIPPED',
        reason: expect.stringContaining('changed again before the system wrote this back'),
      }),
    ]);
    await settleShipments(w); // the admin's own set-back: nothing to judge
    expect(rejectedEntries(w, id)).toHaveLength(1);
    expectInvariants(w);
    expect(w.historyViolations()).toEqual([]);
  });

  it('enters nothing again when edits, write-backs and set-backs are all delivered again in one batch', async () => {
    const w = memoryWorld();
    const { id } = await heldShipment(w);
    const seen: ReturnType<MemoryWorld['shipmentRecords']> = [];
    const settle = async () => {
      w.advance(1000); // written back a second after the edit: its entry's time is not the record's
      for (let records = w.shipmentRecords(); records.length > 0; records = w.shipmentRecords()) {
        seen.push(...records);
        await processShipmentRecords(w.shipmentDeps(), records);
      }
    };
    w.console.edit('shipments', id, 'status', 'SHIPPED'); // written back
    await settle();
    w.console.edit('shipments', id, 'status', 'RELEASED'); // written back
    await settle();
    w.console.edit('shipments', id, 'status', 'SHIPPED');
    w.faults.beforeNext('shipments.update', () => w.console.edit('shipments', id, 'status', 'HELD'));
    await settle(); // set back by hand before its write-back: entered on its own
    const entries = rejectedEntries(w, id);
    expect(entries).toHaveLength(3);

    await processShipmentRecords(w.shipmentDeps(), seen); // a lost checkpoint: all of it again
    expect(rejectedEntries(w, id)).toEqual(entries);
    // The first edit alone, a later edit's write-back on the item: it was judged, and is not entered again.
    await processShipmentRecords(w.shipmentDeps(), seen.slice(0, 1));
    expect(rejectedEntries(w, id)).toEqual(entries);
    expect(w.historyViolations()).toEqual([]);
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

describe('quantity edits racing the passes (countedAs)', () => {
  /** A PENDING license of 100 units with shipments of 30 (priority 1) and 20 (priority 2) taken in. */
  async function twoHeld(w: MemoryWorld) {
    const lut = givenLicense(w, { authorizedQuantity: 100 });
    const first = lut.shipment({ quantity: 30, priority: 1 });
    const second = lut.shipment({ quantity: 20, priority: 2 });
    for (const s of [first, second]) w.console.put('shipments', s);
    await settleShipments(w);
    expect(w.shipment(first.shipmentId).countedAs).toEqual({
      quantity: 30,
      sku: lut.license.sku,
      warehouseId: 'WH-1',
      customerId: lut.license.customerId,
      licenseId: lut.licenseId,
      seal: expect.stringMatching(/^[0-9a-f]{16}$/),
    });
    return { lut, first: first.shipmentId, second: second.shipmentId };
  }

  /** After the edit is rejected and set back, its license's follow-up pass releases it as counted. */
  async function thenReleasedAsCounted(w: MemoryWorld, lut: { licenseId: string; license: { sku: string } }) {
    await settleShipments(w);
    await apply(w, lut.licenseId);
    await settleShipments(w);
    expect(w.license(lut.licenseId).releasedQuantity).toBe(50);
    expectCounters(w, lut.license.sku, 'WH-1', { held: 0, released: 50 });
    expectInvariants(w);
  }

  it('leaves a shipment whose quantity edit is not judged yet to its rejection, and releases it as counted after', async () => {
    const w = memoryWorld();
    const { lut, first, second } = await twoHeld(w);
    w.console.edit('shipments', first, 'quantity', 3); // shipment-events has not run
    expect(await setStatus(w, lut.licenseId, 'APPROVED')).toMatchObject({ released: 1, unitsReleased: 20 });
    expect(w.shipment(second).status).toBe('RELEASED');
    expect(w.shipment(first)).toMatchObject({ status: 'HELD', quantity: 3 });
    await thenReleasedAsCounted(w, lut);
    expect(w.shipment(first)).toMatchObject({ status: 'RELEASED', quantity: 30 });
  });

  it('does not commit a release when the quantity is edited between the read and the write', async () => {
    const w = memoryWorld();
    const { lut, first } = await twoHeld(w);
    w.faults.beforeNext('shipments.commit', () => w.console.edit('shipments', first, 'quantity', 3));
    expect(await setStatus(w, lut.licenseId, 'APPROVED')).toMatchObject({ released: 1, unitsReleased: 20 });
    expect(w.shipment(first)).toMatchObject({ status: 'HELD', quantity: 3 });
    await thenReleasedAsCounted(w, lut);
  });

  it('does not re-hold a RELEASED shipment with its edited quantity when a suspension races the edit', async () => {
    const w = memoryWorld();
    const { lut, first } = await twoHeld(w);
    await setStatus(w, lut.licenseId, 'APPROVED');
    await settleShipments(w);
    w.console.edit('shipments', first, 'quantity', 3);
    expect(await setStatus(w, lut.licenseId, 'SUSPENDED')).toMatchObject({ reheld: 1 });
    await settleShipments(w);
    await apply(w, lut.licenseId);
    await settleShipments(w);
    expect(w.shipment(first)).toMatchObject({ status: 'HELD', quantity: 30 });
    expect(w.license(lut.licenseId).releasedQuantity).toBe(0);
    expectCounters(w, lut.license.sku, 'WH-1', { held: 50, released: 0 });
    expectInvariants(w);
  });

  it('judges a quantity edit against countedAs even when a later system write to the shipment shares its batch', async () => {
    const w = memoryWorld();
    const { lut, first } = await twoHeld(w);
    w.console.edit('shipments', first, 'quantity', 3);
    // A write of the system after the edit (one that bumps revision, as its commits do):
    // the batch's latest record is the system's, yet the edit it carries is still judged.
    w.console.edit('shipments', first, 'revision', Number(w.shipment(first).revision) + 1);
    await settleShipments(w);
    expect(w.shipment(first)).toMatchObject({
      quantity: 30,
      statusError: expect.stringContaining('quantity'),
    });
    expect(w.alerter.about(first)).toHaveLength(1);
    await setStatus(w, lut.licenseId, 'APPROVED');
    await thenReleasedAsCounted(w, lut);
  });

  it('sets back a quantity edited together with its countedAs (a find and replace over the item), the stamp too', async () => {
    const w = memoryWorld();
    const { lut, first } = await twoHeld(w);
    const stamp = w.shipment(first).countedAs as Record<string, unknown>;
    w.console.put('shipments', { ...w.shipment(first), quantity: 50, countedAs: { ...stamp, quantity: 50 } });
    await settleShipments(w);
    expect(w.shipment(first)).toMatchObject({ quantity: 30, countedAs: stamp });
    expect(w.alerter.about(first).map((a) => a.subject)).toEqual([
      `Shipment ${first}: edit of quantity, countedAs rejected`,
    ]);
    expect(rejectedEntries(w, first)).toHaveLength(1);
    await setStatus(w, lut.licenseId, 'APPROVED');
    await thenReleasedAsCounted(w, lut);
  });

  it('sets back a countedAs edited alone, so that no pass leaves the shipment aside as awaiting its rejection', async () => {
    const w = memoryWorld();
    const { lut, first } = await twoHeld(w);
    const stamp = w.shipment(first).countedAs as Record<string, unknown>;
    w.console.edit('shipments', first, 'countedAs', { ...stamp, warehouseId: 'WH-2' });
    await settleShipments(w);
    expect(w.shipment(first)).toMatchObject({
      countedAs: stamp,
      statusError: expect.stringContaining('countedAs'),
    });
    await setStatus(w, lut.licenseId, 'APPROVED');
    await thenReleasedAsCounted(w, lut);
  });

  it('rewrites holdOrder for a legal priority edit that shares its batch with a rejected quantity edit', async () => {
    const w = memoryWorld();
    const { first } = await twoHeld(w);
    // Two saves: the priority's is judged on its own and kept. A priority typed in the same save as the
    // quantity is set back with it (a rejected save is set back whole: shipment-rejected-save-whole.test.ts).
    w.console.edit('shipments', first, 'priority', 7);
    w.console.edit('shipments', first, 'quantity', 3);
    await settleShipments(w);
    expect(w.shipment(first)).toMatchObject({
      quantity: 30,
      priority: 7,
      holdOrder: expect.stringMatching(/^000007#/),
    });
    expectInvariants(w);
  });
});

describe('customer edits racing the passes (countedAs)', () => {
  /** A license of CUST-A for 100 units with one shipment of 30 taken in (HELD). */
  async function heldForA(w: MemoryWorld) {
    const lut = givenLicense(w, { customerId: 'CUST-A', authorizedQuantity: 100 });
    const s = lut.shipment({ quantity: 30, priority: 1 });
    w.console.put('shipments', s);
    await settleShipments(w);
    return { lut, id: s.shipmentId };
  }

  const customersTold = (w: MemoryWorld, id: string) => [
    ...new Set(
      w.publisher
        .to('customer')
        .filter((m) => m.body.includes(id))
        .map((m) => m.attributes.customerId),
    ),
  ];

  /** The edit is set back, alerted and entered once, and nobody but CUST-A ever heard of the shipment. */
  function expectSetBack(w: MemoryWorld, id: string) {
    expect(w.shipment(id).customerId).toBe('CUST-A');
    expect(rejectedEntries(w, id).map((e) => e.reason)).toEqual([expect.stringContaining('customerId')]);
    expect(w.alerter.about(id).map((a) => a.message)).toEqual([
      expect.stringContaining('customerId CUST-A → CUST-B'),
    ]);
    expect(customersTold(w, id)).toEqual(['CUST-A']);
    expectInvariants(w);
  }

  it('does not re-hold a RELEASED shipment under its edited customer when a suspension races the edit', async () => {
    const w = memoryWorld();
    const { lut, id } = await heldForA(w);
    await setStatus(w, lut.licenseId, 'APPROVED');
    await settleShipments(w);
    w.console.edit('shipments', id, 'customerId', 'CUST-B'); // shipment-events has not run
    expect(await setStatus(w, lut.licenseId, 'SUSPENDED')).toMatchObject({ reheld: 0 });
    expect(w.shipment(id)).toMatchObject({ status: 'RELEASED', customerId: 'CUST-B' });
    await settleShipments(w);
    await apply(w, lut.licenseId); // the follow-up pass the write-back asks for
    await settleShipments(w);
    expect(w.shipment(id)).toMatchObject({ status: 'HELD', holdReason: 'LICENSE_SUSPENDED' });
    expect(w.license(lut.licenseId).releasedQuantity).toBe(0);
    expectSetBack(w, id);
  });

  it('does not relabel a HELD shipment as mismatched for its edited customer, and releases it as counted', async () => {
    const w = memoryWorld();
    const { lut, id } = await heldForA(w);
    w.console.edit('shipments', id, 'customerId', 'CUST-B');
    expect(await setStatus(w, lut.licenseId, 'APPROVED')).toMatchObject({ released: 0, relabelled: 0 });
    await settleShipments(w);
    await apply(w, lut.licenseId);
    await settleShipments(w);
    expect(w.shipment(id)).toMatchObject({ status: 'RELEASED' });
    expect(w.license(lut.licenseId).releasedQuantity).toBe(30);
    expectSetBack(w, id);
  });

  it('does not commit a release when the customer is edited between the read and the write', async () => {
    const w = memoryWorld();
    const { lut, id } = await heldForA(w);
    w.faults.beforeNext('shipments.commit', () => w.console.edit('shipments', id, 'customerId', 'CUST-B'));
    expect(await setStatus(w, lut.licenseId, 'APPROVED')).toMatchObject({ released: 0 });
    expect(w.shipment(id)).toMatchObject({ status: 'HELD', customerId: 'CUST-B' });
    await settleShipments(w);
    await apply(w, lut.licenseId);
    await settleShipments(w);
    expect(w.shipment(id)).toMatchObject({ status: 'RELEASED' });
    expectSetBack(w, id);
  });

  it('does not commit a new hold reason when the customer is edited between the read and the write', async () => {
    const w = memoryWorld();
    const { lut, id } = await heldForA(w);
    w.console.edit('licenses', lut.licenseId, 'authorizedQuantity', 10); // too few for its 30 units
    await apply(w, lut.licenseId);
    w.faults.beforeNext('shipments.commit', () => w.console.edit('shipments', id, 'customerId', 'CUST-B'));
    expect(await setStatus(w, lut.licenseId, 'APPROVED')).toMatchObject({ relabelled: 0 });
    expect(w.shipment(id)).toMatchObject({ holdReason: 'LICENSE_PENDING', customerId: 'CUST-B' });
    await settleShipments(w);
    await apply(w, lut.licenseId);
    await settleShipments(w);
    expect(w.shipment(id)).toMatchObject({ status: 'HELD', holdReason: 'LICENSE_QUANTITY_EXHAUSTED' });
    expectSetBack(w, id);
  });

  it('still releases a shipment whose countedAs predates the customer and license in the stamp', async () => {
    const w = memoryWorld();
    const { lut, id } = await heldForA(w);
    const { quantity, sku, warehouseId } = w.shipment(id).countedAs as Record<string, unknown>;
    w.console.edit('shipments', id, 'countedAs', { quantity, sku, warehouseId });
    await settleShipments(w);
    expect(await setStatus(w, lut.licenseId, 'APPROVED')).toMatchObject({ released: 1, unitsReleased: 30 });
    await settleShipments(w);
    expect(customersTold(w, id)).toEqual(['CUST-A']);
    expectInvariants(w);
  });

  it('tells only the counted customer and warehouse of a cancellation committed after an edit of its fixed fields', async () => {
    const w = memoryWorld();
    const { lut, id } = await heldForA(w);
    w.console.edit('shipments', id, 'status', 'CANCELLED');
    // The fields are edited after shipment-events read the cancellation and before it commits it.
    w.faults.beforeNext('shipments.commit', () => {
      w.console.edit('shipments', id, 'customerId', 'CUST-B');
      w.console.edit('shipments', id, 'warehouseId', 'WH-2');
      w.console.edit('shipments', id, 'quantity', 99);
    });
    await settleShipments(w);
    expect(w.shipment(id)).toMatchObject({ status: 'CANCELLED', countedStatus: 'CANCELLED', quantity: 30 });
    const warehousesTold = w.publisher
      .to('logistics')
      .filter((m) => m.body.includes(id))
      .map((m) => m.attributes.warehouseId);
    expect(new Set(warehousesTold)).toEqual(new Set(['WH-1']));
    const cancelled = w.entries().filter((e) => e.shipmentId === id && e.eventType === 'SHIPMENT_CANCELLED');
    expect(cancelled).toEqual([expect.objectContaining({ licenseId: lut.licenseId, quantity: 30 })]);
    expectSetBack(w, id);
  });

  it('does not tell CUST-B of a cancellation when the customer is find-and-replaced, stamp too, before it commits', async () => {
    const w = memoryWorld();
    const { id } = await heldForA(w);
    w.console.edit('shipments', id, 'status', 'CANCELLED');
    w.faults.beforeNext('shipments.commit', () => {
      const item = w.shipment(id);
      const stamp = item.countedAs as Record<string, unknown>;
      w.console.put('shipments', {
        ...item,
        customerId: 'CUST-B',
        countedAs: { ...stamp, customerId: 'CUST-B' },
      });
    });
    await settleShipments(w);
    // The commit's condition on the stamp failed; the later record is judged: fields, stamp and the
    // status typed with them are set back (a cancellation is made again, on its own).
    expect(w.shipment(id)).toMatchObject({ status: 'HELD', countedStatus: 'HELD', customerId: 'CUST-A' });
    expect(w.shipment(id).countedAs).toMatchObject({ customerId: 'CUST-A' });
    expect(customersTold(w, id)).toEqual(['CUST-A']);
    expectInvariants(w);
  });

  it('does not tell CUST-B of a release when only the stamp is edited before the release commits', async () => {
    const w = memoryWorld();
    const { lut, id } = await heldForA(w);
    w.faults.beforeNext('shipments.commit', () => {
      const stamp = w.shipment(id).countedAs as Record<string, unknown>;
      w.console.edit('shipments', id, 'countedAs', { ...stamp, customerId: 'CUST-B' });
    });
    await setStatus(w, lut.licenseId, 'APPROVED');
    await settleShipments(w);
    await apply(w, lut.licenseId); // the rejection's follow-up pass
    await settleShipments(w);
    expect(w.shipment(id)).toMatchObject({ status: 'RELEASED', countedAs: { customerId: 'CUST-A' } });
    expect(customersTold(w, id)).toEqual(['CUST-A']);
    expectInvariants(w);
  });

  it('sets back a customer edit judged alone after the cancellation it raced was committed, and keeps the cancellation', async () => {
    const w = memoryWorld();
    const { id } = await heldForA(w);
    w.console.edit('shipments', id, 'status', 'CANCELLED');
    w.faults.beforeNext('shipments.commit', () => w.console.edit('shipments', id, 'customerId', 'CUST-B'));
    const run = async (records: ReturnType<MemoryWorld['shipmentRecords']>) => {
      await recordShipmentHistory(w.shipmentDeps(), records);
      await processShipmentRecords(w.shipmentDeps(), records);
    };
    await run(w.shipmentRecords()); // the cancellation, committed after the edit
    const [edit, ...later] = w.shipmentRecords(); // the edit, then the cancellation's commit
    expect(edit?.newImage).toMatchObject({ customerId: 'CUST-B', countedStatus: 'HELD' });
    await run(edit ? [edit] : []); // a batch split between the two (bisected, or the commit not yet on the stream)
    await run(later);
    await settleShipments(w);
    expect(w.shipment(id)).toMatchObject({
      status: 'CANCELLED',
      countedStatus: 'CANCELLED',
      customerId: 'CUST-A',
    });
    expect(rejectedEntries(w, id)).toHaveLength(1);
    expect(customersTold(w, id)).toEqual(['CUST-A']);
    expectInvariants(w);
  });
});

describe('a shipment status emptied or removed in the console', () => {
  it.each<[string, unknown]>([
    ['emptied (NULL)', null],
    ['removed', undefined],
  ])('is set back when %s, so a later suspension re-holds the shipment', async (_name, status) => {
    const w = memoryWorld();
    const lut = givenLicense(w, { authorizedQuantity: 100 });
    const s = lut.shipment({ quantity: 10 });
    w.console.put('shipments', s);
    await settleShipments(w);
    await setStatus(w, lut.licenseId, 'APPROVED');
    await settleShipments(w);
    w.console.edit('shipments', s.shipmentId, 'status', status);
    await settleShipments(w);
    expect(w.shipment(s.shipmentId)).toMatchObject({
      status: 'RELEASED',
      statusError: expect.stringContaining('The status was set back to RELEASED'),
    });
    expect(rejectedEntries(w, s.shipmentId)).toHaveLength(1);
    expect(await setStatus(w, lut.licenseId, 'SUSPENDED')).toMatchObject({ reheld: 1 });
    await settleShipments(w);
    expect(w.license(lut.licenseId).releasedQuantity).toBe(0);
    expectInvariants(w);
  });
});

describe('a fixed field of a CANCELLED shipment edited', () => {
  it('does not tell the admin to cancel the shipment: it is cancelled and final', () => {
    const old = { shipmentId: 'SHP-C', quantity: 30, status: 'CANCELLED', countedStatus: 'CANCELLED' };
    const r = immutableRejection('SHP-C', { ...old, quantity: 40 }, old, ['quantity']);
    expect(r.statusError).not.toMatch(/cancel this shipment/);
    expect(r.statusError).toBe(
      'Rejected edit of quantity: these cannot change once a shipment is accepted (counters and the license depend on them). The old values were restored; a CANCELLED shipment is final and counts nothing, so its record keeps them: to ship these goods with other values, create a new shipment with a new shipmentId.',
    );
    // The others keep their advice.
    for (const [counted, fix] of [
      ['HELD', /cancel this shipment and create a new one/],
      ['RELEASED', /cancel this shipment and create a new one/],
      ['SHIPPED', /have compliance correct the export record/],
    ] as const) {
      const o = { ...old, status: counted, countedStatus: counted };
      expect(immutableRejection('SHP-C', { ...o, quantity: 40 }, o, ['quantity']).statusError).toMatch(fix);
    }
  });

  it('sets the quantity back on the item with that advice', async () => {
    const w = memoryWorld();
    const { lut, id } = await heldShipment(w);
    w.console.edit('shipments', id, 'status', 'CANCELLED');
    await settleShipments(w);
    w.console.edit('shipments', id, 'quantity', 40);
    expect(await shipmentEvents(w)).toMatchObject({ rejected: 1 });
    expect(w.shipment(id)).toMatchObject({ quantity: 30, status: 'CANCELLED', countedStatus: 'CANCELLED' });
    expect(w.shipment(id).statusError).toMatch(/a CANCELLED shipment is final and counts nothing/);
    expect(w.license(lut.licenseId).releasedQuantity).toBe(0);
    expectInvariants(w);
  });
});
