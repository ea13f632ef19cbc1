/**
 * The emulator's own SQS calls under injected faults: a batch that exhausts
 * its retries reaches the on-failure queue even when SQS keeps failing for a
 * while (it is sent before it leaves the shard's buffer), with its reason.
 */
import { beforeAll, expect, it } from 'vitest';
import { adminConsole } from '../helpers/admin-console.js';
import { sleep } from '../helpers/release-kit.js';
import { useLocalStack } from '../helpers/stack.js';
import { FaultInjector, useFastRetries } from './faults.js';

/** Every emulator SQS attempt fails with a 5xx until paused. */
const faults = new FaultInjector({
  seed: 7,
  rate: 0.999,
  kinds: ['server'],
  select: (call) => call.caller.kind === 'esm' && call.service === 'sqs',
});

const local = useLocalStack({
  instrumentClients: ({ sqs }) => useFastRetries(sqs),
  handlerOverrides: {
    'shipment-events': () => {
      throw new Error('poison batch (test)');
    },
  },
  mappingOverrides: { shipments: { maximumRetryAttempts: 0, bisectBatchOnFunctionError: false } },
});
const s = adminConsole(local);
beforeAll(() => {
  faults.attach(local.stack);
});

it('parks a failed batch in the DLQ once SQS recovers, losing no record', async () => {
  await s.putShipment({ shipmentId: 'SHP-POISON', status: 'HELD' });
  const stats = () => local.esm.stats().mappings.find((m) => m.function.startsWith('ShipmentEvents'));
  const deadline = Date.now() + 60_000;
  while ((stats()?.pollErrors ?? 0) < 1 && Date.now() < deadline) await sleep(100);
  expect(stats()?.pollErrors, 'the DLQ send failed at least once').toBeGreaterThanOrEqual(1);
  expect(faults.stats.injected['server SQS.SendMessage']).toBeGreaterThan(0);

  faults.pause();
  await local.drain({ timeoutMs: 60_000 });
  const parked = await local.receiveAll(local.resources.dlqs.shipments.url);
  expect(parked).toHaveLength(1);
  const payload = JSON.parse(parked[0]?.body ?? '{}') as {
    requestContext: { condition: string };
    DDBStreamBatchInfo: { batchSize: number };
  };
  expect(payload.requestContext.condition).toBe('RetryAttemptsExhausted');
  expect(payload.DDBStreamBatchInfo.batchSize).toBe(1);
});
