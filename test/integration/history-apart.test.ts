/**
 * History apart from notifying (ARCHITECTURE.md, scale plan): shipment-history,
 * the Shipments stream's second consumer, records every committed shipment
 * change, and shipment-events notifies the same changes without waiting for
 * it. While shipment-history is held back (a busy History key, a throttled
 * table), customers still hear of their releases and History has none of
 * them yet; once it runs, every release is entered exactly once (I6). An
 * append that writes only some entries reports the records of the others,
 * so the stream reads again from the first of them, not the whole batch.
 */
import type { Context, DynamoDBStreamEvent } from 'aws-lambda';
import { expect, it } from 'vitest';
import { adminConsole } from '../helpers/admin-console.js';
import { machineQueue, parseMachineMessages } from '../helpers/notify.js';
import {
  givenLicense,
  invocationsOf,
  invokeWithRecords,
  rejectHistoryAppendsOf,
  releaseRecords,
  until,
} from '../helpers/release-kit.js';
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

/** Holds shipment-history's mapping back until the returned function is called. */
function holdBack(): () => void {
  let open = () => {};
  gate = new Promise((resolve) => {
    open = resolve;
  });
  return () => {
    open();
    gate = undefined;
  };
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

  const open = holdBack();
  const recorded = invocationsOf(local, 'shipment-history');
  try {
    await s.setLicenseStatus(id, 'APPROVED');
    // No drain here: it would wait for the held-back consumer. The customer's queue is read instead.
    const received: string[] = [];
    await until(
      'three SHIPMENT_RELEASED messages',
      async () => {
        for (const m of parseMachineMessages(await customer.receiveAll()))
          if (m.eventType === 'SHIPMENT_RELEASED') received.push(m.shipmentId);
        return received.length === 3 ? received : undefined;
      },
      30_000,
    );
    expect(received.sort()).toEqual(shipments.map((x) => x.shipmentId).sort());
    expect(await entered(), 'History has no release while shipment-history waits').toEqual([]);
  } finally {
    open();
  }
  await local.drain();

  expect(invocationsOf(local, 'shipment-history')).toBeGreaterThan(recorded);
  const entries = await entered();
  expect(entries.map((e) => e.shipmentId).sort()).toEqual(shipments.map((x) => x.shipmentId).sort());
  for (const e of entries)
    expect(e).toMatchObject({ status: 'RELEASED', previousStatus: 'HELD', quantity: 10 });
  await s.expectInvariants();
});

it('reports the records whose History entries a failed transaction left unwritten, and enters them when read again', async () => {
  const lut = await givenLicense(s, { authorizedQuantity: 1_500 });
  const id = lut.license.licenseId;
  const shipments = Array.from({ length: 150 }, (_, i) => lut.shipment({ priority: i + 1, quantity: 10 }));
  await s.putShipments(shipments);
  await local.drain();
  const released = async () => (await s.history(id)).filter((e) => e.eventType === 'SHIPMENT_RELEASED');

  const open = holdBack();
  let rejected = 0;
  try {
    await s.setLicenseStatus(id, 'APPROVED');
    await until(
      'the release of all 150',
      async () => {
        const l = await s.license(id);
        return l.releasedQuantity === 1_500 && l.pendingWork === undefined ? l : undefined;
      },
      30_000,
    );
    const records = await releaseRecords(local, id);
    expect(records).toHaveLength(150);

    // DynamoDB rejects the append's second transaction (entries 101–150), as it would an item too large.
    const second = new Set(records.slice(100).map((r) => r.dynamodb?.NewImage?.shipmentId?.S));
    const remove = rejectHistoryAppendsOf(
      local,
      second,
      'test: Item size has exceeded the maximum allowed size',
      () => rejected++,
    );
    try {
      const out = await invokeWithRecords(local, 'shipment-history', records);
      expect(out).toEqual({
        batchItemFailures: records.slice(100).map((r) => ({ itemIdentifier: r.dynamodb?.SequenceNumber })),
      });
    } finally {
      remove();
    }
    expect(rejected, 'one transaction rejected, not retried').toBe(1);
    expect(await released(), "the first transaction's 100 entries").toHaveLength(100);

    // The stream reads again from the first failed record.
    expect(await invokeWithRecords(local, 'shipment-history', records.slice(100))).toEqual({
      batchItemFailures: [],
    });
    const entries = await released();
    expect(entries.map((e) => e.shipmentId).sort()).toEqual(shipments.map((x) => x.shipmentId).sort());
  } finally {
    open();
  }
  // The held-back mapping's batches of the same records add nothing.
  await local.drain();
  expect(await released()).toHaveLength(150);
  await s.expectInvariants();
});
