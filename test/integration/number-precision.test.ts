/**
 * Numbers an admin types in the console with more digits than a double holds
 * (DynamoDB keeps 38). DESIGN §3: quantities are integers, values whole US
 * dollars, and an invalid item is rejected with `statusError` and an ops
 * alert (I5: "a reason a person can act on"). Read as a rounded double, such a
 * license was never applied nor rejected: every commit, conditional on the
 * stored terms, failed, and the record went to the DLQ with nothing said.
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { NumberValue } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { adminConsole } from '../helpers/admin-console.js';
import { aLicense, anInventory, aShipmentFor, nextId } from '../helpers/factories.js';
import { opsInbox } from '../helpers/ops-inbox.js';
import { useLocalStack } from '../helpers/stack.js';

const local = useLocalStack();
const s = adminConsole(local);
const ops = opsInbox(local);

const FIX = 'has more digits than the system can hold exactly; type a whole number';

beforeAll(async () => {
  await ops.open();
});

describe('numbers with more digits than a double holds', () => {
  it('rejects a new license whose authorizedQuantity is 1000.0000000000000000001: statusError and an alert name the field and the fix, nothing is released, nothing goes to the DLQ', async () => {
    const sku = nextId('SKU');
    await s.putInventory(anInventory({ sku, warehouseId: 'WH-1' }));
    const license = aLicense({ licenseId: nextId('LIC'), sku, status: 'APPROVED' });
    const shipment = aShipmentFor(license, { warehouseId: 'WH-1' });
    await s.putShipment(shipment);
    await local.drain();
    await s.putLicense({ ...license, authorizedQuantity: NumberValue.from('1000.0000000000000000001') });
    await local.drain();

    const item = await s.license(license.licenseId);
    expect(item.appliedStatus).toBeUndefined();
    expect(String(item.statusError)).toContain(`authorizedQuantity ${FIX} from 1 to 1000000000`);
    const alerts = await ops.about(license.licenseId);
    expect(alerts.map((a) => a.body).join('\n')).toContain(`authorizedQuantity ${FIX}`);
    expect((await s.shipment(shipment.shipmentId)).status).toBe('HELD');
    expect(await local.receiveAll(local.resources.dlqs.licenses.url)).toEqual([]);
  }, 120_000);

  it('rejects an amendment of an applied license to authorizedQuantity 1000.0000000000000000001 and sets the applied value back', async () => {
    const sku = nextId('SKU');
    await s.putInventory(anInventory({ sku, warehouseId: 'WH-1' }));
    const license = aLicense({ licenseId: nextId('LIC'), sku, status: 'APPROVED', authorizedQuantity: 1000 });
    await s.putLicense(license);
    await local.drain();
    expect((await s.license(license.licenseId)).appliedStatus).toBe('APPROVED');

    // The set-back is conditional on the value found: it must quote the Number stored, all its digits.
    await s.edit(
      'licenses',
      { licenseId: license.licenseId },
      'authorizedQuantity',
      NumberValue.from('1000.0000000000000000001'),
    );
    await local.drain();

    const item = await s.license(license.licenseId);
    expect(String(item.statusError)).toMatch(
      new RegExp(
        `^amendment rejected: authorizedQuantity ${FIX} .*; authorizedQuantity was set back to 1000`,
      ),
    );
    const raw = await local.dynamodb.send(
      new GetItemCommand({
        TableName: local.resources.tables.licenses.name,
        Key: { licenseId: { S: license.licenseId } },
        ConsistentRead: true,
      }),
    );
    expect(raw.Item?.authorizedQuantity).toEqual({ N: '1000' });
    expect(await local.receiveAll(local.resources.dlqs.licenses.url)).toEqual([]);
  }, 120_000);

  it('rejects a new shipment whose quantity is 2.0000000000000000001 or value 99.999999999999999999, naming the field', async () => {
    const sku = nextId('SKU');
    await s.putInventory(anInventory({ sku, warehouseId: 'WH-1' }));
    const license = aLicense({ licenseId: nextId('LIC'), sku, status: 'APPROVED' });
    await s.putLicense(license);
    await local.drain();
    const byQuantity = aShipmentFor(license, { warehouseId: 'WH-1' });
    const byValue = aShipmentFor(license, { warehouseId: 'WH-1' });
    await s.putShipment({ ...byQuantity, quantity: NumberValue.from('2.0000000000000000001') });
    await s.putShipment({ ...byValue, value: NumberValue.from('99.999999999999999999') });
    await local.drain();

    const q = await s.shipment(byQuantity.shipmentId);
    expect(q.countedStatus).toBeUndefined();
    expect(String(q.statusError)).toContain(`quantity ${FIX} from 1 to 1000000000`);
    const v = await s.shipment(byValue.shipmentId);
    expect(v.countedStatus).toBeUndefined();
    expect(String(v.statusError)).toContain(`value ${FIX} of US dollars from 0 to 1000000000000`);
    expect(await local.receiveAll(local.resources.dlqs.shipments.url)).toEqual([]);
  }, 120_000);
  it("refuses an edit of an accepted shipment's quantity to 2.0000000000000000001, as any edit of quantity, and sets the counted quantity back", async () => {
    const sku = nextId('SKU');
    await s.putInventory(anInventory({ sku, warehouseId: 'WH-1' }));
    const license = aLicense({ licenseId: nextId('LIC'), sku, status: 'PENDING' });
    await s.putLicense(license);
    const shipment = aShipmentFor(license, { warehouseId: 'WH-1', quantity: 2 });
    await s.putShipment(shipment);
    await local.drain();
    expect((await s.shipment(shipment.shipmentId)).countedStatus).toBe('HELD');

    await s.edit(
      'shipments',
      { shipmentId: shipment.shipmentId },
      'quantity',
      NumberValue.from('2.0000000000000000001'),
    );
    await local.drain();

    const raw = await local.dynamodb.send(
      new GetItemCommand({
        TableName: local.resources.tables.shipments.name,
        Key: { shipmentId: { S: shipment.shipmentId } },
        ConsistentRead: true,
      }),
    );
    expect(raw.Item?.quantity).toEqual({ N: '2' });
    // The set-back is conditional on the value found: it quotes the Number stored, all its digits.
    expect(raw.Item?.statusError?.S).toContain('Rejected edit of quantity');
    expect(await local.receiveAll(local.resources.dlqs.shipments.url)).toEqual([]);
  }, 120_000);
});
