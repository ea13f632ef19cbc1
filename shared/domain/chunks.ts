/**
 * `items` cut, in order, into chunks of at most `count` items whose sizes
 * (`sizeOf`) add up to at most `bytes`. An item larger than `bytes` on its
 * own makes a chunk of one: the caller's service refuses just that one.
 */
export function chunkBySize<T>(
  items: readonly T[],
  limits: { count: number; bytes: number; sizeOf: (item: T) => number },
): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = limits.sizeOf(item);
    if (current.length > 0 && (current.length >= limits.count || bytes + size > limits.bytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
