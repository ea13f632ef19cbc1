import type { Violation } from '../shared/domain/invariants.js';
import {
  available,
  HOLD_REASONS,
  InventorySchema,
  LicenseSchema,
  parseItem,
  SHIPMENT_STATUSES,
  ShipmentSchema,
} from '../shared/domain/model.js';
import type { RawItem } from '../shared/domain/ports.js';
import type { DlqEntry, FailureSummary } from './dlq-records.js';
import { count, renderFields, renderTable, show } from './format.js';
import type { ListedSubscription } from './subscriptions.js';

/** Pure renderers: items in, text for people out. */

const clip = (text: string, max = 60): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** What needs attention on a license, in a few words. */
export function licenseNote(raw: RawItem): string {
  const parsed = parseItem(LicenseSchema, raw);
  if (!parsed.ok) return `INVALID: ${clip(parsed.problems.join('; '))}`;
  const l = parsed.value;
  if (l.statusError) return `rejected edit: ${clip(l.statusError)}`;
  if (l.pendingWork) return 'work in progress';
  if (l.appliedStatus !== l.status) return 'not applied yet';
  if (l.waitingForValidFrom) return `waiting for validFrom ${l.validFrom}`;
  return '';
}

export function licenseTable(items: readonly RawItem[]): string {
  if (items.length === 0) return 'No licenses.';
  return renderTable(
    [
      { header: 'LICENSE' },
      { header: 'CUSTOMER' },
      { header: 'SKU' },
      { header: 'DEST' },
      { header: 'STATUS' },
      { header: 'APPLIED' },
      { header: 'RELEASED', align: 'right' },
      { header: 'AUTHORIZED', align: 'right' },
      { header: 'VALID UNTIL' },
      { header: 'NOTE' },
    ],
    items.map((l) => [
      show(l.licenseId),
      show(l.customerId),
      show(l.sku),
      show(l.destinationCountry),
      show(l.status),
      show(l.appliedStatus) || '-',
      typeof l.releasedQuantity === 'number' ? count(l.releasedQuantity) : '0',
      typeof l.authorizedQuantity === 'number' ? count(l.authorizedQuantity) : show(l.authorizedQuantity),
      show(l.validUntil),
      licenseNote(l),
    ]),
  );
}

/** Shipments of one license tallied by status, and HELD ones by hold reason. */
export interface ShipmentTally {
  /** 'index': HELD and RELEASED from the sparse GSIs; 'scan': every status from a table scan. */
  source: 'index' | 'scan';
  byStatus: Record<string, { shipments: number; units: number }>;
  heldByReason: Record<string, { shipments: number; units: number }>;
}

export function emptyTally(source: ShipmentTally['source']): ShipmentTally {
  return { source, byStatus: {}, heldByReason: {} };
}

/** Adds shipments to a tally, by the status the counters reflect (`countedStatus`, else `status`). */
export function tally(into: ShipmentTally, items: readonly RawItem[]): ShipmentTally {
  for (const s of items) {
    const status = show(s.countedStatus ?? s.status) || 'UNKNOWN';
    const units = typeof s.quantity === 'number' ? s.quantity : 0;
    const entry = into.byStatus[status] ?? { shipments: 0, units: 0 };
    entry.shipments += 1;
    entry.units += units;
    into.byStatus[status] = entry;
    if (status === 'HELD') {
      const reason = show(s.holdReason) || 'none';
      const r = into.heldByReason[reason] ?? { shipments: 0, units: 0 };
      r.shipments += 1;
      r.units += units;
      into.heldByReason[reason] = r;
    }
  }
  return into;
}

export function licenseDetail(raw: RawItem, shipments: ShipmentTally): string {
  const parsed = parseItem(LicenseSchema, raw);
  const fields = renderFields([
    ['License', show(raw.licenseId)],
    ['License number', show(raw.licenseNumber)],
    ['Customer', show(raw.customerId)],
    ['SKU', show(raw.sku)],
    ['Destination', show(raw.destinationCountry)],
    ['Status', show(raw.status)],
    ['Applied status', show(raw.appliedStatus) || '(none yet)'],
    ['Status error', raw.statusError === undefined ? undefined : show(raw.statusError)],
    ['Pending work', raw.pendingWork === undefined ? undefined : show(raw.pendingWork)],
    ['Settling pass due', raw.settleCheckAt === undefined ? undefined : show(raw.settleCheckAt)],
    [
      'Waiting for validFrom',
      raw.waitingForValidFrom === undefined ? undefined : show(raw.waitingForValidFrom),
    ],
    ['Released / authorized', `${show(raw.releasedQuantity ?? 0)} / ${show(raw.authorizedQuantity)} units`],
    ['Valid', `${show(raw.validFrom)} .. ${show(raw.validUntil)}`],
    ['Status reason', raw.statusReason === undefined ? undefined : show(raw.statusReason)],
    ['Updated by', raw.updatedBy === undefined ? undefined : show(raw.updatedBy)],
  ]);
  const problems = parsed.ok ? '' : `\n\nINVALID ITEM: ${parsed.problems.join('; ')}`;
  const statuses = shipments.source === 'scan' ? [...SHIPMENT_STATUSES] : (['HELD', 'RELEASED'] as const);
  const rows: string[][] = [];
  for (const status of statuses) {
    const s = shipments.byStatus[status] ?? { shipments: 0, units: 0 };
    rows.push([status, '', count(s.shipments), count(s.units)]);
    if (status === 'HELD') {
      for (const reason of HOLD_REASONS) {
        const r = shipments.heldByReason[reason];
        if (r) rows.push(['', reason, count(r.shipments), count(r.units)]);
      }
      const none = shipments.heldByReason.none;
      if (none) rows.push(['', '(no reason)', count(none.shipments), count(none.units)]);
    }
  }
  const table = renderTable(
    [
      { header: 'STATUS' },
      { header: 'HOLD REASON' },
      { header: 'SHIPMENTS', align: 'right' },
      { header: 'UNITS', align: 'right' },
    ],
    rows,
  );
  const note =
    shipments.source === 'index'
      ? '\n(HELD and RELEASED from the license indexes; pass --scan to count SHIPPED and CANCELLED too)'
      : '';
  return `${fields}${problems}\n\nShipments\n${table}${note}`;
}

export function shipmentTable(items: readonly RawItem[]): string {
  if (items.length === 0) return 'No shipments.';
  return renderTable(
    [
      { header: 'SHIPMENT' },
      { header: 'STATUS' },
      { header: 'HOLD REASON' },
      { header: 'QTY', align: 'right' },
      { header: 'PRIO', align: 'right' },
      { header: 'REQUESTED' },
      { header: 'CUSTOMER' },
      { header: 'SKU' },
      { header: 'WAREHOUSE' },
      { header: 'NOTE' },
    ],
    items.map((s) => {
      const note =
        s.statusError !== undefined
          ? `rejected edit: ${clip(show(s.statusError), 40)}`
          : s.countedStatus === undefined
            ? 'not accepted yet'
            : s.countedStatus !== s.status
              ? `counted as ${show(s.countedStatus)}`
              : '';
      return [
        show(s.shipmentId),
        show(s.status),
        show(s.holdReason),
        typeof s.quantity === 'number' ? count(s.quantity) : show(s.quantity),
        show(s.priority),
        show(s.requestedAt),
        show(s.customerId),
        show(s.sku),
        show(s.warehouseId),
        note,
      ];
    }),
  );
}

export function shipmentDetail(raw: RawItem): string {
  const parsed = parseItem(ShipmentSchema, raw);
  const known = new Set([
    'shipmentId',
    'licenseId',
    'customerId',
    'sku',
    'warehouseId',
    'quantity',
    'priority',
    'requestedAt',
    'status',
    'countedStatus',
    'holdReason',
    'releasedAt',
    'statusError',
    'changedBy',
    'revision',
  ]);
  const extra = Object.keys(raw)
    .filter((k) => !known.has(k))
    .sort()
    .map((k): [string, string] => [k, show(raw[k])]);
  const fields = renderFields([
    ['Shipment', show(raw.shipmentId)],
    ['License', show(raw.licenseId)],
    ['Customer', show(raw.customerId)],
    ['SKU', show(raw.sku)],
    ['Warehouse', show(raw.warehouseId)],
    ['Quantity', show(raw.quantity)],
    ['Priority', show(raw.priority)],
    ['Requested at', show(raw.requestedAt)],
    ['Status', show(raw.status)],
    ['Counted as', raw.countedStatus === undefined ? '(not accepted yet)' : show(raw.countedStatus)],
    ['Hold reason', raw.holdReason === undefined ? undefined : show(raw.holdReason)],
    ['Released at', raw.releasedAt === undefined ? undefined : show(raw.releasedAt)],
    ['Status error', raw.statusError === undefined ? undefined : show(raw.statusError)],
    ['Changed by', raw.changedBy === undefined ? undefined : show(raw.changedBy)],
    ['Revision', raw.revision === undefined ? undefined : show(raw.revision)],
    ...extra,
  ]);
  return parsed.ok ? fields : `${fields}\n\nINVALID ITEM: ${parsed.problems.join('; ')}`;
}

export function inventoryTable(items: readonly RawItem[]): string {
  if (items.length === 0) return 'No inventory items.';
  const rows: string[][] = [];
  const total = { onHand: 0, held: 0, released: 0, shipped: 0 };
  let valid = 0;
  for (const raw of items) {
    const p = parseItem(InventorySchema, raw);
    if (!p.ok) {
      rows.push([show(raw.sku), show(raw.warehouseId), `INVALID: ${clip(p.problems.join('; '))}`]);
      continue;
    }
    const inv = p.value;
    valid++;
    total.onHand += inv.onHand;
    total.held += inv.held;
    total.released += inv.released;
    total.shipped += inv.shipped;
    rows.push([
      inv.sku,
      inv.warehouseId,
      count(inv.onHand),
      count(inv.held),
      count(inv.released),
      count(inv.shipped),
      count(available(inv)),
    ]);
  }
  if (valid > 1) {
    rows.push([
      'TOTAL',
      '',
      count(total.onHand),
      count(total.held),
      count(total.released),
      count(total.shipped),
      count(total.onHand - total.held - total.released),
    ]);
  }
  return renderTable(
    [
      { header: 'SKU' },
      { header: 'WAREHOUSE' },
      { header: 'ON HAND', align: 'right' },
      { header: 'HELD', align: 'right' },
      { header: 'RELEASED', align: 'right' },
      { header: 'SHIPPED', align: 'right' },
      { header: 'AVAILABLE', align: 'right' },
    ],
    rows,
  );
}

const keyText = (key: Record<string, string>) =>
  Object.entries(key)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');

export function violationTable(violations: readonly Violation[]): string {
  return renderTable(
    [{ header: 'INV' }, { header: 'KEY' }, { header: 'PROBLEM' }],
    violations.map((v) => [v.invariant, keyText(v.key), v.message]),
  );
}

export function dlqTable(
  rows: readonly { queue: string; entry: DlqEntry; summary?: FailureSummary }[],
): string {
  if (rows.length === 0) return 'No messages.';
  return renderTable(
    [
      { header: 'QUEUE' },
      { header: 'FAILED AT' },
      { header: 'TABLE' },
      { header: 'SHARD' },
      { header: 'SEQUENCE RANGE' },
      { header: 'RECORDS', align: 'right' },
      { header: 'WHY' },
    ],
    rows.map(({ queue, entry, summary }) =>
      summary
        ? [
            queue,
            summary.failedAt,
            summary.table,
            summary.shardId.length > 24 ? `…${summary.shardId.slice(-23)}` : summary.shardId,
            `${summary.startSequenceNumber}..${summary.endSequenceNumber}`,
            String(summary.batchSize),
            `${summary.why}${summary.expired ? ' [records older than 24 h: gone from the stream]' : ''}`,
          ]
        : [
            queue,
            '',
            '',
            '',
            '',
            '',
            `not an on-failure record (message ${entry.messageId}): ${entry.ok ? '' : entry.problems.join('; ')}`,
          ],
    ),
  );
}

export function subscriptionTable(subs: readonly ListedSubscription[]): string {
  if (subs.length === 0) return 'No subscriptions.';
  return renderTable(
    [
      { header: 'TOPIC' },
      { header: 'PROTOCOL' },
      { header: 'ENDPOINT' },
      { header: 'SCOPE' },
      { header: 'KIND' },
      { header: 'STATE' },
      { header: 'SUBSCRIPTION ARN' },
    ],
    subs.map((s) => [
      s.topic,
      s.protocol,
      s.endpoint,
      s.unscoped ? 'UNSCOPED (may see other customers!)' : s.scope,
      s.kind,
      s.misplaced ? 'WRONG SHARD: re-subscribe' : s.pending ? 'pending confirmation' : 'confirmed',
      s.subscriptionArn,
    ]),
  );
}
