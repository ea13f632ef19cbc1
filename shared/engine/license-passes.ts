/**
 * The shipment work of a license's applied status and terms: release passes
 * for an APPROVED license (after trimming it back within lowered limits, or
 * re-holding what a later `validFrom` makes early), re-hold passes for a
 * suspended, revoked, expired or denied one. Every write is conditional on the
 * license still being what the pass read (status, pending work, terms), so a
 * change mid-way stops the pass with a ConflictError and the license is read
 * again.
 */

import {
  isAmendmentPass,
  isTrimCursor,
  REHOLD_CURSOR,
  reholdCursorReason,
  TRIM_CURSOR,
  workFor,
} from '../domain/license-rules.js';
import type { HoldReason, License, LicenseStatus } from '../domain/model.js';
import { overLimits, planRehold, validity, valueCap } from '../domain/planning.js';
import type { LicenseGuard } from '../domain/ports.js';
import { SYSTEM_ACTOR } from '../names.js';
import { freshTally, openTally } from './event-digests.js';
import { alertIfShippedOverLimit } from './license-alerts.js';
import { reholdCut, trim } from './license-trim.js';
import {
  approvedGuard,
  commitCounted,
  finish,
  handOver,
  holdGuard,
  type LicenseEngineDeps,
  outOfTime,
  type Progress,
  parseShipments,
  reholdWrite,
  relabelWrite,
  returnDrawn,
  waitForFix,
} from './license-work.js';
import { releasePass } from './release-pipeline.js';

export type { LicenseEngineDeps, Progress } from './license-work.js';

/**
 * Runs the work of `license.appliedStatus`. True when finished, false when
 * continued later. `holdOnly`: of an APPROVED license, only the re-holds
 * under way (holdOnlyPass), its applied terms not being known.
 */
export async function runWork(
  given: LicenseEngineDeps,
  license: License,
  cursor: string | undefined,
  deadline: number,
  progress: Progress,
  holdOnly = false,
): Promise<boolean> {
  const status = license.appliedStatus;
  const token = license.pendingWork;
  if (status === undefined || token === undefined) return true;
  // The license event's tally this slice adds to. New work's first slice (firstTransaction set) reads
  // nothing: no line is kept yet, and older events' tallies go with this pass's at its end, so no
  // license's first release waits on a read. Later slices read it (lines kept, older events sent).
  const tally = given.digests
    ? given.firstTransaction !== undefined
      ? freshTally(license)
      : await openTally(given.digests, license)
    : undefined;
  const deps = tally ? { ...given, tally } : given;
  const work = workFor(status);
  if (work === 'release' && holdOnly) return holdOnlyPass(deps, license, token, cursor, deadline, progress);
  if (work === 'release') return approvedPass(deps, license, token, cursor, deadline, progress);
  if (work === 'rehold') return reholdPass(deps, license, status, token, deadline, progress);
  return finish(deps, license, token, undefined);
}

/**
 * The work of an APPROVED license: expire it if `validUntil` has passed;
 * otherwise (at the start of a pass) re-hold what a later `validFrom` makes
 * early, re-hold (an amendment's pass under a value limit) RELEASED
 * shipments without `value`, and trim it back within lowered limits (an
 * amendment's pass alerts if shipped goods alone stay over them); then
 * release in hold order.
 */
async function approvedPass(
  deps: LicenseEngineDeps,
  license: License,
  token: string,
  handed: string | undefined,
  deadline: number,
  progress: Progress,
): Promise<boolean> {
  const window = validity(license, deps.now());
  if (window === 'late') {
    // As the clock would: license-events then re-holds through the normal path.
    const reason = `validity window ended at ${license.validUntil}`;
    await deps.licenses.setStatus(license.licenseId, 'APPROVED', 'EXPIRED', reason, SYSTEM_ACTOR, {
      validUntil: license.validUntil,
    });
    // An amendment's pass stays pending: the expiry is then judged as replacing it, so its re-hold is an
    // amendment's pass too and alerts if shipped goods alone exceed the amended limits (finishing here
    // first would lose that alert).
    if (isAmendmentPass(token)) return true;
    return finish(deps, license, token, undefined);
  }
  // A re-hold that ran out of time (REHOLD_CURSOR) starts the pass again, the re-hold first.
  const cursor = reholdCursorReason(handed) === undefined ? handed : undefined;
  // A trim that ran out of time resumes its plan (its cursor: TRIM_CURSOR and where the plan's cut is).
  const resumed = cursor?.startsWith(TRIM_CURSOR)
    ? { from: cursor.slice(TRIM_CURSOR.length) || undefined }
    : undefined;
  // A value limit added by an amendment: shipments released without `value` drew nothing from it, and
  // DESIGN §3 requires one under a value limit, so they go back to HELD, whether or not a limit is over.
  const valueless = cursor === undefined && isAmendmentPass(token) && valueCap(license) !== undefined;
  if (
    resumed !== undefined ||
    (cursor === undefined && (window === 'early' || overLimits(license))) ||
    valueless
  ) {
    const guard = approvedGuard(license, token);
    // What the license draws as the re-holds commit: the release pass then plans with what is left.
    const drawn = { quantity: license.releasedQuantity, value: license.releasedValue };
    // A trim's plan resumed under a later validFrom gives way: every RELEASED shipment is early now.
    // A slice out of time names the re-hold under way (REHOLD_CURSOR): the next one starts the pass again.
    if (window === 'early') {
      if (!(await reholdReleased(deps, license, guard, drawn, deadline, progress, 'LICENSE_NOT_YET_VALID')))
        return handOver(deps, license, token, `${REHOLD_CURSOR}LICENSE_NOT_YET_VALID`);
    } else {
      // Before the trim, which then finds them HELD.
      if (
        valueless &&
        !(await reholdReleased(deps, license, guard, drawn, deadline, progress, 'SHIPMENT_VALUE_MISSING'))
      )
        return handOver(deps, license, token, `${REHOLD_CURSOR}SHIPMENT_VALUE_MISSING`);
      const left = await trim(deps, license, token, guard, drawn, deadline, progress, resumed);
      if (left !== undefined) return handOver(deps, license, token, left);
    }
    await alertIfShippedOverLimit(deps.alerter, license, token, drawn);
    const trimmed = { ...license, releasedQuantity: drawn.quantity, releasedValue: drawn.value };
    // Alerted: a slice handed over from here on is no amendment's (it would trim nothing and alert again).
    // A trim frees units: its release slice drops the drawdown thresholds the license no longer reaches.
    const trimRan = window !== 'early' && (resumed !== undefined || overLimits(license));
    const before = { amendmentAlerted: true, trimmed: trimRan };
    return releasePass(deps, trimmed, token, undefined, deadline, progress, before);
  }
  return releasePass(deps, license, token, cursor, deadline, progress);
}

/**
 * The re-holds under way of an APPROVED license whose applied terms are not
 * known (their seal damaged: refuseDamagedSeal), which need none: a trim's
 * cut (TRIM_CURSOR, reholdCut), or the re-hold its cursor names
 * (REHOLD_CURSOR: every RELEASED shipment, a later `validFrom` making them
 * early, or those without `value`, a value limit added), conditional on the
 * pass (applied status APPROVED, `pendingWork`), not on terms. The rest of
 * the pass (a trim's plan, releases, an amendment's alerts) waits for the
 * fix (waitForFix), and then runs from the start, the same re-hold first.
 */
async function holdOnlyPass(
  deps: LicenseEngineDeps,
  license: License,
  token: string,
  cursor: string | undefined,
  deadline: number,
  progress: Progress,
): Promise<boolean> {
  if (isTrimCursor(cursor)) return reholdCut(deps, license, token, cursor, deadline, progress);
  const reason = reholdCursorReason(cursor);
  if (reason === undefined) return waitForFix(deps, license);
  const guard = holdGuard(license, token);
  const drawn = { quantity: license.releasedQuantity, value: license.releasedValue };
  if (!(await reholdReleased(deps, license, guard, drawn, deadline, progress, reason)))
    return handOver(deps, license, token, cursor);
  return waitForFix(deps, license);
}

/**
 * Re-holds RELEASED shipments of an APPROVED license: every one as
 * LICENSE_NOT_YET_VALID (a later `validFrom` makes them early), or those
 * without `value` as SHIPMENT_VALUE_MISSING (a value limit was added). True
 * when done, false when out of time.
 */
async function reholdReleased(
  deps: LicenseEngineDeps,
  license: License,
  guard: LicenseGuard,
  drawn: { quantity: number; value: number },
  deadline: number,
  progress: Progress,
  reason: Extract<HoldReason, 'LICENSE_NOT_YET_VALID' | 'SHIPMENT_VALUE_MISSING'>,
): Promise<boolean> {
  const wanted = (s: { status: string; value?: number }) =>
    s.status === 'RELEASED' && (reason === 'LICENSE_NOT_YET_VALID' || s.value === undefined);
  let after: string | undefined;
  for (;;) {
    if (outOfTime(deadline, progress)) return false;
    const page = await deps.shipments.page('released', license.licenseId, after, deps.pageSize ?? 200);
    const shipments = parseShipments(page.items).filter(wanted);
    const writes = shipments.map((shipment) =>
      reholdWrite(license.licenseId, { shipment, holdReason: reason }),
    );
    const committed =
      writes.length > 0 ? (await commitCounted(deps, license, writes, guard, progress)).committed : [];
    returnDrawn(drawn, committed);
    const reheld = committed.length;
    if (page.next === undefined) return true;
    // Re-held shipments leave the released index: read it again from the start when some did.
    after = reheld > 0 ? undefined : page.next;
  }
}

async function reholdPass(
  deps: LicenseEngineDeps,
  license: License,
  status: LicenseStatus,
  token: string,
  deadline: number,
  progress: Progress,
): Promise<boolean> {
  const pageSize = deps.pageSize ?? 200;
  const guard = holdGuard(license, token, status);
  const drawn = { quantity: license.releasedQuantity, value: license.releasedValue };
  for (const index of ['released', 'held'] as const) {
    let after: string | undefined;
    for (;;) {
      if (outOfTime(deadline, progress)) return handOver(deps, license, token, undefined);
      const page = await deps.shipments.page(index, license.licenseId, after, pageSize);
      const plan = planRehold(license, status, parseShipments(page.items));
      const writes = [
        ...plan.rehold.map((r) => reholdWrite(license.licenseId, r)),
        ...plan.relabel.map((r) => relabelWrite(license.licenseId, r)),
      ];
      let reheld = 0;
      if (writes.length > 0) {
        const before = progress.reheld;
        returnDrawn(drawn, (await commitCounted(deps, license, writes, guard, progress)).committed);
        reheld = progress.reheld - before;
      }
      if (page.next === undefined) break;
      // Re-held shipments leave the released index, so read it again from the start; held ones stay.
      after = index === 'released' && reheld > 0 ? undefined : page.next;
    }
  }
  await alertIfShippedOverLimit(deps.alerter, license, token, drawn);
  return finish(deps, license, token, undefined);
}
