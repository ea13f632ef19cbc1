/**
 * The ceiling: how fast DynamoDB Local takes N shipment-sized items at all.
 * Plain BatchWriteItem, 25 items a call, no conditions, into a table the
 * bench creates for the purpose with the Shipments key but no stream and no
 * GSI, then deletes. (Writing into the Shipments table with the emulator
 * stopped would leave N stream records and index entries behind, which the
 * restarted emulator would then treat as new shipments: the ceiling would
 * pollute the runs after it.) The items are the workload's shipments in the
 * form a release leaves them, so they are exactly as large.
 */
import { CreateTableCommand, DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { type BenchContext, batchPut, collectGarbage } from './context.js';
import { type MemoryReport, sampleMemory } from './memory.js';
import { itemBytes, releasedItems, type Workload } from './workload.js';

export interface CeilingResult {
  kind: 'ceiling';
  tag: string;
  n: number;
  /** Time to write the N items. */
  ms: number;
  /** BatchWriteItem calls sent (N / 25 plus resends of unprocessed items). */
  calls: number;
  concurrency: number;
  /** Average item size (DynamoDB's rule of thumb), bytes. */
  itemBytes: number;
  memory: MemoryReport;
  problems: string[];
}

export async function measureCeiling(
  ctx: BenchContext,
  w: Workload,
  concurrency: number,
): Promise<CeilingResult> {
  const table = `bench-ceiling-${w.tag}`;
  await ctx.dynamodb.send(
    new CreateTableCommand({
      TableName: table,
      KeySchema: [{ AttributeName: 'shipmentId', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'shipmentId', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  try {
    const items = releasedItems(w);
    const bytes = items.reduce((n, i) => n + itemBytes(i), 0) / Math.max(1, items.length);
    collectGarbage();
    const memory = sampleMemory(ctx.stack.services.dynamoDbPid);
    const started = performance.now();
    const calls = await batchPut(ctx.ddb, table, items, concurrency);
    const ms = performance.now() - started;
    return {
      kind: 'ceiling',
      tag: w.tag,
      n: w.n,
      ms,
      calls,
      concurrency,
      itemBytes: Math.round(bytes),
      memory: memory.stop(),
      problems: [],
    };
  } finally {
    await ctx.dynamodb.send(new DeleteTableCommand({ TableName: table }));
  }
}
