import { countedAsStamp, stampIntact } from '../domain/counters.js';
import { type Shipment, type ShipmentStatus, showValue } from '../domain/model.js';
import { copiedFrom } from '../domain/planning.js';
import type { OpsAlert, RawItem, ShipmentRecord } from '../domain/ports.js';
import { judgeShipmentStatus, type ShipmentVerdict } from '../domain/shipment-rules.js';
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
 * `revision` over the put copy's; a copy of another shipment), or its new
 * image is a counted shipment whose stamp cannot say what it is counted
 * under ({@link putBackStampTrusted}; put back so, or changed since): its
 * notice and entry would name the license, customer and warehouse it says,
 * the edited ones. Its last revision was notified and entered when it was
 * committed.
 */
export const nothingToTell = (r: ShipmentRecord): boolean =>
  isWriteBack(r) ||
  copiedFrom(r.newImage) !== undefined ||
  (r.newImage !== undefined &&
    typeof r.newImage.countedStatus === 'string' &&
    !putBackStampTrusted(r.shipmentId, r.newImage));

/**
 * The verdict on the status of shipment `raw` counted as `counted`
 * ({@link judgeShipmentStatus}), but a legal edit (SHIPPED, CANCELLED) of
 * one whose stamp cannot say what it is counted under
 * ({@link putBackStampTrusted}: put back from an edited copy) is illegal:
 * committed with the fields and stamp the item carries, it would move the
 * edited Inventory item's counters (I3), give units back to the edited
 * license (I2) and tell the edited customer (I4). It is set back, to be made
 * again once the item is put back right. HIGH SEVERITY for SHIPPED, as for
 * HELD → SHIPPED: goods have left while the counters and the license still
 * hold them RELEASED. A CANCELLED set back leaves its units drawn until
 * then, which the put-back's own alert covers (alertRejectedPutBack when
 * the put itself carried the edit): normal.
 */
export function judgeStatusEdit(
  shipmentId: string,
  raw: RawItem,
  counted: ShipmentStatus | undefined,
): ShipmentVerdict {
  const verdict = judgeShipmentStatus(counted, raw.status);
  if (verdict.kind !== 'legal' || putBackStampTrusted(shipmentId, raw)) return verdict;
  const reason = `its countedAs stamp does not vouch for its fields (its seal is not theirs: it was put back from a copy edited by a find and replace), so which Inventory item, customer and license it is counted under is unknown. Put it back as docs/OPERATIONS.md, "A shipment put back with an edited stamp", says, then make this edit again`;
  return { ...verdict, kind: 'illegal', reason, severity: verdict.to === 'SHIPPED' ? 'high' : 'normal' };
}

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
/**
 * A counted shipment put back (no old image) whose status edit the same put
 * rejected: the rejection answers the record, so takePutBack never sees it,
 * and a put-back from an edited copy still gets its HIGH SEVERITY alert.
 */
export function alertRejectedPutBack(
  record: ShipmentRecord,
  raw: RawItem,
  counted: ShipmentStatus | undefined,
  batch: PutBacks,
): void {
  if (record.oldImage !== undefined || counted === undefined || counted === 'CANCELLED') return;
  if (!putBackStampTrusted(record.shipmentId, raw))
    batch.alerts.push(putBackAlert(record.shipmentId, raw, counted));
}

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
      'Nothing sets it back: History does not record its sku, warehouse or customer, and its stamp was edited with them. Until it is put back right, no license pass releases, re-holds or relabels it (a suspension or an expiry leaves it as it is), no notice of it is sent, the LICENSE_EXPIRING alert names it apart ("warehouse unknown") and no warehouse digest lists it, and `clearance reconcile` lists it for a person and makes no counter fix. A status edit (SHIPPED, CANCELLED) is rejected and set back: make it again once it is put back right.',
      `Put it back from the Shipments table's point-in-time recovery, which has the system's stamp: delete this item (the "was deleted" alert that follows is expected), then put the restored item back as docs/OPERATIONS.md, "A deleted shipment", says. Do not edit it in the console instead: an edit is judged against this stamp and set back to it. \`clearance shipment history ${shipmentId}\` shows its last committed state.`,
    ].join('\n'),
    subjectKey: { shipmentId },
  };
}
