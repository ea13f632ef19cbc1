/**
 * processShipmentRecords on console writes: intake of new HELD shipments,
 * legal manual SHIPPED and CANCELLED, rejected edits, and redelivery.
 */
import { describe, expect, it } from 'vitest';
import { indexKey } from '../../../shared/domain/index-keys.js';
import type { License } from '../../../shared/domain/model.js';
import { holdOrderKey } from '../../../shared/domain/planning.js';
import { processShipmentRecords, type ShipmentRecord } from '../../../shared/engine/shipment-engine.js';
import { GSI_ATTR } from '../../../shared/names.js';
import {
  apply,
  expectCounters,
  expectInvariants,
  givenLicense,
  idsWith,
  ON_HAND,
  setStatus,
  settleShipments,
  shipmentEvents,
} from '../../helpers/fakes/engine-kit.js';
import { type MemoryWorld, memoryWorld } from '../../helpers/fakes/world.js';

/** A license applied as `status`, with `quantities` accepted through the intake (and released if APPROVED). */
async function licensed(w: MemoryWorld, quantities: number[], overrides: Partial<License> = {}) {
  const lut = givenLicense(w, { authorizedQuantity: 100, ...overrides });
  const shipments = quantities.map((quantity, priority) => lut.shipment({ quantity, priority }));
  for (const s of shipments) w.console.put('shipments', s);
  await shipmentEvents(w);
  if (w.license(lut.licenseId).pendingWork !== undefined) await apply(w, lut.licenseId);
  await shipmentEvents(w);
  w.alerter.alerts.length = 0;
  return { ...lut, ids: shipments.map((s) => s.shipmentId) };
}

const holdReasonsOf = (w: MemoryWorld, list: readonly { shipmentId: string }[]) =>
  list.map((s) => w.shipment(s.shipmentId).holdReason);

/** shipment-events on chosen records (a redelivery). */
const deliver = (w: MemoryWorld, records: readonly ShipmentRecord[]) =>
  processShipmentRecords(w.shipmentDeps(), records);

describe('intake', () => {
  it('accepts a new HELD shipment: counted, in the held index in hold order, hold reason from the license', async () => {
    const w = memoryWorld();
    const lut = givenLicense(w);
    const s = lut.shipment({ quantity: 30, holdReason: 'LICENSE_QUANTITY_EXHAUSTED', statusError: 'old' });
    w.console.put('shipments', s);

    const result = await shipmentEvents(w);
    expect(result).toMatchObject({ accepted: 1, rejected: 0 });
    const item = w.shipment(s.shipmentId);
    expect(item).toMatchObject({
      status: 'HELD',
      countedStatus: 'HELD',
      holdReason: 'LICENSE_PENDING',
      revision: 1,
      changedBy: 'clearance',
      [GSI_ATTR.heldLicenseId]: indexKey(lut.licenseId, s.shipmentId),
      [GSI_ATTR.holdOrder]: holdOrderKey(s),
    });
    expect(item.statusError).toBeUndefined();
    expectCounters(w, lut.license.sku, 'WH-1', { held: 30, released: 0 });
    expect(
      w.license(lut.licenseId).pendingWork,
      'no release asked for under a PENDING license',
    ).toBeUndefined();
    expectInvariants(w);
  });

  it.each([
    ['SUSPENDED', {}, 'LICENSE_SUSPENDED'],
    ['DENIED', {}, 'LICENSE_DENIED'],
    ['REVOKED', {}, 'LICENSE_REVOKED'],
    ['PENDING', { customerId: 'CUST-OTHER' }, 'LICENSE_MISMATCH'],
  ] as const)(
    'holds a new shipment under a %s license with the reason its state gives',
    async (status, o, reason) => {
      const w = memoryWorld();
      const lut = givenLicense(w, { status, appliedStatus: status });
      const s = lut.shipment(o);
      w.console.put('shipments', s);
      await shipmentEvents(w);
      expect(w.shipment(s.shipmentId)).toMatchObject({ countedStatus: 'HELD', holdReason: reason });
    },
  );

  it.each([
    ['exhausted', { authorizedQuantity: 100, releasedQuantity: 95 }, {}, 'LICENSE_QUANTITY_EXHAUSTED'],
    [
      'out of value',
      { authorizedValue: 50_000, releasedValue: 45_000 },
      { value: 10_000 },
      'LICENSE_VALUE_EXHAUSTED',
    ],
    [
      'under a value limit, for a shipment without value',
      { authorizedValue: 50_000 },
      {},
      'SHIPMENT_VALUE_MISSING',
    ],
    [
      'not yet valid',
      { validFrom: '2998-01-01T00:00:00.000Z', validUntil: '2999-01-01T00:00:00.000Z' },
      {},
      'LICENSE_NOT_YET_VALID',
    ],
  ] as const)(
    'holds a new shipment under an APPROVED license that is %s with the reason the release pass would give, and the pass has nothing to relabel',
    async (_state, terms, o, reason) => {
      const w = memoryWorld();
      const lut = givenLicense(w, { status: 'APPROVED', appliedStatus: 'APPROVED', ...terms });
      const s = lut.shipment({ quantity: 10, ...o });
      w.console.put('shipments', s);
      await shipmentEvents(w);
      expect(w.shipment(s.shipmentId)).toMatchObject({ countedStatus: 'HELD', holdReason: reason });
      const revision = w.shipment(s.shipmentId).revision;
      await apply(w, lut.licenseId);
      expect(w.shipment(s.shipmentId)).toMatchObject({ status: 'HELD', holdReason: reason, revision });
    },
  );

  it('asks an APPROVED license for a release pass, which releases the new shipment', async () => {
    const w = memoryWorld();
    const lut = givenLicense(w, { status: 'APPROVED', appliedStatus: 'APPROVED', workCursor: 'old' });
    const s = lut.shipment({ quantity: 20 });
    w.console.put('shipments', s);
    await shipmentEvents(w);
    expect(
      w.store.ops().filter((op) => op.startsWith('licenses.')),
      'one read, one request',
    ).toEqual(['licenses.batchGet', 'licenses.requestRelease']);
    const l = w.license(lut.licenseId);
    expect(l.pendingWork).toEqual(expect.any(String));
    expect(l.workCursor).toBeUndefined();
    expect(w.shipment(s.shipmentId)).toMatchObject({ status: 'HELD', holdReason: 'LICENSE_PENDING' });

    expect(await apply(w, lut.licenseId)).toMatchObject({ released: 1 });
    expect(w.shipment(s.shipmentId)).toMatchObject({ status: 'RELEASED', countedStatus: 'RELEASED' });
    expectCounters(w, lut.license.sku, 'WH-1', { held: 0, released: 20 });
    expectInvariants(w);
  });

  it('releases a shipment accepted while its license was approved, though the release pass looked first', async () => {
    const w = memoryWorld();
    const lut = givenLicense(w);
    const s = lut.shipment();
    w.console.put('shipments', s);
    // The intake has read the license (PENDING); before it commits, the approval's pass runs and finds nothing.
    w.faults.beforeNext('shipments.commit', async () => {
      expect(await setStatus(w, lut.licenseId, 'APPROVED')).toMatchObject({ kind: 'completed', released: 0 });
    });
    await shipmentEvents(w);
    expect(w.license(lut.licenseId).pendingWork, 'the read after the commit saw the approval').toEqual(
      expect.any(String),
    );
    await apply(w, lut.licenseId);
    expect(w.shipment(s.shipmentId)).toMatchObject({ status: 'RELEASED' });
    expectInvariants(w);
  });

  it.each(['customerId', 'sku'])(
    'judges a new shipment under the terms in force while a %s typo of its APPROVED license waits to be set back',
    async (field) => {
      const w = memoryWorld();
      const lut = givenLicense(w, { authorizedQuantity: 100 });
      await setStatus(w, lut.licenseId, 'APPROVED');
      w.console.edit('licenses', lut.licenseId, field, 'TYPO');
      const s = lut.shipment({ quantity: 10 });
      w.console.put('shipments', s);
      await settleShipments(w);
      // Not LICENSE_MISMATCH, which asks for no pass and would keep it held for good.
      expect(w.shipment(s.shipmentId).holdReason).toBe('LICENSE_PENDING');
      expect(await apply(w, lut.licenseId)).toMatchObject({ kind: 'rejected' }); // the typo, set back
      await apply(w, lut.licenseId); // the write-back's record: the release the intake asked for
      await settleShipments(w);
      expect(w.shipment(s.shipmentId)).toMatchObject({ status: 'RELEASED' });
      expectInvariants(w);
    },
  );

  it('rejects a new shipment whose (sku, warehouse) has no Inventory item: not counted, alerted once', async () => {
    const w = memoryWorld();
    const lut = givenLicense(w);
    const s = lut.shipment({ warehouseId: 'WH-NOWHERE' });
    w.console.put('shipments', s);
    expect(await shipmentEvents(w)).toMatchObject({ accepted: 0, rejected: 1 });
    const item = w.shipment(s.shipmentId);
    expect(item.statusError).toMatch(/no Inventory item for sku .* at warehouse WH-NOWHERE/);
    expect([item.countedStatus, item[GSI_ATTR.heldLicenseId], item.revision]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    expect(w.alerter.about(s.shipmentId)).toHaveLength(1);

    // The record of that rejection write comes back: the same rejection, neither alerted nor written again.
    const updates = w.store.ops().filter((op) => op === 'shipments.update').length;
    expect(await shipmentEvents(w)).toMatchObject({ rejected: 0 });
    expect(w.alerter.about(s.shipmentId)).toHaveLength(1);
    expect(w.store.ops().filter((op) => op === 'shipments.update')).toHaveLength(updates);
  });

  it('tells ops once per unknown license id of a batch, and releases the shipments when that license is created', async () => {
    const w = memoryWorld();
    const lut = givenLicense(w, { authorizedQuantity: 100 });
    const typo = `${lut.licenseId}-TYPO`;
    const held = [10, 20, 5].map((quantity, priority) => ({
      ...lut.shipment({ quantity, priority }),
      licenseId: typo,
    }));
    const fine = lut.shipment({ quantity: 1 });
    for (const s of [...held, fine]) w.console.put('shipments', s);
    expect(await shipmentEvents(w)).toMatchObject({ accepted: 4, rejected: 0 });
    expect(w.alerter.about(lut.licenseId)).toEqual([]);
    const alerts = w.alerter.about(typo);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      severity: 'normal',
      subject: `License ${typo} does not exist: 3 shipment(s) held under it`,
    });
    expect(alerts[0]?.message).toContain(`3 new shipment(s), 35 units, name license ${typo}`);
    expect(alerts[0]?.message).toContain(held.map((s) => s.shipmentId).join(', '));
    expect(alerts[0]?.message).toContain('cancel each shipment');
    expect(holdReasonsOf(w, held)).toEqual(['LICENSE_PENDING', 'LICENSE_PENDING', 'LICENSE_PENDING']);

    // The intake's own records do not alert again; a license with that id, once approved, releases them.
    await shipmentEvents(w);
    expect(w.alerter.about(typo)).toHaveLength(1);
    w.console.put('licenses', {
      ...lut.license,
      licenseId: typo,
      status: 'APPROVED',
      appliedStatus: undefined,
    });
    await apply(w, typo);
    expect(idsWith(w, typo, 'RELEASED').sort()).toEqual(held.map((s) => s.shipmentId).sort());
    expectInvariants(w);
  });

  it('rejects a new shipment that is not HELD, or not valid, and counts neither', async () => {
    const w = memoryWorld();
    const lut = givenLicense(w);
    const released = lut.shipment({ status: 'RELEASED' });
    const invalid = { ...lut.shipment(), quantity: '5' };
    w.console.put('shipments', released);
    w.console.put('shipments', invalid);
    expect(await shipmentEvents(w)).toMatchObject({ accepted: 0, rejected: 2 });
    expect(w.shipment(released.shipmentId).statusError).toMatch(/must start as HELD/);
    expect(w.shipment(invalid.shipmentId).statusError).toMatch(/quantity must be a Number \(N\) attribute/);
    expectCounters(w, lut.license.sku, 'WH-1', { held: 0, released: 0 });
  });
});

describe('manual edits', () => {
  it('moves a RELEASED → SHIPPED shipment from released to shipped and off onHand, exactly once', async () => {
    const w = memoryWorld();
    const lut = await licensed(w, [30, 20], { status: 'APPROVED', appliedStatus: 'APPROVED' });
    const [shipped = ''] = lut.ids;
    w.console.edit('shipments', shipped, 'status', 'SHIPPED');
    const records = w.shipmentRecords();
    expect(await deliver(w, records)).toMatchObject({ manual: 1 });
    const item = w.shipment(shipped);
    expect(item).toMatchObject({ status: 'SHIPPED', countedStatus: 'SHIPPED', revision: 3 });
    expect(item[GSI_ATTR.releasedLicenseId]).toBeUndefined();
    expectCounters(w, lut.license.sku, 'WH-1', { held: 0, released: 20, shipped: 30, onHand: ON_HAND - 30 });
    expect(w.license(lut.licenseId).releasedQuantity, 'shipped units stay consumed').toBe(50);

    await deliver(w, records);
    expectCounters(w, lut.license.sku, 'WH-1', { held: 0, released: 20, shipped: 30, onHand: ON_HAND - 30 });
    expect(w.shipment(shipped).revision).toBe(3);
    expectInvariants(w);
  });

  it('takes a HELD → CANCELLED shipment off the held counter and leaves the license alone', async () => {
    const w = memoryWorld();
    const lut = await licensed(w, [30, 20]);
    const [cancelled = ''] = lut.ids;
    w.console.edit('shipments', cancelled, 'status', 'CANCELLED');
    await shipmentEvents(w);
    expect(w.shipment(cancelled)).toMatchObject({ status: 'CANCELLED', countedStatus: 'CANCELLED' });
    expect(w.shipment(cancelled)[GSI_ATTR.heldLicenseId]).toBeUndefined();
    expectCounters(w, lut.license.sku, 'WH-1', { held: 20, released: 0 });
    expect(w.license(lut.licenseId)).toMatchObject({ releasedQuantity: 0 });
    expect(w.license(lut.licenseId).pendingWork).toBeUndefined();
    expectInvariants(w);
  });

  it('gives the units of a RELEASED → CANCELLED shipment back and asks for a release, so a held one that now fits goes', async () => {
    const w = memoryWorld();
    // 50 units: A (30) goes, B (25) does not fit, C (20) goes.
    const lut = await licensed(w, [30, 25, 20], {
      authorizedQuantity: 50,
      status: 'APPROVED',
      appliedStatus: 'APPROVED',
    });
    const [a = '', b = '', c = ''] = lut.ids;
    expect(w.shipment(b)).toMatchObject({ status: 'HELD', holdReason: 'LICENSE_QUANTITY_EXHAUSTED' });

    w.console.edit('shipments', a, 'status', 'CANCELLED');
    await shipmentEvents(w);
    expect(w.license(lut.licenseId)).toMatchObject({ releasedQuantity: 20, pendingWork: expect.any(String) });
    expectCounters(w, lut.license.sku, 'WH-1', { held: 25, released: 20 });

    await apply(w, lut.licenseId);
    expect(idsWith(w, lut.licenseId, 'RELEASED')).toEqual([b, c].sort());
    expect(w.license(lut.licenseId).releasedQuantity).toBe(45);
    expectInvariants(w);
  });
});

describe('rejected edits', () => {
  it('rejects HELD → SHIPPED: HIGH SEVERITY alert first, then status restored with statusError; nothing counted', async () => {
    const w = memoryWorld();
    const lut = await licensed(w, [30]);
    const [id = ''] = lut.ids;
    const before = [w.items('inventory'), w.license(lut.licenseId).releasedQuantity, w.shipment(id).revision];
    w.console.edit('shipments', id, 'status', 'SHIPPED');
    const calls = w.store.calls.length;

    expect(await shipmentEvents(w)).toMatchObject({ rejected: 1, rejectedHigh: 1 });
    const [alert, ...more] = w.alerter.about(id);
    expect(more).toEqual([]);
    expect(alert).toMatchObject({ severity: 'high', subject: expect.stringMatching(/^HIGH SEVERITY: /) });
    expect(alert?.message).toContain('possible export violation');
    const ops = w.store.ops().slice(calls);
    expect(ops.indexOf('alerter.alert')).toBeLessThan(ops.indexOf('shipments.update'));
    const item = w.shipment(id);
    expect(item).toMatchObject({ status: 'HELD', countedStatus: 'HELD', holdReason: 'LICENSE_PENDING' });
    expect(item.statusError).toMatch(/^Rejected status SHIPPED: HELD → SHIPPED is not allowed/);
    expect([w.items('inventory'), w.license(lut.licenseId).releasedQuantity, item.revision]).toEqual(before);
    // Restored to HELD: the license is asked for another pass of its applied status's work.
    expect(w.license(lut.licenseId).pendingWork).toEqual(expect.any(String));
    expectInvariants(w);
  });

  it('rejects HELD → RELEASED by hand, and an unknown status, restoring the counted status', async () => {
    const w = memoryWorld();
    const lut = await licensed(w, [30, 20], {
      status: 'APPROVED',
      appliedStatus: 'APPROVED',
      authorizedQuantity: 20,
    });
    const [held = '', released = ''] = lut.ids;
    w.console.edit('shipments', held, 'status', 'RELEASED');
    w.console.edit('shipments', released, 'status', 'Shipped');
    expect(await shipmentEvents(w)).toMatchObject({ rejected: 2, rejectedHigh: 0 });
    expect(w.shipment(held)).toMatchObject({
      status: 'HELD',
      statusError: expect.stringContaining('bypasses the license check'),
    });
    expect(w.shipment(released)).toMatchObject({
      status: 'RELEASED',
      statusError: expect.stringContaining('"Shipped" is not a shipment status'),
    });
    expect(w.alerter.alerts).toHaveLength(2);
    expectInvariants(w);
  });

  it('rejects an edit of an immutable field and restores the old value', async () => {
    const w = memoryWorld();
    const lut = await licensed(w, [30]);
    const [id = ''] = lut.ids;
    w.console.edit('shipments', id, 'quantity', 3);
    await shipmentEvents(w);
    expect(w.shipment(id)).toMatchObject({
      quantity: 30,
      statusError: expect.stringContaining('Rejected edit of quantity'),
    });
    expect(w.alerter.about(id)[0]?.message).toContain('quantity 30 → 3');
    expectCounters(w, lut.license.sku, 'WH-1', { held: 30, released: 0 });
    expectInvariants(w);
  });

  it.each([
    [-1, 500, 'value must not be negative', 'value set back to 500'],
    [
      '100',
      500,
      'value must be a Number (N) attribute in whole US dollars, not a string; type a number or remove the attribute',
      'value set back to 500',
    ],
    [10.5, undefined, 'value must be a whole number of US dollars (no cents)', 'value removed (it had none)'],
  ])(
    "rejects a HELD shipment's value edited to %j: set back, alerted with the field, and still released later",
    async (typed, had, problem, back) => {
      const w = memoryWorld();
      const lut = await licensed(w, [30], { authorizedValue: 10_000 });
      const [id = ''] = lut.ids;
      if (had !== undefined) {
        w.console.edit('shipments', id, 'value', had);
        await shipmentEvents(w);
      }
      w.console.edit('shipments', id, 'value', typed);
      expect(await shipmentEvents(w)).toMatchObject({ rejected: 1 });
      const item = w.shipment(id);
      expect(item.value).toEqual(had);
      expect(item.statusError).toBe(
        `Rejected edit of value: ${problem}. ${back}; edit it again with a valid value.`,
      );
      expect(w.alerter.about(id).map((a) => a.subject)).toEqual([`Shipment ${id}: edit of value rejected`]);
      expect(w.alerter.about(id)[0]?.message).toContain(`value ${had ?? 'nothing'} → ${typed}`);
      expectCounters(w, lut.license.sku, 'WH-1', { held: 30, released: 0 });
      // The shipment stays visible to its license: approved, it is released (or waits for a value).
      await shipmentEvents(w);
      await setStatus(w, lut.licenseId, 'APPROVED');
      expect(w.shipment(id)).toMatchObject(
        had === undefined ? { status: 'HELD', holdReason: 'SHIPMENT_VALUE_MISSING' } : { status: 'RELEASED' },
      );
      expectInvariants(w);
    },
  );

  it.each([
    ['RELEASED', /cannot change while the shipment is RELEASED.*cancel this shipment and create a new one/],
    ['SHIPPED', /cannot change while the shipment is SHIPPED.*SHIPPED shipment is final.*compliance/],
  ] as const)(
    'rejects a value edit of a %s shipment and restores it, with a fix that is possible',
    async (counted, fix) => {
      const w = memoryWorld();
      const lut = givenLicense(w, { status: 'APPROVED', appliedStatus: 'APPROVED', authorizedQuantity: 100 });
      const s = lut.shipment({ quantity: 30, value: 500 });
      w.console.put('shipments', s);
      await shipmentEvents(w);
      await apply(w, lut.licenseId);
      if (counted === 'SHIPPED') w.console.edit('shipments', s.shipmentId, 'status', 'SHIPPED');
      await shipmentEvents(w);
      expect(w.shipment(s.shipmentId)).toMatchObject({ countedStatus: counted });
      w.console.edit('shipments', s.shipmentId, 'value', 900);
      expect(await shipmentEvents(w)).toMatchObject({ rejected: 1 });
      const item = w.shipment(s.shipmentId);
      expect(item).toMatchObject({ value: 500, status: counted, countedStatus: counted });
      expect(item.statusError).toMatch(/^Rejected edit of value: /);
      expect(item.statusError).toMatch(fix);
      expect(item.statusError).not.toContain('the other fields');
      expect(w.alerter.about(s.shipmentId).map((a) => a.subject)).toEqual([
        `Shipment ${s.shipmentId}: edit of value rejected`,
      ]);
      expect(w.license(lut.licenseId).releasedValue).toBe(500);
      expectInvariants(w);
    },
  );

  it('raises a HIGH SEVERITY alert for a deleted counted shipment, and writes nothing', async () => {
    const w = memoryWorld();
    const lut = await licensed(w, [30]);
    const [id = ''] = lut.ids;
    w.console.remove('shipments', id);
    const calls = w.store.calls.length;
    expect(await shipmentEvents(w)).toMatchObject({ rejectedHigh: 1 });
    expect(w.alerter.about(id)).toEqual([
      expect.objectContaining({ severity: 'high', subject: `Shipment ${id} was deleted` }),
    ]);
    // Created again under the same id, its notices would reuse dedup keys subscribers have seen (id#r1, …).
    expect(w.alerter.about(id)[0]?.message).toContain(
      `Do not create a new shipment with this shipmentId: it would start again at revision 1, and its notices would repeat the dedupKeys (${id}#r1, …)`,
    );
    expect(
      w.store
        .ops()
        .slice(calls)
        .filter((op) => op.startsWith('shipments.') || op.startsWith('licenses.')),
    ).toEqual([]);
  });

  it('re-holds a shipment restored to RELEASED after a revoke pass skipped it, though the restoring write reported a failed condition', async () => {
    const w = memoryWorld();
    const lut = await licensed(w, [10, 20], { status: 'APPROVED', appliedStatus: 'APPROVED' });
    const [kept = '', typo = ''] = lut.ids;
    w.console.edit('shipments', typo, 'status', 'Shipped');
    // The revoke pass runs while the typo waits in the stream, and skips it.
    expect(await setStatus(w, lut.licenseId, 'REVOKED')).toMatchObject({ reheld: 1 });
    expect(w.shipment(typo).status).toBe('Shipped');
    // The restoring write is applied but its response is lost: the SDK's resend finds its condition failed.
    w.faults.beforeNext('shipments.update', () => {
      w.store.update('shipments', typo, { set: { status: 'RELEASED', statusError: 'restored' } });
    });
    await shipmentEvents(w);
    expect(w.license(lut.licenseId).pendingWork, 'another pass of the revocation was asked for').toEqual(
      expect.any(String),
    );
    expect(await apply(w, lut.licenseId)).toMatchObject({ reheld: 1 });
    expect(w.shipment(typo)).toMatchObject({ status: 'HELD', holdReason: 'LICENSE_REVOKED' });
    expect(w.shipment(kept).status).toBe('HELD');
    expect(w.license(lut.licenseId).releasedQuantity).toBe(0);
    expectInvariants(w);
  });
});

describe('redelivery', () => {
  it('changes nothing when every record of a busy history is delivered again', async () => {
    const w = memoryWorld();
    const lut = await licensed(w, [30, 20, 10], {
      status: 'APPROVED',
      appliedStatus: 'APPROVED',
      authorizedQuantity: 50,
    });
    const [a = '', b = '', c = ''] = lut.ids;
    w.console.edit('shipments', a, 'status', 'SHIPPED');
    w.console.edit('shipments', b, 'status', 'CANCELLED');
    w.console.edit('shipments', c, 'status', 'SHIPPED'); // illegal: HELD → SHIPPED
    await shipmentEvents(w);
    await apply(w, lut.licenseId);
    await shipmentEvents(w);
    const history = w.shipmentHistory();
    const before = [w.items('shipments'), w.items('inventory'), w.license(lut.licenseId).releasedQuantity];
    const published = w.publisher.published.length;

    for (const record of history) await deliver(w, [record]);
    expect([w.items('shipments'), w.items('inventory'), w.license(lut.licenseId).releasedQuantity]).toEqual(
      before,
    );
    // Notifications are at least once: the same messages again, with the same dedup keys.
    const keys = (from: number, to: number) =>
      w.publisher.published
        .slice(from, to)
        .filter((m) => m.attributes.kind === 'shipment')
        .map((m) => m.id)
        .sort();
    expect(keys(published, w.publisher.published.length)).toEqual(keys(0, published));
  });
});
