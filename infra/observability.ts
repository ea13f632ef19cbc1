import { Duration, Lazy, Stack } from 'aws-cdk-lib';
import {
  Alarm,
  CfnAlarm,
  ComparisonOperator,
  type Dashboard,
  type IMetric,
  MathExpression,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { ClearanceFunction } from './clearance-function.js';
import { addDashboard } from './dashboard.js';
import {
  appMetric,
  destinationDeliveryFailures,
  dlqArrivals,
  dlqDepth,
  polledEvents,
  RUNBOOK,
  STREAM_FUNCTIONS,
  type StreamFunctionName,
} from './metrics.js';
import type { SecureTopic } from './topics.js';

/** What a stream function's delay, parked batch or stop holds back, for its alarms. */
const STREAM_WORK: Readonly<
  Record<StreamFunctionName, { delayed: string; parked: string; stopped: string; table: string }>
> = {
  'license-events': {
    delayed: 'releases and re-holds are',
    parked: 'those license changes were NOT applied',
    stopped: 'approvals, suspensions and amendments are NOT applied',
    table: 'Licenses',
  },
  'shipment-events': {
    delayed: 'counters and notifications are',
    parked: 'those changes were NOT applied or notified',
    stopped: 'new shipments are NOT taken in, edits NOT counted or rejected, nothing is notified',
    table: 'Shipments',
  },
  'shipment-history': {
    delayed: "auditors' History entries are",
    parked: 'those History entries were NOT written (I6)',
    stopped: 'NO History entries are written (I6)',
    table: 'Shipments',
  },
};

/**
 * What a function's ErrorRate alarm tells the on-call. The clock has no stream and its EventBridge
 * rule retries nothing: a failed tick is not retried, and a clock failing every tick still runs, so
 * LicenseClockStopped stays OK and this alarm is the only page.
 */
const errorRateDescription = (name: string): string =>
  name === 'license-clock'
    ? 'license-clock fails more than 5% of its ticks. A failed tick is not retried (an EventBridge schedule without retries, no stream), and the clock still runs, so LicenseClockStopped stays OK. While ticks fail, licenses past validUntil may not be expired (their RELEASED shipments stay released), releases waiting for validFrom may not start and LICENSE_EXPIRING warnings may not go out. Read its logs now for the error.'
    : `${name} fails more than 5% of its invocations. Its stream retries them; look at its logs for the error.`;

/** A service name as a construct ID part: `shipment-events` → `ShipmentEvents`. */
const pascal = (name: string): string => name.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase());

export interface ObservabilityProps {
  /** The four functions, by service name (the Powertools `service` dimension). */
  readonly functions: Readonly<Record<StreamFunctionName | 'license-clock', ClearanceFunction>>;
  /** Stream consumers' DLQs, by function. */
  readonly dlqs: Readonly<Record<StreamFunctionName, Queue>>;
  /**
   * What each stream function reads: the table whose stream it consumes, and
   * the ID (UUID) of its event source mapping, whose `MetricsConfig` has `EventCount`.
   */
  readonly streams: Readonly<
    Record<StreamFunctionName, { readonly table: ITable; readonly mappingId: string }>
  >;
  /**
   * Dead-letter queue of the SNS subscriptions, alarmed when it holds messages.
   *
   * @default - none
   */
  readonly subscriptionDlq?: Queue;
  /** Alarms notify this topic. */
  readonly ops: SecureTopic;
  /**
   * Every topic of the stack (the ops topic included), by the name its alarm
   * and dashboard line show, e.g. `customer shard 0`. Each gets a
   * NumberOfNotificationsFailed alarm, whose ID comes from the topic's
   * construct ID so that it stays stable.
   */
  readonly topics: Readonly<Record<string, SecureTopic>>;
}

/**
 * ARNs of the alarms in `topic`'s stack with `topic` among their alarm, OK or
 * insufficient-data actions. Throws when there is none: an allow statement
 * naming no alarm would be invalid.
 */
function alarmsNotifying(topic: ITopic): string[] {
  const stack = Stack.of(topic);
  const target = JSON.stringify(stack.resolve(topic.topicArn));
  const notifies = (actions: unknown) => {
    const resolved: unknown = stack.resolve(actions);
    return Array.isArray(resolved) && resolved.some((a) => JSON.stringify(a) === target);
  };
  const arns = stack.node
    .findAll()
    .filter((c): c is CfnAlarm => c instanceof CfnAlarm)
    .filter((a) => notifies(a.alarmActions) || notifies(a.okActions) || notifies(a.insufficientDataActions))
    .map((a) => a.attrArn);
  if (arns.length === 0) throw new Error(`no alarm notifies ${topic.node.path}: nothing to allow`);
  return arns;
}

/**
 * The admins' CloudWatch dashboard and the alarms that page them through the
 * ops topic. Each alarm's description says what to do and names its runbook
 * section.
 */
export class Observability extends Construct {
  readonly dashboard: Dashboard;
  readonly alarms: Alarm[] = [];
  private readonly action: SnsAction;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const { ops } = props;
    // Resolved at synthesis: every alarm of the stack that notifies the ops
    // topic by then, wherever it was added, may publish to it.
    ops.allowAlarms(Lazy.list({ produce: () => alarmsNotifying(ops.topic) }));
    this.action = new SnsAction(ops.topic);

    this.addDlqAlarms(props.dlqs, props.subscriptionDlq);
    this.addFailedBatchAlarms(props.functions, props.dlqs);
    this.addFunctionAlarms(props.functions);
    this.addStreamStoppedAlarms(props.functions, props.streams);
    this.alarm(
      'HeldToShippedRejected',
      appMetric('EditsRejected', 'shipment-events', 'Sum', { Severity: 'high' }),
      1,
      'HIGH SEVERITY: a shipment was edited from HELD to SHIPPED (or deleted, or put back with an edited countedAs stamp), or an item counted before was found put over without its counters ("counted before, not taken in again"). The edit was rejected, but if goods left the warehouse this is a possible export violation: escalate to compliance now; a counted-before item needs a person to put it back (the alert names the runbook step).',
      'held-to-shipped',
    );
    this.alarm(
      'LicenseHighSeverityAlert',
      // Counted when license-events sends the alert, whether SNS takes it or not.
      appMetric('OpsAlerts', 'license-events', 'Sum', { Severity: 'high' }),
      1,
      'HIGH SEVERITY: license-events sent a high-severity ops alert: an applied license was deleted, shipped goods exceed a license\'s amended limit, an overwritten license was set back with changes that were NOT made, or an overwritten item was applied as a new license. Read the alert in the ops email, or license-events\' "high-severity ops alert" log line for the license, and act on it now.',
      'license-high-severity',
    );
    this.addClockStoppedAlarm(props.functions['license-clock']);
    this.alarm(
      'ExpiryWatchFailing',
      // Summed over 5 minutes, one round of the re-checks (recheckEvery: 5 in
      // functions/license-clock.ts): a quiet lead that has shipments again is retried on
      // its license's turn only, one tick in 5, so any 5 minutes hold one of its failures.
      // Two periods in a row: failures every tick page within 10 minutes, one alone never.
      appMetric('ExpiryWatchFailures', 'license-clock').with({ period: Duration.minutes(5) }),
      1,
      'The clock has failed to send or record a LICENSE_EXPIRING warning in two 5-minute periods in a row (it retries a due warning every tick, a re-checked one every 5th): compliance may not hear of a license about to expire. Read license-clock\'s "expiry watch failed" and "not published" logs for the reason.',
      'expiry-watch-failing',
      2,
    );
    this.alarm(
      'ExpiryWatchesDeferred',
      // Minimum over 5 minutes: at least 1 only when every tick of the period deferred a due
      // watch. A tick that defers none has run every watch then due, so one busy tick, or ticks
      // catching up on a burst of due leads, never pages; two periods in a row (10 ticks or more)
      // mean the ticks keep running out of time before the watches, and the warnings wait.
      appMetric('ExpiryWatchesDeferred', 'license-clock', 'Minimum').with({ period: Duration.minutes(5) }),
      1,
      'Every license-clock tick for 10 minutes or more has deferred due LICENSE_EXPIRING warnings: the watches run after the Licenses scan within half of the invocation, and the ticks run out of that time before them, so compliance and the warehouses do not hear that a license is about to expire. Read license-clock\'s "expiry watches deferred" and "clock tick" logs and its duration.',
      'expiry-watches-deferred',
      2,
    );
    const deliveryFailures = this.addDeliveryAlarms(props.topics);
    this.dashboard = addDashboard(this, props, deliveryFailures);
  }

  /** An alarm at `threshold` or above that notifies the ops topic and names its runbook section. */
  private alarm(
    alarmId: string,
    metric: IMetric,
    threshold: number,
    description: string,
    anchor: string,
    evaluationPeriods = 1,
    datapointsToAlarm = evaluationPeriods,
  ): Alarm {
    const a = new Alarm(this, alarmId, {
      metric,
      threshold,
      evaluationPeriods,
      ...(datapointsToAlarm === evaluationPeriods ? {} : { datapointsToAlarm }),
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: `${description} Runbook: ${RUNBOOK}#${anchor}`,
    });
    a.addAlarmAction(this.action);
    this.alarms.push(a);
    return a;
  }

  /**
   * The clock runs every minute; ten minutes without an invocation means its
   * schedule is disabled or failing, and then no license expires, no waiting
   * release starts and no expiry warning goes out. Missing data breaches: an
   * idle clock reports no Invocations at all.
   */
  private addClockStoppedAlarm(clock: ClearanceFunction): void {
    const a = new Alarm(this, 'LicenseClockStopped', {
      metric: clock.fn.metricInvocations({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 2,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.BREACHING,
      alarmDescription:
        'license-clock has not run for 10 minutes: licenses past validUntil are not expired, releases waiting for validFrom do not start, and no LICENSE_EXPIRING warning goes out. Check its EventBridge rule is enabled and the function is not throttled. ' +
        `Runbook: ${RUNBOOK}#clock-stopped`,
    });
    a.addAlarmAction(this.action);
    this.alarms.push(a);
  }

  /**
   * A stream function that stopped reading its stream: its mapping disabled
   * (in the console, `update-event-source-mapping --no-enabled`), deleted, or
   * denied the stream. Lambda then sends none of the function's metrics, so
   * every other alarm on it stays OK (missing data is not breaching), and the
   * stream trims its records after 24 h without a DLQ message.
   *
   * A 5-minute period breaches when the table was written
   * (ConsumedWriteCapacityUnits) while the mapping read nothing
   * (PolledEventCount, which counts the records its filter drops:
   * shipment-history's REMOVE records) and the function did not run
   * (Invocations, should the mapping send no counts), a missing value read as
   * 0. Two such periods in the last hour page. One alone does not: a write at
   * a period's end is read in the next one, and a count may arrive after the
   * table's. Periods on the clock (:00, :05, ...), not sliding ones: CloudWatch
   * evaluates every minute, and two writes a minute apart would fall in one
   * sliding period at four evaluations in five and in two at the fifth,
   * paging at each. Writes that leave no record to read (a failed
   * conditional write, a put of an unchanged item) count as writes too: rare,
   * but for the function's own, made while it runs.
   */
  private addStreamStoppedAlarms(
    functions: ObservabilityProps['functions'],
    streams: ObservabilityProps['streams'],
  ): void {
    const period = Duration.minutes(5);
    for (const name of STREAM_FUNCTIONS) {
      const { table, mappingId } = streams[name];
      const stopped = new MathExpression({
        expression: 'IF(FILL(writes, 0) > 0 AND FILL(polled, 0) + FILL(invocations, 0) == 0, 1, 0)',
        usingMetrics: {
          writes: table.metricConsumedWriteCapacityUnits({ period, statistic: 'Sum' }),
          polled: polledEvents(mappingId, period),
          invocations: functions[name].fn.metricInvocations({ period, statistic: 'Sum' }),
        },
        period,
        label: `${name}: ${STREAM_WORK[name].table} written, nothing read`,
      });
      const a = this.alarm(
        `${pascal(name)}StreamStopped`,
        stopped,
        1,
        `${name} has read nothing from the ${STREAM_WORK[name].table} stream (no record polled, no invocation) in two 5-minute periods of the last hour in which the table was written: its event source mapping is disabled, deleted or denied the stream, and ${STREAM_WORK[name].stopped}. The stream keeps records 24 h, then they are gone without a DLQ message. Check the mapping's State and LastProcessingResult (\`aws lambda list-event-source-mappings --function-name\` with the stack output ${pascal(name)}FunctionName) and enable it; records older than 24 h need \`clearance reconcile\`.`,
        'stream-stopped',
        12,
        2,
      );
      (a.node.defaultChild as CfnAlarm).evaluationWindow = { wallClockWindow: {} };
    }
  }

  /**
   * Each stream DLQ, and the subscription DLQ, alarms as soon as it holds a
   * message. Missing data keeps the alarm's state: SQS sends a queue's metrics
   * only while it is active, and one holding messages that nobody touches for
   * hours may stop reporting; a message left waiting (the runbook leaves some
   * for days) must not turn the alarm OK. A new message is activity, so its
   * depth reports again.
   */
  private addDlqAlarms(dlqs: ObservabilityProps['dlqs'], subscriptionDlq: Queue | undefined): void {
    const keepState = (a: Alarm) => {
      (a.node.defaultChild as CfnAlarm).treatMissingData = TreatMissingData.IGNORE;
    };
    for (const name of STREAM_FUNCTIONS) {
      keepState(
        this.alarm(
          `${pascal(name)}DlqNotEmpty`,
          dlqDepth(dlqs[name]),
          1,
          `A batch of ${name} stream records failed every retry and was parked in its DLQ: ${STREAM_WORK[name].parked}. List it with \`clearance dlq list\`, fix the cause, then \`clearance dlq redrive\`.`,
          'dlq-messages',
        ),
      );
    }
    if (subscriptionDlq) {
      keepState(
        this.alarm(
          'SubscriptionDlqNotEmpty',
          dlqDepth(subscriptionDlq),
          1,
          'SNS could not deliver a notification to a subscriber after its retries and parked it in the subscription DLQ: that subscriber did NOT get it. Find the subscription and fix its endpoint (queue policy, KMS key, HTTPS endpoint), then re-send.',
          'subscription-dlq',
        ),
      );
    }
  }

  /**
   * Each failed batch of a stream, parked or not. The depth alarm above stays in
   * ALARM while older messages wait (the runbook leaves some for days), so it tells
   * of the first batch only. The arrivals alarm, on the messages sent to the DLQ,
   * goes back to OK on the first minute without one, so every later batch notifies
   * again. A failure record Lambda cannot send (the queue stays empty) counts in
   * the function's DestinationDeliveryFailures instead.
   */
  private addFailedBatchAlarms(
    functions: ObservabilityProps['functions'],
    dlqs: ObservabilityProps['dlqs'],
  ): void {
    for (const name of STREAM_FUNCTIONS) {
      const id = pascal(name);
      this.alarm(
        `${id}DlqArrivals`,
        dlqArrivals(dlqs[name]),
        1,
        `A batch of ${name} stream records failed every retry and was parked in its DLQ, whether or not earlier ones still wait there: ${STREAM_WORK[name].parked}. The stream keeps its records 24 h: list it with \`clearance dlq list\`, fix the cause, then \`clearance dlq redrive\`.`,
        'dlq-arrivals',
      );
      this.alarm(
        `${id}DestinationDeliveryFailures`,
        destinationDeliveryFailures(functions[name].fn),
        1,
        `Lambda gave up on a batch of ${name} stream records and could not park it in its DLQ (queue deleted, queue policy, role or KMS refusing the send): ${STREAM_WORK[name].parked}, and no DLQ message names the records, so \`clearance dlq redrive\` cannot replay them. Restore the DLQ and the function's access to it, then run \`clearance reconcile\`.`,
        'destination-delivery-failures',
      );
    }
  }

  /** Iterator age of the stream consumers; error rate and throttles of every function. */
  private addFunctionAlarms(functions: ObservabilityProps['functions']): void {
    for (const name of STREAM_FUNCTIONS) {
      const fn = functions[name];
      this.alarm(
        `${pascal(name)}IteratorAge`,
        fn.fn.metric('IteratorAge', { statistic: 'Maximum', period: Duration.minutes(1) }),
        5 * 60 * 1000,
        `${name} is more than 5 minutes behind its stream: ${STREAM_WORK[name].delayed} delayed. Check the function's errors, throttles and duration.`,
        'iterator-age',
        3,
      );
    }
    for (const [name, fn] of Object.entries(functions)) {
      const id = pascal(name);
      const errorRate = new MathExpression({
        // IF rather than MAX([invocations, 1]): MAX of an array takes time series
        // only, and an idle function (no invocations) reads as 0 %.
        expression: 'IF(invocations > 0, 100 * errors / invocations, 0)',
        usingMetrics: {
          errors: fn.fn.metricErrors({ period: Duration.minutes(5) }),
          invocations: fn.fn.metricInvocations({ period: Duration.minutes(5) }),
        },
        period: Duration.minutes(5),
        label: `${name} error rate (%)`,
      });
      this.alarm(`${id}ErrorRate`, errorRate, 5, errorRateDescription(name), 'function-errors', 2);
      this.alarm(
        `${id}Throttles`,
        fn.fn.metricThrottles({ period: Duration.minutes(5) }),
        1,
        `${name} is being throttled: raise the account's Lambda concurrency or reserved concurrency.`,
        'throttles',
      );
    }
  }

  /** A NumberOfNotificationsFailed alarm per topic; returns the metrics, labelled, for the dashboard. */
  private addDeliveryAlarms(topics: ObservabilityProps['topics']): IMetric[] {
    // Summed over 5 minutes. For SQS and email endpoints SNS counts a message once it gives up
    // on it, for HTTPS every failed attempt.
    return Object.entries(topics).map(([name, topic]) => {
      const metric = topic.topic.metricNumberOfNotificationsFailed({
        period: Duration.minutes(5),
        statistic: 'Sum',
      });
      this.alarm(
        `${topic.node.id}NotificationsFailed`,
        metric,
        1,
        `SNS failed to deliver messages of the ${name} topic to at least one subscription, whose endpoint rejects them: an SQS queue whose policy or KMS key does not let SNS in, an email address that bounces, an HTTPS endpoint that is down. Those subscribers missed notifications. Find the subscription with \`clearance subscriptions list\` (it also shows unconfirmed ones), check its dead-letter queue if it has one, then fix the endpoint or subscribe it again.`,
        'notifications-failed',
      );
      // The label only on the dashboard line: with one, the alarm would need the Metrics[] form.
      return metric.with({ label: name });
    });
  }
}
