/**
 * The bad-input corpus: malformed and hostile items and edits, each written
 * the way an admin would in the DynamoDB console (PutItem of a whole item,
 * or UpdateItem of one attribute), with the exact outcome the system must
 * produce. test/corpus/bad-input.test.ts runs them on the local stack;
 * test/corpus/render.ts turns them into docs/bad-input.md.
 *
 * Every case names its own items, so cases never interfere, and each is
 * written next to a good item in the same stream batch.
 */
import type { LicenseStatus, ShipmentStatus } from '../../shared/domain/model.js';
import {
  corpusLicense,
  corpusShipment,
  ENORMOUS,
  type Given,
  HUGE,
  OPEN_LICENSE,
  OTHER_SKU,
  putLicense,
  putShipment,
  setLicense,
  setShipment,
  type Write,
} from './builders.js';
import { EXPECTED } from './expected.js';
import { VALUE_DEFINITIONS } from './value-cases.js';

export * from './builders.js';
/**
 * The outcome. `rejected`: the item carries `statusError` (and, for a
 * shipment the system counts, its status is set back to `status`; for an
 * edit the system writes back, the attributes are as in `fields`, null
 * meaning absent), ops gets an alert with `subject`; nothing moves. `held`: accepted but never
 * released, with `holdReason`. `refused`: DynamoDB itself rejects the write.
 */
export type Outcome =
  | {
      kind: 'rejected';
      statusError: string;
      subject: string;
      severity: 'high' | 'normal';
      /** The status the item has afterwards (a counted shipment's is restored). */
      status?: unknown;
      /** Attributes the item has afterwards (a rejected edit written back); null: absent. */
      fields?: Readonly<Record<string, unknown>>;
    }
  | { kind: 'held'; holdReason: string }
  | { kind: 'refused'; error: string };

export interface CorpusCase {
  readonly id: string;
  /** What is wrong, in plain words. */
  readonly title: string;
  readonly given?: Given;
  readonly write: Write;
  readonly expected: Outcome;
}

// ------------------------------------------------------------ cases

// The status lists and legal transitions are written out again from
// docs/data-contract.md, not imported from shared/domain: the corpus is an oracle for the
// rules, so it must not share their table.
const LICENSE_STATUSES: readonly LicenseStatus[] = [
  'PENDING',
  'APPROVED',
  'DENIED',
  'SUSPENDED',
  'REVOKED',
  'EXPIRED',
];
const LEGAL_LICENSE: Record<LicenseStatus | 'NEW', readonly LicenseStatus[]> = {
  NEW: ['PENDING', 'APPROVED', 'DENIED'],
  PENDING: ['APPROVED', 'DENIED'],
  APPROVED: ['SUSPENDED', 'REVOKED', 'EXPIRED'],
  SUSPENDED: ['APPROVED', 'REVOKED', 'EXPIRED'],
  DENIED: [],
  REVOKED: [],
  EXPIRED: [],
};
const SHIPMENT_STATUSES: readonly ShipmentStatus[] = ['HELD', 'RELEASED', 'SHIPPED', 'CANCELLED'];
const LEGAL_SHIPMENT: Record<ShipmentStatus | 'NEW', readonly ShipmentStatus[]> = {
  NEW: ['HELD'],
  HELD: ['CANCELLED'],
  RELEASED: ['SHIPPED', 'CANCELLED'],
  SHIPPED: [],
  CANCELLED: [],
};

/** Every license transition the contract forbids, new licenses included. */
function illegalLicenseTransitions(): Omit<CorpusCase, 'expected'>[] {
  const out: Omit<CorpusCase, 'expected'>[] = [];
  for (const from of ['NEW', ...LICENSE_STATUSES] as const) {
    for (const to of LICENSE_STATUSES) {
      if (to === from || LEGAL_LICENSE[from].includes(to)) continue;
      const licenseId = `LIC-T-${from}-${to}`;
      out.push(
        from === 'NEW'
          ? {
              id: `license-new-as-${to}`.toLowerCase(),
              title: `new license inserted as ${to}`,
              write: putLicense(licenseId, { status: to }),
            }
          : {
              id: `license-${from}-to-${to}`.toLowerCase(),
              title: `license ${from} → ${to}`,
              given: { license: { licenseId, applied: from } },
              write: setLicense(licenseId, 'status', to),
            },
      );
    }
  }
  return out;
}

/** Every manual shipment edit the contract forbids, new shipments included. */
function illegalShipmentTransitions(): Omit<CorpusCase, 'expected'>[] {
  const out: Omit<CorpusCase, 'expected'>[] = [];
  for (const from of ['NEW', ...SHIPMENT_STATUSES] as const) {
    for (const to of SHIPMENT_STATUSES) {
      if (to === from || LEGAL_SHIPMENT[from].includes(to)) continue;
      const shipmentId = `SHP-T-${from}-${to}`;
      out.push(
        from === 'NEW'
          ? {
              id: `shipment-new-as-${to}`.toLowerCase(),
              title: `new shipment inserted as ${to}`,
              write: putShipment(shipmentId, { status: to }),
            }
          : {
              id: `shipment-${from}-to-${to}`.toLowerCase(),
              title: `shipment ${from} → ${to}`,
              given: { shipment: { shipmentId, counted: from } },
              write: setShipment(shipmentId, 'status', to),
            },
      );
    }
  }
  return out;
}

/** The cases without their outcomes (which live in expected.ts). */
export const DEFINITIONS: readonly Omit<CorpusCase, 'expected'>[] = [
  // Numbers typed as strings, and quantities out of range.
  {
    id: 'license-quantity-as-string',
    title: 'authorizedQuantity typed as a string',
    write: putLicense('LIC-B-QSTR', { authorizedQuantity: '500' }),
  },
  {
    id: 'license-quantity-negative',
    title: 'negative authorizedQuantity',
    write: putLicense('LIC-B-QNEG', { authorizedQuantity: -5 }),
  },
  {
    id: 'license-quantity-zero',
    title: 'zero authorizedQuantity',
    write: putLicense('LIC-B-QZERO', { authorizedQuantity: 0 }),
  },
  {
    id: 'license-quantity-fractional',
    title: 'fractional authorizedQuantity',
    write: putLicense('LIC-B-QFRAC', { authorizedQuantity: 12.5 }),
  },
  {
    id: 'license-quantity-enormous',
    title: 'enormous authorizedQuantity (10^30)',
    write: putLicense('LIC-B-QHUGE', { authorizedQuantity: ENORMOUS }),
  },
  {
    id: 'shipment-quantity-as-string',
    title: 'quantity typed as a string',
    write: putShipment('SHP-B-QSTR', { quantity: '5' }),
  },
  {
    id: 'shipment-quantity-negative',
    title: 'negative quantity',
    write: putShipment('SHP-B-QNEG', { quantity: -3 }),
  },
  {
    id: 'shipment-quantity-zero',
    title: 'zero quantity',
    write: putShipment('SHP-B-QZERO', { quantity: 0 }),
  },
  {
    id: 'shipment-quantity-fractional',
    title: 'fractional quantity',
    write: putShipment('SHP-B-QFRAC', { quantity: 2.5 }),
  },
  {
    id: 'shipment-quantity-enormous',
    title: 'enormous quantity (10^30)',
    write: putShipment('SHP-B-QHUGE', { quantity: ENORMOUS }),
  },
  {
    id: 'shipment-quantity-edited-enormous',
    title: 'quantity of an accepted shipment edited to 10^30',
    given: { shipment: { shipmentId: 'SHP-B-QEDIT2', counted: 'HELD' } },
    write: setShipment('SHP-B-QEDIT2', 'quantity', ENORMOUS),
  },
  {
    id: 'shipment-quantity-edited',
    title: 'quantity of an accepted shipment edited',
    given: { shipment: { shipmentId: 'SHP-B-QEDIT', counted: 'HELD' } },
    write: setShipment('SHP-B-QEDIT', 'quantity', 500),
  },
  {
    id: 'shipment-priority-as-string',
    title: 'priority typed as a string',
    write: putShipment('SHP-B-PSTR', { priority: 'high' }),
  },
  {
    id: 'shipment-priority-edited-as-string',
    title: 'priority of an accepted shipment edited to a string',
    given: { shipment: { shipmentId: 'SHP-B-PEDIT', counted: 'HELD' } },
    write: setShipment('SHP-B-PEDIT', 'priority', 'high'),
  },
  {
    id: 'shipment-put-again-whole',
    title: 'released shipment put again whole, as first written (an import run again)',
    given: { shipment: { shipmentId: 'SHP-B-REPUT', counted: 'RELEASED' } },
    write: putShipment('SHP-B-REPUT'),
  },
  // Missing keys: DynamoDB itself refuses.
  {
    id: 'license-missing-key',
    title: 'license without licenseId',
    write: { kind: 'put', table: 'licenses', item: { ...corpusLicense('x'), licenseId: undefined } },
  },
  {
    id: 'shipment-missing-key',
    title: 'shipment without shipmentId',
    write: { kind: 'put', table: 'shipments', item: { ...corpusShipment('x'), shipmentId: undefined } },
  },
  {
    id: 'shipment-missing-sku',
    title: 'shipment without sku',
    write: putShipment('SHP-B-NOSKU', { sku: undefined }),
  },
  // Statuses outside the list.
  {
    id: 'license-status-lowercase',
    title: 'license status in lower case',
    given: { license: { licenseId: 'LIC-B-LOWER', applied: 'PENDING' } },
    write: setLicense('LIC-B-LOWER', 'status', 'approved'),
  },
  {
    id: 'license-status-unknown',
    title: 'unknown license status',
    given: { license: { licenseId: 'LIC-B-UNKNOWN', applied: 'PENDING' } },
    write: setLicense('LIC-B-UNKNOWN', 'status', 'GRANTED'),
  },
  {
    id: 'license-status-number',
    title: 'license status typed as a number',
    given: { license: { licenseId: 'LIC-B-STATNUM', applied: 'PENDING' } },
    write: setLicense('LIC-B-STATNUM', 'status', 1),
  },
  {
    id: 'shipment-status-lowercase',
    title: 'shipment status in lower case',
    given: { shipment: { shipmentId: 'SHP-B-LOWER', counted: 'RELEASED' } },
    write: setShipment('SHP-B-LOWER', 'status', 'shipped'),
  },
  {
    id: 'shipment-status-unknown',
    title: 'unknown shipment status',
    given: { shipment: { shipmentId: 'SHP-B-UNKNOWN', counted: 'HELD' } },
    write: setShipment('SHP-B-UNKNOWN', 'status', 'ON_HOLD'),
  },
  ...illegalLicenseTransitions(),
  ...illegalShipmentTransitions(),
  // Dates.
  {
    id: 'license-valid-until-before-from',
    title: 'validUntil before validFrom',
    write: putLicense('LIC-B-WINDOW', {
      validFrom: '2026-06-01T00:00:00Z',
      validUntil: '2026-01-01T00:00:00Z',
    }),
  },
  {
    id: 'license-valid-from-unparsable',
    title: 'unparsable validFrom',
    write: putLicense('LIC-B-DATE', { validFrom: 'next monday' }),
  },
  {
    id: 'license-valid-until-local-format',
    title: 'validUntil in a local date format',
    write: putLicense('LIC-B-DATE2', { validUntil: '31/12/2027' }),
  },
  {
    id: 'shipment-requested-at-unparsable',
    title: 'unparsable requestedAt',
    write: putShipment('SHP-B-DATE', { requestedAt: 'tomorrow 9am' }),
  },
  // Huge values.
  {
    id: 'license-status-300kb',
    title: 'a 300 KB status',
    given: { license: { licenseId: 'LIC-B-HUGESTAT', applied: 'PENDING' } },
    write: setLicense('LIC-B-HUGESTAT', 'status', HUGE),
  },
  {
    id: 'license-reason-300kb',
    title: 'a 300 KB statusReason',
    write: putLicense('LIC-B-HUGEREASON', { statusReason: HUGE }),
  },
  {
    id: 'shipment-status-300kb',
    title: 'a 300 KB shipment status',
    given: { shipment: { shipmentId: 'SHP-B-HUGESTAT', counted: 'HELD' } },
    write: setShipment('SHP-B-HUGESTAT', 'status', HUGE),
  },
  { id: 'shipment-sku-300kb', title: 'a 300 KB sku', write: putShipment('SHP-B-HUGESKU', { sku: HUGE }) },
  // Longer than a History key may be: the rejection's entry must still be written.
  {
    id: 'shipment-id-overlong',
    title: 'a shipmentId of 1,500 characters',
    write: putShipment(`SHP-B-${'I'.repeat(1494)}`),
  },
  {
    id: 'shipment-license-id-overlong',
    title: 'a licenseId of 3,000 characters',
    write: putShipment('SHP-B-LONGLIC', { licenseId: `LIC-${'L'.repeat(2996)}` }),
  },
  // Hostile ids.
  {
    id: 'license-id-quotes',
    title: 'licenseId with quotes and SQL-like text',
    write: putLicense(`LIC-"x"'; DROP TABLE licenses;--`),
  },
  {
    id: 'license-id-newline',
    title: 'licenseId with a line break',
    write: putLicense('LIC-B\nFORGED: approved by compliance'),
  },
  {
    id: 'shipment-id-injection',
    title: 'shipmentId with quotes, a line break and injection text',
    write: putShipment(`SHP-"a"\n'); DELETE FROM shipments; --`),
  },
  {
    id: 'shipment-customer-injection',
    title: 'customerId that looks like a NoSQL operator',
    write: putShipment('SHP-B-NOSQL', { customerId: '{"$ne":null}' }),
  },
  {
    id: 'shipment-warehouse-template',
    title: 'warehouseId with template and path text',
    // A Log4Shell-style lookup, typed literally (not a template string).
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the admin typed these characters
    write: putShipment('SHP-B-TEMPLATE', { warehouseId: '${jndi:ldap://x}/../../etc' }),
  },
  // Mismatches and unknown references.
  {
    id: 'shipment-customer-mismatch',
    title: "shipment for another customer than its license's",
    write: putShipment('SHP-B-MISCUST', { licenseId: OPEN_LICENSE, customerId: 'CUST-OTHER' }),
  },
  {
    id: 'shipment-sku-mismatch',
    title: "shipment for another sku than its license's",
    write: putShipment('SHP-B-MISSKU', { licenseId: OPEN_LICENSE, sku: OTHER_SKU }),
  },
  {
    id: 'license-unknown-sku',
    title: 'license for a sku with no Inventory item',
    write: putLicense('LIC-B-NOSKU', { sku: 'NO-SUCH-SKU' }),
  },
  {
    id: 'shipment-unknown-warehouse',
    title: 'shipment at a warehouse with no Inventory item for its sku',
    write: putShipment('SHP-B-NOWH', { warehouseId: 'WH-NOWHERE' }),
  },
  {
    id: 'shipment-unknown-sku',
    title: 'shipment for a sku with no Inventory item',
    write: putShipment('SHP-B-NOSKU2', { sku: 'NO-SUCH-SKU' }),
  },
  {
    id: 'license-country-lowercase',
    title: 'destinationCountry in lower case',
    write: putLicense('LIC-B-COUNTRY', { destinationCountry: 'ae' }),
  },
  {
    id: 'shipment-license-edited',
    title: 'licenseId of an accepted shipment edited',
    given: { shipment: { shipmentId: 'SHP-B-RELICENSE', counted: 'HELD' } },
    write: setShipment('SHP-B-RELICENSE', 'licenseId', OPEN_LICENSE),
  },
  ...VALUE_DEFINITIONS,
];

/** Every case with its expected outcome (test/corpus/expected.ts). */
export function corpusCases(): CorpusCase[] {
  return DEFINITIONS.map((c) => {
    const expected = EXPECTED[c.id];
    if (expected === undefined) throw new Error(`corpus case ${c.id} has no expected outcome in expected.ts`);
    return { ...c, expected };
  });
}
