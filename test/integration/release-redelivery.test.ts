/**
 * At-least-once delivery: every batch both handlers already processed is
 * delivered again (records read back from the real streams), and the store
 * does not change at all.
 */
import type { DynamoDBRecord } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { adminConsole } from '../helpers/admin-console.js';
import { fromNow, givenLicense, invokeWithRecords, snapshot } from '../helpers/release-kit.js';
import { useLocalStack } from '../helpers/stack.js';

const local = useLocalStack();
const s = adminConsole(local);

/** The template's batch sizes: license-events 10, shipment-events 1000. */
const MAPPING_BATCH = { 'license-events': 10, 'shipment-events': 1000 } as const;

/** Delivers `records` to `fn` again, `size` records an invocation. */
async function redeliver(fn: keyof typeof MAPPING_BATCH, records: readonly DynamoDBRecord[], size: number) {
  for (let i = 0; i < records.length; i += size) {
    const out = await invokeWithRecords(local, fn, records.slice(i, i + size));
    expect(out, `${fn} batch at ${i}`).toEqual({ batchItemFailures: [] });
  }
}

/**
 * Approvals (one before its validFrom), re-holds, console edits, rejections:
 * every kind of record both streams carry.
 */
async function busyHistory() {
  const released = await givenLicense(s, { authorizedQuantity: 60 });
  const revoked = await givenLicense(s, { authorizedQuantity: 40 });
  const denied = await givenLicense(s);
  const early = await givenLicense(s, { validFrom: fromNow(24 * 3600_000) }); // approved before validFrom
  const r = [30, 20, 25, 10].map((quantity, i) =>
    released.shipment({ quantity, priority: i, warehouseId: i % 2 ? 'WH-2' : 'WH-1' }),
  );
  const v = [15, 15].map((quantity) => revoked.shipment({ quantity }));
  const d = denied.shipment();
  await s.putShipments([...r, ...v, d, early.shipment(), early.shipment()]);
  await local.drain();
  for (const id of [released.license.licenseId, revoked.license.licenseId, early.license.licenseId])
    await s.setLicenseStatus(id, 'APPROVED');
  await s.setLicenseStatus(denied.license.licenseId, 'DENIED');
  await local.drain();
  await s.setShipmentStatus(r[0]?.shipmentId ?? '', 'SHIPPED');
  await s.setShipmentStatus(r[1]?.shipmentId ?? '', 'CANCELLED');
  await s.setShipmentStatus(d.shipmentId, 'SHIPPED'); // illegal: restored
  await s.setLicenseStatus(revoked.license.licenseId, 'REVOKED');
  await local.drain();
  await s.setLicenseStatus(revoked.license.licenseId, 'APPROVED'); // illegal: REVOKED is final
  await s.setLicenseStatus(denied.license.licenseId, 'APPROVD'); // illegal: not a status
  await local.drain();
}

describe('redelivery', () => {
  beforeAll(busyHistory);

  it.each([
    {
      batching: 'in mapping-sized batches',
      size: (fn: keyof typeof MAPPING_BATCH) => MAPPING_BATCH[fn],
    },
    { batching: 'one record at a time', size: () => 1 },
  ])('changes nothing when every record of both streams is delivered again, $batching', async ({ size }) => {
    const before = await snapshot(s);
    const licenseRecords = await local.readStreamRecords('licenses');
    const shipmentRecords = await local.readStreamRecords('shipments');
    expect(licenseRecords.length).toBeGreaterThan(10);
    expect(shipmentRecords.length).toBeGreaterThan(20);

    await redeliver('license-events', licenseRecords, size('license-events'));
    await redeliver('shipment-events', shipmentRecords, size('shipment-events'));
    await local.drain();

    expect(await snapshot(s)).toEqual(before);
    await s.expectInvariants();
  });
});
