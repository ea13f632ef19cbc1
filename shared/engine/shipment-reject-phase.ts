import type { HistoryEntry } from '../domain/history.js';
import { type ShipmentStatus, sameValue, valueOrNothing } from '../domain/model.js';
import type {
  Alerter,
  HistoryRepository,
  OpsAlert,
  RawItem,
  ShipmentRepository,
  ShipmentWrite,
} from '../domain/ports.js';
import { asShipmentStatus } from '../domain/shipment-rules.js';
import { REJECTED_EDIT, type Rejection, sequenceAtOrAfter } from './shipment-rejections.js';

/**
 * The reject phase. Each rejection is alerted, and entered in History once:
 * - One with nothing to write back (a deleted item, an edit changed again
 *   before the system judged it, an item refused as counted before) is
 *   alerted, then entered, keyed by its stream record: a crash in between
 *   repeats the alert rather than losing it.
 * - Every other one writes its `statusError` (and restores the status or
 *   fields it reverts) in one transaction with its History entry, so it is
 *   entered at the time it was written back. The write-back answers the edit
 *   of stream record `sequenceOf(r)` (its `rejectedEdit`), on the condition
 *   that the item still shows the edit and no write-back since; if the item
 *   changed first, that change keeps, and the rejection is entered on its own
 *   (`writtenBack` false). It is alerted once its write-back tells what
 *   happened: its own alert, or one saying that nothing was set back
 *   ({@link unwrittenAlert}). A crash in between loses nothing: the
 *   redelivered record finds its own write-back and alerts as it would have.
 *   A HIGH SEVERITY one (HELD → SHIPPED: goods may have left) is alerted
 *   before its write-back, which may wait on a busy History key, and again
 *   if that write-back sets nothing back, saying so.
 * A redelivered edit is alerted again; its write-back is not repeated.
 * Returns which licenses got shipments set back to HELD or RELEASED, with
 * those statuses: their passes may have skipped them.
 */
export async function rejectEdits(
  deps: { alerter: Alerter; shipments: ShipmentRepository; history: HistoryRepository },
  rejections: readonly Rejection[],
  entryOf: (r: Rejection, writtenBack: boolean) => HistoryEntry,
  sequenceOf: (r: Rejection) => string,
): Promise<Map<string, Set<ShipmentStatus>>> {
  const urgent = (r: Rejection) => !r.write || r.alert.severity === 'high';
  const first = rejections.filter(urgent);
  if (first.length > 0) await deps.alerter.alert(first.map((r) => r.alert));
  const unwritten = rejections.filter((r) => !r.write);
  if (unwritten.length > 0) await deps.history.append(unwritten.map((r) => entryOf(r, false)));
  const restored = new Map<string, Set<ShipmentStatus>>();
  const alerts: OpsAlert[] = [];
  for (const r of rejections) {
    if (!r.write) continue;
    const alert = await writeBack(deps, r, r.write, entryOf, sequenceOf(r));
    if (!urgent(r) || alert !== r.alert) alerts.push(alert);
    // An overwritten item's restore sets countedStatus back: the item was out of its index meanwhile.
    const counted = asShipmentStatus(r.write.set.countedStatus ?? r.current.countedStatus);
    const licenseId = String(r.write.set.licenseId ?? r.current.licenseId);
    if (counted === 'HELD' || counted === 'RELEASED')
      restored.set(licenseId, (restored.get(licenseId) ?? new Set()).add(counted));
  }
  if (alerts.length > 0) await deps.alerter.alert(alerts);
  return restored;
}

/**
 * Writes rejection `r` back with its History entry, and returns the alert that
 * says what became of it. "Condition failed" comes back when this very write
 * was done and its response lost (the SDK resends it), or a crashed attempt
 * already did it: its entry is there, and so is its `rejectedEdit`. Or when a
 * change was committed since: the item still shows the edit, and that change's
 * record is judged with it. Or when the edit is gone (the admin set it back,
 * or edited again, before the write-back; an overwrite taken in or put back
 * meanwhile): it was still made and is alerted, so it is entered on its own,
 * keyed by its record (once, however often the record comes).
 */
async function writeBack(
  deps: { shipments: ShipmentRepository; history: HistoryRepository },
  r: Rejection,
  rejected: ShipmentWrite,
  entryOf: (r: Rejection, writtenBack: boolean) => HistoryEntry,
  sequence: string,
): Promise<OpsAlert> {
  const write: ShipmentWrite = {
    ...rejected,
    set: { ...rejected.set, [REJECTED_EDIT]: sequence },
    expect: { ...rejected.expect, [REJECTED_EDIT]: r.current[REJECTED_EDIT] ?? null },
  };
  if (await deps.shipments.update(write, entryOf(r, true))) return r.alert;
  const item = await deps.shipments.get(r.shipmentId);
  // A write-back of this edit, or of a later one (which came after this edit was judged), is there.
  if (sequenceAtOrAfter(item?.[REJECTED_EDIT], sequence)) return r.alert;
  if (showsEdit(item, rejected.expect)) return unwrittenAlert(r, item, 'pending');
  await deps.history.append([entryOf(r, false)]);
  return unwrittenAlert(r, item, 'gone');
}

/**
 * The alert of a rejection whose write-back failed with nothing set back, in
 * place of its own, which says the item was set back: what the item shows
 * instead, and what comes next. `pending`: a change the system committed
 * since is on the item with the edit, and that change's record is judged
 * with it; `gone`: the item was changed again (or deleted) first, and that
 * change is judged on its own. The reason it was rejected follows (I5).
 */
function unwrittenAlert(r: Rejection, item: RawItem | undefined, why: 'pending' | 'gone'): OpsAlert {
  const now =
    item === undefined
      ? 'the item is deleted'
      : `the item now shows status ${valueOrNothing(item.status)}, countedStatus ${valueOrNothing(item.countedStatus)}, revision ${valueOrNothing(item.revision)}`;
  const next =
    why === 'pending'
      ? `a change the system committed since is on the item with this edit (${now}): the record of that change is judged next, with the item as it is`
      : `the item was changed again before the system could write this back (${now}): that change is judged on its own, and this rejection is entered in History as it is`;
  const subject = r.alert.subject.endsWith(' set back')
    ? `${r.alert.subject.slice(0, -' set back'.length)} NOT set back`
    : `${r.alert.subject}: nothing set back`;
  return {
    ...r.alert,
    subject,
    message: [
      `Nothing was set back: ${next}.`,
      'The rejection as judged (none of the set-back it names was written):',
      r.alert.message,
    ].join('\n'),
  };
}

/**
 * Whether `item` still shows what a write-back expected of the edit: each
 * attribute it named, but the marks of what was counted and written back
 * (`countedStatus`, `revision`, `rejectedEdit`), as the edit left it. A
 * write-back that names nothing but marks (an overwrite's: the put took
 * them) finds its edit in them: an item counted or committed since no
 * longer shows it.
 */
function showsEdit(item: RawItem | undefined, expected: Record<string, unknown>): boolean {
  if (item === undefined) return false;
  const marks = new Set(['countedStatus', 'revision', REJECTED_EDIT]);
  const named = Object.entries(expected).filter(([k]) => !marks.has(k));
  const judged = named.length > 0 ? named : Object.entries(expected).filter(([k]) => k !== REJECTED_EDIT);
  return judged.every(([k, v]) =>
    v === null ? item[k] === undefined || item[k] === null : sameValue(item[k], v),
  );
}
