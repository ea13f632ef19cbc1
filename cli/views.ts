import type { Violation } from '../shared/domain/invariants.js';
import { belowZeroMessage, readInventory } from '../shared/domain/inventory-check.js';
import { available, parseItem, ShipmentSchema } from '../shared/domain/model.js';
import { copiedFrom } from '../shared/domain/planning.js';
import type { RawItem } from '../shared/domain/ports.js';
import type { DlqEntry, FailureSummary } from './dlq-records.js';
import { clip, count, renderFields, renderTable, show, usd } from './format.js';
import type { ListedSubscription } from './subscriptions.js';

/** Pure renderers: items in, text for people out. The license views are in license-views.ts. */

export {
  emptyTally,
  type LicenseDerived,
  licenseDerived,
  licenseDetail,
  licenseNote,
  licenseTable,
  type ShipmentTally,
  tally,
  valueLimitCell,
} from './license-views.js';

export function shipmentTable(items: readonly RawItem[]): string {
  if (items.length === 0) return 'No shipments.';
  return renderTable(
    [
      { header: 'SHIPMENT' },
      { header: 'STATUS' },
      { header: 'HOLD REASON' },
      { header: 'QTY', align: 'right' },
      { header: 'VALUE', align: 'right' },
      { header: 'PRIO', align: 'right' },
      { header: 'REQUESTED' },
      { header: 'CUSTOMER' },
      { header: 'SKU' },
      { header: 'WAREHOUSE' },
      { header: 'NOTE' },
    ],
    items.map((s) => {
      const original = copiedFrom(s);
      const parsed = parseItem(ShipmentSchema, s);
      const note =
        original !== undefined
          ? `copy of ${original}, not taken in yet`
          : s.statusError !== undefined
            ? `rejected edit: ${clip(show(s.statusError), 40)}`
            : !parsed.ok
              ? `INVALID: ${clip(parsed.problems.join('; '), 40)}`
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
        typeof s.value === 'number' ? usd(s.value) : s.value === undefined ? '-' : show(s.value),
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
    'value',
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
    [
      'Value',
      typeof raw.value === 'number' ? usd(raw.value) : raw.value === undefined ? undefined : show(raw.value),
    ],
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

/**
 * One row per item, available derived, and a TOTAL row over the valid ones
 * when there are several. Below the table: each `onHand` below 0 (its own
 * finding, the item is still counted), and how many invalid items TOTAL leaves out.
 */
export function inventoryTable(items: readonly RawItem[]): string {
  if (items.length === 0) return 'No inventory items.';
  const rows: string[][] = [];
  const notes: string[] = [];
  const total = { onHand: 0, held: 0, released: 0, shipped: 0 };
  let valid = 0;
  for (const raw of items) {
    const read = readInventory(raw);
    if (!read.ok) {
      rows.push([show(raw.sku), show(raw.warehouseId), `INVALID: ${clip(read.problems.join('; '))}`]);
      continue;
    }
    const inv = read.value;
    valid++;
    if (read.belowZero) notes.push(`${inv.sku} at ${inv.warehouseId}: ${belowZeroMessage(inv.onHand)}.`);
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
  const invalid = items.length - valid;
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
    if (invalid > 0)
      notes.push(
        `TOTAL leaves out ${invalid} invalid ${invalid === 1 ? 'item' : 'items'}: fix ${invalid === 1 ? 'it' : 'them'} in the console.`,
      );
  }
  const table = renderTable(
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
  return notes.length === 0 ? table : `${table}\n\n${notes.join('\n')}`;
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

/** How much of a failed range the stream has trimmed, as a note after its reason. */
const expiryNote = (summary: FailureSummary): string =>
  summary.expired
    ? ' [records older than 24 h: gone from the stream]'
    : summary.partlyExpired
      ? ' [first records older than 24 h: partly gone; redrive the rest soon]'
      : '';

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
            `${summary.why}${expiryNote(summary)}`,
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
