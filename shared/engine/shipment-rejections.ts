import { type CountedAs, countedAsStamp, stampOf } from '../domain/counters.js';
import {
  parseItem,
  ShipmentSchema,
  type ShipmentStatus,
  sameValue,
  valueOrNothing,
} from '../domain/model.js';
import { copiedFrom } from '../domain/planning.js';
import type { OpsAlert, RawItem, ShipmentWrite } from '../domain/ports.js';
import {
  asShipmentStatus,
  drawnValueEdited,
  IMMUTABLE_SHIPMENT_FIELDS,
  VALUE_FIXED_WHILE,
} from '../domain/shipment-rules.js';
import { GSI_ATTR } from '../names.js';
import { type Saves, savedWith } from './shipment-saves.js';

/** An edit of the Shipments table that the system refuses: the alert it sends and the write that records it. */
export interface Rejection {
  shipmentId: string;
  alert: OpsAlert;
  /** The write that records the rejection; none for a deleted item. */
  write?: ShipmentWrite;
  statusError: string;
  current: RawItem;
}

/**
 * The system attribute every write-back of a rejected edit sets: the sequence
 * number of the edit's stream record. A record that changes it is the
 * system's own write-back, never an edit to judge (the restore would look
 * like an edit of the fields it sets back), and the write-back's condition on
 * it makes a redelivered edit write nothing twice.
 */
export const REJECTED_EDIT = 'rejectedEdit';

/**
 * The record is the write-back of a rejected edit: an update that set
 * `rejectedEdit` anew, or (a write-back made before `rejectedEdit` existed,
 * still in the stream at a deployment) set a new, non-empty `statusError` on
 * an item without `rejectedEdit` and left its status as counted, and that took
 * neither mark of what was committed back: `countedStatus` not dropped,
 * `revision` not lowered (a write-back keeps both, or sets them back where a
 * put had taken them). A whole-item put of an old copy brings back an
 * earlier `rejectedEdit` or `statusError` with its older marks: it is judged,
 * and set back as the overwrite it is. A new item is never one, whatever
 * `statusError` it was created with.
 */
export const isWriteBack = ({ oldImage, newImage }: { oldImage?: RawItem; newImage?: RawItem }): boolean => {
  if (oldImage === undefined || newImage === undefined) return false;
  const changed = (attribute: string) =>
    newImage[attribute] !== undefined && newImage[attribute] !== oldImage[attribute];
  // Before rejectedEdit, a write-back set a reason and left the status counted. An admin's edit of a
  // statusError (blanked beside a new status, say) is no write-back: it is judged like any edit.
  const legacy =
    newImage[REJECTED_EDIT] === undefined &&
    changed('statusError') &&
    typeof newImage.statusError === 'string' &&
    newImage.statusError !== '' &&
    (newImage.countedStatus === undefined || newImage.status === newImage.countedStatus);
  if (!changed(REJECTED_EDIT) && !legacy) return false;
  const revision = (image: RawItem) => (typeof image.revision === 'number' ? image.revision : 0);
  const dropped = oldImage.countedStatus !== undefined && newImage.countedStatus === undefined;
  // A copy of another shipment put over this one carries the other's revision: its set-back may lower it.
  return !dropped && (revision(newImage) >= revision(oldImage) || copiedFrom(oldImage) !== undefined);
};

/**
 * Whether stream sequence number `a` is `b` or comes after it in its shard
 * (decimal strings: DynamoDB's grow in length, the fakes' are zero-padded).
 * False when either is not one.
 */
export function sequenceAtOrAfter(a: unknown, b: string): boolean {
  if (typeof a !== 'string' || !/^\d+$/.test(a) || !/^\d+$/.test(b)) return false;
  const [x, y] = [a.replace(/^0+/, ''), b.replace(/^0+/, '')];
  return x.length !== y.length ? x.length > y.length : x >= y;
}

/**
 * An illegal status edit: the status goes back to `counted` (when counted)
 * with `statusError`, and so do the value, priority or requestedAt saved
 * with it (`saves`, see shipment-saves.ts). One the admin changed
 * again before the system judged it (`changedTo`: the status the shipment's
 * latest record shows) is alerted and entered, and nothing is written back.
 */
export function statusRejection(
  shipmentId: string,
  raw: RawItem,
  counted: ShipmentStatus | undefined,
  { reason, severity }: { reason: string; severity: 'high' | 'normal' },
  { changedTo, saves }: { changedTo?: { status: unknown }; saves?: Saves } = {},
): Rejection {
  const also =
    counted && !changedTo && saves ? savedWith(raw, saves, new Set(['status', 'statusError'])) : undefined;
  const restore = changedTo
    ? ` It was changed again (to ${valueOrNothing(changedTo.status)}) before the system judged it: nothing was set back.`
    : counted
      ? ` The status was set back to ${counted}.`
      : '';
  // The note goes between the reason and the set-back: the reason an alert must give (I5) is all before it.
  const statusError = `Rejected status ${valueOrNothing(raw.status)}: ${reason}.${also ? ` ${also.note}` : ''}${restore}`;
  const rejection: Rejection = {
    shipmentId,
    statusError,
    current: raw,
    alert: {
      severity,
      subject: `${severity === 'high' ? 'HIGH SEVERITY: ' : ''}Shipment ${shipmentId}: status edit ${counted ?? 'new'} → ${valueOrNothing(raw.status)} rejected`,
      message: [
        `Shipment ${shipmentId} (license ${valueOrNothing(raw.licenseId)}, warehouse ${valueOrNothing(raw.warehouseId)}) was edited from ${counted ?? '(new)'} to "${valueOrNothing(raw.status)}".`,
        `Rejected because ${reason}.`,
        ...(also ? [also.note] : []),
        changedTo
          ? `The status was changed again, to ${valueOrNothing(changedTo.status)}, before the system judged this edit; no counter moved for it. It is entered in History.`
          : counted
            ? `The system set status back to ${counted}; no counter moved.`
            : 'The shipment is not counted until its status is HELD.',
        ...(changedTo ? [] : ['The reason is in statusError on the item.']),
      ].join('\n'),
      subjectKey: { shipmentId },
    },
  };
  if (changedTo) return rejection;
  return {
    ...rejection,
    write: {
      shipmentId,
      set: counted ? { status: counted, ...also?.set, statusError } : { statusError },
      ...(also && also.remove.length > 0 ? { remove: also.remove } : {}),
      bumpRevision: false,
      expect: { ...also?.expect, status: raw.status ?? null, countedStatus: counted ?? null },
    },
  };
}

/** Why `fields` of a shipment counted as `counted` may not change. */
function whyFixed(fields: readonly string[], counted: ShipmentStatus | undefined): string {
  const others = fields.filter((f) => f !== 'value');
  const always = 'cannot change once a shipment is accepted (counters and the license depend on them)';
  if (others.length === fields.length) return `these ${always}`;
  const value = `value cannot change while the shipment is ${counted ?? 'counted'} (its license counts it in releasedValue)`;
  return others.length === 0 ? value : `${value}, and ${others.join(', ')} ${always}`;
}

/**
 * An edit of fields an accepted shipment may not change: their old values are
 * restored. The way to another value is a new shipment, except for a SHIPPED
 * one, which is final: its record can only be corrected outside the system.
 */
export function immutableRejection(
  shipmentId: string,
  raw: RawItem,
  old: RawItem,
  fields: readonly string[],
): Rejection {
  const counted = asShipmentStatus(raw.countedStatus);
  const list = fields.map((f) => `${f} ${valueOrNothing(old[f])} → ${valueOrNothing(raw[f])}`).join(', ');
  const fix =
    counted === 'SHIPPED'
      ? 'a SHIPPED shipment is final, so the system cannot change them: if the recorded values are wrong, have compliance correct the export record'
      : counted === 'CANCELLED'
        ? 'a CANCELLED shipment is final and counts nothing, so its record keeps them: to ship these goods with other values, create a new shipment with a new shipmentId'
        : 'to change them, cancel this shipment and create a new one';
  const statusError = `Rejected edit of ${fields.join(', ')}: ${whyFixed(fields, counted)}. The old values were restored; ${fix}.`;
  const restore = Object.fromEntries(fields.filter((f) => old[f] !== undefined).map((f) => [f, old[f]]));
  const absent = fields.filter((f) => old[f] === undefined);
  return {
    shipmentId,
    statusError,
    current: raw,
    alert: {
      severity: 'normal',
      subject: `Shipment ${shipmentId}: edit of ${fields.join(', ')} rejected`,
      message: `Shipment ${shipmentId} was edited (${list}). ${statusError}`,
      subjectKey: { shipmentId },
    },
    write: {
      shipmentId,
      set: { ...restore, ...(counted && raw.status !== counted ? { status: counted } : {}), statusError },
      ...(absent.length > 0 ? { remove: absent } : {}),
      bumpRevision: false,
      // Judged as counted `counted`: a system change committed since (a manual edit raced by this one) fails
      // the write, and the record of that change is judged next, against its own countedStatus. So does a
      // status edited since: the write-back's own stream record is never judged, so a status it carried
      // over would stay neither applied nor rejected (status ≠ countedStatus for good).
      expect: {
        ...Object.fromEntries(fields.map((f) => [f, raw[f] ?? null])),
        countedStatus: counted ?? null,
        status: raw.status ?? null,
      },
    },
  };
}

/**
 * The rejection of an edit of fields counted shipment `raw` may not change,
 * if it has one; judged against `old` (the item as the system last left it),
 * against `old`'s `countedAs` for the fields the stamp carries (quantity,
 * sku, warehouse, customer, license; an edit of the stamp itself is set back
 * too), and, while RELEASED or SHIPPED, against what its license drew
 * (`countedValue`) for value. Only the latest record of a batch is judged: a
 * value edit in an earlier one still shows against `countedValue`, and that
 * is what is restored.
 */
export function fixedFieldsEdit(
  shipmentId: string,
  raw: RawItem,
  counted: ShipmentStatus,
  old: RawItem,
): Rejection | undefined {
  // The stamp is the system's, written once at intake: one edited with the fields (a find and replace over
  // the item's JSON) is set back with them, and they are judged against the stamp as the system left it.
  const stamp = countedAsStamp(old) ?? countedAsStamp(raw);
  const base: RawItem = { ...old, ...stamp };
  const valueFixed = VALUE_FIXED_WHILE.includes(counted);
  const fields = [...IMMUTABLE_SHIPMENT_FIELDS, ...(valueFixed ? ['value' as const] : [])];
  const changed: string[] = fields.filter((f) => JSON.stringify(base[f]) !== JSON.stringify(raw[f]));
  if (
    old.countedAs !== undefined &&
    !sameValue(raw.countedAs, old.countedAs) &&
    !sealed(shipmentId, raw, old, base)
  )
    changed.push('countedAs');
  const drawn = valueFixed ? raw.countedValue : undefined;
  if (drawnValueEdited(raw, counted) && !changed.includes('value')) changed.push('value');
  if (changed.length === 0) return undefined;
  const reference =
    typeof drawn !== 'number' || (base.value ?? 0) === drawn ? base : { ...base, value: drawn };
  return fixedFieldsRejection(shipmentId, raw, reference, changed);
}

/**
 * An edit of fields an accepted shipment may not change ({@link immutableRejection}),
 * which may also have left other fields out of the contract (a `value` of -5
 * beside a new `quantity`): those are set back too, in the same write-back,
 * and the one alert says both. Otherwise the restored item would stay invalid.
 */
export function fixedFieldsRejection(
  shipmentId: string,
  raw: RawItem,
  old: RawItem,
  fields: readonly string[],
): Rejection {
  const fixed = immutableRejection(shipmentId, raw, old, fields);
  const write = fixed.write;
  if (!write) return fixed;
  const restored = Object.fromEntries(
    Object.entries({ ...raw, ...write.set }).filter(([f]) => !write.remove?.includes(f)),
  );
  const parsed = parseItem(ShipmentSchema, restored);
  if (parsed.ok) return fixed;
  const invalid = invalidEditRejection(shipmentId, restored, old, parsed.problems);
  const statusError = `${fixed.statusError} ${invalid.statusError}`;
  return {
    ...fixed,
    statusError,
    alert: { ...fixed.alert, message: `${fixed.alert.message}\n${invalid.alert.message}` },
    write: {
      ...write,
      set: { ...write.set, ...invalid.write?.set, statusError },
      remove: [...(write.remove ?? []), ...(invalid.write?.remove ?? [])],
      expect: { ...invalid.write?.expect, ...write.expect },
    },
  };
}

/**
 * `raw`'s stamp is `old`'s, written before the seal existed, sealed:
 * `stampOf()` of what `old`'s stamp says was counted (`base`: its fields, and
 * `old`'s customerId and licenseId when it has three). `clearance reconcile
 * --fix` writes it; it vouches for what was counted and nothing else, so it
 * is no edit to set back.
 */
function sealed(shipmentId: string, raw: RawItem, old: RawItem, base: RawItem): boolean {
  const was = countedAsStamp(old);
  if (was === undefined || was.seal !== undefined) return false;
  return sameValue(raw.countedAs, stampOf({ ...(base as unknown as CountedAs), shipmentId }));
}

/**
 * An edit that leaves an accepted shipment invalid (a `value`, `priority` or
 * `requestedAt` out of the contract): the fields the problems name are set
 * back to their old values, so the shipment keeps its place and its license
 * can still release it. Problems the edit did not cause are reported as they are.
 */
export function invalidEditRejection(
  shipmentId: string,
  raw: RawItem,
  old: RawItem | undefined,
  problems: readonly string[],
): Rejection {
  const fields = invalidFieldsOf(raw, old, problems);
  if (fields.length === 0) return invalidCountedRejection(shipmentId, raw, problems);
  const back = fields
    .map((f) =>
      old?.[f] === undefined ? `${f} removed (it had none)` : `${f} set back to ${valueOrNothing(old[f])}`,
    )
    .join(', ');
  const statusError = `Rejected edit of ${fields.join(', ')}: ${problems.join('; ')}. ${back}; edit it again with a valid value.`;
  return {
    shipmentId,
    statusError,
    current: raw,
    alert: {
      severity: 'normal',
      subject: `Shipment ${shipmentId}: edit of ${fields.join(', ')} rejected`,
      message: `Shipment ${shipmentId} (license ${valueOrNothing(raw.licenseId)}) was edited (${fields.map((f) => `${f} ${valueOrNothing(old?.[f])} → ${valueOrNothing(raw[f])}`).join(', ')}). ${statusError} No counter moved.`,
      subjectKey: { shipmentId },
    },
    write: {
      shipmentId,
      set: {
        ...Object.fromEntries(fields.flatMap((f) => (old?.[f] === undefined ? [] : [[f, old[f]]]))),
        statusError,
      },
      remove: fields.filter((f) => old?.[f] === undefined),
      bumpRevision: false,
      // A status edited since fails the write and its record is judged next: the write-back's own stream
      // record is never judged, so a status it carried over would stay neither applied nor rejected.
      expect: { ...Object.fromEntries(fields.map((f) => [f, raw[f] ?? null])), status: raw.status ?? null },
    },
  };
}

/** The fields `problems` name whose value in `raw` differs from `old`'s: what an edit left invalid. */
export function invalidFieldsOf(
  raw: RawItem,
  old: RawItem | undefined,
  problems: readonly string[],
): string[] {
  if (old === undefined) return [];
  const named = (f: string) => problems.some((p) => p.startsWith(`${f} `) || p.startsWith(`${f}:`));
  return Object.keys({ ...old, ...raw }).filter(
    (f) => f !== 'statusError' && JSON.stringify(old[f]) !== JSON.stringify(raw[f]) && named(f),
  );
}

/** A counted shipment found invalid, not by the edit at hand: reported, nothing to set back. */
function invalidCountedRejection(shipmentId: string, raw: RawItem, problems: readonly string[]): Rejection {
  const statusError = `Rejected: ${problems.join('; ')}. No license pass releases or re-holds this shipment until this is fixed in the console.`;
  return {
    shipmentId,
    statusError,
    current: raw,
    alert: {
      severity: 'normal',
      subject: `Shipment ${shipmentId}: invalid item rejected`,
      message: `Shipment ${shipmentId} (license ${valueOrNothing(raw.licenseId)}, counted as ${valueOrNothing(raw.countedStatus)}) is invalid: ${problems.join('; ')}. ${statusError}`,
      subjectKey: { shipmentId },
    },
    write: {
      shipmentId,
      set: { statusError },
      bumpRevision: false,
      expect: { countedStatus: raw.countedStatus },
    },
  };
}

/** A new shipment that cannot be accepted as it is: it stays uncounted, with `statusError`. */
export function invalidRejection(shipmentId: string, raw: RawItem, problems: readonly string[]): Rejection {
  const statusError = `Rejected: ${problems.join('; ')}. The shipment is not counted or released until this is fixed.`;
  return {
    shipmentId,
    statusError,
    current: raw,
    alert: {
      severity: 'normal',
      subject: `Shipment ${shipmentId}: invalid item rejected`,
      message: `Shipment ${shipmentId} cannot be accepted: ${problems.join('; ')}. Fix the item in the console; the system picks it up on the next edit.`,
      subjectKey: { shipmentId },
    },
    write: { shipmentId, set: { statusError }, bumpRevision: false, expect: { countedStatus: null } },
  };
}

/**
 * The image of each shipment with the highest `revision` among the images
 * of a batch the system committed (the later one on a tie): what the system
 * last committed, as far as the batch shows. A latest record behind it is an
 * overwrite ({@link overwriteRejection}). Taken from every such image, not
 * from the records' order, so that a batch that also holds an older record
 * again (a redelivery) never makes a newer one look like an old copy. An
 * admin's save is no such image: it keeps the `revision` it found, so on a
 * tie it would pass for what the system committed, and a put set back to it
 * would leave the save (a cancellation, a warehouse move) on the item,
 * unjudged. So an image counts when it is the new image of a system write
 * (`systemWrote`: a commit, a rejection's write-back), or an old image that
 * is not the new image of the save recorded just before it.
 */
export function committedImages<R extends { shipmentId: string; oldImage?: RawItem; newImage?: RawItem }>(
  records: readonly R[],
  systemWrote: (r: R) => boolean,
): Map<string, RawItem> {
  const revision = (image: RawItem | undefined) =>
    typeof image?.revision === 'number' ? image.revision : undefined;
  const best = new Map<string, RawItem>();
  const previous = new Map<string, R>();
  for (const r of records) {
    const prior = previous.get(r.shipmentId);
    previous.set(r.shipmentId, r);
    const saved = prior !== undefined && !systemWrote(prior) && sameValue(prior.newImage, r.oldImage);
    const images = [...(saved ? [] : [r.oldImage]), ...(systemWrote(r) ? [r.newImage] : [])];
    for (const image of images) {
      const v = revision(image);
      // A copy of another shipment carries the other's revision: nothing the system committed to this one.
      if (image === undefined || v === undefined || copiedFrom(image) !== undefined) continue;
      if (v >= (revision(best.get(r.shipmentId)) ?? 0)) best.set(r.shipmentId, image);
    }
  }
  return best;
}

/**
 * The marks of what the system committed: a write that changes either
 * without raising `revision` is not the system's.
 */
const COMMITTED_MARKS = ['countedStatus', 'revision'] as const;

/**
 * Whether `raw` replaces counted shipment `old` (the item as the system last
 * committed it) as a whole item whose `countedStatus` or `revision` is not
 * `old`'s, or as a copy of another shipment: the overwrite
 * {@link overwriteRejection} sets back.
 */
export function overwrites(raw: RawItem, old: RawItem | undefined): boolean {
  if (old === undefined || asShipmentStatus(old.countedStatus) === undefined) return false;
  return copiedFrom(raw) !== undefined || COMMITTED_MARKS.some((f) => raw[f] !== old[f]);
}

/** The attributes a set-back leaves as they are: the key, the rejection's own, and who wrote last. */
const OWN = new Set(['shipmentId', 'statusError', 'changedBy', REJECTED_EDIT]);

/**
 * A counted shipment replaced by a whole item whose `countedStatus` or
 * `revision` is not what the system committed (`old`, the item as the system
 * last left it; none, or not counted: nothing to judge): a PutItem without them (an import run again, a
 * BatchWriteItem resent after a timeout) or with older ones (an old copy
 * saved). Taken as it is, the copy would be counted again, as new or from a
 * state it has left. Every attribute is set back from `old`, and the
 * attributes `old` did not have are removed: the put is refused whole, and
 * the alert says what it tried. Undefined when both marks are as committed:
 * a whole-item put of the current item is judged as the edit it is.
 *
 * `saved`: what the put overwrote, judged on its own (shipment-overwrite-saves.ts):
 * the saves made after `old` and before the put in the same batch, or an
 * edit `old` shows that the system has not applied. The item is set back to
 * `saved.item` (`old` with those edits, less what was rejected of them), and
 * `saved.note` says what became of them.
 */
export function overwriteRejection(
  shipmentId: string,
  raw: RawItem,
  old: RawItem | undefined,
  saved?: { item: RawItem; note: string },
): Rejection | undefined {
  if (old === undefined || !overwrites(raw, old)) return undefined;
  // A copy of another shipment (its holdOrder names that one) put over this one is never its own, marks or not.
  const copy = copiedFrom(raw) !== undefined ? [GSI_ATTR.holdOrder] : [];
  const changed: string[] = [...COMMITTED_MARKS.filter((f) => raw[f] !== old[f]), ...copy];
  const target = saved?.item ?? old;
  const marks = changed.map((f) => `${f} ${valueOrNothing(old[f])} → ${valueOrNothing(raw[f])}`).join(', ');
  const statusError = `Rejected: the item was replaced by a whole item whose system attributes are not the ones the system committed (${marks}), as a PutItem of an import run again or of an old copy does. It was set back to the shipment as last committed (${valueOrNothing(old.countedStatus)}); nothing was counted twice. To change it, edit that attribute (status, value) instead of putting the whole item.${saved ? ` ${saved.note}` : ''}`;
  const tried = Object.keys(raw)
    .filter((f) => !OWN.has(f) && !changed.includes(f))
    .filter((f) => JSON.stringify(raw[f]) !== JSON.stringify(target[f]))
    .map((f) => `${f} ${valueOrNothing(target[f])} → ${valueOrNothing(raw[f])}`);
  return {
    shipmentId,
    statusError,
    current: raw,
    alert: {
      severity: 'normal',
      subject: `Shipment ${shipmentId}: overwritten item set back`,
      message: [
        `Shipment ${shipmentId} (license ${valueOrNothing(old.licenseId)}, warehouse ${valueOrNothing(old.warehouseId)}, counted as ${valueOrNothing(old.countedStatus)}) was replaced by a whole item: ${marks}.`,
        tried.length > 0
          ? `It also changed ${tried.join(', ')}; make those edits again.`
          : 'Its other fields were as committed.',
        statusError,
        saved ? 'The put itself moved no counter.' : 'No counter moved.',
      ].join('\n'),
      subjectKey: { shipmentId },
    },
    write: {
      shipmentId,
      set: { ...Object.fromEntries(Object.entries(target).filter(([f]) => !OWN.has(f))), statusError },
      remove: Object.keys(raw).filter((f) => !OWN.has(f) && target[f] === undefined),
      bumpRevision: false,
      // Still the copy: a system write since (it raises revision) or another write-back wins.
      expect: { countedStatus: raw.countedStatus ?? null, revision: raw.revision ?? null },
    },
  };
}
