/**
 * A console save of a shipment the system rejects is set back whole: the
 * fields that move something ({@link SAVED_WITH_FIELDS}: `value`,
 * `priority`, `requestedAt`) typed in the same save go back with the fields
 * and status it rejected, in the same write-back, so that the pass the
 * write-back asks for cannot release (or reorder) the shipment on half of
 * the save. The same principle as a license edit's terms
 * (shared/domain/terms.ts, judgeAmendment): an edit is applied whole or not
 * at all.
 */
import { ShipmentSchema, sameValue, valueOrNothing } from '../domain/model.js';
import type { RawItem } from '../domain/ports.js';
import { SAVED_WITH_FIELDS } from '../domain/shipment-rules.js';
import type { Rejection } from './shipment-rejections.js';

/** One console save of a shipment: a stream record of an edit (not of a system write), its two images. */
export interface SaveRecord {
  oldImage?: RawItem;
  newImage?: RawItem;
}

/**
 * The saves a rejection answers: the shipment's saves in the batch, in
 * stream order, and `before`, the item as the system last left it.
 */
export interface Saves {
  saves: readonly SaveRecord[];
  before: RawItem | undefined;
}

/** What a rejected save also changed that moves something ({@link SAVED_WITH_FIELDS}), set back with it. */
interface SavedWith {
  /** Names each field and what it was set back to: said in `statusError` and the alert. */
  note: string;
  set: RawItem;
  remove: string[];
  /** Each field as typed: the write-back is conditional on it, so an edit made since is judged on its own. */
  expect: RawItem;
}

const validFor = (f: (typeof SAVED_WITH_FIELDS)[number], v: unknown) =>
  ShipmentSchema.shape[f].safeParse(v).success;

const changedIn = (s: SaveRecord, f: string) =>
  s.oldImage !== undefined && s.newImage !== undefined && !sameValue(s.newImage[f], s.oldImage[f]);

/**
 * Where each field of {@link SAVED_WITH_FIELDS} that the rejection does not
 * set back already (`handled`) goes back to: a save that changed any field
 * the rejection sets back (`handled`: a fixed field, the status) is rejected
 * whole, so a field whose last changes were made in rejected saves goes back
 * to what it was before the first of them (or, were that out of the
 * contract, to `before`). A field last changed in a save the rejection does
 * not touch keeps that save: another save of the batch is judged on its
 * own, as if the system had looked in between (a legal priority edit stays
 * when the next save is rejected). Undefined when there is none.
 */
export function savedWith(raw: RawItem, at: Saves, handled: ReadonlySet<string>): SavedWith | undefined {
  const rejected = (s: SaveRecord) => [...handled].some((f) => f !== 'statusError' && changedIn(s, f));
  const back = SAVED_WITH_FIELDS.filter((f) => !handled.has(f)).flatMap((f) => {
    const changers = at.saves.filter((s) => changedIn(s, f));
    let first = changers.length;
    while (first > 0 && rejected(changers[first - 1] as SaveRecord)) first--;
    const was = changers[first]?.oldImage;
    if (was === undefined || sameValue(was[f], raw[f])) return [];
    const from = [was, at.before].find((image) => image !== undefined && validFor(f, image[f]));
    return from === undefined ? [] : [{ f, to: from[f] }];
  });
  if (back.length === 0) return undefined;
  const fields = back.map((b) => b.f);
  const items = back.map(({ f, to }) =>
    to === undefined
      ? `${f} ${valueOrNothing(raw[f])} removed (it had none)`
      : `${f} set back from ${valueOrNothing(raw[f])} to ${valueOrNothing(to)}`,
  );
  const one = fields.length === 1;
  // Its own `Rejected edit of` part: an alert gives it as it stands (alertGivesReason, I5).
  const note = `Rejected edit of ${fields.join(', ')}, saved with the rejected edit (a rejected save is set back whole): ${items.join(', ')}; make ${one ? 'it' : 'them'} again on ${one ? 'its' : 'their'} own if still wanted.`;
  return {
    note,
    set: Object.fromEntries(back.flatMap(({ f, to }) => (to === undefined ? [] : [[f, to]]))),
    remove: back.filter((b) => b.to === undefined).map((b) => b.f),
    expect: Object.fromEntries(fields.map((f) => [f, raw[f] ?? null])),
  };
}

/**
 * `r`, the rejection of fields of counted shipment `raw` (a status with
 * them), with the value, priority or requestedAt saved with the rejected
 * edit set back too (see savedWith), in the same write-back, on the
 * condition that each still holds what was typed: a `value` typed to clear
 * SHIPMENT_VALUE_MISSING beside a rejected cancellation would otherwise have
 * the pass the write-back asks for release the shipment the admin was
 * cancelling. `statusError` and the alert name them. A rejection that sets
 * nothing back (the item found invalid, not the edit) is left as it is.
 */
export function withWholeSave(r: Rejection, raw: RawItem, saves: Saves): Rejection {
  const write = r.write;
  if (write === undefined) return r;
  const handled = new Set([...Object.keys(write.set), ...(write.remove ?? [])]);
  if (![...handled].some((f) => f !== 'statusError')) return r;
  const also = savedWith(raw, saves, handled);
  if (also === undefined) return r;
  const statusError = `${r.statusError} ${also.note}`;
  return {
    ...r,
    statusError,
    alert: { ...r.alert, message: `${r.alert.message}\n${also.note}` },
    write: {
      ...write,
      set: { ...write.set, ...also.set, statusError },
      ...(also.remove.length > 0 || write.remove
        ? { remove: [...(write.remove ?? []), ...also.remove] }
        : {}),
      expect: { ...also.expect, ...write.expect },
    },
  };
}

/**
 * Each shipment's saves in `records`, in stream order: its records but the
 * system's own writes (`systemWrote`: a commit, a rejection's write-back).
 */
export function savesOf<R extends SaveRecord & { shipmentId: string }>(
  records: readonly R[],
  systemWrote: (r: R) => boolean,
): Map<string, R[]> {
  const saves = new Map<string, R[]>();
  for (const r of records)
    if (!systemWrote(r)) saves.set(r.shipmentId, [...(saves.get(r.shipmentId) ?? []), r]);
  return saves;
}
