import { holdReasonFor } from './license-rules.js';
import type { HoldReason, License, LicenseStatus, Shipment } from './model.js';

/**
 * The sort key of the held and released GSIs: priority, then requestedAt, then
 * shipmentId, as one string that sorts in hold order.
 */
export const holdOrderKey = (s: Pick<Shipment, 'priority' | 'requestedAt' | 'shipmentId'>): string =>
  `${String(s.priority).padStart(6, '0')}#${new Date(s.requestedAt).toISOString()}${beyondMilliseconds(s.requestedAt)}#${s.shipmentId}`;

/**
 * The digits of a requestedAt finer than the millisecond `toISOString` keeps (`…00.000100Z` from a
 * system that exports microseconds), to the nanosecond, fixed width: two requests of one millisecond
 * still go in the order they were made (DESIGN §3). None when they are all zero, so a key is as it
 * always was for a time in milliseconds, which sorts first in its millisecond (`#` before digits).
 */
function beyondMilliseconds(requestedAt: string): string {
  const finer = (/\.\d{3}(\d+)Z$/i.exec(requestedAt)?.[1] ?? '').padEnd(6, '0').slice(0, 6);
  return /^0+$/.test(finer) ? '' : finer;
}

/**
 * The shipment an item is a copy of, when it is one: its `holdOrder` (the
 * sort key above, GSI_ATTR.holdOrder in shared/names.ts, which the domain
 * does not import) ends in another shipment's id. The AWS console's
 * "Duplicate item" copies every attribute but the key, the system's too, so a
 * copy of a counted shipment looks counted (`countedStatus`, `revision`,
 * index keys) although nothing ever counted it. Only the intake writes
 * `holdOrder` and every rewrite keeps the item's own id in it (an id has no
 * `#`): an item put back as it was (a deleted shipment restored) is not a copy.
 */
export function copiedFrom(item: { readonly [attribute: string]: unknown } | undefined): string | undefined {
  const order = item?.holdOrder;
  if (typeof order !== 'string' || !order.includes('#')) return undefined;
  const from = order.slice(order.lastIndexOf('#') + 1);
  return from !== item?.shipmentId ? from : undefined;
}

/** Compares two shipments in hold order (priority, requestedAt, shipmentId). */
export const compareHoldOrder = (a: Shipment, b: Shipment): number => {
  const ka = holdOrderKey(a);
  const kb = holdOrderKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
};

/** A HELD shipment keeps its hold but gets a new reason. */
export interface HoldReasonChange {
  shipment: Shipment;
  holdReason: HoldReason;
}

/**
 * What a license has left to release: units always, value only when the
 * license has a value limit (`authorizedValue`).
 */
export interface Remaining {
  quantity: number;
  /** Undefined: the license limits quantity only. */
  value?: number;
}

/** What one planning step decides for a page of HELD shipments. */
export interface ReleasePlan {
  release: Shipment[];
  relabel: HoldReasonChange[];
  /** Units and value still authorized after this page. */
  remaining: Remaining;
}

/**
 * The value limit of a license with its tolerance: `floor(authorizedValue ×
 * (100 + valueTolerancePercent) / 100)`; undefined for a license without one.
 * EAR §750.11 allows the tolerance on value, never on quantity.
 */
export function valueCap(
  license: Pick<License, 'authorizedValue' | 'valueTolerancePercent'>,
): number | undefined {
  if (license.authorizedValue === undefined) return undefined;
  return Math.floor((license.authorizedValue * (100 + (license.valueTolerancePercent ?? 0))) / 100);
}

/** Whether a license draws more than a limit allows: a lowered limit, to trim back within. */
export function overLimits(
  license: Pick<
    License,
    'authorizedQuantity' | 'releasedQuantity' | 'authorizedValue' | 'valueTolerancePercent' | 'releasedValue'
  >,
): boolean {
  const cap = valueCap(license);
  return (
    license.releasedQuantity > license.authorizedQuantity ||
    (cap !== undefined && license.releasedValue > cap)
  );
}

type Drawing = Pick<
  License,
  'authorizedQuantity' | 'releasedQuantity' | 'authorizedValue' | 'valueTolerancePercent' | 'releasedValue'
>;

/** What a license has left, from its limits and what it has released (never below 0: for people). */
export function remainingOf(license: Drawing): Remaining {
  const room = roomOf(license);
  return {
    quantity: Math.max(0, room.quantity),
    ...(room.value === undefined ? {} : { value: Math.max(0, room.value) }),
  };
}

/**
 * What first-fit plans with: the limits less what is released, below 0 when
 * the license is over a limit (SHIPPED goods alone above a lowered one). Then
 * nothing fits, not even a shipment of value 0: a release must keep
 * `releasedValue` within the cap (DESIGN §4, I2), and 0 left would let it.
 */
export function roomOf(license: Drawing): Remaining {
  const cap = valueCap(license);
  return {
    quantity: license.authorizedQuantity - license.releasedQuantity,
    ...(cap === undefined ? {} : { value: cap - license.releasedValue }),
  };
}

/**
 * The value a RELEASED or SHIPPED shipment draws from its license: the value
 * it had when it was released (`countedValue`), not whatever `value` shows
 * now (an edit of it is rejected and written back, maybe after a pass has
 * read it). Shipments released before `countedValue` was kept fall back to
 * `value`.
 */
export const drawnValue = (s: Pick<Shipment, 'value' | 'countedValue'>): number =>
  s.countedValue ?? s.value ?? 0;

/** Whether `now` is inside the license's validity window (both ends inclusive). */
export function validity(
  license: Pick<License, 'validFrom' | 'validUntil'>,
  now: Date,
): 'valid' | 'early' | 'late' {
  const t = now.getTime();
  if (t < Date.parse(license.validFrom)) return 'early';
  if (t > Date.parse(license.validUntil)) return 'late';
  return 'valid';
}

/** Why `shipment` cannot go under `license` at all, whatever the quantity: a customer or sku mismatch. */
export const mismatch = (license: Pick<License, 'customerId' | 'sku'>, shipment: Shipment): boolean =>
  shipment.customerId !== license.customerId || shipment.sku !== license.sku;

/**
 * Plans the release of `held` (HELD shipments of an APPROVED license, in hold
 * order) with `remaining` units and value left. First-fit on both limits: a
 * shipment larger than what is left stays HELD as LICENSE_QUANTITY_EXHAUSTED
 * (or LICENSE_VALUE_EXHAUSTED), and smaller later ones may still go. Under a
 * value limit a shipment without `value` stays HELD as SHIPMENT_VALUE_MISSING.
 * Pages are planned one after another, passing `remaining` on, so the whole
 * backlog is first-fit in hold order. Only changed hold reasons are listed.
 */
export function planRelease(
  license: License,
  held: readonly Shipment[],
  remaining: Remaining,
  now: Date,
): ReleasePlan {
  const plan: ReleasePlan = { release: [], relabel: [], remaining: { ...remaining } };
  const window = validity(license, now);
  for (const shipment of held) {
    if (shipment.status !== 'HELD' || shipment.licenseId !== license.licenseId) continue;
    const reason = takeFit(license, shipment, window, plan.remaining);
    if (reason === undefined) plan.release.push(shipment);
    else if (shipment.holdReason !== reason) plan.relabel.push({ shipment, holdReason: reason });
  }
  return plan;
}

/**
 * One step of first-fit in hold order: why `shipment` stays (or goes back)
 * HELD under an APPROVED `license` with `remaining` left, or undefined if it
 * goes (or, RELEASED, stays released), in which case what it draws comes off
 * `remaining`. A RELEASED shipment draws what it was released with
 * (`drawnValue`).
 */
export function takeFit(
  license: License,
  shipment: Shipment,
  window: 'valid' | 'early' | 'late',
  remaining: Remaining,
): HoldReason | undefined {
  // What it draws: a RELEASED one what it was released with, a HELD one its value.
  const value = shipment.status === 'RELEASED' ? drawnValue(shipment) : (shipment.value ?? 0);
  const reason = holdReason(license, shipment, value, window, remaining);
  if (reason !== undefined) return reason;
  remaining.quantity -= shipment.quantity;
  if (remaining.value !== undefined) remaining.value -= value;
  return undefined;
}

/** Why `shipment`, drawing `value`, stays HELD under an APPROVED `license` with `remaining` left, or undefined if it goes. */
function holdReason(
  license: License,
  shipment: Shipment,
  value: number,
  window: 'valid' | 'early' | 'late',
  remaining: Remaining,
): HoldReason | undefined {
  if (mismatch(license, shipment)) return 'LICENSE_MISMATCH';
  if (window === 'early') return 'LICENSE_NOT_YET_VALID';
  if (window === 'late') return 'LICENSE_EXPIRED';
  if (remaining.value !== undefined && shipment.value === undefined) return 'SHIPMENT_VALUE_MISSING';
  if (shipment.quantity > remaining.quantity) return 'LICENSE_QUANTITY_EXHAUSTED';
  if (remaining.value !== undefined && value > remaining.value) return 'LICENSE_VALUE_EXHAUSTED';
  return undefined;
}

/** What trimming decides for an APPROVED license over its (lowered) limits. */
export interface TrimPlan {
  /** RELEASED shipments that go back to HELD, last in hold order first, with the limit they broke. */
  rehold: HoldReasonChange[];
  /** Units and value returned to the license. */
  returned: { quantity: number; value: number };
  /** Still over a limit after this page. */
  over: boolean;
}

/**
 * Plans bringing a license back within lowered limits: `released` are its
 * RELEASED shipments, last in hold order first (the released index read
 * backwards), and `drawn` what it holds now. Each goes back to HELD, as
 * LICENSE_QUANTITY_EXHAUSTED while units are over the limit and as
 * LICENSE_VALUE_EXHAUSTED while only value is, until both fit. SHIPPED
 * shipments cannot be re-held: if they alone exceed a limit, the license
 * stays over it, and the caller alerts.
 */
export function planTrim(
  license: License,
  released: readonly Shipment[],
  drawn: { quantity: number; value: number },
): TrimPlan {
  const cap = valueCap(license);
  const plan: TrimPlan = { rehold: [], returned: { quantity: 0, value: 0 }, over: false };
  const quantity = () => drawn.quantity - plan.returned.quantity;
  const value = () => drawn.value - plan.returned.value;
  const overQuantity = () => quantity() > license.authorizedQuantity;
  const overValue = () => cap !== undefined && value() > cap;
  for (const shipment of released) {
    if (!overQuantity() && !overValue()) break;
    if (shipment.status !== 'RELEASED' || shipment.licenseId !== license.licenseId) continue;
    const holdReason: HoldReason = overQuantity() ? 'LICENSE_QUANTITY_EXHAUSTED' : 'LICENSE_VALUE_EXHAUSTED';
    plan.rehold.push({ shipment, holdReason });
    plan.returned.quantity += shipment.quantity;
    plan.returned.value += drawnValue(shipment);
  }
  plan.over = overQuantity() || overValue();
  return plan;
}

/** What re-holding decides for a license that is no longer APPROVED. */
export interface ReholdPlan {
  /** RELEASED shipments that go back to HELD, with the reason. */
  rehold: HoldReasonChange[];
  /** HELD shipments whose reason changes. */
  relabel: HoldReasonChange[];
  /** Units and value returned to the license (`releasedQuantity` and `releasedValue` go down by these). */
  returned: { quantity: number; value: number };
}

/**
 * Plans the re-hold for a SUSPENDED, REVOKED, EXPIRED or DENIED (or PENDING)
 * license: every RELEASED shipment goes back to HELD with the matching reason,
 * and HELD ones take that reason too (mismatches keep LICENSE_MISMATCH).
 * SHIPPED and CANCELLED shipments are history and never appear here.
 */
export function planRehold(
  license: Pick<License, 'licenseId' | 'customerId' | 'sku'>,
  status: LicenseStatus,
  shipments: readonly Shipment[],
): ReholdPlan {
  const reason = holdReasonFor(status);
  if (reason === undefined) throw new RangeError(`planRehold: ${status} does not hold shipments`);
  const plan: ReholdPlan = { rehold: [], relabel: [], returned: { quantity: 0, value: 0 } };
  for (const shipment of shipments) {
    if (shipment.licenseId !== license.licenseId) continue;
    if (shipment.status === 'RELEASED') {
      plan.rehold.push({ shipment, holdReason: reason });
      plan.returned.quantity += shipment.quantity;
      plan.returned.value += drawnValue(shipment);
    } else if (shipment.status === 'HELD') {
      const wanted = mismatch(license, shipment) ? 'LICENSE_MISMATCH' : reason;
      if (shipment.holdReason !== wanted) plan.relabel.push({ shipment, holdReason: wanted });
    }
  }
  return plan;
}
