import { DynamoShipmentRepository } from '../../shared/adapters/dynamo.js';
import {
  actedStatus,
  attentionTable,
  type Backlog,
  backlogNeeded,
  type IndexSum,
  rankAttention,
} from '../attention.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../errors.js';
import { count } from '../format.js';
import { progress } from '../io.js';
import { collect } from './common.js';
import { licenses, parseLicenseStatus } from './license-common.js';

/** Units and value of one license index, reading only those two attributes. */
async function sumIndex(ctx: CliContext, index: 'held' | 'released', licenseId: string): Promise<IndexSum> {
  const r = await ctx.resources();
  const { db } = await ctx.clients();
  return new DynamoShipmentRepository(db, r.tables).sumOf(index, licenseId);
}

/**
 * `licenses --attention` (also `license list --attention`): scans Licenses
 * once, then reads the held and released indexes of only the licenses whose
 * item cannot settle it alone (PENDING, expiring within 30 days, over a
 * limit), and ranks them (cli/attention.ts). `--status` keeps the licenses
 * whose status the system acts on (`appliedStatus`, else `status`) is the one
 * asked for, as they are ranked: a rejected edit in `status` does not drop one.
 */
export async function licenseAttention(ctx: CliContext, opts: { status?: string }): Promise<number> {
  const now = new Date();
  // As `license list --status`: any case, and a status that does not exist is an error, not an empty list.
  const status = opts.status === undefined ? undefined : parseLicenseStatus(opts.status);
  const items = await collect(ctx, 'scanning licenses', (await licenses(ctx)).scan(), (l) =>
    status === undefined ? true : actedStatus(l) === status,
  );
  const needed = items
    .map((l) => ({ licenseId: String(l.licenseId), ...backlogNeeded(l, now) }))
    .filter((n) => n.held || n.released);
  const bar = progress(ctx.io, 'reading the backlogs');
  const backlogs = new Map<string, Backlog>();
  for (const [i, n] of needed.entries()) {
    backlogs.set(n.licenseId, {
      ...(n.held ? { held: await sumIndex(ctx, 'held', n.licenseId) } : {}),
      ...(n.released ? { released: await sumIndex(ctx, 'released', n.licenseId) } : {}),
    });
    bar.update(`${count(i + 1)} of ${count(needed.length)} licenses`);
  }
  const ranked = rankAttention(items, backlogs, now);
  ctx.emit({ at: now.toISOString(), licenses: ranked }, () => attentionTable(ranked, now));
  return EXIT.ok;
}
