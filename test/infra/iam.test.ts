import { Validations } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ClearanceFunction } from '../../infra/clearance-function.js';
import { createResolver, PolicyIndex, RequestJudge, STATIC_NAMING } from '../../local/iam/index.js';
import {
  actionsOn,
  arnOf,
  indexArnsOf,
  ref,
  resourcesGranted,
  roleStatements,
  type Statement,
  type Synthesized,
  streamArnOf,
  synthesize,
} from './synth.js';

let s: Synthesized;
beforeAll(() => {
  s = synthesize();
});

const FUNCTIONS = ['license-events', 'shipment-events', 'license-clock'] as const;
type FunctionName = (typeof FUNCTIONS)[number];

const fnOf = (name: FunctionName): ClearanceFunction =>
  ({
    'license-events': s.stack.licenseEvents,
    'shipment-events': s.stack.shipmentEvents,
    'license-clock': s.stack.licenseClock,
  })[name];

const statementsOf = (name: FunctionName): Statement[] =>
  roleStatements(s.template, s.logicalId(fnOf(name).role));

const WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
];
/** No function creates or deletes a license, shipment or Inventory item: the admins and their tools do. */
const CREATE_OR_DELETE = ['dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];

/** Reads by key and query and updates (no scan, create or delete) each of `tables` in `statements`. */
function expectReadUpdateOnly(statements: Statement[], tables: string[], extra: string[] = []) {
  for (const id of tables) {
    // Exactly what the adapters call: not CDK's read set (Scan, ConditionCheckItem, DescribeTable).
    expect([...actionsOn(statements, arnOf(id))].sort(), id).toEqual(
      [...READ_ACTIONS, 'dynamodb:UpdateItem', ...extra].sort(),
    );
    for (const action of CREATE_OR_DELETE)
      expect(actionsOn(statements, arnOf(id)), `${id}: ${action}`).not.toContain(action);
  }
}
const READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem'];
/** The only actions AWS does not let us scope to a resource. */
const UNSCOPABLE_ACTIONS = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'dynamodb:ListStreams'];

const tableIds = () => ({
  licenses: s.logicalId(s.stack.tables.licenses),
  shipments: s.logicalId(s.stack.tables.shipments),
  inventory: s.logicalId(s.stack.tables.inventory),
});
const topicIds = () => ({
  customer: s.logicalId(s.stack.topics.customer.topic),
  logistics: s.logicalId(s.stack.topics.logistics.topic),
  ops: s.logicalId(s.stack.topics.ops.topic),
});
const keyIds = () => ({
  customer: s.logicalId(s.stack.topics.customer.key),
  logistics: s.logicalId(s.stack.topics.logistics.key),
  ops: s.logicalId(s.stack.topics.ops.key),
});

describe('every function role', () => {
  it.each(FUNCTIONS)('rejects wildcard actions in the %s role', (name) => {
    const statements = statementsOf(name);
    expect(statements.length).toBeGreaterThan(0);
    for (const statement of statements) {
      for (const action of statement.actions) expect(action, `${name}: ${action}`).not.toContain('*');
    }
  });

  it.each(FUNCTIONS)('rejects Resource "*" in the %s role except for actions AWS cannot scope', (name) => {
    for (const statement of statementsOf(name)) {
      if (statement.resources.includes('*')) {
        for (const action of statement.actions)
          expect(UNSCOPABLE_ACTIONS, `${name}: ${action} on *`).toContain(action);
      }
    }
  });

  it.each(FUNCTIONS)('lets %s write only to its own log group', (name) => {
    const fn = fnOf(name);
    expect(resourcesGranted(statementsOf(name), 'logs:PutLogEvents')).toEqual([
      arnOf(s.logicalId(fn.logGroup)),
    ]);
    expect(resourcesGranted(statementsOf(name), 'logs:CreateLogGroup')).toEqual([]);
  });

  it.each(FUNCTIONS)('lets %s write X-Ray traces', (name) => {
    expect(resourcesGranted(statementsOf(name), 'xray:PutTraceSegments')).toEqual(['*']);
  });

  it('lets each publishing function use the topic keys only through SNS, not by calling KMS itself', async () => {
    const t = s.template.toJSON() as { Resources: Record<string, { Type: string }> };
    const resolver = createResolver(t, STATIC_NAMING);
    const judge = new RequestJudge(PolicyIndex.fromTemplate(t, resolver), resolver);
    const viaSns = {
      'aws:SecureTransport': 'true',
      'kms:ViaService': `sns.${resolver.region}.amazonaws.com`,
    };
    const uses: string[] = [];
    for (const name of FUNCTIONS) {
      const roleLogicalId = s.logicalId(fnOf(name).role);
      for (const [topic, keyId] of Object.entries(keyIds())) {
        for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
          const request = { action, resource: resolver.arnOf(keyId) };
          const via = await judge.judge({ kind: 'role', roleLogicalId }, { ...request, context: viaSns });
          const direct = await judge.judge(
            { kind: 'role', roleLogicalId },
            { ...request, context: { 'aws:SecureTransport': 'true' } },
          );
          if (via.decision === 'Allowed' || direct.decision === 'Allowed')
            uses.push(`${name} ${action} ${topic}: via SNS ${via.decision}, directly ${direct.decision}`);
        }
      }
    }
    const expected = (name: FunctionName, topics: string[]) =>
      topics.flatMap((topic) =>
        ['kms:GenerateDataKey', 'kms:Decrypt'].map(
          (action) => `${name} ${action} ${topic}: via SNS Allowed, directly ImplicitlyDenied`,
        ),
      );
    expect(uses).toEqual([
      ...expected('license-events', ['customer', 'logistics', 'ops']),
      ...expected('shipment-events', ['customer', 'logistics', 'ops']),
      ...expected('license-clock', ['logistics', 'ops']),
    ]);
  });
});

describe('license-events', () => {
  it('reads and updates all three tables, including the Shipments GSIs, and may neither create nor delete an item', () => {
    const st = statementsOf('license-events');
    const t = tableIds();
    expectReadUpdateOnly(st, [t.licenses, t.shipments, t.inventory]);
    expect(actionsOn(st, indexArnsOf(t.shipments))).toContain('dynamodb:Query');
  });

  it('reads the Licenses stream and no other', () => {
    const st = statementsOf('license-events');
    expect(resourcesGranted(st, 'dynamodb:GetRecords')).toContainEqual(streamArnOf(tableIds().licenses));
    expect(resourcesGranted(st, 'dynamodb:GetRecords')).not.toContainEqual(streamArnOf(tableIds().shipments));
  });

  it("queries, updates and deletes Tallies (license events' digests) and nothing else of it, and no other function touches it", () => {
    const tallies = s.logicalId(s.stack.tables.tallies);
    expect([...actionsOn(statementsOf('license-events'), arnOf(tallies))].sort()).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
    for (const other of ['shipment-events', 'license-clock'] as const)
      expect(actionsOn(statementsOf(other), arnOf(tallies)), other).toEqual([]);
  });

  it("publishes to the ops topic, and the license events' digests to the customer and logistics topics, with exactly the key actions SNS needs", () => {
    const st = statementsOf('license-events');
    const topics = topicIds();
    expect([...resourcesGranted(st, 'sns:Publish')]).toEqual(
      expect.arrayContaining([ref(topics.ops), ref(topics.customer), ref(topics.logistics)]),
    );
    expect(resourcesGranted(st, 'sns:Publish')).toHaveLength(3);
    for (const key of [keyIds().ops, keyIds().customer, keyIds().logistics])
      expect(actionsOn(st, arnOf(key)).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
  });

  it('sends failed batches to the license-events DLQ only', () => {
    const st = statementsOf('license-events');
    expect(resourcesGranted(st, 'sqs:SendMessage')).toEqual([arnOf(s.logicalId(s.stack.licenseStream.dlq))]);
  });
});

describe('shipment-events', () => {
  it('reads and updates all three tables, and may neither create nor delete an item', () => {
    const st = statementsOf('shipment-events');
    const t = tableIds();
    expectReadUpdateOnly(st, [t.licenses, t.shipments, t.inventory]);
  });

  // shipment-events (functions/shipment-events.ts and the shipment-* engine modules it imports) reads
  // Shipments by GetItem only: ShipmentRepository.page, sumHeld and countHeldByReason, the only Query
  // callers on the GSIs, are reached from license-events and license-clock.
  it('is granted nothing on the Shipments GSIs, nor acknowledged to cdk-nag as querying them', () => {
    const role = s.stack.shipmentEvents.role;
    const acknowledged = role.node.metadata
      .filter((e) => e.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((e) => Object.entries(e.data as Record<string, string>))
      .filter(([id]) => id.includes('/index/*'));
    expect({
      onIndexes: actionsOn(statementsOf('shipment-events'), indexArnsOf(tableIds().shipments)),
      acknowledged,
    }).toEqual({ onIndexes: [], acknowledged: [] });
  });

  it('reads the Shipments stream and no other', () => {
    const st = statementsOf('shipment-events');
    expect(resourcesGranted(st, 'dynamodb:GetRecords')).toContainEqual(streamArnOf(tableIds().shipments));
    expect(resourcesGranted(st, 'dynamodb:GetRecords')).not.toContainEqual(streamArnOf(tableIds().licenses));
  });

  it('publishes to the customer, logistics and ops topics with their keys', () => {
    const st = statementsOf('shipment-events');
    const topics = topicIds();
    const keys = keyIds();
    expect(resourcesGranted(st, 'sns:Publish')).toEqual(
      expect.arrayContaining([ref(topics.customer), ref(topics.logistics), ref(topics.ops)]),
    );
    for (const key of [keys.customer, keys.logistics, keys.ops]) {
      expect(actionsOn(st, arnOf(key)).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    }
  });

  it('sends failed batches to the shipment-events DLQ only', () => {
    const st = statementsOf('shipment-events');
    expect(resourcesGranted(st, 'sqs:SendMessage')).toEqual([arnOf(s.logicalId(s.stack.shipmentStream.dlq))]);
  });
});

describe('license-clock', () => {
  it('reads (Scan included: it reads every license each minute) and updates Licenses, and may neither create nor delete one', () => {
    expectReadUpdateOnly(statementsOf('license-clock'), [tableIds().licenses], ['dynamodb:Scan']);
  });

  it('queries the Shipments held index but rejects any Shipments write', () => {
    const st = statementsOf('license-clock');
    const shipments = tableIds().shipments;
    expect(actionsOn(st, indexArnsOf(shipments))).toContain('dynamodb:Query');
    for (const action of WRITE_ACTIONS) {
      expect(actionsOn(st, arnOf(shipments))).not.toContain(action);
      expect(actionsOn(st, indexArnsOf(shipments))).not.toContain(action);
    }
  });

  it('may only query the Shipments indexes: nothing on the table itself (no Scan, GetItem or BatchGetItem)', () => {
    // Its backlog count and expiry watch read the sparse held and released
    // indexes; a Scan would also read every SHIPPED and CANCELLED shipment.
    const st = statementsOf('license-clock');
    const shipments = tableIds().shipments;
    expect(actionsOn(st, indexArnsOf(shipments))).toEqual(['dynamodb:Query']);
    expect(actionsOn(st, arnOf(shipments))).toEqual([]);
  });

  it('has no access to Inventory', () => {
    expect(actionsOn(statementsOf('license-clock'), arnOf(tableIds().inventory))).toEqual([]);
  });

  it('publishes to the ops and logistics topics only (LICENSE_EXPIRING), with exactly their keys, never to customers', () => {
    const st = statementsOf('license-clock');
    const topics = topicIds();
    const keys = keyIds();
    const published = resourcesGranted(st, 'sns:Publish');
    expect(published).toHaveLength(2);
    expect(published).toEqual(expect.arrayContaining([ref(topics.ops), ref(topics.logistics)]));
    for (const key of [keys.ops, keys.logistics])
      expect(actionsOn(st, arnOf(key)).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    expect(actionsOn(st, arnOf(keys.customer))).toEqual([]);
  });

  it('reads no stream and sends to no queue', () => {
    const st = statementsOf('license-clock');
    expect(resourcesGranted(st, 'dynamodb:ListStreams')).toEqual([]);
    expect(resourcesGranted(st, 'sqs:SendMessage')).toEqual([]);
  });
});
