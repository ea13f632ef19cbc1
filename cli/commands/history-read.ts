import { QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { RawItem } from '../../shared/domain/ports.js';
import { HISTORY_BY_SHIPMENT_INDEX } from '../../shared/names.js';
import type { CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { count } from '../format.js';
import { progress } from '../io.js';

/** Reading the History table: a license's entries, a shipment's, or all of them, page by page. */

/** The History table of the selected stack, or an error that says why it is missing and what to do. */
export async function historyTable(ctx: CliContext): Promise<string> {
  const r = await ctx.resources();
  if (r.tables.history !== undefined) return r.tables.history;
  throw new CliError(
    r.origin === 'local'
      ? `the stack description (${r.source}) names no History table (tables.history): it was printed by a stack older than History. Restart \`npm run stack\` and use the line it prints`
      : `the stack (${r.source}) has no HistoryTableName output: it was deployed before the History table existed. Deploy the current version with \`npx cdk deploy\``,
  );
}

type Page = {
  Items?: Record<string, unknown>[];
  LastEvaluatedKey?: Record<string, unknown>;
  ScannedCount?: number;
};

/** Sends `request` for every page, reporting on stderr how many entries were read. */
async function pages(
  ctx: CliContext,
  label: string,
  send: (start: Record<string, unknown> | undefined) => Promise<Page>,
): Promise<RawItem[]> {
  const bar = progress(ctx.io, label);
  const items: RawItem[] = [];
  let read = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const out = await send(start);
    items.push(...((out.Items ?? []) as RawItem[]));
    read += out.ScannedCount ?? out.Items?.length ?? 0;
    start = out.LastEvaluatedKey;
    bar.update(`read ${count(read)} entries…`);
  } while (start);
  if (read >= 5000) bar.done(`read ${count(read)} entries`);
  return items;
}

/** Every entry of one license, in `entryId` order (time order). Strongly consistent. */
export async function licenseEntries(ctx: CliContext, licenseId: string): Promise<RawItem[]> {
  const table = await historyTable(ctx);
  const { db } = await ctx.clients();
  return pages(ctx, `reading the History of ${licenseId}`, (start) =>
    db.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: '#l = :l',
        ExpressionAttributeNames: { '#l': 'licenseId' },
        ExpressionAttributeValues: { ':l': licenseId },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    ),
  );
}

/** Every entry of one shipment, from the `byShipment` index (eventually consistent: a second behind at most). */
export async function shipmentEntries(ctx: CliContext, shipmentId: string): Promise<RawItem[]> {
  const table = await historyTable(ctx);
  const { db } = await ctx.clients();
  return pages(ctx, `reading the History of ${shipmentId}`, (start) =>
    db.send(
      new QueryCommand({
        TableName: table,
        IndexName: HISTORY_BY_SHIPMENT_INDEX,
        KeyConditionExpression: '#s = :s',
        ExpressionAttributeNames: { '#s': 'shipmentId' },
        ExpressionAttributeValues: { ':s': shipmentId },
        ExclusiveStartKey: start,
      }),
    ),
  );
}

/**
 * Every entry of the table (a Scan, any size). `attributes` limits what is
 * read per entry; `drawsOnly` keeps the entries that carry `drawn` (the
 * filter runs on the server: less to transfer, the same read cost);
 * `consistent` reads every entry committed before the Scan (twice the read
 * units).
 */
export async function allEntries(
  ctx: CliContext,
  opts: { attributes?: readonly string[]; drawsOnly?: boolean; consistent?: boolean } = {},
): Promise<RawItem[]> {
  const table = await historyTable(ctx);
  const { db } = await ctx.clients();
  const names: Record<string, string> = {};
  for (const [i, a] of (opts.attributes ?? []).entries()) names[`#p${i}`] = a;
  if (opts.drawsOnly) names['#drawn'] = 'drawn';
  return pages(ctx, 'reading History', (start) =>
    db.send(
      new ScanCommand({
        TableName: table,
        ...(opts.attributes
          ? { ProjectionExpression: opts.attributes.map((_, i) => `#p${i}`).join(', ') }
          : {}),
        ...(opts.drawsOnly ? { FilterExpression: 'attribute_exists(#drawn)' } : {}),
        ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
        ...(opts.consistent ? { ConsistentRead: true } : {}),
        ExclusiveStartKey: start,
      }),
    ),
  );
}
