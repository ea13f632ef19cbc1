import { consumed, inventoryKey } from './counters.js';
import {
  type Inventory,
  InventorySchema,
  type License,
  LicenseSchema,
  parseItem,
  type Shipment,
  ShipmentSchema,
  type ShipmentStatus,
} from './model.js';
import { mismatch, validity } from './planning.js';
import type { RawItem } from './ports.js';

/** One broken invariant, with the keys of the items involved. */
export interface Violation {
  invariant: 'I1' | 'I2' | 'I3';
  key: Record<string, string>;
  message: string;
}

/** Counter sums recomputed from Shipments for one (sku, warehouse). */
export interface RecomputedCounters {
  sku: string;
  warehouseId: string;
  held: number;
  released: number;
  shipped: number;
}

/**
 * Checks I1–I3 over a quiescent store (no work pending). Shipments are counted
 * by `countedStatus`; one whose `status` differs from it is an unapplied edit
 * and is reported. Invalid items are skipped here: they are never counted, and
 * the handlers report them.
 */
export function checkInvariants(input: {
  licenses: readonly RawItem[];
  shipments: readonly RawItem[];
  inventory: readonly RawItem[];
}): { violations: Violation[]; recomputed: RecomputedCounters[] } {
  const violations: Violation[] = [];
  const licenses = new Map<string, License>();
  for (const raw of input.licenses) {
    const p = parseItem(LicenseSchema, raw);
    if (p.ok) licenses.set(p.value.licenseId, p.value);
  }
  const consumedBy = new Map<string, number>();
  const sums = new Map<string, RecomputedCounters>();
  for (const raw of input.shipments) {
    const p = parseItem(ShipmentSchema, raw);
    if (!p.ok || p.value.countedStatus === undefined) continue;
    const s: Shipment = p.value;
    const counted = p.value.countedStatus;
    violations.push(...shipmentViolations(s, counted, licenses));
    consumedBy.set(s.licenseId, (consumedBy.get(s.licenseId) ?? 0) + consumed(counted, s.quantity));
    count(sums, s, counted);
  }
  violations.push(...licenseViolations(licenses, consumedBy), ...inventoryViolations(input.inventory, sums));
  return { violations, recomputed: [...sums.values()] };
}

/** I3 for an edit not applied, and I1 for a RELEASED shipment. */
function shipmentViolations(
  s: Shipment,
  counted: ShipmentStatus,
  licenses: ReadonlyMap<string, License>,
): Violation[] {
  const violations: Violation[] = [];
  const key = { shipmentId: s.shipmentId };
  if (s.status !== counted) {
    violations.push({
      invariant: 'I3',
      key,
      message: `status ${s.status} differs from countedStatus ${counted}: an edit was not applied`,
    });
  }
  if (counted === 'RELEASED') violations.push(...releasedViolations(s, licenses.get(s.licenseId)));
  return violations;
}

/** I1: a RELEASED shipment's license exists, is approved and applied, matches it, and was valid when it was released. */
function releasedViolations(s: Shipment, l: License | undefined): Violation[] {
  const key = { shipmentId: s.shipmentId };
  if (!l)
    return [{ invariant: 'I1', key, message: `RELEASED under license ${s.licenseId}, which does not exist` }];
  const violations: Violation[] = [];
  if (l.status !== 'APPROVED' || l.appliedStatus !== 'APPROVED') {
    violations.push({
      invariant: 'I1',
      key,
      message: `RELEASED under license ${l.licenseId}, which is ${l.status} (applied ${l.appliedStatus ?? 'none'})`,
    });
  }
  if (mismatch(l, s))
    violations.push({
      invariant: 'I1',
      key,
      message: `RELEASED under license ${l.licenseId} for another customer or sku`,
    });
  if (s.releasedAt && validity(l, new Date(s.releasedAt)) !== 'valid') {
    violations.push({
      invariant: 'I1',
      key,
      message: `released at ${s.releasedAt}, outside ${l.validFrom}..${l.validUntil}`,
    });
  }
  return violations;
}

/** Adds a counted shipment to the counter sums of its (sku, warehouse). */
function count(sums: Map<string, RecomputedCounters>, s: Shipment, counted: ShipmentStatus): void {
  const k = inventoryKey(s);
  const sum = sums.get(k) ?? { sku: s.sku, warehouseId: s.warehouseId, held: 0, released: 0, shipped: 0 };
  if (counted === 'HELD') sum.held += s.quantity;
  if (counted === 'RELEASED') sum.released += s.quantity;
  if (counted === 'SHIPPED') sum.shipped += s.quantity;
  sums.set(k, sum);
}

/** I2: each license's releasedQuantity is what its shipments hold, and within authorizedQuantity. */
function licenseViolations(
  licenses: ReadonlyMap<string, License>,
  consumedBy: ReadonlyMap<string, number>,
): Violation[] {
  const violations: Violation[] = [];
  for (const l of licenses.values()) {
    const used = consumedBy.get(l.licenseId) ?? 0;
    const key = { licenseId: l.licenseId };
    if (used !== l.releasedQuantity) {
      violations.push({
        invariant: 'I2',
        key,
        message: `releasedQuantity is ${l.releasedQuantity} but its released and shipped shipments hold ${used}`,
      });
    }
    if (l.releasedQuantity > l.authorizedQuantity) {
      violations.push({
        invariant: 'I2',
        key,
        message: `releasedQuantity ${l.releasedQuantity} exceeds authorizedQuantity ${l.authorizedQuantity}`,
      });
    }
  }
  return violations;
}

/** I3: each Inventory item is valid and its counters equal the sums; counted shipments have an item. */
function inventoryViolations(
  items: readonly RawItem[],
  sums: ReadonlyMap<string, RecomputedCounters>,
): Violation[] {
  const violations: Violation[] = [];
  const seen = new Set<string>();
  for (const raw of items) {
    const p = parseItem(InventorySchema, raw);
    const key = { sku: String(raw.sku), warehouseId: String(raw.warehouseId) };
    if (!p.ok) {
      violations.push({
        invariant: 'I3',
        key,
        message: `Inventory item is invalid: ${p.problems.join('; ')}`,
      });
      continue;
    }
    const inv: Inventory = p.value;
    const k = inventoryKey(inv);
    seen.add(k);
    const sum = sums.get(k) ?? {
      sku: inv.sku,
      warehouseId: inv.warehouseId,
      held: 0,
      released: 0,
      shipped: 0,
    };
    for (const field of ['held', 'released', 'shipped'] as const) {
      if (inv[field] !== sum[field]) {
        violations.push({
          invariant: 'I3',
          key,
          message: `${field} is ${inv[field]} but shipments sum to ${sum[field]}`,
        });
      }
    }
  }
  for (const [k, sum] of sums) {
    if (!seen.has(k)) {
      violations.push({
        invariant: 'I3',
        key: { sku: sum.sku, warehouseId: sum.warehouseId },
        message: 'shipments are counted here but there is no Inventory item',
      });
    }
  }
  return violations;
}
