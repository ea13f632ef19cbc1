import { describe, expect, test } from 'vitest';
import { firstRound, forEachConcurrent } from '../../../shared/domain/concurrency.js';

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

describe('firstRound', () => {
  test('passes once every party is done with its first turn or has none, and names each first turn once', async () => {
    const round = firstRound(['a', 'b', 'c']);
    let passed = false;
    void round.passed.then(() => {
      passed = true;
    });
    expect(round.claim('a')).toBe(true);
    expect(round.claim('a')).toBe(false);
    round.done('b');
    expect(round.claim('b')).toBe(false);
    expect(round.claim('x')).toBe(false);
    round.done('c');
    await tick(0);
    // a claimed its first turn and has not ended it: the round waits for it.
    expect(passed).toBe(false);
    round.done('a');
    await tick(0);
    expect(passed).toBe(true);
  });

  test('leave ends the party’s round and resolves once everyone’s has', async () => {
    const round = firstRound(['a', 'b']);
    let left = false;
    void round.leave('a').then(() => {
      left = true;
    });
    await tick(0);
    expect(left).toBe(false);
    round.done('b');
    await tick(0);
    expect(left).toBe(true);
  });

  test('has passed already with no parties', async () => {
    await expect(firstRound([]).passed).resolves.toBeUndefined();
  });
});
