import { valueOrNothing } from '../domain/model.js';
import { copiedFrom } from '../domain/planning.js';
import type {
  Alerter,
  OpsAlert,
  RawItem,
  ShipmentRecord,
  ShipmentRepository,
  ShipmentWrite,
} from '../domain/ports.js';
import { asShipmentStatus } from '../domain/shipment-rules.js';
import { GSI_ATTR } from '../names.js';
import { REJECTED_EDIT } from './shipment-rejections.js';

/** The shipment attributes only the system writes: a copy carries its original's, none of them its own. */
const SYSTEM_ATTRIBUTES = [
  'countedStatus',
  'countedValue',
  'countedAs',
  'revision',
  'holdReason',
  'releasedAt',
  'changedAt',
  'decision',
  'statusError',
  REJECTED_EDIT,
  GSI_ATTR.heldLicenseId,
  GSI_ATTR.releasedLicenseId,
  GSI_ATTR.holdOrder,
] as const;

/** The record's old image is an item the system counted, not a copy: a copy put over it is an overwrite. */
const overCounted = (r: ShipmentRecord): boolean =>
  r.oldImage !== undefined &&
  copiedFrom(r.oldImage) === undefined &&
  asShipmentStatus(r.oldImage.countedStatus) !== undefined;

/**
 * Takes in the copies among a batch's records, and returns the other records
 * as the rest of the engine judges them.
 *
 * A copy ({@link copiedFrom}: the console's "Duplicate item" of a counted
 * shipment, every attribute copied under a new `shipmentId`) was never
 * counted, whatever its `countedStatus` says. The latest record of each
 * shipment that shows one (and is not a copy put over an item the system
 * counted: that is an overwrite, set back as any other) is answered by an
 * alert and one write, conditional on the copy as read (`holdOrder`,
 * `countedStatus`, `revision`): the copied system attributes are removed and
 * `status` is set to HELD, as every new shipment starts (a copied RELEASED or
 * SHIPPED is not honoured). The copy is then the new HELD shipment it is, and
 * that write's stream record is taken in by the intake as one: counted HELD
 * once, with its own index keys and `holdOrder`, at revision 1, with its
 * History entry and notices.
 *
 * In the records returned, a copy's image counts for nothing: a record whose
 * new image is a copy is left out (no History entry, no notice, nothing to
 * judge), and a copy as the old image of an item not counted (that write, or
 * the copy deleted) is dropped, so the record reads as the new item it is,
 * never as an edit of a counted one.
 */
export async function takeInCopies(
  deps: { alerter: Alerter; shipments: ShipmentRepository },
  records: readonly ShipmentRecord[],
): Promise<ShipmentRecord[]> {
  const latest = new Map<string, ShipmentRecord>();
  for (const r of records) latest.set(r.shipmentId, r);
  const copies = [...latest.values()].flatMap((r) => {
    const from = copiedFrom(r.newImage);
    return r.newImage && from !== undefined && !overCounted(r)
      ? [{ raw: r.newImage, id: r.shipmentId, from }]
      : [];
  });
  // Alert first: a crash before the write repeats the alert rather than losing it.
  if (copies.length > 0) await deps.alerter.alert(copies.map((c) => copyAlert(c.id, c.raw, c.from)));
  for (const c of copies) await deps.shipments.update(stripWrite(c.id, c.raw));
  const taken = new Set(copies.map((c) => c.id));
  return records
    .filter((r) => !taken.has(r.shipmentId) && (copiedFrom(r.newImage) === undefined || overCounted(r)))
    .map((r) => {
      if (copiedFrom(r.oldImage) === undefined || asShipmentStatus(r.newImage?.countedStatus)) return r;
      const { oldImage: _copy, ...rest } = r;
      return rest;
    });
}

/** Makes copy `raw` a new HELD shipment: its copied system attributes removed, on the condition that it is still that copy. */
function stripWrite(shipmentId: string, raw: RawItem): ShipmentWrite {
  return {
    shipmentId,
    set: { status: 'HELD' },
    remove: SYSTEM_ATTRIBUTES.filter((a) => raw[a] !== undefined),
    bumpRevision: false,
    expect: {
      [GSI_ATTR.holdOrder]: raw[GSI_ATTR.holdOrder],
      countedStatus: raw.countedStatus ?? null,
      revision: raw.revision ?? null,
    },
  };
}

function copyAlert(shipmentId: string, raw: RawItem, from: string): OpsAlert {
  const status =
    raw.status === 'HELD'
      ? ''
      : ` Its status ${valueOrNothing(raw.status)} was set to HELD: a new shipment starts HELD, and only its license releases it.`;
  return {
    severity: 'normal',
    subject: `Shipment ${shipmentId}: copy of shipment ${from} taken in as a new shipment`,
    message: [
      `Shipment ${shipmentId} (${valueOrNothing(raw.quantity)} × ${valueOrNothing(raw.sku)} at ${valueOrNothing(raw.warehouseId)}, license ${valueOrNothing(raw.licenseId)}) was created as a copy of shipment ${from}, the system's attributes included (counted as ${valueOrNothing(raw.countedStatus)}, revision ${valueOrNothing(raw.revision)}), as the console's "Duplicate item" makes it. Nothing had counted it: taken as they were, they would have passed it for a shipment already counted.`,
      `The system removed them, and takes it in as a new shipment: counted HELD once, entered in History, released by its license like any other.${status} Shipment ${from} is unchanged.`,
      `If you did not mean to create a second shipment, cancel ${shipmentId} (status CANCELLED). To create a shipment from another, copy only the attributes a creator sets (docs/OPERATIONS.md, "A duplicated shipment").`,
    ].join('\n'),
    subjectKey: { shipmentId },
  };
}
