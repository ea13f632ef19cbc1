/**
 * The AWS console's "Duplicate item" on a counted shipment, on the local
 * stack (real handlers, DynamoDB Local, fauxqs): a PutItem of the item as it
 * is, every attribute included (`countedStatus`, `revision`, `countedAs`, the
 * index keys, `holdOrder`...), under a new `shipmentId`. Before, the copy was
 * taken for a shipment already counted: never counted HELD, never entered in
 * History, then released (or re-held) by a license pass, which left Inventory
 * at held −30, released 60 (I3). Now it is taken in as a new HELD shipment,
 * once, with its own keys, History entries and an ops alert.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { indexKey } from '../../shared/domain/index-keys.js';
import { GSI_ATTR } from '../../shared/names.js';
import { adminConsole } from '../helpers/admin-console.js';
import { opsInbox } from '../helpers/ops-inbox.js';
import { expectCounters, givenLicense, settledLicense } from '../helpers/release-kit.js';
import { useLocalStack } from '../helpers/stack.js';

const local = useLocalStack();
const s = adminConsole(local);
const ops = opsInbox(local);

beforeAll(async () => {
  await ops.open();
});

/** Duplicates shipment `id` the way the console does: the item as read, under `copyId`. */
async function duplicate(id: string, copyId: string): Promise<void> {
  await s.putShipment({ ...(await s.shipment(id)), shipmentId: copyId });
  await local.drain();
}

async function entriesOf(licenseId: string, shipmentId: string): Promise<string[]> {
  return (await s.history(licenseId))
    .filter((e) => e.shipmentId === shipmentId)
    .map((e) => `${String(e.eventType)} ${String(e.entryId).slice(-7)}`);
}

/** The copy is counted as its own shipment: its own index key and hold order. */
async function expectOwn(licenseId: string, copyId: string, status: string): Promise<void> {
  const item = await s.shipment(copyId);
  expect(item).toMatchObject({ status, countedStatus: status, changedBy: 'clearance' });
  expect(String(item[GSI_ATTR.holdOrder])).toMatch(new RegExp(`#${copyId}$`));
  const index = status === 'HELD' ? GSI_ATTR.heldLicenseId : GSI_ATTR.releasedLicenseId;
  expect(item[index]).toBe(indexKey(licenseId, copyId));
}

/**
 * The copy released once, as a shipment of its own: the license drew both 30-unit shipments (60 units,
 * value 1,000), and the copy's History is a new shipment's.
 */
async function expectCopyReleased(
  license: { licenseId: string; sku: string },
  copyId: string,
): Promise<void> {
  await expectOwn(license.licenseId, copyId, 'RELEASED');
  await expectCounters(s, license.sku, 'WH-1', { held: 0, released: 60 });
  expect(await settledLicense(s, license.licenseId)).toMatchObject({
    releasedQuantity: 60,
    releasedValue: 1000,
  });
  expect(await entriesOf(license.licenseId, copyId)).toEqual([
    'SHIPMENT_HELD r000001',
    'SHIPMENT_RELEASED r000002',
  ]);
}

describe('a counted shipment duplicated in the console', () => {
  it('a HELD one: the copy is counted HELD once, alerted, and released with the original on approval', async () => {
    const { license, shipment } = await givenLicense(s, { authorizedQuantity: 100 });
    const original = shipment({ quantity: 30, value: 500 });
    await s.putShipment(original);
    await local.drain();
    const copyId = `${original.shipmentId}-copy`;
    await duplicate(original.shipmentId, copyId);

    await expectOwn(license.licenseId, copyId, 'HELD');
    expect(await s.shipment(copyId)).toMatchObject({ revision: 1, holdReason: 'LICENSE_PENDING' });
    await expectCounters(s, license.sku, 'WH-1', { held: 60, released: 0 });
    const [alert] = await ops.about(copyId);
    expect(alert?.subject).toBe(
      `Shipment ${copyId}: copy of shipment ${original.shipmentId} taken in as a new shipment`,
    );

    await s.setLicenseStatus(license.licenseId, 'APPROVED');
    await local.drain();
    expect(await s.shipment(original.shipmentId)).toMatchObject({ countedStatus: 'RELEASED' });
    await expectCopyReleased(license, copyId);
    await s.expectInvariants();
  });

  it('a RELEASED one: the copy starts HELD, is released once by its license, and a suspension re-holds both', async () => {
    const { license, shipment } = await givenLicense(s, { authorizedQuantity: 100, status: 'APPROVED' });
    await local.drain();
    const original = shipment({ quantity: 30, value: 500 });
    await s.putShipment(original);
    await local.drain();
    expect(await s.shipment(original.shipmentId)).toMatchObject({ countedStatus: 'RELEASED' });
    const copyId = `${original.shipmentId}-copy`;
    await duplicate(original.shipmentId, copyId);

    await expectCopyReleased(license, copyId);
    expect(await ops.about(copyId)).toHaveLength(1);

    await s.setLicenseStatus(license.licenseId, 'SUSPENDED');
    await local.drain();
    expect((await s.shipment(copyId)).countedStatus).toBe('HELD');
    expect((await s.shipment(original.shipmentId)).countedStatus).toBe('HELD');
    await expectCounters(s, license.sku, 'WH-1', { held: 60, released: 0 });
    expect(await settledLicense(s, license.licenseId)).toMatchObject({
      releasedQuantity: 0,
      releasedValue: 0,
    });
    await s.expectInvariants();
  });
});
