/**
 * History's size and cost at 1,000,000 shipments a year (ARCHITECTURE.md,
 * "History: storage growth and cost"): sample entries built by the real
 * builders of shared/domain/history.ts with typical values, sized by
 * DynamoDB's documented item-size rules (attribute names + values; the same
 * code the local gateway enforces the 400 KB limit with), then the yearly
 * figures. Run: `npx tsx bench/history-size.ts`.
 */
import { marshall } from '@aws-sdk/util-dynamodb';
import { itemSize } from '../local/gateway/limits/sizes.js';
import {
  type HistoryEntry,
  licenseEntry,
  shipmentEntry,
  shipmentRejectionEntry,
  systemDecision,
} from '../shared/domain/history.js';
import type { ShipmentChange } from '../shared/domain/notifications.js';

const SHIPMENTS_PER_YEAR = 1_000_000;
const RETENTION_YEARS = 6;
/** Assumptions, per shipment a year. */
const MIX = {
  /** held → released → shipped: three revisions, three entries. */
  life: 1,
  /** one shipment in ten is re-held once (suspension, lowered limit) and released again: two more. */
  reholdAndRelease: 0.1,
  /** one in fifty has a rejected edit. */
  rejected: 0.02,
  /** a license per 100 shipments, with ~4 decisions (pending, approved, one amendment, expired). */
  licenseDecisions: 0.04,
};
/** Prices, us-east-1, standard table class, on-demand (the Nov 2024 price cut), as of 2026. */
const PRICE = { perMillionWru: 0.625, storageGbMonth: 0.25, pitrGbMonth: 0.2 };
/** Storage counts each item, in the table and in each index, plus 100 bytes. */
const OVERHEAD = 100;

const at = '2026-03-02T09:30:12.345Z';
const token = '2026-03-02T09:30:11.902Z#3f9c2a7e';
const officer = 'jane.doe@exporter.example';
const dockLead = 'dock.lead@exporter.example';
const approved = {
  eventType: 'LICENSE_APPROVED',
  actor: officer,
  reason: 'BIS license D123456 received',
} as const;
const shipment = { licenseId: 'LIC-H20-0001', shipmentId: 'SHP-2026-0123456', quantity: 40, value: 125000 };

function change(
  revision: number,
  eventType: ShipmentChange['eventType'],
  status: ShipmentChange['status'],
  previousStatus: ShipmentChange['previousStatus'],
  holdReason: ShipmentChange['holdReason'] = null,
): ShipmentChange {
  const { licenseId, shipmentId, quantity } = shipment;
  const ids = { customerId: 'CUST-0042', warehouseId: 'WH-FRA-1', sku: 'H20' };
  const dedupKey = `${shipmentId}#r${revision}`;
  return {
    dedupKey,
    eventType,
    licenseId,
    shipmentId,
    quantity,
    ...ids,
    status,
    previousStatus,
    holdReason,
    revision,
    occurredAt: at,
  };
}
const image = (decision: object) => ({ ...shipment, changedAt: at, decision, countedValue: shipment.value });
const intake = { actor: 'intake-api', reason: 'PO 4711' };
const suspended = {
  eventType: 'LICENSE_SUSPENDED',
  actor: officer,
  reason: 'end-user under review',
} as const;

const samples = {
  held: shipmentEntry(change(1, 'SHIPMENT_HELD', 'HELD', null, 'LICENSE_PENDING'), image(intake), at),
  released: shipmentEntry(
    change(2, 'SHIPMENT_RELEASED', 'RELEASED', 'HELD'),
    image(systemDecision({ ...approved, at })),
    at,
  ),
  shipped: shipmentEntry(
    change(3, 'SHIPMENT_SHIPPED', 'SHIPPED', 'RELEASED'),
    image({ actor: dockLead }),
    at,
  ),
  reheld: shipmentEntry(
    change(4, 'SHIPMENT_REHELD', 'HELD', 'RELEASED', 'LICENSE_SUSPENDED'),
    image(systemDecision({ ...suspended, at })),
    at,
  ),
  rejected: shipmentRejectionEntry({
    raw: { ...shipment, status: 'RELEASED', countedStatus: 'HELD', updatedBy: officer },
    old: { ...shipment, countedStatus: 'HELD' },
    at,
    reason: 'HELD → RELEASED is not a manual edit: only clearance releases',
    sequence: '4421584500000000017450439091',
  }),
  license: licenseEntry({
    licenseId: shipment.licenseId,
    decision: {
      eventType: 'LICENSE_AMENDED',
      actor: officer,
      reason: approved.reason,
      at,
      updatedBy: officer,
      statusReason: approved.reason,
    },
    previous: undefined,
    token,
    status: 'APPROVED',
    previousStatus: 'APPROVED',
    changes: 'authorizedQuantity 1000 → 1500',
  }),
} satisfies Record<string, HistoryEntry>;
const bytes = Object.fromEntries(
  Object.entries(samples).map(([k, e]) => [k, itemSize(marshall(e, { removeUndefinedValues: true }))]),
) as Record<keyof typeof samples, number>;

const b = bytes;
/** Entries a shipment adds in a year, and their bytes; all shipment entries are also in byShipment. */
const mix = [
  { n: MIX.life, size: b.held + b.released + b.shipped, entries: 3, gsi: true },
  { n: MIX.reholdAndRelease, size: b.reheld + b.released, entries: 2, gsi: true },
  { n: MIX.rejected, size: b.rejected, entries: 1, gsi: true },
  { n: MIX.licenseDecisions, size: b.license, entries: 1, gsi: false },
];
const entriesPerShipment = mix.reduce((t, m) => t + m.n * m.entries, 0);
const tableBytes = mix.reduce((t, m) => t + m.n * (m.size + m.entries * OVERHEAD), 0);
const gsiBytes = mix.filter((m) => m.gsi).reduce((t, m) => t + m.n * (m.size + m.entries * OVERHEAD), 0);
// Every entry is ≤ 1 KB: 2 WRU as a transactional Put, plus 1 WRU for the byShipment copy (a standard write).
const wruPerShipment = mix.reduce((t, m) => t + m.n * m.entries * (2 + (m.gsi ? 1 : 0)), 0);

const GB = 1024 ** 3;
const yearly = { table: (SHIPMENTS_PER_YEAR * tableBytes) / GB, gsi: (SHIPMENTS_PER_YEAR * gsiBytes) / GB };
const perYearGb = yearly.table + yearly.gsi;
const money = (x: number) => `$${x.toFixed(2)}`;
const writeCost = ((SHIPMENTS_PER_YEAR * wruPerShipment) / 1e6) * PRICE.perMillionWru;
/** Storage and PITR a month after `years` years (PITR is billed on the table's data, not on its GSIs). */
const monthly = (years: number) =>
  years * (perYearGb * PRICE.storageGbMonth + yearly.table * PRICE.pitrGbMonth);
// Storage grows linearly: year y (1-based) holds (y − ½) years of entries on average.
const overRetention = Array.from({ length: RETENTION_YEARS }, (_, y) => 12 * monthly(y + 0.5)).reduce(
  (t, x) => t + x,
  0,
);

console.log('entry sizes (bytes, without the 100-byte overhead):', bytes);
console.log(
  [
    `entries per shipment a year: ${entriesPerShipment.toFixed(2)} (${Math.round(SHIPMENTS_PER_YEAR * entriesPerShipment).toLocaleString('en')} a year)`,
    `stored per shipment: table ${Math.round(tableBytes)} B + byShipment ${Math.round(gsiBytes)} B (with the overhead)`,
    `storage: table ${yearly.table.toFixed(2)} + byShipment ${yearly.gsi.toFixed(2)} = ${perYearGb.toFixed(2)} GB a year, ${(perYearGb * RETENTION_YEARS).toFixed(1)} GB after ${RETENTION_YEARS} years`,
    `writes: ${wruPerShipment.toFixed(2)} WRU per shipment, ${money(writeCost)} a year`,
    `storage + PITR a month: ${money(monthly(1))} after year 1, ${money(monthly(RETENTION_YEARS))} after year ${RETENTION_YEARS}`,
    `storage + PITR over ${RETENTION_YEARS} years: ${money(overRetention)}`,
  ].join('\n'),
);
