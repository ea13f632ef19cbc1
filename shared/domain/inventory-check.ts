import { inventoryKey } from './counters.js';
import type { RecomputedCounters, Violation } from './invariants.js';
import { type Inventory, InventorySchema, parseItem } from './model.js';
import type { RawItem } from './ports.js';

/**
 * An Inventory item as the readers take it: its counters, or why it does not
 * parse. `belowZero` is set when `onHand` is a whole number below 0 and the
 * rest is valid: the system itself writes that (a shipment that becomes
 * SHIPPED lowers `onHand` by its quantity, and nothing gates a release or a
 * SHIPPED edit on stock), so the item is read, and its counters checked, and
 * the stock record behind the goods that left is reported on its own
 * ({@link belowZeroMessage}), not as an invalid item.
 */
export type InventoryReading =
  | { ok: true; value: Inventory; belowZero: boolean }
  | { ok: false; problems: string[] };

/** Reads one Inventory item: see {@link InventoryReading}. */
export function readInventory(raw: RawItem): InventoryReading {
  const parsed = parseItem(InventorySchema, raw);
  if (parsed.ok) return { ok: true, value: parsed.value, belowZero: false };
  const { onHand } = raw;
  if (typeof onHand !== 'number' || !Number.isSafeInteger(onHand) || onHand >= 0) return parsed;
  const rest = parseItem(InventorySchema, { ...raw, onHand: 0 });
  return rest.ok ? { ok: true, value: { ...rest.value, onHand }, belowZero: true } : parsed;
}

/** What a negative `onHand` means and what to do about it (the check's finding, `inventory show`'s note). */
export const belowZeroMessage = (onHand: number): string =>
  `onHand is ${onHand}, below 0: more units were marked SHIPPED here than were stocked (a receipt not entered, ` +
  'or a stock count typed too low); add the units received with ADD onHand (docs/OPERATIONS.md, "Adjust onHand")';

/**
 * I3: each Inventory item is valid and its counters equal the sums; counted
 * shipments have an item. An item that does not parse still exists: it is
 * reported for what is wrong with it, never also as missing (an admin told it
 * is missing may put a new item over it and wipe its counters).
 */
export function inventoryViolations(
  items: readonly RawItem[],
  sums: ReadonlyMap<string, RecomputedCounters>,
): Violation[] {
  const violations: Violation[] = [];
  const seen = new Set<string>();
  for (const raw of items) {
    const key = { sku: String(raw.sku), warehouseId: String(raw.warehouseId) };
    const k = inventoryKey(key);
    seen.add(k);
    const read = readInventory(raw);
    if (!read.ok) {
      violations.push({
        invariant: 'I3',
        key,
        message: `Inventory item is invalid: ${read.problems.join('; ')}`,
      });
      continue;
    }
    const inv = read.value;
    if (read.belowZero) violations.push({ invariant: 'I3', key, message: belowZeroMessage(inv.onHand) });
    const sum = sums.get(k) ?? { held: 0, released: 0, shipped: 0 };
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
