/**
 * History apart from notifying (ARCHITECTURE.md, scale plan): shipment-history,
 * the Shipments stream's second consumer, records every committed shipment
 * change, and shipment-events notifies the same changes without waiting for
 * it. While shipment-history is held back (a busy History key, a throttled
 * table), customers still hear of their releases and History has none of
 * them yet; once it runs, every release is entered exactly once (I6).
 */
import type { Context, DynamoDBStreamEvent } from 'aws-lambda';
import { expect, it } from 'vitest';
import { adminConsole } from '../helpers/admin-console.js';
import { machineQueue, parseMachineMessages } from '../helpers/notify.js';
import { givenLicense, invocationsOf, sleep } from '../helpers/release-kit.js';
import { useLocalStack } from '../helpers/stack.js';

/** While set, shipment-history waits for it before running. */
let gate: Promise<void> | undefined;

const local = useLocalStack({
  handlerOverrides: {
    'shipment-history': async (event: DynamoDBStreamEvent, context: Context): Promise<unknown> => {
      await gate;
      const real = await local.loadHandler('shipment-history');
      return real(event as never, context);
    },
  },
});
const s = adminConsole(local);

/** Polls `read` until `done` holds of what it returns; fails after `ms`. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, ms = 30_000) {
  const end = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

it('notifies every release while shipment-history is held back, and enters each once when it runs', async () => {
  const lut = await givenLicense(s, { authorizedQuantity: 30 });
  const id = lut.license.licenseId;
  const customer = await machineQueue(local, { customer: lut.license.customerId });
  const shipments = [1, 2, 3].map((priority) => lut.shipment({ priority, quantity: 10 }));
  await s.putShipments(shipments);
  await local.drain();
  await customer.receiveAll();
  const entered = async () => (await s.history(id)).filter((e) => e.eventType === 'SHIPMENT_RELEASED');

  let open = () => {};
  gate = new Promise((resolve) => {
    open = resolve;
  });
  const recorded = invocationsOf(local, 'shipment-history');
  try {
    await s.setLicenseStatus(id, 'APPROVED');
    // No drain here: it would wait for the held-back consumer. The customer's queue is read instead.
    const received: string[] = [];
    await until(
      async () => {
        for (const m of parseMachineMessages(await customer.receiveAll()))
          if (m.eventType === 'SHIPMENT_RELEASED') received.push(m.shipmentId);
        return received;
      },
      (r) => r.length === 3,
      'three SHIPMENT_RELEASED messages',
    );
    expect(received.sort()).toEqual(shipments.map((x) => x.shipmentId).sort());
    expect(await entered(), 'History has no release while shipment-history waits').toEqual([]);
  } finally {
    open();
    gate = undefined;
  }
  await local.drain();

  expect(invocationsOf(local, 'shipment-history')).toBeGreaterThan(recorded);
  const entries = await entered();
  expect(entries.map((e) => e.shipmentId).sort()).toEqual(shipments.map((x) => x.shipmentId).sort());
  for (const e of entries)
    expect(e).toMatchObject({ status: 'RELEASED', previousStatus: 'HELD', quantity: 10 });
  await s.expectInvariants();
});
