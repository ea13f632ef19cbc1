import { approvalRecord } from '../domain/compliance.js';
import { ConflictError } from '../domain/errors.js';
import {
  type LicenseEventType,
  licenseDecision,
  licenseEntry,
  licenseEventOf,
  readLastDecision,
} from '../domain/history.js';
import {
  AMEND_TOKEN_PREFIX,
  isAmendmentPass,
  judgeLicenseStatus,
  type LicenseVerdict,
  REPLACED_REFUSAL,
  systemWroteStatus,
  workFor,
} from '../domain/license-rules.js';
import {
  type License,
  LicenseSchema,
  type LicenseStatus,
  LicenseStatusSchema,
  parseItem,
} from '../domain/model.js';
import type { DecisionRecord, RawItem } from '../domain/ports.js';
import {
  type AmendmentVerdict,
  appliedCopyEdits,
  appliedSealOf,
  appliedTermsOf,
  copyEditRejection,
  describeTerms,
  isAmendmentRejection,
  judgeAmendment,
  type LicenseTerms,
  termsOf,
  windowAmended,
} from '../domain/terms.js';
import { carryDrawdown } from './license-drawdown.js';
import { type LicenseEngineDeps, runWork } from './license-passes.js';
import {
  appliedBeside,
  holdingDespiteSeal,
  pendingAfterRejection,
  type Rejected,
  refuseDamagedSeal,
  reject,
  rejectAmendment,
  restrictiveDespite,
  statusBeside,
} from './license-rejections.js';
import { noProgress, passAfterTypo } from './license-work.js';
import { FIRST_TRANSACTION } from './release-pipeline.js';

export type { LicenseEngineDeps } from './license-passes.js';
export { licenseRemoved } from './license-removed.js';

/** What one call of `applyLicense` did. */
export type LicenseOutcome =
  | { kind: 'missing' }
  | { kind: 'noop' }
  | { kind: 'rejected'; reason: string }
  | {
      kind: 'completed' | 'continued';
      released: number;
      unitsReleased: number;
      valueReleased: number;
      reheld: number;
      relabelled: number;
      /** TransactWriteItems attempts of the shipment writes. */
      transactions: number;
      /** Of those, attempts cancelled by TransactionConflict and retried. */
      conflicts: number;
      /** Set when this invocation also rejected a status edit (the re-hold went on regardless). */
      rejected?: string;
      /** The terms an amendment changed, when this call applied one. */
      amended?: string;
    };

/**
 * Brings a license's shipments in line with its `status`. Reads the license
 * fresh (the stream image is only a trigger), judges `appliedStatus → status`,
 * commits to the work (`appliedStatus`, `pendingWork`), then releases or
 * re-holds in transactions until done or until `deadline`, when it hands the
 * rest to a later invocation by rewriting `pendingWork`. Every step is
 * conditional, so a crash or a duplicate delivery loses and doubles nothing.
 *
 * `applied`: the stream showed the license applied (its trigger's new image
 * carries `appliedStatus`). A read without `appliedStatus` after one with it,
 * in this call or on that stream, is the item put whole over the applied one
 * (an import run again) while it was being applied: that is not a new license,
 * whose approval would draw again what its shipments already draw (I2). It is
 * left alone, and the put's own stream record sets it back (license-overwrite.ts).
 */
export async function applyLicense(
  deps: LicenseEngineDeps,
  licenseId: string,
  deadline: number,
  options: { applied?: boolean } = {},
): Promise<LicenseOutcome> {
  const progress = noProgress();
  let applied = options.applied === true;
  for (let round = 0; round < 20; round++) {
    const raw = await deps.licenses.get(licenseId);
    if (!raw) return { kind: 'missing' };
    if (raw.appliedStatus !== undefined) applied = true;
    else if (applied) return { kind: 'noop' };
    const step = await decide(deps, raw);
    if (step.kind === 'outcome') return step.outcome;
    if (step.kind === 'retry') continue;
    // Resumed work has no first transaction, and it reads nothing until the batch's first round has passed
    // (every new license has had its first transaction): its pages would take the store's time from them.
    if (!step.fresh) await deps.firstRound?.leave(licenseId);
    try {
      // New work hands over soon, so that approvals queued behind this invocation on the stream are
      // not held up by its backlog; resumed work has the whole slice.
      const end =
        step.fresh && deps.firstSliceMs !== undefined
          ? Math.min(deadline, Date.now() + deps.firstSliceMs)
          : deadline;
      // ...and releases a first few shipments at once, so that every license of a burst is heard of soon.
      const work = step.fresh ? { ...deps, firstTransaction: FIRST_TRANSACTION } : deps;
      const done = await runWork(work, step.license, step.cursor, end, progress, step.holdOnly);
      const { writes: _writes, ...counts } = progress;
      return {
        kind: done ? 'completed' : 'continued',
        ...counts,
        ...(step.rejected ? { rejected: step.rejected } : {}),
        ...(step.amended ? { amended: step.amended } : {}),
      };
    } catch (error) {
      if (error instanceof ConflictError) continue;
      throw error;
    }
  }
  throw new ConflictError(`license ${licenseId} kept changing while being applied; the stream will retry`);
}

/** What to do with a license read: nothing more, read it again, or run its work. */
type Step =
  | { kind: 'outcome'; outcome: LicenseOutcome }
  | { kind: 'retry' }
  | {
      kind: 'work';
      license: License;
      cursor: string | undefined;
      /** Work just committed to (a status change or an amendment), not resumed: it gets the first slice. */
      fresh?: true;
      /** Only the re-holds under way of an APPROVED license (a trim's cut, REHOLD_CURSOR's): its terms are not known (refuseDamagedSeal). */
      holdOnly?: true;
      rejected?: string;
      amended?: string;
    };

/**
 * Judges a license read fresh: an illegal status edit or amendment is
 * rejected (a pending re-hold still finishes); a legal status change or
 * amendment is committed to (appliedStatus, appliedTerms, pendingWork);
 * otherwise pending work, if any, resumes from its cursor. A license whose
 * applied terms are not known (their seal damaged) is refused, and only
 * re-holds run under it (underDamagedSeal).
 */
async function decide(deps: LicenseEngineDeps, raw: RawItem): Promise<Step> {
  const applied = asLicenseStatus(raw.appliedStatus);
  const verdict = judgeLicenseStatus(applied, raw.status);
  // The applied terms are their sealed copy; one that cannot be read leaves them unknown, and none is guessed
  // (a license never applied has none: the terms it is applied with are written anew).
  const seal = appliedSealOf(raw);
  if (seal.kind === 'damaged' && applied !== undefined)
    return underDamagedSeal(deps, raw, applied, verdict, seal.why);
  // Terms are judged first: a status change must not carry an identity change or an invalid limit with it.
  // A status saved with rejected terms is set back with them, in one rejection, unless it is restrictive:
  // a suspension, revocation, denial or expiry is applied all the same, under the applied terms (statusBeside).
  const expiry = systemWroteStatus(raw, deps.now());
  const { appliedTerms, amendment } = judgeTerms(raw, applied, verdict);
  if (verdict.kind === 'illegal' || amendment.kind === 'illegal') {
    const outcome =
      amendment.kind === 'illegal' && applied !== undefined
        ? await rejectAmendment(deps, raw, amendment, statusBeside(raw, applied, verdict, deps.now()))
        : await reject(deps, raw, applied, verdict.kind === 'illegal' ? verdict.reason : '');
    const pending = pendingAfterRejection(raw, applied);
    if (pending === undefined) return { kind: 'outcome', outcome };
    // A suspension, revocation or expiry being applied finishes re-holding whatever the
    // console shows now: a typo must not leave shipments RELEASED under it (I1). A PENDING
    // pass (nothing to move) whose end was lost is ended, or its pendingWork would stay.
    return {
      kind: 'work',
      license: pending,
      cursor: undefined,
      ...(outcome.kind === 'rejected' ? { rejected: outcome.reason } : {}),
    };
  }
  // Judged before the item's own problems: those of a replacement move without an edit (see refuseReplaced).
  const replaced =
    verdict.kind === 'legal' && verdict.from === undefined ? await refuseReplaced(deps, raw) : undefined;
  if (replaced !== undefined) return { kind: 'outcome', outcome: replaced };
  const parsed = parseItem(LicenseSchema, raw);
  if (!parsed.ok) {
    const restrictive = restrictiveDespite(raw, applied, verdict);
    // A change of an applied license's status it cannot apply is named, so that each such edit (the
    // clock's expiry too) is told and entered; a new item's rejection already says it is not applied.
    const waits =
      verdict.kind === 'legal' && applied !== undefined && restrictive === undefined
        ? `; status ${verdict.to} waits for the fix`
        : '';
    const reason = `the license item is invalid: ${parsed.problems.join('; ')}${waits}`;
    const outcome = await reject(deps, raw, applied, reason, 'item', { appliedAnyway: restrictive?.status });
    if (restrictive === undefined) return { kind: 'outcome', outcome };
    // A restrictive change still takes effect (see failSafeLicense); the item stays rejected, its
    // statusError kept by the commit, so the records that follow do not reject it again.
    const rejected = outcome.kind === 'rejected' ? { rejected: outcome.reason } : {};
    if (verdict.kind === 'legal') {
      const step = await startStatusWork(deps, raw, restrictive, verdict, applied, {
        kept: { statusError: reason },
      });
      return step.kind === 'work' ? { ...step, ...rejected } : step;
    }
    if (restrictive.pendingWork === undefined) return { kind: 'outcome', outcome };
    return { kind: 'work', license: restrictive, cursor: restrictive.workCursor, ...rejected };
  }
  const license = parsed.value;
  if (verdict.kind === 'legal')
    // A status change that carries new terms, or replaces an amendment's pass, is an amendment's pass too.
    return startStatusWork(deps, raw, license, verdict, applied, {
      amended: amendment.kind === 'amended' || isAmendmentPass(raw.pendingWork),
      ...(amendment.kind === 'amended' && appliedTerms
        ? {
            changes: describeTerms(appliedTerms, termsOf(license), amendment.changed),
            from: appliedTerms,
          }
        : {}),
      kept: keptReason(raw, verdict, expiry, amendment),
    });
  if (applied !== undefined && (amendment.kind === 'amended' || appliedTerms === undefined)) {
    return startAmendment(deps, raw, license, applied, appliedTerms, amendment);
  }
  // A status typo set back by hand is cleared here; a rejected amendment's reason stays until the next legal edit.
  if (raw.statusError !== undefined && !isAmendmentRejection(raw.statusError)) {
    await deps.licenses.clearError(license.licenseId);
    if (await passAfterTypo(deps, license)) return { kind: 'retry' };
  }
  if (license.pendingWork === undefined) return { kind: 'outcome', outcome: { kind: 'noop' } };
  return { kind: 'work', license, cursor: license.workCursor };
}

/**
 * A license whose sealed applied terms are damaged: refused for a person
 * (refuseDamagedSeal: one high-severity alert, the reason on the item), and
 * nothing is released or amended under it, the item's terms not judged.
 * Holding needs no terms (DESIGN §4), so the work that holds runs all the
 * same (holdingDespiteSeal), under the item as it stands: a legal
 * suspension, revocation, denial or expiry (the clock's too) is committed
 * and re-holds, on the condition that the item, `appliedTerms` included, is
 * still as read, which the commit leaves as it is (the terms are not sealed
 * again from a guess, and the reason stays, so its records are not refused
 * again), an amendment's pass it replaces making it one too (it alerts if
 * shipped goods alone exceed the amended limits); a re-hold under way
 * resumes (an APPROVED license's too: REHOLD_CURSOR); a trim under way
 * re-holds its cut.
 * A suspension left half-done would leave shipments RELEASED under a license
 * History and `appliedStatus` call SUSPENDED (I1).
 */
async function underDamagedSeal(
  deps: LicenseEngineDeps,
  raw: RawItem,
  applied: LicenseStatus,
  verdict: LicenseVerdict,
  why: string,
): Promise<Step> {
  const holding = holdingDespiteSeal(raw, applied, verdict);
  const outcome = await refuseDamagedSeal(deps, raw, applied, verdict, why, holding);
  if (holding === undefined) return { kind: 'outcome', outcome };
  const rejected = outcome.kind === 'rejected' ? { rejected: outcome.reason } : {};
  const { license } = holding;
  if (holding.work === 'status' && verdict.kind === 'legal') {
    // Refused before with the same reason (a noop now), it is the one on the item.
    const statusError = outcome.kind === 'rejected' ? outcome.reason : raw.statusError;
    const asRead = { appliedTerms: raw.appliedTerms };
    // As on the normal path: replacing an amendment's pass, it is one too, and alerts at its end if
    // shipped goods alone exceed the amended limits (nothing re-holds them), or that alert is lost.
    const step = await startStatusWork(deps, raw, license, verdict, applied, {
      amended: isAmendmentPass(raw.pendingWork),
      kept: { statusError },
      asRead,
    });
    return step.kind === 'work' ? { ...step, ...rejected } : step;
  }
  if (license.pendingWork === undefined) return { kind: 'outcome', outcome };
  return {
    kind: 'work',
    license,
    cursor: license.workCursor,
    ...(holding.work === 'trim' || holding.work === 'rehold' ? { holdOnly: true as const } : {}),
    ...rejected,
  };
}

/**
 * What a legal status change keeps of a rejected amendment's reason on the
 * item: the system's expiry is no legal edit of the admin's, and a
 * restrictive status saved with the rejected terms is part of that same save
 * (appliedBeside); any other legal edit clears it.
 */
function keptReason(
  raw: RawItem,
  verdict: LicenseVerdict,
  expiry: boolean,
  amendment: AmendmentVerdict,
): { statusError?: unknown } {
  const keeps =
    (expiry || appliedBeside(raw.statusError, verdict)) &&
    amendment.kind !== 'amended' &&
    isAmendmentRejection(raw.statusError);
  return keeps ? { statusError: raw.statusError } : {};
}

/**
 * The terms an applied license was applied with (appliedTermsOf: its sealed
 * copy, when it has one), and the verdict on its terms against them (none to
 * judge before they are kept); a restrictive status read with them (the
 * system's expiry) words an identity edit's fix. An edit of the plain copy in
 * `appliedTerms` alone is rejected and written back (copyEditRejection),
 * unless a legal status change, whose commit rewrites that copy, came with it.
 */
function judgeTerms(
  raw: RawItem,
  applied: LicenseStatus | undefined,
  verdict: LicenseVerdict,
): { appliedTerms: LicenseTerms | undefined; amendment: AmendmentVerdict } {
  const appliedTerms = appliedTermsOf(raw);
  if (applied === undefined || appliedTerms === undefined)
    return { appliedTerms, amendment: { kind: 'unchanged' } };
  const becoming = verdict.kind === 'legal' && workFor(verdict.to) === 'rehold' ? verdict.to : undefined;
  const judged = judgeAmendment(appliedTerms, raw, applied, becoming);
  const copy =
    judged.kind === 'unchanged' && verdict.kind !== 'legal'
      ? copyEditRejection(raw, appliedCopyEdits(raw))
      : undefined;
  return { appliedTerms, amendment: copy ?? judged };
}

/**
 * Refuses a license item never applied that replaces one the system applied
 * (deleted and created again, or put whole without its system attributes):
 * applied afresh, from `releasedQuantity` 0, it would draw again what its
 * shipments already drew and release past its limit (I1, I2). Known by a
 * durable trace: History holds a decision of its licenseId (one commits with
 * `appliedStatus`, and entries are never removed), whatever its shipments
 * are now, all SHIPPED included; or, where History cannot be read (the
 * CLI's simulation), by shipments RELEASED under its id. Undefined when
 * neither shows. Its reason names no shipment and nothing else that changes
 * without an edit of the license (which ones are RELEASED: one ships, one is
 * cancelled), and the reason on the item is how a redelivery of the one
 * edit is known (reject). Nor does it depend on the item's other problems: a
 * RELEASED shipment cancelled gives its units back to this item, whose
 * `releasedQuantity` then reads negative.
 */
async function refuseReplaced(deps: LicenseEngineDeps, raw: RawItem): Promise<Rejected | undefined> {
  const licenseId = String(raw.licenseId);
  const first = await deps.licenses.firstDecision?.(licenseId);
  const drawing = await deps.shipments.page('released', licenseId, undefined, 1);
  const one = drawing.items[0]?.shipmentId;
  if (first === undefined && one === undefined) return undefined;
  const restore = `Put the license item back exactly as it was, every attribute included, from the Licenses table's point-in-time recovery (docs/OPERATIONS.md, "A deleted license")`;
  const reason =
    first === undefined
      ? `${REPLACED_REFUSAL}shipments are already RELEASED under license ${licenseId} (\`clearance shipment list --license ${licenseId} --status RELEASED\` lists them): this item replaces one the system applied (deleted and created again, or put whole), and applied afresh it would release again what they draw. ${restore}`
      : `${REPLACED_REFUSAL}History holds decisions of license ${licenseId} since ${first.at} (the first ${first.eventType}; \`clearance license history ${licenseId}\` lists them), but this item has no appliedStatus: it was deleted and created again, or put whole without its system attributes (an import run again), and applied afresh it would draw from nothing what its RELEASED and SHIPPED shipments already drew, and release past its limit. ${restore}, or create the license under a new licenseId`;
  const detail =
    one === undefined
      ? undefined
      : `Shipment ${String(one)} is one of ${first === undefined ? 'them' : 'those RELEASED under it'}.`;
  return reject(deps, raw, undefined, reason, 'item', detail === undefined ? {} : { detail });
}

/** How a legal status change is committed to, besides the change itself (startStatusWork). */
interface StatusWork {
  /** The pass is an amendment's too (it alerts if shipped goods alone exceed a lowered limit). */
  amended?: boolean;
  /** The terms the same edit amended, for the History entry. */
  changes?: string;
  /** Attributes the commit sets besides the decision's (and does not remove). */
  kept?: Record<string, unknown>;
  /** Attributes the commit leaves as read: written as they are, on the condition that they still are. */
  asRead?: Record<string, unknown>;
  /** The terms applied before, when the same edit amended them: a validFrom moved later is recorded. */
  from?: LicenseTerms;
}

/**
 * Commits to a legal status change, under the license's current terms (see
 * StatusWork), and returns its work.
 */
async function startStatusWork(
  deps: LicenseEngineDeps,
  raw: RawItem,
  license: License,
  verdict: Extract<LicenseVerdict, { kind: 'legal' }>,
  applied: LicenseStatus | undefined,
  how: StatusWork = {},
): Promise<Step> {
  const { amended = false, changes, kept = {}, asRead = {}, from } = how;
  if (verdict.from === undefined && !(await deps.inventory.skuExists(license.sku))) {
    const reason = `sku ${license.sku} has no Inventory item in any warehouse; create the Inventory item first or correct the sku`;
    return { kind: 'outcome', outcome: await reject(deps, raw, applied, reason, 'item') };
  }
  const token = `${amended ? AMEND_TOKEN_PREFIX : ''}${deps.newToken()}`;
  const decision = decisionRecord(deps, raw, licenseEventOf(verdict.to), token, {
    status: verdict.to,
    previousStatus: applied,
    ...(changes ? { changes } : {}),
  });
  const decided = { ...decision, expect: { ...decision.expect, ...asRead } };
  // An approval (a reinstatement too) starts its own drawdown alerts: their record names it.
  const approval =
    verdict.to === 'APPROVED' ? { drawdownAlerted: { ...approvalRecord(decided.lastDecision.at) } } : {};
  const moved = windowAmended(from, termsOf(license), decided.lastDecision.at, license.validFromBefore);
  const record = { ...decided, set: { ...decided.set, ...approval, ...moved, ...kept, ...asRead } };
  if (
    !(await deps.licenses.startWork(
      license.licenseId,
      verdict.from,
      verdict.to,
      token,
      termsOf(license),
      record,
    ))
  )
    return { kind: 'retry' };
  return {
    kind: 'work',
    license: {
      ...license,
      appliedStatus: verdict.to,
      pendingWork: token,
      waitingForValidFrom: undefined,
      lastDecision: { ...record.lastDecision },
      ...record.set,
    },
    cursor: undefined,
    fresh: true,
  };
}

/**
 * Commits to an amendment of an applied license (or, for a license applied
 * before terms were kept, to its current terms), then runs its status's
 * work: an APPROVED license releases more under raised limits and is trimmed
 * back within lowered ones.
 */
async function startAmendment(
  deps: LicenseEngineDeps,
  raw: RawItem,
  license: License,
  applied: LicenseStatus,
  from: LicenseTerms | undefined,
  amendment: AmendmentVerdict,
): Promise<Step> {
  const to = termsOf(license);
  const token = `${AMEND_TOKEN_PREFIX}${deps.newToken()}`;
  const amended =
    amendment.kind === 'amended' && from ? describeTerms(from, to, amendment.changed) : undefined;
  const decided = decisionRecord(deps, raw, 'LICENSE_AMENDED', token, {
    status: applied,
    previousStatus: applied,
    // A license applied before terms were kept gets them recorded, as they stand.
    changes: amended ?? `terms recorded: ${describeTerms({}, to, Object.keys(to) as (keyof LicenseTerms)[])}`,
  });
  const moved = windowAmended(from, to, decided.lastDecision.at, license.validFromBefore);
  const record = carryDrawdown(raw, license, { ...decided, set: { ...decided.set, ...moved } });
  if (!(await deps.licenses.amend(license.licenseId, applied, from, to, token, record)))
    return { kind: 'retry' };
  return {
    kind: 'work',
    license: {
      ...license,
      pendingWork: token,
      waitingForValidFrom: undefined,
      lastDecision: { ...record.lastDecision },
      ...record.set,
    },
    cursor: undefined,
    fresh: true,
    ...(amended ? { amended } : {}),
  };
}

/**
 * A decision and its History entry, committed together: who decided (the
 * edit's `updatedBy` and `statusReason`, if it set them), and for the
 * system's own decisions (the clock's expiry) the decision before it.
 */
function decisionRecord(
  deps: Pick<LicenseEngineDeps, 'now'>,
  raw: RawItem,
  eventType: LicenseEventType,
  token: string,
  what: { status: LicenseStatus; previousStatus: LicenseStatus | undefined; changes?: string },
): DecisionRecord {
  const lastDecision = licenseDecision(raw, eventType, deps.now().toISOString());
  const entry = licenseEntry({
    licenseId: String(raw.licenseId),
    decision: lastDecision,
    previous: readLastDecision(raw.lastDecision),
    token,
    ...what,
  });
  // The commit expects the attribution as read, whatever it is (an unreadable one on a restrictive change).
  return {
    entry,
    lastDecision,
    expect: { updatedBy: raw.updatedBy ?? null, statusReason: raw.statusReason ?? null },
  };
}

const asLicenseStatus = (v: unknown): LicenseStatus | undefined => {
  const parsed = LicenseStatusSchema.safeParse(v);
  return parsed.success ? parsed.data : undefined;
};
