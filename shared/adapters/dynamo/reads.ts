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
 * The items of `table` with the given `keys` (whole primary keys): BatchGetItem,
 * 100 keys a call, unprocessed keys retried with backoff. Duplicate keys must
 * be removed by the caller (BatchGetItem refuses them). `projection` names the
 * attributes to read (all when absent); `consistent` asks for consistent reads.
 */
export async function batchGetKeys(
  db: DynamoDBDocumentClient,
  table: string,
  keys: readonly Record<string, unknown>[],
  options: { consistent?: boolean; projection?: readonly string[] } = {},
): Promise<RawItem[]> {
  const found: RawItem[] = [];
  const projection = options.projection
    ? {
        ProjectionExpression: options.projection.map((_, i) => `#p${i}`).join(', '),
        ExpressionAttributeNames: Object.fromEntries(options.projection.map((a, i) => [`#p${i}`, a])),
      }
    : {};
  for (let i = 0; i < keys.length; i += 100) {
    let batch: Record<string, unknown>[] | undefined = keys.slice(i, i + 100);
    for (let attempt = 0; batch && batch.length > 0; attempt++) {
      const out: BatchGetCommandOutput = await db.send(
        new BatchGetCommand({
          RequestItems: {
            [table]: { Keys: batch, ...(options.consistent ? { ConsistentRead: true } : {}), ...projection },
          },
        }),
      );
      found.push(...((out.Responses?.[table] ?? []) as RawItem[]));
      batch = out.UnprocessedKeys?.[table]?.Keys;
      if (batch && batch.length > 0) await pause(attempt);
    }
  }
  return found;
}

/**
 * The items of `table` whose key attribute `key` is one of `ids`, by id,
 * with consistent reads (`batchGetKeys`). An id with no item is absent from the map.
 */
export async function batchGetItems(
  db: DynamoDBDocumentClient,
  table: string,
  key: string,
  ids: readonly string[],
): Promise<Map<string, RawItem>> {
  const keys = [...new Set(ids)].map((id) => ({ [key]: id }));
  const items = await batchGetKeys(db, table, keys, { consistent: true });
  return new Map(items.map((item) => [String(item[key]), item]));
}
