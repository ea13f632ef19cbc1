import { Aws, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import {
  AccountRootPrincipal,
  AnyPrincipal,
  Effect,
  type IRole,
  PolicyStatement,
  Role,
  ServicePrincipal,
} from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { CUSTOMERS_PER_SHARD_TO_PLAN } from '../shared/domain/routing.js';

/**
 * Topic-policy actions a caller could use over plain HTTP besides sns:Publish
 * (which `enforceSSL` already covers): every other action of "Valid Amazon SNS
 * policy actions" (SNS developer guide, "Amazon SNS API permissions: Actions
 * and resources reference"), the only ones SNS accepts in a topic policy.
 * Topic actions outside that list (TagResource, UntagResource,
 * ConfirmSubscription, and the subscription actions) cannot be denied here.
 */
const NON_PUBLISH_TOPIC_ACTIONS = [
  'sns:Subscribe',
  'sns:GetTopicAttributes',
  'sns:SetTopicAttributes',
  'sns:AddPermission',
  'sns:RemovePermission',
  'sns:DeleteTopic',
  'sns:ListSubscriptionsByTopic',
  'sns:ListTagsForResource',
  'sns:GetDataProtectionPolicy',
  'sns:PutDataProtectionPolicy',
];

/** Props for {@link SecureTopic}. */
export interface SecureTopicProps {
  /** Shown as the sender name of email notifications. */
  readonly displayName: string;
  /**
   * Subscription protocols this topic accepts. Anything else is denied in the
   * topic policy, whoever asks.
   *
   * @default - any protocol
   */
  readonly allowedProtocols?: readonly string[];
  /**
   * Deny sns:Subscribe to any principal outside this stack's account.
   *
   * @default false
   */
  readonly subscribersFromOwnAccountOnly?: boolean;
  /**
   * The one role that may subscribe: sns:Subscribe is denied to every other
   * principal (by `aws:PrincipalArn`), whatever their IAM policies allow.
   *
   * @default - no such restriction
   */
  readonly subscriberRole?: IRole;
}

/**
 * An SNS topic encrypted with its own customer-managed key (rotation on,
 * retained), whose policy refuses every call made without TLS.
 */
export class SecureTopic extends Construct {
  readonly key: Key;
  readonly topic: Topic;

  constructor(scope: Construct, id: string, props: SecureTopicProps) {
    super(scope, id);
    // One key per topic: revoking or auditing one audience's messages does not
    // touch the others.
    this.key = new Key(this, 'Key', {
      description: `clearance: SSE for the ${id} topic`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.topic = new Topic(this, 'Topic', {
      displayName: props.displayName,
      masterKey: this.key,
      enforceSSL: true,
    });
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'DenyInsecureTransport',
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: NON_PUBLISH_TOPIC_ACTIONS,
        resources: [this.topic.topicArn],
        conditions: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
    if (props.subscribersFromOwnAccountOnly) {
      // A Deny beats any Allow someone adds later. Callers without an account
      // (anonymous, or a service principal acting for itself) lack the key and
      // are denied too, since StringNotEquals matches a missing key.
      this.topic.addToResourcePolicy(
        new PolicyStatement({
          sid: 'DenySubscribeOutsideAccount',
          effect: Effect.DENY,
          principals: [new AnyPrincipal()],
          actions: ['sns:Subscribe'],
          resources: [this.topic.topicArn],
          conditions: { StringNotEquals: { 'aws:PrincipalAccount': Aws.ACCOUNT_ID } },
        }),
      );
    }
    if (props.subscriberRole) {
      // aws:PrincipalArn is the role's ARN for any session of the role, and
      // missing for anonymous and service callers, which are denied too.
      this.topic.addToResourcePolicy(
        new PolicyStatement({
          sid: 'DenySubscribeExceptSubscriptionManager',
          effect: Effect.DENY,
          principals: [new AnyPrincipal()],
          actions: ['sns:Subscribe'],
          resources: [this.topic.topicArn],
          conditions: { ArnNotEquals: { 'aws:PrincipalArn': props.subscriberRole.roleArn } },
        }),
      );
    }
    if (props.allowedProtocols) {
      this.topic.addToResourcePolicy(
        new PolicyStatement({
          sid: 'DenyUnexpectedProtocols',
          effect: Effect.DENY,
          principals: [new AnyPrincipal()],
          actions: ['sns:Subscribe'],
          resources: [this.topic.topicArn],
          conditions: { StringNotEquals: { 'sns:Protocol': [...props.allowedProtocols] } },
        }),
      );
    }
  }

  /**
   * Lets CloudWatch alarms publish to this topic. A topic policy replaces the
   * SNS default policy, so without this statement no alarm could deliver.
   *
   * The topic policy names `alarmArns` (aws:SourceArn) of this account
   * (aws:SourceAccount). The key policy allows kms:GenerateDataKey and
   * kms:Decrypt to the same principal for this account's alarms only: it
   * cannot name the alarms themselves, because each alarm refers to the topic
   * and the topic to the key (a dependency cycle).
   *
   * @param alarmArns the ARNs of the alarms that notify this topic; may be a
   *   `Lazy.list` resolved at synthesis, so alarms added later are included
   */
  allowAlarms(alarmArns: readonly string[]): void {
    const cloudWatch = new ServicePrincipal('cloudwatch.amazonaws.com');
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowCloudWatchAlarms',
        principals: [cloudWatch],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: { 'aws:SourceArn': [...alarmArns] },
        },
      }),
    );
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowCloudWatchAlarms',
        principals: [cloudWatch],
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: {
            'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*`,
          },
        },
      }),
    );
  }
}

/** SNS default quota: filter policies per topic. */
const FILTER_POLICIES_PER_TOPIC = 200;
/** SNS default quota: filter policies per account and region. */
const FILTER_POLICIES_PER_ACCOUNT = 10_000;
/**
 * The most customer shards whose filter policies, with the logistics topic's
 * 200 (one per warehouse team), fit the account quota: (10,000 − 200) / 200 = 49.
 */
const MAX_SHARDS_IN_FILTER_QUOTA =
  (FILTER_POLICIES_PER_ACCOUNT - FILTER_POLICIES_PER_TOPIC) / FILTER_POLICIES_PER_TOPIC;
/**
 * The most customer topic ARNs the publishing functions' environment holds
 * (`CUSTOMER_TOPIC_ARNS`): Lambda allows 4 KB of environment variables per
 * function in all, not adjustable, and each ARN takes about 100 bytes with the
 * longest names a deployment can give (test/infra/lambda-environment-size.test.ts
 * measures it at this maximum).
 */
const MAX_SHARDS_IN_ENVIRONMENT = 30;
/** The most customer shards a deployment can have: the environment's bound, below the filter quota's 49. */
export const MAX_CUSTOMER_SHARDS = Math.min(MAX_SHARDS_IN_FILTER_QUOTA, MAX_SHARDS_IN_ENVIRONMENT);

const shardsRefused = (given: unknown) =>
  new RangeError(
    `customerTopicShards must be a whole number from 1 to ${MAX_CUSTOMER_SHARDS} (plan on about ${(MAX_CUSTOMER_SHARDS * CUSTOMERS_PER_SHARD_TO_PLAN).toLocaleString('en-US')} customers ` +
      `with one subscription each: ${FILTER_POLICIES_PER_TOPIC} filter policies per topic, which the hash fills unevenly): the functions that publish carry every shard's ARN ` +
      `in their environment, which Lambda limits to 4 KB; got ${JSON.stringify(given)}`,
  );

/**
 * The `customerTopicShards` context setting: a whole number from 1 to
 * MAX_CUSTOMER_SHARDS, as a number (cdk.json) or its digits (`-c` passes a
 * string). The error quotes what was given, not what Number() made of it.
 */
export function customerTopicShards(value: unknown): number {
  if (value === undefined) return 1;
  const shards = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof shards !== 'number' || !Number.isInteger(shards) || shards < 1 || shards > MAX_CUSTOMER_SHARDS)
    throw shardsRefused(value);
  return shards;
}

/**
 * The three audiences of docs/data-contract.md, "Notifications": customers, logistics teams, admins.
 */
export interface ClearanceTopicsProps {
  /**
   * How many customer topics to spread customers over. Every customer
   * subscription carries a filter policy and SNS allows 200 per topic, so N
   * shards hold 200 × N subscriptions; but the hash fills them unevenly, and
   * the busiest reaches 200 first: plan on about 150 × N customers with one
   * subscription each (`CUSTOMERS_PER_SHARD_TO_PLAN`, measured in
   * test/unit/domain/shard-capacity.test.ts).
   * At most {@link MAX_CUSTOMER_SHARDS} (30):
   * the publishing functions' 4 KB environment holds 30 topic ARNs (and the
   * account's 10,000 filter policies, with the logistics topic's 200, 49 shards).
   * A customer's shard is `customerShard(customerId, N)`, a consistent hash:
   * raising N to N + 1 moves about 1/(N + 1) of the customers, lowering it
   * those of the removed shards; see ARCHITECTURE.md.
   *
   * @default 1
   */
  readonly customerShards?: number;
}

export class ClearanceTopics extends Construct {
  /** Shard 0 of the customer topics. */
  readonly customer: SecureTopic;
  /** Every customer topic shard, shard 0 first. */
  readonly customerShards: readonly SecureTopic[];
  readonly logistics: SecureTopic;
  readonly ops: SecureTopic;
  /**
   * The only principal that may subscribe to the customer topics: the role
   * `clearance subscribe` assumes on AWS. Any principal of the account that
   * is allowed sts:AssumeRole on it can assume it.
   */
  readonly subscriptionManager: Role;

  constructor(scope: Construct, id: string, props: ClearanceTopicsProps = {}) {
    super(scope, id);
    const shards = props.customerShards ?? 1;
    if (!Number.isInteger(shards) || shards < 1 || shards > MAX_CUSTOMER_SHARDS) throw shardsRefused(shards);
    this.subscriptionManager = new Role(this, 'SubscriptionManagerRole', {
      assumedBy: new AccountRootPrincipal(),
      description:
        'clearance: the only principal allowed to subscribe to the customer topics (clearance subscribe)',
      maxSessionDuration: Duration.hours(1),
    });
    // Customer and logistics messages name shipments, so plain `http`, SMS and
    // the like are refused; email digests, SQS and HTTPS machine subscribers
    // are the supported channels.
    const dataProtocols = ['email', 'sqs', 'https'];
    // Shard 0 keeps the construct ID 'Customer' so adding shards never replaces it.
    this.customerShards = Array.from(
      { length: shards },
      (_, i) =>
        new SecureTopic(this, i === 0 ? 'Customer' : `Customer${i}`, {
          displayName: 'Shipment updates',
          allowedProtocols: dataProtocols,
          subscribersFromOwnAccountOnly: true,
          subscriberRole: this.subscriptionManager,
        }),
    );
    const [first] = this.customerShards;
    if (!first) throw new RangeError('no customer topic');
    this.customer = first;
    this.logistics = new SecureTopic(this, 'Logistics', {
      displayName: 'Release notices',
      allowedProtocols: dataProtocols,
    });
    this.ops = new SecureTopic(this, 'Ops', { displayName: 'Clearance ops' });

    // Subscribe on the audience topics, list every topic (`clearance subscriptions
    // list` shows the ops topic too); the subscription-level actions
    // (Unsubscribe, Get/SetSubscriptionAttributes) have no IAM resource type.
    this.subscriptionManager.addToPolicy(
      new PolicyStatement({
        sid: 'SubscribeToAudienceTopics',
        actions: ['sns:Subscribe'],
        resources: [...this.customerShards, this.logistics].map((t) => t.topic.topicArn),
      }),
    );
    this.subscriptionManager.addToPolicy(
      new PolicyStatement({
        sid: 'ListSubscriptions',
        actions: ['sns:ListSubscriptionsByTopic'],
        resources: [...this.customerShards, this.logistics, this.ops].map((t) => t.topic.topicArn),
      }),
    );
    this.subscriptionManager.addToPolicy(
      new PolicyStatement({
        sid: 'ManageSubscriptions',
        actions: ['sns:Unsubscribe', 'sns:GetSubscriptionAttributes', 'sns:SetSubscriptionAttributes'],
        resources: ['*'],
      }),
    );
    Validations.of(this.subscriptionManager).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'sns:Unsubscribe, sns:GetSubscriptionAttributes and sns:SetSubscriptionAttributes act on a ' +
        'subscription, and SNS defines no IAM resource type for subscriptions: only Resource "*" works. ' +
        'Subscribe is scoped to the customer and logistics topics, ListSubscriptionsByTopic to those ' +
        'and the ops topic.',
    });
  }
}
