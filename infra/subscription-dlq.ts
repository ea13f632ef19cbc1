import { Aws, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** Props for {@link SubscriptionDlq}. */
export interface SubscriptionDlqProps {
  /**
   * Topics whose subscriptions may park undeliverable messages here. SNS
   * sends to the queue, and uses its key, as `sns.amazonaws.com` with
   * `aws:SourceArn` set to the topic; nothing else is let in.
   */
  readonly topics: readonly ITopic[];
}

/**
 * The dead-letter queue `clearance subscribe` sets on every subscription
 * (`RedrivePolicy`): a message SNS could not deliver after its retries is
 * kept here instead of dropped.
 *
 * Encrypted with its own customer-managed key: SNS cannot use the
 * AWS-managed `alias/aws/sqs` key (its key policy cannot be changed), so the
 * stream DLQs' setting would make SNS fail to write here.
 */
export class SubscriptionDlq extends Construct {
  readonly key: Key;
  readonly queue: Queue;

  constructor(scope: Construct, id: string, props: SubscriptionDlqProps) {
    super(scope, id);
    if (props.topics.length === 0) throw new RangeError('SubscriptionDlq needs at least one topic');
    const sns = new ServicePrincipal('sns.amazonaws.com');
    const sourceArns = props.topics.map((t) => t.topicArn);

    this.key = new Key(this, 'Key', {
      description: 'clearance: SSE for the SNS subscription dead-letter queue',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // In a key policy, Resource "*" is this key.
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowSnsDeadLettersFromStackTopics',
        principals: [sns],
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnEquals: { 'aws:SourceArn': sourceArns },
        },
      }),
    );

    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: this.key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowSnsDeadLettersFromStackTopics',
        principals: [sns],
        actions: ['sqs:SendMessage'],
        resources: [this.queue.queueArn],
        conditions: { ArnEquals: { 'aws:SourceArn': sourceArns } },
      }),
    );
    Validations.of(this.queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter queue of the SNS subscriptions; a DLQ behind it would ' +
        'only move undeliverable notifications further from the operators who inspect them.',
    });
  }
}
