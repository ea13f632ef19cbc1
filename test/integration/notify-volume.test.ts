/**
 * What notifying a big release costs in SNS calls (DESIGN.md section 6:
 * PublishBatch, 10 entries a call). Counted on the handlers' real
 * `snsClient` from the approval until the streams are drained.
 */
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { countCalls } from '../../local/call-counter.js';
import { aLicense, heldBacklog } from '../helpers/factories.js';
import { emailStandIn, machineQueue, parseMachineMessages, seedHeldShipments } from '../helpers/notify.js';
import { scenario } from '../helpers/scenario.js';
import { useLocalStack } from '../helpers/stack.js';

const local = useLocalStack();
const s = scenario(local);

const N = 5_000;
const CALLS_PER_SHIPMENT = 0.25;

describe('a release of 5,000 shipments', () => {
  it(`notifies every one of them with at most ${CALLS_PER_SHIPMENT} SNS calls per shipment`, async ({
    annotate,
  }) => {
    await s.putLicense(
      aLicense({
        licenseId: 'LIC-VOL',
        customerId: 'CUST-VOL',
        status: 'PENDING',
        authorizedQuantity: N * 10,
      }),
    );
    await seedHeldShipments(
      local,
      heldBacklog(N, { licenseId: 'LIC-VOL', customerId: 'CUST-VOL', warehouseId: 'WH-VOL', quantity: 10 }),
    );
    await local.drain({ timeoutMs: 60_000 });
    const customer = await machineQueue(local, { customer: 'CUST-VOL' });
    const warehouse = await machineQueue(local, { warehouse: 'WH-VOL' });
    const email = await emailStandIn(local, { customer: 'CUST-VOL' });

    // The handlers' own client: the emulator imports the handler modules through this worker's
    // module graph, so this is the instance they use (the lower bound below proves it).
    const runtime = await import('../../functions/runtime.js');
    const calls = countCalls([runtime.snsClient]);
    const started = Date.now();
    try {
      await s.setLicenseStatus('LIC-VOL', 'APPROVED');
      await local.drain({ timeoutMs: 120_000 });
    } finally {
      calls.detach();
    }
    const sns = calls.total((k) => k.startsWith('SNS.'));
    const perShipment = sns / N;
    const stats = local.esm.stats().mappings.find((m) => m.function.includes('Shipment'));
    const detail =
      `${N} releases: ${sns} SNS calls ${JSON.stringify(calls.counts)} = ${perShipment.toFixed(4)} per shipment; ` +
      `${Date.now() - started} ms from approval to drained; shipment-events invocations: ${stats?.invocations}`;
    await annotate(detail);
    console.info(`[notify-volume] ${detail}`);
    // Two JSON messages per shipment (customer, logistics) at 10 a call is 0.2; digests add the rest.
    expect(calls.counts['SNS.PublishBatch'] ?? 0, detail).toBeGreaterThanOrEqual((2 * N) / 10);
    expect(perShipment, detail).toBeLessThanOrEqual(CALLS_PER_SHIPMENT);

    const released = parseMachineMessages(await customer.receiveAll());
    expect(released).toHaveLength(N);
    expect(new Set(released.map((m) => m.dedupKey)).size).toBe(N);
    expect(released.every((m) => m.eventType === 'SHIPMENT_RELEASED' && m.previousStatus === 'HELD')).toBe(
      true,
    );
    const waiting = await local.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: warehouse.queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages'],
      }),
    );
    expect(Number(waiting.Attributes?.ApproximateNumberOfMessages)).toBe(N);
    const mails = await email.receiveAll();
    expect(mails.reduce((n, m) => n + Number(/^(\d+) of your/.exec(m.subject ?? '')?.[1]), 0)).toBe(N);
    expect((await s.license('LIC-VOL')).releasedQuantity).toBe(N * 10);
  });
});
