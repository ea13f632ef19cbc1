/**
 * Delivery under failure (docs/data-contract.md, I4 and "Notifications", "Sending"): SNS answers
 * PublishBatch with 200 and a `Failed[]` list; only those entries are retried,
 * entries that keep failing turn into batchItemFailures for the stream
 * records behind them, and a redelivered batch carries the same dedup keys.
 *
 * Failures are injected on the wire, at the stack's request gateway, in the
 * requests shipment-events sends from its sandbox: chosen entries are taken
 * out of the request and answered as `Failed`, exactly as SNS reports a
 * partial failure, and the function's own SDK reads that answer.
 */

import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { lambdaContext } from '../../local/esm.js';
import { type PublishBatchEntry, publishBatchFailing } from '../../local/gateway/wire.js';
import { adminConsole } from '../helpers/admin-console.js';
import { aLicense, anInventory, aShipment } from '../helpers/factories.js';
import {
  committedChanges,
  emailStandIn,
  machineQueue,
  parseMachineMessages,
  type StreamChange,
  tally,
} from '../helpers/notify.js';
import { useLocalStack } from '../helpers/stack.js';

/** What the emulator handed to shipment-events and what it answered. */
interface Invocation {
  records: DynamoDBRecord[];
  changes: StreamChange[];
  failures: string[];
}
const invocations: Invocation[] = [];
/** Called after each shipment-events invocation (the fault plan disarms itself here). */
let afterInvocation: (i: Invocation) => void = () => undefined;

const local = useLocalStack({
  handlerOverrides: {
    // The real handler, observed: same module the emulator would import.
    'shipment-events': async (event: DynamoDBStreamEvent, context: Context) => {
      const real = await local.loadHandler('shipment-events');
      const result = (await real(event as never, context)) as DynamoDBBatchResponse;
      const invocation = {
        records: event.Records,
        changes: committedChanges(event.Records),
        failures: result.batchItemFailures.map((f) => f.itemIdentifier),
      };
      invocations.push(invocation);
      afterInvocation(invocation);
      return result;
    },
  },
});
const s = adminConsole(local);

/** One PublishBatch call as the client sent it. */
interface Call {
  topicArn: string;
  /** `dedupKey` attribute of each entry, in request order. */
  keys: string[];
  /** Entries answered as Failed by the injection. */
  injected: string[];
}

type Entry = PublishBatchEntry;
const attr = (e: Entry, name: string) => e.MessageAttributes?.[name]?.StringValue ?? '';

/** Fault plan: which entries to answer as Failed. */
let shouldFail: (entry: Entry, topicArn: string) => boolean = () => false;
const calls: Call[] = [];

beforeAll(() => {
  // On the wire, at the stack's gateway: shipment-events' own SDK reads the 200 answer with Failed[] entries.
  local.stack.gateway.use(async (call, forward) => {
    if (call.caller.kind !== 'function' || call.operation !== 'PublishBatch') return forward();
    const entries = (call.input.PublishBatchRequestEntries ?? []) as Entry[];
    const topicArn = String(call.input.TopicArn ?? '');
    const failing = entries.filter((e) => shouldFail(e, topicArn));
    calls.push({
      topicArn,
      keys: entries.map((e) => attr(e, 'dedupKey')),
      injected: failing.map((e) => attr(e, 'dedupKey')),
    });
    return publishBatchFailing(call.input, forward, (e) => failing.includes(e));
  });
});

afterEach(() => {
  shouldFail = () => false;
  afterInvocation = () => undefined;
});

/** A license with `n` HELD shipments of its customer in one warehouse, accepted (HELD notified). */
async function backlog(tag: string, n: number) {
  const licenseId = `LIC-${tag}`;
  const customerId = `CUST-${tag}`;
  const warehouseId = `WH-${tag}`;
  const queues = {
    customer: await machineQueue(local, { customer: customerId }),
    warehouse: await machineQueue(local, { warehouse: warehouseId }),
    email: await emailStandIn(local, { customer: customerId }),
  };
  await s.putInventory(anInventory({ warehouseId }));
  await s.putLicense(aLicense({ licenseId, customerId, status: 'PENDING' }));
  const shipments = Array.from({ length: n }, (_, i) =>
    aShipment({ shipmentId: `SHP-${tag}-${String(i).padStart(2, '0')}`, licenseId, customerId, warehouseId }),
  );
  await s.putShipments(shipments);
  await local.drain();
  for (const q of Object.values(queues)) await q.receiveAll();
  return { licenseId, customerId, warehouseId, shipments, queues };
}

describe('PublishBatch with Failed entries', () => {
  it('retries only the failed entries, and every message arrives exactly once', async () => {
    const b = await backlog('RF', 25);
    const customerTopic = b.queues.customer.subscription.topicArn;
    const targets = new Set([3, 7, 12, 24].map((i) => `SHP-RF-${String(i).padStart(2, '0')}#r2`));
    const seen = new Set<string>();
    // First attempt only: three customer JSON entries, and the first customer digest.
    shouldFail = (e, topicArn) => {
      const key = attr(e, 'dedupKey');
      const pick =
        topicArn === customerTopic &&
        (targets.has(key) || (attr(e, 'kind') === 'digest' && attr(e, 'customerId') === b.customerId));
      if (!pick || seen.has(`${topicArn} ${key}`)) return false;
      seen.add(`${topicArn} ${key}`);
      return true;
    };
    const firstCall = calls.length;
    const firstInvocation = invocations.length;
    await s.setLicenseStatus(b.licenseId, 'APPROVED');
    await local.drain();

    const mine = calls.slice(firstCall);
    const withInjection = mine.filter((c) => c.injected.length > 0);
    expect(withInjection.length).toBeGreaterThan(0);
    expect(withInjection.flatMap((c) => c.injected)).toEqual(expect.arrayContaining([...targets]));
    expect(withInjection.every((c) => c.topicArn === customerTopic)).toBe(true);
    for (const c of withInjection) {
      // A later call is the retry (other batches are in flight meanwhile), to the same topic, with
      // exactly the failed entries.
      const retry = mine
        .slice(mine.indexOf(c) + 1)
        .find((r) => r.topicArn === c.topicArn && r.keys.includes(c.injected[0] ?? ''));
      expect(retry?.keys).toEqual(c.injected);
      expect(retry?.injected).toEqual([]);
    }
    // Every entry was sent once, except the injected ones, sent twice. (A shipment change's
    // JSON messages to the customer and the logistics topic share its dedupKey.)
    const sent = tally(mine.flatMap((c) => c.keys.map((k) => `${c.topicArn} ${k}`)));
    for (const [entry, n] of sent) expect(n, entry).toBe(seen.has(entry) ? 2 : 1);
    // Nothing was left for the stream to redeliver.
    expect(invocations.slice(firstInvocation).flatMap((i) => i.failures)).toEqual([]);

    const customer = parseMachineMessages(await b.queues.customer.receiveAll());
    const warehouse = parseMachineMessages(await b.queues.warehouse.receiveAll());
    const released = b.shipments.map((x) => `${x.shipmentId}#r2`).sort();
    expect(customer.map((m) => m.dedupKey).sort()).toEqual(released);
    expect(warehouse.map((m) => m.dedupKey).sort()).toEqual(released);
    const mails = await b.queues.email.receiveAll();
    const digestKeys = mails.map((m) => m.attributes.dedupKey ?? '');
    const publishedDigests = [
      ...new Set(
        mine
          .filter((c) => c.topicArn === customerTopic)
          .flatMap((c) => c.keys.filter((k) => k.startsWith('digest#'))),
      ),
    ];
    expect(digestKeys.sort()).toEqual(publishedDigests.sort());
    expect(mails.reduce((n, m) => n + Number(/^(\d+) of your/.exec(m.subject ?? '')?.[1]), 0)).toBe(25);
  });

  it('reports the stream records behind entries that keep failing, and their redelivery gets every change out', async () => {
    const b = await backlog('KF', 10);
    const customerTopic = b.queues.customer.subscription.topicArn;
    const logisticsTopic = local.resources.topics.logistics.arn;
    // The approval's release first; its digests come from license-events (its event's tally).
    await s.setLicenseStatus(b.licenseId, 'APPROVED');
    await local.drain();
    for (const q of Object.values(b.queues)) await q.receiveAll();
    // The first SHIPPED change's customer JSON entry (the edits reach shipment-events in batches of their own).
    let stuckJson: string | undefined;
    let armed = true;
    // Every attempt of one invocation fails: one customer JSON entry and the warehouse's digest of the
    // shipments logistics marked SHIPPED (manual edits: shipment-events sends their digests per batch).
    shouldFail = (e, topicArn) => {
      if (!armed) return false;
      if (
        topicArn === customerTopic &&
        attr(e, 'kind') === 'shipment' &&
        attr(e, 'eventType') === 'SHIPMENT_SHIPPED'
      ) {
        stuckJson ??= attr(e, 'dedupKey');
        return attr(e, 'dedupKey') === stuckJson;
      }
      return (
        topicArn === logisticsTopic &&
        attr(e, 'kind') === 'digest' &&
        attr(e, 'warehouseId') === b.warehouseId &&
        attr(e, 'eventType') === 'SHIPMENT_SHIPPED'
      );
    };
    afterInvocation = (i) => {
      if (i.failures.length > 0) armed = false;
    };
    const firstInvocation = invocations.length;
    const firstCall = calls.length;
    for (const x of b.shipments) await s.setShipmentStatus(x.shipmentId, 'SHIPPED');
    await local.drain();

    const mine = invocations.slice(firstInvocation);
    const failedAt = mine.findIndex((i) => i.failures.length > 0);
    expect(failedAt).toBeGreaterThanOrEqual(0);
    const failed = mine[failedAt] as Invocation;
    // 4 attempts per entry inside the invocation, then it gives up on them.
    const injected = calls.slice(firstCall).filter((c) => c.topicArn === customerTopic);
    expect(stuckJson).toBeDefined();
    expect(tally(injected.flatMap((c) => c.injected)).get(stuckJson ?? '')).toBe(4);
    // The digest covers every shipment of this warehouse shipped in the batch: all of them are reported.
    const behindDigest = failed.changes
      .filter((c) => c.warehouseId === b.warehouseId && c.status === 'SHIPPED')
      .map((c) => c.sequence);
    expect(behindDigest.length).toBeGreaterThan(0);
    const stuckRecord = failed.changes.find((c) => c.dedupKey === stuckJson)?.sequence;
    expect(failed.failures.sort()).toEqual(
      [...new Set([...behindDigest, ...(stuckRecord ? [stuckRecord] : [])])].sort(),
    );
    // Records the handler did not report are not among the failures.
    const sequences = failed.records.map((r) => r.dynamodb?.SequenceNumber ?? '');
    expect(failed.failures.every((f) => sequences.includes(f))).toBe(true);
    // The emulator redelivers from the lowest reported record on (the next invocation of the failed batch's
    // lane: the other lanes of the shard go on meanwhile).
    const lowest = sequences.find((q) => failed.failures.includes(q));
    const retry = mine
      .slice(failedAt + 1)
      .find((i) => i.records.some((r) => sequences.includes(r.dynamodb?.SequenceNumber ?? '')));
    expect(retry?.records[0]?.dynamodb?.SequenceNumber).toBe(lowest);

    const shipped = b.shipments.map((x) => `${x.shipmentId}#r3`).sort();
    const customer = parseMachineMessages(await b.queues.customer.receiveAll());
    const warehouse = parseMachineMessages(await b.queues.warehouse.receiveAll());
    // At least once: every change arrived; a redelivered record may repeat one.
    expect([...new Set(customer.map((m) => m.dedupKey))].sort()).toEqual(shipped);
    expect([...new Set(warehouse.map((m) => m.dedupKey))].sort()).toEqual(shipped);
    expect(tally(customer.map((m) => m.dedupKey)).get(stuckJson ?? '')).toBe(1);
    const stats = local.esm.stats().mappings.find((m) => m.function.includes('Shipment'));
    expect(stats?.dlq).toBe(0);
  });
});

describe('redelivery', () => {
  it('reproduces the same dedup keys when shipment-events gets the same records twice', async () => {
    const b = await backlog('RD', 6);
    await s.setLicenseStatus(b.licenseId, 'APPROVED');
    await local.drain();
    await s.setShipmentStatus('SHP-RD-01', 'SHIPPED');
    await s.setShipmentStatus('SHP-RD-02', 'CANCELLED');
    await local.drain();
    const original = parseMachineMessages(await b.queues.customer.receiveAll()).map((m) => m.dedupKey);
    await b.queues.email.receiveAll();

    const captured = (await local.readStreamRecords('shipments')).filter((r) =>
      (r.dynamodb?.Keys?.shipmentId?.S ?? '').startsWith('SHP-RD-'),
    );
    const handler = await local.loadHandler('shipment-events');
    const fn = Object.values(local.resources.functionsByLogicalId).find((f) =>
      f.entry.endsWith('shipment-events.ts'),
    );
    if (!fn) throw new Error('no shipment-events function');
    const deliver = async () => {
      const result = (await handler({ Records: structuredClone(captured) } as never, lambdaContext(fn))) as
        | DynamoDBBatchResponse
        | undefined;
      expect(result?.batchItemFailures ?? []).toEqual([]);
      await local.drain();
      return {
        json: parseMachineMessages(await b.queues.customer.receiveAll())
          .map((m) => m.dedupKey)
          .sort(),
        digests: (await b.queues.email.receiveAll()).map((m) => m.attributes.dedupKey ?? '').sort(),
      };
    };
    const first = await deliver();
    const second = await deliver();

    const changes = committedChanges(captured).map((c) => c.dedupKey);
    expect(changes).toHaveLength(6 * 2 + 2);
    expect(first.json).toEqual([...changes].sort());
    expect(second.json).toEqual(first.json);
    expect([...original].sort()).toEqual(
      first.json.filter((k) => !k.endsWith('#r1')), // the queue was subscribed after the HELD notices
    );
    expect(first.digests.length).toBeGreaterThan(0);
    expect(second.digests).toEqual(first.digests);
  });
});
