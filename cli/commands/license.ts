import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Command } from 'commander';
import { Expr } from '../../shared/adapters/dynamo/expressions.js';
import { DynamoShipmentRepository } from '../../shared/adapters/dynamo.js';
import { LICENSE_STATUSES, LicenseSchema, parseItem } from '../../shared/domain/model.js';
import type { RawItem } from '../../shared/domain/ports.js';
import { termsAsRead } from '../../shared/domain/terms.js';
import { pendingAmendment } from '../amend-plan.js';
import type { CliContext } from '../context.js';
import { EXIT, LostRaceError, NotFoundError, RefusedError, UsageError } from '../errors.js';
import { count, countOf } from '../format.js';
import { authorAttributes } from '../identity.js';
import { progress } from '../io.js';
import { carriesWrite, changedFields, describeChanges, readsAs } from '../race.js';
import {
  decisionProblem,
  LICENSE_ACTIONS,
  type LicenseAction,
  type LicensePlan,
  planLicenseAction,
} from '../transitions.js';
import {
  emptyTally,
  licenseDerived,
  licenseDetail,
  licenseTable,
  type ShipmentTally,
  tally,
} from '../views.js';
import { collect, isConditionFailure, pageIndex, sleep } from './common.js';
import { registerLicenseHistory } from './history.js';
import { registerAmendCommand } from './license-amend.js';
import { licenseAttention } from './license-attention.js';
import {
  AUTHOR_HELP,
  checkId,
  checkReason,
  countReleased,
  decider,
  ensureCredited,
  getLicense,
  licenses,
  parseLicenseStatus,
  refuseBy,
} from './license-common.js';
import { registerSimulateCommand } from './license-simulate.js';
import { type Act, example, positive, type Wiring } from './wiring.js';

/** For --json: the derived figures and, for an item out of the contract, why (the text's INVALID note). */
function licenseJson(raw: RawItem) {
  const parsed = parseItem(LicenseSchema, raw);
  return { derived: licenseDerived(raw), ...(parsed.ok ? {} : { problems: parsed.problems }) };
}

export async function licenseList(ctx: CliContext, opts: { status?: string }): Promise<number> {
  const status = opts.status === undefined ? undefined : parseLicenseStatus(opts.status);
  const items = await collect(ctx, 'scanning licenses', (await licenses(ctx)).scan(), (l) =>
    status === undefined ? true : l.status === status,
  );
  items.sort((a, b) => String(a.licenseId).localeCompare(String(b.licenseId)));
  ctx.emit(
    items.map((l) => ({ ...l, ...licenseJson(l) })),
    () => licenseTable(items),
  );
  return EXIT.ok;
}

export async function licenseShow(
  ctx: CliContext,
  licenseId: string,
  opts: { scan?: boolean },
): Promise<number> {
  const license = await getLicense(ctx, licenseId);
  let shipments: ShipmentTally;
  if (opts.scan) {
    const r = await ctx.resources();
    const { db } = await ctx.clients();
    const repo = new DynamoShipmentRepository(db, r.tables);
    const items = await collect(ctx, 'scanning shipments', repo.scan(), (s) => s.licenseId === licenseId);
    shipments = tally(emptyTally('scan'), items);
  } else {
    shipments = emptyTally('index');
    tally(shipments, (await pageIndex(ctx, 'held', licenseId, 0)).items);
    tally(shipments, (await pageIndex(ctx, 'released', licenseId, 0)).items);
  }
  ctx.emit({ license, shipments, ...licenseJson(license) }, () => licenseDetail(license, shipments));
  return EXIT.ok;
}

export interface LicenseActionOptions {
  reason: string;
  wait?: boolean;
  timeout?: number;
}

/**
 * approve / deny / suspend / revoke / reinstate: checks the transition with
 * the system's rules, then sets `status` conditionally on what was read. The
 * license-events function does the rest; `--wait` follows it.
 */
export async function licenseAction(
  ctx: CliContext,
  action: LicenseAction,
  licenseId: string,
  opts: LicenseActionOptions,
): Promise<number> {
  checkId('licenseId', licenseId);
  checkReason(opts.reason);
  const license = await getLicense(ctx, licenseId);
  const plan = planLicenseAction(action, { ...license, licenseId });
  if (plan.kind !== 'change') return unchanged(ctx, licenseId, plan, opts, license.statusError);
  const problem = decisionProblem(license, plan.to, new Date());
  if (problem !== undefined) throw new RefusedError(`${problem}. Nothing was changed.`);
  const from = String(license.appliedStatus ?? license.status);
  const by = await decider(ctx);
  ensureCredited(license, licenseId, { reason: opts.reason, by });
  const theirs = await writeDecision(ctx, action, { ...license, licenseId }, plan, {
    reason: opts.reason,
    by,
  });
  if (theirs !== undefined) return unchanged(ctx, licenseId, theirs, opts, license.statusError);
  const message = `License ${licenseId}: ${from} → ${plan.to} (${action}, by ${by}: "${opts.reason}").`;
  if (!opts.wait) {
    ctx.emit({ licenseId, changed: true, from, to: plan.to }, () =>
      [
        message,
        `The system applies it in the background${LICENSE_ACTIONS[action].to === 'APPROVED' ? ' and releases held shipments' : action === 'deny' ? '' : ' and puts released shipments back on hold'}.`,
        `Follow it with \`clearance license show ${licenseId}\`, or run with --wait next time.`,
      ].join('\n'),
    );
    return EXIT.ok;
  }
  ctx.io.err(message);
  return waitForLicense(ctx, licenseId, plan.to, from, opts.timeout ?? 900, license.statusError);
}

/** A decision with nothing to write: refused, nothing to do, or already written and followed with --wait. */
async function unchanged(
  ctx: CliContext,
  licenseId: string,
  plan: Exclude<LicensePlan, { kind: 'change' }>,
  opts: LicenseActionOptions,
  previousError: unknown,
): Promise<number> {
  if (plan.kind === 'refuse') throw new RefusedError(`${plan.reason}. Nothing was changed.`);
  if (plan.kind === 'noop') {
    ctx.emit({ licenseId, changed: false, reason: plan.reason }, () => plan.reason);
    return EXIT.ok;
  }
  if (!opts.wait) {
    ctx.emit({ licenseId, changed: false, pending: true, reason: plan.reason }, () => plan.reason);
    return EXIT.ok;
  }
  ctx.io.err(`License ${licenseId} is already set to ${plan.to}; following the system as it applies it.`);
  return waitForLicense(ctx, licenseId, plan.to, plan.from, opts.timeout ?? 900, previousError);
}

/**
 * Writes a decision. When its condition fails, reads the license again:
 * undefined when it carries this very write (committed, its response lost,
 * the SDK's resend failing the condition it broke); the plan of the license
 * as it reads now when someone wrote the same decision meanwhile and nothing
 * else the write was conditional on changed (nothing to write, as for a
 * re-run); otherwise a LostRaceError naming what changed.
 */
async function writeDecision(
  ctx: CliContext,
  action: LicenseAction,
  read: RawItem,
  plan: Extract<LicensePlan, { kind: 'change' }>,
  author: { reason: string; by: string },
): Promise<Extract<LicensePlan, { kind: 'noop' | 'pending' }> | undefined> {
  const r = await ctx.resources();
  const { db } = await ctx.clients();
  const licenseId = String(read.licenseId);
  const terms = termsAsRead(read);
  try {
    await db.send(new UpdateCommand(decisionUpdate(r.tables.licenses, licenseId, plan, author, terms)));
    return undefined;
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const now = await (await licenses(ctx)).get(licenseId);
    const write = { set: { status: plan.to, ...authorAttributes(author) }, remove: [], by: author.by };
    if (carriesWrite(now, write)) return undefined;
    if (now === undefined) {
      throw new LostRaceError(
        `license ${licenseId} was deleted while this command ran; nothing was written`,
        {
          cause: error,
        },
      );
    }
    const again = planLicenseAction(action, { ...now, licenseId });
    if ((again.kind === 'pending' || again.kind === 'noop') && readsAs(now, terms)) return again;
    throw new LostRaceError(
      `license ${licenseId} changed while this command ran (${decisionRace(read, now)}); nothing was written. Look at it with \`clearance license show ${licenseId}\` and run the command again if it still applies`,
      { cause: error },
    );
  }
}

/** What changed on a license between a decision's read and its write: "status APPROVED → REVOKED", an amendment. */
function decisionRace(read: RawItem, now: RawItem): string {
  const amended = pendingAmendment(now);
  const terms = Object.keys(termsAsRead(read));
  const changed = changedFields(read, now, ['status', 'appliedStatus', ...(amended ? [] : terms)]);
  const parts = [
    ...(changed.length === 0 ? [] : [describeChanges(read, now, changed)]),
    ...(amended ? [`someone amended it meanwhile (${amended.changes})`] : []),
  ];
  return parts.length > 0
    ? parts.join('; ')
    : `status now ${String(now.status)}, applied ${String(now.appliedStatus ?? 'none')}`;
}

/**
 * The conditional UpdateItem of a decision: status, reason and author, on the
 * condition that the license exists and its status and appliedStatus are
 * still as read, and its terms too when `terms` gives them (`termsAsRead`:
 * an amendment typed in between is not entered as part of this decision);
 * null means absent or NULL (`Expr.conditions`), so a license whose status
 * was emptied or removed can be set right.
 */
export function decisionUpdate(
  table: string,
  licenseId: string,
  plan: Extract<LicensePlan, { kind: 'change' }>,
  author: { reason: string; by: string },
  terms: Record<string, unknown> = {},
) {
  const x = new Expr();
  const sets = Object.entries({
    status: plan.to,
    ...authorAttributes(author),
  }).map(([a, v]) => `${x.name(a)} = ${x.value(v)}`);
  const condition = [
    `attribute_exists(${x.name('licenseId')})`,
    ...x.conditions({ ...plan.expect, ...terms }),
  ];
  return {
    TableName: table,
    Key: { licenseId },
    UpdateExpression: `SET ${sets.join(', ')}`,
    ConditionExpression: condition.join(' AND '),
    ...x.params(),
  };
}

async function waitForLicense(
  ctx: CliContext,
  licenseId: string,
  to: string,
  from: string,
  timeoutSeconds: number,
  previousError: unknown,
): Promise<number> {
  const repo = await licenses(ctx);
  const bar = progress(ctx.io, `applying ${licenseId} ${from === to ? to : `${from} → ${to}`}`, 5000);
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    const l = await repo.get(licenseId);
    if (!l) throw new NotFoundError(`license ${licenseId} was deleted while waiting`);
    const released = await countReleased(ctx, licenseId);
    const units = typeof l.releasedQuantity === 'number' ? l.releasedQuantity : 0;
    const state = `${count(released)} shipments released (${count(units)} of ${countOf(l.authorizedQuantity)} units)`;
    const rejected = l.statusError !== undefined && l.statusError !== previousError;
    if (l.status === to && rejected && l.appliedStatus !== to) {
      bar.done(`rejected by the system: ${String(l.statusError)}`);
      throw new RefusedError(`the system rejected ${to} for license ${licenseId}: ${String(l.statusError)}`);
    }
    if (l.status !== to) {
      bar.done(`status changed to ${String(l.status)} by someone else; stopped waiting`);
      ctx.emit(
        { licenseId, done: false, status: l.status, appliedStatus: l.appliedStatus },
        () =>
          `License ${licenseId} is now ${String(l.status)}; check \`clearance license show ${licenseId}\`.`,
      );
      return EXIT.incomplete;
    }
    if (l.appliedStatus === to && l.pendingWork === undefined) {
      bar.done(`done: ${state}`);
      const waiting =
        l.waitingForValidFrom !== undefined
          ? ` Held shipments wait until validFrom ${String(l.validFrom)}; the clock releases them then.`
          : '';
      ctx.emit(
        {
          licenseId,
          done: true,
          status: to,
          releasedShipments: released,
          releasedQuantity: units,
          waitingForValidFrom: l.waitingForValidFrom,
        },
        () => `License ${licenseId} is ${to}: ${state}.${waiting}`,
      );
      return EXIT.ok;
    }
    if (Date.now() > deadline) {
      bar.done(`still applying after ${timeoutSeconds} s: ${state}`);
      ctx.emit(
        { licenseId, done: false, releasedShipments: released, releasedQuantity: units },
        () =>
          `License ${licenseId} is still being applied (${state}); it continues in the background. Check with \`clearance license show ${licenseId}\`; if it never finishes, look at \`clearance dlq list\`.`,
      );
      return EXIT.incomplete;
    }
    bar.update(state);
    await sleep(1000);
  }
}

const DECISION_HELP: Record<LicenseAction, string> = {
  approve: 'approve a PENDING license: the system then releases its held shipments in priority order',
  deny: 'deny a PENDING license: its held shipments stay HELD with LICENSE_DENIED (final)',
  suspend: 'suspend an APPROVED license: released, unshipped shipments go back on hold',
  revoke: 'revoke an APPROVED or SUSPENDED license: released, unshipped shipments go back on hold (final)',
  reinstate: 'lift a suspension (SUSPENDED → APPROVED): held shipments are released again',
};

const DERIVED_HELP = `
The value limit (cap) is floor(authorizedValue × (100 + valueTolerancePercent) / 100); a license without
authorizedValue limits quantity only, and its releasedValue is summed for reporting. With --json each
license carries \`derived\` (worked out by the CLI, never stored): valueCap (null: no value limit),
remaining ({ quantity, value }) and unappliedAmendment (terms edited but not yet applied, or null).
`;

const ATTENTION_HELP = `
--attention lists only the licenses that need a decision or an action, most urgent first, each with the
numbers that make it urgent: shipped goods above a lowered limit; an APPROVED or SUSPENDED license's
validity ending within 7 days (or ended, not yet expired) with unshipped units; a rejected edit
(statusError); the same expiry within 30 days; 80 % or more of authorizedQuantity or of the value cap (with
its tolerance) drawn; PENDING with a held backlog (one whose validity ended: deny it or amend validUntil).
Each license is judged on the status and terms the system applied; with --status, too, it is the applied
status that must match (a rejected edit in status does not drop a license).
It scans Licenses once, then reads the held and released indexes (quantity and value only) of just the
licenses it must: PENDING ones, APPROVED or SUSPENDED ones expiring within 30 days and those over a limit.
`;

/** `license list` and its top-level name `licenses`: every license, or with --attention those that need one. */
function listCommand(command: Command, act: Act, name: string): Command {
  return command
    .description(
      'list licenses with their status, what the system applied, released/authorized units, released value and the value limit (with its tolerance); --attention: only those that need a decision or action, most urgent first',
    )
    .option('--status <status>', `only licenses with this status: ${LICENSE_STATUSES.join(', ')} (any case)`)
    .option('--attention', 'only the licenses that need a decision or an action, most urgent first, and why')
    .addHelpText(
      'after',
      `${DERIVED_HELP}${ATTENTION_HELP}${example(name, `${name} --status APPROVED --json`, `${name} --attention`)}`,
    )
    .action(
      act((ctx, opts: { status?: string; attention?: boolean }) =>
        opts.attention ? licenseAttention(ctx, opts) : licenseList(ctx, opts),
      ),
    );
}

/** `clearance license list|show|approve|deny|suspend|revoke|reinstate|amend|simulate|history`, and `clearance licenses`. */
export function registerLicenseCommands(program: Command, { act }: Wiring): void {
  const license = program.command('license').description('list, inspect, decide and amend export licenses');
  listCommand(license.command('list'), act, 'clearance license list');
  license
    .command('show')
    .description(
      'show one license: status, appliedStatus, statusError, an unapplied amendment, pendingWork, units and value released against its limits, and its shipments by status and hold reason',
    )
    .argument('<licenseId>', 'e.g. LIC-H20-0001')
    .option(
      '--scan',
      'scan Shipments to count SHIPPED and CANCELLED too (default: HELD and RELEASED from the license indexes)',
    )
    .addHelpText(
      'after',
      `${DERIVED_HELP}${example('clearance license show LIC-H20-0001', 'clearance license show LIC-H20-0001 --scan')}`,
    )
    .action(act((ctx, id: string, opts: { scan?: boolean }) => licenseShow(ctx, id, opts)));
  for (const action of Object.keys(LICENSE_ACTIONS) as LicenseAction[]) {
    refuseBy(license.command(action))
      .description(DECISION_HELP[action])
      .argument('<licenseId>', 'the license to change')
      .requiredOption('--reason <text>', 'why (required; stored as statusReason, quoted by History)')
      .option('--wait', 'wait until the system has applied the change, showing progress')
      .option('--timeout <seconds>', 'give up waiting after this long (with --wait)', positive, 900)
      .hook('preAction', (_this, command) => {
        // Without --wait nothing waits: a --timeout given would be ignored.
        if (command.getOptionValueSource('timeout') === 'cli' && command.opts().wait !== true)
          throw new UsageError('--timeout only applies with --wait: add --wait, or drop --timeout');
      })
      .addHelpText(
        'after',
        `\nThe transition is checked with the system's own rules before anything is written, and the write only\nhappens if the license is still as read.\n${AUTHOR_HELP}${example(
          `clearance license ${action} LIC-H20-0001 --reason "BIS letter 2026-117" --wait`,
        )}`,
      )
      .action(
        act((ctx, id: string, opts: { reason: string; wait?: boolean; timeout?: number }) =>
          licenseAction(ctx, action, id, opts),
        ),
      );
  }
  registerAmendCommand(license, act);
  registerSimulateCommand(license, act);
  registerLicenseHistory(license, act);
  listCommand(program.command('licenses'), act, 'clearance licenses');
}
