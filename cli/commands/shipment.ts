import { GetCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Command } from 'commander';
import { shipmentEditDecision, UNKNOWN_ACTOR } from '../../shared/domain/history.js';
import { parseItem, SHIPMENT_STATUSES, ShipmentSchema } from '../../shared/domain/model.js';
import { holdOrderKey } from '../../shared/domain/planning.js';
import type { RawItem } from '../../shared/domain/ports.js';
import { IMMUTABLE_SHIPMENT_FIELDS } from '../../shared/domain/shipment-rules.js';
import type { CliContext } from '../context.js';
import { EXIT, LostRaceError, NotFoundError, RefusedError, UsageError } from '../errors.js';
import { cliChangedBy } from '../identity.js';
import { progress } from '../io.js';
import { type CliWrite, carriesWrite, changedFields, cliUpdate, describeChanges, readsAs } from '../race.js';
import { planShipmentAction, type ShipmentAction, type ShipmentPlan } from '../transitions.js';
import { shipmentDetail, shipmentTable } from '../views.js';
import { isConditionFailure, pageIndex } from './common.js';
import { registerShipmentHistory } from './history.js';
import {
  AUTHOR_HELP,
  checkId,
  checkReadId,
  checkReason,
  decider,
  getLicense,
  refuseBy,
} from './license-common.js';
import { example, type Wiring, whole } from './wiring.js';

export function parseShipmentStatus(value: string): string {
  const upper = value.trim().toUpperCase();
  if ((SHIPMENT_STATUSES as readonly string[]).includes(upper)) return upper;
  throw new UsageError(`--status must be one of ${SHIPMENT_STATUSES.join(', ')}, not "${value}"`);
}

/** For --json: the item and, when it is out of the contract, why (the text's INVALID note), as inventory does. */
function shipmentJson(raw: RawItem): RawItem {
  const parsed = parseItem(ShipmentSchema, raw);
  return parsed.ok ? raw : { ...raw, problems: parsed.problems };
}

/** One shipment, read consistently, or undefined when there is none. */
async function findShipment(ctx: CliContext, shipmentId: string): Promise<RawItem | undefined> {
  const r = await ctx.resources();
  const { db } = await ctx.clients();
  const out = await db.send(
    new GetCommand({ TableName: r.tables.shipments, Key: { shipmentId }, ConsistentRead: true }),
  );
  return out.Item as RawItem | undefined;
}

async function getShipment(ctx: CliContext, shipmentId: string): Promise<RawItem> {
  const item = await findShipment(ctx, shipmentId);
  if (!item) {
    const r = await ctx.resources();
    throw new NotFoundError(
      `no shipment ${shipmentId} in table ${r.tables.shipments}; find it with \`clearance shipment list --license ID\``,
    );
  }
  return item;
}

/** Scans Shipments for one license (and status), stopping after `limit` matches (0: all). */
async function scanShipments(
  ctx: CliContext,
  licenseId: string,
  status: string | undefined,
  limit: number,
): Promise<{ items: RawItem[]; more: boolean }> {
  const r = await ctx.resources();
  const { db } = await ctx.clients();
  const bar = progress(ctx.io, `scanning shipments of ${licenseId}`);
  const items: RawItem[] = [];
  let scanned = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const out = await db.send(
      new ScanCommand({
        TableName: r.tables.shipments,
        FilterExpression: status === undefined ? '#l = :l' : '#l = :l AND #s = :s',
        ExpressionAttributeNames: { '#l': 'licenseId', ...(status === undefined ? {} : { '#s': 'status' }) },
        ExpressionAttributeValues: { ':l': licenseId, ...(status === undefined ? {} : { ':s': status }) },
        ExclusiveStartKey: start,
      }),
    );
    items.push(...((out.Items ?? []) as RawItem[]));
    scanned += out.ScannedCount ?? 0;
    start = out.LastEvaluatedKey;
    bar.update(`${scanned.toLocaleString('en-US')} scanned, ${items.length.toLocaleString('en-US')} match`);
  } while (start && (limit === 0 || items.length <= limit));
  // Hold order by the system's own key (holdOrderKey); an item out of the contract has none and goes last.
  const key = (s: RawItem) => {
    const p = parseItem(ShipmentSchema, s);
    return p.ok ? holdOrderKey(p.value) : `~${String(s.shipmentId)}`;
  };
  const keys = new Map(items.map((s) => [s, key(s)]));
  const ordered = items.sort((a, b) => {
    const [ka, kb] = [keys.get(a) ?? '', keys.get(b) ?? ''];
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
  const more = limit !== 0 && (items.length > limit || start !== undefined);
  return { items: limit === 0 ? ordered : ordered.slice(0, limit), more };
}

export async function shipmentList(
  ctx: CliContext,
  opts: { license: string; status?: string; limit: number },
): Promise<number> {
  checkId('licenseId', opts.license);
  const status = opts.status === undefined ? undefined : parseShipmentStatus(opts.status);
  const { items, more } =
    status === 'HELD'
      ? await pageIndex(ctx, 'held', opts.license, opts.limit)
      : status === 'RELEASED'
        ? await pageIndex(ctx, 'released', opts.license, opts.limit)
        : await scanShipments(ctx, opts.license, status, opts.limit);
  // "No shipments." for an id typed in the wrong case or a digit short would read as an empty license.
  if (items.length === 0) await getLicense(ctx, opts.license);
  // The held and released indexes page in hold order; other statuses are scanned, which stops at limit + 1 matches.
  const indexed = status === 'HELD' || status === 'RELEASED';
  const note = !more
    ? undefined
    : indexed
      ? `Showing the first ${opts.limit}; pass --limit N for more, or --limit 0 for all.`
      : `Showing ${opts.limit} of the matches, not the first ${opts.limit} in hold order: only HELD and RELEASED shipments are indexed, and the scan stopped at ${opts.limit + 1} matches. Pass --limit 0 for all of them, in order.`;
  ctx.emit({ shipments: items.map(shipmentJson), more }, () =>
    note === undefined ? shipmentTable(items) : `${shipmentTable(items)}\n${note}`,
  );
  // --json prints the page only: the note (which shipments these are) goes to stderr.
  if (ctx.json && note !== undefined) ctx.io.err(`Note: ${note}`);
  return EXIT.ok;
}

export async function shipmentShow(ctx: CliContext, shipmentId: string): Promise<number> {
  checkReadId('shipmentId', shipmentId);
  const item = await getShipment(ctx, shipmentId);
  ctx.emit(shipmentJson(item), () => shipmentDetail(item));
  return EXIT.ok;
}

/**
 * ship / cancel: checks the edit with the system's rule, then writes `status`
 * conditionally on everything the plan judged being still as read (the
 * status as counted, the fixed fields and stamp, value, priority,
 * requestedAt, revision). The shipment-events function moves the counters.
 */
export async function shipmentAction(
  ctx: CliContext,
  action: ShipmentAction,
  shipmentId: string,
  opts: { reason?: string },
): Promise<number> {
  checkId('shipmentId', shipmentId);
  if (opts.reason !== undefined) checkReason(opts.reason);
  const r = await ctx.resources();
  const { db } = await ctx.clients();
  const shipment = await getShipment(ctx, shipmentId);
  const plan = planShipmentAction(action, { ...shipment, shipmentId });
  if (plan.kind === 'refuse') throw new RefusedError(`${plan.reason}. Nothing was changed.`);
  if (plan.kind === 'noop') {
    ctx.emit({ shipmentId, changed: false, reason: plan.reason }, () => plan.reason);
    return EXIT.ok;
  }
  const by = await decider(ctx);
  ensureShipmentCredited(shipment, shipmentId, plan.to, { reason: opts.reason, by });
  // Without --reason, statusReason is removed: the creator's (or a previous editor's) reason would
  // otherwise stay on the item, and History would quote it as the reason for this decision.
  const write: CliWrite = {
    set: {
      status: plan.to,
      updatedBy: by,
      changedBy: cliChangedBy(by),
      ...(opts.reason === undefined ? {} : { statusReason: opts.reason }),
    },
    remove: opts.reason === undefined ? ['statusReason'] : [],
    by,
  };
  try {
    await db.send(new UpdateCommand(cliUpdate(r.tables.shipments, { shipmentId }, write, plan.expect)));
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const theirs = await afterLostCondition(ctx, shipment, { ...plan, shipmentId }, write, error);
    if (theirs !== undefined) {
      ctx.emit({ shipmentId, changed: false, reason: theirs }, () => theirs);
      return EXIT.ok;
    }
  }
  const counters =
    plan.to === 'SHIPPED'
      ? 'released → shipped, and onHand goes down'
      : plan.from === 'RELEASED'
        ? 'released units return to available, and to the license'
        : 'held units return to available';
  ctx.emit({ shipmentId, changed: true, from: plan.from, to: plan.to }, () =>
    [
      `Shipment ${shipmentId}: ${plan.from} → ${plan.to} (by ${by}${opts.reason === undefined ? '' : `: "${opts.reason}"`}).`,
      `The system moves the counters in the background (${counters}) and notifies the customer and the warehouse.`,
    ].join('\n'),
  );
  return EXIT.ok;
}

type ShipmentChange = Extract<ShipmentPlan, { kind: 'change' }> & { shipmentId: string };

/** Attributes the system sets back when they are typed over (a field of the stamp, the stamp, a drawn value). */
const SET_BACK = new Set<string>([...IMMUTABLE_SHIPMENT_FIELDS, 'countedAs', 'value', 'countedValue']);
/** What someone's identical status edit changes, and the system with it as it applies it: the rest stays as read. */
const SYSTEM_KEPT = new Set(['status', 'countedStatus', 'countedValue', 'revision']);

/**
 * After the write's condition failed, what the shipment shows now: this
 * command's own write (committed, its response lost, and the SDK's resend
 * failed): undefined, it is done; someone's identical status edit, with
 * every field the plan judged as read: what to tell the operator (nothing
 * was written, and nothing needs to be). Otherwise a LostRaceError naming
 * what changed.
 */
async function afterLostCondition(
  ctx: CliContext,
  read: RawItem,
  plan: ShipmentChange,
  write: CliWrite,
  error: unknown,
): Promise<string | undefined> {
  const id = plan.shipmentId;
  const now = await findShipment(ctx, id);
  if (carriesWrite(now, write)) return undefined;
  if (now === undefined) {
    throw new LostRaceError(`shipment ${id} was deleted while this command ran; nothing was written`, {
      cause: error,
    });
  }
  const fields = Object.keys(plan.expect);
  const others = Object.fromEntries(Object.entries(plan.expect).filter(([f]) => !SYSTEM_KEPT.has(f)));
  const counted = now.countedStatus === plan.from || now.countedStatus === plan.to;
  if (now.status === plan.to && counted && readsAs(now, others)) {
    return `shipment ${id} was set to ${plan.to} by someone else while this command ran (updatedBy ${String(now.updatedBy ?? '(none)')}); nothing was written, and their edit stands with its own reason and author. Follow it with \`clearance shipment show ${id}\``;
  }
  const changed = changedFields(read, now, fields);
  const setBack = changed.filter((f) => SET_BACK.has(f));
  const other = changed.filter((f) => !SET_BACK.has(f));
  const what = [
    ...(setBack.length === 0
      ? []
      : [`${describeChanges(read, now, setBack)} ${setBack.length === 1 ? 'was' : 'were'} typed meanwhile`]),
    ...(other.length === 0 ? [] : [describeChanges(read, now, other)]),
  ].join('; ');
  const advice =
    setBack.length === 0
      ? `Look at it with \`clearance shipment show ${id}\` and run the command again if it still applies`
      : `Wait until the system sets ${setBack.length === 1 ? 'it' : 'them'} back (\`clearance shipment show ${id}\`), then run the command again`;
  throw new LostRaceError(
    `shipment ${id} changed while this command ran${what === '' ? '' : ` (${what})`}; nothing was written. ${advice}`,
    { cause: error },
  );
}

/**
 * History credits a shipment edit to its author only when it sets `updatedBy`
 * or `statusReason` anew (`shipmentEditDecision`): the editor who last set
 * them, with no `--reason` (or the same one), would be entered as `unknown`.
 * Refused before anything is written, as the license decisions are.
 */
function ensureShipmentCredited(
  shipment: RawItem,
  shipmentId: string,
  to: string,
  author: { reason?: string; by: string },
): void {
  const { statusReason: _, ...rest } = shipment;
  const after = {
    ...rest,
    status: to,
    updatedBy: author.by,
    ...(author.reason ? { statusReason: author.reason } : {}),
  };
  if (shipmentEditDecision(after, shipment).actor !== UNKNOWN_ACTOR) return;
  throw new UsageError(
    `--reason: you were the last to edit shipment ${shipmentId}, with ${author.reason === undefined ? 'no reason' : 'the same reason'}. ` +
      'History credits an edit to you only when its reason or author changes, so this one would be entered as "unknown". ' +
      'Give it a --reason of its own (for example the airway bill, or why it is cancelled). Nothing was changed.',
  );
}

/** `clearance shipment list|show|ship|cancel|history`. */
export function registerShipmentCommands(program: Command, { act }: Wiring): void {
  const shipment = program
    .command('shipment')
    .description('list and inspect shipments; mark them shipped or cancelled');
  shipment
    .command('list')
    .description(
      'list the shipments of a license (HELD and RELEASED from the license indexes, other statuses by scan)',
    )
    .requiredOption('--license <licenseId>', 'the license whose shipments to list (required)')
    .option(
      '--status <status>',
      `only shipments with this status: ${SHIPMENT_STATUSES.join(', ')} (any case)`,
    )
    .option('--limit <n>', 'show at most this many (0: all)', whole, 100)
    .addHelpText(
      'after',
      example(
        'clearance shipment list --license LIC-H20-0001 --status HELD',
        'clearance shipment list --license LIC-H20-0001 --limit 0 --json',
      ),
    )
    .action(act((ctx, opts: { license: string; status?: string; limit: number }) => shipmentList(ctx, opts)));
  shipment
    .command('show')
    .description('show one shipment, including the system-kept attributes')
    .argument('<shipmentId>', 'the shipment, e.g. SHP-000042')
    .addHelpText('after', example('clearance shipment show SHP-000042'))
    .action(act((ctx, id: string) => shipmentShow(ctx, id)));
  for (const [action, text] of [
    ['ship', 'mark a RELEASED shipment SHIPPED (the counters move released → shipped)'],
    ['cancel', 'cancel a HELD or RELEASED shipment (its units become available again)'],
  ] as const) {
    refuseBy(shipment.command(action))
      .description(text)
      .argument('<shipmentId>', 'the shipment, e.g. SHP-000042')
      .option(
        '--reason <text>',
        'why (stored as statusReason; History quotes it). Without it statusReason is removed, so History quotes no earlier reason; required when you were the last to edit the shipment (History credits an edit only when its author or reason changes)',
      )
      .addHelpText(
        'after',
        `\n${AUTHOR_HELP}${example(`clearance shipment ${action} SHP-000042 --reason "picked up by DHL, AWB 1234"`)}`,
      )
      .action(act((ctx, id: string, opts: { reason?: string }) => shipmentAction(ctx, action, id, opts)));
  }
  registerShipmentHistory(shipment, act);
}
