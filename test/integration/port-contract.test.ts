/**
 * The storage ports' contract (test/helpers/fakes/port-contract.ts) against
 * the DynamoDB adapters on DynamoDB Local: the same cases the in-memory fakes
 * pass (test/unit/engine/fakes-contract.test.ts), so the engine unit tests on
 * the fakes say something about the deployed system.
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import {
  DynamoHistoryRepository,
  DynamoInventoryRepository,
  DynamoLicenseRepository,
  DynamoShipmentRepository,
} from '../../shared/adapters/dynamo.js';
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
  };
  return {
    licenses: new DynamoLicenseRepository(local.ddb, names.licenses, names.history),
    history: new DynamoHistoryRepository(local.ddb, names.history),
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
