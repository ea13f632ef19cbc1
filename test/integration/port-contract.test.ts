/**
 * The storage ports' contract (test/helpers/fakes/port-contract.ts) against
 * the DynamoDB adapters on DynamoDB Local: the same cases the in-memory fakes
 * pass (test/unit/engine/fakes-contract.test.ts), so the engine unit tests on
 * the fakes say something about the deployed system.
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  DynamoHistoryRepository,
  DynamoInventoryRepository,
  DynamoLicenseRepository,
  DynamoShipmentRepository,
  DynamoTallyRepository,
} from '../../shared/adapters/dynamo.js';
import { aLicense, nextId } from '../helpers/factories.js';
import { describeAlertContract } from '../helpers/fakes/alert-contract.js';
import { describeHistoryContract } from '../helpers/fakes/history-contract.js';
import { type ContractSubject, describePortContract } from '../helpers/fakes/port-contract.js';
import { useLocalStack } from '../helpers/stack.js';

// No stream handlers: the cases write the tables directly, as the engines would.
const local = useLocalStack({ startEsm: false });

const subject = (): ContractSubject => {
  const t = local.resources.tables;
  const names = {
    licenses: t.licenses.name,
    shipments: t.shipments.name,
    inventory: t.inventory.name,
    history: t.history.name,
    tallies: t.tallies.name,
  };
  return {
    licenses: new DynamoLicenseRepository(local.ddb, names.licenses, names.history),
    history: new DynamoHistoryRepository(local.ddb, names.history),
    tallies: new DynamoTallyRepository(local.ddb, names.tallies),
    shipments: new DynamoShipmentRepository(local.ddb, names),
    inventory: new DynamoInventoryRepository(local.ddb, names.inventory),
    async put(table, item) {
      await local.ddb.send(new PutCommand({ TableName: names[table], Item: item }));
    },
    async get(table, key) {
      const out = await local.ddb.send(
        new GetCommand({ TableName: names[table], Key: key, ConsistentRead: true }),
      );
      return out.Item;
    },
  };
};
describePortContract('the DynamoDB adapters', subject);
describeHistoryContract('the DynamoDB adapters', subject);
describeAlertContract('the DynamoDB adapters', subject);

// What the memory adapters and fakes assume of a condition on a whole map (sameValue in
// shared/domain/model.ts), which the expiry watch's record and the shipment writes' condition on
// `countedAs` rely on: a tick writes `expiryAlerted` only if it is still as read.
describe('the DynamoDB adapters: a condition on a whole map', () => {
  it('holds for the map as read, its keys in any order, and not once a list in it changed', async () => {
    const s = subject();
    const l = aLicense({ licenseId: nextId('LIC'), appliedStatus: 'APPROVED' });
    const read = { validUntil: l.validUntil, leads: [30, 7], quiet: [7] };
    await s.put('licenses', { ...l, expiryAlerted: read });
    const asRead = { quiet: [7], leads: [30, 7], validUntil: l.validUntil };
    const next = { validUntil: l.validUntil, leads: [30, 7] };
    for (const other of [
      { ...read, leads: [7, 30] },
      { ...read, leads: [30] },
      { validUntil: l.validUntil, leads: [30, 7] },
    ])
      expect(
        await s.licenses.recordAlerted(l.licenseId, 'expiryAlerted', next, { expiryAlerted: other }),
        JSON.stringify(other),
      ).toBe(false);
    expect(
      await s.licenses.recordAlerted(l.licenseId, 'expiryAlerted', next, { expiryAlerted: asRead }),
    ).toBe(true);
    expect((await s.get('licenses', { licenseId: l.licenseId }))?.expiryAlerted).toEqual(next);
  });
});
