/**
 * Customer topic sharding. SNS allows 200 filter policies per topic by
 * default, and every customer subscription carries one (scoped to its
 * customerId), so customers are spread over N customer topics. A customer's
 * shard is a stable hash of its id: the publisher and the subscribe command
 * compute the same one without a lookup. See ARCHITECTURE.md, "Past 200
 * customers".
 */
export function customerShard(customerId: string, shards: number): number {
  if (!Number.isInteger(shards) || shards < 1) {
    throw new RangeError(`shards must be a positive integer, got ${shards}`);
  }
  return fnv1a(customerId) % shards;
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
