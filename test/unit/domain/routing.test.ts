/**
 * Customer topic shard assignment: jump consistent hashing of the customerId's
 * FNV-1a hash. Changing `customerTopicShards` on a live stack leaves every
 * customer whose shard survives where it was (its subscription keeps
 * receiving), and moves only the share the change must move.
 */
import { describe, expect, it } from 'vitest';
import { customerShard, fnv1a, jumpConsistentHash } from '../../../shared/domain/routing.js';

const TWO_64 = 1n << 64n;

/** The paper's C++ function over BigInt, as an oracle for the 32-bit-halves version. */
function referenceJump(key: bigint, buckets: number): number {
  let k = key;
  let b = -1n;
  let j = 0n;
  while (j < BigInt(buckets)) {
    b = j;
    k = (k * 2862933555777941757n + 1n) % TWO_64;
    j = BigInt(Math.floor(Number(b + 1n) * (2 ** 31 / Number((k >> 33n) + 1n))));
  }
  return Number(b);
}

const halves = (key: bigint) => [Number(key >> 32n), Number(key & 0xffff_ffffn)] as const;
const jump = (key: bigint, buckets: number) => jumpConsistentHash(...halves(key), buckets);

const customers = Array.from({ length: 2000 }, (_, i) => `CUST-${String(i).padStart(5, '0')}`);
const movedShare = (from: number, to: number) =>
  customers.filter((id) => customerShard(id, from) !== customerShard(id, to)).length / customers.length;

describe('jumpConsistentHash', () => {
  it('returns the published values of the reference implementation', () => {
    // ClickHouse's jumpConsistentHash test (tests/queries/0_stateless/00580_consistent_hashing_functions).
    expect(jump(1n, 1)).toBe(0);
    expect(jump(42n, 57)).toBe(43);
    expect(jump(256n, 1024)).toBe(520);
    expect(jump(3735883980n, 1)).toBe(0);
    expect(jump(3735883980n, 666)).toBe(361);
    expect(jump(16045690984833335023n, 255)).toBe(237);
  });

  it('agrees with a 64-bit BigInt transcription of the paper for keys across the whole 64-bit range', () => {
    let key = 0x9e37_79b9_7f4a_7c15n;
    for (let i = 0; i < 3000; i++) {
      key = (key * 6364136223846793005n + 1442695040888963407n) % TWO_64;
      const buckets = 1 + (i % 1000);
      expect(jump(key, buckets), `key ${key}, ${buckets} buckets`).toBe(referenceJump(key, buckets));
    }
    for (const key of [0n, 1n, 0xffff_ffffn, 0x1_0000_0000n, TWO_64 - 1n]) {
      for (const buckets of [1, 2, 30, 1 << 20]) expect(jump(key, buckets)).toBe(referenceJump(key, buckets));
    }
  });

  it('refuses a bucket count that is not a positive whole number', () => {
    for (const buckets of [0, -1, 2.5, Number.NaN])
      expect(() => jumpConsistentHash(0, 1, buckets)).toThrow(RangeError);
  });
});

describe('customerShard', () => {
  it('puts every customer on shard 0 of a one-shard stack', () => {
    for (const id of customers) expect(customerShard(id, 1)).toBe(0);
  });

  it('is the jump hash of the customerId’s FNV-1a hash, within the shards', () => {
    for (const id of customers.slice(0, 200)) {
      const shard = customerShard(id, 30);
      expect(shard).toBe(referenceJump(BigInt(fnv1a(id)), 30));
      expect(shard).toBeGreaterThanOrEqual(0);
      expect(shard).toBeLessThan(30);
    }
    expect(() => customerShard('CUST-A', 0)).toThrow(RangeError);
  });

  it.each([
    [1, 2],
    [2, 3],
    [10, 11],
    [29, 30],
  ])(
    'moves only the customers the new shard takes when %i shards become %i: one customer in the new count',
    (from, to) => {
      for (const id of customers) {
        const before = customerShard(id, from);
        const after = customerShard(id, to);
        if (after !== before) expect(after, id).toBe(to - 1);
      }
      const moved = movedShare(from, to);
      expect(moved).toBeGreaterThan(0.5 / to);
      expect(moved).toBeLessThan(1.5 / to);
    },
  );

  it('moves 9 % of the customers of a 10-shard stack when one shard is added, all to the new shard', () => {
    // 10 → 11: the new shard takes 1/11 of the customers; nobody else has a reason to move.
    expect(movedShare(10, 11)).toBeGreaterThan(0.06);
    expect(movedShare(10, 11)).toBeLessThanOrEqual(1 / 11 + 0.03);
    for (const id of customers)
      if (customerShard(id, 11) !== customerShard(id, 10)) expect(customerShard(id, 11), id).toBe(10);
  });

  it.each([2, 10, 30])(
    'moves about (N − 1)/N of the customers of a %i-shard stack once, on the upgrade from fnv1a % N',
    (shards) => {
      const moved = customers.filter((id) => customerShard(id, shards) !== fnv1a(id) % shards).length;
      expect(moved / customers.length).toBeCloseTo((shards - 1) / shards, 1);
    },
  );

  it('moves only the customers of the removed shards when shards are lowered', () => {
    for (const id of customers) {
      const before = customerShard(id, 30);
      if (before < 20) expect(customerShard(id, 20), id).toBe(before);
    }
    expect(movedShare(30, 20)).toBeCloseTo(10 / 30, 1);
  });
});
