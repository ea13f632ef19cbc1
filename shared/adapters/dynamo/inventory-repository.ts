import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { inventoryKey } from '../../domain/counters.js';
import type { InventoryRepository, RawItem } from '../../domain/ports.js';
import { batchGetKeys, scanTable } from './reads.js';

/** DynamoDB implementation of the Inventory port. */
export class DynamoInventoryRepository implements InventoryRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async existing(keys: readonly { sku: string; warehouseId: string }[]): Promise<Set<string>> {
    const unique = [
      ...new Map(keys.map((k) => [inventoryKey(k), { sku: k.sku, warehouseId: k.warehouseId }])).values(),
    ];
    const items = await batchGetKeys(this.db, this.table, unique, { projection: ['sku', 'warehouseId'] });
    return new Set(
      items.map((item) => inventoryKey({ sku: String(item.sku), warehouseId: String(item.warehouseId) })),
    );
  }

  async skuExists(sku: string): Promise<boolean> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: '#s = :sku',
        ExpressionAttributeNames: { '#s': 'sku' },
        ExpressionAttributeValues: { ':sku': sku },
        Limit: 1,
      }),
    );
    return (out.Items ?? []).length > 0;
  }

  scan(): AsyncIterable<RawItem[]> {
    return scanTable(this.db, this.table);
  }
}
