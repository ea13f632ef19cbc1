/**
 * The benchmark's data: one workload per measurement, with ids of its own
 * (fresh customers, warehouses, sku, licenses and shipments), so that no
 * measurement sees another's items, counters or messages. The three
 * measurements of one repetition use the same seed, hence the same
 * quantities, priorities and item sizes; only the ids' tag differs, and
 * every tag has the same length.
 */

import { mulberry32 } from '../local/random.js';
import { countedAsOf } from '../shared/domain/counters.js';
import { type Decision, SYSTEM_DECIDER } from '../shared/domain/history.js';
import { indexKey } from '../shared/domain/index-keys.js';
import type { License, Shipment } from '../shared/domain/model.js';
import { holdOrderKey } from '../shared/domain/planning.js';
import type { RawItem } from '../shared/domain/ports.js';
import { GSI_ATTR, SYSTEM_ACTOR } from '../shared/names.js';

/** Customers (each with one license) per workload. */
export const CUSTOMERS = 5;
/** Warehouses (Inventory items of the workload's sku) per workload. */
export const WAREHOUSES = 3;
/** Order sizes, as in the `npm start` scenario: mostly small, a few large. */
const SIZES = [8, 8, 16, 16, 16, 24, 32, 32, 48, 64, 96, 128, 256, 512] as const;
const COUNTRIES = ['AE', 'SG', 'IN', 'SA', 'MY'] as const;
/** Units on hand per warehouse: far more than any backlog. */
export const ON_HAND = 100_000_000;

export interface Workload {
  /** Fixed-length tag in every id of this workload, e.g. `C0007`. */
  readonly tag: string;
  readonly n: number;
  readonly sku: string;
  readonly customers: readonly string[];
  readonly warehouses: readonly string[];
  /** PENDING licenses, one per customer, each authorized for exactly its backlog. */
  readonly licenses: readonly License[];
  /** HELD shipments as an order system would write them (no system attributes). */
  readonly shipments: readonly Shipment[];
  /** Inventory items of the workload's sku, counters at zero. */
  readonly inventory: readonly RawItem[];
  /** Units per license and per warehouse, and in total. */
  readonly units: {
    readonly byLicense: ReadonlyMap<string, number>;
    readonly byWarehouse: ReadonlyMap<string, number>;
    readonly total: number;
  };
}

/** Seeded random numbers (mulberry32, shared with the scenario and the chaos runs). */
export const rng = mulberry32;

/** A tag of fixed length: kind letter + 4 digits (e.g. `C0007`), so every workload's ids have the same size. */
export function tagOf(kind: 'X' | 'C' | 'N' | 'W' | 'F' | 'A', sequence: number): string {
  if (sequence < 0 || sequence > 9999) throw new RangeError(`workload sequence out of range: ${sequence}`);
  return `${kind}${String(sequence).padStart(4, '0')}`;
}

/**
 * How the backlog is spread over customers (one license each): by default
 * CUSTOMERS customers, each shipment to one of them uniformly; with
 * `weights`, one customer per weight, chosen in proportion to it.
 */
export interface WorkloadShape {
  readonly weights: readonly number[];
}

/**
 * The fairness case's shape (bench/fairness.ts): 50 licenses approved at once,
 * uneven backlogs: 3 large ones with 25 % of the shipments each, and 47 small
 * ones sharing the remaining 25 % (about 53 shipments each at N = 10,000).
 */
export const FAIRNESS_SHAPE: WorkloadShape = {
  weights: [25, 25, 25, ...Array.from({ length: 47 }, () => 25 / 47)],
};

/** A customer index drawn in proportion to `weights` (cumulative, normalised). */
function pickWeighted(cumulative: readonly number[], r: number): number {
  const total = cumulative.at(-1) ?? 1;
  const i = cumulative.findIndex((c) => r * total < c);
  return i < 0 ? cumulative.length - 1 : i;
}

/** Builds the workload `tag` with `n` shipments; the same `seed` gives the same quantities and order. */
export function makeWorkload(tag: string, n: number, seed: number, shape?: WorkloadShape): Workload {
  const random = rng(seed);
  const sku = `H20-${tag}`;
  const customerCount = shape?.weights.length ?? CUSTOMERS;
  const cumulative: number[] = [];
  for (const weight of shape?.weights ?? []) cumulative.push((cumulative.at(-1) ?? 0) + weight);
  const customers = Array.from({ length: customerCount }, (_, i) => `CUST-${tag}-${i + 1}`);
  const warehouses = Array.from({ length: WAREHOUSES }, (_, i) => `WH-${tag}-${String.fromCharCode(65 + i)}`);
  const licenseIds = customers.map((_, i) => `LIC-${tag}-${i + 1}`);
  const start = Date.parse('2026-07-01T00:00:00.000Z');
  const byLicense = new Map<string, number>(licenseIds.map((id) => [id, 0]));
  const byWarehouse = new Map<string, number>(warehouses.map((id) => [id, 0]));
  const shipments: Shipment[] = [];
  for (let i = 0; i < n; i++) {
    const c = shape ? pickWeighted(cumulative, random()) : Math.floor(random() * CUSTOMERS);
    const w = Math.floor(random() * WAREHOUSES);
    const quantity = SIZES[Math.floor(random() * SIZES.length)] ?? 8;
    const licenseId = licenseIds[c] ?? '';
    const warehouseId = warehouses[w] ?? '';
    byLicense.set(licenseId, (byLicense.get(licenseId) ?? 0) + quantity);
    byWarehouse.set(warehouseId, (byWarehouse.get(warehouseId) ?? 0) + quantity);
    shipments.push({
      shipmentId: `SHP-${tag}-${String(i + 1).padStart(6, '0')}`,
      licenseId,
      customerId: customers[c] ?? '',
      sku,
      warehouseId,
      quantity,
      priority: 1 + Math.floor(random() * 5),
      requestedAt: new Date(start + Math.floor(random() * 120 * 86_400_000)).toISOString(),
      status: 'HELD',
    });
  }
  const licenses: License[] = licenseIds.map((licenseId, i) => ({
    licenseId,
    licenseNumber: `EAR-2026-${tag}-${String(i + 1).padStart(3, '0')}`,
    customerId: customers[i] ?? '',
    sku,
    destinationCountry: COUNTRIES[i % COUNTRIES.length] ?? 'AE',
    // Exactly the backlog: every shipment fits, and the license ends fully used (a license with no
    // shipments still needs a positive quantity).
    authorizedQuantity: Math.max(1, byLicense.get(licenseId) ?? 0),
    releasedQuantity: 0,
    releasedValue: 0,
    status: 'PENDING',
    validFrom: '2020-01-01T00:00:00.000Z',
    validUntil: '2099-12-31T23:59:59.000Z',
  }));
  const inventory = warehouses.map((warehouseId) => ({
    sku,
    warehouseId,
    onHand: ON_HAND,
    held: 0,
    released: 0,
    shipped: 0,
  }));
  const total = [...byLicense.values()].reduce((a, b) => a + b, 0);
  return {
    tag,
    n,
    sku,
    customers,
    warehouses,
    licenses,
    shipments,
    inventory,
    units: { byLicense, byWarehouse, total },
  };
}

/** The Inventory items with the workload's held units counted, as the intake leaves them. */
export const heldInventory = (w: Workload): RawItem[] =>
  w.inventory.map((i) => ({ ...i, held: w.units.byWarehouse.get(String(i.warehouseId)) ?? 0 }));

/**
 * The workload's shipments as clearance's intake leaves them (HELD, counted,
 * in the held index), without `revision`.
 */
export const heldItems = (w: Workload): RawItem[] =>
  w.shipments.map((s) => ({
    ...s,
    holdReason: 'LICENSE_PENDING',
    countedStatus: 'HELD',
    countedAs: countedAsOf(s),
    [GSI_ATTR.heldLicenseId]: indexKey(s.licenseId, s.shipmentId),
    [GSI_ATTR.holdOrder]: holdOrderKey(s),
    changedBy: SYSTEM_ACTOR,
  }));

/**
 * The workload's shipments as clearance leaves them once released: every
 * attribute the release writes, with the same names and value sizes. The
 * ceiling writes these, so its items are exactly as large as the ones the
 * clearance and naive runs end with.
 */
export function releasedItems(w: Workload, releasedAt = new Date().toISOString()): RawItem[] {
  return w.shipments.map((s) => ({
    ...s,
    status: 'RELEASED',
    countedStatus: 'RELEASED',
    countedAs: countedAsOf(s),
    releasedAt,
    [GSI_ATTR.releasedLicenseId]: indexKey(s.licenseId, s.shipmentId),
    [GSI_ATTR.holdOrder]: holdOrderKey(s),
    countedValue: s.value ?? 0,
    changedBy: SYSTEM_ACTOR,
    changedAt: releasedAt,
    decision: RELEASE_DECISION,
    revision: 2,
  }));
}

/** DynamoDB's item size: attribute names + values (strings in UTF-8, numbers about 1 byte per 2 digits + 1). */
export function itemBytes(item: RawItem): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) {
    bytes += Buffer.byteLength(name);
    if (typeof value === 'string') bytes += Buffer.byteLength(value);
    else if (typeof value === 'number')
      bytes += Math.ceil(String(Math.abs(value)).replace('.', '').length / 2) + 1;
    else bytes += Buffer.byteLength(JSON.stringify(value));
  }
  return bytes;
}

/**
 * The decision the engine stamps on a shipment it releases after an admin's
 * approval in the console (shared/domain/history.ts, `systemDecision`).
 */
export const RELEASE_DECISION: Decision = {
  actor: SYSTEM_DECIDER,
  trigger: { eventType: 'LICENSE_APPROVED', actor: 'compliance@console', reason: 'BIS license granted' },
};

/**
 * The conditional UpdateItem that releases one HELD shipment, as the engine's
 * transactions write it (write-shapes) and as the naive peer sends it alone:
 * with the `changedAt` and `decision` its History entry is made from.
 */
export const releaseUpdate = (
  table: string,
  s: { shipmentId: string; licenseId: string; value?: number | undefined },
  at: string,
) => ({
  TableName: table,
  Key: { shipmentId: s.shipmentId },
  UpdateExpression:
    'SET #st = :rel, #cs = :rel, #ra = :at, #rl = :key, #cv = :cv, #by = :by, #rev = if_not_exists(#rev, :zero) + :one, #ca = :at, #dc = :dc REMOVE #hl, #hr, #se',
  ConditionExpression: 'attribute_exists(#id) AND #st = :held AND #cs = :held AND #lid = :lic',
  ExpressionAttributeNames: {
    '#id': 'shipmentId',
    '#st': 'status',
    '#cs': 'countedStatus',
    '#ra': 'releasedAt',
    '#rl': GSI_ATTR.releasedLicenseId,
    '#cv': 'countedValue',
    '#by': 'changedBy',
    '#rev': 'revision',
    '#ca': 'changedAt',
    '#dc': 'decision',
    '#hl': GSI_ATTR.heldLicenseId,
    '#hr': 'holdReason',
    '#se': 'statusError',
    '#lid': 'licenseId',
  },
  ExpressionAttributeValues: {
    ':rel': 'RELEASED',
    ':held': 'HELD',
    ':at': at,
    ':lic': s.licenseId,
    ':key': indexKey(s.licenseId, s.shipmentId),
    ':cv': s.value ?? 0,
    ':by': SYSTEM_ACTOR,
    ':dc': RELEASE_DECISION,
    ':zero': 0,
    ':one': 1,
  },
});
