/**
 * History's resource policy, enforced live: in a copy of the template where
 * shipment-events' role is also granted UpdateItem and DeleteItem on History,
 * the stack's gateway still refuses both, as AWS would (an explicit Deny in
 * the table policy wins over an identity allow), and names the statement.
 * So does a BatchWriteItem, denied to every principal because IAM cannot tell
 * its deletes from its puts. Appends (a conditional PutItem, a
 * TransactWriteItems Put) pass.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, expect, it } from 'vitest';
import { HISTORY_POLICY_SIDS } from '../../infra/history.js';
import type { CfnTemplate } from '../../local/template.js';
import { useLocalStack } from '../helpers/stack.js';

let granted = 0;

/** Adds an identity policy allowing shipment-events UpdateItem and DeleteItem on History. */
function withUpdateAndDeleteGrant(template: CfnTemplate): void {
  const resources = template.Resources as Record<string, { Type: string; Properties?: unknown }>;
  const ids = (type: string, prefix: string) =>
    Object.keys(resources).filter((id) => id.startsWith(prefix) && resources[id]?.Type === type);
  const [role] = ids('AWS::IAM::Role', 'ShipmentEventsRole');
  const [history] = ids('AWS::DynamoDB::Table', 'TablesHistory');
  if (!role || !history) return;
  resources.ShipmentEventsMayRewriteHistory = {
    Type: 'AWS::IAM::Policy',
    Properties: {
      PolicyName: 'rewrite-history',
      Roles: [{ Ref: role }],
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: ['dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
            Resource: { 'Fn::GetAtt': [history, 'Arn'] },
          },
        ],
      },
    },
  };
  granted += 1;
}

const local = useLocalStack({
  editTemplate: withUpdateAndDeleteGrant,
  expectDenials: true,
  functionLogs: () => undefined,
  log: () => undefined,
});

let asShipmentEvents: DynamoDBDocumentClient | undefined;
afterAll(() => asShipmentEvents?.destroy());

/** A document client acting as shipment-events' role at the gateway. */
function shipmentEventsClient(): DynamoDBDocumentClient {
  const fn = Object.values(local.resources.functionsByLogicalId).find(
    (f) => f.entry === 'functions/shipment-events.ts',
  );
  if (!fn) throw new Error('no shipment-events function');
  asShipmentEvents ??= DynamoDBDocumentClient.from(
    new DynamoDBClient({ credentials: local.stack.roleCredentials(fn.logicalId) }),
  );
  return asShipmentEvents;
}

const entry = (entryId: string) => ({
  licenseId: 'LIC-AUDIT',
  entryId,
  at: '2026-03-01T00:00:00Z',
  eventType: 'SHIPMENT_HELD',
  shipmentId: 'SHP-AUDIT',
  actor: 'clearance',
});

it('refuses UpdateItem, DeleteItem and BatchWriteItem on History by a writer role, whatever its identity policy', async () => {
  expect(granted, 'the template had the shipment-events role and the History table').toBe(1);
  const TableName = local.resources.tables.history.name;
  const key = { licenseId: 'LIC-AUDIT', entryId: '0001' };
  const client = shipmentEventsClient();

  // Appends pass: a conditional put, and a transaction of conditional Puts (how the writers append).
  const onlyNew = 'attribute_not_exists(entryId)';
  await client.send(new PutCommand({ TableName, Item: entry('0001'), ConditionExpression: onlyNew }));
  await client.send(
    new TransactWriteCommand({
      TransactItems: ['0002', '0003'].map((id) => ({
        Put: { TableName, Item: entry(id), ConditionExpression: onlyNew },
      })),
    }),
  );
  expect(local.stack.requests().denied).toEqual([]);

  // A batch is refused, a delete here and a batch of puts alike: IAM sees BatchWriteItem either way.
  const batch = client.send(
    new BatchWriteCommand({ RequestItems: { [TableName]: [{ DeleteRequest: { Key: key } }] } }),
  );
  await expect(batch).rejects.toMatchObject({ name: 'AccessDeniedException' });

  const update = client.send(
    new UpdateCommand({
      TableName,
      Key: key,
      UpdateExpression: 'SET actor = :a',
      ExpressionAttributeValues: { ':a': 'someone' },
    }),
  );
  await expect(update).rejects.toMatchObject({ name: 'AccessDeniedException' });
  await expect(client.send(new DeleteCommand({ TableName, Key: key }))).rejects.toMatchObject({
    name: 'AccessDeniedException',
  });

  const { Item } = await local.ddb.send(new GetCommand({ TableName, Key: key }));
  expect(Item).toEqual(entry('0001'));

  const denied = local.stack.requests().denied;
  expect(denied.map((d) => d.action).sort()).toEqual([
    'dynamodb:BatchWriteItem',
    'dynamodb:DeleteItem',
    'dynamodb:UpdateItem',
  ]);
  for (const d of denied) {
    expect(d.caller).toBe('shipment-events mapping');
    expect(d.resource).toBe(local.resources.tables.history.arn);
    expect(d.explanation).toContain(
      `explicitly denied by statement ${HISTORY_POLICY_SIDS.immutable} of the table policy`,
    );
  }
  expect(
    local.stack
      .refusals()
      .filter((r) => r.kind === 'permission')
      .map((r) => r.operation),
  ).toEqual(['BatchWriteItem', 'UpdateItem', 'DeleteItem']);
});
