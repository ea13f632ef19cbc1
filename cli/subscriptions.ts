import { ShipmentSchema } from '../shared/domain/model.js';
import { customerShard } from '../shared/domain/routing.js';
import { parseArn } from './arn.js';
import { UsageError } from './errors.js';
import { maskEmail, showEndpoint } from './format.js';

/** Subscription protocols the subscribe commands accept. */
export const PROTOCOLS = ['email', 'sqs', 'https'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

/** An SNS Subscribe call, fully decided. */
export interface SubscriptionPlan {
  topicArn: string;
  protocol: Protocol;
  endpoint: string;
  /** FilterPolicy, FilterPolicyScope and (machine subscribers) RawMessageDelivery. */
  attributes: Record<string, string>;
  filterPolicy: Record<string, string[]>;
  /** Who gets what, for the confirmation. */
  summary: string;
  /** For a customer subscription: which customer topic shard it is on. */
  shard?: { index: number; count: number };
  /** The subscription's dead-letter queue, once {@link withDeadLetterQueue} has set it. */
  deadLetterTargetArn?: string;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const SQS_ARN = /^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}(\.fifo)?$/;
/** A FIFO queue's name ends in `.fifo`; SNS refuses to subscribe one to a standard topic, as all of the stack's are. */
const FIFO_QUEUE = /\.fifo$/;

/** Checks a protocol name. */
export function parseProtocol(value: string): Protocol {
  if ((PROTOCOLS as readonly string[]).includes(value)) return value as Protocol;
  throw new UsageError(`--protocol must be one of ${PROTOCOLS.join(', ')}, not "${value}"`);
}

/** Checks that an endpoint fits its protocol. Email addresses are masked in the message. */
export function validateEndpoint(protocol: Protocol, endpoint: string): void {
  switch (protocol) {
    case 'email':
      if (!EMAIL.test(endpoint)) {
        throw new UsageError(
          `--endpoint ${maskEmail(endpoint)} is not an email address; pass one like ops@example.com`,
        );
      }
      return;
    case 'sqs':
      if (!SQS_ARN.test(endpoint)) {
        throw new UsageError(
          `--endpoint "${endpoint}" is not an SQS queue ARN; pass the queue's ARN (arn:aws:sqs:REGION:ACCOUNT:NAME), not its URL`,
        );
      }
      if (FIFO_QUEUE.test(endpoint)) {
        throw new UsageError(
          `--endpoint "${endpoint}" is a FIFO queue: clearance's topics are standard SNS topics, which cannot deliver to FIFO queues; pass the ARN of a standard queue (one whose name does not end in .fifo)`,
        );
      }
      return;
    case 'https': {
      let url: URL | undefined;
      try {
        url = new URL(endpoint);
      } catch {
        url = undefined;
      }
      if (url?.protocol !== 'https:' || url.hostname === '') {
        throw new UsageError(
          `--endpoint "${endpoint}" is not an https:// URL; SNS delivers only to https endpoints here`,
        );
      }
      return;
    }
  }
}

/** Checks a customerId or warehouseId against the data contract's id rule. */
export function validateId(field: 'customerId' | 'warehouseId', value: string, flag: string): void {
  const parsed = ShipmentSchema.shape[field].safeParse(value);
  if (!parsed.success) {
    throw new UsageError(
      `${flag} "${value}" is not a valid ${field}: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
    );
  }
}

/** People read digests (email); machines get one JSON message per shipment change (SQS, HTTPS). */
const kindFor = (protocol: Protocol): 'digest' | 'shipment' => (protocol === 'email' ? 'digest' : 'shipment');

const attributesFor = (
  protocol: Protocol,
  filterPolicy: Record<string, string[]>,
): Record<string, string> => ({
  FilterPolicy: JSON.stringify(filterPolicy),
  FilterPolicyScope: 'MessageAttributes',
  ...(protocol === 'email' ? {} : { RawMessageDelivery: 'true' }),
});

/** The customer topic a customer's messages go to: its shard, or the one topic. */
export function customerTopicFor(
  topics: { customer: string; customerShards: readonly string[] },
  customerId: string,
): string {
  return customerTopicShard(topics, customerId).topicArn;
}

/** The customer topic shard of a customer: its index among `count` shards and its ARN. */
export function customerTopicShard(
  topics: { customer: string; customerShards: readonly string[] },
  customerId: string,
): { topicArn: string; index: number; count: number } {
  const count = topics.customerShards.length;
  if (count === 0) return { topicArn: topics.customer, index: 0, count: 1 };
  const index = customerShard(customerId, count);
  const topicArn = topics.customerShards[index];
  if (topicArn === undefined) throw new RangeError('customerShard returned an index outside the shards');
  return { topicArn, index, count };
}

/** What a subscription gets, and where (an email address masked: no personal data in output or logs). */
const describe = (protocol: Protocol, endpoint: string) =>
  protocol === 'email'
    ? `email digests to ${showEndpoint(protocol, endpoint)}`
    : `one JSON message per shipment change to ${showEndpoint(protocol, endpoint)}`;

/**
 * The checks of a customer subscription's options, which need no stack (so
 * bad input is refused before the stack is looked up): one customer, a valid
 * id, an endpoint that fits the protocol. Returns the customerId.
 */
export function checkCustomerInput(input: {
  customerId: string | undefined;
  protocol: Protocol;
  endpoint: string;
}): string {
  const { customerId } = input;
  if (customerId === undefined || customerId.trim() === '') {
    throw new UsageError(
      'a customer subscription must be scoped to one customer: pass --customer ID. Unscoped customer subscriptions are not allowed',
    );
  }
  validateId('customerId', customerId, '--customer');
  validateEndpoint(input.protocol, input.endpoint);
  return customerId;
}

/**
 * A customer subscription. It is always scoped to exactly one customerId: a
 * customer must never receive another customer's notifications (I4), so there
 * is no way to leave the scope out.
 */
export function planCustomerSubscription(
  input: { customerId: string | undefined; protocol: Protocol; endpoint: string },
  topics: { customer: string; customerShards: readonly string[] },
): SubscriptionPlan {
  const customerId = checkCustomerInput(input);
  const { protocol, endpoint } = input;
  const filterPolicy = { customerId: [customerId], kind: [kindFor(protocol)] };
  const shard = customerTopicShard(topics, customerId);
  return {
    topicArn: shard.topicArn,
    shard: { index: shard.index, count: shard.count },
    protocol,
    endpoint,
    attributes: attributesFor(protocol, filterPolicy),
    filterPolicy,
    summary: `customer ${customerId}: ${describe(protocol, endpoint)}`,
  };
}

/** The checks of a logistics subscription's options, which need no stack: which warehouses, a valid id, the endpoint. */
export function checkLogisticsInput(input: {
  warehouseId: string | undefined;
  allWarehouses: boolean;
  protocol: Protocol;
  endpoint: string;
}): void {
  const { warehouseId, allWarehouses } = input;
  if (warehouseId !== undefined && allWarehouses) {
    throw new UsageError('pass either --warehouse ID or --all-warehouses, not both');
  }
  if (warehouseId === undefined && !allWarehouses) {
    throw new UsageError(
      'say which warehouse: pass --warehouse ID, or --all-warehouses to receive notices for every warehouse',
    );
  }
  if (warehouseId !== undefined) validateId('warehouseId', warehouseId, '--warehouse');
  validateEndpoint(input.protocol, input.endpoint);
}

/**
 * A logistics subscription: one warehouse, or every warehouse when asked
 * for explicitly with `--all-warehouses`.
 */
export function planLogisticsSubscription(
  input: { warehouseId: string | undefined; allWarehouses: boolean; protocol: Protocol; endpoint: string },
  topics: { logistics: string },
): SubscriptionPlan {
  checkLogisticsInput(input);
  const { warehouseId, protocol, endpoint } = input;
  const kind = [kindFor(protocol)];
  const filterPolicy: Record<string, string[]> =
    warehouseId === undefined ? { kind } : { warehouseId: [warehouseId], kind };
  return {
    topicArn: topics.logistics,
    protocol,
    endpoint,
    attributes: attributesFor(protocol, filterPolicy),
    filterPolicy,
    summary: `${warehouseId === undefined ? 'all warehouses' : `warehouse ${warehouseId}`}: ${describe(protocol, endpoint)}`,
  };
}

/**
 * Sets the subscription's dead-letter queue (SNS attribute `RedrivePolicy`):
 * a message SNS cannot deliver after its retries is kept there instead of
 * dropped. SNS accepts it on every protocol the command offers.
 */
export function withDeadLetterQueue(plan: SubscriptionPlan, deadLetterTargetArn: string): SubscriptionPlan {
  return {
    ...plan,
    deadLetterTargetArn,
    attributes: { ...plan.attributes, RedrivePolicy: JSON.stringify({ deadLetterTargetArn }) },
  };
}

/** SNS's default quota of filter policies on one topic. */
export const FILTER_POLICIES_PER_TOPIC = 200;
/** SNS's default quota of filter policies in one account (all topics together). */
export const FILTER_POLICIES_PER_ACCOUNT = 10_000;
/**
 * The most customer topic shards a deployment can have (MAX_CUSTOMER_SHARDS in
 * infra/topics.ts, which the CLI does not import; a test keeps them equal):
 * the publishing functions' 4 KB environment holds 30 topic ARNs.
 */
export const MAX_CUSTOMER_TOPIC_SHARDS = 30;

/**
 * Why a filtered subscription cannot be added to a full topic, and the fix.
 * `subscriptions`: how many the topic has, when counted.
 */
export function filterPolicyQuotaMessage(
  plan: Pick<SubscriptionPlan, 'topicArn' | 'shard'>,
  audience: 'customer' | 'logistics',
  subscriptions?: number,
): string {
  const has =
    subscriptions === undefined
      ? `topic ${plan.topicArn} has reached`
      : `topic ${plan.topicArn} already has ${subscriptions} subscriptions, each with a filter policy, which is`;
  const quota =
    `${has} SNS's quota of ${FILTER_POLICIES_PER_TOPIC} filter policies per topic ` +
    `(the account's quota is ${FILTER_POLICIES_PER_ACCOUNT.toLocaleString('en-US')} filter policies per account), ` +
    'so SNS would refuse this subscription.';
  const atMost = (plan.shard?.count ?? 1) >= MAX_CUSTOMER_TOPIC_SHARDS;
  const fix =
    audience === 'customer' && atMost
      ? ` Fix: the stack already has the most customer topic shards (${MAX_CUSTOMER_TOPIC_SHARDS}, what the publishing ` +
        "functions' 4 KB environment holds): ask AWS (Service Quotas, Amazon SNS) to raise the quota of filter policies per topic, " +
        'or remove subscriptions no one uses (`clearance subscriptions list`, `clearance unsubscribe ARN`).'
      : audience === 'customer'
        ? ` Fix: raise the CDK context customerTopicShards (now ${plan.shard?.count ?? 1}; at most ${MAX_CUSTOMER_TOPIC_SHARDS}, ` +
          `the most the publishing functions' 4 KB environment holds) in \`cdk.json\`'s ` +
          '`context` (`"customerTopicShards": N`; not with `-c`, which the next deploy without it undoes, deleting the topics ' +
          'above the default with their subscriptions) and run `npx cdk deploy`, then run `clearance subscribe` again for the customers it moves ' +
          '(`clearance subscriptions list` flags their old subscriptions) and for this one; ' +
          'or ask AWS (Service Quotas, Amazon SNS) to raise the quota.'
        : ' Fix: the logistics topic has no shards; remove subscriptions no one uses (`clearance subscriptions list`, ' +
          '`clearance unsubscribe ARN`), or ask AWS (Service Quotas, Amazon SNS) to raise the quota.';
  return `${quota}${fix} Nothing was subscribed.`;
}

/**
 * The regions of the `aws` partition enabled by default: those launched before 20 March 2019, a list
 * that no longer grows. Every other region of the partition is opt-in, for SNS's cross-region
 * delivery too (Osaka, ap-northeast-3, is on SNS's own opt-in list).
 */
const DEFAULT_REGIONS = new Set([
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'ca-central-1',
  'sa-east-1',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'eu-central-1',
  'eu-north-1',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-south-1',
]);

/**
 * The SNS service principal a subscriber's resource policy must allow. Across regions where one is
 * opt-in, SNS delivers as the opt-in region's principal, `sns.<region>.amazonaws.com` (the
 * subscriber's region when it is opt-in, else the topic's): a policy naming `sns.amazonaws.com`
 * then lets nothing through. Otherwise, and outside the `aws` partition, `sns.amazonaws.com`.
 */
export function snsServicePrincipal(endpointArn: string, topicArn: string): string {
  const endpoint = parseArn(endpointArn);
  const partition = endpoint?.partition;
  const endpointRegion = endpoint?.region ?? '';
  const topicRegion = parseArn(topicArn)?.region ?? '';
  const optIn = (region: string) => region !== '' && !DEFAULT_REGIONS.has(region);
  if (partition !== 'aws' || endpointRegion === topicRegion) return 'sns.amazonaws.com';
  if (optIn(endpointRegion)) return `sns.${endpointRegion}.amazonaws.com`;
  if (optIn(topicRegion)) return `sns.${topicRegion}.amazonaws.com`;
  return 'sns.amazonaws.com';
}

/**
 * The queue policy statement an SQS subscriber's queue needs so the topic
 * may deliver to it. The CLI prints it; it never edits a queue it does not own.
 */
export function queuePolicyStatement(queueArn: string, topicArn: string): Record<string, unknown> {
  return {
    Sid: `AllowClearanceTopic${topicArn.split(':').at(-1) ?? ''}`.replace(/[^A-Za-z0-9]/g, '').slice(0, 100),
    Effect: 'Allow',
    Principal: { Service: snsServicePrincipal(queueArn, topicArn) },
    Action: 'sqs:SendMessage',
    Resource: queueArn,
    Condition: { ArnEquals: { 'aws:SourceArn': topicArn } },
  };
}

/** A subscription as listed, with what its filter policy scopes it to. */
export interface ListedSubscription {
  subscriptionArn: string;
  topic: string;
  topicArn: string;
  protocol: string;
  endpoint: string;
  scope: string;
  kind: string;
  pending: boolean;
  /** A customer-topic subscription without a single-customer scope: it may receive other customers' messages. */
  unscoped: boolean;
  /** A customer subscription on a shard its customer's messages are no longer published to (shards were added, or the shard assignment changed). */
  misplaced: boolean;
}

/**
 * The scope of a subscription SNS lists as `PendingConfirmation`: it gives
 * neither its ARN nor its attributes (filter policy) until it is confirmed,
 * so its scope is unknown, not "unscoped". It receives nothing meanwhile.
 */
export const UNCONFIRMED_SCOPE = { scope: 'unknown until confirmed', kind: 'unknown', unscoped: false };

/** Reads the scope out of a filter policy (as SNS returns it, a JSON string). */
export function describeFilterPolicy(
  audience: 'customer' | 'logistics' | 'ops',
  policyText: string | undefined,
): { scope: string; kind: string; unscoped: boolean; customerId?: string } {
  let policy: Record<string, unknown> = {};
  if (policyText !== undefined && policyText !== '') {
    try {
      const parsed: unknown = JSON.parse(policyText);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
        policy = parsed as Record<string, unknown>;
    } catch {
      policy = {};
    }
  }
  const list = (key: string): string[] | undefined => {
    const v = policy[key];
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined;
  };
  const kind = list('kind')?.join(',') ?? 'any';
  if (audience === 'customer') {
    const ids = list('customerId');
    const [only, ...others] = ids ?? [];
    if (only === undefined || others.length > 0) return { scope: 'UNSCOPED', kind, unscoped: true };
    return { scope: `customer ${only}`, kind, unscoped: false, customerId: only };
  }
  if (audience === 'logistics') {
    const ids = list('warehouseId');
    return { scope: ids ? `warehouse ${ids.join(',')}` : 'all warehouses', kind, unscoped: false };
  }
  return { scope: 'ops', kind, unscoped: false };
}

/**
 * True when a customer subscription sits on another shard than the one its
 * customer's messages are published to (after shards were added, or an
 * upgrade changed the shard assignment; lowering the shard count deletes the
 * removed shards' subscriptions with their topics).
 */
export function isMisplaced(
  topics: { customer: string; customerShards: readonly string[] },
  subscriptionTopicArn: string,
  customerId: string | undefined,
): boolean {
  if (customerId === undefined || topics.customerShards.length === 0) return false;
  return customerTopicFor(topics, customerId) !== subscriptionTopicArn;
}
