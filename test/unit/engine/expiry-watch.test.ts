/**
 * The clock's expiry watch: LICENSE_EXPIRING to ops at each lead time before
 * validUntil (once each, the nearest only when several came due together),
 * and a digest per warehouse of the RELEASED shipments that must ship, in
 * hold order. An amendment of validUntil re-arms it.
 */
import { describe, expect, it } from 'vitest';
import { mergeExpiry, readsAs } from '../../../shared/domain/compliance.js';
import { deadline, expiryDigests } from '../../../shared/domain/compliance-notices.js';
import type { License, Shipment } from '../../../shared/domain/model.js';
import { type ClockWatch, clockTick } from '../../../shared/engine/clock.js';
import { RECORD_ATTEMPTS, watchExpiry } from '../../../shared/engine/expiry-watch.js';
import {
  apply,
  clockWatchOf,
  givenLicense,
  type LicenseUnderTest,
  setStatus,
} from '../../helpers/fakes/engine-kit.js';
import { type MemoryWorld, memoryWorld } from '../../helpers/fakes/world.js';

const DAY = 86_400_000;
const EXPIRING = 'LICENSE_EXPIRING';

const watchOf = (w: MemoryWorld, errors: unknown[] = []): ClockWatch =>
  clockWatchOf(w, { pageSize: 2, onError: (_id, e) => errors.push(e) });
const tick = (w: MemoryWorld, errors?: unknown[]) =>
  clockTick(w.licenses, w.now(), w.newToken, watchOf(w, errors));

/** `days` before `validUntil`, as an instant. */
const daysBefore = (validUntil: string, days: number) => new Date(Date.parse(validUntil) - days * DAY);

/**
 * An APPROVED license of 100 units valid for 40 more days: 30 units RELEASED
 * at WH-1 (priorities 3, 1) and WH-2 (priority 2), one 80-unit shipment HELD.
 */
async function expiringLicense(w: MemoryWorld, overrides: Partial<License> = {}) {
  const validUntil = new Date(w.now().getTime() + 40 * DAY).toISOString();
  const lut = givenLicense(w, { authorizedQuantity: 100, validUntil, ...overrides });
  const s = (o: Partial<Shipment>) => lut.shipment({ quantity: 10, value: 1_000, ...o });
  const released = [
    s({ shipmentId: `${lut.licenseId}-C`, priority: 3, warehouseId: 'WH-1' }),
    s({ shipmentId: `${lut.licenseId}-A`, priority: 1, warehouseId: 'WH-1' }),
    s({ shipmentId: `${lut.licenseId}-B`, priority: 2, warehouseId: 'WH-2' }),
  ];
  w.seed.accepted([...released, s({ priority: 9, quantity: 80, value: 50_000 })]);
  await setStatus(w, lut.licenseId, 'APPROVED');
  return { lut, validUntil };
}

/** An APPROVED license valid for 40 more days with nothing HELD or RELEASED under it. */
async function quietLicense(w: MemoryWorld, overrides: Partial<License> = {}) {
  const validUntil = new Date(w.now().getTime() + 40 * DAY).toISOString();
  const lut = givenLicense(w, { validUntil, ...overrides });
  await setStatus(w, lut.licenseId, 'APPROVED');
  return { lut, validUntil: lut.license.validUntil };
}

const expiring = (w: MemoryWorld, lut: LicenseUnderTest) => w.alerter.compliance(lut.licenseId, EXPIRING);

describe('expiry watch', () => {
  it('takes validUntil typed again in another form for the same instant: no amendment, no second warning', async () => {
    const w = memoryWorld();
    const validUntil = new Date(w.now().getTime() + 29 * 86_400_000).toISOString(); // …T12:00:00.000Z
    const lut = givenLicense(w, { validUntil });
    w.seed.accepted([lut.shipment()]);
    await setStatus(w, lut.licenseId, 'APPROVED');
    const tick = () => clockTick(w.licenses, w.now(), w.newToken, clockWatchOf(w));
    expect((await tick()).expiring).toEqual([lut.licenseId]);
    w.console.edit('licenses', lut.licenseId, 'validUntil', validUntil.replace('.000Z', 'Z'));
    expect(await apply(w, lut.licenseId)).toEqual({ kind: 'noop' });
    w.advance(60_000);
    await tick();
    expect(w.alerter.compliance(lut.licenseId, 'LICENSE_EXPIRING')).toHaveLength(1);
    expect(
      w.entries().filter((e) => e.licenseId === lut.licenseId && e.eventType === 'LICENSE_AMENDED'),
    ).toEqual([]);
  });

  it('still warns of an applied license left invalid by a rejected edit of licenseNumber', async () => {
    const w = memoryWorld();
    const lut = givenLicense(w, { validUntil: new Date(w.now().getTime() + 4 * 86_400_000).toISOString() });
    w.seed.accepted([lut.shipment()]);
    await setStatus(w, lut.licenseId, 'APPROVED');
    w.console.edit('licenses', lut.licenseId, 'licenseNumber', '');
    expect(await apply(w, lut.licenseId)).toMatchObject({ kind: 'rejected' });
    await clockTick(w.licenses, w.now(), w.newToken, clockWatchOf(w));
    expect(w.alerter.compliance(lut.licenseId, 'LICENSE_EXPIRING')).toHaveLength(1);
  });

  it('reads no shipment while no lead time has come due', async () => {
    const w = memoryWorld();
    const { lut } = await expiringLicense(w);
    const calls = w.store.ops().length;
    expect(await tick(w)).toMatchObject({ expiring: [], expiryFailed: [] });
    expect(w.store.ops().slice(calls)).toEqual(['licenses.scan']);
    expect(expiring(w, lut)).toEqual([]);
  });

  it('alerts ops once per lead time with units and value by status, and tells each warehouse what must ship, in hold order', async () => {
    const w = memoryWorld();
    const { lut, validUntil } = await expiringLicense(w);
    w.setNow(daysBefore(validUntil, 30));
    expect(await tick(w)).toMatchObject({ expiring: [lut.licenseId], expiryFailed: [] });
    const [alert] = expiring(w, lut);
    expect(alert).toMatchObject({
      severity: 'normal',
      alertType: EXPIRING,
      subjectKey: { licenseId: lut.licenseId },
      // The end of the window to the minute, spelled out here rather than by deadline().
      subject: `License ${lut.licenseId} expires in 30 days or less (until ${validUntil.slice(0, 10)} ${validUntil.slice(11, 16)} UTC)`,
    });
    expect(alert?.message).toContain(`expires at ${validUntil}, in 30 days (lead time 30 days)`);
    expect(alert?.message).toMatch(/RELEASED {2}3 shipments, 30 units, USD 3,000: must ship before then/);
    expect(alert?.message).toContain('WH-1, WH-2');
    expect(alert?.message).toMatch(/HELD {6}1 shipment, 80 units, USD 50,000: cannot ship/);

    const digests = w.publisher.to('logistics', 'digest').filter((m) => m.attributes.eventType === EXPIRING);
    expect(digests.map((d) => d.attributes.warehouseId)).toEqual(['WH-1', 'WH-2']);
    const [wh1] = digests;
    expect(wh1?.attributes).toMatchObject({ kind: 'digest', eventType: EXPIRING, warehouseId: 'WH-1' });
    expect(wh1?.subject).toBe(
      `Warehouse WH-1: 2 shipments under license ${lut.licenseId} must ship before ${validUntil.slice(0, 10)} ${validUntil.slice(11, 16)} UTC`,
    );
    const listed = wh1?.body.match(/^ {2}\d+\. \S+/gm);
    expect(listed).toEqual([`  1. ${lut.licenseId}-A:`, `  2. ${lut.licenseId}-C:`]);
    expect(wh1?.body).toContain(`10 × ${lut.license.sku} for customer ${lut.license.customerId}`);
    for (const d of digests) expect(d.body).not.toMatch(/USD|value/i);

    expect(w.license(lut.licenseId).expiryAlerted).toEqual({ validUntil, leads: [30] });
    expect((await tick(w)).expiring, 'once per lead').toEqual([]);
    w.setNow(daysBefore(validUntil, 7));
    expect((await tick(w)).expiring).toEqual([lut.licenseId]);
    w.setNow(daysBefore(validUntil, 0.5));
    expect((await tick(w)).expiring).toEqual([lut.licenseId]);
    expect(expiring(w, lut).map((a) => a.subject.match(/in (\d+) days?/)?.[1])).toEqual(['30', '7', '1']);
    expect(w.license(lut.licenseId).expiryAlerted).toEqual({ validUntil, leads: [30, 7, 1] });
    w.setNow(new Date(Date.parse(validUntil) + 1));
    expect(await tick(w)).toMatchObject({ expired: [lut.licenseId], expiring: [] });
  });

  it('lists no copy of a RELEASED shipment that shipment-events has not taken in yet (console "Duplicate item")', async () => {
    const w = memoryWorld();
    const { lut, validUntil } = await expiringLicense(w);
    w.console.put('shipments', { ...w.shipment(`${lut.licenseId}-A`), shipmentId: `${lut.licenseId}-A2` });
    w.setNow(daysBefore(validUntil, 30));
    expect(await tick(w)).toMatchObject({ expiring: [lut.licenseId], expiryFailed: [] });
    const digests = w.publisher.to('logistics', 'digest').filter((m) => m.attributes.eventType === EXPIRING);
    const wh1 = digests.find((d) => d.attributes.warehouseId === 'WH-1');
    expect(wh1?.body.match(/^ {2}\d+\. \S+/gm)).toEqual([
      `  1. ${lut.licenseId}-A:`,
      `  2. ${lut.licenseId}-C:`,
    ]);
    expect(expiring(w, lut)[0]?.message).toMatch(/RELEASED {2}3 shipments, 30 units/);
  });

  it('sends only the nearest lead when several came due together (the clock was down), and records them all', async () => {
    const w = memoryWorld();
    const { lut, validUntil } = await expiringLicense(w);
    w.setNow(daysBefore(validUntil, 5));
    expect((await tick(w)).expiring).toEqual([lut.licenseId]);
    expect(expiring(w, lut).map((a) => a.subject)).toEqual([
      `License ${lut.licenseId} expires in 7 days or less (until ${deadline(validUntil)})`,
    ]);
    expect(w.license(lut.licenseId).expiryAlerted).toEqual({ validUntil, leads: [30, 7] });
  });

  it('re-arms when an amendment moves validUntil', async () => {
    const w = memoryWorld();
    const { lut, validUntil } = await expiringLicense(w);
    w.setNow(daysBefore(validUntil, 29));
    await tick(w);
    const later = new Date(Date.parse(validUntil) + 3 * DAY).toISOString();
    w.console.edit('licenses', lut.licenseId, 'validUntil', later);
    expect(await apply(w, lut.licenseId)).toMatchObject({ kind: 'completed' });
    expect((await tick(w)).expiring, '32 days before the new validUntil').toEqual([]);
    w.setNow(daysBefore(later, 30));
    expect((await tick(w)).expiring).toEqual([lut.licenseId]);
    expect(expiring(w, lut)).toHaveLength(2);
    expect(expiring(w, lut)[1]?.message).toContain(`expires at ${later}`);
    expect(w.license(lut.licenseId).expiryAlerted).toEqual({ validUntil: later, leads: [30] });
  });

  it('sends nothing while nothing is HELD or RELEASED under the license, and re-checks that quiet lead with two index reads', async () => {
    const w = memoryWorld();
    const { lut, validUntil } = await quietLicense(w);
    w.setNow(daysBefore(validUntil, 30));
    expect((await tick(w)).expiring).toEqual([]);
    expect(expiring(w, lut)).toEqual([]);
    expect(w.publisher.published).toEqual([]);
    expect(w.license(lut.licenseId).expiryAlerted).toEqual({ validUntil, leads: [30], quiet: [30] });
    const calls = w.store.ops().length;
    w.setNow(daysBefore(validUntil, 29));
    expect((await tick(w)).expiring).toEqual([]);
    expect(w.store.ops().slice(calls), 'a Limit-1 page of each index, no write').toEqual([
      'licenses.scan',
      'shipments.page',
      'shipments.page',
    ]);
    expect(expiring(w, lut)).toEqual([]);
  });

  it('announces a quiet lead once shipments arrive before the next lead, then not again', async () => {
    const w = memoryWorld();
    const { lut, validUntil } = await quietLicense(w);
    w.setNow(daysBefore(validUntil, 30));
    await tick(w);

    // Taken in at day 25: the 30-day lead is sent now, not at the 7-day one (nothing RELEASED: no digest).
    w.seed.accepted([lut.shipment({ quantity: 5 })]);
    w.setNow(daysBefore(validUntil, 25));
    expect((await tick(w)).expiring).toEqual([lut.licenseId]);
    const [alert] = expiring(w, lut);
    expect(alert?.subject).toBe(
      `License ${lut.licenseId} expires in 30 days or less (until ${deadline(validUntil)})`,
    );
    expect(alert?.message).toContain(`in 25 days (lead time 30 days)`);
    expect(alert?.message).toContain('RELEASED  0 shipments, 0 units, USD 0: must ship before then; none');
    expect(alert?.message).toMatch(/HELD {6}1 shipment, 5 units/);
    expect(w.publisher.published).toEqual([]);
    expect(w.license(lut.licenseId).expiryAlerted).toEqual({ validUntil, leads: [30] });

    const calls = w.store.ops().length;
    expect((await tick(w)).expiring, 'announced: once').toEqual([]);
    expect(w.store.ops().slice(calls), 'not read again').toEqual(['licenses.scan']);
    w.setNow(daysBefore(validUntil, 7));
    expect((await tick(w)).expiring).toEqual([lut.licenseId]);
    expect(expiring(w, lut).map((a) => a.subject.match(/in (\d+) days?/)?.[1])).toEqual(['30', '7']);
  });

  it('announces only the nearest of the quiet leads, even after the last one, with the digests that lead would have had', async () => {
    const w = memoryWorld();
    const { lut, validUntil } = await quietLicense(w);
    for (const days of [30, 7, 1]) {
      w.setNow(daysBefore(validUntil, days));
      expect((await tick(w)).expiring).toEqual([]);
    }
    expect(w.license(lut.licenseId).expiryAlerted).toEqual({
      validUntil,
      leads: [30, 7, 1],
      quiet: [30, 7, 1],
    });

    // 12 hours before validUntil a shipment arrives and is released at WH-2.
    const arrived = lut.shipment({ quantity: 5, warehouseId: 'WH-2' });
    w.seed.accepted([arrived]);
    await w.licenses.requestRelease(lut.licenseId, w.newToken());
    w.setNow(daysBefore(validUntil, 0.5));
    expect(await apply(w, lut.licenseId)).toMatchObject({ kind: 'completed' });
    expect((await tick(w)).expiring).toEqual([lut.licenseId]);
    expect(expiring(w, lut).map((a) => a.subject)).toEqual([
      `License ${lut.licenseId} expires in 1 day or less (until ${deadline(validUntil)})`,
    ]);
    const digests = w.publisher.to('logistics', 'digest').filter((m) => m.attributes.eventType === EXPIRING);
    expect(digests.map((d) => d.attributes.warehouseId)).toEqual(['WH-2']);
    expect(digests[0]?.body).toContain(arrived.shipmentId);
    const [sameKey] = expiryDigests({ license: lut.license, lead: 1, now: w.now(), released: [arrived] });
    expect(digests[0]?.attributes.dedupKey).toBe(sameKey?.attributes.dedupKey);
    expect(w.license(lut.licenseId).expiryAlerted).toEqual({ validUntil, leads: [30, 7, 1] });
    expect((await tick(w)).expiring).toEqual([]);
  });

  it("repeats a quiet lead's alert when its record fails, with the same dedupKeys, and then stops", async () => {
    const w = memoryWorld();
    const { lut, validUntil } = await quietLicense(w);
    w.setNow(daysBefore(validUntil, 30));
    await tick(w);
    w.seed.accepted([lut.shipment({ quantity: 5 })]);
    await w.licenses.requestRelease(lut.licenseId, w.newToken());
    await apply(w, lut.licenseId);
    w.faults.failNext('licenses.recordAlerted', new Error('throttled'));
    expect(await tick(w)).toMatchObject({ expiring: [], expiryFailed: [lut.licenseId] });
    expect((await tick(w)).expiring).toEqual([lut.licenseId]);
    expect((await tick(w)).expiring).toEqual([]);
    expect(expiring(w, lut)).toHaveLength(2);
    const keys = w.publisher
      .to('logistics', 'digest')
      .filter((m) => m.attributes.eventType === EXPIRING)
      .map((m) => m.attributes.dedupKey);
    expect(keys).toHaveLength(2);
    expect(new Set(keys).size).toBe(1);
  });

  it('does not re-check a record written before quiet leads were kept, nor one for another validUntil', async () => {
    const w = memoryWorld();
    const { lut, validUntil } = await quietLicense(w);
    const other = await quietLicense(w, { validUntil });
    w.console.edit('licenses', lut.licenseId, 'expiryAlerted', { validUntil, leads: [30] });
    const earlier = new Date(Date.parse(validUntil) - DAY).toISOString();
    w.console.edit('licenses', other.lut.licenseId, 'expiryAlerted', {
      validUntil: earlier,
      leads: [30],
      quiet: [30],
    });
    w.seed.accepted([lut.shipment({ quantity: 5 }), other.lut.shipment({ quantity: 5 })]);
    w.setNow(daysBefore(validUntil, 25));
    expect((await tick(w)).expiring, 'the other validUntil re-arms: its 30-day lead is due').toEqual([
      other.lut.licenseId,
    ]);
    expect(expiring(w, lut)).toEqual([]);
  });

  it('repeats the alert and the digests (same dedupKey) when the record fails after them, never loses them', async () => {
    const w = memoryWorld();
    const { lut, validUntil } = await expiringLicense(w);
    w.setNow(daysBefore(validUntil, 30));
    w.faults.failNext('licenses.recordAlerted', new Error('throttled'));
    const errors: unknown[] = [];
    expect(await tick(w, errors)).toMatchObject({ expiring: [], expiryFailed: [lut.licenseId] });
    expect(String(errors[0])).toContain('throttled');
    expect(expiring(w, lut)).toHaveLength(1);
    expect((await tick(w)).expiring).toEqual([lut.licenseId]);
    expect(expiring(w, lut)).toHaveLength(2);
    const keys = w.publisher
      .to('logistics', 'digest')
      .filter((m) => m.attributes.eventType === EXPIRING)
      .map((m) => m.attributes.dedupKey);
    expect(keys).toHaveLength(4);
    expect(new Set(keys).size).toBe(2);
    expect((await tick(w)).expiring).toEqual([]);
    expect(expiring(w, lut)).toHaveLength(2);
  });

  it('merges its record with one another tick wrote after it read the license: no lead that tick sent is taken back and sent again', async () => {
    const w = memoryWorld();
    const { lut, validUntil } = await expiringLicense(w);
    w.setNow(daysBefore(validUntil, 30));
    // An overlapping tick whose now is 23 days on sent the 7-day lead and recorded both.
    w.faults.beforeNext('licenses.recordAlerted', () =>
      w.console.edit('licenses', lut.licenseId, 'expiryAlerted', { validUntil, leads: [30, 7] }),
    );
    const calls = w.store.ops().length;
    expect(await tick(w)).toMatchObject({ expiring: [lut.licenseId], expiryFailed: [] });
    expect(w.license(lut.licenseId).expiryAlerted).toEqual({ validUntil, leads: [30, 7] });
    expect(
      w.store
        .ops()
        .slice(calls)
        .filter((op) => op === 'licenses.recordAlerted' || op === 'licenses.get'),
      'read again; nothing to add',
    ).toEqual(['licenses.recordAlerted', 'licenses.get']);
    w.setNow(daysBefore(validUntil, 6));
    expect((await tick(w)).expiring).toEqual([]);
    expect(expiring(w, lut).map((a) => a.subject.match(/in (\d+) days/)?.[1])).toEqual(['30']);
  });

  it('records nothing once validUntil changed under its write, and replaces a record that changes under every write on the last one', async () => {
    const w = memoryWorld();
    const { lut, validUntil } = await expiringLicense(w);
    w.setNow(daysBefore(validUntil, 30));
    const later = new Date(Date.parse(validUntil) + DAY).toISOString();
    w.faults.beforeNext('licenses.recordAlerted', () =>
      w.console.edit('licenses', lut.licenseId, 'validUntil', later),
    );
    expect(await tick(w)).toMatchObject({ expiring: [lut.licenseId], expiryFailed: [] });
    expect(w.license(lut.licenseId).expiryAlerted).toBeUndefined();
    expect(w.store.ops().filter((op) => op === 'licenses.recordAlerted')).toHaveLength(1);

    const w2 = memoryWorld();
    const other = await expiringLicense(w2);
    w2.setNow(daysBefore(other.validUntil, 30));
    let edits = 0;
    w2.faults.before('licenses.recordAlerted', () =>
      w2.console.edit('licenses', other.lut.licenseId, 'expiryAlerted', { by: 'hand', edit: ++edits }),
    );
    expect(await tick(w2)).toMatchObject({ expiring: [other.lut.licenseId], expiryFailed: [] });
    expect(edits).toBe(RECORD_ATTEMPTS);
    expect(w2.license(other.lut.licenseId).expiryAlerted).toEqual({
      validUntil: other.validUntil,
      leads: [30],
    });
  });

  it('sends no alert and records nothing while a digest cannot be published; the next tick tries again', async () => {
    const w = memoryWorld();
    const { lut, validUntil } = await expiringLicense(w);
    w.setNow(daysBefore(validUntil, 30));
    w.publisher.failWhen((m) => m.attributes.warehouseId === 'WH-2');
    expect((await tick(w)).expiryFailed).toEqual([lut.licenseId]);
    expect(expiring(w, lut)).toEqual([]);
    expect(w.license(lut.licenseId).expiryAlerted).toBeUndefined();
    w.publisher.failWhen(() => false);
    expect((await tick(w)).expiring).toEqual([lut.licenseId]);
  });

  it('watches APPROVED and SUSPENDED licenses (a rejected status typo included), not REVOKED ones, nor one whose status edit is not applied yet', async () => {
    const w = memoryWorld();
    const { lut, validUntil } = await expiringLicense(w);
    const suspended = await expiringLicense(w, { validUntil });
    await setStatus(w, suspended.lut.licenseId, 'SUSPENDED');
    const revoked = await expiringLicense(w, { validUntil });
    await setStatus(w, revoked.lut.licenseId, 'REVOKED');
    const editing = await expiringLicense(w, { validUntil });
    w.console.edit('licenses', editing.lut.licenseId, 'status', 'SUSPENDED'); // license-events has not run
    const typo = await expiringLicense(w, { validUntil });
    await setStatus(w, typo.lut.licenseId, 'PENDING'); // rejected: APPROVED stays in effect
    expect(w.license(typo.lut.licenseId)).toMatchObject({
      status: 'PENDING',
      statusError: expect.any(String),
    });
    w.setNow(daysBefore(validUntil, 30));
    expect((await tick(w)).expiring.sort()).toEqual(
      [lut.licenseId, suspended.lut.licenseId, typo.lut.licenseId].sort(),
    );
    expect(expiring(w, revoked.lut)).toEqual([]);
    expect(expiring(w, editing.lut)).toEqual([]);

    // A suspension re-holds everything: no digest, and the alert says only a reinstatement saves the backlog.
    const [alert] = expiring(w, suspended.lut);
    expect(alert?.message).toContain(
      `(customer ${suspended.lut.license.customerId}, sku ${suspended.lut.license.sku}, SUSPENDED)`,
    );
    expect(alert?.message).toMatch(
      /HELD +4 shipments, 110 units, USD 53,000: cannot ship: the license is SUSPENDED/,
    );
    expect(w.license(suspended.lut.licenseId).expiryAlerted).toEqual({ validUntil, leads: [30] });
    expect(
      w.publisher.published.filter(
        (m) => m.attributes.eventType === EXPIRING && m.body.includes(suspended.lut.licenseId),
      ),
    ).toEqual([]);
  });

  it('watches a PENDING license with a held backlog (DESIGN §6: while it has HELD shipments): only a grant before validUntil releases them', async () => {
    const w = memoryWorld();
    const validUntil = new Date(w.now().getTime() + 40 * DAY).toISOString();
    const pending = givenLicense(w, { validUntil });
    w.seed.accepted([
      pending.shipment({ quantity: 10, value: 1_000 }),
      pending.shipment({ quantity: 5, value: 500, warehouseId: 'WH-2' }),
    ]);
    const quiet = givenLicense(w, { validUntil });
    const denied = givenLicense(w, { validUntil });
    w.seed.accepted([denied.shipment()]);
    await setStatus(w, denied.licenseId, 'DENIED');
    expect(w.license(pending.licenseId).appliedStatus).toBe('PENDING');
    w.setNow(daysBefore(validUntil, 30));
    expect((await tick(w)).expiring).toEqual([pending.licenseId]);
    const [alert] = expiring(w, pending);
    expect(alert?.subject).toContain(`License ${pending.licenseId} expires in 30 days or less`);
    expect(alert?.message).toContain(
      `(customer ${pending.license.customerId}, sku ${pending.license.sku}, PENDING)`,
    );
    expect(alert?.message).toMatch(
      /HELD +2 shipments, 15 units, USD 1,500: cannot ship: the license is PENDING, so only a grant \(APPROVED\) before then releases them/,
    );
    expect(alert?.message).toContain('When validUntil passes, a grant releases nothing');
    expect(alert?.message, 'a PENDING license has released nothing: no RELEASED line').not.toMatch(
      /RELEASED +0/,
    );
    expect(alert?.message).not.toContain('the clock expires the license:');
    // Nothing RELEASED, so no warehouse digest; the quiet one is recorded quiet; the DENIED one is final.
    expect(w.publisher.published.filter((m) => m.attributes.eventType === EXPIRING)).toEqual([]);
    expect(w.license(quiet.licenseId).expiryAlerted).toMatchObject({ validUntil, leads: [30], quiet: [30] });
    expect(expiring(w, denied)).toEqual([]);
    expect(w.license(denied.licenseId).expiryAlerted).toBeUndefined();
    expect(w.license(pending.licenseId).expiryAlerted).toEqual({ validUntil, leads: [30], pending: true });
    w.advance(60_000);
    await tick(w);
    expect(expiring(w, pending)).toHaveLength(1);

    // A grant re-arms the watch: the lead due then goes out again, now with the warehouses told what
    // the grant released (which the PENDING alert could not list), and is recorded as in force.
    w.setNow(daysBefore(validUntil, 25));
    await setStatus(w, pending.licenseId, 'APPROVED');
    expect((await tick(w)).expiring).toEqual([pending.licenseId]);
    const granted = expiring(w, pending)[1];
    expect(granted?.subject).toContain('expires in 30 days or less');
    expect(granted?.message).not.toContain('PENDING');
    expect(granted?.message).toMatch(/RELEASED +2 shipments, 15 units, USD 1,500: must ship before then/);
    expect(
      w.publisher.published
        .filter((m) => m.attributes.eventType === EXPIRING)
        .map((m) => m.attributes.warehouseId)
        .sort(),
    ).toEqual(['WH-1', 'WH-2']);
    expect(w.license(pending.licenseId).expiryAlerted).toEqual({ validUntil, leads: [30] });
    w.advance(60_000);
    await tick(w);
    expect(expiring(w, pending)).toHaveLength(2);
    w.setNow(daysBefore(validUntil, 7));
    await tick(w);
    expect(expiring(w, pending).map((a) => a.subject)).toEqual([
      expect.stringContaining('30 days'),
      expect.stringContaining('30 days'),
      expect.stringContaining('7 days'),
    ]);
  });

  it('records nothing from a tick that judged the license PENDING once the grant is applied, and merges no PENDING record into one in force', async () => {
    const w = memoryWorld();
    const validUntil = new Date(w.now().getTime() + 40 * DAY).toISOString();
    const lut = givenLicense(w, { validUntil });
    w.seed.accepted([lut.shipment({ quantity: 10 })]);
    w.setNow(daysBefore(validUntil, 30));
    const readBeforeGrant = w.license(lut.licenseId) as License;
    await setStatus(w, lut.licenseId, 'APPROVED');
    // The stale tick alerts (at least once) but cannot record under PENDING: the grant's lead stays due.
    expect(await watchExpiry(watchOf(w), readBeforeGrant, w.now())).toMatchObject({
      kind: 'alerted',
      lead: 30,
    });
    expect(w.license(lut.licenseId).expiryAlerted).toBeUndefined();
    expect((await tick(w)).expiring).toEqual([lut.licenseId]);
    expect(w.license(lut.licenseId).expiryAlerted).toEqual({ validUntil, leads: [30] });
    expect(mergeExpiry({ validUntil, leads: [30, 7], pending: true }, { validUntil, leads: [30] })).toEqual({
      validUntil,
      leads: [30],
    });
    expect(readsAs({ validUntil, leads: [30], pending: true }, { validUntil, leads: [30] })).toBe(false);
  });

  it('lists a RELEASED shipment for its counted warehouse and customer while an edit of them waits to be set back', async () => {
    const w = memoryWorld();
    const { lut, validUntil } = await expiringLicense(w);
    const moved = `${lut.licenseId}-B`; // counted at WH-2
    w.console.edit('shipments', moved, 'warehouseId', 'WH-1'); // shipment-events has not run
    w.console.edit('shipments', moved, 'customerId', 'CUST-OTHER');
    w.setNow(daysBefore(validUntil, 30));
    expect(await tick(w)).toMatchObject({ expiring: [lut.licenseId] });
    const digests = w.publisher.to('logistics', 'digest').filter((m) => m.attributes.eventType === EXPIRING);
    expect(digests.map((d) => d.attributes.warehouseId)).toEqual(['WH-1', 'WH-2']);
    expect(digests[0]?.body).not.toContain(moved);
    expect(digests[1]?.body).toContain(
      `${moved}: 10 × ${lut.license.sku} for customer ${lut.license.customerId}`,
    );
    expect(digests[1]?.body).not.toContain('CUST-OTHER');
  });
});
