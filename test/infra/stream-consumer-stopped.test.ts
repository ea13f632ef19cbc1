/**
 * A stream consumer that stops reading pages the on-call.
 *
 * When the event source mapping of license-events, shipment-events or
 * shipment-history stops invoking it (disabled in the console or by
 * `aws lambda update-event-source-mapping --no-enabled`, deleted, its role's
 * stream read permission removed by hand), Lambda sends no IteratorAge, no
 * Errors and no Invocations for it, so every alarm on the function alone stays
 * OK (missing data not breaching) while approvals are not applied,
 * notifications not sent and History entries not written; the stream trims
 * its records after 24 h without a DLQ message. `…StreamStopped` weighs the
 * writes to the table the function consumes against what its mapping read
 * (PolledEventCount, the records its filter drops included) and the
 * function's invocations, as `LicenseClockStopped` does the clock.
 *
 * The alarm is also judged against the series a stopped and a healthy
 * consumer produce, with CloudWatch's evaluation: every minute, over the
 * EvaluationPeriods periods ending then (sliding) or at the last period
 * boundary (wall clock), ALARM when DatapointsToAlarm of them breach; each
 * change to ALARM pages.
 */
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { describe, expect, it } from 'vitest';
import type { ClearanceFunction } from '../../infra/clearance-function.js';
import type { StreamConsumer } from '../../infra/event-wiring.js';
import { synthesize } from './synth.js';

const s = synthesize();
const opsTopic = { Ref: s.logicalId(s.stack.topics.ops.topic) };
const alarms = Object.entries(s.template.findResources('AWS::CloudWatch::Alarm')).map(([id, a]) => ({
  id,
  props: a.Properties as Record<string, unknown>,
}));

interface MetricStat {
  Metric: { Namespace: string; MetricName: string; Dimensions?: unknown };
  Period: number;
  Stat: string;
}
interface Query {
  Id: string;
  Expression?: string;
  MetricStat?: MetricStat;
}

/** Every metric an alarm reads: its single metric or each MetricStat of its metric math. */
function metricsOf(props: Record<string, unknown>): { Namespace?: string; Dimensions?: unknown }[] {
  if (props.MetricName !== undefined)
    return [{ Namespace: props.Namespace as string, Dimensions: props.Dimensions }];
  const queries = (props.Metrics ?? []) as Query[];
  return queries.flatMap((q) => (q.MetricStat ? [q.MetricStat.Metric] : []));
}

const reads = (props: Record<string, unknown>, namespace: string, dimension: unknown) =>
  metricsOf(props).some(
    (m) =>
      m.Namespace === namespace && JSON.stringify(m.Dimensions ?? []).includes(JSON.stringify(dimension)),
  );

const consumers: [string, () => ClearanceFunction, () => Table, () => StreamConsumer][] = [
  ['license-events', () => s.stack.licenseEvents, () => s.stack.tables.licenses, () => s.stack.licenseStream],
  [
    'shipment-events',
    () => s.stack.shipmentEvents,
    () => s.stack.tables.shipments,
    () => s.stack.shipmentStream,
  ],
  [
    'shipment-history',
    () => s.stack.shipmentHistory,
    () => s.stack.tables.shipments,
    () => s.stack.shipmentHistoryStream,
  ],
];

const functionDimension = (fn: ClearanceFunction) => ({
  Name: 'FunctionName',
  Value: { Ref: s.logicalId(fn.fn) },
});

describe('a stream consumer that stops reading its stream', () => {
  it.each(consumers)(
    '%s: every alarm on the function alone stays OK when it reports nothing',
    (_name, fnOf) => {
      // Why the alarm is needed: with no data from the function, each of its own alarms is OK (notBreaching).
      const fn = functionDimension(fnOf());
      // Alarms on this function's metrics and no others' (the stopped alarm weighs it against something else).
      const own = alarms.filter(
        (a) =>
          reads(a.props, 'AWS/Lambda', fn) &&
          !metricsOf(a.props).some(
            (m) =>
              m.Namespace === 'AWS/DynamoDB' ||
              (m.Namespace === 'AWS/Lambda' &&
                !reads({ Metrics: [{ MetricStat: { Metric: m } }] }, 'AWS/Lambda', fn)),
          ),
      );
      expect(own.length).toBeGreaterThan(0);
      for (const a of own) expect(a.props.TreatMissingData, a.id).toBe('notBreaching');
    },
  );

  it.each(consumers)(
    '%s: an alarm to the ops topic weighs its mapping and the function against writes to the table it consumes',
    (name, fnOf, tableOf) => {
      const fn = functionDimension(fnOf());
      const table = { Name: 'TableName', Value: { Ref: s.logicalId(tableOf()) } };
      const stopped = alarms.filter(
        (a) => reads(a.props, 'AWS/Lambda', fn) && reads(a.props, 'AWS/DynamoDB', table),
      );
      expect(
        stopped.map((a) => a.id),
        `no alarm notices ${name} no longer reading its stream (mapping disabled or denied): it stays OK while the stream's records age out after 24 h`,
      ).toHaveLength(1);
      for (const a of stopped) expect(a.props.AlarmActions).toEqual([opsTopic]);
    },
  );

  it.each(consumers)(
    '%s: its mapping sends the event counts the alarm reads, by the mapping the alarm names',
    (_name, fnOf, _tableOf, streamOf) => {
      const { Ref: mappingId } = s.stack.resolve(streamOf().source.eventSourceMappingId) as { Ref: string };
      expect(s.resource(mappingId).Type).toBe('AWS::Lambda::EventSourceMapping');
      expect(s.resource(mappingId).Properties?.MetricsConfig).toEqual({ Metrics: ['EventCount'] });
      const alarm = stoppedAlarmOf(fnOf());
      expect(reads(alarm, 'AWS/Lambda', { Name: 'EventSourceMappingUUID', Value: { Ref: mappingId } })).toBe(
        true,
      );
    },
  );
});

/** The one alarm on `fn`'s Invocations that also reads a table's writes. */
function stoppedAlarmOf(fn: ClearanceFunction): Record<string, unknown> {
  const found = alarms.filter(
    (a) =>
      reads(a.props, 'AWS/Lambda', functionDimension(fn)) &&
      metricsOf(a.props).some((m) => m.Namespace === 'AWS/DynamoDB'),
  );
  if (found.length !== 1 || !found[0]) throw new Error(`expected one stopped alarm, found ${found.length}`);
  return found[0].props;
}

// ------------------------------------------------------------------ evaluation

/** The expression this file models: a period breaches when the table was written and nothing was read. */
const MODELLED = 'IF(FILL(writes, 0) > 0 AND FILL(polled, 0) + FILL(invocations, 0) == 0, 1, 0)';

/** One minute of the series the alarm reads. */
interface Minute {
  /** ConsumedWriteCapacityUnits of the table. */
  writes: number;
  /** The mapping's PolledEventCount. */
  polled: number;
  /** The function's Invocations. */
  invocations: number;
}

const idle = (minutes: number): Minute[] =>
  Array.from({ length: minutes }, () => ({ writes: 0, polled: 0, invocations: 0 }));

/**
 * The alarm's state after each minute (CloudWatch evaluates every minute): its
 * datapoints are the EvaluationPeriods periods ending then (a sliding window),
 * or, with a wall clock window, at the last period boundary (:00, :05, ...).
 * The consumer's counts (polled, invocations) of the last `lateMinutes` minutes
 * have not arrived yet, and read as missing (0).
 */
function states(
  alarm: Record<string, unknown>,
  series: readonly Minute[],
  lateMinutes = 0,
): { at: number; state: 'OK' | 'ALARM' }[] {
  const queries = alarm.Metrics as Query[];
  const expression = queries.find((q) => q.Expression !== undefined);
  if (expression?.Expression !== MODELLED)
    throw new Error(`expression not modelled: ${expression?.Expression}`);
  const stat = (id: string) => {
    const found = queries.find((q) => q.Id === id)?.MetricStat;
    if (found?.Stat !== 'Sum') throw new Error(`${id}: a Sum expected`);
    return found;
  };
  const periodMin = stat('writes').Period / 60;
  for (const id of ['polled', 'invocations'])
    if (stat(id).Period / 60 !== periodMin) throw new Error('one period for all the metrics expected');
  const n = alarm.EvaluationPeriods as number;
  const m = (alarm.DatapointsToAlarm as number | undefined) ?? n;
  if (alarm.Threshold !== 1 || alarm.ComparisonOperator !== 'GreaterThanOrEqualToThreshold')
    throw new Error('threshold not modelled');
  const window = alarm.EvaluationWindow as { WallClockWindow?: object; SlidingWindow?: object } | undefined;
  const wallClock = window?.WallClockWindow !== undefined;
  const result: { at: number; state: 'OK' | 'ALARM' }[] = [];
  for (let now = n * periodMin; now <= series.length; now++) {
    const last = wallClock ? now - (now % periodMin) : now;
    let breaching = 0;
    for (let end = last; end > last - n * periodMin; end -= periodMin) {
      const minutes = series.slice(end - periodMin, end);
      const arrived = (i: number) => end - periodMin + i < now - lateMinutes;
      const writes = minutes.reduce((sum, x) => sum + x.writes, 0);
      const read = minutes.reduce((sum, x, i) => sum + (arrived(i) ? x.polled + x.invocations : 0), 0);
      if (writes > 0 && read === 0) breaching++;
    }
    result.push({ at: now, state: breaching >= m ? 'ALARM' : 'OK' });
  }
  return result;
}

const pages = (alarm: Record<string, unknown>, series: readonly Minute[], lateMinutes = 0): number =>
  states(alarm, series, lateMinutes).filter(
    (x, i, all) => x.state === 'ALARM' && (all[i - 1]?.state ?? 'OK') === 'OK',
  ).length;

/** `series` with a write at each minute of `at`, read `read.after` minutes later (never when stopped). */
function withWrites(
  series: Minute[],
  at: readonly number[],
  read: { after: number; polled: boolean; invoked: boolean } | 'stopped',
): Minute[] {
  for (const t of at) {
    const w = series[t];
    if (w) w.writes += 1;
    if (read === 'stopped') continue;
    const r = series[t + read.after];
    if (!r) continue;
    if (read.polled) r.polled += 1;
    if (read.invoked) r.invocations += 1;
  }
  return series;
}

const HEALTHY = { after: 0, polled: true, invoked: true };
const TWO_HOURS = 120;

describe.each(consumers)('%s…StreamStopped against its stream', (_name, fnOf) => {
  const alarm = () => stoppedAlarmOf(fnOf());

  it('pages within 10 minutes when the mapping stops while the table is written every minute', () => {
    const minutes = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
    const series = withWrites(
      withWrites(idle(TWO_HOURS), minutes(0, 60), HEALTHY),
      minutes(60, TWO_HOURS),
      'stopped',
    );
    const first = states(alarm(), series).find((x) => x.state === 'ALARM')?.at;
    // The mapping stops at minute 60.
    expect(first).toBeGreaterThan(60);
    expect(first).toBeLessThanOrEqual(70);
    expect(pages(alarm(), series)).toBe(1);
  });

  it('pages once when the mapping reads none of the writes of two 5-minute periods of the hour', () => {
    // Periods on the clock: minute 60 starts one. Writes a minute apart across a boundary page once,
    // not at every fifth evaluation as sliding periods would.
    for (const at of [
      [64, 65],
      [61, 66],
      [61, 62, 63, 80],
      [61, 115],
    ]) {
      const series = withWrites(idle(TWO_HOURS), at, 'stopped');
      expect(pages(alarm(), series), `writes at minutes ${at.join(', ')}`).toBe(1);
    }
  });

  it('waits for a second period: one write unread, or several in one period, do not page', () => {
    // What a write at a period's end read in the next one, or a count that came late, looks like.
    for (const at of [[61], [60, 62, 64], [20, 90]]) {
      const series = withWrites(idle(TWO_HOURS), at, 'stopped');
      expect(pages(alarm(), series), `writes at minutes ${at.join(', ')}`).toBe(0);
    }
  });

  it('does not page on a write read at once, nor on an idle table', () => {
    expect(pages(alarm(), idle(TWO_HOURS))).toBe(0);
    const series = withWrites(idle(TWO_HOURS), [3, 17, 18, 40, 61, 62, 63, 100], HEALTHY);
    expect(pages(alarm(), series)).toBe(0);
  });

  it("does not page on writes read in the next minute, one of them at a period's end read in the next period", () => {
    const series = withWrites(idle(TWO_HOURS), [64, 91], { after: 1, polled: true, invoked: true });
    expect(pages(alarm(), series)).toBe(0);
  });

  it("does not page while the consumer's counts arrive minutes after the table's", () => {
    const series = withWrites(idle(TWO_HOURS), [10, 30, 31, 50, 52, 70, 90, 110], HEALTHY);
    expect(pages(alarm(), series, 4)).toBe(0);
  });

  it('does not page on records the filter drops (polled, the function not invoked)', () => {
    // shipment-history takes no REMOVE: a deleted shipment's record is polled and dropped.
    const series = withWrites(idle(TWO_HOURS), [5, 20, 35, 50, 65, 80], {
      after: 0,
      polled: true,
      invoked: false,
    });
    expect(pages(alarm(), series)).toBe(0);
  });

  it('does not page on a mapping that sends no counts while the function runs', () => {
    const series = withWrites(idle(TWO_HOURS), [5, 20, 35, 50, 65, 80], {
      after: 0,
      polled: false,
      invoked: true,
    });
    expect(pages(alarm(), series)).toBe(0);
  });

  it('names its runbook section and what to check', () => {
    expect(String(alarm().AlarmDescription)).toMatch(
      /event source mapping is disabled, deleted or denied.*State and LastProcessingResult.*Runbook: docs\/OPERATIONS\.md#stream-stopped$/,
    );
    expect(alarm()).toMatchObject({ TreatMissingData: 'notBreaching', AlarmActions: [opsTopic] });
  });
});
