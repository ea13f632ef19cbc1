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
 * - …DlqNotEmpty: `clearance dlq redrive` hides the messages it receives for
 *   16 minutes (cli/dlq-sqs.ts HOLD_SECONDS). On the visible messages alone
 *   the alarm went OK while a redrive held them, and paged again when it left
 *   them (a failed replay).
 * - ExpiryWatchesDeferred: a tick whose time runs out before its due expiry
 *   watches defers them to the next one (shared/engine/clock.ts watchDue).
 *   When every tick does, the LICENSE_EXPIRING warnings never go out.
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

/** A metric math alarm's queries, as CloudFormation holds them. */
interface Query {
  Id: string;
  Expression?: string;
  MetricStat?: { Metric: { MetricName: string }; Period: number; Stat: string };
}

/** One datapoint per period of a metric with one value a minute. */
function bucketsOf(statisticName: string, periodSeconds: number, perMinute: readonly number[]): number[] {
  const statistic = STATISTICS[statisticName];
  if (!statistic) throw new Error(`statistic ${statisticName} not modelled`);
  const periodMin = periodSeconds / 60;
  const buckets: number[] = [];
  for (let start = 0; start + periodMin <= perMinute.length; start += periodMin) {
    buckets.push(statistic(perMinute.slice(start, start + periodMin)));
  }
  return buckets;
}

/**
 * A metric math alarm's datapoints: the sum of its metrics (the only expression modelled), each
 * read from `perMinute` by its metric name.
 */
function mathBuckets(queries: readonly Query[], perMinute: Readonly<Record<string, readonly number[]>>) {
  const [expression, ...others] = queries.filter((q) => q.Expression !== undefined);
  if (!expression?.Expression || others.length > 0) throw new Error('one expression expected');
  const terms = expression.Expression.split('+').map((t) => t.trim());
  if (!terms.every((t) => /^[a-z]\w*$/.test(t)))
    throw new Error(`expression ${expression.Expression} not modelled: only a sum of metric ids`);
  const series = terms.map((id) => {
    const stat = queries.find((q) => q.Id === id)?.MetricStat;
    const values = stat && perMinute[stat.Metric.MetricName];
    if (!stat || !values) throw new Error(`no series for ${id}`);
    return bucketsOf(stat.Stat, stat.Period, values);
  });
  return (series[0] ?? []).map((_, i) => series.reduce((sum, s) => sum + (s[i] ?? 0), 0));
}

/**
 * The alarm's state at each period boundary, for a metric with one value a
 * minute (`perMinute`; for a metric math alarm, a series by metric name),
 * from the first boundary with `EvaluationPeriods` periods behind it.
 */
function states(
  alarm: AlarmProps,
  perMinute: readonly number[] | Readonly<Record<string, readonly number[]>>,
): ('OK' | 'ALARM')[] {
  if (Array.isArray(perMinute) && alarm.Metrics !== undefined)
    throw new Error('give a metric math alarm its series by metric name');
  const byName = perMinute as Readonly<Record<string, readonly number[]>>;
  const single = Array.isArray(perMinute) ? perMinute : byName[alarm.MetricName ?? ''];
  if (alarm.Metrics === undefined && !single) throw new Error(`no series for ${alarm.MetricName}`);
  const buckets =
    alarm.Metrics === undefined
      ? bucketsOf(alarm.Statistic ?? 'Sum', alarm.Period ?? 60, single ?? [])
      : mathBuckets(alarm.Metrics as Query[], byName);
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

type Series = Parameters<typeof states>[1];

const fires = (alarm: AlarmProps, perMinute: Series): boolean => states(alarm, perMinute).includes('ALARM');

/** OK → ALARM changes, each of which notifies the alarm's actions. */
const notifications = (alarm: AlarmProps, perMinute: Series): number =>
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

/** The alarms of the ops topic on one SQS queue: on its metrics, or a metric math alarm over them. */
function queueAlarms(queue: unknown): AlarmProps[] {
  const dimensions = JSON.stringify([
    { Name: 'QueueName', Value: { 'Fn::GetAtt': [s.logicalId(queue as never), 'QueueName'] } },
  ]);
  return alarms.filter(
    (a) =>
      JSON.stringify(a.AlarmActions) === JSON.stringify([opsTopic]) &&
      (a.Metrics === undefined
        ? a.Namespace === 'AWS/SQS' && JSON.stringify(a.Dimensions) === dimensions
        : JSON.stringify(a.Metrics).includes(`"Dimensions":${dimensions}`)),
  );
}
const isDepth = (a: AlarmProps) =>
  a.MetricName === 'ApproximateNumberOfMessagesVisible' ||
  JSON.stringify(a.Metrics ?? '').includes('ApproximateNumberOfMessagesVisible');

describe('stream DLQ alarms against parked batches', () => {
  // A batch parked at minute 10 and left there (GONE, awaiting reconcile); another at minute 200.
  const minutes = 400;
  const depth = Array.from({ length: minutes }, (_, i) => (i >= 200 ? 2 : i >= 10 ? 1 : 0));
  const sent = Array.from({ length: minutes }, (_, i) => (i === 10 || i === 200 ? 1 : 0));
  const none = depth.map(() => 0);

  it.each(consumers)(
    'notifies the ops topic of a second parked batch of %s while the first still waits in the DLQ',
    (_name, consumerOf) => {
      const onQueue = queueAlarms(consumerOf(s.stack).dlq);
      expect(onQueue).toHaveLength(2);
      const depthAlarm = onQueue.find(isDepth);
      const arrivals = onQueue.find((a) => a.MetricName === 'NumberOfMessagesSent');
      // The depth alarm tells of the first batch only; the arrivals alarm of each.
      expect(
        notifications(depthAlarm as AlarmProps, {
          ApproximateNumberOfMessagesVisible: depth,
          ApproximateNumberOfMessagesNotVisible: none,
        }),
      ).toBe(1);
      expect(notifications(arrivals as AlarmProps, sent)).toBe(2);
    },
  );
});

describe('DLQ depth alarms against a redrive', () => {
  // A message parked at minute 10. A redrive receives it at minute 30 and hides it for 16 minutes
  // (HOLD_SECONDS); its replay fails, and it shows again at minute 46. It is deleted at minute 90.
  const minutes = 120;
  const hidden = (i: number) => i >= 30 && i < 46;
  const visible = Array.from({ length: minutes }, (_, i) => (i >= 10 && i < 90 && !hidden(i) ? 1 : 0));
  const notVisible = Array.from({ length: minutes }, (_, i) => (hidden(i) ? 1 : 0));

  it.each([
    ...consumers.map(([name, consumerOf]) => [name, () => consumerOf(s.stack).dlq] as const),
    ['subscription', () => s.stack.subscriptionDlq.queue] as const,
  ])('pages once for the message of the %s DLQ, though a redrive hides it for a while', (_name, queueOf) => {
    const depthAlarm = queueAlarms(queueOf()).filter(isDepth);
    expect(depthAlarm).toHaveLength(1);
    const series = {
      ApproximateNumberOfMessagesVisible: visible,
      ApproximateNumberOfMessagesNotVisible: notVisible,
    };
    expect(notifications(depthAlarm[0] as AlarmProps, series)).toBe(1);
    const states_ = states(depthAlarm[0] as AlarmProps, series);
    expect(states_.slice(10, 90).every((state) => state === 'ALARM')).toBe(true);
    expect(states_.slice(90).every((state) => state === 'OK')).toBe(true);
  });
});

describe('ExpiryWatchesDeferred against the clock', () => {
  const found = alarms.filter((p) => p.MetricName === 'ExpiryWatchesDeferred');
  const alarm = found[0] as AlarmProps;
  /** Two hours of ticks: deferred watches from minute `from`, on the ticks `on` selects. */
  const series = (from: number, on: (minute: number) => boolean) =>
    Array.from({ length: TWO_HOURS }, (_, minute) => (minute >= from && on(minute) ? 2 : 0));

  it('is the one alarm on ExpiryWatchesDeferred', () => {
    expect(found).toHaveLength(1);
  });

  it('fires within 15 minutes when every tick defers the due watches, whenever in a period it starts', () => {
    for (let from = 0; from < 5; from++) {
      const ticks = [...Array.from({ length: from }, () => 0), ...Array.from({ length: 15 }, () => 2)];
      expect(fires(alarm, ticks), `deferred from minute ${from}`).toBe(true);
    }
  });

  it('does not fire on one busy tick, nor on a few in a row that the next tick catches up', () => {
    expect(
      fires(
        alarm,
        series(0, (minute) => minute === 30),
      ),
    ).toBe(false);
    expect(
      fires(
        alarm,
        series(0, (minute) => minute >= 30 && minute < 34),
      ),
    ).toBe(false);
  });

  it('does not fire while one tick in every 5 runs every due watch', () => {
    for (let phase = 0; phase < 5; phase++)
      expect(
        fires(
          alarm,
          series(0, (minute) => minute % 5 !== phase),
        ),
        `phase ${phase}`,
      ).toBe(false);
  });
});
