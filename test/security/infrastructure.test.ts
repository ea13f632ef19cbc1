/**
 * What the synthesized stack enforces: least-privilege IAM, encryption and
 * TLS on every topic and queue, and who may subscribe to customer data.
 * Every exception to a rule is listed here, with the reason it is needed.
 */
import { anonymousPrincipal, getDenialReasons, runSimulation } from '@cloud-copilot/iam-simulate';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/app.js';
import { SUBSCRIPTION_MANAGER_ROLE_OUTPUT } from '../../infra/stack.js';
import {
  CLI_SESSION,
  createResolver,
  type IamRequest,
  PolicyIndex,
  type Principal,
  RequestJudge,
  type Resolver,
  STATIC_NAMING,
  type Verdict,
} from '../../local/iam/index.js';

const { account: ACCOUNT } = STATIC_NAMING;
const OTHER_ACCOUNT = '444455556666';

interface Resource {
  Type: string;
  Properties?: Record<string, unknown>;
}
interface Template {
  [key: string]: unknown;
  Resources: Record<string, Resource>;
  Outputs: Record<string, { Value: unknown }>;
}
interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}
interface Located {
  /** Logical id and property of the policy document. */
  where: string;
  type: string;
  statement: Statement;
}

function synth(context: Record<string, unknown> = {}): Template {
  const { app, stack } = buildApp({ skipBundling: true, validateTemplate: false, context });
  return app.synth().getStackByName(stack.stackName).template as Template;
}

/** Every statement of every policy document in the template: identity, resource, key and trust policies. */
function allStatements(t: Template): Located[] {
  const out: Located[] = [];
  for (const [id, r] of Object.entries(t.Resources)) {
    const p = r.Properties ?? {};
    const docs: [string, unknown][] = [];
    for (const key of ['PolicyDocument', 'KeyPolicy', 'AssumeRolePolicyDocument'])
      if (p[key]) docs.push([key, p[key]]);
    for (const inline of (p.Policies as { PolicyDocument: unknown }[] | undefined) ?? [])
      docs.push(['Policies', inline.PolicyDocument]);
    for (const [key, doc] of docs)
      for (const statement of (doc as { Statement: Statement[] }).Statement)
        out.push({ where: `${id}.${key}`, type: r.Type, statement });
  }
  return out;
}

const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);
const actionsOf = (s: Statement): string[] => asList(s.Action).map(String);
const isRootPrincipal = (p: unknown) => JSON.stringify(p).includes(':root');

/**
 * Allow statements with a wildcard action. The only one: the KMS key
 * administration statement CDK writes into each key's policy (topic keys, subscription DLQ key).
 */
const WILDCARD_ACTION_EXCEPTIONS: { matches: (l: Located) => boolean; why: string }[] = [
  {
    matches: (l) =>
      l.type === 'AWS::KMS::Key' &&
      isRootPrincipal(l.statement.Principal) &&
      actionsOf(l.statement).join() === 'kms:*',
    why:
      'A key policy must let the account (root) administer the key, or the key becomes unmanageable ' +
      'and only AWS support can recover it. It grants nothing by itself: it delegates to IAM policies, ' +
      'and no IAM policy in this stack allows a kms:* action.',
  },
];

/** Actions that may be allowed on Resource "*", and why nothing narrower exists. */
const STAR_RESOURCE_EXCEPTIONS: Record<string, string> = {
  'xray:PutTraceSegments': 'X-Ray has no resource-level permissions (active tracing).',
  'xray:PutTelemetryRecords': 'X-Ray has no resource-level permissions (active tracing).',
  'dynamodb:ListStreams': 'ListStreams takes no resource ARN; the stream reads are scoped to the stream ARN.',
  'sns:Unsubscribe': 'SNS defines no IAM resource type for subscriptions (SubscriptionManagerRole).',
  'sns:GetSubscriptionAttributes':
    'SNS defines no IAM resource type for subscriptions (SubscriptionManagerRole).',
  'sns:SetSubscriptionAttributes':
    'SNS defines no IAM resource type for subscriptions (SubscriptionManagerRole).',
};

let t: Template;
let resolver: Resolver;
let judge: RequestJudge;
const idOf = (type: string, contains: string): string => {
  const ids = Object.entries(t.Resources)
    .filter(([id, r]) => r.Type === type && id.includes(contains))
    .map(([id]) => id);
  if (ids.length !== 1) throw new Error(`expected one ${type} with ${contains}, found ${ids.join(', ')}`);
  return ids[0] as string;
};

/** The request evaluator (local/iam) over `template`, with the static naming. */
function evaluatorFor(template: Template): { resolver: Resolver; judge: RequestJudge } {
  const r = createResolver(template, STATIC_NAMING);
  return { resolver: r, judge: new RequestJudge(PolicyIndex.fromTemplate(template, r), r) };
}

beforeAll(() => {
  t = synth();
  ({ resolver, judge } = evaluatorFor(t));
});

describe('IAM', () => {
  it('allows no wildcard action anywhere except the named KMS key-administration statement', () => {
    const found = allStatements(t).filter(
      (l) =>
        l.statement.Effect === 'Allow' &&
        (actionsOf(l.statement).some((a) => a.includes('*')) || l.statement.NotAction),
    );
    for (const l of found) {
      const exception = WILDCARD_ACTION_EXCEPTIONS.find((e) => e.matches(l));
      expect(exception, `${l.where}: ${JSON.stringify(l.statement)}`).toBeDefined();
    }
    expect(found.length, 'the three topic keys and the subscription DLQ key').toBe(4);
  });

  it('allows Resource "*" in identity policies only for actions AWS cannot scope', () => {
    const identity = allStatements(t).filter(
      (l) =>
        (l.type === 'AWS::IAM::Policy' || l.type === 'AWS::IAM::Role') &&
        !l.where.endsWith('AssumeRolePolicyDocument'),
    );
    expect(identity.length).toBeGreaterThan(10);
    for (const l of identity) {
      expect(l.statement.NotResource, l.where).toBeUndefined();
      if (l.statement.Effect !== 'Allow' || !asList(l.statement.Resource).includes('*')) continue;
      for (const action of actionsOf(l.statement))
        expect(STAR_RESOURCE_EXCEPTIONS[action], `${l.where}: ${action} on "*"`).toBeDefined();
    }
  });

  it("scopes every other identity-policy resource to one of this stack's resources, or a table's own indexes", () => {
    const ownIds = new Set(Object.keys(t.Resources));
    for (const l of allStatements(t)) {
      if (l.type !== 'AWS::IAM::Policy' || l.statement.Effect !== 'Allow') continue;
      for (const r of asList(l.statement.Resource)) {
        if (r === '*') continue;
        const text = JSON.stringify(r);
        const refs = [...text.matchAll(/"(?:Ref|Fn::GetAtt)":\s*\[?"([A-Za-z0-9]+)"/g)].map((m) => m[1]);
        expect(refs.length, `${l.where}: ${text}`).toBeGreaterThan(0);
        for (const id of refs) expect(ownIds.has(id ?? ''), `${l.where}: ${text}`).toBe(true);
        // `<table>/index/*`: every GSI of that one table. It grants nothing the table grant next to it
        // does not (an index holds the table's own items), and names each index the handlers query.
        if (text.includes('*')) expect(text, l.where).toMatch(/\/index\/\*"\]\]\}$/);
      }
    }
  });

  it('lets only principals of this account assume the subscription manager role, and only it', () => {
    const trust = allStatements(t).filter((l) => l.where.endsWith('AssumeRolePolicyDocument'));
    const roots = trust.filter((l) => isRootPrincipal(l.statement.Principal));
    expect(roots.map((l) => l.where)).toEqual([
      `${idOf('AWS::IAM::Role', 'SubscriptionManager')}.AssumeRolePolicyDocument`,
    ]);
    const principal = resolver.resolve(((roots[0]?.statement.Principal ?? {}) as { AWS?: unknown }).AWS);
    expect(principal).toBe(`arn:aws:iam::${ACCOUNT}:root`);
    for (const l of trust.filter((x) => !roots.includes(x)))
      expect(l.statement.Principal, l.where).toEqual({ Service: 'lambda.amazonaws.com' });
  });

  it('gives the subscription manager role subscription actions only: subscribe to customer and logistics topics, list every topic', () => {
    const role = idOf('AWS::IAM::Role', 'SubscriptionManager');
    const statements = allStatements(t).filter(
      (l) =>
        l.type === 'AWS::IAM::Policy' &&
        JSON.stringify(t.Resources[l.where.split('.')[0] ?? '']?.Properties?.Roles).includes(role),
    );
    const granted = statements.map((l) => ({
      actions: actionsOf(l.statement).sort(),
      resources: asList(l.statement.Resource)
        .map((r) => (r === '*' ? '*' : resolver.resolve(r)))
        .sort(),
    }));
    const topic = (c: string) => resolver.arnOf(idOf('AWS::SNS::Topic', c));
    expect(granted).toEqual([
      { actions: ['sns:Subscribe'], resources: [topic('Customer'), topic('Logistics')].sort() },
      {
        actions: ['sns:ListSubscriptionsByTopic'],
        resources: [topic('Customer'), topic('Logistics'), topic('Ops')].sort(),
      },
      {
        actions: ['sns:GetSubscriptionAttributes', 'sns:SetSubscriptionAttributes', 'sns:Unsubscribe'],
        resources: ['*'],
      },
    ]);
    expect(t.Outputs[SUBSCRIPTION_MANAGER_ROLE_OUTPUT]?.Value).toEqual({ 'Fn::GetAtt': [role, 'Arn'] });
  });

  it('never turns on event logging in a function (it would write item images to the logs)', () => {
    for (const [id, r] of Object.entries(t.Resources)) {
      if (r.Type !== 'AWS::Lambda::Function') continue;
      const vars =
        (r.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
      expect(vars.POWERTOOLS_LOGGER_LOG_EVENT, id).toBeUndefined();
      expect(vars.POWERTOOLS_LOG_LEVEL, id).toBe('INFO');
    }
  });
});

describe('encryption and TLS', () => {
  /** An admin of the account (allowed everything by IAM) calling without TLS. */
  const admin: Principal = { kind: 'account-user', arn: `arn:aws:iam::${ACCOUNT}:role/Admin` };
  const insecure = (action: string, resource: string): IamRequest => ({
    action,
    resource,
    context: { 'aws:SecureTransport': 'false' },
  });

  it('encrypts every topic with a customer-managed KMS key of this stack', () => {
    const topics = Object.entries(t.Resources).filter(([, r]) => r.Type === 'AWS::SNS::Topic');
    expect(topics.length).toBeGreaterThanOrEqual(3);
    for (const [id, r] of topics) {
      const key = (r.Properties?.KmsMasterKeyId as { 'Fn::GetAtt'?: [string, string] })?.['Fn::GetAtt']?.[0];
      expect(t.Resources[key ?? '']?.Type, id).toBe('AWS::KMS::Key');
    }
  });

  it('encrypts every queue, the DLQs included, with KMS', () => {
    const queues = Object.entries(t.Resources).filter(([, r]) => r.Type === 'AWS::SQS::Queue');
    expect(queues.length).toBeGreaterThanOrEqual(3);
    for (const [id, r] of queues) {
      // SNS cannot use alias/aws/sqs, so the queue SNS writes to has a key of this stack.
      if (id.startsWith('SubscriptionDlq')) {
        const key = (r.Properties?.KmsMasterKeyId as { 'Fn::GetAtt'?: [string, string] })?.[
          'Fn::GetAtt'
        ]?.[0];
        expect(t.Resources[key ?? '']?.Type, id).toBe('AWS::KMS::Key');
      } else {
        expect(r.Properties?.KmsMasterKeyId, id).toBe('alias/aws/sqs');
      }
    }
  });

  // Every action SNS accepts in a topic policy ("Valid Amazon SNS policy actions", SNS developer guide,
  // "Amazon SNS API permissions: Actions and resources reference"), data protection policy and tags included.
  const TOPIC_POLICY_ACTIONS = [
    'sns:AddPermission',
    'sns:DeleteTopic',
    'sns:GetDataProtectionPolicy',
    'sns:GetTopicAttributes',
    'sns:ListSubscriptionsByTopic',
    'sns:ListTagsForResource',
    'sns:Publish',
    'sns:PutDataProtectionPolicy',
    'sns:RemovePermission',
    'sns:SetTopicAttributes',
    'sns:Subscribe',
  ];

  it('denies every topic call made without TLS', async () => {
    for (const [id, r] of Object.entries(t.Resources)) {
      if (r.Type !== 'AWS::SNS::Topic') continue;
      for (const action of TOPIC_POLICY_ACTIONS) {
        const verdict = await judge.judge(admin, insecure(action, resolver.arnOf(id)));
        expect(verdict.decision, `${id} ${action} over http: ${verdict.explanation}`).toBe(
          'ExplicitlyDenied',
        );
      }
    }
  });

  it('denies every queue call made without TLS', async () => {
    for (const [id, r] of Object.entries(t.Resources)) {
      if (r.Type !== 'AWS::SQS::Queue') continue;
      for (const action of [
        'sqs:SendMessage',
        'sqs:ReceiveMessage',
        'sqs:PurgeQueue',
        'sqs:SetQueueAttributes',
      ]) {
        const verdict = await judge.judge(admin, insecure(action, resolver.arnOf(id)));
        expect(verdict.decision, `${id} ${action} over http: ${verdict.explanation}`).toBe(
          'ExplicitlyDenied',
        );
      }
    }
  });
});

describe('subscribing to customer data', () => {
  const customerTopics = (template: Template) =>
    Object.keys(template.Resources).filter(
      (id) => template.Resources[id]?.Type === 'AWS::SNS::Topic' && /Customer\d*Topic/.test(id),
    );
  const subscribe = (resource: string, extra: Record<string, string> = {}): IamRequest => ({
    action: 'sns:Subscribe',
    resource,
    context: { 'aws:SecureTransport': 'true', 'sns:Protocol': 'sqs', ...extra },
  });
  /** Judges sns:Subscribe by `principal` on every customer topic of `template`. */
  async function subscribeVerdicts(
    template: Template,
    principal: Principal,
    extra: Record<string, string> = {},
  ): Promise<Verdict[]> {
    const evaluator = template === t ? { resolver, judge } : evaluatorFor(template);
    return Promise.all(
      customerTopics(template).map((id) =>
        evaluator.judge.judge(principal, subscribe(evaluator.resolver.arnOf(id), extra)),
      ),
    );
  }
  const managerOf = (template: Template): Principal => ({
    kind: 'role',
    roleLogicalId:
      Object.keys(template.Resources).find(
        (id) => template.Resources[id]?.Type === 'AWS::IAM::Role' && id.includes('SubscriptionManager'),
      ) ?? '',
    sessionName: CLI_SESSION,
  });
  const decisions = (verdicts: Verdict[]) => verdicts.map((v) => v.decision);
  const deniedBy = (sid: string) => (v: Verdict) => {
    expect(v.decision, v.explanation).toBe('ExplicitlyDenied');
    expect(v.explanation).toContain(`statement ${sid} of the topic policy`);
  };

  it('lets the subscription manager role subscribe over TLS with email, sqs or https', async () => {
    for (const protocol of ['email', 'sqs', 'https'])
      expect(decisions(await subscribeVerdicts(t, managerOf(t), { 'sns:Protocol': protocol }))).toEqual([
        'Allowed',
      ]);
  });

  it.each([
    [
      'an admin role of the same account',
      { kind: 'account-user', arn: `arn:aws:iam::${ACCOUNT}:role/Admin` },
    ],
    ['the account root', { kind: 'account-user', arn: `arn:aws:iam::${ACCOUNT}:root` }],
    ['a function role of this stack', { kind: 'role', roleLogicalId: 'ShipmentEvents' }],
    ['a role of another account', { kind: 'account-user', arn: `arn:aws:iam::${OTHER_ACCOUNT}:role/Admin` }],
    ['an AWS service acting for itself', { kind: 'service', service: 'cloudwatch.amazonaws.com' }],
  ] as [string, Principal][])('denies subscribing to %s', async (_who, principal) => {
    const resolved: Principal =
      principal.kind === 'role'
        ? { kind: 'role', roleLogicalId: idOf('AWS::IAM::Role', principal.roleLogicalId) }
        : principal;
    const verdicts = await subscribeVerdicts(t, resolved);
    expect(verdicts).toHaveLength(1);
    for (const verdict of verdicts) deniedBy('DenySubscribeExceptSubscriptionManager')(verdict);
  });

  it('denies subscribing to an anonymous caller', async () => {
    // The evaluator's principals all sign their requests; iam-simulate judges the unsigned one.
    const index = PolicyIndex.fromTemplate(t, resolver);
    for (const id of customerTopics(t)) {
      const arn = resolver.arnOf(id);
      const result = await runSimulation(
        {
          request: {
            principal: anonymousPrincipal,
            action: 'sns:Subscribe',
            resource: { resource: arn, accountId: ACCOUNT },
            contextVariables: subscribe(arn).context,
          },
          identityPolicies: [],
          serviceControlPolicies: [],
          resourceControlPolicies: [],
          resourcePolicy: index.resourcePolicy(arn)?.document,
        },
        {},
      );
      if (result.resultType !== 'single') throw new Error(JSON.stringify(result));
      expect(result.overallResult).toBe('ExplicitlyDenied');
      expect(
        getDenialReasons(result.result.analysis).map((d) => ('statementId' in d ? d.statementId : '')),
      ).toContain('DenySubscribeExceptSubscriptionManager');
    }
  });

  it('denies the subscription manager role itself over http or with other protocols', async () => {
    const [insecure] = await subscribeVerdicts(t, managerOf(t), { 'aws:SecureTransport': 'false' });
    expect(insecure?.decision, insecure?.explanation).toBe('ExplicitlyDenied');
    for (const protocol of ['http', 'sms', 'lambda', 'application', 'firehose'])
      for (const verdict of await subscribeVerdicts(t, managerOf(t), { 'sns:Protocol': protocol }))
        deniedBy('DenyUnexpectedProtocols')(verdict);
  });

  it('restricts every customer topic shard the same way', async () => {
    const sharded = synth({ customerTopicShards: 3 });
    expect(decisions(await subscribeVerdicts(sharded, managerOf(sharded)))).toEqual([
      'Allowed',
      'Allowed',
      'Allowed',
    ]);
    const others = await subscribeVerdicts(sharded, {
      kind: 'account-user',
      arn: `arn:aws:iam::${ACCOUNT}:role/Admin`,
    });
    expect(others).toHaveLength(3);
    for (const verdict of others) deniedBy('DenySubscribeExceptSubscriptionManager')(verdict);
  });
});

describe('the subscription dead-letter queue', () => {
  /** The judge's verdict on SNS delivering a dead letter from `sourceArn` (queue policy, or the queue's key policy). */
  async function verdict(kind: 'queue' | 'key', sourceArn: string): Promise<string> {
    const id = idOf(kind === 'key' ? 'AWS::KMS::Key' : 'AWS::SQS::Queue', 'SubscriptionDlq');
    const out = await judge.judge(
      {
        kind: 'service',
        service: 'sns.amazonaws.com',
        sourceArn,
        sourceAccount: sourceArn.split(':')[4] ?? '',
      },
      {
        action: kind === 'key' ? 'kms:GenerateDataKey' : 'sqs:SendMessage',
        resource: resolver.arnOf(id),
        context: { 'aws:SecureTransport': 'true' },
      },
    );
    return out.decision;
  }

  const topicArn = (contains: string) => resolver.arnOf(idOf('AWS::SNS::Topic', contains));

  it.each(['queue', 'key'] as const)(
    'lets SNS write dead letters of the customer and logistics topics (%s policy)',
    async (kind) => {
      expect(await verdict(kind, topicArn('Customer'))).toBe('Allowed');
      expect(await verdict(kind, topicArn('Logistics'))).toBe('Allowed');
    },
  );

  it.each(['queue', 'key'] as const)(
    'refuses SNS on behalf of the ops topic or any other topic (%s policy)',
    async (kind) => {
      expect(await verdict(kind, topicArn('Ops'))).not.toBe('Allowed');
      expect(await verdict(kind, `arn:aws:sns:${resolver.region}:${ACCOUNT}:someone-elses`)).not.toBe(
        'Allowed',
      );
      expect(
        await verdict(kind, `arn:aws:sns:${resolver.region}:${OTHER_ACCOUNT}:Clearance-CustomerTopic`),
      ).not.toBe('Allowed');
    },
  );
});
