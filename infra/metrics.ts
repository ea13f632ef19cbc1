import { Duration } from 'aws-cdk-lib';
import { MathExpression, Metric } from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';

/** Where the runbook lives; each alarm names its section. */
export const RUNBOOK = 'docs/OPERATIONS.md';
/** The EMF namespace the handlers publish to (POWERTOOLS_METRICS_NAMESPACE). */
export const NAMESPACE = 'Clearance';

/** The functions that consume a stream, by service name. */
export const STREAM_FUNCTIONS = ['license-events', 'shipment-events', 'shipment-history'] as const;
export type StreamFunctionName = (typeof STREAM_FUNCTIONS)[number];

/** A metric a handler emits (EMF), by its `service` dimension, per minute. */
export const appMetric = (
  name: string,
  service: string,
  statistic = 'Sum',
  dimensions: Record<string, string> = {},
) =>
  new Metric({
    namespace: NAMESPACE,
    metricName: name,
    dimensionsMap: { service, ...dimensions },
    statistic,
    period: Duration.minutes(1),
  });

/**
 * Messages a DLQ holds in each minute: visible ones and those a receive hides
 * (ApproximateNumberOfMessagesNotVisible), each its most in the minute. Visible
 * ones alone fall to 0 while `clearance dlq redrive` (or `dlq list`) holds the
 * messages it received, which it hides for up to 16 minutes (cli/dlq-sqs.ts
 * HOLD_SECONDS): an alarm on them went OK mid-redrive and paged again after.
 * `key` keeps the expression's metric ids apart where several share a widget.
 */
export const dlqDepth = (queue: IQueue, key = '', label = 'messages held (visible + hidden)') =>
  new MathExpression({
    label,
    expression: `visible${key} + hidden${key}`,
    usingMetrics: {
      [`visible${key}`]: queue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      [`hidden${key}`]: queue.metricApproximateNumberOfMessagesNotVisible({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
    },
    period: Duration.minutes(1),
  });

/**
 * Messages sent to a DLQ in each minute. Every failure record Lambda parks is
 * an ordinary SendMessage and counts; SQS leaves out only the messages its own
 * redrive policy moves into a dead-letter queue, which these queues have none of.
 */
export const dlqArrivals = (queue: IQueue) =>
  queue.metricNumberOfMessagesSent({ period: Duration.minutes(1), statistic: 'Sum' });

/**
 * Failure records a stream function's mapping could not send to its
 * on-failure destination (AWS/Lambda `DestinationDeliveryFailures`, by
 * `FunctionName`; for event source mappings, DynamoDB and Kinesis streams only),
 * in each minute.
 */
export const destinationDeliveryFailures = (fn: IFunction) =>
  fn.metric('DestinationDeliveryFailures', { period: Duration.minutes(1), statistic: 'Sum' });

/**
 * Records a stream's event source mapping read (AWS/Lambda `PolledEventCount`,
 * by `EventSourceMappingUUID`, sent once its `MetricsConfig` has `EventCount`),
 * those its filter drops included, in each `period`. A mapping disabled or
 * deleted sends none; one denied the stream reads nothing.
 */
export const polledEvents = (mappingId: string, period: Duration) =>
  new Metric({
    namespace: 'AWS/Lambda',
    metricName: 'PolledEventCount',
    dimensionsMap: { EventSourceMappingUUID: mappingId },
    statistic: 'Sum',
    period,
  });
