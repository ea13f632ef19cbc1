import { ListSubscriptionsByTopicCommand, type SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { STACK_OUTPUTS } from '../../infra/outputs.js';
import { parseArn } from '../arn.js';
import type { CliContext } from '../context.js';
import { CliError, EXIT, RefusedError, UsageError } from '../errors.js';
import { showEndpoint } from '../format.js';
import {
  AWS_MANAGED_SQS_KEY,
  customerKeyNote,
  managedKeyRefusal,
  queueEncryption,
  queuePolicyVerdict,
  queuePolicyWarning,
} from '../queue-checks.js';
import {
  checkCustomerInput,
  checkLogisticsInput,
  FILTER_POLICIES_PER_TOPIC,
  filterPolicyQuotaMessage,
  parseProtocol,
  planCustomerSubscription,
  planLogisticsSubscription,
  queuePolicyStatement,
  type SubscriptionPlan,
  snsServicePrincipal,
  withDeadLetterQueue,
} from '../subscriptions.js';

function explainSubscribeError(error: unknown, plan: SubscriptionPlan, audience: SubscribeAudience): Error {
  const e = error as { name?: string; message?: string };
  const message = e.message ?? String(error);
  if (
    e.name === 'FilterPolicyLimitExceededException' ||
    /FilterPolicyLimitExceeded|filter polic(y|ies) limit/i.test(`${e.name} ${message}`)
  ) {
    return new CliError(filterPolicyQuotaMessage(plan, audience), { cause: error });
  }
  if (/already exists with different attributes/i.test(message)) {
    return new RefusedError(
      'this endpoint is already subscribed to the topic with different attributes (filter policy or dead-letter queue): find it with `clearance subscriptions list` and `clearance unsubscribe ARN` it first',
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

type SubscribeAudience = 'customer' | 'logistics';

/** What the command found out about an SQS endpoint before subscribing it. */
interface QueueCheck {
  /** `inspected`: attributes read; otherwise why not. */
  status: 'inspected' | 'other-account' | 'other-region' | 'unreadable';
  encryption?: 'none' | 'sse-sqs' | 'kms';
  kmsMasterKeyId?: string;
  /** Whether the queue policy lets the topic send (see queuePolicyVerdict). */
  policyAllowsTopic?: boolean;
}

const isAccessDenied = (error: unknown): boolean => {
  const e = error as { name?: string; message?: string };
  return (
    /AccessDenied|AuthorizationError|NotAuthorized/i.test(e.name ?? '') ||
    /not authorized/i.test(e.message ?? '')
  );
};
const isMissingQueue = (error: unknown): boolean => {
  const name = (error as { name?: string }).name ?? '';
  return name === 'QueueDoesNotExist' || /NonExistentQueue/.test(name);
};

/**
 * Reads a same-account queue's encryption and policy. Refuses (throws) a queue
 * SNS can never deliver to: one under the AWS-managed key, or one that does
 * not exist. Anything else it can only warn about.
 */
async function checkQueue(
  sqs: SQSClient,
  plan: SubscriptionPlan,
  stackRegion: string,
  warnings: string[],
  notes: string[],
): Promise<QueueCheck> {
  const queue = parseArn(plan.endpoint);
  const topic = parseArn(plan.topicArn);
  if (!queue || !topic) throw new UsageError(`--endpoint "${plan.endpoint}" is not an SQS queue ARN`);
  const statement = JSON.stringify(queuePolicyStatement(plan.endpoint, plan.topicArn), null, 2);
  const principal = snsServicePrincipal(plan.endpoint, plan.topicArn);
  if (queue.account !== topic.account) {
    notes.push(
      `Pending confirmation: the queue is in account ${queue.account}, the topic in ${topic.account}. SNS sent a ` +
        "SubscriptionConfirmation message to the queue, and nothing is delivered until the queue's owner confirms " +
        'it (open the SubscribeURL in that message, or call ConfirmSubscription with its Token). The topic policy ' +
        'does not let other accounts subscribe, so the owner cannot subscribe from their own account instead.',
      'This command does not inspect queues of other accounts. For delivery to work, the owner adds this statement to the queue policy:',
      statement,
      `If the queue is encrypted with KMS, its key must be a customer-managed key whose policy allows ${principal} kms:GenerateDataKey and kms:Decrypt (SSE-SQS works as it is; ${AWS_MANAGED_SQS_KEY} never does).`,
    );
    return { status: 'other-account' };
  }
  if (queue.region !== stackRegion) {
    notes.push(
      `The queue is in region ${queue.region}, not the stack's ${stackRegion}; this command did not inspect it. ` +
        `Its policy needs this statement, and its key (if KMS) must let ${principal} use it (${AWS_MANAGED_SQS_KEY} never does):`,
      statement,
    );
    return { status: 'other-region' };
  }
  let attributes: Record<string, string>;
  try {
    const { QueueUrl } = await sqs.send(
      new GetQueueUrlCommand({ QueueName: queue.resource, QueueOwnerAWSAccountId: queue.account }),
    );
    const out = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl,
        AttributeNames: ['QueueArn', 'KmsMasterKeyId', 'SqsManagedSseEnabled', 'Policy'],
      }),
    );
    attributes = out.Attributes ?? {};
  } catch (error) {
    if (isMissingQueue(error)) {
      throw new RefusedError(
        `there is no queue ${queue.resource} in account ${queue.account} (${queue.region}): create it first, or check --endpoint. Nothing was subscribed.`,
        { cause: error },
      );
    }
    if (!isAccessDenied(error)) throw error;
    const e = error as { name?: string; message?: string };
    warnings.push(
      `WARNING: could not read the attributes of queue ${plan.endpoint} (${e.name ?? 'Error'}: ${e.message ?? ''}), so its encryption and policy were not checked. ` +
        `Make sure it is not encrypted with ${AWS_MANAGED_SQS_KEY} (SNS cannot use that key) and that its policy has this statement:`,
      statement,
    );
    return { status: 'unreadable' };
  }
  const encryption = queueEncryption(attributes);
  if (encryption.kind === 'aws-managed-kms') {
    throw new RefusedError(managedKeyRefusal(plan.endpoint, encryption.keyId));
  }
  if (encryption.kind === 'kms') notes.push(customerKeyNote(encryption.keyId));
  const verdict = queuePolicyVerdict(attributes.Policy, plan.endpoint, plan.topicArn);
  if (!verdict.allowed) warnings.push(queuePolicyWarning(plan.endpoint, plan.topicArn, verdict.reason));
  return {
    status: 'inspected',
    encryption: encryption.kind,
    ...(encryption.kind === 'kms' ? { kmsMasterKeyId: encryption.keyId } : {}),
    policyAllowsTopic: verdict.allowed,
  };
}

/**
 * Refuses when the topic is already at SNS's filter-policy quota. Counts every
 * subscription of the topic (each one this command adds carries a filter
 * policy); re-subscribing an endpoint already on the topic adds none, so it
 * passes.
 */
async function checkFilterPolicyQuota(
  sns: SNSClient,
  plan: SubscriptionPlan,
  audience: SubscribeAudience,
): Promise<void> {
  let count = 0;
  let alreadySubscribed = false;
  let next: string | undefined;
  do {
    const out = await sns.send(
      new ListSubscriptionsByTopicCommand({ TopicArn: plan.topicArn, NextToken: next }),
    );
    for (const sub of out.Subscriptions ?? []) {
      count += 1;
      if (sub.Protocol === plan.protocol && sub.Endpoint === plan.endpoint) alreadySubscribed = true;
    }
    next = out.NextToken;
  } while (next);
  if (count >= FILTER_POLICIES_PER_TOPIC && !alreadySubscribed) {
    throw new RefusedError(filterPolicyQuotaMessage(plan, audience, count));
  }
}

async function subscribe(
  ctx: CliContext,
  planned: SubscriptionPlan,
  audience: SubscribeAudience,
): Promise<number> {
  const r = await ctx.resources();
  if (!r.subscriptionDlq) {
    throw new CliError(
      r.origin === 'aws'
        ? `${r.source} has no subscription dead-letter queue (outputs ${STACK_OUTPUTS.subscriptionDlqArn}, ${STACK_OUTPUTS.subscriptionDlqUrl}): it was deployed from an older version. Redeploy with \`npx cdk deploy\`, then run this command again. Nothing was subscribed.`
        : `${r.source} names no subscription dead-letter queue (dlqs.subscriptions): it was printed by an older \`npm run stack\`. Restart the local stack and use the line it prints. Nothing was subscribed.`,
    );
  }
  const plan = withDeadLetterQueue(planned, r.subscriptionDlq.arn);
  const { sns, sqs } = await ctx.clients();
  const warnings: string[] = [];
  const notes: string[] = [];
  const queueCheck =
    plan.protocol === 'sqs' ? await checkQueue(sqs, plan, r.region, warnings, notes) : undefined;
  await checkFilterPolicyQuota(sns, plan, audience);

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
    throw explainSubscribeError(error, plan, audience);
  }
  const pendingConfirmation =
    plan.protocol === 'email' || plan.protocol === 'https' || queueCheck?.status === 'other-account';
  if (plan.protocol !== 'sqs' && r.origin === 'aws') {
    notes.unshift(
      plan.protocol === 'email'
        ? 'SNS sent a confirmation email; nothing is delivered until the recipient clicks its link.'
        : 'SNS sent a SubscriptionConfirmation request to the endpoint; it must visit the SubscribeURL before anything is delivered.',
    );
  }
  if (r.origin === 'local' && plan.protocol !== 'sqs') {
    notes.push(
      'The local stack (fauxqs) delivers to SQS subscribers only; this subscription is recorded but receives nothing locally.',
    );
  }
  // Warnings go to stderr in both modes (and into the JSON), so `--json | jq` does not hide them.
  for (const warning of warnings) ctx.io.err(warning);
  ctx.emit(
    {
      subscriptionArn: arn,
      topicArn: plan.topicArn,
      protocol: plan.protocol,
      endpoint: showEndpoint(plan.protocol, plan.endpoint),
      filterPolicy: plan.filterPolicy,
      ...(plan.shard ? { customerShard: plan.shard.index, customerShards: plan.shard.count } : {}),
      rawMessageDelivery: plan.attributes.RawMessageDelivery === 'true',
      redrivePolicy: { deadLetterTargetArn: r.subscriptionDlq.arn },
      pendingConfirmation,
      ...(queueCheck ? { queueCheck } : {}),
      warnings,
      notes,
    },
    () =>
      [
        `Subscribed ${plan.summary}.`,
        `  topic:         ${plan.topicArn}${plan.shard && plan.shard.count > 1 ? ` (customer shard ${plan.shard.index} of 0..${plan.shard.count - 1})` : ''}`,
        `  filter policy: ${JSON.stringify(plan.filterPolicy)}${plan.attributes.RawMessageDelivery ? ' (raw message delivery)' : ''}`,
        `  dead letters:  ${r.subscriptionDlq?.arn ?? ''} (RedrivePolicy: what SNS cannot deliver is kept there)`,
        `  subscription:  ${arn}${pendingConfirmation ? ' (pending confirmation)' : ''}`,
        ...(notes.length > 0 ? ['', ...notes] : []),
      ].join('\n'),
  );
  return EXIT.ok;
}

export async function subscribeCustomer(
  ctx: CliContext,
  opts: { customer?: string; protocol: string; endpoint: string },
): Promise<number> {
  const input = {
    customerId: opts.customer,
    protocol: parseProtocol(opts.protocol),
    endpoint: opts.endpoint,
  };
  // Bad options are refused before the stack is looked up (on AWS, before credentials matter).
  checkCustomerInput(input);
  const r = await ctx.resources();
  return subscribe(ctx, planCustomerSubscription(input, r.topics), 'customer');
}

export async function subscribeLogistics(
  ctx: CliContext,
  opts: { warehouse?: string; allWarehouses?: boolean; protocol: string; endpoint: string },
): Promise<number> {
  const input = {
    warehouseId: opts.warehouse,
    allWarehouses: opts.allWarehouses === true,
    protocol: parseProtocol(opts.protocol),
    endpoint: opts.endpoint,
  };
  checkLogisticsInput(input);
  const r = await ctx.resources();
  return subscribe(ctx, planLogisticsSubscription(input, r.topics), 'logistics');
}
