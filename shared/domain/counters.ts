import { createHash } from 'node:crypto';
import { CountedAsSchema, type CountedAsStamp, type ShipmentStatus } from './model.js';

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
 * What the counters and the license hold for a shipment, as its `countedAs`
 * says it (set when it is accepted): a map of its fixed fields, `quantity`,
 * `sku`, `warehouseId`, `customerId` and `licenseId`. A shipment whose fields
 * no longer match has an edit still to reject: no pass may move counters,
 * draw on its license or notify anyone with the edited values. Stamps written
 * before `customerId` and `licenseId` were added lack those two.
 */
export interface CountedAs {
  quantity: number;
  sku: string;
  warehouseId: string;
  customerId: string;
  licenseId: string;
}

export const countedAsOf = (s: CountedAs): CountedAs => ({
  quantity: s.quantity,
  sku: s.sku,
  warehouseId: s.warehouseId,
  customerId: s.customerId,
  licenseId: s.licenseId,
});

/**
 * The `seal` of a shipment's stamp: a digest of its id and the five fixed
 * fields as counted. A find and replace over the item's JSON (CUST-A by
 * CUST-B) changes a field and the stamp alike but cannot make the digest
 * match: a pass reading such an item before shipment-events has set it back
 * sees the stamp broken and leaves the shipment alone (I4: the edited
 * customer is never told about it).
 */
export const sealOf = (shipmentId: string, c: CountedAs): string =>
  createHash('sha256')
    .update(JSON.stringify([shipmentId, c.quantity, c.sku, c.warehouseId, c.customerId, c.licenseId]))
    .digest('hex')
    .slice(0, 16);

/**
 * Whether a stamp vouches for itself: unsealed (written before the seal), or
 * sealed with the digest of the id and the fields it holds. False for a stamp
 * a find and replace over the item's JSON changed: what it says was counted
 * is not known until shipment-events sets it back.
 */
export const stampIntact = (shipmentId: string, c: CountedAsStamp): boolean =>
  c.seal === undefined ||
  (c.customerId !== undefined &&
    c.licenseId !== undefined &&
    c.seal === sealOf(shipmentId, { ...c, customerId: c.customerId, licenseId: c.licenseId }));

/** The stamp the intake writes: the fixed fields as counted, sealed. */
export const stampOf = (s: CountedAs & { shipmentId: string }): CountedAsStamp => ({
  ...countedAsOf(s),
  seal: sealOf(s.shipmentId, s),
});

/** An item's `countedAs`, when it has a well-formed one (the fields it carries), read before the item is parsed. */
export const countedAsStamp = (item: Record<string, unknown>): CountedAsStamp | undefined =>
  CountedAsSchema.safeParse(item.countedAs).data;

/**
 * A write condition that the shipment's stamp is still the one read (none for
 * a shipment accepted before the stamp). Every system write that commits a
 * change carries it: the change's notice and History entry are told from the
 * committing record's stamp, so a stamp edited between the read and the write
 * (a find and replace over the item's JSON) must fail the write, not send
 * the change to the edited customer or warehouse.
 */
export const stampExpected = (s: {
  countedAs?: CountedAsStamp | undefined;
}): { countedAs?: CountedAsStamp } => (s.countedAs === undefined ? {} : { countedAs: s.countedAs });

/**
 * The shipment's fixed fields are what its `countedAs` holds, and the stamp's
 * `seal` is theirs (or it predates the stamp, those fields or the seal).
 */
export const countedAsItIs = (
  s: CountedAs & { shipmentId: string; countedAs?: CountedAsStamp | undefined },
): boolean => {
  const c = s.countedAs;
  return (
    c === undefined ||
    (c.quantity === s.quantity &&
      c.sku === s.sku &&
      c.warehouseId === s.warehouseId &&
      (c.customerId === undefined || c.customerId === s.customerId) &&
      (c.licenseId === undefined || c.licenseId === s.licenseId) &&
      (c.seal === undefined || c.seal === sealOf(s.shipmentId, s)))
  );
};
