import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  describePartial,
  describeSeeds,
  type RunTally,
  readTallies,
  summaryLines,
} from '../../chaos/summary.js';

const tally = (over: Partial<RunTally>): RunTally => ({
  seed: 1,
  failed: false,
  attempts: 100,
  injected: { throttle: 3, 'throttle DynamoDB.TransactWriteItems': 3, conflict: 1 },
  crashes: 1,
  redelivered: 10,
  partialBatches: { 'shipment-events': 1 },
  outage: false,
  redriven: 0,
  settling: 2,
  shipments: 40,
  midRelease: false,
  amendmentsWritten: 1,
  amendmentsApplied: 1,
  writtenBack: 0,
  belowShipped: 0,
  shippedOverLimit: 0,
  shipmentValues: 0,
  copies: 1,
  conflicts: 2,
  transactions: 50,
  ms: 10_000,
  ...over,
});

describe('describeSeeds', () => {
  it.each([
    [[186, 1, 2, 3], [186], '1..3 and regression seeds 186'],
    [[186, 2, 4, 6], [186], '2..6 step 2 and regression seeds 186'],
    [[1, 3, 5], [186], '1..5 step 2'],
    [[17], [186], '17'],
    [[1, 2, 5], [], '1, 2, 5'],
    [[186], [186], 'none and regression seeds 186'],
  ])('%j with regressions %j: %s', (seeds, regressions, words) => {
    expect(describeSeeds(seeds, regressions)).toBe(words);
  });
});

describe('describePartial', () => {
  it('names the functions with partial batches, in name order, or says none', () => {
    expect(describePartial({ 'shipment-history': 2, 'license-events': 0, 'shipment-events': 1 })).toBe(
      'shipment-events 1, shipment-history 2',
    );
    expect(describePartial({ 'license-events': 0 })).toBe('none');
    expect(describePartial({})).toBe('none');
  });
});

describe('summaryLines', () => {
  it('adds the runs up, with the conflict rate and the failing seeds', () => {
    const text = summaryLines(
      'all lanes',
      [
        tally({}),
        tally({
          seed: 2,
          failed: true,
          outage: true,
          redriven: 4,
          copies: 2,
          partialBatches: { 'shipment-history': 3, 'shipment-events': 1, 'license-events': 0 },
        }),
      ],
      '1..2',
      0.1,
    );
    expect(text).toContain(
      '[chaos] all lanes: 2 runs, seeds 1..2, rate 0.1: 200 request attempts, 8 faults, 2 crashes',
    );
    expect(text).toContain('20 records redelivered, partial batches shipment-events 2, shipment-history 3,');
    expect(text).toContain('1 outages with 4 records redriven from the DLQs');
    expect(text).toContain('0 shipment values edited, 3 console copies, ');
    expect(text).toContain('transaction conflicts 4 of 100 transactions (4.00 %, 2 injected)');
    expect(text).toContain('failing seeds: 2\n');
    expect(text).toContain('faults by kind and service: {"kind throttle":6,"DynamoDB":6,"kind conflict":2}');
  });
});

describe('readTallies', () => {
  it('reads one tally per line, and none from a file never written', () => {
    const dir = mkdtempSync(join(tmpdir(), 'chaos-summary-'));
    try {
      const file = join(dir, 'runs.jsonl');
      expect(readTallies(file)).toEqual([]);
      writeFileSync(file, `${JSON.stringify(tally({ seed: 3 }))}\n${JSON.stringify(tally({ seed: 4 }))}\n`);
      expect(readTallies(file).map((t) => t.seed)).toEqual([3, 4]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
