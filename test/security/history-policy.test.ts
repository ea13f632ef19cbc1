/**
 * History is append-only, judged the way AWS judges it (local/iam, with
 * iam-simulate) over the synthesized template: the writers may add entries
 * (a TransactWriteItems Put, authorized as PutItem) and nothing else, not even
 * a BatchWriteItem, which could delete; nobody, whatever their identity
 * policy, may change or delete one; nobody else may add one. And the audit bucket takes log files
 * from this trail only, and lets nobody delete them.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { synthTemplate } from '../../infra/app.js';
import { HISTORY_DENIED_TO_ALL, HISTORY_POLICY_SIDS } from '../../infra/history.js';
import {
  type AwsCall,
  createResolver,
  type IamRequest,
  iamRequestsFor,
  PolicyIndex,
  type Principal,
  RequestJudge,
  type Resolver,
  STATIC_NAMING,
} from '../../local/iam/index.js';
import type { CfnTemplate } from '../../local/template.js';

const { account: ACCOUNT } = STATIC_NAMING;
type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;
const resourcesOf = (t: CfnTemplate) => t.Resources as Resources;
const idOf = (t: CfnTemplate, type: string, contains: string): string => {
  const ids = Object.keys(resourcesOf(t)).filter(
    (id) => resourcesOf(t)[id]?.Type === type && id.includes(contains),
  );
  if (ids.length !== 1) throw new Error(`expected one ${type} with ${contains}, found ${ids.join(', ')}`);
  return ids[0] as string;
};

function evaluator(template: CfnTemplate): { resolver: Resolver; judge: RequestJudge; index: PolicyIndex } {
  const resolver = createResolver(template, STATIC_NAMING);
  const index = PolicyIndex.fromTemplate(template, resolver);
  return { resolver, index, judge: new RequestJudge(index, resolver) };
}

const TLS = { 'aws:SecureTransport': 'true' };
const on = (action: string, resource: string): IamRequest => ({ action, resource, context: TLS });
const role = (t: CfnTemplate, contains: string): Principal => ({
  kind: 'role',
  roleLogicalId: idOf(t, 'AWS::IAM::Role', contains),
});
const ADMIN: Principal = { kind: 'account-user', arn: `arn:aws:iam::${ACCOUNT}:role/Admin` };

/** A copy of `template` in which `roleContains`'s role is also allowed dynamodb:* on every resource. */
function withFullDynamoDb(template: CfnTemplate, roleContains: string): CfnTemplate {
  const copy = structuredClone(template);
  const roleId = idOf(copy, 'AWS::IAM::Role', roleContains);
  resourcesOf(copy).BroadDynamoDbPolicy = {
    Type: 'AWS::IAM::Policy',
    Properties: {
      PolicyName: 'broad',
      Roles: [{ Ref: roleId }],
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'dynamodb:*', Resource: '*' }],
      },
    },
  };
  return copy;
}

let template: CfnTemplate;
let history: string;
let judge: RequestJudge;
let resolver: Resolver;
beforeAll(() => {
  template = synthTemplate();
  const e = evaluator(template);
  judge = e.judge;
  resolver = e.resolver;
  history = e.resolver.arnOf(idOf(template, 'AWS::DynamoDB::Table', 'History'));
});

describe('History: the writers', () => {
  const transactPut = (): AwsCall => ({
    service: 'dynamodb',
    operation: 'TransactWriteItems',
    input: {
      TransactItems: [
        { Put: { TableName: history, Item: {}, ConditionExpression: 'attribute_not_exists(entryId)' } },
      ],
    },
  });
  const lookup = { tableArn: (t: string) => t, queueArn: (u: string) => u, topicKeyArn: () => undefined };

  it.each(['ShipmentEvents', 'ShipmentHistory', 'LicenseEvents'])(
    'lets %s append with a TransactWriteItems Put (authorized as PutItem on History)',
    async (fn) => {
      const requests = iamRequestsFor(transactPut(), lookup);
      expect(requests).toEqual([expect.objectContaining({ action: 'dynamodb:PutItem', resource: history })]);
      for (const request of [...requests, on('dynamodb:PutItem', history)]) {
        const verdict = await judge.judge(role(template, fn), request);
        expect(verdict.decision, verdict.explanation).toBe('Allowed');
      }
    },
  );

  it.each(['ShipmentEvents', 'ShipmentHistory', 'LicenseEvents'])(
    'denies %s BatchWriteItem on History explicitly, by the table policy: a batch could delete',
    async (fn) => {
      const batch: AwsCall = {
        service: 'dynamodb',
        operation: 'BatchWriteItem',
        input: { RequestItems: { [history]: [{ DeleteRequest: { Key: {} } }] } },
      };
      const requests = iamRequestsFor(batch, lookup);
      expect(requests.map((r) => r.action)).toEqual(['dynamodb:BatchWriteItem']);
      for (const request of requests) {
        const verdict = await judge.judge(role(template, fn), request);
        expect(verdict.decision, verdict.explanation).toBe('ExplicitlyDenied');
        expect(verdict.explanation).toContain(
          `statement ${HISTORY_POLICY_SIDS.immutable} of the table policy`,
        );
      }
    },
  );

  it.each(['ShipmentEvents', 'ShipmentHistory', 'LicenseEvents'])(
    'denies %s UpdateItem and DeleteItem on History explicitly, by the table policy',
    async (fn) => {
      for (const action of ['dynamodb:UpdateItem', 'dynamodb:DeleteItem']) {
        const verdict = await judge.judge(role(template, fn), on(action, history));
        expect(verdict.decision, verdict.explanation).toBe('ExplicitlyDenied');
        expect(verdict.explanation).toContain(
          `statement ${HISTORY_POLICY_SIDS.immutable} of the table policy`,
        );
      }
    },
  );

  it('gives the writers no read of History by license (the table itself: the engine only appends there)', async () => {
    for (const fn of ['ShipmentEvents', 'ShipmentHistory'])
      for (const action of ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan']) {
        const verdict = await judge.judge(role(template, fn), on(action, history));
        expect(verdict.decision, `${fn} ${action}: ${verdict.explanation}`).toBe('ImplicitlyDenied');
      }
  });

  it("lets shipment-events Query the byShipment index (one shipment's entries: was it counted before?), and nothing else reads it", async () => {
    const byShipment: AwsCall = {
      service: 'dynamodb',
      operation: 'Query',
      input: { TableName: history, IndexName: 'byShipment', KeyConditionExpression: '#s = :s' },
    };
    const requests = iamRequestsFor(byShipment, lookup);
    expect(requests).toEqual([
      expect.objectContaining({ action: 'dynamodb:Query', resource: `${history}/index/byShipment` }),
    ]);
    for (const request of requests) {
      const allowed = await judge.judge(role(template, 'ShipmentEvents'), request);
      expect(allowed.decision, allowed.explanation).toBe('Allowed');
      for (const fn of ['ShipmentHistory', 'LicenseEvents', 'LicenseClock']) {
        const verdict = await judge.judge(role(template, fn), request);
        expect(verdict.decision, `${fn}: ${verdict.explanation}`).toBe('ImplicitlyDenied');
      }
    }
    for (const action of ['dynamodb:Scan', 'dynamodb:GetItem']) {
      const verdict = await judge.judge(
        role(template, 'ShipmentEvents'),
        on(action, `${history}/index/byShipment`),
      );
      expect(verdict.decision, `${action}: ${verdict.explanation}`).toBe('ImplicitlyDenied');
    }
    const other = await judge.judge(
      role(template, 'ShipmentEvents'),
      on('dynamodb:Query', `${history}/index/other`),
    );
    expect(other.decision, other.explanation).toBe('ImplicitlyDenied');
  });

  it("lets license-events Query History's table (a license's decisions), and read it no other way", async () => {
    const licenseEvents = role(template, 'LicenseEvents');
    const query = await judge.judge(licenseEvents, on('dynamodb:Query', history));
    expect(query.decision, query.explanation).toBe('Allowed');
    for (const [action, resource] of [
      ['dynamodb:GetItem', history],
      ['dynamodb:Scan', history],
      ['dynamodb:BatchGetItem', history],
      ['dynamodb:Query', `${history}/index/byShipment`],
    ] as const) {
      const verdict = await judge.judge(licenseEvents, on(action, resource));
      expect(verdict.decision, `${action} ${resource}: ${verdict.explanation}`).toBe('ImplicitlyDenied');
    }
  });

  it('gives shipment-history nothing but its History append: no other table, no topic', async () => {
    const shipmentHistory = role(template, 'ShipmentHistory');
    const tables = ['Licenses', 'Shipments', 'Inventory'].map((t) =>
      resolver.arnOf(idOf(template, 'AWS::DynamoDB::Table', t)),
    );
    for (const table of tables)
      for (const action of [
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:Query',
      ]) {
        const verdict = await judge.judge(shipmentHistory, on(action, table));
        expect(verdict.decision, `${action} ${table}: ${verdict.explanation}`).toBe('ImplicitlyDenied');
      }
    const topics = Object.keys(resourcesOf(template)).filter(
      (id) => resourcesOf(template)[id]?.Type === 'AWS::SNS::Topic',
    );
    expect(topics.length).toBeGreaterThan(0);
    for (const topic of topics) {
      const verdict = await judge.judge(shipmentHistory, on('sns:Publish', resolver.arnOf(topic)));
      expect(verdict.decision, `sns:Publish ${topic}: ${verdict.explanation}`).not.toBe('Allowed');
    }
  });
});

describe('History: everyone else', () => {
  it('denies shipment-events UpdateItem and DeleteItem even when its identity policy allows dynamodb:*', async () => {
    const broad = evaluator(withFullDynamoDb(template, 'ShipmentEvents'));
    const shipmentEvents = role(template, 'ShipmentEvents');
    // The grant is real: another table's UpdateItem is now allowed.
    const elsewhere = broad.resolver.arnOf(idOf(template, 'AWS::DynamoDB::Table', 'Inventory'));
    expect((await broad.judge.judge(shipmentEvents, on('dynamodb:DeleteTable', elsewhere))).decision).toBe(
      'Allowed',
    );
    for (const action of HISTORY_DENIED_TO_ALL) {
      const verdict = await broad.judge.judge(shipmentEvents, on(action, history));
      expect(verdict.decision, `${action}: ${verdict.explanation}`).toBe('ExplicitlyDenied');
    }
  });

  it('denies an account admin allowed everything by IAM every change to History, and every append', async () => {
    for (const action of [...HISTORY_DENIED_TO_ALL, 'dynamodb:PutItem']) {
      const verdict = await judge.judge(ADMIN, on(action, history));
      expect(verdict.decision, `${action}: ${verdict.explanation}`).toBe('ExplicitlyDenied');
    }
    const append = await judge.judge(ADMIN, on('dynamodb:PutItem', history));
    expect(append.explanation).toContain(`statement ${HISTORY_POLICY_SIDS.writersOnly} of the table policy`);
    const batch = await judge.judge(ADMIN, on('dynamodb:BatchWriteItem', history));
    expect(batch.explanation).toContain(`statement ${HISTORY_POLICY_SIDS.immutable} of the table policy`);
  });

  it('lets the account root and license-clock append nothing either, singly or in a batch', async () => {
    const root: Principal = { kind: 'account-user', arn: `arn:aws:iam::${ACCOUNT}:root` };
    for (const who of [root, role(template, 'LicenseClock')])
      for (const action of ['dynamodb:PutItem', 'dynamodb:BatchWriteItem']) {
        const verdict = await judge.judge(who, on(action, history));
        expect(verdict.decision, `${action}: ${verdict.explanation}`).toBe('ExplicitlyDenied');
      }
  });

  it("lets an admin read History and its byShipment index (auditors' tools)", async () => {
    for (const [action, resource] of [
      ['dynamodb:GetItem', history],
      ['dynamodb:Query', history],
      ['dynamodb:Query', `${history}/index/byShipment`],
      ['dynamodb:Scan', history],
    ] as const) {
      const verdict = await judge.judge(ADMIN, on(action, resource));
      expect(verdict.decision, `${action} ${resource}: ${verdict.explanation}`).toBe('Allowed');
    }
  });

  it('leaves CloudFormation (an admin) the table settings it must be able to change', async () => {
    for (const action of [
      'dynamodb:UpdateTable',
      'dynamodb:UpdateContinuousBackups',
      'dynamodb:PutResourcePolicy',
      'dynamodb:DescribeTable',
    ]) {
      const verdict = await judge.judge(ADMIN, on(action, history));
      expect(verdict.decision, `${action}: ${verdict.explanation}`).toBe('Allowed');
    }
  });

  it('fails without the resource policy: the admin may then update and delete entries', async () => {
    const bare = structuredClone(template);
    const table = resourcesOf(bare)[idOf(bare, 'AWS::DynamoDB::Table', 'History')];
    delete table?.Properties?.ResourcePolicy;
    const e = evaluator(bare);
    for (const action of [
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:PutItem',
      'dynamodb:BatchWriteItem',
    ])
      expect((await e.judge.judge(ADMIN, on(action, history))).decision, action).toBe('Allowed');
  });
});

describe('the audit bucket', () => {
  let bucket: string;
  let trailArn: string;
  beforeAll(() => {
    const { resolver } = evaluator(template);
    bucket = resolver.arnOf(idOf(template, 'AWS::S3::Bucket', 'AuditTrail'));
    trailArn = resolver.arnOf(idOf(template, 'AWS::CloudTrail::Trail', 'AuditTrail'));
  });
  const cloudTrail = (sourceArn: string): Principal => ({
    kind: 'service',
    service: 'cloudtrail.amazonaws.com',
    sourceArn,
    sourceAccount: ACCOUNT,
  });
  const logFile = () => `${bucket}/AWSLogs/${ACCOUNT}/CloudTrail/eu-central-1/2026/01/01/x.json.gz`;
  const put = (): IamRequest => ({
    action: 's3:PutObject',
    resource: logFile(),
    context: { ...TLS, 's3:x-amz-acl': 'bucket-owner-full-control' },
  });

  it('takes log files from this trail', async () => {
    expect((await judge.judge(cloudTrail(trailArn), put())).decision).toBe('Allowed');
  });

  it('refuses CloudTrail writing for another trail, or outside AWSLogs/<account>/', async () => {
    const other = trailArn.replace(/trail\/.*$/, 'trail/someone-elses');
    expect((await judge.judge(cloudTrail(other), put())).decision).toBe('ImplicitlyDenied');
    const outside = { ...put(), resource: `${bucket}/elsewhere/x.json.gz` };
    expect((await judge.judge(cloudTrail(trailArn), outside)).decision).toBe('ImplicitlyDenied');
  });

  it('lets nobody, an admin included, delete a log file or a version of one, or read without TLS', async () => {
    for (const action of ['s3:DeleteObject', 's3:DeleteObjectVersion']) {
      const verdict = await judge.judge(ADMIN, on(action, logFile()));
      expect(verdict.decision, `${action}: ${verdict.explanation}`).toBe('ExplicitlyDenied');
    }
    const insecure = { ...on('s3:GetObject', logFile()), context: { 'aws:SecureTransport': 'false' } };
    expect((await judge.judge(ADMIN, insecure)).decision).toBe('ExplicitlyDenied');
    expect((await judge.judge(ADMIN, on('s3:GetObject', logFile()))).decision).toBe('Allowed');
  });
});
