import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  type DynamoDBDocumentClient,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { inventoryKey } from '../../domain/counters.js';
import type { InventoryRepository, RawItem } from '../../domain/ports.js';
import { scanTable } from './reads.js';
import { pause } from './transactions.js';

/** DynamoDB implementation of the Inventory port. */
export class DynamoInventoryRepository implements InventoryRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async existing(keys: readonly { sku: string; warehouseId: string }[]): Promise<Set<string>> {
    const found = new Set<string>();
    const unique = [...new Map(keys.map((k) => [inventoryKey(k), k])).values()];
    for (let i = 0; i < unique.length; i += 100) {
      let batch: Record<string, unknown>[] | undefined = unique
        .slice(i, i + 100)
        .map(({ sku, warehouseId }) => ({ sku, warehouseId }));
      for (let attempt = 0; batch && batch.length > 0; attempt++) {
        const out: BatchGetCommandOutput = await this.db.send(
          new BatchGetCommand({
            RequestItems: {
              [this.table]: {
                Keys: batch,
                ProjectionExpression: '#s, #w',
                ExpressionAttributeNames: { '#s': 'sku', '#w': 'warehouseId' },
              },
            },
          }),
        );
        for (const item of out.Responses?.[this.table] ?? []) {
          found.add(inventoryKey({ sku: String(item.sku), warehouseId: String(item.warehouseId) }));
        }
        batch = out.UnprocessedKeys?.[this.table]?.Keys;
        if (batch && batch.length > 0) await pause(attempt);
      }
    }
    return found;
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
