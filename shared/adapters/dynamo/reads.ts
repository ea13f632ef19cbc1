import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  type DynamoDBDocumentClient,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import type { RawItem } from '../../domain/ports.js';
import { pause } from './transactions.js';

/** Every item of `table`, a page at a time, with consistent reads. */
export async function* scanTable(db: DynamoDBDocumentClient, table: string): AsyncIterable<RawItem[]> {
  let start: Record<string, unknown> | undefined;
  do {
    const out = await db.send(
      new ScanCommand({ TableName: table, ExclusiveStartKey: start, ConsistentRead: true }),
    );
    yield (out.Items ?? []) as RawItem[];
    start = out.LastEvaluatedKey;
  } while (start);
}

/**
 * The items of `table` whose key attribute `key` is one of `ids`, by id,
 * with consistent reads: BatchGetItem, 100 keys a call, unprocessed keys
 * retried with backoff. An id with no item is absent from the map.
 */
export async function batchGetItems(
  db: DynamoDBDocumentClient,
  table: string,
  key: string,
  ids: readonly string[],
): Promise<Map<string, RawItem>> {
  const found = new Map<string, RawItem>();
  const unique = [...new Set(ids)];
  for (let i = 0; i < unique.length; i += 100) {
    let keys: Record<string, unknown>[] | undefined = unique.slice(i, i + 100).map((id) => ({ [key]: id }));
    for (let attempt = 0; keys && keys.length > 0; attempt++) {
      const out: BatchGetCommandOutput = await db.send(
        new BatchGetCommand({ RequestItems: { [table]: { Keys: keys, ConsistentRead: true } } }),
      );
      for (const item of (out.Responses?.[table] ?? []) as RawItem[]) found.set(String(item[key]), item);
      keys = out.UnprocessedKeys?.[table]?.Keys;
      if (keys && keys.length > 0) await pause(attempt);
    }
  }
  return found;
}
