import { type ShipmentStatus, valueOrNothing } from '../domain/model.js';
import type { RawItem } from '../domain/ports.js';
import type { Rejection } from './shipment-rejections.js';

/** How to put a deleted shipment back as it was: every attribute, the system's included. */
const putBack = (shipmentId: string) =>
  `Put the item back exactly as it was, every attribute included (countedStatus and revision too), from the Shipments table's point-in-time recovery (docs/OPERATIONS.md, "A deleted shipment"); \`clearance shipment history ${shipmentId}\` shows its last committed state.`;

/**
 * What a deletion leaves to do, by the status the shipment was counted as.
 * A RELEASED or SHIPPED shipment drew from its license: its units stay drawn
 * (`clearance reconcile` keeps them in the license's and Inventory's
 * counters until the item is back), never given back by the deletion.
 */
function advice(shipmentId: string, old: RawItem, counted: ShipmentStatus): string {
  const units = `Its ${valueOrNothing(old.quantity)} units`;
  const license = `license ${valueOrNothing(old.licenseId)}`;
  switch (counted) {
    case 'SHIPPED':
      return `${units} left the warehouse and stay drawn from ${license}: \`clearance reconcile\` keeps them in its releasedQuantity and releasedValue and in Inventory's shipped counter, and reports the deletion, until the item is back. ${putBack(shipmentId)} A SHIPPED shipment is final: if the goods never left, have compliance correct the export record.`;
    case 'RELEASED':
      return `${units} stay drawn from ${license}: \`clearance reconcile\` keeps them in its releasedQuantity and releasedValue and in Inventory's released counter, and reports the deletion, until the item is back. ${putBack(shipmentId)} If it will not ship, cancel it once it is back (status CANCELLED): the system then returns its units to the license, with a History entry.`;
    case 'HELD':
      return `It drew nothing from ${license}. Run \`clearance reconcile --fix\` to correct Inventory's held counter.`;
    case 'CANCELLED':
      return 'It counted nothing: a cancelled shipment is in no Inventory counter and draws nothing from its license, so there is nothing to fix. Its History stays.';
  }
}

/**
 * A counted shipment was deleted: an alert, nothing to write back. High
 * severity unless it was CANCELLED (nothing counts it, nothing to repair).
 */
export function deletionAlert(shipmentId: string, old: RawItem, counted: ShipmentStatus): Rejection {
  const message = `Shipment ${shipmentId} (${valueOrNothing(old.quantity)} × ${valueOrNothing(old.sku)} at ${valueOrNothing(old.warehouseId)}, license ${valueOrNothing(old.licenseId)}, counted as ${counted}) was deleted from the Shipments table. Deleting shipments is not supported: cancel them instead. ${advice(shipmentId, old, counted)} Do not create a new shipment with this shipmentId: it would start again at revision 1, and its notices would repeat the dedupKeys (${shipmentId}#r1, …) that customers and warehouses already had, and their systems may drop them as duplicates; give a replacement a new shipmentId.`;
  return {
    shipmentId,
    statusError: message,
    current: {},
    alert: {
      severity: counted === 'CANCELLED' ? 'normal' : 'high',
      subject: `Shipment ${shipmentId} was deleted`,
      message,
      subjectKey: { shipmentId },
    },
  };
}
