import {
  GetSubscriptionAttributesCommand,
  ListSubscriptionsByTopicCommand,
  SubscribeCommand,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import type { CliContext } from '../context.js';
import { CliError, EXIT, NotFoundError, RefusedError, UsageError } from '../errors.js';
import { showEndpoint } from '../format.js';
import type { Resources } from '../resources.js';
import {
  describeFilterPolicy,
  isMisplaced,
  type ListedSubscription,
  parseProtocol,
  planCustomerSubscription,
  planLogisticsSubscription,
  queuePolicyStatement,
  type SubscriptionPlan,
} from '../subscriptions.js';
import { subscriptionTable } from '../views.js';

type Audience = 'customer' | 'logistics' | 'ops';

/** The stack's topics, each with its audience and a short label. */
function stackTopics(r: Resources): { arn: string; audience: Audience; label: string }[] {
  const customers =
    r.topics.customerShards.length > 0
      ? r.topics.customerShards.map((arn, i) => ({
          arn,
          audience: 'customer' as const,
          label: `customer[${i}]`,
        }))
      : [{ arn: r.topics.customer, audience: 'customer' as const, label: 'customer' }];
  return [
    ...customers,
    { arn: r.topics.logistics, audience: 'logistics', label: 'logistics' },
    { arn: r.topics.ops, audience: 'ops', label: 'ops' },
  ];
}

function explainSubscribeError(error: unknown, plan: SubscriptionPlan): Error {
  const e = error as { name?: string; message?: string };
  const message = e.message ?? String(error);
  if (
    e.name === 'FilterPolicyLimitExceededException' ||
    /FilterPolicyLimitExceeded|filter polic(y|ies) limit/i.test(`${e.name} ${message}`)
  ) {
    return new CliError(
      `topic ${plan.topicArn} has reached the SNS quota of filter policies (200 by default): request a quota increase, or deploy more customer topic shards (see ARCHITECTURE.md)`,
      { cause: error },
    );
  }
  if (/already exists with different attributes/i.test(message)) {
    return new RefusedError(
      'this endpoint is already subscribed to the topic with a different filter: find it with `clearance subscriptions list` and `clearance unsubscribe ARN` it first',
      { cause: error },
    );
  }
  if (e.name === 'AuthorizationErrorException' || e.name === 'AuthorizationError') {
    return new CliError(
      `SNS refused the subscription: ${message.replaceAll(plan.endpoint, showEndpoint(plan.protocol, plan.endpoint))}. The topic policy only accepts subscribers of this account and the protocols it lists`,
      { cause: error },
    );
  }
  // SNS may echo the endpoint; an email address is shown masked in errors.
  const masked = message.replaceAll(plan.endpoint, showEndpoint(plan.protocol, plan.endpoint));
  return new CliError(`SNS refused the subscription (${e.name ?? 'Error'}): ${masked}`, { cause: error });
}

async function subscribe(ctx: CliContext, plan: SubscriptionPlan): Promise<number> {
  const r = await ctx.resources();
  const { sns } = await ctx.clients();
  let arn: string;
  try {
    const out = await sns.send(
      new SubscribeCommand({
        TopicArn: plan.topicArn,
        Protocol: plan.protocol,
        Endpoint: plan.endpoint,
        Attributes: plan.attributes,
        ReturnSubscriptionArn: true,
      }),
    );
    arn = out.SubscriptionArn ?? '';
  } catch (error) {
    throw explainSubscribeError(error, plan);
  }
  const pending = plan.protocol === 'email' || plan.protocol === 'https';
  const notes: string[] = [];
  if (pending && r.origin === 'aws') {
    notes.push(
      plan.protocol === 'email'
        ? 'SNS sent a confirmation email; nothing is delivered until the recipient clicks its link.'
        : 'SNS sent a SubscriptionConfirmation request to the endpoint; it must visit the SubscribeURL before anything is delivered.',
    );
  }
  if (plan.protocol === 'sqs' && r.origin === 'aws') {
    notes.push(
      'The queue must allow this topic to send to it. If its policy does not yet, its owner adds this statement (this command does not change queues):',
      JSON.stringify(queuePolicyStatement(plan.endpoint, plan.topicArn), null, 2),
      'If the queue is encrypted with a KMS key, that key must also allow sns.amazonaws.com kms:GenerateDataKey and kms:Decrypt.',
    );
  }
  if (r.origin === 'local' && plan.protocol !== 'sqs') {
    notes.push(
      'The local stack (fauxqs) delivers to SQS subscribers only; this subscription is recorded but receives nothing locally.',
    );
  }
  ctx.emit(
    {
      subscriptionArn: arn,
      topicArn: plan.topicArn,
      protocol: plan.protocol,
      endpoint: plan.endpoint,
      filterPolicy: plan.filterPolicy,
      ...(plan.shard ? { customerShard: plan.shard.index, customerShards: plan.shard.count } : {}),
      rawMessageDelivery: plan.attributes.RawMessageDelivery === 'true',
      notes,
    },
    () =>
      [
        `Subscribed ${plan.summary}.`,
        `  topic:         ${plan.topicArn}${plan.shard && plan.shard.count > 1 ? ` (customer shard ${plan.shard.index} of 0..${plan.shard.count - 1})` : ''}`,
        `  filter policy: ${JSON.stringify(plan.filterPolicy)}${plan.attributes.RawMessageDelivery ? ' (raw message delivery)' : ''}`,
        `  subscription:  ${arn}`,
        ...(notes.length > 0 ? ['', ...notes] : []),
      ].join('\n'),
  );
  return EXIT.ok;
}

export async function subscribeCustomer(
  ctx: CliContext,
  opts: { customer?: string; protocol: string; endpoint: string },
): Promise<number> {
  const r = await ctx.resources();
  const plan = planCustomerSubscription(
    { customerId: opts.customer, protocol: parseProtocol(opts.protocol), endpoint: opts.endpoint },
    r.topics,
  );
  return subscribe(ctx, plan);
}

export async function subscribeLogistics(
  ctx: CliContext,
  opts: { warehouse?: string; allWarehouses?: boolean; protocol: string; endpoint: string },
): Promise<number> {
  const r = await ctx.resources();
  const plan = planLogisticsSubscription(
    {
      warehouseId: opts.warehouse,
      allWarehouses: opts.allWarehouses === true,
      protocol: parseProtocol(opts.protocol),
      endpoint: opts.endpoint,
    },
    r.topics,
  );
  return subscribe(ctx, plan);
}

const SUBSCRIPTION_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]+:[A-Za-z0-9-]+$/;

async function describeSubscription(
  ctx: CliContext,
  topics: Resources['topics'],
  arn: string,
  topic: { arn: string; audience: Audience; label: string },
  listed?: { Protocol?: string; Endpoint?: string },
): Promise<ListedSubscription> {
  const { sns } = await ctx.clients();
  const pending = !arn.startsWith('arn:');
  let attributes: Record<string, string> = {};
  if (!pending) {
    attributes =
      (await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: arn }))).Attributes ?? {};
  }
  const protocol = attributes.Protocol ?? listed?.Protocol ?? '';
  const { customerId, ...scope } = describeFilterPolicy(topic.audience, attributes.FilterPolicy);
  return {
    misplaced: topic.audience === 'customer' && isMisplaced(topics, topic.arn, customerId),
    subscriptionArn: arn,
    topic: topic.label,
    topicArn: topic.arn,
    protocol,
    endpoint: showEndpoint(protocol, attributes.Endpoint ?? listed?.Endpoint ?? ''),
    ...scope,
    pending: pending || attributes.PendingConfirmation === 'true',
  };
}

export async function unsubscribe(ctx: CliContext, arn: string): Promise<number> {
  if (!SUBSCRIPTION_ARN.test(arn)) {
    throw new UsageError(
      `"${arn}" is not a subscription ARN (arn:aws:sns:REGION:ACCOUNT:TOPIC:ID); copy it from \`clearance subscriptions list\``,
    );
  }
  const r = await ctx.resources();
  const { sns } = await ctx.clients();
  const topicArn = arn.slice(0, arn.lastIndexOf(':'));
  const topic = stackTopics(r).find((t) => t.arn === topicArn);
  if (!topic) {
    throw new RefusedError(
      `${arn} belongs to topic ${topicArn}, which is not one of this stack's topics; this command only removes clearance subscriptions`,
    );
  }
  let before: ListedSubscription;
  try {
    before = await describeSubscription(ctx, r.topics, arn, topic);
  } catch (error) {
    if ((error as Error).name === 'NotFoundException' || (error as Error).name === 'NotFound') {
      throw new NotFoundError(
        `there is no subscription ${arn}; list them with \`clearance subscriptions list\``,
        {
          cause: error,
        },
      );
    }
    throw error;
  }
  await sns.send(new UnsubscribeCommand({ SubscriptionArn: arn }));
  ctx.emit(
    {
      unsubscribed: arn,
      topic: topic.label,
      protocol: before.protocol,
      endpoint: before.endpoint,
      scope: before.scope,
    },
    () =>
      `Unsubscribed ${before.protocol} ${before.endpoint} (${before.scope}, kind ${before.kind}) from the ${topic.label} topic.`,
  );
  return EXIT.ok;
}

export async function subscriptionsList(ctx: CliContext, opts: { topic?: string }): Promise<number> {
  const r = await ctx.resources();
  const { sns } = await ctx.clients();
  const audiences = ['customer', 'logistics', 'ops'];
  if (opts.topic !== undefined && !audiences.includes(opts.topic)) {
    throw new UsageError(`--topic must be one of ${audiences.join(', ')}, not "${opts.topic}"`);
  }
  const subs: ListedSubscription[] = [];
  for (const topic of stackTopics(r)) {
    if (opts.topic !== undefined && topic.audience !== opts.topic) continue;
    let next: string | undefined;
    do {
      const out = await sns.send(
        new ListSubscriptionsByTopicCommand({ TopicArn: topic.arn, NextToken: next }),
      );
      for (const s of out.Subscriptions ?? []) {
        subs.push(
          await describeSubscription(ctx, r.topics, s.SubscriptionArn ?? 'PendingConfirmation', topic, s),
        );
      }
      next = out.NextToken;
    } while (next);
  }
  const unscoped = subs.filter((s) => s.unscoped);
  const misplaced = subs.filter((s) => s.misplaced);
  ctx.emit(subs, () => {
    const lines = [subscriptionTable(subs)];
    if (unscoped.length > 0) {
      lines.push(
        '',
        `WARNING: ${unscoped.length} customer-topic subscription${unscoped.length === 1 ? ' is' : 's are'} not scoped to one customerId and may receive other customers' notifications. Remove ${unscoped.length === 1 ? 'it' : 'them'} with \`clearance unsubscribe ARN\` and re-create with \`clearance subscribe customer\`.`,
      );
    }
    if (misplaced.length > 0) {
      lines.push(
        '',
        `${misplaced.length} customer subscription${misplaced.length === 1 ? ' is' : 's are'} on a shard that no longer carries ${misplaced.length === 1 ? 'its' : 'their'} customer's messages (customer topic shards were added): run \`clearance subscribe customer\` again for ${misplaced.length === 1 ? 'it' : 'them'}, then unsubscribe the old ARN.`,
      );
    }
    return lines.join('\n');
  });
  return unscoped.length > 0 || misplaced.length > 0 ? EXIT.incomplete : EXIT.ok;
}
