import { describe, expect, test } from 'vitest';
import { forEachConcurrent } from '../../../shared/domain/concurrency.js';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('forEachConcurrent', () => {
  test('runs every item once, at most `limit` at a time, starting them in order', async () => {
    const started: number[] = [];
    let inFlight = 0;
    let peak = 0;
    await forEachConcurrent([5, 1, 3, 2, 4, 1, 2], 3, async (ms, i) => {
      started.push(i);
      peak = Math.max(peak, ++inFlight);
      await tick(ms);
      inFlight--;
    });
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(peak).toBe(3);
  });

  test('rejects with the first error once the calls already started have settled, and starts no more', async () => {
    const settled: number[] = [];
    const run = forEachConcurrent([0, 1, 2, 3, 4, 5], 2, async (n) => {
      await tick(n === 1 ? 1 : 5);
      if (n === 1) throw new Error('boom 1');
      settled.push(n);
    });
    await expect(run).rejects.toThrow('boom 1');
    expect(settled).toEqual([0]);
  });

  test('refuses a limit that is not a whole number ≥ 1', async () => {
    await expect(forEachConcurrent([1], 0, async () => {})).rejects.toThrow(
      /limit must be a whole number ≥ 1, got 0/,
    );
  });
});
