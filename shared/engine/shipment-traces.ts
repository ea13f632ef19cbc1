/**
 * A shipment the system counted, found without its marks (`countedStatus`,
 * `revision`) by a record whose batch shows nothing it committed: a whole-item
 * put over it (an import run again, an old copy saved) whose own stream record
 * shipment-events never judged, because that record is parked in the DLQ,
 * still being retried, or gone from the stream. overwriteRejection
 * (shipment-rejections.ts) sets such a put back from the image the system
 * committed, which only the put's own record holds. Without it, the next
 * record of the item (a `note` typed in the console, say) shows an item never
 * counted, and the intake would count it a second time under its old id
 * (Inventory, its license's drawdown, its notices from `r1` again).
 *
 * History is the durable trace: it keeps every committed change of a
 * shipment, and no entry is ever removed. It is read only for a record that
 * would take an item in and is not an INSERT (an edit of an item not counted:
 * a lost INSERT repaired by an edit, a new item corrected after it was
 * refused), never on the hot path. History does not hold what the set-back
 * needs (the `countedAs` stamp, the index keys, the sku, warehouse and
 * customer), so such an item is not set back: it is refused, alerted HIGH
 * SEVERITY, entered, and left as it is for a person, and for the put's own
 * record, whose replay sets it back.
 *
 * It is refused only while the item itself, read strongly consistent, still
 * carries no marks (or is gone). A record older than the count shows none
 * either: an edit saved between a new item's INSERT and its intake (an
 * importer creating, then updating), which the intake counted with the edit
 * in place, judged in a batch of its own (a batch cut between it and the
 * system's write, or a failing batch bisected) once shipment-history has
 * entered the count. The item it edits is the counted one: such a record is
 * dropped, with no alert and no entry, as the intake's condition
 * (`countedStatus` absent) once made it a no-op.
 */
import { ConfigError } from '../domain/errors.js';
import type { HistoryEntry } from '../domain/history.js';
import { valueOrNothing } from '../domain/model.js';
import type { HistoryRepository, RawItem, ShipmentRecord, ShipmentRepository } from '../domain/ports.js';
import { asShipmentStatus } from '../domain/shipment-rules.js';
import type { Rejection } from './shipment-rejections.js';

/** The runbook the refusal names. */
const RUNBOOK = 'docs/OPERATIONS.md, "DLQ messages", step 4';

/**
 * The latest committed change of each shipment of `records` that History
 * has one of, by shipment id, with whether the item, read now, is counted
 * (`stale`: the record is older than the count, see above): one Query each,
 * all at once, then one strongly consistent read of each such item. Throws a
 * ConfigError when the History port cannot read: taking the item in unread
 * could count it twice.
 */
export async function countedBefore(
  deps: { history: HistoryRepository; shipments: Pick<ShipmentRepository, 'get'> },
  records: readonly ShipmentRecord[],
): Promise<Map<string, CountedTrace>> {
  const traced = new Map<string, CountedTrace>();
  if (records.length === 0) return traced;
  const read = deps.history.lastShipmentChange?.bind(deps.history);
  if (!read)
    throw new ConfigError(
      'the History port cannot read the entries of a shipment (lastShipmentChange): shipment-events needs it to judge an edit of a shipment not counted',
    );
  const found = await Promise.all(
    records.map(async (r) => ({ id: r.shipmentId, last: await read(r.shipmentId) })),
  );
  // Read after History: a count History shows is on the item by then, unless something was put over it since.
  await Promise.all(
    found.map(async ({ id, last }) => {
      if (last) traced.set(id, { last, stale: countedNow(await deps.shipments.get(id)) });
    }),
  );
  return traced;
}

/** What History says of a shipment an edit found not counted. */
export interface CountedTrace {
  /** Its latest committed change. */
  last: HistoryEntry;
  /** The item as read now carries the marks of a count: the record is older than it, and is dropped. */
  stale: boolean;
}

/** Whether `item` carries the marks the system's count leaves: a `countedStatus` and a `revision`. */
const countedNow = (item: RawItem | undefined): boolean =>
  item !== undefined &&
  asShipmentStatus(item.countedStatus) !== undefined &&
  typeof item.revision === 'number';

/** `r000003` as History's entry key ends in it: the revision the entry is of. */
const revisionOf = (entryId: string): string => /#(r\d{6,})$/.exec(entryId)?.[1] ?? 'revision unknown';

/**
 * The refusal of `record`, which would take in shipment `record.shipmentId`
 * as new though History shows it counted (`last`, its latest committed
 * change). Nothing is written to the item: its set-back needs the image the
 * system committed, which the put's own record holds (replayed, it finds the
 * item as the put left it and sets it back) and a restore from point-in-time
 * recovery gives. The rejection is entered under its record, and every
 * further edit of the item is refused the same way until then.
 */
export function countedBeforeRejection(record: ShipmentRecord, last: HistoryEntry): Rejection {
  const id = record.shipmentId;
  const raw = record.newImage ?? {};
  const was = `${valueOrNothing(last.status)} (${last.eventType} ${revisionOf(last.entryId)}, at ${last.at}, license ${last.licenseId})`;
  const statusError = `Not taken in: shipment ${id} was counted before (History: last committed as ${was}), and this item carries no countedStatus or revision: a whole item was put over it (an import run again, an old copy saved), and the stream record of that put was not judged (parked in the DLQ, still being retried, or gone). Taken in, it would be counted a second time. Nothing was counted, written or sent; the item is left for a person (${RUNBOOK}).`;
  return {
    shipmentId: id,
    statusError,
    current: raw,
    alert: {
      severity: 'high',
      subject: `HIGH SEVERITY: Shipment ${id}: counted before, not taken in again`,
      message: [
        `Shipment ${id} (license ${valueOrNothing(raw.licenseId)}, warehouse ${valueOrNothing(raw.warehouseId)}, quantity ${valueOrNothing(raw.quantity)}, status ${valueOrNothing(raw.status)}) was edited while it carries no countedStatus or revision, as a new item would. History shows the system counted it: its last committed change is ${was}.`,
        `So the item is a whole item put over the counted shipment, and shipment-events never judged the record of that put (parked in the DLQ, still being retried, or gone from the stream). Taken in as new, it would be counted twice (Inventory, its license's releasedQuantity) and its notices sent again from r1.`,
        'Nothing was counted, written or sent for this edit. Until the item is put back, no license pass releases or re-holds it: it is in neither index.',
        `To put it back: if \`clearance dlq list\` shows a shipment-events message whose records are still in the stream, \`clearance dlq redrive\` replays the put, which sets the item back as last committed. Otherwise delete this item and put it back from the Shipments table's point-in-time recovery as docs/OPERATIONS.md, "A deleted shipment", says (\`clearance shipment history ${id}\` shows its last committed state). Do not edit it meanwhile: each edit is refused the same way. See ${RUNBOOK}.`,
      ].join('\n'),
      subjectKey: { shipmentId: id },
    },
  };
}
