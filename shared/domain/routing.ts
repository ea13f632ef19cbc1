/**
 * Customer topic sharding. SNS allows 200 filter policies per topic by
 * default, and every customer subscription carries one (scoped to its
 * customerId), so customers are spread over N customer topics. A customer's
 * shard is a consistent hash of its id: the publisher and the subscribe
 * command compute the same one without a lookup, and changing N moves only the
 * customers that must move (raising N to N + 1 moves about 1/(N + 1) of them,
 * all to the new shard). See ARCHITECTURE.md, "Past 200 customers".
 */
export function customerShard(customerId: string, shards: number): number {
  if (!Number.isInteger(shards) || shards < 1) {
    throw new RangeError(`shards must be a positive integer, got ${shards}`);
  }
  return jumpConsistentHash(0, fnv1a(customerId), shards);
}

/**
 * Customers to plan per customer topic shard, each with one subscription (a
 * customer subscribed by email and by SQS holds two of a shard's 200 filter
 * policies). The hash fills shards unevenly, so the busiest one reaches 200,
 * and `clearance subscribe` refuses its next customer, well before 200 × N:
 * test/unit/domain/shard-capacity.test.ts measures it (30 shards: the first
 * refusal after 5,112 customers CUST-00001…, and after at least 150 × 30 for
 * 95 % of 200 other id sets).
 */
export const CUSTOMERS_PER_SHARD_TO_PLAN = 150;

/** The multiplier of the paper's 64-bit LCG, 2862933555777941757, as two 32-bit halves. */
const LCG_HIGH = 0x27bb2ee6;
const LCG_LOW = 0x87b0b0fd;
const TWO_16 = 0x1_0000;
const TWO_32 = 0x1_0000_0000;
const TWO_31 = 0x8000_0000;

/** The high 32 bits of the 64-bit product of two unsigned 32-bit integers, exactly (16-bit partial products). */
function mulHigh32(a: number, b: number): number {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const mid = a1 * b0 + a0 * b1; // < 2^33
  const low = a0 * b0 + (mid % TWO_16) * TWO_16; // < 2^33
  return (a1 * b1 + Math.floor(mid / TWO_16) + Math.floor(low / TWO_32)) >>> 0;
}

/**
 * Jump consistent hash (Lamping & Veach, "A Fast, Minimal Memory, Consistent
 * Hash Algorithm", 2014) of the unsigned 64-bit key `keyHigh`·2³² + `keyLow`
 * into `buckets` buckets: the paper's C++ function step for step, with its
 * 64-bit LCG `key = key * 2862933555777941757 + 1` done in 32-bit halves (no
 * BigInt) and the same double arithmetic, so it returns what the reference
 * returns. One bucket always gives 0; going from n to n + 1 buckets moves a
 * key only into the new bucket n, and about 1/(n + 1) of the keys do.
 */
export function jumpConsistentHash(keyHigh: number, keyLow: number, buckets: number): number {
  if (!Number.isInteger(buckets) || buckets < 1) {
    throw new RangeError(`buckets must be a positive integer, got ${buckets}`);
  }
  let hi = keyHigh >>> 0;
  let lo = keyLow >>> 0;
  let b = -1;
  let j = 0;
  while (j < buckets) {
    b = j;
    // key = key * LCG + 1 (mod 2^64)
    const nextHi = (mulHigh32(lo, LCG_LOW) + Math.imul(lo, LCG_HIGH) + Math.imul(hi, LCG_LOW)) >>> 0;
    lo = (Math.imul(lo, LCG_LOW) >>> 0) + 1;
    hi = lo === TWO_32 ? (nextHi + 1) >>> 0 : nextHi;
    lo >>>= 0;
    // j = (b + 1) * (2^31 / ((key >> 33) + 1)), truncated as C++ converts the double to int64
    j = Math.floor((b + 1) * (TWO_31 / ((hi >>> 1) + 1)));
  }
  return b;
}

/** FNV-1a, 32 bit: tiny, stable across runtimes, and well spread for short ids. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
