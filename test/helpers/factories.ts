import { stampOf } from '../../shared/domain/counters.js';
import { indexKey } from '../../shared/domain/index-keys.js';
import type { Inventory, License, Shipment } from '../../shared/domain/model.js';
import { holdOrderKey } from '../../shared/domain/planning.js';
import type { RawItem } from '../../shared/domain/ports.js';
import { GSI_ATTR, SYSTEM_ACTOR } from '../../shared/names.js';

/**
 * Builders for valid contract items (docs/data-contract.md). Every builder returns
 * an item that passes its zod schema; pass overrides to shape the case under
 * test. To build an invalid item, spread a valid one and break one attribute:
 * `{ ...aShipment(), quantity: '5' }`.
 */

/** A fixed instant inside every default validity window, for tests that need a clock. */
export const NOW = new Date('2026-06-01T12:00:00.000Z');

export const DEFAULT_LICENSE_ID = 'LIC-H20-0001';
export const DEFAULT_CUSTOMER_ID = 'CUST-ACME';
export const DEFAULT_SKU = 'H20';
export const DEFAULT_WAREHOUSE_ID = 'WH-AMS-1';

let sequence = 0;
/** A fresh id such as `SHP-000042`; unique within one test process. */
export const nextId = (prefix: string): string => `${prefix}-${String(++sequence).padStart(6, '0')}`;

/** An APPROVED license for 1,000 units of H20, valid from 2020 to 2099 (so also at the real "now"). */
export function aLicense(overrides: Partial<License> = {}): License {
  return {
    licenseId: DEFAULT_LICENSE_ID,
    licenseNumber: 'EAR-2026-000123',
    customerId: DEFAULT_CUSTOMER_ID,
    sku: DEFAULT_SKU,
    destinationCountry: 'AE',
    authorizedQuantity: 1000,
    releasedQuantity: 0,
    releasedValue: 0,
    status: 'APPROVED',
    validFrom: '2020-01-01T00:00:00.000Z',
    validUntil: '2099-12-31T23:59:59.999Z',
    ...overrides,
  };
}

/**
 * A shipment of 10 units under the default license, customer, sku and warehouse.
 * HELD (with LICENSE_PENDING) unless `status` says otherwise; a RELEASED or
 * SHIPPED one gets a `releasedAt` and no `holdReason`.
 */
export function aShipment(overrides: Partial<Shipment> = {}): Shipment {
  const status = overrides.status ?? 'HELD';
  return {
    shipmentId: nextId('SHP'),
    licenseId: DEFAULT_LICENSE_ID,
    customerId: DEFAULT_CUSTOMER_ID,
    sku: DEFAULT_SKU,
    warehouseId: DEFAULT_WAREHOUSE_ID,
    quantity: 10,
    priority: 5,
    requestedAt: '2026-01-15T09:00:00.000Z',
    status,
    ...(status === 'HELD' ? { holdReason: 'LICENSE_PENDING' as const } : {}),
    ...(status === 'RELEASED' || status === 'SHIPPED' ? { releasedAt: '2026-02-01T00:00:00.000Z' } : {}),
    ...overrides,
  };
}

/** Shipments that match `license` (same licenseId, customer and sku). */
export const aShipmentFor = (
  license: Pick<License, 'licenseId' | 'customerId' | 'sku'>,
  overrides: Partial<Shipment> = {},
): Shipment =>
  aShipment({ licenseId: license.licenseId, customerId: license.customerId, sku: license.sku, ...overrides });

/** An Inventory counter item with 900,000 units on hand and nothing held, released or shipped. */
export function anInventory(overrides: Partial<Inventory> = {}): Inventory {
  return {
    sku: DEFAULT_SKU,
    warehouseId: DEFAULT_WAREHOUSE_ID,
    onHand: 900_000,
    held: 0,
    released: 0,
    shipped: 0,
    ...overrides,
  };
}

/**
 * `n` HELD shipments, already in hold order: same priority, requestedAt one
 * minute apart. `overrides` may be a function of the index for varied backlogs.
 */
export function heldBacklog(
  n: number,
  overrides: Partial<Shipment> | ((index: number) => Partial<Shipment>) = {},
): Shipment[] {
  const start = Date.parse('2026-01-01T00:00:00.000Z');
  return Array.from({ length: n }, (_, index) =>
    aShipment({
      requestedAt: new Date(start + index * 60_000).toISOString(),
      status: 'HELD',
      ...(typeof overrides === 'function' ? overrides(index) : overrides),
    }),
  );
}

/**
 * A shipment item as shipment-events' intake leaves it: HELD and counted so
 * (its reason LICENSE_PENDING unless it has one), in the held index, written
 * by the system. `revision` undefined: the seed itself announces nothing, and
 * the next change is the shipment's first announced one.
 */
export function asAccepted(s: Shipment, revision: number | undefined = 1): RawItem {
  return {
    ...s,
    status: 'HELD',
    holdReason: s.holdReason ?? 'LICENSE_PENDING',
    countedStatus: 'HELD',
    countedAs: stampOf(s),
    [GSI_ATTR.heldLicenseId]: indexKey(s.licenseId, s.shipmentId),
    [GSI_ATTR.holdOrder]: holdOrderKey(s),
    changedBy: SYSTEM_ACTOR,
    ...(revision === undefined ? {} : { revision }),
  };
}
