/**
 * Trimming an APPROVED license back within lowered limits (DESIGN §4,
 * "Amendment"), planned before it writes: see `trim`.
 */
import { ConflictError } from '../domain/errors.js';
import { AMEND_TOKEN_PREFIX, TRIM_CURSOR } from '../domain/license-rules.js';
import type { License, Shipment } from '../domain/model.js';
import { drawnValue, overLimits, planTrim, roomOf, takeFit } from '../domain/planning.js';
import type { LicenseGuard, ShipmentWrite } from '../domain/ports.js';
import { GSI_ATTR } from '../names.js';
import { alertTrimmed } from './license-alerts.js';
import {
  commitCounted,
  handOver,
  holdGuard,
  type LicenseEngineDeps,
  outOfTime,
  type Progress,
  parseShipments,
  reholdWrite,
  returnDrawn,
  waitForFix,
} from './license-work.js';

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
 *    back to HELD with the reason the release pass will see (keepFitting).
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
export async function trim(
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
  // Whether anything was over the limits (or an earlier slice's trim goes on): only then is there news for ops.
  let trimmed = false;
  for (let plans = 0; resume !== undefined || overWith(drawn); plans++) {
    trimmed = true;
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
  if (trimmed && token.startsWith(AMEND_TOKEN_PREFIX)) await alertTrimmed(deps.alerter, license, drawn);
  return undefined;
}

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
 * counted (the release pass releases them).
 *
 * Two reads of the merge: the first, with no write, sums what the trimmed
 * shipments that fit draw (`kept`); the second re-holds the others, each with
 * the reason the release pass would give it, whose room at that shipment is
 * less than the plan's by every kept shipment after it (with the plan's room
 * a shipment short of value only could be short of quantity for the pass,
 * which would relabel it). A trimmed shipment re-held in the second read
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
  const roomAfter = (q: number, v: number) =>
    roomOf({
      ...license,
      releasedQuantity: cut.within.quantity + q,
      releasedValue: cut.within.value + v,
    });
  const kept = { quantity: 0, value: 0 };
  let room = roomAfter(0, 0);
  for await (const { shipment, trimmed } of merged(deps, license.licenseId, cut.from)) {
    if (takeFit(license, shipment, 'valid', room) !== undefined || !trimmed) continue;
    kept.quantity += shipment.quantity;
    kept.value += drawnValue(shipment);
  }
  room = roomAfter(0, 0);
  // The release pass's room: every kept shipment already drawn.
  const passRoom = roomAfter(kept.quantity, kept.value);
  let writes: ShipmentWrite[] = [];
  const commit = async () => {
    const result = await commitCounted(deps, license, writes, guard, progress);
    returnDrawn(drawn, result.committed);
    writes = [];
    return result.skipped.length === 0;
  };
  for await (const { shipment, trimmed } of merged(deps, license.licenseId, cut.from)) {
    const fits = takeFit(license, shipment, 'valid', room) === undefined;
    if (!trimmed) {
      if (fits) takeFit(license, shipment, 'valid', passRoom);
      continue;
    }
    if (fits) continue;
    if (outOfTime(deadline, progress)) {
      if (writes.length > 0) await commit();
      return 'outOfTime';
    }
    // It does not fit the plan's room, so it does not fit the pass's (never more): this only names why.
    const holdReason = takeFit(license, shipment, 'valid', passRoom) ?? 'LICENSE_QUANTITY_EXHAUSTED';
    writes.push(reholdWrite(license.licenseId, { shipment, holdReason }));
    if (writes.length >= pageSizeOf(deps) && !(await commit())) return 'changed';
  }
  if (writes.length > 0 && !(await commit())) return 'changed';
  return 'done';
}

/**
 * The HELD shipments of a license from the start and its RELEASED ones from
 * after `from` (the trimmed ones), merged in hold order (the indexes' sort
 * key), until the trimmed ones end.
 */
async function* merged(
  deps: LicenseEngineDeps,
  licenseId: string,
  from: string | undefined,
): AsyncGenerator<{ shipment: Shipment; trimmed: boolean }> {
  const held = inHoldOrder(deps, 'held', licenseId, undefined);
  const trimmed = inHoldOrder(deps, 'released', licenseId, from);
  let h = await held.next();
  for (let t = await trimmed.next(); !t.done; t = await trimmed.next()) {
    for (; !h.done && h.value.order < t.value.order; h = await held.next()) {
      if (h.value.shipment.status === 'HELD') yield { shipment: h.value.shipment, trimmed: false };
    }
    if (t.value.shipment.status === 'RELEASED') yield { shipment: t.value.shipment, trimmed: true };
  }
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

/**
 * The re-holds of a trim's plan alone (`cursor`: TRIM_CURSOR and its cut),
 * for an APPROVED license whose applied terms are not known (their seal
 * damaged: refuseDamagedSeal): every RELEASED shipment from the cut goes
 * back to HELD, as the literal trim re-holds them, which needs no terms (the
 * cut was planned under the amended ones, so the license is within them
 * after). Keeping those of them that fit, and releasing what fits, are
 * releases, which wait for the fix. The writes are conditional on the pass
 * (applied status APPROVED, `pendingWork`), not on terms. Once the cut is
 * re-held the pass stays pending as it is (waitForFix), its amendment's
 * token and the trim's cursor kept: resumed once the seal is fixed, under
 * known terms, it ends the trim (nothing is left in the cut), alerts ops as
 * the amendment's pass does (alertTrimmed, and alertIfShippedOverLimit when
 * shipped goods alone exceed the amended limit) and releases what fits, in
 * hold order (relabelling the rest). A later read before the fix re-reads
 * the cut and writes nothing.
 * False: the rest of the pass waits (or, out of time, is handed over with
 * the same cut).
 */
export async function reholdCut(
  deps: LicenseEngineDeps,
  license: License,
  token: string,
  cursor: string | undefined,
  deadline: number,
  progress: Progress,
): Promise<boolean> {
  const from = cursor?.slice(TRIM_CURSOR.length) || undefined;
  const guard = holdGuard(license, token);
  for (let after = from; ; ) {
    if (outOfTime(deadline, progress)) return handOver(deps, license, token, cursor);
    const page = await deps.shipments.page('released', license.licenseId, after, pageSizeOf(deps));
    const writes = parseShipments(page.items)
      .filter((s) => s.status === 'RELEASED' && s.licenseId === license.licenseId)
      .map((shipment) =>
        reholdWrite(license.licenseId, { shipment, holdReason: 'LICENSE_QUANTITY_EXHAUSTED' }),
      );
    const reheld =
      writes.length > 0 ? (await commitCounted(deps, license, writes, guard, progress)).committed.length : 0;
    if (page.next === undefined) return waitForFix(deps, license);
    // Re-held shipments leave the released index: read it again from the cut when some did.
    after = reheld > 0 ? from : page.next;
  }
}
