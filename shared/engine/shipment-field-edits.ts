import { parseItem, ShipmentSchema, type ShipmentStatus, showValue } from '../domain/model.js';
import type { RawItem } from '../domain/ports.js';
import { asShipmentStatus, judgeShipmentStatus } from '../domain/shipment-rules.js';
import {
  fixedFieldsEdit,
  invalidEditRejection,
  invalidFieldsOf,
  type Rejection,
} from './shipment-rejections.js';

/**
 * The rejection of the fields of counted shipment `raw`, judged apart from
 * its status: an edit of fields it may not change ({@link fixedFieldsEdit},
 * judged against `old`, the item as the system last left it), or one that
 * left it out of the contract ({@link invalidEditRejection}, set back to
 * `old`, or to `earliest`, the item before the batch's first record of it,
 * when `old` carries the invalid value too). Undefined when
 * its fields are fine. The status is judged apart, so that an edit of both
 * is answered for both ({@link withStatusEdit}).
 */
export function fieldsRejection(
  shipmentId: string,
  raw: RawItem,
  counted: ShipmentStatus,
  old: RawItem | undefined,
  earliest?: RawItem,
): Rejection | undefined {
  if (old && asShipmentStatus(old.countedStatus)) {
    const fixed = fixedFieldsEdit(shipmentId, raw, counted, old);
    if (fixed) return fixed;
  }
  const parsed = parseItem(ShipmentSchema, { ...raw, status: counted });
  if (parsed.ok) return undefined;
  // A system write that followed the edit in the batch (a release, a relabel) carried the invalid value
  // over, so `old` shows it too: it is set back to what it was before the batch (`earliest`).
  const reference = invalidFieldsOf(raw, old, parsed.problems).length > 0 ? old : (earliest ?? old);
  return invalidEditRejection(shipmentId, raw, reference, parsed.problems);
}

/**
 * `r`, the rejection of fields of counted shipment `raw`, when the same image
 * also changed its status: the status is set back to `counted` in the same
 * write-back, and the alert and `statusError` say so. A legal status edit
 * was not applied (it is to be made again), an illegal one is rejected for
 * its own reason, and HELD → SHIPPED keeps its HIGH SEVERITY alert. Without
 * this, a legal status edit stayed neither applied nor rejected (the
 * write-back is never judged), and an illegal one hid behind the field edit.
 */
export function withStatusEdit(r: Rejection, raw: RawItem, counted: ShipmentStatus): Rejection {
  const write = r.write;
  if (raw.status === counted || write === undefined) return r;
  const verdict = judgeShipmentStatus(counted, raw.status);
  const edit = `${counted} → ${showValue(raw.status)}`;
  const note =
    verdict.kind === 'illegal'
      ? `The status edit ${edit} is rejected too: ${verdict.reason}. The status was set back to ${counted}.`
      : `The status edit ${edit} made with it was not applied: the status was set back to ${counted}; make it again once the other fields are right.`;
  const statusError = `${r.statusError} ${note}`;
  const high = verdict.kind === 'illegal' && verdict.severity === 'high';
  return {
    ...r,
    statusError,
    alert: {
      ...r.alert,
      severity: high ? 'high' : r.alert.severity,
      subject: high
        ? `HIGH SEVERITY: Shipment ${r.shipmentId}: status edit ${edit} rejected`
        : r.alert.subject,
      message: `${r.alert.message}\n${note}`,
    },
    write: {
      ...write,
      set: { ...write.set, status: counted, statusError },
      expect: { ...write.expect, status: raw.status ?? null },
    },
  };
}
