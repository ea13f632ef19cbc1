/**
 * The shipment work of a license's applied status and terms: release passes
 * for an APPROVED license (after trimming it back within lowered limits, or
 * re-holding what a later `validFrom` makes early), re-hold passes for a
 * suspended, revoked, expired or denied one. Every write is conditional on the
 * license still being what the pass read (status, pending work, terms), so a
 * change mid-way stops the pass with a ConflictError and the license is read
 * again.
 */

import { ConflictError } from '../domain/errors.js';
import { AMEND_TOKEN_PREFIX, isAmendmentPass, workFor } from '../domain/license-rules.js';
import type { HoldReason, License, LicenseStatus, Shipment } from '../domain/model.js';
import {
  drawnValue,
  overLimits,
  planRehold,
  planTrim,
  remainingOf,
  takeFit,
  validity,
} from '../domain/planning.js';
import type { LicenseGuard, ShipmentWrite } from '../domain/ports.js';
import { GSI_ATTR, SYSTEM_ACTOR } from '../names.js';
import { alertIfShippedOverLimit, alertTrimmed } from './license-alerts.js';
import {
  approvedGuard,
  commitCounted,
  finish,
  handOver,
  type LicenseEngineDeps,
  outOfTime,
  type Progress,
  parseShipments,
  reholdWrite,
  relabelWrite,
  returnDrawn,
} from './license-work.js';
import { releasePass } from './release-pipeline.js';

export type { LicenseEngineDeps, Progress } from './license-work.js';

/** Runs the work of `license.appliedStatus`. True when finished, false when continued later. */
export async function runWork(
  deps: LicenseEngineDeps,
  license: License,
  cursor: string | undefined,
  deadline: number,
  progress: Progress,
): Promise<boolean> {
  const status = license.appliedStatus;
  const token = license.pendingWork;
  if (status === undefined || token === undefined) return true;
  const work = workFor(status);
  if (work === 'release') return approvedPass(deps, license, token, cursor, deadline, progress);
  if (work === 'rehold') return reholdPass(deps, license, status, token, deadline, progress);
  return finish(deps, license, token, undefined);
}

/**
 * The work of an APPROVED license: expire it if `validUntil` has passed;
 * otherwise (at the start of a pass) re-hold what a later `validFrom` makes
 * early and trim it back within lowered limits (an amendment's pass alerts
 * if shipped goods alone stay over them); then release in hold order.
 */
async function approvedPass(
  deps: LicenseEngineDeps,
  license: License,
  token: string,
  cursor: string | undefined,
  deadline: number,
  progress: Progress,
): Promise<boolean> {
  const window = validity(license, deps.now());
  if (window === 'late') {
    // As the clock would: license-events then re-holds through the normal path.
    const reason = `validity window ended at ${license.validUntil}`;
    await deps.licenses.setStatus(license.licenseId, 'APPROVED', 'EXPIRED', reason, SYSTEM_ACTOR);
    // An amendment's pass stays pending: the expiry is then judged as replacing it, so its re-hold is an
    // amendment's pass too and alerts if shipped goods alone exceed the amended limits (finishing here
    // first would lose that alert).
    if (isAmendmentPass(token)) return true;
    return finish(deps, license, token, undefined);
  }
  // A trim that ran out of time resumes its plan (its cursor: TRIM_CURSOR and where the plan's cut is).
  const resumed = cursor?.startsWith(TRIM_CURSOR)
    ? { from: cursor.slice(TRIM_CURSOR.length) || undefined }
    : undefined;
  if (resumed !== undefined || (cursor === undefined && (window === 'early' || overLimits(license)))) {
    const guard = approvedGuard(license, token);
    // What the license draws as the re-holds commit: the release pass then plans with what is left.
    const drawn = { quantity: license.releasedQuantity, value: license.releasedValue };
    if (window === 'early' && resumed === undefined) {
      if (!(await reholdReleased(deps, license, guard, drawn, deadline, progress)))
        return handOver(deps, license, token, undefined);
    } else {
      const left = await trim(deps, license, token, guard, drawn, deadline, progress, resumed);
      if (left !== undefined) return handOver(deps, license, token, left);
    }
    await alertIfShippedOverLimit(deps.alerter, license, token, drawn);
    const trimmed = { ...license, releasedQuantity: drawn.quantity, releasedValue: drawn.value };
    // Alerted: a slice handed over from here on is no amendment's (it would trim nothing and alert again).
    return releasePass(deps, trimmed, token, undefined, deadline, progress, true);
  }
  return releasePass(deps, license, token, cursor, deadline, progress);
}

/**
 * Re-holds every RELEASED shipment of an APPROVED license as
 * LICENSE_NOT_YET_VALID: a later `validFrom` makes them early. True when
 * done, false when out of time.
 */
async function reholdReleased(
  deps: LicenseEngineDeps,
  license: License,
  guard: LicenseGuard,
  drawn: { quantity: number; value: number },
  deadline: number,
  progress: Progress,
): Promise<boolean> {
  const reason: HoldReason = 'LICENSE_NOT_YET_VALID';
  let after: string | undefined;
  for (;;) {
    if (outOfTime(deadline, progress)) return false;
    const page = await deps.shipments.page('released', license.licenseId, after, deps.pageSize ?? 200);
    const shipments = parseShipments(page.items).filter((s) => s.status === 'RELEASED');
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

/**
 * Brings an APPROVED license back within lowered limits (DESIGN §4): RELEASED
 * shipments go back to HELD, last in hold order first, until it is within
 * them, and first-fit in hold order then releases what fits. Done literally,
 * a trimmed shipment that first-fit takes again would be re-held and
 * released at once: two notices and two History entries for a shipment that
 * never stopped being released. So the trim is planned before it writes:
 *
 * 1. the cut (reads only): the released index backwards, as the trim would
 *    re-hold, until the license would be within its limits;
 * 2. first-fit in hold order over the HELD shipments and the trimmed ones
 *    merged, with what the license would have left after the trim. A trimmed
 *    shipment that fits stays RELEASED, untouched; one that does not goes
 *    back to HELD with the reason first-fit gives it.
 *
 * The release pass that follows releases exactly the HELD shipments step 2
 * took: at each of them it has less left than step 2 had (by the trimmed
 * shipments kept after it), never less than they draw, and never enough for
 * one step 2 left. So the outcome is the literal one, without the churn. If
 * SHIPPED units (or value) alone exceed a limit, everything unshipped goes
 * back on hold (the caller alerts). A slice that runs out of time hands the
 * plan over (TRIM_CURSOR): the next one goes on with the same cut, so the
 * outcome does not depend on the slicing. Undefined when done, else the
 * cursor to hand over with.
 */
async function trim(
  deps: LicenseEngineDeps,
  license: License,
  token: string,
  guard: LicenseGuard,
  drawn: { quantity: number; value: number },
  deadline: number,
  progress: Progress,
  resume: { from: string | undefined } | undefined,
): Promise<string | undefined> {
  const overWith = (d: { quantity: number; value: number }) =>
    overLimits({ ...license, releasedQuantity: d.quantity, releasedValue: d.value });
  for (let plans = 0; resume !== undefined || overWith(drawn); plans++) {
    // A plan the shipments changed under (a re-hold failed its conditions, a trimmed one left) is made again.
    if (plans === MAX_TRIM_PLANS) throw new ConflictError('shipments kept changing under the trim');
    const cut = resume
      ? await resumedCut(deps, license, drawn, resume.from)
      : await trimCut(deps, license, drawn);
    resume = undefined;
    const kept = await keepFitting(deps, license, guard, drawn, cut, deadline, progress);
    // The next slice carries on with this plan: planned again from what is left, it could differ.
    if (kept === 'outOfTime') return `${TRIM_CURSOR}${cut.from ?? ''}`;
    // Shipped goods alone keep it over: everything unshipped is re-held, and the caller alerts.
    if (kept === 'done' && overWith(cut.within)) return undefined;
  }
  if (token.startsWith(AMEND_TOKEN_PREFIX)) await alertTrimmed(deps.alerter, license, drawn);
  return undefined;
}

/**
 * The `workCursor` of a trim that ran out of time: this prefix, then the
 * released index's cursor before its cut (empty: from the start). A release
 * pass's cursor is a `holdOrder`, which starts with a digit.
 */
const TRIM_CURSOR = 'trim#';

/**
 * The cut of a plan resumed in a later slice: from the same place, and what
 * the license would draw with every RELEASED shipment from there re-held.
 * The plan's own re-holds have already left `drawn`, and left the released
 * index too, so this is what the plan started from.
 */
async function resumedCut(
  deps: LicenseEngineDeps,
  license: License,
  drawn: { quantity: number; value: number },
  from: string | undefined,
): Promise<TrimCut> {
  const within = { ...drawn };
  for await (const { shipment } of inHoldOrder(deps, 'released', license.licenseId, from)) {
    if (shipment.status !== 'RELEASED') continue;
    within.quantity -= shipment.quantity;
    within.value -= drawnValue(shipment);
  }
  return { from, within };
}

/** Plans of one trim, at most, before it gives up with a ConflictError (the license is then read again). */
const MAX_TRIM_PLANS = 5;

/** Where a literal trim would stop. */
interface TrimCut {
  /** The released index's cursor just before the first shipment it would re-hold (undefined: from the start). */
  from: string | undefined;
  /** What the license would draw once they are all re-held. */
  within: { quantity: number; value: number };
}

/** Reads the released index backwards as the trim would re-hold, up to where the license would be within its limits. */
async function trimCut(
  deps: LicenseEngineDeps,
  license: License,
  drawn: { quantity: number; value: number },
): Promise<TrimCut> {
  const within = { ...drawn };
  for (let before: string | undefined; ; ) {
    const page = await deps.shipments.page(
      'released',
      license.licenseId,
      before,
      pageSizeOf(deps),
      'backward',
    );
    const plan = planTrim(license, parseShipments(page.items), within);
    within.quantity -= plan.returned.quantity;
    within.value -= plan.returned.value;
    const first = plan.rehold.at(-1)?.shipment.shipmentId;
    if (!plan.over && first !== undefined) {
      // The item before the first trimmed one in hold order: next in this page, or the first of the next.
      const at = page.items.findIndex((item) => item.shipmentId === first);
      const previous =
        page.items[at + 1] ??
        (page.next === undefined
          ? undefined
          : (await deps.shipments.page('released', license.licenseId, page.next, 1, 'backward')).items[0]);
      return { from: previous === undefined ? undefined : String(previous[GSI_ATTR.holdOrder]), within };
    }
    if (page.next === undefined) return { from: undefined, within };
    before = page.next;
  }
}

/**
 * Step 2 of the trim: first-fit in hold order over the HELD shipments and the
 * trimmed ones (the released index from `cut.from`), merged by the indexes'
 * sort key. Re-holds the trimmed ones that do not fit; HELD ones are only
 * counted (the release pass releases them). A trimmed shipment re-held here
 * sorts before the held index's read position, so that read never meets it.
 */
async function keepFitting(
  deps: LicenseEngineDeps,
  license: License,
  guard: LicenseGuard,
  drawn: { quantity: number; value: number },
  cut: TrimCut,
  deadline: number,
  progress: Progress,
): Promise<'done' | 'changed' | 'outOfTime'> {
  const remaining = remainingOf({
    ...license,
    releasedQuantity: cut.within.quantity,
    releasedValue: cut.within.value,
  });
  const held = inHoldOrder(deps, 'held', license.licenseId, undefined);
  const trimmed = inHoldOrder(deps, 'released', license.licenseId, cut.from);
  let writes: ShipmentWrite[] = [];
  const commit = async () => {
    const result = await commitCounted(deps, license, writes, guard, progress);
    returnDrawn(drawn, result.committed);
    writes = [];
    return result.skipped.length === 0;
  };
  let h = await held.next();
  for (let t = await trimmed.next(); !t.done; t = await trimmed.next()) {
    if (outOfTime(deadline, progress)) {
      // The next slice plans again from what is left.
      if (writes.length > 0) await commit();
      return 'outOfTime';
    }
    for (; !h.done && h.value.order < t.value.order; h = await held.next()) {
      if (h.value.shipment.status === 'HELD') takeFit(license, h.value.shipment, 'valid', remaining);
    }
    const shipment = t.value.shipment;
    if (shipment.status !== 'RELEASED') continue;
    const holdReason = takeFit(license, shipment, 'valid', remaining);
    if (holdReason !== undefined) writes.push(reholdWrite(license.licenseId, { shipment, holdReason }));
    if (writes.length >= pageSizeOf(deps) && !(await commit())) return 'changed';
  }
  if (writes.length > 0 && !(await commit())) return 'changed';
  return 'done';
}

const pageSizeOf = (deps: LicenseEngineDeps) => deps.pageSize ?? 200;

/** A license's shipments in one index, in its order from after `after`, with their sort key. */
async function* inHoldOrder(
  deps: LicenseEngineDeps,
  index: 'held' | 'released',
  licenseId: string,
  after: string | undefined,
): AsyncGenerator<{ shipment: Shipment; order: string }> {
  for (;;) {
    const page = await deps.shipments.page(index, licenseId, after, pageSizeOf(deps));
    for (const item of page.items) {
      const [shipment] = parseShipments([item]);
      if (shipment?.licenseId === licenseId) yield { shipment, order: String(item[GSI_ATTR.holdOrder]) };
    }
    if (page.next === undefined) return;
    after = page.next;
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
  const guard: LicenseGuard = {
    licenseId: license.licenseId,
    expect: { appliedStatus: status, pendingWork: token },
    authorizedQuantity: license.authorizedQuantity,
  };
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
