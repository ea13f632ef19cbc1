/**
 * A license's life after approval on the local stack: the validity window
 * (with the real license-clock), suspension and reinstatement, revocation
 * and denial.
 */

import { beforeAll, describe, expect, it } from 'vitest';
import { jsonOf, withJson } from '../../local/gateway/wire.js';
import type { ClockResult } from '../../shared/engine/clock.js';
import { RELEASED_INDEX } from '../../shared/names.js';
import { adminConsole } from '../helpers/admin-console.js';
import { opsInbox } from '../helpers/ops-inbox.js';
import {
  expectCounters,
  fromNow,
  givenLicense,
  holdReasons,
  idsWith,
  interceptFunctionCalls,
  invocationsOf,
  invokeWithRecords,
  type LicenseUnderTest,
  settledLicense,
  shipmentsOf,
  waitUntilPast,
} from '../helpers/release-kit.js';
import { useLocalStack } from '../helpers/stack.js';

const local = useLocalStack();
const s = adminConsole(local);
const ops = opsInbox(local);

beforeAll(async () => {
  await ops.open();
});

/** Time an approval of a few shipments needs on this machine, with room to spare. */
const WINDOW_MS = 3_000;

/**
 * The admin records the license's validFrom or validUntil as WINDOW_MS from
 * now, just before approving it; returns the time written.
 */
async function setWindowEdge(licenseId: string, edge: 'validFrom' | 'validUntil'): Promise<string> {
  const at = fromNow(WINDOW_MS);
  await s.edit('licenses', { licenseId }, edge, at);
  return at;
}

/**
 * A PENDING license for 100 units with held shipments of 30 (WH-1), 50 (WH-2)
 * and 40 (WH-1, does not fit after the first two), all accepted.
 */
async function licenseWithBacklog() {
  const lut = await givenLicense(s, { authorizedQuantity: 100 });
  const fits = [
    lut.shipment({ priority: 1, quantity: 30 }),
    lut.shipment({ priority: 2, quantity: 50, warehouseId: 'WH-2' }),
  ];
  const tooBig = lut.shipment({ priority: 3, quantity: 40 });
  await s.putShipments([...fits, tooBig]);
  await local.drain();
  return { ...lut, fits: fits.map((x) => x.shipmentId).sort(), tooBig: tooBig.shipmentId };
}

async function setStatus(licenseId: string, status: string) {
  await s.setLicenseStatus(licenseId, status);
  await local.drain();
  return settledLicense(s, licenseId);
}

/** Expects the license's fitting shipments released and the counters to match. */
async function expectReleased(lut: LicenseUnderTest & { fits: string[]; tooBig: string }) {
  const after = await shipmentsOf(s, lut.license.licenseId);
  expect(idsWith(after, 'RELEASED')).toEqual(lut.fits);
  expect(holdReasons(after)).toEqual({ [lut.tooBig]: 'LICENSE_QUANTITY_EXHAUSTED' });
  expect(await s.license(lut.license.licenseId)).toMatchObject({ releasedQuantity: 80 });
  await expectCounters(s, lut.license.sku, 'WH-1', { held: 40, released: 30 });
  await expectCounters(s, lut.license.sku, 'WH-2', { held: 0, released: 50 });
}

/** Expects every shipment of the license that has not shipped HELD with `reason`, and only shipped units consumed. */
async function expectAllHeld(lut: LicenseUnderTest, reason: string, shippedQuantity = 0) {
  const after = await shipmentsOf(s, lut.license.licenseId);
  const held = [...after.values()].filter((x) => x.status !== 'SHIPPED');
  expect(Object.values(holdReasons(after))).toEqual(held.map(() => reason));
  expect(held.every((x) => x.countedStatus === 'HELD' && x.releasedAt === undefined)).toBe(true);
  expect((await s.license(lut.license.licenseId)).releasedQuantity).toBe(shippedQuantity);
}

const clockTick = () => local.esm.invokeSchedule('license-clock') as Promise<ClockResult>;

/**
 * Until removed, Query answers on the released index leave out `shipmentId`,
 * as a GSI read on AWS can just after the shipment was written.
 */
function hideFromReleasedIndex(shipmentId: string): { hidden: () => number; remove: () => void } {
  let hidden = 0;
  const remove = interceptFunctionCalls(local, async (call, forward) => {
    const out = await forward();
    if (call.operation !== 'Query' || call.input.IndexName !== RELEASED_INDEX || out.status !== 200)
      return out;
    const output = jsonOf(out) as { Items?: { shipmentId?: { S?: string } }[]; Count?: number };
    const kept = (output.Items ?? []).filter((item) => item.shipmentId?.S !== shipmentId);
    hidden += (output.Items?.length ?? 0) - kept.length;
    return withJson(out, { ...output, Items: kept, Count: kept.length });
  });
  return { hidden: () => hidden, remove };
}

describe('validity window', () => {
  it('keeps shipments HELD as LICENSE_NOT_YET_VALID until validFrom, then the clock releases them', async () => {
    const lut = await licenseWithBacklog();
    const validFrom = await setWindowEdge(lut.license.licenseId, 'validFrom');
    const approved = await setStatus(lut.license.licenseId, 'APPROVED');
    expect(approved).toMatchObject({
      appliedStatus: 'APPROVED',
      releasedQuantity: 0,
      waitingForValidFrom: validFrom,
    });
    const early = await shipmentsOf(s, lut.license.licenseId);
    expect(idsWith(early, 'RELEASED')).toEqual([]);
    expect(new Set(Object.values(holdReasons(early)))).toEqual(new Set(['LICENSE_NOT_YET_VALID']));
    expect((await clockTick()).woken).not.toContain(lut.license.licenseId);

    await waitUntilPast(validFrom);
    expect((await clockTick()).woken).toContain(lut.license.licenseId);
    await local.drain();

    await expectReleased(lut);
    expect((await settledLicense(s, lut.license.licenseId)).waitingForValidFrom).toBeUndefined();
    await s.expectInvariants();
  });

  it('keeps waiting for validFrom after a redelivered shipment record and a release request that relabels nothing', async () => {
    const lut = await licenseWithBacklog();
    const validFrom = fromNow(24 * 3600_000);
    await s.edit('licenses', { licenseId: lut.license.licenseId }, 'validFrom', validFrom);
    expect(await setStatus(lut.license.licenseId, 'APPROVED')).toMatchObject({
      waitingForValidFrom: validFrom,
    });
    const inserts = (await local.readStreamRecords('shipments')).filter(
      (r) => r.eventName === 'INSERT' && r.dynamodb?.NewImage?.licenseId?.S === lut.license.licenseId,
    );
    expect(inserts).toHaveLength(3);
    const passes = invocationsOf(local, 'license-events');

    // At-least-once delivery: shipment-events sees a shipment's INSERT again. Nothing can be released before
    // validFrom, so it asks for no release pass (the clock wakes the license then).
    expect(await invokeWithRecords(local, 'shipment-events', inserts.slice(0, 1))).toEqual({
      batchItemFailures: [],
    });
    await local.drain();
    expect(invocationsOf(local, 'license-events'), 'no pass before validFrom').toBe(passes);
    expect(await settledLicense(s, lut.license.licenseId)).toMatchObject({ waitingForValidFrom: validFrom });

    // A release request that relabels nothing (a HELD shipment's value edited) keeps the license waiting.
    const [held] = (await shipmentsOf(s, lut.license.licenseId)).keys();
    await s.edit('shipments', { shipmentId: String(held) }, 'value', 1234);
    await local.drain();
    expect(invocationsOf(local, 'license-events'), 'the release request ran a pass').toBeGreaterThan(passes);
    expect(await settledLicense(s, lut.license.licenseId)).toMatchObject({ waitingForValidFrom: validFrom });
    const after = await shipmentsOf(s, lut.license.licenseId);
    expect(new Set(Object.values(holdReasons(after)))).toEqual(new Set(['LICENSE_NOT_YET_VALID']));
    await s.expectInvariants();
  });

  it('expires an APPROVED license by the clock once validUntil passes: released shipments back to HELD as LICENSE_EXPIRED', async () => {
    const lut = await licenseWithBacklog();
    const validUntil = await setWindowEdge(lut.license.licenseId, 'validUntil');
    await setStatus(lut.license.licenseId, 'APPROVED');
    await expectReleased(lut);
    expect((await clockTick()).expired).not.toContain(lut.license.licenseId);

    await waitUntilPast(validUntil);
    expect((await clockTick()).expired).toContain(lut.license.licenseId);
    await local.drain();

    expect(await settledLicense(s, lut.license.licenseId)).toMatchObject({
      status: 'EXPIRED',
      appliedStatus: 'EXPIRED',
      updatedBy: 'license-clock',
      releasedQuantity: 0,
    });
    await expectAllHeld(lut, 'LICENSE_EXPIRED');
    await expectCounters(s, lut.license.sku, 'WH-1', { held: 70, released: 0 });
    await expectCounters(s, lut.license.sku, 'WH-2', { held: 50, released: 0 });
    await s.expectInvariants();
  });
});

describe('suspension and revocation', () => {
  it('re-holds on suspension and releases the same shipments again on reinstatement, with rising revisions', async () => {
    const lut = await licenseWithBacklog();
    await setStatus(lut.license.licenseId, 'APPROVED');
    await expectReleased(lut);
    const revisions = async () =>
      Object.fromEntries(
        [...(await shipmentsOf(s, lut.license.licenseId))].map(([id, x]) => [id, Number(x.revision)]),
      );
    const approvedRevisions = await revisions();

    await setStatus(lut.license.licenseId, 'SUSPENDED');
    await expectAllHeld(lut, 'LICENSE_SUSPENDED');
    await expectCounters(s, lut.license.sku, 'WH-1', { held: 70, released: 0 });
    await expectCounters(s, lut.license.sku, 'WH-2', { held: 50, released: 0 });
    const suspendedRevisions = await revisions();
    for (const [id, r] of Object.entries(suspendedRevisions))
      expect(r, id).toBeGreaterThan(approvedRevisions[id] ?? 0);

    const reinstated = await setStatus(lut.license.licenseId, 'APPROVED');
    expect(reinstated).toMatchObject({ appliedStatus: 'APPROVED' });
    await expectReleased(lut);
    for (const [id, r] of Object.entries(await revisions()))
      expect(r, id).toBeGreaterThan(suspendedRevisions[id] ?? 0);
    await s.expectInvariants();
  });

  it('revokes for good: shipments re-held as LICENSE_REVOKED, SHIPPED ones kept, and a later APPROVED is rejected', async () => {
    const lut = await licenseWithBacklog();
    await setStatus(lut.license.licenseId, 'APPROVED');
    const [shippedId] = lut.fits;
    await s.setShipmentStatus(String(shippedId), 'SHIPPED');
    await local.drain();

    const revoked = await setStatus(lut.license.licenseId, 'REVOKED');
    expect(revoked).toMatchObject({ status: 'REVOKED', appliedStatus: 'REVOKED' });
    await expectAllHeld(lut, 'LICENSE_REVOKED', 30);
    expect(await s.shipment(String(shippedId))).toMatchObject({
      status: 'SHIPPED',
      countedStatus: 'SHIPPED',
    });
    await expectCounters(s, lut.license.sku, 'WH-1', {
      held: 40,
      released: 0,
      shipped: 30,
      onHand: 900_000 - 30,
    });
    await expectCounters(s, lut.license.sku, 'WH-2', { held: 50, released: 0 });
    const before = await shipmentsOf(s, lut.license.licenseId);

    const rejected = await setStatus(lut.license.licenseId, 'APPROVED');
    expect(rejected).toMatchObject({ status: 'APPROVED', appliedStatus: 'REVOKED', releasedQuantity: 30 });
    expect(rejected.statusError).toContain('REVOKED → APPROVED is not allowed: REVOKED is final');
    const [alert] = await ops.about(lut.license.licenseId);
    expect(alert?.body).toContain('REVOKED is final');
    expect(await shipmentsOf(s, lut.license.licenseId)).toEqual(before);

    // Setting it back to REVOKED is legal (unchanged) and clears the error.
    expect((await setStatus(lut.license.licenseId, 'REVOKED')).statusError).toBeUndefined();
    await s.expectInvariants();
  });
});

describe('settling pass', () => {
  it('re-holds a shipment the re-hold pass could not see yet, once the clock finds settleCheckAt past', async () => {
    const lut = await licenseWithBacklog();
    await setStatus(lut.license.licenseId, 'APPROVED');
    const [missed] = lut.fits;
    const lag = hideFromReleasedIndex(missed ?? '');
    let suspended: Awaited<ReturnType<typeof setStatus>>;
    try {
      suspended = await setStatus(lut.license.licenseId, 'SUSPENDED');
    } finally {
      lag.remove();
    }
    expect(lag.hidden(), 'the pass queried while the shipment was hidden').toBeGreaterThan(0);
    expect((await s.shipment(missed ?? '')).status, 'missed by the pass, as GSI lag can on AWS').toBe(
      'RELEASED',
    );
    const checkAt = String(suspended.settleCheckAt);
    expect(Date.parse(checkAt) - Date.now()).toBeGreaterThan(0);
    expect((await clockTick()).settling, 'not before settleCheckAt').not.toContain(lut.license.licenseId);

    // Time passes: the check is due.
    await s.edit('licenses', { licenseId: lut.license.licenseId }, 'settleCheckAt', fromNow(-1_000));
    expect((await clockTick()).settling).toContain(lut.license.licenseId);
    await local.drain();

    await expectAllHeld(lut, 'LICENSE_SUSPENDED');
    const settled = await settledLicense(s, lut.license.licenseId);
    expect(settled.settleCheckAt, 'a settling pass does not ask for another').toBeUndefined();
    expect((await clockTick()).settling).not.toContain(lut.license.licenseId);
    await s.expectInvariants();
  });
});
