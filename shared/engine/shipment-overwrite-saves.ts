/**
 * A whole-item put of an old copy that reaches shipment-events in the same
 * batch as saves made before it: logistics cancels a RELEASED shipment, and
 * seconds later someone saves an old copy of it over the cancellation. The
 * put is refused whole ({@link overwriteRejection}), and the saves it
 * overwrote are judged on their own, as if the system had looked before the
 * put (as any save of its own is when a later save of the batch is
 * rejected, shipment-saves.ts): the item is set back to the last image the
 * system committed with those saves on it, less what of them is rejected,
 * in one write-back, and one alert and one History entry say both. A legal
 * status edit among them (the cancellation) is then applied by the commit
 * phase, as it would have been; a field the item may not change (a
 * warehouse, customer or license move) goes back with the put. Set back to
 * the committed image alone, the cancellation would be lost; set back to
 * the last save as it stood, it would stay on the item unjudged, since a
 * write-back is never judged again (status CANCELLED, counted RELEASED).
 */
import { sameValue, valueOrNothing } from '../domain/model.js';
import type { RawItem, ShipmentRecord, ShipmentWrite } from '../domain/ports.js';
import {
  isWriteBack,
  overwriteRejection,
  overwrites,
  REJECTED_EDIT,
  type Rejection,
} from './shipment-rejections.js';

/**
 * The record of the last save made between the image the system last
 * committed (`committed`) and a put that overwrote it, among one
 * shipment's records (`item`, in stream order): the saves right after that
 * image whose new images keep its marks, up to the first that does not (the
 * put). Undefined when there is none, or when a deletion, an insert or a
 * system write comes first.
 */
function savedBeforePut(
  item: readonly ShipmentRecord[],
  committed: RawItem,
  systemWrote: (r: ShipmentRecord) => boolean,
): ShipmentRecord | undefined {
  let start = -1;
  item.forEach((r, i) => {
    if (r.newImage === committed) start = i + 1;
    else if (r.oldImage === committed) start = i;
  });
  if (start < 0) return undefined;
  let saved: ShipmentRecord | undefined;
  for (const r of item.slice(start)) {
    if (systemWrote(r) || r.oldImage === undefined || r.newImage === undefined) return undefined;
    if (overwrites(r.newImage, committed)) return saved;
    saved = r;
  }
  return undefined;
}

/**
 * For each shipment whose latest record in `records` overwrites the image
 * the system last committed (`committed`), the record of the last save made
 * before the put, if the batch holds one ({@link savedBeforePut}): it is
 * judged on its own, and earlier saves are judged as changed again before it.
 */
export function savesBeforePuts(
  records: readonly ShipmentRecord[],
  latest: ReadonlyMap<string, ShipmentRecord>,
  committed: ReadonlyMap<string, RawItem>,
  systemWrote: (r: ShipmentRecord) => boolean,
): Map<string, ShipmentRecord> {
  const found = new Map<string, ShipmentRecord>();
  for (const [id, last] of latest) {
    const image = committed.get(id);
    if (image === undefined || last.newImage === undefined || isWriteBack(last)) continue;
    if (!overwrites(last.newImage, image)) continue;
    const item = records.filter((r) => r.shipmentId === id);
    const saved = savedBeforePut(item, image, systemWrote);
    if (saved) found.set(id, saved);
  }
  return found;
}

/**
 * The rejection of put `record` (`raw`) that overwrote the image the system
 * last committed (`overwrite`, judged against `batch.committed`), with what
 * it overwrote judged on its own by `judge` (the engine's classify phase, as
 * for a latest record, against the committed image and with the saves up to
 * it): the last save made before the put in the batch
 * (`batch.beforePut`), or else the committed image itself, which may show
 * an edit nothing applied yet (a cancellation whose commit the put beat).
 * See {@link overwriteOverSaves}.
 */
export function judgeOverwritten(
  record: ShipmentRecord,
  raw: RawItem,
  overwrite: Rejection,
  batch: {
    committed: ReadonlyMap<string, RawItem>;
    beforePut: ReadonlyMap<string, ShipmentRecord>;
    saves: ReadonlyMap<string, readonly ShipmentRecord[]>;
  },
  judge: (judged: ShipmentRecord, committed: RawItem, saves: ShipmentRecord[]) => Rejection[],
): Rejection[] {
  const id = record.shipmentId;
  const committed = batch.committed.get(id);
  if (committed === undefined) return [overwrite];
  const saved = batch.beforePut.get(id);
  const saves = batch.saves.get(id) ?? [];
  const rejections = saved
    ? judge(saved, committed, saves.slice(0, saves.indexOf(saved) + 1))
    : judge({ ...record, oldImage: committed, newImage: committed }, committed, []);
  return overwriteOverSaves(id, raw, committed, saved?.newImage, rejections);
}

/** The attributes a description of the saves leaves out: the key and the system's own. */
const UNSAID = new Set(['shipmentId', 'statusError', 'changedBy', REJECTED_EDIT]);

/** What the saves made to `committed` to leave `saved`: `status RELEASED → CANCELLED`, …. */
function changesOf(committed: RawItem, saved: RawItem): string {
  const changed = Object.keys({ ...committed, ...saved })
    .filter((f) => !UNSAID.has(f) && !sameValue(committed[f], saved[f]))
    .map((f) => `${f} ${valueOrNothing(committed[f])} → ${valueOrNothing(saved[f])}`);
  return changed.length > 0 ? changed.join(', ') : 'nothing';
}

/** `item` with `write`'s attributes set and removed. */
function written(item: RawItem, write: ShipmentWrite): RawItem {
  const next: RawItem = { ...item, ...write.set };
  for (const f of write.remove ?? []) delete next[f];
  return next;
}

/**
 * What became of what the put overwrote, judged on its own (`judged`: its
 * rejection, if any): the saves made before the put that left `saved`, or,
 * none, `committed` itself when it shows an edit not applied. Undefined when
 * there is nothing to say: `committed` as the system left it.
 */
function noteOn(
  committed: RawItem,
  saved: RawItem | undefined,
  own: Rejection | undefined,
): string | undefined {
  if (saved !== undefined) {
    const made = `The saves made before the put, which the system had not judged yet (${changesOf(committed, saved)}), were judged on their own, as if it had looked before the put`;
    return own
      ? `${made}: ${own.statusError}`
      : `${made}: they were kept (a status edit among them is applied as it would have been).`;
  }
  const made = 'The item as last committed showed an edit the system had not applied yet, judged on its own';
  if (own) return `${made}: ${own.statusError}`;
  if (committed.status === committed.countedStatus) return undefined;
  return `${made} (status ${valueOrNothing(committed.countedStatus)} → ${valueOrNothing(committed.status)}): it is applied as it would have been.`;
}

/**
 * The rejection of the put `raw` over `committed` (the image the system last
 * committed), with what it overwrote judged on its own (`judged`: the
 * rejections of that, none when it was kept): the saves made before the put
 * in the same batch, which left `saved`, or else `committed` itself. The
 * put is set back to `saved` (or `committed`), less what the rejection sets
 * back, in one write-back; its `statusError` and alert say what became of
 * the saves (the rejection's own reason in full, and its alert, HIGH
 * SEVERITY kept). A rejection that writes nothing back is returned on its own.
 */
function overwriteOverSaves(
  shipmentId: string,
  raw: RawItem,
  committed: RawItem,
  saved: RawItem | undefined,
  judged: readonly Rejection[],
): Rejection[] {
  const own = judged.find((r) => r.write !== undefined);
  const others = judged.filter((r) => r !== own);
  const note = noteOn(committed, saved, own);
  const base = saved ?? committed;
  const item = own?.write ? written(base, own.write) : base;
  const put = overwriteRejection(shipmentId, raw, committed, note === undefined ? undefined : { item, note });
  if (put === undefined) return [...judged];
  if (own === undefined) return [put, ...others];
  const high = own.alert.severity === 'high';
  const merged: Rejection = {
    ...put,
    alert: {
      ...put.alert,
      severity: high ? 'high' : put.alert.severity,
      subject: high ? own.alert.subject : put.alert.subject,
      message: `${put.alert.message}\nWhat it overwrote, as judged on its own:\n${own.alert.message}`,
    },
  };
  return [merged, ...others];
}
