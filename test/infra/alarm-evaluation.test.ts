import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../infra/clearance-function.js';
import type { StreamFunctionName } from '../../infra/metrics.js';
import type { ClearanceStack } from '../../infra/stack.js';
import { synthesize } from './synth.js';

/**
 * Alarms judged against the metric series the system produces, not only by
 * their settings: CloudWatch's evaluation (period, statistic, M of N
 * datapoints, state changes) modelled for a single-metric alarm with one value
 * a minute.
 *
 * - ExpiryWatchFailing: a quiet expiry lead that has shipments again is
 *   re-checked, and a failed warning retried, only on its license's turn, one
 *   tick in `recheckEvery` (functions/license-clock.ts; `recheckTurn` in
 *   shared/engine/clock.ts). Its `ExpiryWatchFailures` read 1 on one minute in
 *   `recheckEvery` and 0 on the others, which five 1-minute datapoints in a
 *   row never matched: the warning could fail until the license expired.
 * - …DlqArrivals: the depth alarm (…DlqNotEmpty) notifies once and stays in
 *   ALARM while older messages wait, which the runbook allows for days (a
 *   range read in part, `--max`, a GONE message awaiting `reconcile`); a
 *   second batch parked meanwhile notified nobody, and its records left the
 *   stream 24 h later.
 */

interface AlarmProps {
  Namespace?: string;
  MetricName?: string;
  Metrics?: unknown;
  Dimensions?: unknown;
  Statistic?: string;
  Period?: number;
  EvaluationPeriods: number;
  DatapointsToAlarm?: number;
  Threshold: number;
  ComparisonOperator: string;
  AlarmActions?: unknown;
}

const STATISTICS: Record<string, (values: number[]) => number> = {
  Sum: (v) => v.reduce((a, b) => a + b, 0),
  Maximum: (v) => Math.max(...v),
  Minimum: (v) => Math.min(...v),
  Average: (v) => v.reduce((a, b) => a + b, 0) / v.length,
};

/**
 * The alarm's state at each period boundary, for a metric with one value a
 * minute (`perMinute`), from the first boundary with `EvaluationPeriods` periods behind it.
 */
function states(alarm: AlarmProps, perMinute: readonly number[]): ('OK' | 'ALARM')[] {
  if (alarm.Metrics !== undefined)
    throw new Error('metric math alarm: extend this evaluator to the expression before judging it');
  const statistic = STATISTICS[alarm.Statistic ?? 'Sum'];
  if (!statistic) throw new Error(`statistic ${alarm.Statistic} not modelled`);
  const periodMin = (alarm.Period ?? 60) / 60;
  const buckets: number[] = [];
  for (let start = 0; start + periodMin <= perMinute.length; start += periodMin) {
    buckets.push(statistic(perMinute.slice(start, start + periodMin)));
  }
  const breaching = (v: number): boolean => {
    if (alarm.ComparisonOperator === 'GreaterThanOrEqualToThreshold') return v >= alarm.Threshold;
    if (alarm.ComparisonOperator === 'GreaterThanThreshold') return v > alarm.Threshold;
    throw new Error(`comparison ${alarm.ComparisonOperator} not modelled`);
  };
  const n = alarm.EvaluationPeriods;
  const m = alarm.DatapointsToAlarm ?? n;
  const result: ('OK' | 'ALARM')[] = [];
  for (let end = n; end <= buckets.length; end++) {
    result.push(buckets.slice(end - n, end).filter(breaching).length >= m ? 'ALARM' : 'OK');
  }
  return result;
}

const fires = (alarm: AlarmProps, perMinute: readonly number[]): boolean =>
  states(alarm, perMinute).includes('ALARM');

/** OK → ALARM changes, each of which notifies the alarm's actions. */
const notifications = (alarm: AlarmProps, perMinute: readonly number[]): number =>
  states(alarm, perMinute).filter((state, i, all) => state === 'ALARM' && (all[i - 1] ?? 'OK') === 'OK')
    .length;

/** The clock's re-check cadence as the deployed handler sets it. */
function recheckEvery(): number {
  const source = readFileSync(join(REPO_ROOT, 'functions/license-clock.ts'), 'utf8');
  const match = /recheckEvery:\s*(\d+)/.exec(source);
  if (!match?.[1]) throw new Error('recheckEvery not found in functions/license-clock.ts');
  return Number(match[1]);
}

const s = synthesize();
const alarms = Object.values(s.template.findResources('AWS::CloudWatch::Alarm')).map(
  (a) => a.Properties as AlarmProps,
);
const opsTopic = { Ref: s.logicalId(s.stack.topics.ops.topic) };
const TWO_HOURS = 2 * 60;

describe('ExpiryWatchFailing against the clock', () => {
  const found = alarms.filter(
    (p) =>
      p.MetricName === 'ExpiryWatchFailures' ||
      JSON.stringify(p.Metrics ?? '').includes('ExpiryWatchFailures'),
  );
  const alarm = found[0] as AlarmProps;

  it('is the one alarm on ExpiryWatchFailures', () => {
    expect(found).toHaveLength(1);
  });

  it('fires when a re-checked quiet lead fails on every turn of its license (one tick in recheckEvery)', () => {
    const every = recheckEvery();
    expect(every).toBeGreaterThan(1);
    // Every phase of the license's turn against the period boundaries.
    for (let phase = 0; phase < every; phase++) {
      const series = Array.from({ length: TWO_HOURS }, (_, minute) => (minute % every === phase ? 1 : 0));
      expect(fires(alarm, series), `turn at minute ${phase} mod ${every}, two hours of failures`).toBe(true);
    }
  });

  it('fires within 10 minutes when a due lead fails on every tick, whenever in a period it starts', () => {
    for (let quiet = 0; quiet < 5; quiet++) {
      const series = [...Array.from({ length: quiet }, () => 0), ...Array.from({ length: 10 }, () => 1)];
      expect(fires(alarm, series), `failures from minute ${quiet}`).toBe(true);
    }
  });

  it('does not fire on one failure the next tick repairs', () => {
    const series = Array.from({ length: TWO_HOURS }, (_, minute) => (minute === 30 ? 1 : 0));
    expect(fires(alarm, series)).toBe(false);
  });
});

const consumers: [StreamFunctionName, (stack: ClearanceStack) => ClearanceStack['licenseStream']][] = [
  ['license-events', (stack) => stack.licenseStream],
  ['shipment-events', (stack) => stack.shipmentStream],
  ['shipment-history', (stack) => stack.shipmentHistoryStream],
];

describe('stream DLQ alarms against parked batches', () => {
  // A batch parked at minute 10 and left there (GONE, awaiting reconcile); another at minute 200.
  const minutes = 400;
  const depth = Array.from({ length: minutes }, (_, i) => (i >= 200 ? 2 : i >= 10 ? 1 : 0));
  const sent = Array.from({ length: minutes }, (_, i) => (i === 10 || i === 200 ? 1 : 0));

  it.each(consumers)(
    'notifies the ops topic of a second parked batch of %s while the first still waits in the DLQ',
    (_name, consumerOf) => {
      const queueName = { 'Fn::GetAtt': [s.logicalId(consumerOf(s.stack).dlq), 'QueueName'] };
      const onQueue = alarms.filter(
        (a) =>
          a.Namespace === 'AWS/SQS' &&
          JSON.stringify(a.Dimensions) === JSON.stringify([{ Name: 'QueueName', Value: queueName }]) &&
          JSON.stringify(a.AlarmActions) === JSON.stringify([opsTopic]),
      );
      const byMetric = (name: string) => onQueue.filter((a) => a.MetricName === name);
      expect(onQueue.map((a) => a.MetricName).sort()).toEqual([
        'ApproximateNumberOfMessagesVisible',
        'NumberOfMessagesSent',
      ]);
      // The depth alarm tells of the first batch only; the arrivals alarm of each.
      const [depthAlarm] = byMetric('ApproximateNumberOfMessagesVisible');
      const [arrivals] = byMetric('NumberOfMessagesSent');
      expect(notifications(depthAlarm as AlarmProps, depth)).toBe(1);
      expect(notifications(arrivals as AlarmProps, sent)).toBe(2);
    },
  );
});
