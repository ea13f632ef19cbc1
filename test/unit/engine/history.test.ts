/**
 * History entries (docs/data-contract.md, "History"; I6): license decisions
 * with their actor and reason, the system's releases and re-holds with the
 * decision behind them as trigger, manual edits, rejected edits, and no entry
 * lost or doubled under redelivery and crashes.
 */
import { describe, expect, it } from 'vitest';
import { HistoryAppendError } from '../../../shared/domain/errors.js';
import { historyKey } from '../../../shared/domain/history.js';
import type { HistoryRepository, RawItem } from '../../../shared/domain/ports.js';
import { clockTick } from '../../../shared/engine/clock.js';
import { processShipmentRecords, recordShipmentHistory } from '../../../shared/engine/shipment-engine.js';
import {
  apply,
  givenLicense,
  type LicenseUnderTest,
  shipmentEvents,
} from '../../helpers/fakes/engine-kit.js';
import { isSeededEntry, type MemoryWorld, memoryWorld } from '../../helpers/fakes/world.js';

/** A license with `n` shipments of 10 units entered through the console and taken in by shipment-events. */
async function withShipments(w: MemoryWorld, n: number, license = {}) {
  const lut = givenLicense(w, { authorizedQuantity: 10 * n, ...license });
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const s = lut.shipment({ priority: i + 1, quantity: 10, value: 1000 });
    w.console.put('shipments', s);
    ids.push(s.shipmentId);
  }
  await shipmentEvents(w); // intake: counted HELD, revision 1
  await shipmentEvents(w); // the intake's own records: their History entries
  return { lut, ids };
}

/** The admin edits the license in the console (several attributes in one edit), and license-events applies it. */
async function edit(w: MemoryWorld, lut: LicenseUnderTest, changes: Record<string, unknown>) {
  w.advance(1000); // entries sort by the time they were committed
  const current = w.license(lut.licenseId);
  w.console.put('licenses', { ...current, ...changes });
  const outcome = await apply(w, lut.licenseId);
  await shipmentEvents(w);
  return outcome;
}

/** A license's entries, but for its seeded decision (givenLicense): those the test made. */
const entriesOf = (w: MemoryWorld, licenseId: string) =>
  w.entries().filter((e) => e.licenseId === licenseId && !isSeededEntry(e));
const licenseEntries = (w: MemoryWorld, licenseId: string) =>
  entriesOf(w, licenseId).filter((e) => e.shipmentId === undefined);
const shipmentEntries = (w: MemoryWorld, shipmentId: string) =>
  w.entries().filter((e) => e.shipmentId === shipmentId);
const balance = (entries: RawItem[]) =>
  entries.reduce<{ quantity: number; value: number }>(
    (b, e) => {
      const d = e.drawn as { quantity: number; value: number } | undefined;
      return { quantity: b.quantity + (d?.quantity ?? 0), value: b.value + (d?.value ?? 0) };
    },
    { quantity: 0, value: 0 },
  );

describe('History: license decisions', () => {
  it('enters an approval with the edit’s updatedBy and statusReason, and each release as clearance’s with the approval as trigger', async () => {
    const w = memoryWorld();
    const { lut, ids } = await withShipments(w, 3);
    await edit(w, lut, { status: 'APPROVED', updatedBy: 'alice@corp', statusReason: 'BIS license granted' });
    expect(licenseEntries(w, lut.licenseId)).toEqual([
      expect.objectContaining({
        eventType: 'LICENSE_APPROVED',
        actor: 'alice@corp',
        reason: 'BIS license granted',
        status: 'APPROVED',
        previousStatus: 'PENDING',
      }),
    ]);
    const released = shipmentEntries(w, String(ids[0])).at(-1);
    expect(released).toMatchObject({
      eventType: 'SHIPMENT_RELEASED',
      actor: 'clearance',
      trigger: { eventType: 'LICENSE_APPROVED', actor: 'alice@corp', reason: 'BIS license granted' },
      quantity: 10,
      value: 1000,
      drawn: { quantity: 10, value: 1000 },
      previousStatus: 'HELD',
      status: 'RELEASED',
    });
    expect(balance(entriesOf(w, lut.licenseId))).toEqual({ quantity: 30, value: 3000 });
    // The seeded PENDING decision, then the approval; releases are not license changes.
    expect(w.license(lut.licenseId)).toMatchObject({ appliedChanges: 2, releasedQuantity: 30 });
    expect(w.historyViolations()).toEqual([]);
  });

  it('names an edit that did not set updatedBy and statusReason anew `unknown`, never the previous editor', async () => {
    const w = memoryWorld();
    const { lut } = await withShipments(w, 1);
    await edit(w, lut, { status: 'APPROVED', updatedBy: 'alice', statusReason: 'granted' });
    await edit(w, lut, { status: 'SUSPENDED' });
    await edit(w, lut, { status: 'APPROVED', statusReason: 'suspension lifted' });
    expect(licenseEntries(w, lut.licenseId).map((e) => [e.eventType, e.actor, e.reason])).toEqual([
      ['LICENSE_APPROVED', 'alice', 'granted'],
      ['LICENSE_SUSPENDED', 'unknown', undefined],
      ['LICENSE_APPROVED', 'alice', 'suspension lifted'],
    ]);
    expect(w.license(lut.licenseId)).toMatchObject({ updatedBy: 'alice', statusReason: 'suspension lifted' });
    expect(w.historyViolations()).toEqual([]);
  });

  it('enters an amendment with the terms it changed, and the re-holds it makes with the amendment as trigger', async () => {
    const w = memoryWorld();
    const { lut, ids } = await withShipments(w, 3);
    await edit(w, lut, { status: 'APPROVED', updatedBy: 'alice', statusReason: 'granted' });
    await edit(w, lut, { authorizedQuantity: 20, updatedBy: 'bob', statusReason: 'amendment letter 7' });
    expect(licenseEntries(w, lut.licenseId).at(-1)).toMatchObject({
      eventType: 'LICENSE_AMENDED',
      actor: 'bob',
      reason: 'amendment letter 7',
      changes: 'authorizedQuantity 30 → 20',
    });
    expect(shipmentEntries(w, String(ids[2])).at(-1)).toMatchObject({
      eventType: 'SHIPMENT_REHELD',
      actor: 'clearance',
      trigger: { eventType: 'LICENSE_AMENDED', actor: 'bob' },
      holdReason: 'LICENSE_QUANTITY_EXHAUSTED',
      drawn: { quantity: -10, value: -1000 },
    });
    expect(balance(entriesOf(w, lut.licenseId))).toEqual({ quantity: 20, value: 2000 });
    expect(w.historyViolations()).toEqual([]);
  });

  it('enters the clock’s expiry as clearance’s, with the approval as trigger', async () => {
    const w = memoryWorld();
    const { lut } = await withShipments(w, 1, { validUntil: '2026-06-02T00:00:00.000Z' });
    await edit(w, lut, { status: 'APPROVED', updatedBy: 'alice', statusReason: 'granted' });
    w.setNow('2026-06-02T00:00:01.000Z');
    await clockTick(w.licenses, w.now(), w.newToken);
    await apply(w, lut.licenseId);
    await shipmentEvents(w);
    expect(licenseEntries(w, lut.licenseId).at(-1)).toMatchObject({
      eventType: 'LICENSE_EXPIRED',
      actor: 'clearance',
      reason: expect.stringContaining('validity window ended'),
      trigger: { eventType: 'LICENSE_APPROVED', actor: 'alice', reason: 'granted' },
    });
    expect(balance(entriesOf(w, lut.licenseId))).toEqual({ quantity: 0, value: 0 });
    expect(w.historyViolations()).toEqual([]);
  });

  it('enters a rejected status edit once, with its reason, however often it is delivered', async () => {
    const w = memoryWorld();
    const { lut } = await withShipments(w, 1);
    await edit(w, lut, { status: 'APPROVD', updatedBy: 'carol' });
    await apply(w, lut.licenseId);
    await apply(w, lut.licenseId);
    const rejected = entriesOf(w, lut.licenseId).filter((e) => e.eventType === 'EDIT_REJECTED');
    expect(rejected).toEqual([
      expect.objectContaining({
        actor: 'carol',
        status: 'APPROVD',
        reason: expect.stringContaining('APPROVD'),
      }),
    ]);
    // Only the seeded decision: a rejection is not counted.
    expect(w.license(lut.licenseId).appliedChanges).toBe(1);
    expect(w.historyViolations()).toEqual([]);
  });

  it('does not credit the author of a rejected edit with the next edit, which did not name its author', async () => {
    const w = memoryWorld();
    const { lut } = await withShipments(w, 1);
    await edit(w, lut, { status: 'APPROVD', updatedBy: 'erin', statusReason: 'granted' });
    await edit(w, lut, { status: 'APPROVED' });
    expect(licenseEntries(w, lut.licenseId).map((e) => [e.eventType, e.actor])).toEqual([
      ['EDIT_REJECTED', 'erin'],
      ['LICENSE_APPROVED', 'unknown'],
    ]);
  });

  it('keeps a rejected edit’s entry and record small: a 300 KB status or statusReason is cut, as alerts cut it', async () => {
    const w = memoryWorld();
    const { lut } = await withShipments(w, 1);
    const huge = 'X'.repeat(300 * 1024);
    await edit(w, lut, { status: huge, updatedBy: huge, statusReason: huge });
    const [rejected] = licenseEntries(w, lut.licenseId).filter((e) => e.eventType === 'EDIT_REJECTED');
    expect(String(rejected?.status)).toMatch(/^X{200}… \(307200 characters\)$/);
    expect(String(rejected?.actor)).toHaveLength(1000);
    expect(JSON.stringify(w.license(lut.licenseId).attributed).length).toBeLessThan(2200);
  });

  it('enters a rejected amendment in the transaction that writes it back', async () => {
    const w = memoryWorld();
    const { lut } = await withShipments(w, 1);
    await edit(w, lut, { status: 'APPROVED', updatedBy: 'alice', statusReason: 'granted' });
    await edit(w, lut, { customerId: 'CUST-OTHER', updatedBy: 'dave', statusReason: 'typo' });
    const rejected = entriesOf(w, lut.licenseId).filter((e) => e.eventType === 'EDIT_REJECTED');
    expect(rejected).toEqual([
      expect.objectContaining({ actor: 'dave', reason: expect.stringContaining('customerId') }),
    ]);
    expect(w.store.ops().filter((op) => op === 'licenses.revertTerms')).toHaveLength(1);
  });
});

describe('History: shipment changes', () => {
  it('enters intake, release, a manual SHIPPED by its editor and a cancellation, one entry per revision', async () => {
    const w = memoryWorld();
    const { lut, ids } = await withShipments(w, 2);
    await edit(w, lut, { status: 'APPROVED', updatedBy: 'alice', statusReason: 'granted' });
    const [a, b] = [String(ids[0]), String(ids[1])];
    w.console.put('shipments', {
      ...w.shipment(a),
      status: 'SHIPPED',
      updatedBy: 'wh-berlin',
      statusReason: 'truck 12',
    });
    w.console.put('shipments', { ...w.shipment(b), status: 'CANCELLED' });
    await shipmentEvents(w);
    await apply(w, lut.licenseId);
    await shipmentEvents(w);
    expect(shipmentEntries(w, a).map((e) => [e.eventType, e.actor, e.reason])).toEqual([
      ['SHIPMENT_HELD', 'unknown', undefined],
      ['SHIPMENT_RELEASED', 'clearance', undefined],
      ['SHIPMENT_SHIPPED', 'wh-berlin', 'truck 12'],
    ]);
    expect(
      shipmentEntries(w, b).map((e) => [e.eventType, e.actor, (e.drawn as { quantity: number }).quantity]),
    ).toEqual([
      ['SHIPMENT_HELD', 'unknown', 0],
      ['SHIPMENT_RELEASED', 'clearance', 10],
      ['SHIPMENT_CANCELLED', 'unknown', -10],
    ]);
    expect(balance(entriesOf(w, lut.licenseId)).quantity).toBe(w.license(lut.licenseId).releasedQuantity);
    expect(w.historyViolations()).toEqual([]);
  });

  it('names the writer of a new shipment (its updatedBy and statusReason) in its SHIPMENT_HELD entry', async () => {
    const w = memoryWorld();
    const lut = givenLicense(w);
    const s = lut.shipment({ updatedBy: 'erp-import', statusReason: 'PO 4711' });
    w.console.put('shipments', s);
    await shipmentEvents(w);
    await shipmentEvents(w);
    expect(shipmentEntries(w, s.shipmentId)).toEqual([
      expect.objectContaining({ eventType: 'SHIPMENT_HELD', actor: 'erp-import', reason: 'PO 4711' }),
    ]);
  });

  it('enters a re-hold as returning what the license drew, not a value edit still waiting to be set back', async () => {
    const w = memoryWorld();
    const { lut, ids } = await withShipments(w, 1, { authorizedValue: 10_000 });
    await edit(w, lut, { status: 'APPROVED' });
    const [id] = ids as [string];
    // The value is edited while RELEASED (to be set back), and a suspension re-holds it before shipment-events runs.
    w.console.edit('shipments', id, 'value', 5000);
    await edit(w, lut, { status: 'SUSPENDED' });
    await shipmentEvents(w);
    expect(shipmentEntries(w, id).find((e) => e.eventType === 'SHIPMENT_REHELD')).toMatchObject({
      drawn: { quantity: -10, value: -1000 },
    });
    expect(w.license(lut.licenseId)).toMatchObject({ releasedQuantity: 0, releasedValue: 0 });
    expect(balance(entriesOf(w, lut.licenseId))).toEqual({ quantity: 0, value: 0 });
  });

  it('enters a rejected shipment edit when it is written back, in the same write: never before the edit', async () => {
    const w = memoryWorld();
    const { ids } = await withShipments(w, 1);
    const id = String(ids[0]);
    w.advance(1234);
    w.console.put('shipments', { ...w.shipment(id), status: 'SHIPPED', updatedBy: 'erin' });
    const editedAt = w.now().toISOString();
    w.advance(50);
    await shipmentEvents(w);
    const [rejected] = shipmentEntries(w, id).filter((e) => e.eventType === 'EDIT_REJECTED');
    expect(String(rejected?.at) >= editedAt).toBe(true);
    // One call wrote the edit back and entered it: a shipments.update carrying the entry.
    const writeBack = w.store.calls.filter((c) => c.op === 'shipments.update' && c.args.length === 2);
    expect(writeBack.map((c) => (c.args[1] as { entryId: string }).entryId)).toEqual([rejected?.entryId]);
    expect(w.shipment(id).statusError).toBeDefined();
  });

  it('enters a rejected shipment edit once, keyed by its stream record, also when the record comes again', async () => {
    const w = memoryWorld();
    const { lut, ids } = await withShipments(w, 1);
    const id = String(ids[0]);
    w.console.put('shipments', { ...w.shipment(id), status: 'SHIPPED', updatedBy: 'erin' });
    const records = w.shipmentRecords();
    await processShipmentRecords(w.shipmentDeps(), records);
    await processShipmentRecords(w.shipmentDeps(), records);
    await shipmentEvents(w);
    const rejected = shipmentEntries(w, id).filter((e) => e.eventType === 'EDIT_REJECTED');
    expect(rejected).toEqual([
      expect.objectContaining({
        licenseId: lut.licenseId,
        actor: 'erin',
        status: 'SHIPPED',
        previousStatus: 'HELD',
      }),
    ]);
    expect(w.historyViolations()).toEqual([]);
  });

  it('writes back the same illegal status edit made again, and enters it again (its statusError is still on the item)', async () => {
    const w = memoryWorld();
    const { ids } = await withShipments(w, 1);
    const id = String(ids[0]);
    for (const by of ['erin', 'frank']) {
      w.advance(1000);
      w.console.put('shipments', { ...w.shipment(id), status: 'SHIPPED', updatedBy: by });
      await shipmentEvents(w);
      await shipmentEvents(w);
      expect(w.shipment(id)).toMatchObject({ status: 'HELD', countedStatus: 'HELD' });
    }
    expect(
      shipmentEntries(w, id)
        .filter((e) => e.eventType === 'EDIT_REJECTED')
        .map((e) => e.actor),
    ).toEqual(['erin', 'frank']);
    expect(w.alerter.about(id)).toHaveLength(2);
    expect(w.historyViolations()).toEqual([]);
  });

  it('loses and doubles nothing when the History append fails and the batch is delivered again', async () => {
    const w = memoryWorld();
    const { lut } = await withShipments(w, 5);
    w.console.put('licenses', { ...w.license(lut.licenseId), status: 'APPROVED', updatedBy: 'alice' });
    await apply(w, lut.licenseId);
    const records = w.shipmentRecords();
    w.faults.failNext('history.append', new Error('throttled'));
    await expect(recordShipmentHistory(w.shipmentDeps(), records)).rejects.toThrow('throttled');
    await recordShipmentHistory(w.shipmentDeps(), records);
    await recordShipmentHistory(w.shipmentDeps(), records);
    expect(w.entries().filter((e) => e.eventType === 'SHIPMENT_RELEASED')).toHaveLength(5);
    expect(w.historyViolations()).toEqual([]);
  });

  describe('an append that writes only some entries (HistoryAppendError)', () => {
    /** Five releases' records, and a History that writes the first `k` entries it is given and names the rest. */
    async function partly(k: number) {
      const w = memoryWorld();
      const { lut } = await withShipments(w, 5);
      w.console.put('licenses', { ...w.license(lut.licenseId), status: 'APPROVED', updatedBy: 'alice' });
      await apply(w, lut.licenseId);
      const records = w.shipmentRecords();
      const { history } = w.shipmentDeps();
      const failing: HistoryRepository = {
        async append(entries) {
          await history.append(entries.slice(0, k));
          throw new HistoryAppendError('History entries not written: throttled', entries.slice(k));
        },
      };
      return { w, records, failing, history };
    }

    it('reports the records of the entries not written; read again from the first of them, each entry is there once', async () => {
      const { w, records, failing, history } = await partly(2);
      expect(records).toHaveLength(5);
      const outcome = await recordShipmentHistory({ history: failing }, records);
      expect(outcome).toEqual({
        appended: 2,
        failed: records.slice(2).map((r) => r.sequence),
        reason: 'History entries not written: throttled',
      });
      expect(w.entries().filter((e) => e.eventType === 'SHIPMENT_RELEASED')).toHaveLength(2);
      // The stream checkpoints the records before the first failed one and delivers the rest again.
      const from = records.findIndex((r) => r.sequence === outcome.failed[0]);
      expect(await recordShipmentHistory({ history }, records.slice(from))).toEqual({
        appended: 3,
        failed: [],
      });
      expect(w.entries().filter((e) => e.eventType === 'SHIPMENT_RELEASED')).toHaveLength(5);
      expect(w.historyViolations()).toEqual([]);
    });

    it('throws when not even the first entry was written: the whole batch is read again', async () => {
      const { w, records, failing, history } = await partly(0);
      await expect(recordShipmentHistory({ history: failing }, records)).rejects.toBeInstanceOf(
        HistoryAppendError,
      );
      expect(await recordShipmentHistory({ history }, records)).toEqual({ appended: 5, failed: [] });
      expect(w.historyViolations()).toEqual([]);
    });
  });

  it("notifies every release while History cannot be written: recording is shipment-history's, apart", async () => {
    const w = memoryWorld();
    const { lut } = await withShipments(w, 5);
    w.console.put('licenses', { ...w.license(lut.licenseId), status: 'APPROVED', updatedBy: 'alice' });
    await apply(w, lut.licenseId);
    const records = w.shipmentRecords();
    for (let i = 0; i < 3; i++) w.faults.failNext('history.append', new Error('throttled'));
    const notified = await processShipmentRecords(w.shipmentDeps(), records);
    expect(notified.failed).toEqual([]);
    expect(notified.changes.filter((c) => c.eventType === 'SHIPMENT_RELEASED')).toHaveLength(5);
    expect(w.entries().filter((e) => e.eventType === 'SHIPMENT_RELEASED')).toEqual([]);
    // The History consumer, on the same records: throttled until it is not, then every entry once.
    await expect(recordShipmentHistory(w.shipmentDeps(), records)).rejects.toThrow('throttled');
    await expect(recordShipmentHistory(w.shipmentDeps(), records)).rejects.toThrow('throttled');
    await expect(recordShipmentHistory(w.shipmentDeps(), records)).rejects.toThrow('throttled');
    expect(await recordShipmentHistory(w.shipmentDeps(), records)).toEqual({ appended: 5, failed: [] });
    expect(w.entries().filter((e) => e.eventType === 'SHIPMENT_RELEASED')).toHaveLength(5);
    expect(w.historyViolations()).toEqual([]);
  });

  it('records nothing for stream records that carry no committed change', async () => {
    const w = memoryWorld();
    const { ids } = await withShipments(w, 1);
    const id = String(ids[0]);
    // A console edit that changes nothing counted (a note): its record has no new revision.
    w.console.edit('shipments', id, 'note', 'call before delivery');
    expect(await recordShipmentHistory(w.shipmentDeps(), w.shipmentRecords())).toEqual({
      appended: 0,
      failed: [],
    });
    expect(w.historyViolations()).toEqual([]);
  });

  it('reports a missing entry and a shipment entered twice as I6 violations', async () => {
    const w = memoryWorld();
    const { ids } = await withShipments(w, 2);
    const [a, b] = [String(ids[0]), String(ids[1])];
    const entry = shipmentEntries(w, a)[0] as RawItem;
    w.store.tables.history.delete(
      historyKey({ licenseId: String(entry.licenseId), entryId: String(entry.entryId) }),
    );
    const twice = shipmentEntries(w, b)[0] as RawItem;
    w.store.put('history', {
      ...twice,
      entryId: `${String(twice.entryId).replace(/^[^#]+/, '2030-01-01T00:00:00.000Z')}`,
    });
    expect(w.historyViolations().map((v) => [v.key, v.message])).toEqual([
      [{ shipmentId: a }, expect.stringContaining('missing revisions 1')],
      [{ shipmentId: b }, expect.stringContaining('revisions entered twice 1')],
    ]);
  });
});
