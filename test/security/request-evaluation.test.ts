/**
 * Request evaluation (local/iam): every request AWS makes on the stack's
 * behalf is judged against the synthesized template with iam-simulate, and
 * the walk from each alarm to its topic and key is proved to catch the ops
 * topic defect. Unit tests pin each call mapping and the judge's AWS rules on
 * small hand-written templates.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { synthTemplate } from '../../infra/app.js';
import { REPO_ROOT } from '../../infra/clearance-function.js';
import {
  type AwsCall,
  awsManagedKeyArn,
  createResolver,
  iamRequestsFor,
  onBehalfRequests,
  PolicyIndex,
  PolicyIndexError,
  type Principal,
  publishRequests,
  RequestJudge,
  ResolveError,
  type ResourceLookup,
  STATIC_NAMING,
} from '../../local/iam/index.js';
import type { CfnTemplate } from '../../local/template.js';

const { account: ACCOUNT, region: REGION } = STATIC_NAMING;
const OTHER_ACCOUNT = '444455556666';

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;
const resourcesOf = (t: CfnTemplate) => t.Resources as Resources;
const idsOf = (t: CfnTemplate, type: string) =>
  Object.entries(resourcesOf(t))
    .filter(([, r]) => r.Type === type)
    .map(([id]) => id);

function evaluator(template: CfnTemplate) {
  const resolver = createResolver(template, STATIC_NAMING);
  const index = PolicyIndex.fromTemplate(template, resolver);
  return { resolver, index, judge: new RequestJudge(index, resolver) };
}

/** Judges every on-behalf request; returns the count and one line per denial. */
async function judgeOnBehalf(template: CfnTemplate) {
  const { resolver, index, judge } = evaluator(template);
  const requests = onBehalfRequests(template, index, resolver);
  const verdicts = await Promise.all(requests.map((r) => judge.judge(r.principal, r.request)));
  const denials = verdicts.flatMap((v, i) => (v.allowed ? [] : [`${requests[i]?.who}: ${v.explanation}`]));
  return { requests, denials };
}

/**
 * For every alarm → each of its actions → the topic → the topic policy → the
 * topic's key: judges the publish as CloudWatch does it, and describes each
 * denial by that chain.
 */
async function walkAlarms(template: CfnTemplate) {
  const { resolver, index, judge } = evaluator(template);
  const lines: string[] = [];
  let judged = 0;
  for (const alarm of idsOf(template, 'AWS::CloudWatch::Alarm')) {
    const props = resourcesOf(template)[alarm]?.Properties ?? {};
    const actions = ['AlarmActions', 'OKActions', 'InsufficientDataActions'].flatMap((k) =>
      ((props[k] as unknown[] | undefined) ?? []).map((a) => resolver.resolve(a)),
    );
    for (const topic of actions) {
      const policy = index.resourcePolicy(topic);
      const key = index.topicKeyArn(topic);
      const cloudWatch: Principal = {
        kind: 'service',
        service: 'cloudwatch.amazonaws.com',
        sourceArn: resolver.arnOf(alarm),
        sourceAccount: ACCOUNT,
      };
      for (const request of publishRequests(topic, key)) {
        judged += 1;
        const verdict = await judge.judge(cloudWatch, request);
        if (!verdict.allowed)
          lines.push(
            `alarm ${alarm} → ${topic} (${policy?.source ?? 'no topic policy'}) → ${key ?? 'no key'}: ${verdict.explanation}`,
          );
      }
    }
  }
  return { judged, lines };
}

/** A copy of `template` without the Allow statements for cloudwatch.amazonaws.com (the stack before the fix). */
function withoutCloudWatchAllows(template: CfnTemplate): CfnTemplate {
  const copy = structuredClone(template);
  for (const r of Object.values(resourcesOf(copy))) {
    const doc = (r.Properties?.PolicyDocument ?? r.Properties?.KeyPolicy) as
      | { Statement: { Effect: string; Principal?: { Service?: string } }[] }
      | undefined;
    if (doc && (r.Type === 'AWS::SNS::TopicPolicy' || r.Type === 'AWS::KMS::Key'))
      doc.Statement = doc.Statement.filter(
        (s) => !(s.Effect === 'Allow' && s.Principal?.Service === 'cloudwatch.amazonaws.com'),
      );
  }
  return copy;
}

describe('requests AWS makes on the stack behalf', () => {
  let template: CfnTemplate;
  beforeAll(() => {
    template = synthTemplate();
  });

  it('allows every request AWS makes for the stack', async () => {
    const { requests, denials } = await judgeOnBehalf(template);
    console.info(`judged ${requests.length} on-behalf requests, ${denials.length} denied`);
    expect(denials, denials.join('\n')).toEqual([]);
    const whos = requests.map((r) => r.who.split(' ')[0]);
    for (const kind of ['mapping', 'alarm', 'rule', 'clearance', 'trail'])
      expect(whos.filter((w) => w === kind).length, kind).toBeGreaterThan(0);
    // CloudTrail: the ACL check, a log file and a digest file (log file validation).
    expect(requests.filter((r) => r.who.startsWith('trail ')).map((r) => r.request.action)).toEqual([
      's3:GetBucketAcl',
      's3:PutObject',
      's3:PutObject',
    ]);
    const alarms = idsOf(template, 'AWS::CloudWatch::Alarm');
    expect(requests.filter((r) => r.who.startsWith('alarm ')).length).toBe(alarms.length * 3);
  });

  it('lets every alarm notify its topic through the topic policy and the topic key', async () => {
    const { judged, lines } = await walkAlarms(template);
    expect(lines, lines.join('\n')).toEqual([]);
    expect(judged).toBe(idsOf(template, 'AWS::CloudWatch::Alarm').length * 3);
  });

  it('fails the walk over the template without the CloudWatch allows, naming the alarm, sns:Publish, the topic and the missing allow', async () => {
    const old = withoutCloudWatchAllows(template);
    const { lines } = await walkAlarms(old);
    console.info(`old template, first of ${lines.length} denials:\n${lines[0]}`);
    const { resolver } = evaluator(old);
    const opsTopic = resolver.arnOf(idsOf(old, 'AWS::SNS::Topic').find((id) => id.includes('Ops')) ?? '');
    const opsPolicy = idsOf(old, 'AWS::SNS::TopicPolicy').find((id) => id.includes('Ops'));
    for (const alarm of idsOf(old, 'AWS::CloudWatch::Alarm')) {
      const publish = lines.find((l) => l.startsWith(`alarm ${alarm} `) && l.includes('sns:Publish'));
      expect(publish, alarm).toContain(`may not sns:Publish on ${opsTopic}`);
      expect(publish).toContain(
        `no statement of the topic policy (${opsPolicy}) allows this service principal`,
      );
    }
    expect(lines.filter((l) => l.includes('may not kms:GenerateDataKey')).length).toBeGreaterThan(0);
  });

  it('fails when one identity grant is removed: the on-failure sqs:SendMessage of a mapping', async () => {
    const broken = structuredClone(template);
    const mapping = idsOf(broken, 'AWS::Lambda::EventSourceMapping')[0] ?? '';
    const { resolver, index } = evaluator(broken);
    const props = resourcesOf(broken)[mapping]?.Properties ?? {};
    const fn = (props.FunctionName as { Ref: string }).Ref;
    const role = index.roleOfFunction(fn);
    const dlq = resolver.resolve(
      (props.DestinationConfig as { OnFailure: { Destination: unknown } }).OnFailure.Destination,
    );
    let removed = 0;
    for (const id of idsOf(broken, 'AWS::IAM::Policy')) {
      const p = resourcesOf(broken)[id]?.Properties ?? {};
      if (JSON.stringify(p.Roles) !== JSON.stringify([{ Ref: role }])) continue;
      for (const s of (p.PolicyDocument as { Statement: { Action: string | string[] }[] }).Statement) {
        const actions = [s.Action].flat();
        if (actions.includes('sqs:SendMessage')) {
          s.Action = actions.filter((a) => a !== 'sqs:SendMessage');
          removed += 1;
        }
      }
    }
    expect(removed).toBe(1);
    const { denials } = await judgeOnBehalf(broken);
    expect(denials).toHaveLength(1);
    expect(denials[0]).toContain(`mapping ${mapping}`);
    expect(denials[0]).toContain(`may not sqs:SendMessage on ${dlq}`);
    expect(denials[0]).toContain(`no identity policy of role ${role}`);
  });

  it("fails when the audit bucket no longer lets this trail write: CloudTrail's delivery is denied", async () => {
    const broken = structuredClone(template);
    const policyId = idsOf(broken, 'AWS::S3::BucketPolicy')[0] ?? '';
    const doc = resourcesOf(broken)[policyId]?.Properties?.PolicyDocument as {
      Statement: { Sid?: string }[];
    };
    const before = doc.Statement.length;
    doc.Statement = doc.Statement.filter((st) => st.Sid !== 'CloudTrailWrite');
    expect(doc.Statement).toHaveLength(before - 1);
    const { denials } = await judgeOnBehalf(broken);
    const trail = idsOf(broken, 'AWS::CloudTrail::Trail')[0] ?? '';
    expect(denials).toHaveLength(2);
    for (const denial of denials) {
      expect(denial).toContain(`trail ${trail}: cloudtrail.amazonaws.com may not s3:PutObject`);
      expect(denial).toContain(
        `no statement of the bucket policy (${policyId}) allows this service principal`,
      );
    }
  });

  it('rejects CloudWatch publishing for an alarm of another stack or account', async () => {
    const { resolver, judge } = evaluator(template);
    const ops = resolver.arnOf(idsOf(template, 'AWS::SNS::Topic').find((id) => id.includes('Ops')) ?? '');
    const publish = { action: 'sns:Publish', resource: ops, context: { 'aws:SecureTransport': 'true' } };
    const foreign = `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:someone-elses-alarm`;
    const stranger = await judge.judge(
      { kind: 'service', service: 'cloudwatch.amazonaws.com', sourceArn: foreign, sourceAccount: ACCOUNT },
      publish,
    );
    expect(stranger.decision).toBe('ImplicitlyDenied');
    expect(stranger.explanation).toContain('AllowCloudWatchAlarms');
    expect(stranger.explanation).toContain('aws:SourceArn does not hold');
    const alarm = resolver.arnOf(idsOf(template, 'AWS::CloudWatch::Alarm')[0] ?? '');
    const otherAccount = await judge.judge(
      {
        kind: 'service',
        service: 'cloudwatch.amazonaws.com',
        sourceArn: alarm,
        sourceAccount: OTHER_ACCOUNT,
      },
      publish,
    );
    expect(otherAccount.decision).toBe('ImplicitlyDenied');
  });

  it('keeps the ops topic policy far under the 30 KB SNS limit, even with 255-character alarm names', () => {
    const overrides = Object.fromEntries(
      idsOf(template, 'AWS::CloudWatch::Alarm').map((id) => [id, `Clearance-${id}-`.padEnd(255, 'X')]),
    );
    const resolver = createResolver(template, { ...STATIC_NAMING, overrides });
    const index = PolicyIndex.fromTemplate(template, resolver);
    const ops = resolver.arnOf(idsOf(template, 'AWS::SNS::Topic').find((id) => id.includes('Ops')) ?? '');
    const size = JSON.stringify(index.resourcePolicy(ops)?.document).length;
    expect(size).toBeLessThan(15_000);
  });
});

describe('iamRequestsFor', () => {
  const table = (name: string) => `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${name}`;
  const topic = `arn:aws:sns:${REGION}:${ACCOUNT}:Topic`;
  const plainTopic = `arn:aws:sns:${REGION}:${ACCOUNT}:Plain`;
  const key = `arn:aws:kms:${REGION}:${ACCOUNT}:key/K`;
  const queueUrl = `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/Q`;
  const queue = `arn:aws:sqs:${REGION}:${ACCOUNT}:Q`;
  const stream = `${table('T')}/stream/2026-01-01T00:00:00.000`;
  const lookup: ResourceLookup = {
    tableArn: (t) => (t.startsWith('arn:') ? t : table(t)),
    queueArn: (u) => (u === queueUrl ? queue : `unknown ${u}`),
    topicKeyArn: (t) => (t === topic ? key : undefined),
    streamArnOfIterator: (it) => (it === 'shard-iterator' ? stream : `unknown ${it}`),
  };
  const map = (service: AwsCall['service'], operation: string, input: Record<string, unknown> = {}) =>
    iamRequestsFor({ service, operation, input }, lookup).map((r) => [r.action, r.resource]);
  const tls = { 'aws:SecureTransport': 'true' };

  it('maps each TransactWriteItems item to its own action on its own table', () => {
    expect(
      map('dynamodb', 'TransactWriteItems', {
        TransactItems: [
          { Put: { TableName: 'A', Item: {} } },
          { Update: { TableName: 'B', Key: {} } },
          { Delete: { TableName: 'A', Key: {} } },
          { ConditionCheck: { TableName: table('C'), Key: {} } },
        ],
      }),
    ).toEqual([
      ['dynamodb:PutItem', table('A')],
      ['dynamodb:UpdateItem', table('B')],
      ['dynamodb:DeleteItem', table('A')],
      ['dynamodb:ConditionCheckItem', table('C')],
    ]);
  });

  it('maps TransactGetItems to GetItem per item', () => {
    expect(
      map('dynamodb', 'TransactGetItems', {
        TransactItems: [{ Get: { TableName: 'A', Key: {} } }, { Get: { TableName: 'B', Key: {} } }],
      }),
    ).toEqual([
      ['dynamodb:GetItem', table('A')],
      ['dynamodb:GetItem', table('B')],
    ]);
  });

  it('maps BatchWriteItem and BatchGetItem to that action per table', () => {
    for (const op of ['BatchWriteItem', 'BatchGetItem'])
      expect(map('dynamodb', op, { RequestItems: { A: [], B: [] } })).toEqual([
        [`dynamodb:${op}`, table('A')],
        [`dynamodb:${op}`, table('B')],
      ]);
  });

  it('maps Query and Scan on an index to the index ARN, and without one to the table', () => {
    expect(map('dynamodb', 'Query', { TableName: 'T', IndexName: 'byLicenseHeld' })).toEqual([
      ['dynamodb:Query', `${table('T')}/index/byLicenseHeld`],
    ]);
    expect(map('dynamodb', 'Scan', { TableName: 'T', IndexName: 'i' })).toEqual([
      ['dynamodb:Scan', `${table('T')}/index/i`],
    ]);
    expect(map('dynamodb', 'Query', { TableName: 'T' })).toEqual([['dynamodb:Query', table('T')]]);
  });

  it.each(['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'DescribeTable'])(
    'maps %s to the table',
    (op) => {
      expect(map('dynamodb', op, { TableName: 'T' })).toEqual([[`dynamodb:${op}`, table('T')]]);
    },
  );

  it('maps stream reads to the stream ARN, GetRecords through the iterator hook, ListStreams to "*"', () => {
    expect(map('dynamodbstreams', 'DescribeStream', { StreamArn: stream })).toEqual([
      ['dynamodb:DescribeStream', stream],
    ]);
    expect(map('dynamodbstreams', 'GetShardIterator', { StreamArn: stream, ShardId: 's' })).toEqual([
      ['dynamodb:GetShardIterator', stream],
    ]);
    expect(map('dynamodbstreams', 'GetRecords', { ShardIterator: 'shard-iterator' })).toEqual([
      ['dynamodb:GetRecords', stream],
    ]);
    expect(map('dynamodbstreams', 'ListStreams')).toEqual([['dynamodb:ListStreams', '*']]);
    const { streamArnOfIterator: _, ...withoutHook } = lookup;
    expect(() =>
      iamRequestsFor(
        { service: 'dynamodbstreams', operation: 'GetRecords', input: { ShardIterator: 'x' } },
        withoutHook,
      ),
    ).toThrow(/streamArnOfIterator/);
  });

  it('maps Publish and PublishBatch to sns:Publish plus the key uses through SNS on an encrypted topic', () => {
    for (const op of ['Publish', 'PublishBatch']) {
      const requests = iamRequestsFor(
        {
          service: 'sns',
          operation: op,
          input: { TopicArn: topic, PublishBatchRequestEntries: [], Message: 'm' },
        },
        lookup,
      );
      const via = { ...tls, 'kms:ViaService': `sns.${REGION}.amazonaws.com` };
      expect(requests).toEqual([
        { action: 'sns:Publish', resource: topic, context: tls },
        { action: 'kms:GenerateDataKey', resource: key, context: via },
        { action: 'kms:Decrypt', resource: key, context: via },
      ]);
    }
    expect(map('sns', 'Publish', { TopicArn: plainTopic, Message: 'm' })).toEqual([
      ['sns:Publish', plainTopic],
    ]);
  });

  it('maps Subscribe with its protocol and endpoint, and the topic reads to the topic', () => {
    const [subscribe] = iamRequestsFor(
      {
        service: 'sns',
        operation: 'Subscribe',
        input: { TopicArn: topic, Protocol: 'sqs', Endpoint: queue },
      },
      lookup,
    );
    expect(subscribe).toEqual({
      action: 'sns:Subscribe',
      resource: topic,
      context: { ...tls, 'sns:Protocol': 'sqs', 'sns:Endpoint': queue },
    });
    for (const op of ['ListSubscriptionsByTopic', 'GetTopicAttributes'])
      expect(map('sns', op, { TopicArn: topic })).toEqual([[`sns:${op}`, topic]]);
  });

  it.each(['Unsubscribe', 'GetSubscriptionAttributes', 'SetSubscriptionAttributes'])(
    'maps %s to "*", as SNS has no IAM resource type for subscriptions',
    (op) => {
      expect(map('sns', op, { SubscriptionArn: `${topic}:1111-2222` })).toEqual([[`sns:${op}`, '*']]);
    },
  );

  it.each([
    ['SendMessage', 'sqs:SendMessage'],
    ['SendMessageBatch', 'sqs:SendMessage'],
    ['ReceiveMessage', 'sqs:ReceiveMessage'],
    ['DeleteMessage', 'sqs:DeleteMessage'],
    ['DeleteMessageBatch', 'sqs:DeleteMessage'],
    ['GetQueueAttributes', 'sqs:GetQueueAttributes'],
    ['SetQueueAttributes', 'sqs:SetQueueAttributes'],
    ['PurgeQueue', 'sqs:PurgeQueue'],
    ['ChangeMessageVisibility', 'sqs:ChangeMessageVisibility'],
  ])('maps SQS %s to %s on the queue ARN', (op, action) => {
    expect(map('sqs', op, { QueueUrl: queueUrl })).toEqual([[action, queue]]);
  });

  it('adds the key uses through SQS for a KMS-encrypted queue when the lookup knows its key', () => {
    const withKey = { ...lookup, queueKeyArn: () => key };
    const send = iamRequestsFor(
      { service: 'sqs', operation: 'SendMessage', input: { QueueUrl: queueUrl } },
      withKey,
    );
    expect(send.map((r) => r.action)).toEqual(['sqs:SendMessage', 'kms:GenerateDataKey', 'kms:Decrypt']);
    expect(send[1]?.context['kms:ViaService']).toBe(`sqs.${REGION}.amazonaws.com`);
    const receive = iamRequestsFor(
      { service: 'sqs', operation: 'ReceiveMessage', input: { QueueUrl: queueUrl } },
      withKey,
    );
    expect(receive.map((r) => r.action)).toEqual(['sqs:ReceiveMessage', 'kms:Decrypt']);
  });

  it('maps AssumeRole to the role ARN with the session name', () => {
    const role = `arn:aws:iam::${ACCOUNT}:role/R`;
    expect(
      iamRequestsFor(
        { service: 'sts', operation: 'AssumeRole', input: { RoleArn: role, RoleSessionName: 's' } },
        lookup,
      ),
    ).toEqual([
      { action: 'sts:AssumeRole', resource: role, context: { ...tls, 'sts:RoleSessionName': 's' } },
    ]);
  });

  it('marks every request as made over TLS', () => {
    const calls: AwsCall[] = [
      { service: 'dynamodb', operation: 'BatchGetItem', input: { RequestItems: { A: {} } } },
      { service: 'dynamodbstreams', operation: 'ListStreams', input: {} },
      { service: 'sns', operation: 'Publish', input: { TopicArn: topic } },
      { service: 'sqs', operation: 'PurgeQueue', input: { QueueUrl: queueUrl } },
    ];
    for (const r of calls.flatMap((c) => iamRequestsFor(c, lookup)))
      expect(r.context['aws:SecureTransport']).toBe('true');
  });

  it.each([
    ['dynamodb', 'CreateTable', /dynamodb CreateTable/],
    ['dynamodbstreams', 'ListShards', /dynamodbstreams ListShards/],
    ['sns', 'CreateTopic', /sns CreateTopic/],
    ['sqs', 'CreateQueue', /sqs CreateQueue/],
    ['sts', 'AssumeRoleWithWebIdentity', /sts AssumeRoleWithWebIdentity/],
  ] as const)('rejects the unknown %s operation %s, naming both', (service, operation, message) => {
    expect(() => iamRequestsFor({ service, operation, input: {} }, lookup)).toThrow(message);
  });
});

describe('RequestJudge on small templates', () => {
  const doc = (...Statement: object[]) => ({ Version: '2012-10-17', Statement });
  const trust = (principal: object) =>
    doc({ Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole' });
  const role = (...statements: object[]) => ({
    Type: 'AWS::IAM::Role',
    Properties: {
      AssumeRolePolicyDocument: trust({ Service: 'lambda.amazonaws.com' }),
      ...(statements.length > 0
        ? { Policies: [{ PolicyName: 'inline', PolicyDocument: doc(...statements) }] }
        : {}),
    },
  });
  const allow = (Action: string, Resource: unknown) => ({ Effect: 'Allow', Action, Resource });
  const tiny = (Resources: Record<string, unknown>) => evaluator({ Resources });
  const asRole = (roleLogicalId: string): Principal => ({ kind: 'role', roleLogicalId });
  const call = (action: string, resource: string) => ({
    action,
    resource,
    context: { 'aws:SecureTransport': 'true' },
  });
  const topicArn = `arn:aws:sns:${REGION}:${ACCOUNT}:Topic`;
  const keyArn = `arn:aws:kms:${REGION}:${ACCOUNT}:key/Key`;
  const rootArn = `arn:aws:iam::${ACCOUNT}:root`;

  it('allows a request an identity policy allows', async () => {
    const { judge } = tiny({
      Writer: role(allow('sns:Publish', { Ref: 'Topic' })),
      Topic: { Type: 'AWS::SNS::Topic' },
    });
    const v = await judge.judge(asRole('Writer'), call('sns:Publish', topicArn));
    expect(v.decision).toBe('Allowed');
    expect(v.principal).toBe(`arn:aws:iam::${ACCOUNT}:role/Writer`);
    expect(v.explanation).toBe(
      `role Writer may sns:Publish on ${topicArn}: allowed by statement #1 of identity policy Writer.Policies[inline]`,
    );
  });

  it('denies implicitly what no policy allows, saying what is missing', async () => {
    const { judge } = tiny({ Reader: role(), Topic: { Type: 'AWS::SNS::Topic' } });
    const v = await judge.judge(asRole('Reader'), call('sns:Publish', topicArn));
    expect(v).toMatchObject({ allowed: false, decision: 'ImplicitlyDenied' });
    expect(v.explanation).toBe(
      `role Reader may not sns:Publish on ${topicArn}: no identity policy of role Reader (none) allows it, and the resource has no resource policy`,
    );
  });

  it('lets an explicit Deny in a resource policy win over an identity allow', async () => {
    const { judge } = tiny({
      Writer: role(allow('sns:Publish', { Ref: 'Topic' })),
      Topic: { Type: 'AWS::SNS::Topic' },
      Policy: {
        Type: 'AWS::SNS::TopicPolicy',
        Properties: {
          Topics: [{ Ref: 'Topic' }],
          PolicyDocument: doc({
            Sid: 'DenyWriter',
            Effect: 'Deny',
            Principal: '*',
            Action: 'sns:Publish',
            Resource: { Ref: 'Topic' },
            Condition: { ArnEquals: { 'aws:PrincipalArn': { 'Fn::GetAtt': ['Writer', 'Arn'] } } },
          }),
        },
      },
    });
    const v = await judge.judge(asRole('Writer'), call('sns:Publish', topicArn));
    expect(v.decision).toBe('ExplicitlyDenied');
    expect(v.explanation).toContain('explicitly denied by statement DenyWriter of the topic policy (Policy)');
  });

  it('lets an explicit Deny in an identity policy win over its own allow', async () => {
    const { judge } = tiny({
      Writer: role(allow('sns:*', '*'), {
        Sid: 'NoPublish',
        Effect: 'Deny',
        Action: 'sns:Publish',
        Resource: '*',
      }),
      Topic: { Type: 'AWS::SNS::Topic' },
    });
    const v = await judge.judge(asRole('Writer'), call('sns:Publish', topicArn));
    expect(v.decision).toBe('ExplicitlyDenied');
    expect(v.explanation).toContain('statement NoPublish of identity policy Writer.Policies[inline]');
  });

  it('allows a service principal only through the resource policy, and a same-account role by either', async () => {
    const topicPolicy = (...statements: object[]) => ({
      Type: 'AWS::SNS::TopicPolicy',
      Properties: { Topics: [{ Ref: 'Topic' }], PolicyDocument: doc(...statements) },
    });
    const cloudWatch: Principal = {
      kind: 'service',
      service: 'cloudwatch.amazonaws.com',
      sourceAccount: ACCOUNT,
    };
    const withAllow = tiny({
      Topic: { Type: 'AWS::SNS::Topic' },
      Named: role(),
      Policy: topicPolicy(
        {
          Sid: 'Alarms',
          Effect: 'Allow',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: 'sns:Publish',
          Resource: { Ref: 'Topic' },
          Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
        },
        {
          Sid: 'NamedRole',
          Effect: 'Allow',
          Principal: { AWS: { 'Fn::GetAtt': ['Named', 'Arn'] } },
          Action: 'sns:Publish',
          Resource: { Ref: 'Topic' },
        },
      ),
    });
    expect((await withAllow.judge.judge(cloudWatch, call('sns:Publish', topicArn))).decision).toBe('Allowed');
    expect((await withAllow.judge.judge(asRole('Named'), call('sns:Publish', topicArn))).decision).toBe(
      'Allowed',
    );
    const withoutAllow = tiny({
      Topic: { Type: 'AWS::SNS::Topic' },
      Policy: topicPolicy({
        Effect: 'Allow',
        Principal: { AWS: rootArn },
        Action: 'sns:Publish',
        Resource: '*',
      }),
    });
    const v = await withoutAllow.judge.judge(cloudWatch, call('sns:Publish', topicArn));
    expect(v.decision).toBe('ImplicitlyDenied');
    expect(v.explanation).toBe(
      `cloudwatch.amazonaws.com may not sns:Publish on ${topicArn}: no statement of the topic policy (Policy) allows this service principal`,
    );
  });

  it('needs a key policy allow, directly or delegated to the account root plus an identity allow', async () => {
    const key = (...statements: object[]) => ({
      Type: 'AWS::KMS::Key',
      Properties: { KeyPolicy: doc(...statements) },
    });
    const rootStatement = { Effect: 'Allow', Principal: { AWS: rootArn }, Action: 'kms:*', Resource: '*' };
    const granted = role(allow('kms:Decrypt', { 'Fn::GetAtt': ['Key', 'Arn'] }));
    const delegated = tiny({ Key: key(rootStatement), Granted: granted, Plain: role() });
    expect((await delegated.judge.judge(asRole('Granted'), call('kms:Decrypt', keyArn))).decision).toBe(
      'Allowed',
    );
    const plain = await delegated.judge.judge(asRole('Plain'), call('kms:Decrypt', keyArn));
    expect(plain.decision).toBe('ImplicitlyDenied');
    expect(plain.explanation).toContain(
      'the key policy (Key) delegates to IAM, but no identity policy of role Plain',
    );

    const direct = {
      Effect: 'Allow',
      Principal: { AWS: { 'Fn::GetAtt': ['Plain', 'Arn'] } },
      Action: 'kms:Decrypt',
      Resource: '*',
    };
    const undelegated = tiny({ Key: key(direct), Granted: granted, Plain: role() });
    const v = await undelegated.judge.judge(asRole('Granted'), call('kms:Decrypt', keyArn));
    expect(v.decision).toBe('ImplicitlyDenied');
    expect(v.explanation).toContain('neither allows role Granted nor delegates to the account (root)');
    expect((await undelegated.judge.judge(asRole('Plain'), call('kms:Decrypt', keyArn))).decision).toBe(
      'Allowed',
    );
  });

  it('needs the trust policy for sts:AssumeRole, and an identity allow when it trusts the account root', async () => {
    const target = (principal: object) => ({
      Type: 'AWS::IAM::Role',
      Properties: { AssumeRolePolicyDocument: trust(principal) },
    });
    const { judge, resolver } = tiny({
      // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax
      ByRoot: target({ AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' } }),
      ByName: target({ AWS: { 'Fn::GetAtt': ['Caller', 'Arn'] } }),
      Caller: role(),
    });
    const assume = (id: string) => call('sts:AssumeRole', resolver.arnOf(id));
    const admin: Principal = { kind: 'account-user', arn: `arn:aws:iam::${ACCOUNT}:user/admin` };
    expect((await judge.judge(admin, assume('ByRoot'))).decision).toBe('Allowed');
    const caller = await judge.judge(asRole('Caller'), assume('ByRoot'));
    expect(caller.decision).toBe('ImplicitlyDenied');
    expect(caller.explanation).toContain(
      'the trust policy (ByRoot) trusts the account, but no identity policy of role Caller',
    );
    expect((await judge.judge(asRole('Caller'), assume('ByName'))).decision).toBe('Allowed');
    const foreign = await judge.judge(
      { kind: 'account-user', arn: `arn:aws:iam::${OTHER_ACCOUNT}:user/x` },
      assume('ByRoot'),
    );
    expect(foreign.decision).toBe('ImplicitlyDenied');
  });

  it('judges a Lambda permission with its SourceArn condition', async () => {
    const { judge, resolver } = tiny({
      Fn: { Type: 'AWS::Lambda::Function', Properties: { Role: { 'Fn::GetAtt': ['FnRole', 'Arn'] } } },
      FnRole: role(),
      Rule: { Type: 'AWS::Events::Rule' },
      Invoke: {
        Type: 'AWS::Lambda::Permission',
        Properties: {
          Action: 'lambda:InvokeFunction',
          FunctionName: { 'Fn::GetAtt': ['Fn', 'Arn'] },
          Principal: 'events.amazonaws.com',
          SourceArn: { 'Fn::GetAtt': ['Rule', 'Arn'] },
        },
      },
    });
    const invoke = call('lambda:InvokeFunction', resolver.arnOf('Fn'));
    const events = (sourceArn: string): Principal => ({
      kind: 'service',
      service: 'events.amazonaws.com',
      sourceArn,
    });
    expect((await judge.judge(events(resolver.arnOf('Rule')), invoke)).decision).toBe('Allowed');
    const other = await judge.judge(events(`arn:aws:events:${REGION}:${ACCOUNT}:rule/Other`), invoke);
    expect(other.decision).toBe('ImplicitlyDenied');
    expect(other.explanation).toContain('its condition on aws:SourceArn does not hold');
  });

  it('rejects SNS delivery to a queue encrypted with the AWS-managed alias/aws/sqs key', async () => {
    const template = {
      Resources: {
        Topic: { Type: 'AWS::SNS::Topic' },
        Queue: { Type: 'AWS::SQS::Queue', Properties: { KmsMasterKeyId: 'alias/aws/sqs' } },
        QueuePolicy: {
          Type: 'AWS::SQS::QueuePolicy',
          Properties: {
            Queues: [{ Ref: 'Queue' }],
            PolicyDocument: doc({
              Effect: 'Allow',
              Principal: { Service: 'sns.amazonaws.com' },
              Action: 'sqs:SendMessage',
              Resource: { 'Fn::GetAtt': ['Queue', 'Arn'] },
              Condition: { ArnEquals: { 'aws:SourceArn': { Ref: 'Topic' } } },
            }),
          },
        },
        Subscription: {
          Type: 'AWS::SNS::Subscription',
          Properties: {
            TopicArn: { Ref: 'Topic' },
            Protocol: 'sqs',
            Endpoint: { 'Fn::GetAtt': ['Queue', 'Arn'] },
          },
        },
      },
    };
    const { requests, denials } = await judgeOnBehalf(template);
    const resolver = createResolver(template, STATIC_NAMING);
    expect(requests.map((r) => r.request.action)).toEqual([
      'sqs:SendMessage',
      'kms:GenerateDataKey',
      'kms:Decrypt',
    ]);
    expect(denials).toHaveLength(2);
    ['kms:GenerateDataKey', 'kms:Decrypt'].forEach((action, i) => {
      expect(denials[i]).toContain(
        `subscription Subscription: sns.amazonaws.com may not ${action} on ${awsManagedKeyArn('sqs', resolver)}: no statement of the key policy (alias/aws/sqs) allows this service principal`,
      );
      // The AWS-managed key serves principals of the account only; SNS acting for itself has none.
      expect(denials[i]).toContain('kms:CallerAccount does not hold');
    });
  });
});

describe('template resolution', () => {
  const template: CfnTemplate = {
    Parameters: { Stage: { Type: 'String', Default: 'prod' } },
    Resources: {
      Table: { Type: 'AWS::DynamoDB::Table' },
      Topic: { Type: 'AWS::SNS::Topic' },
      Queue: { Type: 'AWS::SQS::Queue' },
      Cluster: { Type: 'AWS::ECS::Cluster' },
    },
  };

  it('resolves pseudo parameters, parameters and Fn::Sub, Fn::Join, Fn::Select and Fn::Split', () => {
    const r = createResolver(template, STATIC_NAMING);
    expect(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax
      r.resolve({ 'Fn::Sub': '${AWS::Partition}:${AWS::Region}:${AWS::AccountId}:${AWS::URLSuffix}' }),
    ).toBe(`aws:${REGION}:${ACCOUNT}:amazonaws.com`);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax
    expect(r.resolve({ 'Fn::Sub': ['${Table.Arn}/${Name}/${!Literal}', { Name: { Ref: 'Stage' } }] })).toBe(
      `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/Table/prod/\${Literal}`,
    );
    expect(r.resolve({ 'Fn::Select': [1, { 'Fn::Split': [':', { Ref: 'Topic' }] }] })).toBe('aws');
    expect(
      r.resolve({ 'Fn::Join': ['-', [{ Ref: 'AWS::StackName' }, { 'Fn::GetAtt': ['Queue', 'QueueName'] }]] }),
    ).toBe('Clearance-Queue');
    expect(r.resolve({ Ref: 'Queue' })).toBe(`https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/Queue`);
    expect(r.resolve({ 'Fn::GetAtt': ['Table', 'StreamArn'] })).toMatch(
      /table\/Table\/stream\/2026-01-01T00:00:00\.000$/,
    );
  });

  it('derives every attribute from an overridden physical name', () => {
    const r = createResolver(template, {
      ...STATIC_NAMING,
      overrides: {
        Table: 'licenses-1',
        Topic: `arn:aws:sns:${REGION}:${ACCOUNT}:ops-1`,
        'Table.StreamArn': 's',
      },
    });
    expect(r.arnOf('Table')).toBe(`arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/licenses-1`);
    expect(r.resolve({ 'Fn::GetAtt': ['Topic', 'TopicName'] })).toBe('ops-1');
    expect(r.resolve({ 'Fn::GetAtt': ['Table', 'StreamArn'] })).toBe('s');
  });

  it('names a trail by its TrailName, and a bucket by its logical id', () => {
    const r = createResolver(
      {
        Resources: {
          Trail: {
            Type: 'AWS::CloudTrail::Trail',
            Properties: { TrailName: { 'Fn::Join': ['-', [{ Ref: 'AWS::StackName' }, 't']] } },
          },
          Bucket: { Type: 'AWS::S3::Bucket' },
        },
      },
      STATIC_NAMING,
    );
    expect(r.arnOf('Trail')).toBe(`arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/Clearance-t`);
    expect(r.arnOf('Bucket')).toBe('arn:aws:s3:::Bucket');
  });

  it('rejects a resource type it does not model, naming the logical id and the type', () => {
    const r = createResolver(template, STATIC_NAMING);
    expect(() => r.resolve({ Ref: 'Cluster' })).toThrow(ResolveError);
    expect(() => r.resolve({ Ref: 'Cluster' })).toThrow(/Cluster.*AWS::ECS::Cluster/);
    expect(() => r.resolve({ 'Fn::If': ['C', 'a', 'b'] })).toThrow(/Fn::If/);
  });

  it('rejects a managed policy it cannot see, and two topic policies on one topic', () => {
    const lambdaRole = {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: { Statement: [] },
        ManagedPolicyArns: ['arn:aws:iam::aws:policy/AdministratorAccess'],
      },
    };
    const withManaged = { Resources: { Role: lambdaRole } };
    expect(() => PolicyIndex.fromTemplate(withManaged, createResolver(withManaged, STATIC_NAMING))).toThrow(
      /role Role attaches the managed policy arn:aws:iam::aws:policy\/AdministratorAccess/,
    );
    const policy = {
      Type: 'AWS::SNS::TopicPolicy',
      Properties: { Topics: [{ Ref: 'Topic' }], PolicyDocument: { Statement: [] } },
    };
    const twice = { Resources: { Topic: { Type: 'AWS::SNS::Topic' }, A: policy, B: policy } };
    expect(() => PolicyIndex.fromTemplate(twice, createResolver(twice, STATIC_NAMING))).toThrow(
      PolicyIndexError,
    );
  });
});

describe('the AGPL boundary', () => {
  it('keeps iam-simulate and local/iam out of functions, shared, cli and infra', () => {
    const files = ['functions', 'shared', 'cli', 'infra'].flatMap((dir) =>
      readdirSync(join(REPO_ROOT, dir), { recursive: true, encoding: 'utf8' })
        .filter((file) => /\.[cm]?[jt]s$/.test(file))
        .map((file) => join(dir, file)),
    );
    expect(files.length).toBeGreaterThan(20);
    const offenders = files.filter((f) =>
      /@cloud-copilot\/|local\/iam/.test(readFileSync(join(REPO_ROOT, f), 'utf8')),
    );
    expect(offenders).toEqual([]);
  });
});
