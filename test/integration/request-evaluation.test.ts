/**
 * Live request evaluation: every request a function, a stream mapping or the
 * subscription manager role sends through the local stack's gateway is judged
 * against the synthesized template's identity, resource, key and trust
 * policies, as AWS would judge it, and a request AWS would deny is refused.
 */
import { describe, expect, it } from 'vitest';
import { adminConsole } from '../helpers/admin-console.js';
import { runCli } from '../helpers/cli.js';
import { aLicense, anInventory, aShipmentFor } from '../helpers/factories.js';
import { type LocalStackHandle, useLocalStack } from '../helpers/stack.js';

const local = useLocalStack();

/** One license approved, one shipment shipped by hand, one illegal edit (an ops alert), and a clock tick. */
async function exerciseEveryFunction(stack: LocalStackHandle): Promise<void> {
  const sc = adminConsole(stack);
  await sc.putInventory(anInventory());
  const license = aLicense({ licenseId: 'LIC-EVAL', status: 'PENDING', authorizedQuantity: 20 });
  await sc.putLicense(license);
  const [a, b] = [aShipmentFor(license, { quantity: 10 }), aShipmentFor(license, { quantity: 10 })];
  await sc.putShipments([a, b]);
  await stack.drain();
  await sc.setLicenseStatus(license.licenseId, 'APPROVED');
  await stack.drain();
  await sc.setShipmentStatus(a.shipmentId, 'SHIPPED');
  await sc.setLicenseStatus(license.licenseId, 'APPROVD');
  await stack.drain();
  await stack.esm.invokeSchedule('license-clock');
  await stack.drain();
}

describe('request evaluation on the local stack', () => {
  it('judges the requests of every function, stream mapping and the subscribe role, and allows each', async () => {
    await exerciseEveryFunction(local);
    const subscribed = await runCli(local, [
      'subscribe',
      'customer',
      '--customer',
      'CUST-EVAL',
      '--protocol',
      'email',
      '--endpoint',
      'a@b.example',
    ]);
    expect(subscribed.code).toBe(0);

    const { judged, denied } = local.stack.requests();
    expect(denied).toEqual([]);
    const seen = (caller: string, action: string, resource: RegExp) =>
      judged.some((j) => j.caller === caller && j.action === action && resource.test(j.resource));
    const r = local.resources;
    const table = (t: { name: string }) => new RegExp(`:table/${t.name}$`);
    // license-events' release transaction: one request per item, on each item's table.
    expect(seen('license-events', 'dynamodb:UpdateItem', table(r.tables.shipments))).toBe(true);
    expect(seen('license-events', 'dynamodb:UpdateItem', table(r.tables.inventory))).toBe(true);
    expect(
      seen('license-events', 'dynamodb:Query', new RegExp(`:table/${r.tables.shipments.name}/index/`)),
    ).toBe(true);
    // license-events' rejection alert, with the ops topic's key.
    expect(seen('license-events', 'sns:Publish', new RegExp(`${r.topics.ops.arn}$`))).toBe(true);
    expect(seen('license-events', 'kms:GenerateDataKey', /:key\//)).toBe(true);
    // shipment-events' notices to the customer and logistics topics.
    expect(seen('shipment-events', 'sns:Publish', new RegExp(`${r.topics.customer.arn}$`))).toBe(true);
    expect(seen('shipment-events', 'sns:Publish', new RegExp(`${r.topics.logistics.arn}$`))).toBe(true);
    expect(seen('license-clock', 'dynamodb:Scan', table(r.tables.licenses))).toBe(true);
    // The mappings read their streams with the functions' roles.
    expect(judged.some((j) => j.caller.endsWith('mapping') && j.action === 'dynamodb:GetRecords')).toBe(true);
    // clearance subscribe: AssumeRole against the trust policy, then Subscribe as the role.
    expect(judged.some((j) => j.caller === 'client' && j.action === 'sts:AssumeRole')).toBe(true);
    expect(judged.some((j) => j.caller.endsWith('(assumed)') && j.action === 'sns:Subscribe')).toBe(true);
  });
});
