import { type Command, Option } from 'commander';
import { DynamoLicenseRepository, licenseIndexPages } from '../../shared/adapters/dynamo.js';
import { licenseDecision, UNKNOWN_ACTOR } from '../../shared/domain/history.js';
import { LICENSE_STATUSES, LicenseSchema, ShipmentSchema, showValue } from '../../shared/domain/model.js';
import type { RawItem } from '../../shared/domain/ports.js';
import type { CliContext } from '../context.js';
import { CliError, NotFoundError, UsageError } from '../errors.js';

/** `--status` of `license list` (with or without --attention): any case; another word is an error naming the statuses. */
export function parseLicenseStatus(value: string): string {
  const upper = value.trim().toUpperCase();
  if ((LICENSE_STATUSES as readonly string[]).includes(upper)) return upper;
  throw new UsageError(`--status must be one of ${LICENSE_STATUSES.join(', ')}, not "${value}"`);
}

/** The Licenses table of the selected stack. */
export async function licenses(ctx: CliContext): Promise<DynamoLicenseRepository> {
  const r = await ctx.resources();
  const { db } = await ctx.clients();
  return new DynamoLicenseRepository(db, r.tables.licenses);
}

/**
 * One license, read consistently; a NotFoundError that points to `license list` when it does not exist.
 * An id no item can have (empty, over 2048 bytes) is refused before the read ({@link checkReadId}).
 */
export async function getLicense(ctx: CliContext, licenseId: string): Promise<RawItem> {
  checkReadId('licenseId', licenseId);
  const item = await (await licenses(ctx)).get(licenseId);
  if (!item) {
    const r = await ctx.resources();
    throw new NotFoundError(
      `no license ${licenseId} in table ${r.tables.licenses}; list them with \`clearance license list\``,
    );
  }
  return item;
}

/** RELEASED shipments of a license, counted on the sparse index, every key of the license (cheap: keys only). */
export async function countReleased(ctx: CliContext, licenseId: string): Promise<number> {
  const r = await ctx.resources();
  const { db } = await ctx.clients();
  let total = 0;
  for await (const out of licenseIndexPages(db, r.tables.shipments, 'released', licenseId, { count: true }))
    total += out.Count ?? 0;
  return total;
}

/**
 * Checks the id argument of a write command before anything is read: an id
 * outside the contract's rule cannot name an item the system accepted, and
 * DynamoDB would refuse an empty one with its own words.
 */
export function checkId(field: 'licenseId' | 'shipmentId', value: string): void {
  const schema = field === 'licenseId' ? LicenseSchema.shape.licenseId : ShipmentSchema.shape.shipmentId;
  const checked = schema.safeParse(value);
  if (checked.success) return;
  const list = field === 'licenseId' ? 'clearance license list' : 'clearance shipment list --license ID';
  throw new UsageError(
    `<${field}> "${showValue(value, 60)}" is not a ${field}: ${checked.error.issues[0]?.message ?? 'invalid'}. Copy it from \`${list}\``,
  );
}

/** DynamoDB's limit on a partition key value, in UTF-8 bytes. */
const MAX_KEY_BYTES = 2048;

/**
 * Checks the id a read command is given before anything is read. Weaker than
 * {@link checkId}: an item out of the contract may still be shown (its INVALID
 * note says why) and History keeps the entries of ids typed by hand. But no
 * item has an empty key or one over DynamoDB's 2048 bytes, and DynamoDB
 * would refuse those in its own words. `name` is how the command line gave it
 * (`<licenseId>`, `--license`).
 */
export function checkReadId(
  field: 'licenseId' | 'shipmentId',
  value: string,
  name: string = `<${field}>`,
): void {
  const list = field === 'licenseId' ? 'clearance license list' : 'clearance shipment list --license ID';
  const example = field === 'licenseId' ? 'LIC-H20-0001' : 'SHP-000042';
  if (value.trim() === '')
    throw new UsageError(`${name} is empty: give the ${field}, e.g. ${example} (copy it from \`${list}\`)`);
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > MAX_KEY_BYTES)
    throw new UsageError(
      `${name} "${showValue(value, 60)}" is ${bytes} bytes long: no ${field} can be, DynamoDB keys are at most ${MAX_KEY_BYTES} bytes. Copy it from \`${list}\``,
    );
}

/** A long option where text was due: `--wait`, `--no-wait`, `--timeout=60`. */
const LONG_OPTION = /^--[A-Za-z][\w-]*(=.*)?$/s;

/** Every flag the command line of `command` accepts: its own options, its parents' (global) ones, and help. */
function flagsOf(command: Command): Set<string> {
  const flags = new Set(['-h', '--help']);
  for (let c: Command | null = command; c; c = c.parent)
    for (const o of c.options) for (const f of [o.short, o.long]) if (f) flags.add(f);
  return flags;
}

/**
 * `--reason <text>` takes the next word whatever it is, so `--reason --wait`
 * would record "--wait" as the reason (History quotes it for good) and drop
 * the --wait. Refuses a reason that is one of the command's flags or looks
 * like a long option. `flags`: the command's flags, when known; `example`: a
 * reason to show.
 */
export function checkReasonIsText(
  reason: string,
  flags: ReadonlySet<string> = new Set(),
  example = 'BIS letter 2026-117',
): void {
  const flag = reason.trim();
  const isFlag = flags.has(flag) || flags.has(flag.split('=')[0] ?? flag);
  if (!isFlag && !LONG_OPTION.test(flag)) return;
  throw new UsageError(
    `--reason needs its text: --reason "${example}" (it took "${showValue(flag, 60)}", which ${isFlag ? 'is an option' : 'looks like an option'}). Put the reason in quotes right after --reason. Nothing was changed.`,
  );
}

/**
 * A preAction hook for every command with `--reason` (cli/program.ts hooks
 * it on the program, so it runs before the command's own checks, such as
 * "--timeout only applies with --wait", which a stolen flag would set off).
 */
export function refuseOptionAsReason(command: Command): void {
  if (!command.options.some((o) => o.long === '--reason')) return;
  const reason: unknown = command.opts().reason;
  const example = command.parent?.name() === 'shipment' ? 'picked up by DHL, AWB 1234' : undefined;
  if (typeof reason === 'string') checkReasonIsText(reason, flagsOf(command), example);
}

/** Checks `--reason` before anything is read: text (not a flag), not empty, and within the contract (statusReason). */
export function checkReason(reason: string): void {
  checkReasonIsText(reason);
  if (reason.trim() === '')
    throw new UsageError("--reason must not be empty: say why (the authority's letter, the ticket)");
  const checked = LicenseSchema.shape.statusReason.safeParse(reason);
  if (!checked.success) throw new UsageError(`--reason: ${checked.error.issues[0]?.message ?? 'invalid'}`);
}

/**
 * Who decides: the caller's identity (cli/identity.ts), checked against the
 * contract (updatedBy) before anything is written.
 */
export async function decider(ctx: CliContext): Promise<string> {
  const by = await ctx.identity();
  const checked = LicenseSchema.shape.updatedBy.safeParse(by);
  if (!checked.success) {
    throw new CliError(
      `your identity "${by.slice(0, 80)}" cannot be recorded as updatedBy: ${checked.error.issues[0]?.message ?? 'invalid'}`,
    );
  }
  return by;
}

/**
 * History credits a license decision to its author only when the edit sets
 * `updatedBy` or `statusReason` anew (licenseDecision, docs/data-contract.md
 * "History"): the same person deciding again with the same `--reason` would
 * be entered as `unknown`. Refuses that before anything is written.
 */
export function ensureCredited(
  license: RawItem,
  licenseId: string,
  author: { reason: string; by: string },
): void {
  const after = { ...license, updatedBy: author.by, statusReason: author.reason };
  if (licenseDecision(after, 'LICENSE_AMENDED', new Date().toISOString()).actor !== UNKNOWN_ACTOR) return;
  throw new UsageError(
    `--reason: your last decision on license ${licenseId} quoted the same reason ("${author.reason.slice(0, 80)}"). ` +
      'History credits a decision to you only when its reason or author changes, so this one would be entered as "unknown". ' +
      'Give this decision its own reason (for example the same reference and what you do now). Nothing was changed.',
  );
}

/** Who a decision records as its author; the same text for amend. */
export const AUTHOR_HELP = `The author (updatedBy, History's actor) is who runs the command: your AWS identity (the Arn of
STS GetCallerIdentity), on a local stack \`local:<your OS user>\`. There is no option to name someone else.
`;

/**
 * `--by NAME` named the author before the CLI asked AWS: a hidden option that
 * says so, instead of commander's bare "unknown option".
 */
export function refuseBy(command: Command): Command {
  return command.addOption(new Option('--by <name>').hideHelp()).hook('preAction', (_this, action) => {
    if (action.opts().by === undefined) return;
    throw new UsageError(
      '--by is gone: the author recorded as updatedBy is who runs the command (your AWS identity, or local:<OS user> on a local stack). Drop --by and run it as yourself',
    );
  });
}
