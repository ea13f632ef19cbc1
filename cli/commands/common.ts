import { DynamoShipmentRepository } from '../../shared/adapters/dynamo.js';
import type { RawItem } from '../../shared/domain/ports.js';
import type { CliContext } from '../context.js';
import { progress } from '../io.js';

/** Reads every page of a scan-like source, reporting progress on stderr. */
export async function collect(
  ctx: CliContext,
  label: string,
  pages: AsyncIterable<RawItem[]>,
  keep: (item: RawItem) => boolean = () => true,
): Promise<RawItem[]> {
  const bar = progress(ctx.io, label);
  const items: RawItem[] = [];
  let scanned = 0;
  for await (const page of pages) {
    scanned += page.length;
    for (const item of page) if (keep(item)) items.push(item);
    bar.update(`${scanned.toLocaleString('en-US')} items read`);
  }
  if (scanned >= 5000) bar.done(`${scanned.toLocaleString('en-US')} items read`);
  return items;
}

/** Every shipment of a license in one sparse index, in hold order. Stops after `limit` (0: all). */
export async function pageIndex(
  ctx: CliContext,
  index: 'held' | 'released',
  licenseId: string,
  limit: number,
): Promise<{ items: RawItem[]; more: boolean }> {
  const r = await ctx.resources();
  const { db } = await ctx.clients();
  const repo = new DynamoShipmentRepository(db, r.tables);
  const bar = progress(ctx.io, `reading ${index === 'held' ? 'HELD' : 'RELEASED'} shipments of ${licenseId}`);
  const items: RawItem[] = [];
  let after: string | undefined;
  do {
    const want = limit === 0 ? 1000 : Math.min(1000, limit - items.length + 1);
    const page = await repo.page(index, licenseId, after, want);
    items.push(...page.items);
    after = page.next;
    bar.update(`${items.length.toLocaleString('en-US')} read`);
  } while (after !== undefined && (limit === 0 || items.length <= limit));
  const more = limit !== 0 && (items.length > limit || after !== undefined);
  return { items: limit === 0 ? items : items.slice(0, limit), more };
}

/** The adapters' test for a failed ConditionExpression, for the CLI's own conditional writes. */
export { isConditionFailure } from '../../shared/adapters/dynamo/transactions.js';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
