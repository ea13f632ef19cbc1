import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Command } from 'commander';
import { LicenseSchema, parseItem } from '../../shared/domain/model.js';
import { remainingOf, valueCap } from '../../shared/domain/planning.js';
import type { RawItem } from '../../shared/domain/ports.js';
import {
  appliedTermsOf,
  isAmendmentRejection,
  type LicenseTerms,
  termsExpected,
  termsOf,
} from '../../shared/domain/terms.js';
import {
  type AmendOptions,
  type AmendPlan,
  amendmentUpdate,
  describeTerms,
  NO_VALUE,
  parseAmendOptions,
  planAmendment,
  remainingText,
  sameTerms,
} from '../amend-plan.js';
import type { CliContext } from '../context.js';
import { EXIT, LostRaceError, NotFoundError, RefusedError, UsageError } from '../errors.js';
import { count, countOf, usd } from '../format.js';
import { authorAttributes } from '../identity.js';
import { progress } from '../io.js';
import { carriesWrite, changedFields, describeChanges, readsAs } from '../race.js';
import { isConditionFailure, sleep } from './common.js';
import {
  AUTHOR_HELP,
  checkId,
  checkReason,
  countReleased,
  decider,
  ensureCredited,
  getLicense,
  licenses,
  refuseBy,
} from './license-common.js';
import { type Act, example, positive } from './wiring.js';

export interface AmendCommandOptions extends AmendOptions {
  reason: string;
  /** false with --no-wait. */
  wait?: boolean;
  timeout?: number;
}

type Change = Extract<AmendPlan, { kind: 'change' }>;

/**
 * `license amend`: checks the options and the license with the engine's
 * rules, writes the new terms in one conditional UpdateItem, then (unless
 * --no-wait) follows the system until it has applied or rejected them.
 */
export async function licenseAmend(
  ctx: CliContext,
  licenseId: string,
  opts: AmendCommandOptions,
): Promise<number> {
  checkId('licenseId', licenseId);
  checkReason(opts.reason);
  const request = parseAmendOptions(opts);
  const license = await getLicense(ctx, licenseId);
  const plan = planAmendment({ ...license, licenseId }, request, new Date());
  if (plan.kind === 'refuse') throw new RefusedError(`${plan.reason}. Nothing was changed.`);
  if (plan.kind === 'noop') {
    ctx.emit({ licenseId, changed: false, reason: plan.reason }, () => plan.reason);
    return EXIT.ok;
  }
  for (const note of plan.notes) ctx.io.err(`note: ${note}`);
  const wait = opts.wait !== false;
  const releasedBefore = wait ? await countReleased(ctx, licenseId) : undefined;
  const by = await decider(ctx);
  ensureCredited(license, licenseId, { reason: opts.reason, by });
  const theirs = await writeAmendment(ctx, { ...license, licenseId }, plan, { reason: opts.reason, by });
  if (theirs !== undefined && releasedBefore === undefined) {
    ctx.emit({ licenseId, changed: false, reason: theirs }, () => theirs);
    return EXIT.ok;
  }
  const message = `License ${licenseId} amended: ${describeTerms(plan.from, plan.to)} (by ${by}: "${opts.reason}").`;
  if (releasedBefore === undefined) {
    ctx.emit({ licenseId, changed: true, from: plan.from, to: plan.to }, () =>
      [
        message,
        'The system applies it in the background: a raised limit releases more held shipments, a lowered one re-holds unshipped ones.',
        `Follow it with \`clearance license show ${licenseId}\`.`,
      ].join('\n'),
    );
    return EXIT.ok;
  }
  ctx.io.err(theirs ?? message);
  return waitForAmendment(ctx, licenseId, plan, {
    previousError: license.statusError,
    releasedBefore,
    timeoutSeconds: opts.timeout ?? 900,
  });
}

/**
 * Writes an amendment. When its condition fails, reads the license again:
 * undefined when it carries this very write (committed, its response lost,
 * the SDK's resend failing the condition it broke); what to tell the
 * operator when someone amended it to the same terms meanwhile (nothing was
 * written, nothing needs to be); otherwise a LostRaceError naming what changed.
 */
async function writeAmendment(
  ctx: CliContext,
  read: RawItem,
  plan: Change,
  author: { reason: string; by: string },
): Promise<string | undefined> {
  const r = await ctx.resources();
  const { db } = await ctx.clients();
  const licenseId = String(read.licenseId);
  try {
    await db.send(new UpdateCommand(amendmentUpdate(r.tables.licenses, licenseId, plan, author)));
    return undefined;
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const now = await (await licenses(ctx)).get(licenseId);
    const write = { set: { ...plan.set, ...authorAttributes(author) }, remove: plan.remove, by: author.by };
    if (carriesWrite(now, write)) return undefined;
    if (now === undefined) {
      throw new LostRaceError(
        `license ${licenseId} was deleted while this command ran; nothing was written`,
        {
          cause: error,
        },
      );
    }
    const { status, appliedStatus } = plan.expect;
    if (readsAs(now, { ...termsExpected(plan.to), status, appliedStatus })) {
      return `license ${licenseId} was amended to the same terms by someone else while this command ran (updatedBy ${String(now.updatedBy ?? '(none)')}); nothing was written, and their amendment stands with its own reason and author. Follow it with \`clearance license show ${licenseId}\``;
    }
    const changed = changedFields(read, now, Object.keys(plan.expect));
    const what =
      changed.length === 0
        ? 'its status, pending work or terms are no longer the ones read'
        : describeChanges(read, now, changed);
    throw new LostRaceError(
      `license ${licenseId} changed while this command ran (${what}); nothing was written. Look at it with \`clearance license show ${licenseId}\` and run the command again if it still applies`,
      { cause: error },
    );
  }
}

/** Where an amendment stands on the license as read now. */
type Standing = 'applied' | 'applying' | 'rejected' | 'replaced';

function standing(l: RawItem, to: LicenseTerms, previousError: unknown): Standing {
  const parsed = parseItem(LicenseSchema, l);
  const current = parsed.ok ? termsOf(parsed.value) : undefined;
  if (current === undefined || !sameTerms(current, to)) {
    // The engine writes a rejected amendment back to the applied terms and records why in statusError.
    const rejected =
      isAmendmentRejection(l.statusError) || (l.statusError !== undefined && l.statusError !== previousError);
    return rejected ? 'rejected' : 'replaced';
  }
  const applied = appliedTermsOf(l);
  return applied !== undefined && sameTerms(applied, to) && l.pendingWork === undefined
    ? 'applied'
    : 'applying';
}

/** "6 shipments released (60 of 150 units, $30,000 of $55,000)". */
function releasedState(l: RawItem, released: number): string {
  const units = typeof l.releasedQuantity === 'number' ? l.releasedQuantity : 0;
  const parsed = parseItem(LicenseSchema, l);
  const value = typeof l.releasedValue === 'number' ? l.releasedValue : 0;
  // The cap as it is, even when the license draws more (shipped goods over a lowered value limit).
  const cap = parsed.ok ? valueCap(parsed.value) : undefined;
  const valuePart = cap === undefined ? '' : `, ${usd(value)} of ${usd(cap)}`;
  return `${count(released)} shipments released (${count(units)} of ${countOf(l.authorizedQuantity)} units${valuePart})`;
}

async function waitForAmendment(
  ctx: CliContext,
  licenseId: string,
  plan: Change,
  how: { previousError: unknown; releasedBefore: number; timeoutSeconds: number },
): Promise<number> {
  const repo = await licenses(ctx);
  const bar = progress(ctx.io, `applying the amendment of ${licenseId}`, 5000);
  const deadline = Date.now() + how.timeoutSeconds * 1000;
  for (;;) {
    const l = await repo.get(licenseId);
    if (!l) throw new NotFoundError(`license ${licenseId} was deleted while waiting`);
    const released = await countReleased(ctx, licenseId);
    const state = releasedState(l, released);
    const now = standing(l, plan.to, how.previousError);
    if (now === 'rejected') {
      bar.done(`rejected by the system: ${String(l.statusError)}`);
      throw new RefusedError(
        `the system rejected the amendment of license ${licenseId}: ${String(l.statusError)}`,
      );
    }
    if (now === 'replaced') {
      bar.done('its terms were changed by someone else; stopped waiting');
      ctx.emit({ licenseId, done: false, reason: 'terms changed by someone else' }, () =>
        [
          `The terms of license ${licenseId} changed again while waiting${l.statusError === undefined ? '' : ` (statusError: ${String(l.statusError)})`};`,
          `check \`clearance license show ${licenseId}\`.`,
        ].join(' '),
      );
      return EXIT.incomplete;
    }
    if (now === 'applied') {
      bar.done(`done: ${state}`);
      return amendmentDone(ctx, licenseId, plan, l, { before: how.releasedBefore, after: released });
    }
    if (Date.now() > deadline) {
      bar.done(`still applying after ${how.timeoutSeconds} s: ${state}`);
      ctx.emit({ licenseId, done: false, releasedShipments: released }, () =>
        [
          `The amendment of license ${licenseId} is still being applied (${state}); it continues in the background.`,
          `Check with \`clearance license show ${licenseId}\`; if it never finishes, look at \`clearance dlq list\`.`,
        ].join(' '),
      );
      return EXIT.incomplete;
    }
    bar.update(state);
    await sleep(1000);
  }
}

function amendmentDone(
  ctx: CliContext,
  licenseId: string,
  plan: Change,
  l: RawItem,
  releasedShipments: { before: number; after: number },
): number {
  const delta = releasedShipments.after - releasedShipments.before;
  const moved =
    delta > 0
      ? `${count(delta)} more released`
      : delta < 0
        ? `${count(-delta)} fewer: put back on hold`
        : 'no change';
  const parsed = parseItem(LicenseSchema, l);
  const waiting =
    l.waitingForValidFrom === undefined
      ? ''
      : `\nHeld shipments wait until validFrom ${String(l.validFrom)}; the clock releases them then.`;
  ctx.emit(
    {
      licenseId,
      done: true,
      from: plan.from,
      to: plan.to,
      releasedShipments,
      releasedQuantity: l.releasedQuantity ?? 0,
      releasedValue: l.releasedValue ?? 0,
      remaining: parsed.ok ? remainingOf(parsed.value) : null,
      waitingForValidFrom: l.waitingForValidFrom,
    },
    () =>
      [
        `License ${licenseId} amended and applied: ${describeTerms(plan.from, plan.to)}.`,
        `RELEASED shipments: ${count(releasedShipments.before)} → ${count(releasedShipments.after)} (${moved}).`,
        `Remaining: ${remainingText(l) ?? '(the item is invalid)'}.${waiting}`,
      ].join('\n'),
  );
  return EXIT.ok;
}

/** Adds `license amend` to the `license` command. */
export function registerAmendCommand(license: Command, act: Act): void {
  refuseBy(license.command('amend'))
    .description(
      "amend an applied license's terms (the authority amended it): quantity, value limit, tolerance, validity window",
    )
    .argument('<licenseId>', 'the license to amend')
    .option('--quantity <units>', 'new authorizedQuantity: a whole number above 0')
    .option(
      '--value <dollars>',
      `new authorizedValue in whole US dollars, or "${NO_VALUE}" to remove the value limit (quantity only)`,
    )
    .option('--tolerance <percent>', 'new valueTolerancePercent: a whole number from 0 to 25')
    .option('--valid-from <time>', 'new validFrom, ISO-8601 UTC (e.g. 2026-01-31T00:00:00Z)')
    .option('--valid-until <time>', 'new validUntil, ISO-8601 UTC')
    .requiredOption(
      '--reason <text>',
      'why, e.g. the amendment letter (required; stored as statusReason, quoted by History)',
    )
    .option('--no-wait', 'return once written, without waiting for the system to apply it')
    .option('--timeout <seconds>', 'give up waiting after this long', positive, 900)
    .hook('preAction', (_this, command) => {
      // With --no-wait nothing waits: a --timeout given would be ignored.
      if (command.getOptionValueSource('timeout') === 'cli' && command.opts().wait === false)
        throw new UsageError('--timeout does not apply with --no-wait: drop one of them');
    })
    .addHelpText(
      'after',
      `
At least one of --quantity, --value, --tolerance, --valid-from, --valid-until is required. Each is
checked with the system's own rules before anything is read. The license must be applied and settled
(status = appliedStatus, no pendingWork, no amendment still being applied); the terms are written in one
update that only happens if the status and every term are still as read. A raised limit or an earlier
validFrom releases more held shipments; a lowered limit re-holds unshipped ones, last in hold order
first; shipped goods alone above the new limit are alerted to ops (high severity). Without --no-wait the
command follows the system until the amendment is applied (exit 0), rejected (exit 1) or the wait times
out (exit 3). The customer, sku and destination of an applied license cannot be amended: that is a new
license.
${AUTHOR_HELP}${example(
  'clearance license amend LIC-H20-0001 --quantity 1500 --reason "BIS amendment A-17"',
  'clearance license amend LIC-H20-0001 --value 2500000 --tolerance 10 --reason "A-18" --no-wait',
  'clearance license amend LIC-H20-0001 --value none --reason "value limit lifted (A-19)"',
)}`,
    )
    .action(act(licenseAmend));
}
