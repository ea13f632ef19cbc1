import { Duration, Validations } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { FilterCriteria, FilterRule, MetricType, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { ClearanceFunction } from './clearance-function.js';
import { STREAM_BISECT_ON_ERROR, STREAM_RETRY_ATTEMPTS } from './tuning.js';

/** Stream record types a consumer can select. */
export type StreamEventName = 'INSERT' | 'MODIFY' | 'REMOVE';

/** Props for {@link StreamConsumer}. */
export interface StreamConsumerProps {
  /** The table whose stream is consumed; it must have a stream. */
  readonly table: Table;
  /** The function that consumes it. */
  readonly consumer: ClearanceFunction;
  /** Records per invocation. */
  readonly batchSize: number;
  /**
   * How long Lambda gathers records before invoking.
   *
   * @default - no batching window
   */
  readonly maxBatchingWindow?: Duration;
  /**
   * Batches of one shard processed at once, one partition key's records in order.
   *
   * @default 1
   */
  readonly parallelizationFactor?: number;
  /**
   * Retries of a failing batch (after bisecting) before it goes to the DLQ.
   *
   * @default STREAM_RETRY_ATTEMPTS (5, infra/tuning.ts)
   */
  readonly retryAttempts?: number;
  /**
   * Records older than this go to the DLQ instead of being retried. Kept well
   * under the 24 h stream retention, because the DLQ message only names a
   * sequence-number range: it must still be readable from the stream when an
   * operator acts on it, and a record trimmed before it is sent is lost.
   */
  readonly maxRecordAge: Duration;
  /** Record types passed to the function. */
  readonly eventNames: readonly StreamEventName[];
}

/**
 * A DynamoDB stream wired to a function (ARCHITECTURE.md, "Resources and settings"): partial
 * batch responses, bisect on error, bounded retries and record age, filtered,
 * from TRIM_HORIZON, with an encrypted TLS-only SQS queue as on-failure
 * destination, and the mapping's event count metrics.
 */
export class StreamConsumer extends Construct {
  readonly dlq: Queue;
  readonly source: DynamoEventSource;

  constructor(scope: Construct, id: string, props: StreamConsumerProps) {
    super(scope, id);
    // SSE with the AWS-managed alias/aws/sqs key: the function's role may use
    // it through SQS without a key grant (a customer-managed key would add
    // kms:GenerateDataKey* to the role). Lambda writes failure records with
    // the function's role, so no service principal needs the key.
    this.dlq = new Queue(this, 'Dlq', {
      encryption: QueueEncryption.KMS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.dlq).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the on-failure destination of a Lambda event source mapping; ' +
        'a DLQ behind it would only hide failure records from the operators who replay them.',
    });

    // Lambda filters compare an attribute with constants; they cannot compare
    // two attributes of one image (status vs appliedStatus, old vs new status),
    // so the handler still re-checks every record it receives.
    this.source = new DynamoEventSource(props.table, {
      startingPosition: StartingPosition.TRIM_HORIZON,
      batchSize: props.batchSize,
      maxBatchingWindow: props.maxBatchingWindow,
      bisectBatchOnError: STREAM_BISECT_ON_ERROR,
      retryAttempts: props.retryAttempts ?? STREAM_RETRY_ATTEMPTS,
      maxRecordAge: props.maxRecordAge,
      reportBatchItemFailures: true,
      parallelizationFactor: props.parallelizationFactor ?? 1,
      onFailure: new SqsDlq(this.dlq),
      filters: [FilterCriteria.filter({ eventName: FilterRule.or(...props.eventNames) })],
      // The mapping's own counts (AWS/Lambda by EventSourceMappingUUID): PolledEventCount counts the
      // records it read, those its filter drops included, for the …StreamStopped alarm
      // (infra/observability.ts), which the function's Invocations alone would miss.
      metricsConfig: { metrics: [MetricType.EVENT_COUNT] },
    });
    props.consumer.fn.addEventSource(this.source);
    Validations.of(props.consumer.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'dynamodb:ListStreams (added by the DynamoDB event source) only accepts Resource "*"; ' +
        'the stream-read actions themselves are scoped to the stream ARN.',
    });
  }
}

/** Props for {@link ClockSchedule}. */
export interface ClockScheduleProps {
  /** The function run on every tick. */
  readonly target: ClearanceFunction;
  /**
   * How often it runs.
   *
   * @default Duration.minutes(1)
   */
  readonly every?: Duration;
}

/**
 * An EventBridge rule that invokes a function on a fixed rate. A tick is never
 * retried: the next tick does the same work from fresh state, and a retried old
 * tick would only overlap it.
 */
export class ClockSchedule extends Construct {
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: ClockScheduleProps) {
    super(scope, id);
    const every = props.every ?? Duration.minutes(1);
    this.rule = new Rule(this, 'Rule', {
      description: 'clearance: expire licenses and release at validFrom',
      schedule: Schedule.rate(every),
      targets: [new LambdaFunction(props.target.fn, { maxEventAge: every, retryAttempts: 0 })],
    });
    props.target.fn.configureAsyncInvoke({ maxEventAge: Duration.seconds(60), retryAttempts: 0 });
  }
}
