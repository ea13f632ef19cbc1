/** The template's tables on DynamoDB Local: keys, indexes, stream and TTL. */
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type { IndexModel, TableModel } from '../template.js';
import { physicalName } from './naming.js';
import { LOCAL_ACCOUNT_ID, LocalResourceError, type TableResource } from './types.js';

function indexInput(ix: IndexModel): {
  IndexName: string;
  KeySchema: Array<{ AttributeName: string; KeyType: 'HASH' | 'RANGE' }>;
  Projection: { ProjectionType: 'ALL' | 'KEYS_ONLY' | 'INCLUDE'; NonKeyAttributes?: string[] };
} {
  return {
    IndexName: ix.indexName,
    KeySchema: ix.keySchema.map((k) => ({ AttributeName: k.attributeName, KeyType: k.keyType })),
    Projection: {
      ProjectionType: ix.projectionType,
      ...(ix.nonKeyAttributes ? { NonKeyAttributes: [...ix.nonKeyAttributes] } : {}),
    },
  };
}

function tableInput(table: TableModel, name: string): CreateTableCommandInput {
  return {
    TableName: name,
    KeySchema: table.keySchema.map((k) => ({ AttributeName: k.attributeName, KeyType: k.keyType })),
    AttributeDefinitions: table.attributeDefinitions.map((a) => ({
      AttributeName: a.attributeName,
      AttributeType: a.attributeType,
    })),
    BillingMode: 'PAY_PER_REQUEST',
    ...(table.globalSecondaryIndexes.length > 0
      ? { GlobalSecondaryIndexes: table.globalSecondaryIndexes.map(indexInput) }
      : {}),
    ...(table.localSecondaryIndexes.length > 0
      ? { LocalSecondaryIndexes: table.localSecondaryIndexes.map(indexInput) }
      : {}),
    ...(table.streamViewType
      ? { StreamSpecification: { StreamEnabled: true, StreamViewType: table.streamViewType } }
      : {}),
  };
}

async function createTable(
  dynamodb: DynamoDBClient,
  table: TableModel,
  prefix: string,
  region: string,
): Promise<TableResource> {
  const name = physicalName(prefix, table.logicalId, 255);
  const out = await dynamodb.send(new CreateTableCommand(tableInput(table, name)));
  const desc = out.TableDescription;
  if (table.timeToLiveAttribute !== undefined) {
    await dynamodb.send(
      new UpdateTimeToLiveCommand({
        TableName: name,
        TimeToLiveSpecification: { Enabled: true, AttributeName: table.timeToLiveAttribute },
      }),
    );
  }
  if (table.streamViewType !== undefined && desc?.LatestStreamArn === undefined) {
    throw new LocalResourceError(`DynamoDB Local returned no stream ARN for ${name}`);
  }
  return {
    logicalId: table.logicalId,
    name,
    arn: desc?.TableArn ?? `arn:aws:dynamodb:${region}:${LOCAL_ACCOUNT_ID}:table/${name}`,
    ...(desc?.LatestStreamArn ? { streamArn: desc.LatestStreamArn } : {}),
  };
}

/** Creates every table (concurrently), by logical id. */
export async function createTables(
  dynamodb: DynamoDBClient,
  tables: readonly TableModel[],
  prefix: string,
  region: string,
): Promise<Record<string, TableResource>> {
  const entries = await Promise.all(
    tables.map(
      async (table) => [table.logicalId, await createTable(dynamodb, table, prefix, region)] as const,
    ),
  );
  return Object.fromEntries(entries);
}
