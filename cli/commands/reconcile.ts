import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Command } from 'commander';
import {
  batchGetItems,
  DynamoInventoryRepository,
  DynamoLicenseRepository,
  DynamoShipmentRepository,
} from '../../shared/adapters/dynamo.js';
import { newToken } from '../../shared/adapters/tokens.js';
import {
  checkHistory,
  type DeletedShipment,
  deletedShipments,
  toReadAgain,
  undrawnDeletions,
} from '../../shared/domain/history-invariant.js';
import type { Violation } from '../../shared/domain/invariants.js';
import type { RawItem } from '../../shared/domain/ports.js';
import { scanAndCheck } from '../../shared/engine/invariant-checker.js';
import { COUNTER_REVISION } from '../../shared/names.js';
import { type CliContext, explainError } from '../context.js';
import { CliError, EXIT, RefusedError, UsageError } from '../errors.js';
import { plural } from '../format.js';
import { cliChangedBy } from '../identity.js';
import { progress } from '../io.js';
import { holdOrderWrite, staleHoldOrders } from '../reconcile-hold-order.js';
import {
  describeFix,
  type Fix,
  planReconcile,
  type ReconcilePlan,
  stampViolations,
} from '../reconcile-plan.js';
import { afterFix, exitFor, holdOrderFixes, report, sealFixes, termsSealFixes } from '../reconcile-report.js';
import { sealWrite, unsealedStamps } from '../reconcile-stamps.js';
import { damagedSealViolations, termsSealUpdate, unsealedTerms } from '../reconcile-terms.js';
import { isConditionFailure, sleep } from './common.js';
import { allEntries } from './history-read.js';
import { decider, licenses } from './license-common.js';
import { example, type Wiring } from './wiring.js';

interface Scanned {
  licenses: RawItem[];
  shipments: RawItem[];
  inventory: RawItem[];
}

/** Passes a scan through while keeping its items and reporting progress. */
async function* tee(
  pages: AsyncIterable<RawItem[]>,
  sink: RawItem[],
  tick: () => void,
): AsyncIterable<RawItem[]> {
  for await (const page of pages) {
    sink.push(...page);
    tick();
    yield page;
  }
}

/**
 * Runs the shared checker over the DynamoDB repositories, keeping what the
 * scans read so the fix plan needs no second scan.
 */
async function scanAll(ctx: CliContext, label: string) {
  const r = await ctx.resources();
  const { db } = await ctx.clients();
  const scanned: Scanned = { licenses: [], shipments: [], inventory: [] };
  const bar = progress(ctx.io, label);
  const tick = () =>
    bar.update(
      `${scanned.licenses.length} licenses, ${scanned.shipments.length} shipments, ${scanned.inventory.length} inventory items`,
    );
  class Licenses extends DynamoLicenseRepository {
    override scan() {
      return tee(super.scan(), scanned.licenses, tick);
    }
  }
  class Shipments extends DynamoShipmentRepository {
    override scan() {
      return tee(super.scan(), scanned.shipments, tick);
    }
  }
  class Inventory extends DynamoInventoryRepository {
    override scan() {
      return tee(super.scan(), scanned.inventory, tick);
    }
  }
  const result = await scanAndCheck({
    licenses: new Licenses(db, r.tables.licenses),
    shipments: new Shipments(db, r.tables),
    inventory: new Inventory(db, r.tables.inventory),
  });
  if (scanned.shipments.length >= 5000) tick();
  const history = await historyCheck(ctx, scanned);
  return {
    result: {
      ...result,
      violations: [
        ...result.violations,
        ...history.violations,
        ...stampViolations(scanned.shipments),
        ...damagedSealViolations(scanned.licenses),
      ],
      counts: { ...result.counts, history: history.entries },
    },
    scanned,
    deleted: history.deleted,
    unscanned: history.unscanned,
  };
}

/** What an entry needs for I6 (keys, type, time), and for a deleted shipment (the status it was left at, its draw). */
const ENTRY_FIELDS = 'licenseId entryId eventType shipmentId at status previousStatus drawn quantity value';
const I6_ATTRIBUTES = ENTRY_FIELDS.split(' ');

/**
 * I6 over the History table, when the stack has one: every committed change
 * has exactly one entry (shared/domain/history-invariant.ts). History is read
 * after the items, consistently; the items with entries of changes that may
 * have committed after the item was read (toReadAgain) are read again, so a
 * change landing during the scan is not reported. `entries` is undefined when
 * there is no table to check; `unscanned`: shipments read again that the scan
 * did not see (put back or created meanwhile), which no fix may be planned around.
 */
async function historyCheck(
  ctx: CliContext,
  scanned: Scanned,
): Promise<{ violations: Violation[]; entries?: number; deleted: DeletedShipment[]; unscanned: RawItem[] }> {
  const r = await ctx.resources();
  if (r.tables.history === undefined) return { violations: [], deleted: [], unscanned: [] };
  const entries = await allEntries(ctx, { attributes: I6_ATTRIBUTES, consistent: true });
  const { db } = await ctx.clients();
  const read = { licenses: scanned.licenses, shipments: scanned.shipments, entries };
  const ids = toReadAgain(read);
  const again = {
    licenses: await batchGetItems(db, r.tables.licenses, 'licenseId', ids.licenses),
    shipments: await batchGetItems(db, r.tables.shipments, 'shipmentId', ids.shipments),
  };
  const all = { ...read, readAgain: again };
  const seen = new Set(scanned.shipments.map((s) => String(s.shipmentId)));
  const unscanned = [...again.shipments].flatMap(([id, s]) => (seen.has(id) ? [] : [s]));
  const deleted = deletedShipments(all);
  return { violations: checkHistory(all), entries: entries.length, deleted, unscanned };
}

/**
 * One fix: the counters set to the recomputed values, on the condition that
 * they are still the values read; or a stale `holdOrder` rewritten with the
 * write shipment-events restamps it with (holdOrderWrite: no new revision,
 * no notice); or an unsealed `countedAs` sealed (sealWrite, likewise), or
 * an unsealed `appliedTerms` (termsSealUpdate: no History entry). A
 * license's also records who repaired it
 * (`changedBy`, `cli:<identity>`, as the CLI's decisions do), so a stream
 * reader does not take the repair for a write of the system; `updatedBy`,
 * the author History quotes for decisions, is left alone. Inventory items
 * carry no `changedBy`.
 */
async function applyFix(ctx: CliContext, fix: Fix, changedBy: string): Promise<boolean> {
  const r = await ctx.resources();
  const { db } = await ctx.clients();
  if (fix.kind === 'holdOrder' || fix.kind === 'seal')
    return new DynamoShipmentRepository(db, { shipments: r.tables.shipments }).update(
      fix.kind === 'seal' ? sealWrite(fix) : holdOrderWrite(fix),
    );
  if (fix.kind === 'termsSeal')
    return conditionalWrite(db, termsSealUpdate(r.tables.licenses, fix, changedBy));
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const conditions: string[] = [];
  const sets: string[] = [];
  const expect = (attr: string, read: number | undefined) => {
    names[`#${attr}`] = attr;
    if (read === undefined) conditions.push(`attribute_not_exists(#${attr})`);
    else {
      values[`:read_${attr}`] = read;
      conditions.push(`#${attr} = :read_${attr}`);
    }
  };
  const set = (attr: string, value: unknown) => {
    names[`#${attr}`] = attr;
    values[`:set_${attr}`] = value;
    sets.push(`#${attr} = :set_${attr}`);
  };
  // A change that moved a counter since the scan, even back to the value read, has added to counterRevision.
  expect(COUNTER_REVISION, fix.revision);
  values[':one'] = 1;
  let table: string;
  let key: Record<string, string>;
  if (fix.kind === 'inventory') {
    table = r.tables.inventory;
    key = { sku: fix.sku, warehouseId: fix.warehouseId };
    names['#sku'] = 'sku';
    conditions.push('attribute_exists(#sku)');
    for (const c of ['held', 'released', 'shipped'] as const) {
      expect(c, fix.read[c]);
      set(c, fix.set[c]);
    }
  } else {
    table = r.tables.licenses;
    key = { licenseId: fix.licenseId };
    names['#licenseId'] = 'licenseId';
    conditions.push('attribute_exists(#licenseId)');
    for (const c of ['releasedQuantity', 'releasedValue'] as const) {
      expect(c, fix.read[c]);
      set(c, fix.set[c]);
    }
    set('changedBy', changedBy);
  }
  try {
    await db.send(
      new UpdateCommand({
        TableName: table,
        Key: key,
        UpdateExpression: `SET ${sets.join(', ')} ADD #${COUNTER_REVISION} :one`,
        ConditionExpression: conditions.join(' AND '),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
  // Units given back to a license: its held shipments that fit them wait for a release pass, which nothing
  // else asks for. Asked as the system asks (conditional on the license APPROVED and applied; else its next
  // approval's pass releases them).
  const freed =
    fix.kind === 'license' &&
    (fix.set.releasedQuantity < (fix.read.releasedQuantity ?? 0) ||
      fix.set.releasedValue < (fix.read.releasedValue ?? 0));
  if (freed) await (await licenses(ctx)).requestRelease(fix.licenseId, newToken());
  return true;
}

/** Sends a conditional update: false when its condition failed. */
async function conditionalWrite(
  db: Awaited<ReturnType<CliContext['clients']>>['db'],
  input: ConstructorParameters<typeof UpdateCommand>[0],
): Promise<boolean> {
  try {
    await db.send(new UpdateCommand(input));
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/**
 * How long after the scan the first seal waits. An edit of a shipment's
 * fields and its stamp alike (a find and replace over its JSON) typed just
 * before the scan read it looks like a stamp true to its fields; shipment-events
 * judges it within seconds (a 2-second batching window) and its write-back
 * then fails the seal's condition. A seal written before that, with the edit
 * judged in a batch of its own, would fail the write-back instead and keep the
 * edited values, sealed.
 */
export const SEAL_SETTLE_MS = 15_000;

/** Waits until `ms` after `since`, saying so on stderr. */
async function settle(ctx: CliContext, since: number, ms: number): Promise<void> {
  const left = since + ms - Date.now();
  if (left <= 0) return;
  ctx.io.err(
    `Waiting ${Math.ceil(left / 1000)} s for edits made before the scan to be judged before sealing.`,
  );
  await sleep(left);
}

/**
 * Makes the fixes in turn, with progress on stderr; the seals (last in a
 * plan) wait for `beforeSeals`. An error (not a failed
 * condition: those are skipped) stops it with a CliError that says what was
 * written, skipped and not attempted, and that running it again is safe.
 */
async function applyFixes(
  ctx: CliContext,
  fixes: readonly Fix[],
  changedBy: string,
  beforeSeals: () => Promise<void>,
): Promise<{ written: number; skipped: string[] }> {
  const bar = progress(ctx.io, 'fixing');
  let written = 0;
  const skipped: string[] = [];
  let settled = false;
  for (const [i, fix] of fixes.entries()) {
    try {
      if ((fix.kind === 'seal' || fix.kind === 'termsSeal') && !settled) {
        await beforeSeals();
        settled = true;
      }
      if (await applyFix(ctx, fix, changedBy)) written++;
      else skipped.push(describeFix(fix));
    } catch (error) {
      const why = explainError(error, await ctx.resources()).message;
      bar.done(`stopped: ${written} written, ${skipped.length} skipped, ${fixes.length - i} not attempted`);
      throw new CliError(
        [
          `--fix stopped after ${i} of ${plural(fixes.length, 'write')} (${written} written, ${skipped.length} skipped): ${why}.`,
          `Not written: ${fixes
            .slice(i)
            .map((f) => describeFix(f))
            .join('; ')}.`,
          'Nothing else was changed; each write is conditional, so run `clearance reconcile --fix` again once the cause is fixed',
        ].join(' '),
        { cause: error },
      );
    }
    bar.update(`${written + skipped.length} of ${fixes.length}`);
  }
  bar.done(`${written} written, ${skipped.length} skipped because the value changed since the scan`);
  return { written, skipped };
}

/**
 * Asks before --fix writes. With --json the report is not printed (stdout is
 * the one object), so the writes asked about are listed on stderr first.
 */
async function confirmed(ctx: CliContext, plan: ReconcilePlan, yes: boolean): Promise<boolean> {
  const { io } = ctx;
  if (yes) return true;
  if (!io.interactive) {
    throw new RefusedError(
      'refusing to write without confirmation: stdin is not a terminal. Review the plan (`clearance reconcile`), then re-run with --fix --yes',
    );
  }
  if (ctx.json) {
    io.err(
      `--fix would make ${plural(plan.fixes.length, 'write')} (each only if the value is still the one read):`,
    );
    for (const fix of plan.fixes) io.err(`  - ${describeFix(fix)}`);
  }
  return io.confirm(`Apply ${plural(plan.fixes.length, 'write')}?`);
}

/** The note on shipments deleted while HELD or CANCELLED: no violation, nothing for a person. */
function deletionNote(deleted: readonly DeletedShipment[]): string {
  if (deleted.length === 0) return '';
  const listed = deleted.map((d) => `${d.shipmentId} (${d.status}, license ${d.licenseId})`).join(', ');
  return `\n\nNote: deleted while HELD or CANCELLED, every change in History: ${listed}. Nothing to fix but the Inventory held counter of one deleted while HELD, which --fix lowers (docs/OPERATIONS.md, "A deleted shipment"; \`clearance shipment history <shipmentId>\` shows its changes).`;
}

/** The same shipments for `--json`: what the note names, one object each. */
const undrawnJson = (deleted: readonly DeletedShipment[]) =>
  deleted.map(({ shipmentId, status, licenseId }) => ({ shipmentId, status, licenseId }));

/** `sealSettleMs`: how long after the scan the first seal waits ({@link SEAL_SETTLE_MS}). */
export async function reconcile(
  ctx: CliContext,
  opts: { fix?: boolean; yes?: boolean; force?: boolean },
  { sealSettleMs = SEAL_SETTLE_MS }: { sealSettleMs?: number } = {},
): Promise<number> {
  const { result, scanned, deleted, unscanned } = await scanAll(ctx, 'checking');
  const scannedAt = Date.now();
  const plan = planReconcile(scanned, result, deleted, unscanned);
  const found = {
    ...result,
    staleHoldOrder: holdOrderFixes(plan),
    unsealedStamps: sealFixes(plan),
    unsealedTerms: termsSealFixes(plan),
  };
  const undrawn = undrawnDeletions(deleted, result.violations);
  const before = {
    counts: result.counts,
    violations: result.violations,
    shippedOverLimit: result.shippedOverLimit,
    staleHoldOrder: found.staleHoldOrder.map((f) => f.shipmentId),
    unsealedStamps: found.unsealedStamps.map((f) => f.shipmentId),
    unsealedTerms: found.unsealedTerms.map((f) => f.licenseId),
    plan,
    undrawnDeletions: undrawnJson(undrawn),
  };
  const note = deletionNote(undrawn);
  if (!opts.fix || plan.fixes.length === 0) {
    ctx.emit(before, () => {
      const text = report(result.counts, plan, found) + note;
      if (plan.fixes.length === 0) return text;
      return `${text}\n\nRun \`clearance reconcile --fix\` to make these writes (each only if the value is still the one read).`;
    });
    return exitFor(found);
  }
  if (!ctx.json) ctx.io.out(report(result.counts, plan, found) + note);
  if (plan.busy.length > 0 && !opts.force) {
    throw new RefusedError(
      'not fixing while the system is still working: the counters are about to change anyway. Wait for the streams to drain (a license stuck with pendingWork may have failed: see `clearance dlq list`), then re-run; or pass --force to fix regardless',
    );
  }
  // Who repairs, resolved before asking: a fix that cannot record its author is refused before anything is written.
  const changedBy = cliChangedBy(await decider(ctx));
  if (!(await confirmed(ctx, plan, opts.yes === true))) {
    // With --json stdout is still the one object: the findings and the plan, declined.
    if (ctx.json) ctx.emit({ ...before, declined: true }, () => '');
    ctx.io.err('Nothing was changed.');
    return EXIT.incomplete;
  }
  const { written, skipped } = await applyFixes(ctx, plan.fixes, changedBy, () =>
    settle(ctx, scannedAt, sealSettleMs),
  );
  const again = await scanAll(ctx, 're-checking');
  const after = {
    ...again.result,
    staleHoldOrder: staleHoldOrders(again.scanned.shipments),
    unsealedStamps: unsealedStamps(again.scanned.shipments, again.scanned.licenses),
    unsealedTerms: unsealedTerms(again.scanned.licenses, again.scanned.shipments),
  };
  ctx.emit(
    {
      ...before,
      written,
      skipped,
      remaining: after.violations,
      shippedOverLimit: after.shippedOverLimit,
      staleHoldOrder: after.staleHoldOrder.map((f) => f.shipmentId),
      unsealedStamps: after.unsealedStamps.map((f) => f.shipmentId),
      unsealedTerms: after.unsealedTerms.map((f) => f.licenseId),
      undrawnDeletions: undrawnJson(undrawnDeletions(again.deleted, again.result.violations)),
    },
    () => afterFix(plan, written, skipped, after),
  );
  return exitFor(after);
}

/** `clearance reconcile`. */
export function registerReconcileCommand(program: Command, { act }: Wiring): void {
  program
    .command('reconcile')
    .description(
      "check invariants I1-I3 over all tables and I6 over History, and report shipped goods above a lowered limit, stale hold orders, and unsealed countedAs stamps and applied terms; with --fix, repair Inventory counters, licenses' releasedQuantity and releasedValue, and shipments' holdOrder, and seal the stamps and applied terms",
    )
    .option(
      '--fix',
      'repair counters to the values recomputed from the shipments and stale hold orders, and seal unsealed stamps and applied terms (asks first)',
    )
    .option('--yes', 'do not ask before --fix writes (needed when stdin is not a terminal)')
    .option(
      '--force',
      'fix even while the system still has work in flight (a counter it moves meanwhile is skipped); best when nothing writes (the mappings disabled; see docs/OPERATIONS.md, Reconcile)',
    )
    .hook('preAction', (_this, action) => {
      const { fix, yes, force } = action.opts<{ fix?: boolean; yes?: boolean; force?: boolean }>();
      const given = [yes && '--yes', force && '--force'].filter(Boolean);
      if (!fix && given.length > 0)
        throw new UsageError(
          `${given.join(' and ')} only ${given.length === 1 ? 'applies' : 'apply'} with --fix: run \`clearance reconcile --fix ${given.join(' ')}\` to repair, or drop ${given.length === 1 ? 'it' : 'them'} to check only`,
        );
    })
    .addHelpText(
      'after',
      `
Each write is conditional on the values read (a license's releasedQuantity and releasedValue together)
and on the item's counterRevision as read, which every system write that moves a counter raises: a
counter the system moved since the scan, even back to the value read, is skipped (run it again).
A license's fix also sets changedBy = cli:<your identity>. Then everything is checked again. Statuses are never changed. A recomputed value above the license's
limit is written with a WARNING (a possible over-release: escalate to compliance).
Shipped goods above a lowered limit (an amendment after they shipped) are reported in their own section,
HIGH SEVERITY: escalate to compliance. They are not I2 violations and --fix cannot repair them.
A shipment deleted while RELEASED or SHIPPED (History has it, the table has not) stays drawn: --fix keeps
its draw in its license's counters and lists it until it is put back (docs/OPERATIONS.md, "A deleted shipment").
One deleted while HELD or CANCELLED, every change of it in History, is a note, not a violation: nothing to
fix beyond the held counter --fix lowers.
I6 (every committed change has exactly one History entry) is checked when the stack has a History table.
--fix cannot repair it: entries cannot be invented after the fact; the CloudTrail audit trail says who
made an unrecorded change.
A stale hold order: a HELD or RELEASED shipment whose holdOrder (the sort key releases go by) is not the
one its priority, requestedAt and shipmentId give, as a version before the upgrade may have left it.
Its license releases, and re-holds under a lowered limit, out of turn. --fix rewrites it as the system
restamps it (conditional on holdOrder and revision as read; no new revision, no notice). Run
\`clearance reconcile --fix\` once after an upgrade (docs/OPERATIONS.md, Reconcile, "Upgrading").
An unsealed stamp: a HELD or RELEASED shipment whose countedAs, true to its fields, has no seal (accepted
before the seal existed), so a find and replace over its JSON, stamp too, could reach a license pass
before it is set back. --fix seals it with stampOf() of its fields (conditional on the stamp, the five
fields, countedStatus, status and revision as read; no new revision, no notice), 15 s after the scan at
the earliest, so an edit typed just before it is judged first. An upgrade note: it does not change the
exit code.
Unsealed applied terms: an applied license whose appliedTerms has no sealed copy (written before the seal
existed), so a find and replace over its JSON that changes a term and its copy alike is taken as settled.
--fix writes appliedTerms again with its sealed copy (conditional on appliedTerms, appliedStatus, status and
the terms as read; no History entry), with the stamps' seals; a license whose RELEASED and SHIPPED
shipments name another customer or sku, or draw more than its limits, is left unsealed and listed. An
upgrade note: it does not change the exit code.
A damaged seal (I5): a license whose appliedTerms.sealed does not decode, does not match its digest or names
another license. Nothing is released or amended under it until a person puts appliedTerms back (re-holds
still run: a suspension, revocation, denial or expiry is applied) (docs/OPERATIONS.md, "A license whose
applied terms' seal is damaged").
A broken stamp (I5): a counted shipment whose countedAs seal is not its fields' (a find and replace over its
JSON, stamp too; put back from such a copy, nothing sets it back). Which license and Inventory item hold it
is unknown, so while one is listed --fix plans no license or Inventory counter fix. Put it back from
point-in-time recovery (docs/OPERATIONS.md, "A shipment put back with an edited stamp").
Exit codes: 0 when nothing remains (unsealed stamps and applied terms aside); 3 while violations, shipped-over-limit
findings or stale hold orders remain (after --fix: in the re-check), or when --fix was declined; 1 when
--fix is refused (work in flight, no confirmation).
${example('clearance reconcile', 'clearance reconcile --fix', 'clearance reconcile --fix --yes --json')}`,
    )
    .action(act((ctx, opts: { fix?: boolean; yes?: boolean; force?: boolean }) => reconcile(ctx, opts)));
}
