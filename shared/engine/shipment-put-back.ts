import { countedAsStamp, stampIntact } from '../domain/counters.js';
import { type Shipment, type ShipmentStatus, showValue } from '../domain/model.js';
import { copiedFrom } from '../domain/planning.js';
import type { OpsAlert, RawItem, ShipmentRecord } from '../domain/ports.js';
import { isWriteBack } from './shipment-rejections.js';

/**
 * Whether the `countedAs` stamp of a counted shipment put back after a
 * deletion (an INSERT that carries `countedStatus`: no old image) can say
 * what its counters, license and notices hold. Such an item is judged
 * against its own stamp (fieldsRejection: the system last left it as it is
 * put back), so fields that differ from a stamp that can are set back to it.
 * One cannot when it is malformed, or when its `seal` is not the digest of
 * the id and the fields it holds: a find and replace over the item's JSON,
 * stamp included, before it was put back. Nothing sets such a one back:
 * History records no sku, warehouse or customer, and the seal only tells
 * that the fields changed, not from what. A stamp written before the seal
 * is taken as it is, as everywhere; a shipment accepted before the stamp
 * existed has none to judge.
 */
export function putBackStampTrusted(shipmentId: string, raw: RawItem): boolean {
  if (raw.countedAs === undefined) return true;
  const stamp = countedAsStamp(raw);
  return stamp !== undefined && stampIntact(shipmentId, stamp);
}

/**
 * A stream record that carries no change to notify or enter in History:
 * nothing was committed (a write-back: an overwrite's restore raises
 * `revision` over the put copy's; a copy of another shipment), or a counted
 * shipment was put back with a stamp that cannot say what it is counted
 * under ({@link putBackStampTrusted}): its notice and entry would name the
 * license, customer and warehouse it says, the edited ones. Its last
 * revision was notified and entered when it was committed.
 */
export const nothingToTell = (r: ShipmentRecord): boolean =>
  isWriteBack(r) ||
  copiedFrom(r.newImage) !== undefined ||
  (r.oldImage === undefined &&
    r.newImage !== undefined &&
    typeof r.newImage.countedStatus === 'string' &&
    !putBackStampTrusted(r.shipmentId, r.newImage));

/** What the put-backs of a batch ask for: a pass of each license, and HIGH SEVERITY alerts. */
export interface PutBacks {
  licenses: Set<string>;
  alerts: OpsAlert[];
}

/**
 * Takes in counted shipment `shipment` (`raw`) put back after a deletion,
 * its status unchanged and its fields true to its stamp (judged first). Put
 * back HELD, RELEASED or SHIPPED with a stamp that cannot say what it is
 * counted under: a HIGH SEVERITY alert ({@link putBackAlert}), and no pass,
 * which would leave it alone. Otherwise a HELD or RELEASED one asks its
 * license for a pass, whatever its status: its license's work (a
 * suspension, an amendment moving validFrom later) missed it while it was gone.
 */
export function takePutBack(shipmentId: string, raw: RawItem, shipment: Shipment, batch: PutBacks): void {
  const counted = shipment.countedStatus;
  if (counted === undefined || counted === 'CANCELLED') return;
  if (!putBackStampTrusted(shipmentId, raw)) batch.alerts.push(putBackAlert(shipmentId, raw, counted));
  else if (counted !== 'SHIPPED') batch.licenses.add(shipment.licenseId);
}

/**
 * HIGH SEVERITY: counted shipment `raw` was put back with a stamp that
 * cannot say what it is counted under ({@link putBackStampTrusted}): its
 * Inventory item, customer and license are unknown, and nothing sets it
 * back. Until it is put back from point-in-time recovery, which has the
 * system's stamp, license passes leave it alone, its notices are not sent,
 * the expiry watch names it in no warehouse digest, and `clearance
 * reconcile` lists it.
 */
export function putBackAlert(shipmentId: string, raw: RawItem, counted: ShipmentStatus): OpsAlert {
  const shown = (field: string) => showValue(raw[field]);
  const says = `${shown('quantity')} × ${shown('sku')} at ${shown('warehouseId')} for customer ${shown('customerId')}, license ${shown('licenseId')}`;
  return {
    severity: 'high',
    subject: `HIGH SEVERITY: Shipment ${shipmentId} put back with an edited countedAs stamp`,
    message: [
      `Shipment ${shipmentId} was put back after a deletion (counted as ${counted}, revision ${shown('revision')}) from a copy whose countedAs stamp does not vouch for its fields: its seal is not theirs, as after a find and replace over the item's JSON, stamp included. It says ${says}; which Inventory item, customer and license it is really counted under is unknown.`,
      'Nothing sets it back: History does not record its sku, warehouse or customer, and its stamp was edited with them. Until it is put back right, no license pass releases, re-holds or relabels it (a suspension or an expiry leaves it as it is), no notice of it is sent, the LICENSE_EXPIRING alert names it apart ("warehouse unknown") and no warehouse digest lists it, and `clearance reconcile` lists it for a person and makes no counter fix.',
      `Put it back from the Shipments table's point-in-time recovery, which has the system's stamp: delete this item (the "was deleted" alert that follows is expected), then put the restored item back as docs/OPERATIONS.md, "A deleted shipment", says. Do not edit it in the console instead: an edit is judged against this stamp and set back to it. \`clearance shipment history ${shipmentId}\` shows its last committed state.`,
    ].join('\n'),
    subjectKey: { shipmentId },
  };
}
