/**
 * mulberry32: a small, fast, well-spread 32-bit PRNG. Every seeded run (the
 * scenario, the chaos runs, the benchmark workloads) draws from it, so the
 * same seed gives the same run.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
