/**
 * The handlers fed by hand with records read from the real DynamoDB Local
 * streams (no event source mapping emulator): a license written with
 * PutItem, its stream record read back and handed to license-events.
 */
import type { DynamoDBRecord } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { adminConsole } from '../helpers/admin-console.js';
import { opsInbox } from '../helpers/ops-inbox.js';
import {
  givenLicense,
  invokeShipmentConsumers,
  invokeWithRecords,
  type LicenseUnderTest,
  snapshot,
  streamCursor,
} from '../helpers/release-kit.js';
import { useLocalStack } from '../helpers/stack.js';

const local = useLocalStack({ startEsm: false });
const s = adminConsole(local);
const ops = opsInbox(local);
let licenseRecords: () => Promise<DynamoDBRecord[]>;
let shipmentRecords: () => Promise<DynamoDBRecord[]>;

beforeAll(async () => {
  await ops.open();
  licenseRecords = streamCursor(local, 'licenses');
  shipmentRecords = streamCursor(local, 'shipments');
});

/** Hands every new record of both streams to its handler until both streams are quiet. */
async function processStreams(): Promise<void> {
  for (let round = 0; round < 10; round++) {
    const licenses = await licenseRecords();
    const shipments = await shipmentRecords();
    if (licenses.length === 0 && shipments.length === 0) return;
    if (licenses.length > 0) expect(await invokeWithRecords(local, 'license-events', licenses)).toEqual(ok);
    if (shipments.length > 0) expect(await invokeShipmentConsumers(local, shipments)).toEqual(ok);
  }
  throw new Error('the streams did not settle');
}

const ok = { batchItemFailures: [] };

/** A PENDING license with two accepted HELD shipments, everything processed. */
async function pendingLicenseWithBacklog(): Promise<LicenseUnderTest> {
  const lut = await givenLicense(s, { authorizedQuantity: 100 });
  await s.putShipments([lut.shipment({ quantity: 30 }), lut.shipment({ quantity: 20, warehouseId: 'WH-2' })]);
  await processStreams();
  const l = await s.license(lut.license.licenseId);
  expect(l).toMatchObject({ appliedStatus: 'PENDING', releasedQuantity: 0 });
  expect(l.pendingWork).toBeUndefined();
  return lut;
}

describe('license-events fed with a record from the real stream', () => {
  it('applies a license inserted with PutItem from its INSERT record', async () => {
    const lut = await givenLicense(s);
    const records = await licenseRecords();
    expect(records.map((r) => [r.eventName, r.dynamodb?.Keys?.licenseId?.S])).toEqual([
      ['INSERT', lut.license.licenseId],
    ]);
    expect(records[0]?.dynamodb?.NewImage?.status).toEqual({ S: 'PENDING' });
    expect(await invokeWithRecords(local, 'license-events', records)).toEqual(ok);
    expect(await s.license(lut.license.licenseId)).toMatchObject({
      status: 'PENDING',
      appliedStatus: 'PENDING',
    });
    await processStreams();
    await s.expectInvariants();
  });

  it.each([
    {
      edit: 'SUSPENDED',
      reason: 'PENDING → SUSPENDED is not allowed; from PENDING the status may become APPROVED, DENIED',
    },
    { edit: 'APPROVD', reason: 'status "APPROVD" is not a license status' },
  ])(
    'rejects status $edit on a PENDING license: statusError, ops alert, nothing moves; a legal edit then proceeds',
    async ({ edit, reason }) => {
      const { license } = await pendingLicenseWithBacklog();
      const before = await snapshot(s);

      await s.setLicenseStatus(license.licenseId, edit);
      const records = await licenseRecords();
      expect(records.map((r) => [r.eventName, r.dynamodb?.NewImage?.status?.S])).toEqual([['MODIFY', edit]]);
      expect(await invokeWithRecords(local, 'license-events', records)).toEqual(ok);

      const l = await s.license(license.licenseId);
      expect(l).toMatchObject({ status: edit, appliedStatus: 'PENDING', releasedQuantity: 0 });
      expect(l.statusError).toContain(reason);
      expect(l.pendingWork).toBeUndefined();

      const alerts = await ops.about(license.licenseId);
      expect(alerts).toHaveLength(1);
      const text = `${alerts[0]?.body}`;
      expect(text).toContain(`License ${license.licenseId}`);
      expect(text).toContain(`"${edit}"`);
      expect(text).toContain('last applied PENDING');
      expect(text).toContain(reason);

      // Nothing but the license's statusError changed: no shipment, no counter.
      await processStreams();
      const after = await snapshot(s);
      expect(after.shipments).toEqual(before.shipments);
      expect(after.inventory).toEqual(before.inventory);
      // The rejection's write: statusError, and `attributed` (whom its History entry named).
      const strip = (items: typeof after.licenses) =>
        items.map(({ status: _s, statusError: _e, attributed: _a, ...rest }) => rest);
      expect(strip(after.licenses)).toEqual(strip(before.licenses));
      // The rejection's own stream record does not alert again (processed: its alert would be in the inbox).
      expect(await ops.about(license.licenseId, 2, 0)).toHaveLength(1);
      await s.expectInvariants();

      // The next legal edit clears statusError and proceeds as usual.
      await s.setLicenseStatus(license.licenseId, 'APPROVED');
      await processStreams();
      const approved = await s.license(license.licenseId);
      expect(approved).toMatchObject({ appliedStatus: 'APPROVED', releasedQuantity: 50 });
      expect(approved.statusError).toBeUndefined();
      await s.expectInvariants();
    },
  );
});

describe('a malformed item in a batch (I5)', () => {
  it('rejects an invalid license with a reason and still applies the good license after it', async () => {
    const good = await pendingLicenseWithBacklog();
    const bad = await givenLicense(s, {
      authorizedQuantity: 'lots' as unknown as number,
      status: 'APPROVED',
    });
    await s.setLicenseStatus(good.license.licenseId, 'APPROVED');
    const batch = await licenseRecords();
    expect(batch.map((r) => r.dynamodb?.Keys?.licenseId?.S)).toEqual([
      bad.license.licenseId,
      good.license.licenseId,
    ]);

    expect(await invokeWithRecords(local, 'license-events', batch)).toEqual(ok);

    expect(await s.license(good.license.licenseId)).toMatchObject({
      appliedStatus: 'APPROVED',
      releasedQuantity: 50,
    });
    const shipments = (await s.shipments()).filter((x) => x.licenseId === good.license.licenseId);
    expect(shipments.map((x) => x.status)).toEqual(['RELEASED', 'RELEASED']);

    const rejected = await s.license(bad.license.licenseId);
    expect(rejected.appliedStatus).toBeUndefined();
    expect(rejected.statusError).toContain('authorizedQuantity must be a Number (N) attribute');
    const [alert] = await ops.about(bad.license.licenseId);
    expect(alert?.body).toContain('authorizedQuantity must be a Number (N) attribute');
    await processStreams();
    await s.expectInvariants();
  });

  it('rejects an invalid shipment with a reason and still accepts the good shipment after it', async () => {
    const { shipment } = await givenLicense(s);
    const bad = { ...shipment(), quantity: '5' as unknown as number };
    const good = shipment({ quantity: 7 });
    await s.putShipment(bad);
    await s.putShipment(good);
    const batch = await shipmentRecords();
    expect(batch.map((r) => r.dynamodb?.Keys?.shipmentId?.S)).toEqual([bad.shipmentId, good.shipmentId]);

    expect(await invokeShipmentConsumers(local, batch)).toEqual(ok);

    expect(await s.shipment(good.shipmentId)).toMatchObject({ status: 'HELD', countedStatus: 'HELD' });
    expect(await s.inventory(good.sku, good.warehouseId)).toMatchObject({ held: 7 });
    const rejected = await s.shipment(bad.shipmentId);
    expect(rejected.countedStatus).toBeUndefined();
    expect(rejected.statusError).toContain('quantity must be a Number (N) attribute, not a string');
    const [alert] = await ops.about(bad.shipmentId);
    expect(alert?.body).toContain('quantity must be a Number (N) attribute, not a string');
    await processStreams();
    await s.expectInvariants();
  });
});
