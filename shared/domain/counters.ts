import type { ShipmentStatus } from './model.js';

/** A change to one Inventory item's counters. */
export interface CounterDelta {
  onHand: number;
  held: number;
  released: number;
  shipped: number;
}

export const ZERO_DELTA: Readonly<CounterDelta> = { onHand: 0, held: 0, released: 0, shipped: 0 };

const bucket = (status: ShipmentStatus | undefined): keyof CounterDelta | undefined => {
  switch (status) {
    case 'HELD':
      return 'held';
    case 'RELEASED':
      return 'released';
    case 'SHIPPED':
      return 'shipped';
    default:
      return undefined;
  }
};

/**
 * How the (sku, warehouse) counters move when a shipment of `quantity` units goes
 * from `from` to `to` (undefined: not counted). Shipping takes units off `onHand`.
 */
export function counterDelta(
  from: ShipmentStatus | undefined,
  to: ShipmentStatus | undefined,
  quantity: number,
): CounterDelta {
  const delta: CounterDelta = { ...ZERO_DELTA };
  const out = bucket(from);
  const into = bucket(to);
  if (out) delta[out] -= quantity;
  if (into) delta[into] += quantity;
  if (to === 'SHIPPED' && from !== 'SHIPPED') delta.onHand -= quantity;
  return delta;
}

/** Units a shipment in `status` consumes from its license (released and shipped deplete it). */
export const consumed = (status: ShipmentStatus | undefined, quantity: number): number =>
  status === 'RELEASED' || status === 'SHIPPED' ? quantity : 0;

/** Sums deltas per key, dropping keys whose sum is zero. */
export function sumDeltas<K>(
  entries: Iterable<[K, CounterDelta]>,
  keyOf: (key: K) => string,
): Map<string, { key: K; delta: CounterDelta }> {
  const sums = new Map<string, { key: K; delta: CounterDelta }>();
  for (const [key, delta] of entries) {
    const id = keyOf(key);
    const entry = sums.get(id) ?? { key, delta: { ...ZERO_DELTA } };
    entry.delta.onHand += delta.onHand;
    entry.delta.held += delta.held;
    entry.delta.released += delta.released;
    entry.delta.shipped += delta.shipped;
    sums.set(id, entry);
  }
  for (const [id, { delta }] of sums) {
    if (delta.onHand === 0 && delta.held === 0 && delta.released === 0 && delta.shipped === 0)
      sums.delete(id);
  }
  return sums;
}

/** The key of one Inventory item (sku, warehouse) as one string, for sets and maps. */
export const inventoryKey = (k: { sku: string; warehouseId: string }): string =>
  `${k.sku}\u0000${k.warehouseId}`;

/**
 * What the counters hold for a shipment, as its `countedAs` says it (set when
 * it is accepted): a map `quantity`, `sku`, `warehouseId`. A shipment whose
 * fields no longer match has an edit still to reject: no pass may move
 * counters or draw on its license with the edited values.
 */
export interface CountedAs {
  quantity: number;
  sku: string;
  warehouseId: string;
}

export const countedAsOf = (s: CountedAs): CountedAs => ({
  quantity: s.quantity,
  sku: s.sku,
  warehouseId: s.warehouseId,
});

/** An item's `countedAs`, when it has a well-formed one. */
export function countedAsStamp(item: Record<string, unknown>): CountedAs | undefined {
  const c = item.countedAs as Partial<CountedAs> | undefined;
  return c && typeof c.quantity === 'number' && typeof c.sku === 'string' && typeof c.warehouseId === 'string'
    ? countedAsOf(c as CountedAs)
    : undefined;
}

/** The shipment's quantity, sku and warehouse are what its counters hold (or it predates `countedAs`). */
export const countedAsItIs = (s: CountedAs & { countedAs?: CountedAs | undefined }): boolean =>
  s.countedAs === undefined ||
  (s.countedAs.quantity === s.quantity &&
    s.countedAs.sku === s.sku &&
    s.countedAs.warehouseId === s.warehouseId);
