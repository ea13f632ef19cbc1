import { consumed } from '../shared/domain/counters.js';
import type { RecomputedCounters, Violation } from '../shared/domain/invariants.js';
import { InventorySchema, LicenseSchema, parseItem, ShipmentSchema } from '../shared/domain/model.js';
import type { RawItem } from '../shared/domain/ports.js';

/**
 * What `clearance reconcile --fix` may repair, decided from one scan: the
 * Inventory counters (I3) and each license's `releasedQuantity` (I2), each
 * set to the value recomputed from the Shipments. Every write is conditional
 * on the values read, so a counter that moved since the scan is left alone
 * and shows up again in the re-check.
 */

const COUNTERS = ['held', 'released', 'shipped'] as const;
type CounterName = (typeof COUNTERS)[number];

export interface InventoryFix {
  kind: 'inventory';
  sku: string;
  warehouseId: string;
  /** Values as read; undefined: the attribute was absent. */
  read: Record<CounterName, number | undefined>;
  set: Record<CounterName, number>;
}

export interface LicenseFix {
  kind: 'license';
  licenseId: string;
  read: { releasedQuantity: number | undefined };
  set: { releasedQuantity: number };
  /** Set when the recomputed value exceeds authorizedQuantity: an over-release a person must look at. */
  warning?: string;
}

export type Fix = InventoryFix | LicenseFix;

export interface ReconcilePlan {
  fixes: Fix[];
  /** Violations no counter write repairs, for a person. */
  manual: Violation[];
  /** Work the system has not finished; fixing now could race it. */
  busy: string[];
}

const rawNumber = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/** Units each license's RELEASED and SHIPPED shipments hold, counted by `countedStatus` as the checker does. */
export function licenseConsumption(shipments: readonly RawItem[]): Map<string, number> {
  const sums = new Map<string, number>();
  for (const raw of shipments) {
    const p = parseItem(ShipmentSchema, raw);
    if (!p.ok || p.value.countedStatus === undefined) continue;
    const s = p.value;
    sums.set(s.licenseId, (sums.get(s.licenseId) ?? 0) + consumed(s.countedStatus, s.quantity));
  }
  return sums;
}

const listed = (ids: readonly string[], max = 5) =>
  `${ids.slice(0, max).join(', ')}${ids.length > max ? ` and ${ids.length - max} more` : ''}`;

/** Finds work the system has not finished: license edits being applied, shipment edits not yet counted. */
export function findBusy(items: { licenses: readonly RawItem[]; shipments: readonly RawItem[] }): string[] {
  const licenses: string[] = [];
  for (const l of items.licenses) {
    const unapplied = l.status !== l.appliedStatus && l.statusError === undefined;
    if (l.pendingWork !== undefined || unapplied) licenses.push(String(l.licenseId));
  }
  const shipments: string[] = [];
  for (const s of items.shipments) {
    if (s.statusError !== undefined) continue;
    if (s.countedStatus === undefined || s.status !== s.countedStatus) shipments.push(String(s.shipmentId));
  }
  const busy: string[] = [];
  if (licenses.length > 0) {
    busy.push(
      `${licenses.length} license${licenses.length === 1 ? ' has' : 's have'} work in progress: ${listed(licenses)}`,
    );
  }
  if (shipments.length > 0) {
    busy.push(
      `${shipments.length} shipment${shipments.length === 1 ? ' has' : 's have'} an edit the system has not counted yet: ${listed(shipments)}`,
    );
  }
  return busy;
}

const keyOf = (sku: string, warehouseId: string) => `${sku}\u0000${warehouseId}`;

export function planReconcile(
  items: { licenses: readonly RawItem[]; shipments: readonly RawItem[]; inventory: readonly RawItem[] },
  check: { violations: readonly Violation[]; recomputed: readonly RecomputedCounters[] },
): ReconcilePlan {
  const fixes: Fix[] = [];
  const sums = new Map(check.recomputed.map((r) => [keyOf(r.sku, r.warehouseId), r]));
  for (const raw of items.inventory) {
    const p = parseItem(InventorySchema, raw);
    if (!p.ok) continue;
    const inv = p.value;
    const sum = sums.get(keyOf(inv.sku, inv.warehouseId));
    const want: Record<CounterName, number> = {
      held: sum?.held ?? 0,
      released: sum?.released ?? 0,
      shipped: sum?.shipped ?? 0,
    };
    if (COUNTERS.every((c) => inv[c] === want[c])) continue;
    fixes.push({
      kind: 'inventory',
      sku: inv.sku,
      warehouseId: inv.warehouseId,
      read: { held: rawNumber(raw.held), released: rawNumber(raw.released), shipped: rawNumber(raw.shipped) },
      set: want,
    });
  }
  const used = licenseConsumption(items.shipments);
  for (const raw of items.licenses) {
    const p = parseItem(LicenseSchema, raw);
    if (!p.ok) continue;
    const l = p.value;
    const want = used.get(l.licenseId) ?? 0;
    if (want === l.releasedQuantity) continue;
    fixes.push({
      kind: 'license',
      licenseId: l.licenseId,
      read: { releasedQuantity: rawNumber(raw.releasedQuantity) },
      set: { releasedQuantity: want },
      ...(want > l.authorizedQuantity
        ? {
            warning: `its released and shipped shipments hold ${want} units, more than the ${l.authorizedQuantity} authorized: a possible over-release; escalate to compliance`,
          }
        : {}),
    });
  }
  const fixedInventory = new Set(
    fixes.flatMap((f) => (f.kind === 'inventory' ? [keyOf(f.sku, f.warehouseId)] : [])),
  );
  const fixedLicenses = new Set(fixes.flatMap((f) => (f.kind === 'license' ? [f.licenseId] : [])));
  const manual = check.violations.filter((v) => {
    if (v.invariant === 'I3' && v.key.sku !== undefined && v.key.warehouseId !== undefined) {
      return !fixedInventory.has(keyOf(v.key.sku, v.key.warehouseId));
    }
    if (v.invariant === 'I2' && v.key.licenseId !== undefined) {
      return !fixedLicenses.has(v.key.licenseId);
    }
    return true;
  });
  return { fixes, manual, busy: findBusy(items) };
}

/** One line per fix, for the confirmation. */
export function describeFix(fix: Fix): string {
  if (fix.kind === 'inventory') {
    const changes = COUNTERS.filter((c) => (fix.read[c] ?? 0) !== fix.set[c]).map(
      (c) => `${c} ${fix.read[c] ?? 'absent'} → ${fix.set[c]}`,
    );
    return `Inventory ${fix.sku} @ ${fix.warehouseId}: ${changes.join(', ')}`;
  }
  return `License ${fix.licenseId}: releasedQuantity ${fix.read.releasedQuantity ?? 'absent'} → ${fix.set.releasedQuantity}${fix.warning ? ` (WARNING: ${fix.warning})` : ''}`;
}
