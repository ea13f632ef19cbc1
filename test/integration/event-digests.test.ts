/**
 * One digest per customer and one per warehouse for each license event
 * (DESIGN §6), on the local stack with the real handlers: an approval whose
 * release runs in many time slices (RELEASE_TIME_BUDGET_MS = 1 ms here) and
 * reaches shipment-events in several stream batches (2,500 changes, 1,000 a
 * batch at most) is announced to the customer's email subscription in one
 * digest, and to each warehouse's in one, with the whole event's totals.
 * The machine subscription still gets one JSON message per shipment.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { adminConsole } from '../helpers/admin-console.js';
import { heldBacklog } from '../helpers/factories.js';
import { emailStandIn, machineQueue, parseMachineMessages } from '../helpers/notify.js';
import {
  givenLicense,
  idsWith,
  invocationsOf,
  seedAcceptedBacklog,
  settledLicense,
  shipmentsOf,
} from '../helpers/release-kit.js';
import { useLocalStack } from '../helpers/stack.js';

const local = useLocalStack({ environmentOverrides: { RELEASE_TIME_BUDGET_MS: '1' } });
const s = adminConsole(local);

const N = 2_500;

describe('license event digests', () => {
  it(`announces a release of ${N} shipments in several slices and stream batches in one digest to the customer and one to each warehouse`, async () => {
    const lut = await givenLicense(s, { customerId: 'CUST-EVD', authorizedQuantity: 10 * N });
    const backlog = heldBacklog(N, (i) => ({
      licenseId: lut.license.licenseId,
      customerId: 'CUST-EVD',
      sku: lut.license.sku,
      quantity: 1 + (i % 3),
      warehouseId: i % 5 === 0 ? 'WH-2' : 'WH-1',
    }));
    await seedAcceptedBacklog(local, lut.license, backlog);
    await local.drain({ timeoutMs: 60_000 });
    // Subscribed once the seed's records are processed: only the approval's messages reach them.
    const email = await emailStandIn(local, { customer: 'CUST-EVD' });
    const wh1 = await emailStandIn(local, { warehouse: 'WH-1' });
    const wh2 = await emailStandIn(local, { warehouse: 'WH-2' });
    const machine = await machineQueue(local, { customer: 'CUST-EVD' });
    const before = {
      licenseEvents: invocationsOf(local, 'license-events'),
      shipmentEvents: invocationsOf(local, 'shipment-events'),
    };

    await s.setLicenseStatus(lut.license.licenseId, 'APPROVED');
    await local.drain({ timeoutMs: 180_000 });
    expect(await settledLicense(s, lut.license.licenseId)).toMatchObject({ appliedStatus: 'APPROVED' });
    expect(idsWith(await shipmentsOf(s, lut.license.licenseId), 'RELEASED')).toHaveLength(N);
    // Several slices, several stream batches.
    expect(invocationsOf(local, 'license-events') - before.licenseEvents).toBeGreaterThan(3);
    expect(invocationsOf(local, 'shipment-events') - before.shipmentEvents).toBeGreaterThanOrEqual(3);

    const units = (wh?: string) =>
      backlog.filter((x) => wh === undefined || x.warehouseId === wh).reduce((n, x) => n + x.quantity, 0);
    const fmt = (n: number) => n.toLocaleString('en-US');
    const mails = await email.receiveAll();
    expect(mails.map((m) => m.subject)).toEqual([
      `${fmt(N)} of your shipments under license ${lut.license.licenseId} were released`,
    ]);
    const [mail] = mails;
    expect(mail?.attributes).toMatchObject({
      customerId: 'CUST-EVD',
      kind: 'digest',
      eventType: 'SHIPMENT_RELEASED',
    });
    expect(mail?.text).toContain(`${fmt(N)} shipments (${fmt(units())} units)`);
    expect(mail?.text.match(/^ {2}- \S+: \d+ × \S+ from warehouse WH-[12]$/gm)).toHaveLength(25);
    expect(mail?.text).toContain(`… and ${fmt(N - 25)} more (${fmt(N)} in total).`);

    for (const [queue, wh, count] of [
      [wh1, 'WH-1', (N * 4) / 5],
      [wh2, 'WH-2', N / 5],
    ] as const) {
      const digests = await queue.receiveAll();
      expect(digests.map((m) => m.subject)).toEqual([
        `Warehouse ${wh}: ${fmt(count)} shipments under license ${lut.license.licenseId} released`,
      ]);
      expect(digests[0]?.text).toContain(`(${fmt(units(wh))} units)`);
    }

    const json = parseMachineMessages(await machine.receiveAll());
    expect(json.filter((m) => m.eventType === 'SHIPMENT_RELEASED')).toHaveLength(N);
    // Sent and deleted: no tally is left behind.
    const { Count } = await local.ddb.send(
      new ScanCommand({ TableName: local.resources.tables.tallies.name, Select: 'COUNT' }),
    );
    expect(Count).toBe(0);
  });
});
