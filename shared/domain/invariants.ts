import { consumed, inventoryKey } from './counters.js';
import {
  type Inventory,
  InventorySchema,
  type License,
  LicenseSchema,
  parseItem,
  type Shipment,
  ShipmentSchema,
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
    const key = { shipmentId: s.shipmentId };
    if (s.status !== s.countedStatus) {
      violations.push({
        invariant: 'I3',
        key,
        message: `status ${s.status} differs from countedStatus ${s.countedStatus}: an edit was not applied`,
      });
    }
    const counted = s.countedStatus;
    if (counted === 'RELEASED') {
      const l = licenses.get(s.licenseId);
      if (!l)
        violations.push({
          invariant: 'I1',
          key,
          message: `RELEASED under license ${s.licenseId}, which does not exist`,
        });
      else {
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
      }
    }
    consumedBy.set(s.licenseId, (consumedBy.get(s.licenseId) ?? 0) + consumed(counted, s.quantity));
    const k = inventoryKey(s);
    const sum = sums.get(k) ?? { sku: s.sku, warehouseId: s.warehouseId, held: 0, released: 0, shipped: 0 };
    if (counted === 'HELD') sum.held += s.quantity;
    if (counted === 'RELEASED') sum.released += s.quantity;
    if (counted === 'SHIPPED') sum.shipped += s.quantity;
    sums.set(k, sum);
  }
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
  const seen = new Set<string>();
  for (const raw of input.inventory) {
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
  return { violations, recomputed: [...sums.values()] };
}
