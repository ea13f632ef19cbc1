/**
 * The History table (DESIGN.md §3, docs/data-contract.md): its keys and
 * settings, its append-only resource policy, and the grants of its two
 * writers. How IAM judges those statements is in
 * test/security/history-policy.test.ts.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ClearanceFunction } from '../../infra/clearance-function.js';
import {
  HISTORY_DENIED_TO_ALL,
  HISTORY_POLICY_SIDS,
  HISTORY_WRITER_ACTIONS,
  HistoryTable,
} from '../../infra/history.js';
import { ENV, HISTORY_BY_SHIPMENT_INDEX } from '../../shared/names.js';
import {
  actionsOn,
  arnOf,
  indexArnsOf,
  roleStatements,
  type Statement,
  type Synthesized,
  statementsOf,
  synthesize,
} from './synth.js';

let s: Synthesized;
beforeAll(() => {
  s = synthesize();
});

const historyId = () => s.logicalId(s.stack.tables.history);
const history = () => s.resource(historyId());
const policy = (): Statement[] =>
  statementsOf(
    (history().Properties?.ResourcePolicy as { PolicyDocument?: unknown } | undefined)?.PolicyDocument,
  );
const bySid = (sid: string): Statement => {
  const found = policy().filter((st) => st.sid === sid);
  expect(found, sid).toHaveLength(1);
  return found[0] as Statement;
};
const roleOf = (fn: ClearanceFunction) => s.logicalId(fn.role);

describe('the History table', () => {
  it('is keyed licenseId (S) + entryId (S)', () => {
    expect(history().Properties?.KeySchema).toEqual([
      { AttributeName: 'licenseId', KeyType: 'HASH' },
      { AttributeName: 'entryId', KeyType: 'RANGE' },
    ]);
  });

  it('indexes the entries of one shipment in time order: byShipment (shipmentId, at), projection ALL', () => {
    expect(history().Properties?.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: HISTORY_BY_SHIPMENT_INDEX,
        KeySchema: [
          { AttributeName: 'shipmentId', KeyType: 'HASH' },
          { AttributeName: 'at', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ]);
    expect(HISTORY_BY_SHIPMENT_INDEX).toBe('byShipment');
    expect(history().Properties?.AttributeDefinitions).toEqual(
      expect.arrayContaining(
        ['licenseId', 'entryId', 'shipmentId', 'at'].map((name) => ({
          AttributeName: name,
          AttributeType: 'S',
        })),
      ),
    );
    expect(history().Properties?.AttributeDefinitions).toHaveLength(4);
  });

  it('is on-demand, PITR-enabled, deletion-protected, retained and encrypted like the other tables', () => {
    const table = history();
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.UpdateReplacePolicy).toBe('Retain');
    expect(table.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
      SSESpecification: s.resource(s.logicalId(s.stack.tables.licenses)).Properties?.SSESpecification,
    });
    expect(table.Properties?.TableName).toBeUndefined();
  });

  it('has no TTL (nothing expires an entry) and no stream', () => {
    expect(history().Properties?.TimeToLiveSpecification).toBeUndefined();
    expect(history().Properties?.StreamSpecification).toBeUndefined();
  });
});

describe("History's resource policy", () => {
  it('holds only Deny statements, for every principal, on the table and its indexes ("*")', () => {
    expect(policy()).toHaveLength(2);
    for (const st of policy()) {
      expect(st.effect).toBe('Deny');
      expect(st.principal).toBe('*');
      expect(st.resources).toEqual(['*']);
    }
  });

  it('denies everyone every way to change or delete an entry, the table itself and its TTL', () => {
    const st = bySid(HISTORY_POLICY_SIDS.immutable);
    expect(st.condition).toBeUndefined();
    expect([...st.actions].sort()).toEqual([...HISTORY_DENIED_TO_ALL].sort());
    expect(st.actions).toEqual(
      expect.arrayContaining([
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
        'dynamodb:BatchWriteItem',
        'dynamodb:PartiQLUpdate',
        'dynamodb:PartiQLDelete',
        'dynamodb:PartiQLInsert',
        'dynamodb:DeleteTable',
        'dynamodb:UpdateTimeToLive',
        'dynamodb:CreateTableReplica',
      ]),
    );
  });

  it('denies BatchWriteItem to every principal, the writers included: its deletes and puts look alike to IAM', () => {
    const st = bySid(HISTORY_POLICY_SIDS.immutable);
    expect(st.actions).toContain('dynamodb:BatchWriteItem');
    expect(bySid(HISTORY_POLICY_SIDS.writersOnly).actions).not.toContain('dynamodb:BatchWriteItem');
  });

  it('denies PutItem to every principal but the three writer roles', () => {
    const st = bySid(HISTORY_POLICY_SIDS.writersOnly);
    expect([...st.actions]).toEqual(['dynamodb:PutItem']);
    expect(st.condition).toEqual({
      ArnNotEquals: {
        'aws:PrincipalArn': [
          arnOf(roleOf(s.stack.licenseEvents)),
          arnOf(roleOf(s.stack.shipmentEvents)),
          arnOf(roleOf(s.stack.shipmentHistory)),
        ],
      },
    });
  });

  it('leaves CloudFormation the table-level actions it needs to create and update the table', () => {
    const denied = policy().flatMap((st) => st.actions);
    for (const needed of [
      'dynamodb:UpdateTable',
      'dynamodb:UpdateContinuousBackups',
      'dynamodb:PutResourcePolicy',
      'dynamodb:DeleteResourcePolicy',
      'dynamodb:DescribeTable',
    ])
      expect(denied, needed).not.toContain(needed);
    expect(denied.some((a) => a.includes('*'))).toBe(false);
  });

  it('denies no read: auditors query the table and its index', () => {
    const denied = policy().flatMap((st) => st.actions);
    for (const read of ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:BatchGetItem'])
      expect(denied).not.toContain(read);
  });
});

describe('access to History', () => {
  const writers = () =>
    [
      ['license-events', s.stack.licenseEvents],
      ['shipment-events', s.stack.shipmentEvents],
      ['shipment-history', s.stack.shipmentHistory],
    ] as const;

  it.each([0, 1, 2])(
    'lets writer %i (license-events, shipment-events, shipment-history) PutItem (a transaction Put) on the table, and no other write',
    (i) => {
      const [name, fn] = writers()[i] ?? [];
      if (!fn) throw new Error('no writer');
      const st = roleStatements(s.template, roleOf(fn));
      const reads = new Set(['dynamodb:Query']);
      const writes = actionsOn(st, arnOf(historyId())).filter((a) => !reads.has(a));
      expect(writes, name).toEqual(['dynamodb:PutItem']);
      expect([...HISTORY_WRITER_ACTIONS]).toEqual(['dynamodb:PutItem']);
      expect(actionsOn(st, indexArnsOf(historyId())), `${name}: no access to every index`).toEqual([]);
      const onHistory = st.filter((x) => JSON.stringify(x.resources).includes(historyId()));
      expect(
        onHistory.flatMap((x) => x.actions).filter((a) => !reads.has(a)),
        `${name}: nothing but PutItem and reads (below) on History`,
      ).toEqual(['dynamodb:PutItem']);
    },
  );

  it("lets shipment-events Query the byShipment index alone (one shipment's entries), and shipment-history read nothing", () => {
    const byShipment = { 'Fn::Join': ['', [arnOf(historyId()), `/index/${HISTORY_BY_SHIPMENT_INDEX}`]] };
    const reads = (fn: ClearanceFunction) =>
      roleStatements(s.template, roleOf(fn))
        .filter((x) => x.effect === 'Allow' && JSON.stringify(x.resources).includes(historyId()))
        .flatMap((x) => x.resources.map((r) => [x.actions.filter((a) => a !== 'dynamodb:PutItem'), r]))
        .filter(([actions]) => (actions as string[]).length > 0);
    expect(reads(s.stack.shipmentEvents)).toEqual([[['dynamodb:Query'], byShipment]]);
    expect(reads(s.stack.shipmentHistory)).toEqual([]);
    const licenseEvents = roleStatements(s.template, roleOf(s.stack.licenseEvents));
    expect(actionsOn(licenseEvents, byShipment), 'license-events: nothing on byShipment').toEqual([]);
  });

  it("lets license-events Query the table alone (a license's decisions: refuseReplaced), and read nothing else of History", () => {
    const st = roleStatements(s.template, roleOf(s.stack.licenseEvents));
    const onHistory = st.filter(
      (x) => x.effect === 'Allow' && JSON.stringify(x.resources).includes(historyId()),
    );
    // Statements CDK may merge: whatever their shape, every resource is the table itself.
    expect(onHistory.flatMap((x) => x.resources)).toEqual(onHistory.flatMap(() => [arnOf(historyId())]));
    expect(actionsOn(st, arnOf(historyId())).sort()).toEqual(['dynamodb:PutItem', 'dynamodb:Query']);
  });

  it('gives license-clock no access to History', () => {
    const st = roleStatements(s.template, roleOf(s.stack.licenseClock));
    expect(JSON.stringify(st)).not.toContain(historyId());
  });

  it('names History to its writers only, in HISTORY_TABLE', () => {
    const variables = (fn: ClearanceFunction) =>
      (s.resource(s.logicalId(fn.fn)).Properties?.Environment as { Variables?: Record<string, unknown> })
        ?.Variables ?? {};
    expect(variables(s.stack.licenseEvents)[ENV.historyTable]).toEqual({ Ref: historyId() });
    expect(variables(s.stack.shipmentEvents)[ENV.historyTable]).toEqual({ Ref: historyId() });
    expect(variables(s.stack.shipmentHistory)[ENV.historyTable]).toEqual({ Ref: historyId() });
    expect(variables(s.stack.licenseClock)[ENV.historyTable]).toBeUndefined();
  });

  it('exports the table name as HistoryTableName', () => {
    s.template.hasOutput('HistoryTableName', { Value: { Ref: historyId() } });
  });

  it('refuses to synthesize a History table nobody may write to', () => {
    const app = new App();
    const stack = new Stack(app, 'Bare');
    new HistoryTable(stack, 'History');
    expect(() => app.synth()).toThrow(/History has no writer/);
    const withWriter = new App();
    const other = new Stack(withWriter, 'Bare');
    const table = new HistoryTable(other, 'History');
    table.addWriter(new Role(other, 'Writer', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') }));
    expect(() => withWriter.synth()).not.toThrow();
  });
});
