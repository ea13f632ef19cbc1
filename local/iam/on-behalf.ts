/**
 * The requests AWS itself makes for the stack, read from the template: event
 * source mappings reading streams and parking failures, alarms notifying
 * topics, EventBridge invoking functions, SNS delivering to queues, CloudTrail
 * delivering log and digest files to its bucket, and
 * `clearance subscribe` acting as the subscription manager role. A wiring of
 * a kind not modelled here throws, so it is never silently unjudged.
 */
import { STACK_OUTPUTS, SUBSCRIPTION_MANAGER_ROLE_OUTPUT } from '../../infra/outputs.js';
import type { CfnTemplate } from '../template.js';
import type { Principal } from './judge.js';
import type { PolicyIndex } from './policies.js';
import {
  type AwsCall,
  type IamRequest,
  iamRequestsFor,
  publishRequests,
  type ResourceLookup,
  sendMessageRequests,
} from './requests.js';
import type { Resolver } from './resolver.js';

/** One request AWS makes for the stack, and on whose behalf. */
export interface OnBehalfRequest {
  /** e.g. `alarm ObservabilityHeldToShippedRejected4957461B`. */
  who: string;
  principal: Principal;
  request: IamRequest;
}

/** The template wires something whose requests are not modelled. */
export class UnmodelledWiringError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnmodelledWiringError';
  }
}

/** An account admin, allowed everything by its identity policy, who runs the CLI. */
export const ADMIN_USER = (account: string) => `arn:aws:iam::${account}:user/clearance-admin`;
/** A session name `clearance subscribe` assumes the role with: `clearance-` and the operator's name (cli/identity.ts). */
export const CLI_SESSION = 'clearance-alice';
/** Sample endpoints for each protocol `clearance subscribe` supports. */
const SUBSCRIBE_ENDPOINTS: Record<string, (account: string, region: string) => string> = {
  sqs: (a, r) => `arn:aws:sqs:${r}:${a}:clearance-example-subscriber`,
  email: () => 'subscriber@example.com',
  https: () => 'https://example.com/clearance',
};

type Res = { Type?: string; Properties?: Record<string, unknown> };
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

/** What every kind of wiring reads: the policies, the resolver, and the functions by name and ARN. */
interface Wiring {
  readonly index: PolicyIndex;
  readonly resolver: Resolver;
  /** Function logical id by its resolved name and by its ARN. */
  readonly functionIds: ReadonlyMap<string, string>;
}

/** `requests`, each made by `principal` on behalf of `who`. */
const made = (who: string, principal: Principal, requests: IamRequest[]): OnBehalfRequest[] =>
  requests.map((request) => ({ who, principal, request }));

/** An AWS service acting for `sourceArn` of this account. */
const servicePrincipal = (resolver: Resolver, name: string, sourceArn: string): Principal => ({
  kind: 'service',
  service: name,
  sourceArn,
  sourceAccount: resolver.account,
});

/** A stream mapping: reading the stream, and parking failures in its on-failure destination, as the function's role. */
function mappingRequests(id: string, p: Record<string, unknown>, { index, resolver, functionIds }: Wiring) {
  const fn = functionIds.get(resolver.resolve(p.FunctionName, `${id}.FunctionName`));
  if (fn === undefined) throw new UnmodelledWiringError(`mapping ${id}: its function is not in the template`);
  const stream = resolver.resolve(p.EventSourceArn, `${id}.EventSourceArn`);
  if (!/^arn:aws:dynamodb:.*\/stream\//.test(stream))
    throw new UnmodelledWiringError(
      `mapping ${id}: only DynamoDB stream sources are modelled, not ${stream}`,
    );
  const lookup: ResourceLookup = {
    tableArn: (t) => index.tableArn(t),
    queueArn: (q) => index.queueArn(q),
    topicKeyArn: (t) => index.topicKeyArn(t),
    streamArnOfIterator: () => stream,
  };
  const calls: AwsCall[] = [
    { service: 'dynamodbstreams', operation: 'DescribeStream', input: { StreamArn: stream } },
    { service: 'dynamodbstreams', operation: 'GetShardIterator', input: { StreamArn: stream } },
    { service: 'dynamodbstreams', operation: 'GetRecords', input: { ShardIterator: 'iterator' } },
    { service: 'dynamodbstreams', operation: 'ListStreams', input: {} },
  ];
  const role: Principal = { kind: 'role', roleLogicalId: index.roleOfFunction(fn) };
  const who = `mapping ${id} (function ${fn})`;
  const out = made(
    who,
    role,
    calls.flatMap((c) => iamRequestsFor(c, lookup)),
  );
  const onFailure = (p.DestinationConfig as { OnFailure?: { Destination?: unknown } } | undefined)?.OnFailure;
  if (onFailure?.Destination !== undefined) {
    const dest = resolver.resolve(onFailure.Destination, `${id}.DestinationConfig`);
    if (dest.startsWith('arn:aws:sqs:'))
      out.push(...made(who, role, sendMessageRequests(dest, index.queueKeyArn(dest))));
    else if (dest.startsWith('arn:aws:sns:'))
      out.push(...made(who, role, publishRequests(dest, index.topicKeyArn(dest))));
    else throw new UnmodelledWiringError(`mapping ${id}: on-failure destination ${dest} is not modelled`);
  }
  return out;
}

/** An alarm: CloudWatch publishing to each SNS topic among its actions. */
function alarmRequests(id: string, p: Record<string, unknown>, { index, resolver }: Wiring) {
  const actions = ['AlarmActions', 'OKActions', 'InsufficientDataActions'].flatMap((k) =>
    list(p[k]).map((a) => resolver.resolve(a, `${id}.${k}`)),
  );
  const out: OnBehalfRequest[] = [];
  for (const topic of new Set(actions)) {
    if (!topic.startsWith('arn:aws:sns:'))
      throw new UnmodelledWiringError(`alarm ${id}: only SNS alarm actions are modelled, not ${topic}`);
    out.push(
      ...made(
        `alarm ${id}`,
        servicePrincipal(resolver, 'cloudwatch.amazonaws.com', resolver.arnOf(id)),
        publishRequests(topic, index.topicKeyArn(topic)),
      ),
    );
  }
  return out;
}

/** An EventBridge rule: invoking each function target. */
function ruleRequests(id: string, p: Record<string, unknown>, { resolver }: Wiring) {
  return (list(p.Targets) as Record<string, unknown>[]).flatMap((target) => {
    const arn = resolver.resolve(target.Arn, `${id}.Targets`);
    if (target.RoleArn !== undefined || !arn.startsWith('arn:aws:lambda:'))
      throw new UnmodelledWiringError(
        `rule ${id}: only function targets invoked without a role are modelled (${arn})`,
      );
    const request: IamRequest = {
      action: 'lambda:InvokeFunction',
      resource: arn,
      context: { 'aws:SecureTransport': 'true' },
    };
    return made(
      `rule ${id} (target ${String(target.Id)})`,
      servicePrincipal(resolver, 'events.amazonaws.com', resolver.arnOf(id)),
      [request],
    );
  });
}

/** A subscription: SNS delivering to its SQS endpoint and to its redrive DLQ. */
function deliveryRequests(id: string, p: Record<string, unknown>, { index, resolver }: Wiring) {
  const topic = resolver.resolve(p.TopicArn, `${id}.TopicArn`);
  const protocol = resolver.resolve(p.Protocol, `${id}.Protocol`);
  const sns = servicePrincipal(resolver, 'sns.amazonaws.com', topic);
  const queues: string[] = [];
  if (protocol === 'sqs') queues.push(resolver.resolve(p.Endpoint, `${id}.Endpoint`));
  else if (!['email', 'email-json', 'http', 'https', 'sms'].includes(protocol))
    throw new UnmodelledWiringError(`subscription ${id}: protocol ${protocol} is not modelled`);
  const redrive = p.RedrivePolicy as { deadLetterTargetArn?: unknown } | undefined;
  if (redrive?.deadLetterTargetArn !== undefined)
    queues.push(resolver.resolve(redrive.deadLetterTargetArn, `${id}.RedrivePolicy`));
  return queues.flatMap((queue) =>
    made(`subscription ${id}`, sns, sendMessageRequests(queue, index.queueKeyArn(queue))),
  );
}

/**
 * A trail: CloudTrail checking its bucket's ACL and writing log files (and,
 * with log file validation, digest files) under `AWSLogs/<account>/`, as
 * `cloudtrail.amazonaws.com` for the trail's ARN, with the ACL it always sets.
 */
function trailRequests(id: string, p: Record<string, unknown>, { resolver }: Wiring) {
  for (const unmodelled of ['KMSKeyId', 'SnsTopicName', 'CloudWatchLogsLogGroupArn'])
    if (p[unmodelled] !== undefined)
      throw new UnmodelledWiringError(`trail ${id}: ${unmodelled} is not modelled`);
  const bucket = `arn:aws:s3:::${resolver.resolve(p.S3BucketName, `${id}.S3BucketName`)}`;
  const prefix = p.S3KeyPrefix === undefined ? '' : `${resolver.resolve(p.S3KeyPrefix, id)}/`;
  const { account, region } = resolver;
  const logs = `${bucket}/${prefix}AWSLogs/${account}`;
  const write = (key: string): IamRequest => ({
    action: 's3:PutObject',
    resource: `${logs}/${key}`,
    context: { 'aws:SecureTransport': 'true', 's3:x-amz-acl': 'bucket-owner-full-control' },
  });
  const requests: IamRequest[] = [
    { action: 's3:GetBucketAcl', resource: bucket, context: { 'aws:SecureTransport': 'true' } },
    write(`CloudTrail/${region}/2026/01/01/${account}_CloudTrail_${region}_example.json.gz`),
  ];
  if (String(p.EnableLogFileValidation) === 'true')
    requests.push(
      write(`CloudTrail-Digest/${region}/2026/01/01/${account}_CloudTrail-Digest_example.json.gz`),
    );
  return made(
    `trail ${id}`,
    servicePrincipal(resolver, 'cloudtrail.amazonaws.com', resolver.arnOf(id)),
    requests,
  );
}

/** The requests of each kind of wiring, by resource type, in the order they are listed. */
const WIRINGS: ReadonlyArray<
  [type: string, requests: (id: string, p: Record<string, unknown>, wiring: Wiring) => OnBehalfRequest[]]
> = [
  ['AWS::Lambda::EventSourceMapping', mappingRequests],
  ['AWS::CloudWatch::Alarm', alarmRequests],
  ['AWS::Events::Rule', ruleRequests],
  ['AWS::SNS::Subscription', deliveryRequests],
  ['AWS::CloudTrail::Trail', trailRequests],
];

/**
 * Every request AWS makes on the stack's behalf (see the module comment),
 * each with the principal AWS uses for it.
 */
export function onBehalfRequests(
  template: CfnTemplate,
  index: PolicyIndex,
  resolver: Resolver,
): OnBehalfRequest[] {
  const resources = (template.Resources ?? {}) as Record<string, Res>;
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  const functionIds = new Map<string, string>();
  for (const [id] of ofType('AWS::Lambda::Function')) {
    functionIds.set(resolver.resolve({ Ref: id }, id), id);
    functionIds.set(resolver.arnOf(id), id);
  }
  const wiring: Wiring = { index, resolver, functionIds };
  const out: OnBehalfRequest[] = [];
  for (const [type, requests] of WIRINGS) {
    for (const [id, r] of ofType(type)) out.push(...requests(id, r.Properties ?? {}, wiring));
  }
  out.push(...subscribeRequests(template, index, resolver));
  return out;
}

/** `clearance subscribe`: assuming the subscription manager role, then subscribing and listing as it. */
function subscribeRequests(template: CfnTemplate, index: PolicyIndex, resolver: Resolver): OnBehalfRequest[] {
  const outputs = (template.Outputs ?? {}) as Record<string, { Value?: unknown }>;
  const roleOutput = outputs[SUBSCRIPTION_MANAGER_ROLE_OUTPUT];
  if (!roleOutput) return [];
  const resources = (template.Resources ?? {}) as Record<string, Res>;
  const roleArn = resolver.resolve(roleOutput.Value, SUBSCRIPTION_MANAGER_ROLE_OUTPUT);
  const roleId = Object.keys(resources).find(
    (id) => resources[id]?.Type === 'AWS::IAM::Role' && resolver.arnOf(id) === roleArn,
  );
  if (roleId === undefined)
    throw new UnmodelledWiringError(
      `output ${SUBSCRIPTION_MANAGER_ROLE_OUTPUT} names no role of the template`,
    );
  const audience = Object.entries(outputs)
    .filter(
      ([k]) =>
        new RegExp(`^${STACK_OUTPUTS.customerTopicArn}\\d*$`).test(k) ||
        k === STACK_OUTPUTS.logisticsTopicArn,
    )
    .map(([k, o]) => resolver.resolve(o.Value, k));
  const topics = Object.keys(resources)
    .filter((id) => resources[id]?.Type === 'AWS::SNS::Topic')
    .map((id) => resolver.arnOf(id));
  const lookup: ResourceLookup = index;
  const { account, region } = resolver;
  const admin: Principal = { kind: 'account-user', arn: ADMIN_USER(account) };
  const role: Principal = { kind: 'role', roleLogicalId: roleId, sessionName: CLI_SESSION };
  const calls = (principal: Principal, who: string, list: AwsCall[]): OnBehalfRequest[] =>
    list.flatMap((call) => {
      const protocol = typeof call.input.Protocol === 'string' ? ` (${call.input.Protocol})` : '';
      return iamRequestsFor(call, lookup).map((request) => ({
        who: `${who}${protocol}`,
        principal,
        request,
      }));
    });
  const seen = new Set<string>();
  const asRole = calls(role, `clearance subscribe as ${roleId}`, [
    ...[...new Set(audience)].flatMap((TopicArn) => [
      ...Object.entries(SUBSCRIBE_ENDPOINTS).map(([Protocol, endpoint]) => ({
        service: 'sns' as const,
        operation: 'Subscribe',
        input: { TopicArn, Protocol, Endpoint: endpoint(account, region) },
      })),
      ...['GetSubscriptionAttributes', 'Unsubscribe'].map((operation) => ({
        service: 'sns' as const,
        operation,
        input: { SubscriptionArn: `${TopicArn}:example-subscription` },
      })),
    ]),
    ...topics.map((TopicArn) => ({
      service: 'sns' as const,
      operation: 'ListSubscriptionsByTopic',
      input: { TopicArn },
    })),
  ]).filter((r) => {
    const key = JSON.stringify(r.request);
    return !seen.has(key) && seen.add(key) !== undefined;
  });
  return [
    ...calls(admin, `clearance subscribe (${ADMIN_USER(account)} assuming ${roleId})`, [
      { service: 'sts', operation: 'AssumeRole', input: { RoleArn: roleArn, RoleSessionName: CLI_SESSION } },
    ]),
    ...asRole,
  ];
}
