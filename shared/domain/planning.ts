import { holdReasonFor } from './license-rules.js';
import type { HoldReason, License, LicenseStatus, Shipment } from './model.js';

/**
 * The sort key of the held and released GSIs: priority, then requestedAt, then
 * shipmentId, as one string that sorts in hold order.
 */
export const holdOrderKey = (s: Pick<Shipment, 'priority' | 'requestedAt' | 'shipmentId'>): string =>
  `${String(s.priority).padStart(6, '0')}#${new Date(s.requestedAt).toISOString()}#${s.shipmentId}`;

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

/** What one planning step decides for a page of HELD shipments. */
export interface ReleasePlan {
  release: Shipment[];
  relabel: HoldReasonChange[];
  /** Units still authorized after this page. */
  remaining: number;
}

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
 * order) with `remaining` units left. First-fit: a shipment larger than what is
 * left stays HELD as LICENSE_QUANTITY_EXHAUSTED and smaller later ones may
 * still go. Pages are planned one after another, passing `remaining` on, so the
 * whole backlog is first-fit in hold order. Only changed hold reasons are listed.
 */
export function planRelease(
  license: License,
  held: readonly Shipment[],
  remaining: number,
  now: Date,
): ReleasePlan {
  const plan: ReleasePlan = { release: [], relabel: [], remaining };
  const window = validity(license, now);
  for (const shipment of held) {
    if (shipment.status !== 'HELD' || shipment.licenseId !== license.licenseId) continue;
    let reason: HoldReason | undefined;
    if (mismatch(license, shipment)) reason = 'LICENSE_MISMATCH';
    else if (window === 'early') reason = 'LICENSE_NOT_YET_VALID';
    else if (window === 'late') reason = 'LICENSE_EXPIRED';
    else if (shipment.quantity > plan.remaining) reason = 'LICENSE_QUANTITY_EXHAUSTED';
    if (reason === undefined) {
      plan.release.push(shipment);
      plan.remaining -= shipment.quantity;
    } else if (shipment.holdReason !== reason) {
      plan.relabel.push({ shipment, holdReason: reason });
    }
  }
  return plan;
}

/** What re-holding decides for a license that is no longer APPROVED. */
export interface ReholdPlan {
  /** RELEASED shipments that go back to HELD, with the reason. */
  rehold: HoldReasonChange[];
  /** HELD shipments whose reason changes. */
  relabel: HoldReasonChange[];
  /** Units returned to the license (`releasedQuantity` goes down by this). */
  returned: number;
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
  const plan: ReholdPlan = { rehold: [], relabel: [], returned: 0 };
  for (const shipment of shipments) {
    if (shipment.licenseId !== license.licenseId) continue;
    if (shipment.status === 'RELEASED') {
      plan.rehold.push({ shipment, holdReason: reason });
      plan.returned += shipment.quantity;
    } else if (shipment.status === 'HELD') {
      const wanted = mismatch(license, shipment) ? 'LICENSE_MISMATCH' : reason;
      if (shipment.holdReason !== wanted) plan.relabel.push({ shipment, holdReason: wanted });
    }
  }
  return plan;
}
