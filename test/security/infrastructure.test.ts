/**
 * What the synthesized stack enforces: least-privilege IAM, encryption and
 * TLS on every topic and queue, and who may subscribe to customer data.
 * Every exception to a rule is listed here, with the reason it is needed.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/app.js';
import { SUBSCRIPTION_MANAGER_ROLE_OUTPUT } from '../../infra/stack.js';
import { ACCOUNT, denials, OTHER_ACCOUNT, REGION, type Request, resolve } from './policy-eval.js';

interface Resource {
  Type: string;
  Properties?: Record<string, unknown>;
}
interface Template {
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
let names: Record<string, string>;
const idOf = (type: string, contains: string): string => {
  const ids = Object.entries(t.Resources)
    .filter(([id, r]) => r.Type === type && id.includes(contains))
    .map(([id]) => id);
  if (ids.length !== 1) throw new Error(`expected one ${type} with ${contains}, found ${ids.join(', ')}`);
  return ids[0] as string;
};

/** ARNs and names for every logical id, so policies can be evaluated. */
function namesFor(template: Template): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [id, r] of Object.entries(template.Resources)) {
    if (r.Type === 'AWS::SNS::Topic') out[id] = `arn:aws:sns:${REGION}:${ACCOUNT}:${id}`;
    if (r.Type === 'AWS::IAM::Role') out[`${id}.Arn`] = `arn:aws:iam::${ACCOUNT}:role/${id}`;
    if (r.Type === 'AWS::SQS::Queue') out[`${id}.Arn`] = `arn:aws:sqs:${REGION}:${ACCOUNT}:${id}`;
  }
  return out;
}

beforeAll(() => {
  t = synth();
  names = namesFor(t);
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
    const principal = resolve(((roots[0]?.statement.Principal ?? {}) as { AWS?: unknown }).AWS, names);
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
        .map((r) => (r === '*' ? '*' : resolve(r, names)))
        .sort(),
    }));
    const topic = (c: string) => names[idOf('AWS::SNS::Topic', c)];
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
  const policiesOf = (type: string, listKey: string, id: string): Statement[] =>
    Object.values(t.Resources)
      .filter((r) => r.Type === type && JSON.stringify(r.Properties?.[listKey]).includes(`"${id}"`))
      .flatMap(
        (r) => ((r.Properties?.PolicyDocument ?? { Statement: [] }) as { Statement: Statement[] }).Statement,
      );
  const insecure = (action: string, resource: string): Request => ({
    action,
    resource,
    context: { 'aws:SecureTransport': 'false', 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:role/Admin` },
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

  it('denies every topic call made without TLS', () => {
    for (const [id, r] of Object.entries(t.Resources)) {
      if (r.Type !== 'AWS::SNS::Topic') continue;
      const doc = { Statement: policiesOf('AWS::SNS::TopicPolicy', 'Topics', id) };
      const arn = names[id] ?? '';
      for (const action of [
        'sns:Publish',
        'sns:Subscribe',
        'sns:SetTopicAttributes',
        'sns:AddPermission',
        'sns:DeleteTopic',
      ])
        expect(denials(doc, insecure(action, arn), names), `${id} ${action} over http`).not.toEqual([]);
    }
  });

  it('denies every queue call made without TLS', () => {
    for (const [id, r] of Object.entries(t.Resources)) {
      if (r.Type !== 'AWS::SQS::Queue') continue;
      const doc = { Statement: policiesOf('AWS::SQS::QueuePolicy', 'Queues', id) };
      const arn = names[`${id}.Arn`] ?? '';
      for (const action of [
        'sqs:SendMessage',
        'sqs:ReceiveMessage',
        'sqs:PurgeQueue',
        'sqs:SetQueueAttributes',
      ])
        expect(denials(doc, insecure(action, arn), names), `${id} ${action} over http`).not.toEqual([]);
    }
  });
});

describe('subscribing to customer data', () => {
  /** Judges sns:Subscribe on every customer topic of `template`. */
  function subscribeVerdicts(template: Template, context: Request['context']) {
    const n = namesFor(template);
    const topics = Object.keys(template.Resources).filter(
      (id) => template.Resources[id]?.Type === 'AWS::SNS::Topic' && /Customer\d*Topic/.test(id),
    );
    return topics.map((id) => {
      const statements = Object.values(template.Resources)
        .filter(
          (r) =>
            r.Type === 'AWS::SNS::TopicPolicy' && JSON.stringify(r.Properties?.Topics).includes(`"${id}"`),
        )
        .flatMap(
          (r) =>
            ((r.Properties?.PolicyDocument ?? { Statement: [] }) as { Statement: Statement[] }).Statement,
        );
      return denials(
        { Statement: statements },
        { action: 'sns:Subscribe', resource: n[id] ?? '', context },
        n,
      );
    });
  }
  const managerArn = () => names[`${idOf('AWS::IAM::Role', 'SubscriptionManager')}.Arn`] ?? '';
  const caller = (
    principalArn: string | undefined,
    extra: Record<string, string> = {},
  ): Request['context'] => ({
    'aws:SecureTransport': 'true',
    'sns:Protocol': 'sqs',
    ...(principalArn
      ? { 'aws:PrincipalArn': principalArn, 'aws:PrincipalAccount': principalArn.split(':')[4] ?? '' }
      : {}),
    ...extra,
  });

  it('lets the subscription manager role subscribe over TLS with email, sqs or https', () => {
    for (const protocol of ['email', 'sqs', 'https'])
      expect(subscribeVerdicts(t, caller(managerArn(), { 'sns:Protocol': protocol }))).toEqual([[]]);
  });

  it.each([
    ['an admin role of the same account', `arn:aws:iam::${ACCOUNT}:role/Admin`],
    ['the account root', `arn:aws:iam::${ACCOUNT}:root`],
    ['a function role of this stack', `arn:aws:iam::${ACCOUNT}:role/ClearanceShipmentEventsRole`],
    ['a role of another account', `arn:aws:iam::${OTHER_ACCOUNT}:role/Admin`],
    ['an anonymous caller', undefined],
  ])('denies subscribing to %s', (_who, arn) => {
    for (const verdict of subscribeVerdicts(t, caller(arn)))
      expect(verdict).toContain('DenySubscribeExceptSubscriptionManager');
  });

  it('denies the subscription manager role itself over http or with other protocols', () => {
    expect(subscribeVerdicts(t, caller(managerArn(), { 'aws:SecureTransport': 'false' }))[0]).not.toEqual([]);
    for (const protocol of ['http', 'sms', 'lambda', 'application', 'firehose'])
      expect(subscribeVerdicts(t, caller(managerArn(), { 'sns:Protocol': protocol }))[0], protocol).toContain(
        'DenyUnexpectedProtocols',
      );
  });

  it('restricts every customer topic shard the same way', () => {
    const sharded = synth({ customerTopicShards: 3 });
    const role = Object.keys(sharded.Resources).find(
      (id) => sharded.Resources[id]?.Type === 'AWS::IAM::Role' && id.includes('SubscriptionManager'),
    );
    const arn = namesFor(sharded)[`${role}.Arn`] ?? '';
    expect(subscribeVerdicts(sharded, caller(arn))).toEqual([[], [], []]);
    const others = subscribeVerdicts(sharded, caller(`arn:aws:iam::${ACCOUNT}:role/Admin`));
    expect(others).toHaveLength(3);
    for (const verdict of others) expect(verdict).toContain('DenySubscribeExceptSubscriptionManager');
  });
});

describe('the subscription dead-letter queue', () => {
  /** The resource policy of `type` attached to (or held by) the subscription DLQ's queue or key, resolved. */
  function dlqPolicy(kind: 'queue' | 'key'): unknown {
    const queue = idOf('AWS::SQS::Queue', 'SubscriptionDlq');
    const raw =
      kind === 'key'
        ? t.Resources[idOf('AWS::KMS::Key', 'SubscriptionDlq')]?.Properties?.KeyPolicy
        : Object.values(t.Resources).find(
            (r) => r.Type === 'AWS::SQS::QueuePolicy' && JSON.stringify(r.Properties?.Queues).includes(queue),
          )?.Properties?.PolicyDocument;
    const resolveAll = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(resolveAll);
      if (v && typeof v === 'object') {
        if ('Ref' in v || 'Fn::GetAtt' in v || 'Fn::Join' in v) return resolve(v, names);
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolveAll(x)]));
      }
      return v;
    };
    return resolveAll(raw);
  }

  /** iam-simulate's verdict on SNS delivering a dead letter from `sourceArn`. */
  async function verdict(kind: 'queue' | 'key', sourceArn: string): Promise<string> {
    const account = sourceArn.split(':')[4] ?? '';
    const queueArn = names[`${idOf('AWS::SQS::Queue', 'SubscriptionDlq')}.Arn`] ?? '';
    const out = await runSimulation(
      {
        identityPolicies: [],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: dlqPolicy(kind) as never,
        request: {
          action: kind === 'key' ? 'kms:GenerateDataKey' : 'sqs:SendMessage',
          principal: 'sns.amazonaws.com',
          resource: {
            accountId: ACCOUNT,
            resource:
              kind === 'key'
                ? `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`
                : queueArn,
          },
          contextVariables: {
            'aws:SourceArn': sourceArn,
            'aws:SourceAccount': account,
            'aws:SecureTransport': 'true',
          },
        },
      },
      {},
    );
    return out.resultType === 'single' ? (out.result.analysis?.result ?? 'none') : out.resultType;
  }

  const topicArn = (contains: string) => names[idOf('AWS::SNS::Topic', contains)] ?? '';

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
      expect(await verdict(kind, `arn:aws:sns:${REGION}:${ACCOUNT}:someone-elses`)).not.toBe('Allowed');
      expect(await verdict(kind, `arn:aws:sns:${REGION}:${OTHER_ACCOUNT}:Clearance-CustomerTopic`)).not.toBe(
        'Allowed',
      );
    },
  );
});
