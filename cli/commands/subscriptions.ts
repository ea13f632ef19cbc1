/**
 * `clearance subscriptions list` and `clearance unsubscribe`, and the commander
 * wiring of the whole subscription group (the `subscribe` handlers are in
 * subscribe.ts).
 */
import {
  GetSubscriptionAttributesCommand,
  ListSubscriptionsByTopicCommand,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import { type Command, Option } from 'commander';
import type { CliContext } from '../context.js';
import { EXIT, NotFoundError, RefusedError, UsageError } from '../errors.js';
import { showEndpoint } from '../format.js';
import type { Resources } from '../resources.js';
import {
  describeFilterPolicy,
  isMisplaced,
  type ListedSubscription,
  PROTOCOLS,
  UNCONFIRMED_SCOPE,
} from '../subscriptions.js';
import { subscriptionTable } from '../views.js';
import { subscribeCustomer, subscribeLogistics } from './subscribe.js';
import { type Act, example, type Wiring } from './wiring.js';

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
  const { customerId, ...scope } = pending
    ? { ...UNCONFIRMED_SCOPE, customerId: undefined }
    : describeFilterPolicy(topic.audience, attributes.FilterPolicy);
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
  const unconfirmed = subs.filter((s) => s.scope === UNCONFIRMED_SCOPE.scope);
  ctx.emit(subs, () => {
    const lines = [subscriptionTable(subs)];
    if (unconfirmed.length > 0) {
      const one = unconfirmed.length === 1;
      lines.push(
        '',
        `${unconfirmed.length} subscription${one ? ' is' : 's are'} pending confirmation: SNS shows neither the ARN nor the filter policy of an unconfirmed subscription, so ${one ? 'its' : 'their'} scope is unknown until confirmed, and ${one ? 'it receives' : 'they receive'} nothing until then. The endpoint's owner confirms (the link in the confirmation email, or the SubscribeURL of the SubscriptionConfirmation message); then run \`clearance subscriptions list\` again to see the scope.`,
      );
    }
    if (unscoped.length > 0) {
      lines.push(
        '',
        `WARNING: ${unscoped.length} customer-topic subscription${unscoped.length === 1 ? ' is' : 's are'} not scoped to one customerId and may receive other customers' notifications. Remove ${unscoped.length === 1 ? 'it' : 'them'} with \`clearance unsubscribe ARN\` and re-create with \`clearance subscribe customer\`.`,
      );
    }
    if (misplaced.length > 0) {
      lines.push(
        '',
        `${misplaced.length} customer subscription${misplaced.length === 1 ? ' is' : 's are'} on a shard that no longer carries ${misplaced.length === 1 ? 'its' : 'their'} customer's messages (customer topic shards were added, or the stack was upgraded from a release that assigned shards differently): run \`clearance subscribe customer\` again for ${misplaced.length === 1 ? 'it' : 'them'}, then unsubscribe the old ARN.`,
      );
    }
    return lines.join('\n');
  });
  return unscoped.length > 0 || misplaced.length > 0 ? EXIT.incomplete : EXIT.ok;
}

const protocolOption = () =>
  new Option(
    '--protocol <protocol>',
    'email: readable digests; sqs/https: one JSON message per shipment change (required)',
  )
    .choices(PROTOCOLS)
    .makeOptionMandatory();

/** `clearance subscribe customer|logistics`. */
function registerSubscribe(program: Command, act: Act): void {
  const sub = program.command('subscribe').description('add a filtered notification subscription');
  sub
    .command('customer')
    .description("subscribe to one customer's notifications (always scoped to that customerId)")
    .requiredOption('--customer <customerId>', 'the customer whose notifications to receive (required)')
    .addOption(protocolOption())
    .requiredOption('--endpoint <endpoint>', 'email address, SQS queue ARN, or https:// URL (required)')
    .addHelpText(
      'after',
      example(
        'clearance subscribe customer --customer CUST-ACME --protocol email --endpoint buyer@acme.example',
        'clearance subscribe customer --customer CUST-ACME --protocol sqs --endpoint arn:aws:sqs:eu-west-1:123456789012:acme-shipments',
      ),
    )
    .action(
      act((ctx, opts: { customer: string; protocol: string; endpoint: string }) =>
        subscribeCustomer(ctx, opts),
      ),
    );
  sub
    .command('logistics')
    .description('subscribe a warehouse team (or, explicitly, every warehouse) to release and hold notices')
    .option('--warehouse <warehouseId>', 'the warehouse whose notices to receive (this or --all-warehouses)')
    .option('--all-warehouses', 'receive notices for every warehouse (must be asked for explicitly)')
    .addOption(protocolOption())
    .requiredOption('--endpoint <endpoint>', 'email address, SQS queue ARN, or https:// URL (required)')
    .addHelpText(
      'after',
      example(
        'clearance subscribe logistics --warehouse WH-AMS-1 --protocol sqs --endpoint arn:aws:sqs:eu-west-1:123456789012:wms-ams',
        'clearance subscribe logistics --all-warehouses --protocol email --endpoint dispatch@example.com',
      ),
    )
    .action(
      act((ctx, opts: { warehouse?: string; allWarehouses?: boolean; protocol: string; endpoint: string }) =>
        subscribeLogistics(ctx, opts),
      ),
    );
}

/** `clearance subscribe ...`, `clearance unsubscribe` and `clearance subscriptions list`. */
export function registerSubscriptionCommands(program: Command, { act }: Wiring): void {
  registerSubscribe(program, act);
  program
    .command('unsubscribe')
    .description("remove a subscription from one of this stack's topics")
    .argument('<subscriptionArn>', 'as shown by `clearance subscriptions list`')
    .addHelpText(
      'after',
      example('clearance unsubscribe arn:aws:sns:eu-west-1:123456789012:Clearance-Customer:0b5c...'),
    )
    .action(act((ctx, arn: string) => unsubscribe(ctx, arn)));
  program
    .command('subscriptions')
    .description('subscriptions of the stack topics')
    .command('list')
    .description(
      'list subscriptions with their scope (customer / warehouse) and kind; email addresses are masked',
    )
    .addOption(new Option('--topic <topic>', 'only this audience').choices(['customer', 'logistics', 'ops']))
    .addHelpText(
      'after',
      example('clearance subscriptions list', 'clearance subscriptions list --topic customer --json'),
    )
    .action(act((ctx, opts: { topic?: string }) => subscriptionsList(ctx, opts)));
}
