import { Duration } from 'aws-cdk-lib';
import { Metric } from 'aws-cdk-lib/aws-cloudwatch';
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

/** Messages waiting in a DLQ: the most in each minute. */
export const dlqDepth = (queue: IQueue) =>
  queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' });

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
