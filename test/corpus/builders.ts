/**
 * The corpus's stock and the builders its cases are written with: valid
 * items (corpusLicense, corpusShipment) and the admin's writes of them.
 * test/corpus/cases.ts re-exports all of it.
 */
import { NumberValue } from '@aws-sdk/lib-dynamodb';
import type { HoldReason, LicenseStatus, ShipmentStatus } from '../../shared/domain/model.js';
import type { RawItem } from '../../shared/domain/ports.js';

/** The corpus's stock: inventory exists for these (sku, warehouse) pairs only. */
export const CORPUS_SKU = 'CX1';
export const OTHER_SKU = 'CX2';
export const CORPUS_WAREHOUSES = ['WH-1', 'WH-2'] as const;
export const CORPUS_CUSTOMER = 'CUST-CORPUS';
/** An APPROVED license with room for every shipment that needs releasing. */
export const OPEN_LICENSE = 'LIC-CORPUS-OPEN';
/** A PENDING license: its shipments stay HELD. */
export const WAITING_LICENSE = 'LIC-CORPUS-WAIT';
/** An APPROVED license with a value limit (USD 1,000,000) and room in quantity. */
export const VALUE_LICENSE = 'LIC-CORPUS-VALUE';
export const VALUE_LIMIT = 1_000_000;

export type Table = 'licenses' | 'shipments';

/** What the admin writes. */
export type Write =
  | { kind: 'put'; table: Table; item: RawItem }
  | { kind: 'set'; table: Table; key: RawItem; attribute: string; value: unknown };

/**
 * The state an item is brought into before the bad edit. A license is
 * created with `terms` (attributes over the valid item) and its `shipments`
 * (whole items naming it), each of which `becomes` RELEASED or stays HELD
 * with that hold reason once the license is applied; a shipment is created
 * with `fields` over the valid item.
 */
export type Given =
  | {
      license: {
        licenseId: string;
        applied: LicenseStatus;
        terms?: RawItem;
        shipments?: readonly { item: RawItem; becomes: 'RELEASED' | HoldReason }[];
      };
    }
  | { shipment: { shipmentId: string; counted: ShipmentStatus; fields?: RawItem } };

// ------------------------------------------------------------ builders

const VALID_FROM = '2020-01-01T00:00:00Z';
const VALID_UNTIL = '2099-12-31T23:59:59Z';

export function corpusLicense(licenseId: string, overrides: RawItem = {}): RawItem {
  return {
    licenseId,
    licenseNumber: `EAR-${licenseId}`,
    customerId: CORPUS_CUSTOMER,
    sku: CORPUS_SKU,
    destinationCountry: 'AE',
    authorizedQuantity: 100_000,
    releasedQuantity: 0,
    status: 'PENDING',
    validFrom: VALID_FROM,
    validUntil: VALID_UNTIL,
    ...overrides,
  };
}

export function corpusShipment(shipmentId: string, overrides: RawItem = {}): RawItem {
  return {
    shipmentId,
    licenseId: WAITING_LICENSE,
    customerId: CORPUS_CUSTOMER,
    sku: CORPUS_SKU,
    warehouseId: 'WH-1',
    quantity: 10,
    priority: 5,
    requestedAt: '2026-01-15T09:00:00Z',
    status: 'HELD',
    ...overrides,
  };
}

export const putLicense = (licenseId: string, overrides: RawItem = {}): Write => ({
  kind: 'put',
  table: 'licenses',
  item: corpusLicense(licenseId, overrides),
});
export const putShipment = (shipmentId: string, overrides: RawItem = {}): Write => ({
  kind: 'put',
  table: 'shipments',
  item: corpusShipment(shipmentId, overrides),
});
export const setLicense = (licenseId: string, attribute: string, value: unknown): Write => ({
  kind: 'set',
  table: 'licenses',
  key: { licenseId },
  attribute,
  value,
});
export const setShipment = (shipmentId: string, attribute: string, value: unknown): Write => ({
  kind: 'set',
  table: 'shipments',
  key: { shipmentId },
  attribute,
  value,
});

/** 10^30, typed as a DynamoDB number (N) the way the console sends it. */
export const ENORMOUS = NumberValue.from('1000000000000000000000000000000');

/** A 300 KB string (DynamoDB's item limit is 400 KB). */
export const HUGE = 'X'.repeat(300 * 1024);
