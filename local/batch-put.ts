/**
 * Seeding many items at once, for the local stack's demo, the benchmark and
 * the tests: BatchWriteItem in chunks of 25 (AWS's limit), several calls in
 * flight, unprocessed items sent again with a growing pause.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** BatchWriteItem allows 25 put requests per call. */
const CHUNK = 25;

/**
 * Puts `items` into `table` with `concurrency` BatchWriteItem calls in flight;
 * returns how many calls it made (resends of unprocessed items included).
 */
export async function batchPut(
  ddb: DynamoDBDocumentClient,
  table: string,
  items: readonly Record<string, unknown>[],
  concurrency = 4,
): Promise<number> {
  const chunks: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) chunks.push(items.slice(i, i + CHUNK));
  let next = 0;
  let calls = 0;
  const worker = async () => {
    for (let chunk = chunks[next++]; chunk !== undefined; chunk = chunks[next++]) {
      let requests: { PutRequest: { Item: Record<string, unknown> } }[] | undefined = chunk.map((Item) => ({
        PutRequest: { Item },
      }));
      for (let attempt = 0; requests && requests.length > 0; attempt++) {
        if (attempt > 0) await sleep(Math.min(500, 10 * 2 ** attempt));
        calls++;
        const out = await ddb.send(new BatchWriteCommand({ RequestItems: { [table]: requests } }));
        requests = out.UnprocessedItems?.[table] as typeof requests;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return calls;
}
