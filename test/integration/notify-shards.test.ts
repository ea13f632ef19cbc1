/**
 * Past 200 customers (ARCHITECTURE.md): with CDK context
 * `customerTopicShards: 3` the stack has three customer topics, the publisher
 * sends each customer's messages to `customerShard(customerId, 3)`, and
 * `clearance subscribe customer` subscribes on that same shard.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { customerShard } from '../../shared/domain/routing.js';
import { adminConsole } from '../helpers/admin-console.js';
import { aLicense, anInventory, aShipment } from '../helpers/factories.js';
import {
  machineQueue,
  parseMachineMessages,
  type ShipmentMessage,
  type TestQueue,
} from '../helpers/notify.js';
import type { ReceivedMessage } from '../helpers/stack.js';
import { useLocalStack } from '../helpers/stack.js';

const SHARDS = 3;
const local = useLocalStack({ context: { customerTopicShards: SHARDS } });
const s = adminConsole(local);

/** Customer ids, first by shard: one per shard, and a second one on shard 0. */
function customersAcrossShards(): string[] {
  const byShard = new Map<number, string[]>();
  for (let i = 0; byShard.size < SHARDS || (byShard.get(0)?.length ?? 0) < 2; i++) {
    const id = `CUST-SH-${i}`;
    const shard = customerShard(id, SHARDS);
    byShard.set(shard, [...(byShard.get(shard) ?? []), id]);
  }
  return [
    ...(byShard.get(0) ?? []).slice(0, 2),
    ...Array.from({ length: SHARDS - 1 }, (_, k) => byShard.get(k + 1)?.[0] ?? ''),
  ];
}

describe(`customer notifications over ${SHARDS} customer topic shards`, () => {
  const customers = customersAcrossShards();
  const shardOf = (customerId: string) => customerShard(customerId, SHARDS);
  const subscribed = new Map<string, TestQueue>();
  const received = new Map<string, ShipmentMessage[]>();
  /** Everything each shard topic carried (an unfiltered tap per shard). */
  const carried: ReceivedMessage[][] = [];

  beforeAll(async () => {
    const shards = local.resources.topics.customerShards;
    expect(shards).toHaveLength(SHARDS);
    const taps = await Promise.all(shards.map((t) => local.subscribeQueue(t.arn)));
    for (const c of customers) subscribed.set(c, await machineQueue(local, { customer: c }));

    await s.putInventory(anInventory({ warehouseId: 'WH-SH' }));
    for (const [n, customerId] of customers.entries()) {
      const licenseId = `LIC-SH-${n}`;
      await s.putLicense(aLicense({ licenseId, customerId, status: 'PENDING' }));
      await s.putShipments(
        [1, 2].map((k) =>
          aShipment({ shipmentId: `SHP-SH-${n}-${k}`, licenseId, customerId, warehouseId: 'WH-SH' }),
        ),
      );
    }
    await local.drain();
    for (const n of customers.keys()) await s.setLicenseStatus(`LIC-SH-${n}`, 'APPROVED');
    await local.drain();

    for (const [c, q] of subscribed) received.set(c, parseMachineMessages(await q.receiveAll()));
    for (const tap of taps) carried.push(await tap.receiveAll());
  });

  it('subscribes each customer on its own shard topic', () => {
    const shards = local.resources.topics.customerShards.map((t) => t.arn);
    expect(new Set(customers.map(shardOf))).toEqual(new Set([0, 1, 2]));
    for (const c of customers) {
      expect(subscribed.get(c)?.subscription.topicArn, c).toBe(shards[shardOf(c)]);
      expect(subscribed.get(c)?.subscription.filterPolicy).toEqual({ customerId: [c], kind: ['shipment'] });
    }
  });

  it("publishes each customer's messages only to its shard topic", () => {
    for (const [shard, messages] of carried.entries()) {
      expect(messages.length, `shard ${shard}`).toBeGreaterThan(0);
      for (const m of messages) expect(shardOf(m.attributes.customerId ?? ''), m.body).toBe(shard);
    }
    for (const c of customers) {
      const where = carried.flatMap((messages, shard) =>
        messages.some((m) => m.attributes.customerId === c) ? [shard] : [],
      );
      expect(where, c).toEqual([shardOf(c)]);
      // Both kinds travel on the shard: a HELD and a RELEASED notice per shipment, and digests.
      const kinds = carried[shardOf(c)]
        ?.filter((m) => m.attributes.customerId === c)
        .map((m) => m.attributes.kind);
      expect(kinds?.filter((k) => k === 'shipment')).toHaveLength(4);
      expect(kinds).toContain('digest');
    }
  });

  it('gives each customer all of its own changes and none of the others, also on a shared shard', () => {
    for (const [n, c] of customers.entries()) {
      const got = received.get(c) ?? [];
      expect(got.map((m) => m.dedupKey).sort(), c).toEqual(
        [`SHP-SH-${n}-1#r1`, `SHP-SH-${n}-1#r2`, `SHP-SH-${n}-2#r1`, `SHP-SH-${n}-2#r2`].sort(),
      );
      expect(new Set(got.map((m) => m.customerId))).toEqual(new Set([c]));
    }
    // The first two customers share shard 0: its filter policies keep them apart.
    expect(shardOf(customers[0] ?? '')).toBe(shardOf(customers[1] ?? ''));
  });
});
