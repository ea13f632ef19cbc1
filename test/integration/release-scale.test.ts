/**
 * The cost of a big approval: every DynamoDB write call and every SNS call
 * the handlers make (license-events, shipment-events, license-clock), counted
 * at the stack's request gateway as the functions' sandboxes send them, and
 * every notice delivered. One 2,500-shipment run serves both budgets,
 * which keeps the suite short (the benchmark counts 10,000:
 * `callsPerShipment`).
 */
import { describe, expect, it } from 'vitest';
import { countCalls } from '../../local/call-counter.js';
import { adminConsole } from '../helpers/admin-console.js';
import { heldBacklog } from '../helpers/factories.js';
import { emailStandIn, machineQueue, parseMachineMessages } from '../helpers/notify.js';
import { expectCounters, givenLicense, seedAcceptedBacklog, settledLicense } from '../helpers/release-kit.js';
import { useLocalStack } from '../helpers/stack.js';

const local = useLocalStack();
const s = adminConsole(local);

const SHIPMENTS = 2_500;
/**
 * The releases' own transactions (98 shipments, their Inventory item and the
 * license in each: 26 for 2,500) and the History appends (one
 * TransactWriteItems of up to 100 conditional Puts per shipment-events batch:
 * 25 for 2,500 in full batches), with room for twice as many History
 * transactions (a batch the mapping cuts short ends in a partial one), and
 * the approval's own few writes (its applied status, the settling marker,
 * the digest tally's delete). Measured: 59 for 2,500 and 111 for 5,000.
 */
const WRITE_CALL_LIMIT = Math.ceil(SHIPMENTS / 98) + 2 * Math.ceil(SHIPMENTS / 100) + 8;
/** Two JSON messages per shipment at 10 a call is 0.2; the license event's digests add a call or two. */
const SNS_CALLS_PER_SHIPMENT = 0.25;

describe('a big approval', () => {
  it(`releases ${SHIPMENTS} held shipments with at most ${WRITE_CALL_LIMIT} DynamoDB write calls and ${SNS_CALLS_PER_SHIPMENT} SNS calls per shipment, notifying every one`, async ({
    annotate,
  }) => {
    const { license } = await givenLicense(s, { authorizedQuantity: 2 * SHIPMENTS });
    const backlog = heldBacklog(SHIPMENTS, (i) => ({
      licenseId: license.licenseId,
      sku: license.sku,
      quantity: 1 + (i % 3),
      warehouseId: i % 2 === 0 ? 'WH-1' : 'WH-2',
    }));
    await seedAcceptedBacklog(local, license, backlog);
    await local.drain({ timeoutMs: 120_000 });
    const customerQueue = await machineQueue(local, { customer: license.customerId });
    const warehouseQueue = await machineQueue(local, { warehouse: 'WH-1' });
    const email = await emailStandIn(local, { customer: license.customerId });

    const counter = countCalls(local.stack.gateway);
    try {
      // The counter sees the functions' requests: a clock tick's Scan shows up in it.
      await local.esm.invokeSchedule('license-clock');
      expect(counter.counts['DynamoDB.Scan'], 'the counter sees the handlers’ calls').toBeGreaterThanOrEqual(
        1,
      );
      counter.reset();

      await s.setLicenseStatus(license.licenseId, 'APPROVED');
      await local.drain({ timeoutMs: 240_000 });
      const writes = counter.dynamoWrites();
      const snsPerShipment = counter.total((k) => k.startsWith('SNS.')) / SHIPMENTS;
      const detail = `${writes} DynamoDB write calls and ${snsPerShipment.toFixed(4)} SNS calls per shipment for ${SHIPMENTS} releases: ${JSON.stringify(counter.counts)}`;
      await annotate(detail);

      expect(writes, detail).toBeLessThanOrEqual(WRITE_CALL_LIMIT);
      expect(snsPerShipment, detail).toBeLessThanOrEqual(SNS_CALLS_PER_SHIPMENT);
      // Both handlers were counted: license-events' transactions, shipment-events' notices.
      expect(counter.counts['DynamoDB.TransactWriteItems'], detail).toBeGreaterThanOrEqual(SHIPMENTS / 100);
      expect(counter.counts['SNS.PublishBatch'], detail).toBeGreaterThanOrEqual((2 * SHIPMENTS) / 10);
    } finally {
      counter.detach();
    }

    const units = (wh: string) =>
      backlog.filter((x) => x.warehouseId === wh).reduce((n, x) => n + x.quantity, 0);
    const l = await settledLicense(s, license.licenseId);
    expect(l).toMatchObject({ appliedStatus: 'APPROVED', releasedQuantity: units('WH-1') + units('WH-2') });
    const shipments = (await s.shipments()).filter((x) => x.licenseId === license.licenseId);
    expect(shipments.filter((x) => x.status === 'RELEASED')).toHaveLength(SHIPMENTS);
    await expectCounters(s, license.sku, 'WH-1', { held: 0, released: units('WH-1') });
    await expectCounters(s, license.sku, 'WH-2', { held: 0, released: units('WH-2') });
    await s.expectInvariants();

    // Every release reached the customer's machine queue once, the warehouse's for its shipments,
    // and one email digest says how many.
    const released = parseMachineMessages(await customerQueue.receiveAll());
    expect(new Set(released.map((m) => m.dedupKey)).size).toBe(SHIPMENTS);
    expect(released.every((m) => m.eventType === 'SHIPMENT_RELEASED')).toBe(true);
    expect(parseMachineMessages(await warehouseQueue.receiveAll())).toHaveLength(
      backlog.filter((x) => x.warehouseId === 'WH-1').length,
    );
    // One digest for the whole approval (its license event), however many slices and batches it took.
    const mails = await email.receiveAll();
    expect(mails.map((m) => m.subject)).toEqual([
      `${SHIPMENTS.toLocaleString('en-US')} of your shipments under license ${license.licenseId} were released`,
    ]);
  }, 400_000); // 2,500 releases, their notices and History: 30-45 s alone, up to 3x that beside other files on a slow, shared 2-core machine
});
