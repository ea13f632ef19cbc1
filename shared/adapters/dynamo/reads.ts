import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { RawItem } from '../../domain/ports.js';

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
