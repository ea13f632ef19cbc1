/**
 * The 50-license target is "every license's first customer message arrives
 * within 3 s of the approval": summarize() judges it on the slowest
 * repetition, not on the median of the repetitions (a run of 4.36, 2.65 and
 * 2.67 s misses it).
 */
import { describe, expect, it } from 'vitest';
import type { FairnessResult } from '../../../bench/fairness.js';
import { type RepResult, summarize } from '../../../bench/report.js';

const memory = {
  samples: 1,
  rssStartMiB: 100,
  rssPeakMiB: 400,
  heapUsedPeakMiB: 50,
  heapUsedStartMiB: 40,
  jvmRssPeakMiB: 300,
  nodeCpuS: 1,
  jvmCpuS: 1,
};

function rep(r: number, lastFirstMessageMs: number): RepResult {
  const fairness: FairnessResult = {
    kind: 'fairness',
    tag: 'A0001',
    n: 10_000,
    ms: 30_000,
    licenses: [],
    firstMessageMinMs: 300,
    firstMessageMaxMs: lastFirstMessageMs,
    spreadMs: lastFirstMessageMs - 300,
    smallBacklogMaxMs: lastFirstMessageMs,
    firstReleaseMaxMs: 1_000,
    calls: { total: 2_500, perShipment: 0.25, byOperation: {}, perShipmentByOperation: {} },
    memory,
    seedMs: 1_000,
    problems: [],
  };
  return { n: 10_000, rep: r, order: ['fairness'], loadAverage: 1, fairness };
}

describe('the 50-license target', () => {
  it('is not met when one repetition had a license hear after more than 3 s', () => {
    const s = summarize([rep(1, 4_360), rep(2, 2_650), rep(3, 2_670)], { modelAwsMillionSeconds: null });
    const t = s.targets.find((x) => x.name.startsWith('50 licenses at once') && x.target === '≤ 3 s');
    expect(t).toBeDefined();
    expect(t?.met).toBe(false);
  });
});
