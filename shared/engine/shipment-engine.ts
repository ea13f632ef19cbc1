import { HistoryAppendError } from '../domain/errors.js';
import {
  type HistoryEntry,
  historyKey,
  shipmentEditDecision,
  shipmentEntry,
  shipmentRejectionEntry,
} from '../domain/history.js';
import { parseItem, type Shipment, ShipmentSchema, type ShipmentStatus, sameValue } from '../domain/model.js';
import { detectChange, type ShipmentChange } from '../domain/notifications.js';
import { holdOrderKey } from '../domain/planning.js';
import type {
  Alerter,
  HistoryRepository,
  InventoryRepository,
  LicenseRepository,
  Publisher,
  RawItem,
  ShipmentRecord,
  ShipmentRepository,
  ShipmentWrite,
} from '../domain/ports.js';
import { asShipmentStatus, judgeShipmentStatus } from '../domain/shipment-rules.js';
import { GSI_ATTR } from '../names.js';
import { takeInCopies } from './shipment-copies.js';
import { deletionAlert } from './shipment-deletion.js';
import { fieldsRejection, withStatusEdit } from './shipment-field-edits.js';
import { commitGiveBacks } from './shipment-give-back.js';
import { intakeShipments, manualWrite } from './shipment-intake.js';
import { notify, type RecordedChange } from './shipment-notify.js';
import { judgeOverwritten, savesBeforePuts } from './shipment-overwrite-saves.js';
import * as putBacks from './shipment-put-back.js';
import { rejectEdits } from './shipment-reject-phase.js';
import {
  committedImages,
  invalidRejection,
  isWriteBack,
  overwriteRejection,
  REJECTED_EDIT,
  type Rejection,
  sequenceAtOrAfter,
  statusRejection,
} from './shipment-rejections.js';
import { savesOf, withWholeSave } from './shipment-saves.js';
import { countedBefore, countedBeforeRejection } from './shipment-traces.js';

export type { ShipmentRecord };

/** A stream record as the in-memory stacks keep it (the test fakes, the AWS model): the item's key, its images. */
export interface KeyedStreamRecord {
  sequence: string;
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  key: string;
  oldImage?: RawItem;
  newImage?: RawItem;
  at: string;
}

/** A Shipments stream record of an in-memory stack as the engine takes it. */
export function shipmentRecordOf(e: KeyedStreamRecord): ShipmentRecord {
  return {
    sequence: e.sequence,
    eventName: e.eventName,
    shipmentId: e.key,
    ...(e.oldImage ? { oldImage: e.oldImage } : {}),
    ...(e.newImage ? { newImage: e.newImage } : {}),
    at: e.at,
  };
}

/** What the shipment engine needs. */
export interface ShipmentEngineDeps {
  shipments: ShipmentRepository;
  licenses: LicenseRepository;
  inventory: InventoryRepository;
  alerter: Alerter;
  publisher: Publisher;
  history: HistoryRepository;
  newToken: () => string;
  /** When a rejected edit is written back (its History entry's `at`). */
  now: () => Date;
}

/** What one batch did, for logs and metrics. */
export interface ShipmentBatchResult {
  /** Sequence numbers whose notifications could not be sent. */
  failed: string[];
  accepted: number;
  manual: number;
  rejected: number;
  /** Rejections flagged high severity (HELD → SHIPPED, deletions), and put-backs with an edited stamp. */
  rejectedHigh: number;
  notified: { customer: number; logistics: number };
  changes: ShipmentChange[];
}

/** What the classify phase found in a batch: the latest record of each shipment, sorted by what it needs. */
interface Classified {
  /** New HELD shipments to accept. */
  intake: Shipment[];
  /** Legal manual edits (SHIPPED, CANCELLED) to apply to counters and licenses. */
  manual: ShipmentWrite[];
  /** Licenses that got units back from a RELEASED → CANCELLED edit: they get a release request. */
  freed: Set<string>;
  /** HELD or RELEASED shipments whose priority or requestedAt changed: their `holdOrder` is rewritten. */
  restamps: ShipmentWrite[];
  /** Licenses of HELD shipments whose `value` was set or corrected: an APPROVED one gets a release request. */
  revalued: Set<string>;
  /** Shipments whose `value` an edit in the batch changed (see classify). */
  valueEdited: ReadonlySet<string>;
  /** Each shipment's saves in the batch, in stream order: a rejected one is set back whole (shipment-saves.ts). */
  saves: Map<string, ShipmentRecord[]>;
  rejections: Rejection[];
  /** The latest record of each shipment: rejections are entered in History under it. */
  latest: Map<string, ShipmentRecord>;
  /** The earlier record a rejection answers, where it is not the latest (see supersededEdits). */
  rejectedRecord: Map<Rejection, ShipmentRecord>;
  /** Each shipment as the system last left it, which its latest record is judged against. */
  before: Map<string, RawItem | undefined>;
  /** Each shipment as it was before the batch's first record of it. */
  earliest: Map<string, RawItem | undefined>;
  /** Each shipment's image the system committed with the highest revision in the batch: a latest record behind it is an overwrite. */
  committed: Map<string, RawItem>;
  /** The last save made before a put that overwrote the committed image, judged on its own (shipment-overwrite-saves.ts). */
  beforePut: Map<string, ShipmentRecord>;
  /** Counted shipments put back after a deletion (an INSERT with `countedStatus`): see shipment-put-back.ts. */
  putBack: putBacks.PutBacks;
  /** Latest records of items not counted that are not INSERTs: judged once History is asked (shipment-traces.ts). */
  uncounted: ShipmentRecord[];
}

/**
 * Handles a batch of Shipments stream records: accepts new HELD shipments into
 * the counters, applies legal manual edits (SHIPPED, CANCELLED) to counters and
 * licenses in one transaction, rejects illegal ones (status restored,
 * `statusError`, ops alert), asks APPROVED licenses to release new shipments,
 * and publishes every committed change. Writes act on the latest image per
 * shipment and are conditional, so redelivery changes nothing twice.
 *
 * Phases, in order: copies ({@link takeInCopies}), classify (an edit of an
 * item not counted waits for History: {@link judgeUncounted}), intake,
 * reject, commit, follow-ups, notify. The History entries of changes are shipment-history's
 * ({@link recordShipmentHistory}); rejected edits' entries are written here,
 * with their write-back.
 */
export async function processShipmentRecords(
  deps: ShipmentEngineDeps,
  records: readonly ShipmentRecord[],
): Promise<ShipmentBatchResult> {
  const batch = classify(await takeInCopies(deps, records));
  await judgeUncounted(deps, batch);
  const intake = await intakeShipments(deps, batch.intake);
  const alerts = [...batch.putBack.alerts, ...intake.alerts];
  if (alerts.length > 0) await deps.alerter.alert(alerts);
  const rejections = [...batch.rejections, ...intake.rejections];
  const recordOf = (r: Rejection) => batch.rejectedRecord.get(r) ?? batch.latest.get(r.shipmentId);
  const restored = await rejectEdits(
    deps,
    rejections,
    (r, writtenBack) =>
      rejectionEntry(recordOf(r), batch.before.get(r.shipmentId), r, deps.now().toISOString(), writtenBack),
    (r) => recordOf(r)?.sequence ?? 'unknown',
  );
  await commit(deps, [...intake.accepted, ...batch.manual]);
  await followUps(deps, {
    restored,
    putBack: batch.putBack.licenses,
    recheck: new Set([...intake.recheck, ...batch.revalued]),
    release: new Set([...batch.freed, ...intake.release]),
    restamps: batch.restamps,
  });
  // Their History entries are shipment-history's ({@link recordShipmentHistory}): no message waits on History.
  const notified = await notify(deps, detectChanges(records));
  return {
    failed: notified.failed,
    accepted: intake.accepted.length,
    manual: batch.manual.length,
    rejected: rejections.length,
    rejectedHigh: rejections.filter((r) => r.alert.severity === 'high').length + batch.putBack.alerts.length,
    notified: notified.counts,
    changes: notified.changes,
  };
}

/**
 * The classify phase: judges the latest record of each shipment (intake,
 * manual edit, rejection, restamp) against the item as the system last left
 * it: the image before the batch's first record of the shipment, or after
 * the last one the system wrote. An admin who edits a field twice between
 * two batches is set back to what was counted, not to the first edit.
 */
function classify(records: readonly ShipmentRecord[]): Classified {
  const latest = new Map<string, ShipmentRecord>();
  const before = new Map<string, RawItem | undefined>();
  const earliest = new Map<string, RawItem | undefined>();
  // Shipments whose value an edit of the batch changed, even if a system write came after it: a relabel
  // planned before the edit commits without looking at value (SHIPMENT_VALUE_MISSING over a value now set).
  const valueEdited = new Set<string>();
  for (const r of records) {
    latest.set(r.shipmentId, r);
    if (!earliest.has(r.shipmentId)) earliest.set(r.shipmentId, r.oldImage);
    if (systemWrote(r)) before.set(r.shipmentId, r.newImage);
    else if (!before.has(r.shipmentId)) before.set(r.shipmentId, r.oldImage);
    if (!systemWrote(r) && r.oldImage && r.newImage?.value !== r.oldImage.value)
      valueEdited.add(r.shipmentId);
  }
  const batch: Classified = {
    intake: [],
    manual: [],
    freed: new Set(),
    restamps: [],
    revalued: new Set(),
    valueEdited,
    saves: savesOf(records, systemWrote),
    rejections: [],
    latest,
    rejectedRecord: new Map(),
    before,
    earliest,
    committed: committedImages(records, systemWrote),
    beforePut: new Map(),
    putBack: { licenses: new Set(), alerts: [] },
    uncounted: [],
  };
  batch.beforePut = savesBeforePuts(records, latest, batch.committed, systemWrote);
  supersededEdits(records, batch);
  for (const record of latest.values()) {
    // The system's write-back of a rejected edit answers an edit already judged: judging it again
    // would "reject" the restore itself. A legal priority edit that shared its batch still gets its holdOrder.
    if (!isWriteBack(record)) classifyRecord(record, before.get(record.shipmentId), batch);
    else if (record.newImage) {
      const parsed = parseItem(ShipmentSchema, record.newImage);
      if (parsed.ok) restampIfStale(record.newImage, parsed.value, batch);
    }
  }
  return batch;
}

/**
 * Illegal status edits of counted shipments that a later record of the batch
 * changed again (HELD → SHIPPED, then back to HELD, before the system looked):
 * only the latest record is judged otherwise, so these would go unseen. Each
 * is alerted (HIGH SEVERITY for HELD → SHIPPED: goods may have left) and
 * entered under its own record; nothing is written back. An edit whose
 * status the latest record still shows is that record's to judge, and one
 * a later write-back of the batch answers (its own, or a later edit's) was
 * judged when it was first delivered: a redelivered batch enters nothing twice.
 */
function supersededEdits(records: readonly ShipmentRecord[], batch: Classified): void {
  records.forEach((r, i) => {
    // The last save before a put that overwrote the item is judged like a latest record, and so are those before it.
    const saved = batch.beforePut.get(r.shipmentId);
    const latest = saved && i < records.indexOf(saved) ? saved : batch.latest.get(r.shipmentId);
    if (r === latest || r === saved || !r.newImage || !r.oldImage || systemWrote(r)) return;
    const answered = records
      .slice(i + 1)
      .some(
        (w) =>
          w.shipmentId === r.shipmentId &&
          isWriteBack(w) &&
          sequenceAtOrAfter(w.newImage?.[REJECTED_EDIT], r.sequence),
      );
    if (answered) return;
    const counted = asShipmentStatus(r.newImage.countedStatus);
    const status = r.newImage.status;
    if (!counted || sameValue(status, r.oldImage.status) || sameValue(status, latest?.newImage?.status))
      return;
    const verdict = judgeShipmentStatus(counted, status);
    if (verdict.kind !== 'illegal') return;
    const changedTo = { status: latest?.newImage?.status };
    const rejection = statusRejection(r.shipmentId, r.newImage, counted, verdict, { changedTo });
    batch.rejections.push(rejection);
    batch.rejectedRecord.set(rejection, r);
  });
}

/** A record of a change the system committed (its `revision` went up) or of a rejected edit's write-back. */
function systemWrote(r: ShipmentRecord): boolean {
  const revision = (image?: RawItem) => (typeof image?.revision === 'number' ? image.revision : 0);
  return isWriteBack(r) || (r.newImage !== undefined && revision(r.newImage) > revision(r.oldImage));
}

/**
 * The phase between classify and intake: the items classify left aside (an
 * edit of an item not counted) that History shows counted before are refused
 * while the item, read now, is still not counted; a record of one counted
 * now is older than the count (an edit saved before the intake, judged late)
 * and is dropped (shipment-traces.ts). The others are judged as classify
 * judges any record.
 */
async function judgeUncounted(deps: ShipmentEngineDeps, batch: Classified): Promise<void> {
  const traced = await countedBefore(deps, batch.uncounted);
  for (const record of batch.uncounted) {
    const trace = traced.get(record.shipmentId);
    if (!trace) classifyRecord(record, batch.before.get(record.shipmentId), batch, true);
    else if (!trace.stale) batch.rejections.push(countedBeforeRejection(record, trace.last));
  }
}

function classifyRecord(
  record: ShipmentRecord,
  old: RawItem | undefined,
  batch: Classified,
  traced = false,
): void {
  const raw = record.newImage;
  if (!raw) {
    const counted = asShipmentStatus(record.oldImage?.countedStatus);
    if (counted) batch.rejections.push(deletionAlert(record.shipmentId, record.oldImage ?? {}, counted));
    return;
  }
  const overwrite = overwriteRejection(record.shipmentId, raw, batch.committed.get(record.shipmentId));
  if (overwrite) return void batch.rejections.push(...overwritten(record, raw, overwrite, batch));
  const counted = asShipmentStatus(raw.countedStatus);
  // An edit of an item not counted (no INSERT) may be a put over a counted one whose record this batch lacks.
  if (!counted && record.oldImage && !traced) return void batch.uncounted.push(record);
  // A counted shipment's fields are judged apart from its status, and an edit of both is answered once, for both.
  const fields = counted
    ? fieldsRejection(record.shipmentId, raw, counted, old, batch.earliest.get(record.shipmentId))
    : undefined;
  // A rejected save is set back whole: what moves something saved with it too, or a pass would move it on half.
  const saves = { saves: batch.saves.get(record.shipmentId) ?? [], before: old };
  if (fields && counted)
    return void batch.rejections.push(withWholeSave(withStatusEdit(fields, raw, counted), raw, saves));
  const verdict = putBacks.judgeStatusEdit(record.shipmentId, raw, counted);
  if (verdict.kind === 'illegal') {
    batch.rejections.push(statusRejection(record.shipmentId, raw, counted, verdict, { saves }));
    return void putBacks.alertRejectedPutBack(record, raw, counted, batch.putBack);
  }
  const parsed = parseItem(ShipmentSchema, raw);
  if (!parsed.ok) {
    // Only a new shipment gets here: a counted one's fields were judged above, and its status is legal.
    batch.rejections.push(invalidRejection(record.shipmentId, raw, parsed.problems));
    return;
  }
  const shipment = parsed.value;
  if (verdict.kind === 'accept') batch.intake.push(shipment);
  else if (verdict.kind === 'legal') {
    batch.manual.push({
      ...manualWrite(shipment, verdict.from, verdict.to),
      decision: shipmentEditDecision(raw, old),
    });
    if (verdict.from === 'RELEASED' && verdict.to === 'CANCELLED') batch.freed.add(shipment.licenseId);
  } else {
    if (!record.oldImage) putBacks.takePutBack(record.shipmentId, raw, shipment, batch.putBack);
    restampIfStale(raw, shipment, batch);
    if (counted === 'HELD' && old && (old.value !== raw.value || batch.valueEdited.has(shipment.shipmentId)))
      batch.revalued.add(shipment.licenseId);
  }
}

/**
 * The rejection of put `record` (`raw`) that overwrote the image the system
 * last committed (`overwrite`), with what it overwrote judged on its own as
 * the latest record would be (shipment-overwrite-saves.ts): what that moves
 * (a cancellation to commit) goes into `batch`.
 */
function overwritten(
  record: ShipmentRecord,
  raw: RawItem,
  overwrite: Rejection,
  batch: Classified,
): Rejection[] {
  return judgeOverwritten(record, raw, overwrite, batch, (judged, committed, saves) => {
    const view: Classified = { ...batch, rejections: [], saves: new Map([[record.shipmentId, saves]]) };
    classifyRecord(judged, committed, view);
    return view.rejections;
  });
}

/**
 * The commit phase: accepted shipments and manual edits, with their counter
 * deltas, in transactions; the cancellations that give units back to a
 * license, only to one the system applied (shipment-give-back.ts).
 */
async function commit(deps: ShipmentEngineDeps, writes: readonly ShipmentWrite[]): Promise<void> {
  const others = writes.filter((w) => !w.license);
  if (others.length > 0) await deps.shipments.commit(others);
  const givingBack = writes.filter((w) => w.license);
  if (givingBack.length > 0) await commitGiveBacks(deps, givingBack);
}

/**
 * The follow-ups phase, after the commit: asks licenses for the passes their
 * restored or newly accepted shipments need, and rewrites `holdOrder`s.
 */
async function followUps(
  deps: ShipmentEngineDeps,
  work: {
    restored: ReadonlyMap<string, ReadonlySet<ShipmentStatus>>;
    putBack: ReadonlySet<string>;
    recheck: ReadonlySet<string>;
    release: Set<string>;
    restamps: readonly ShipmentWrite[];
  },
): Promise<void> {
  const { restored, putBack, recheck, release } = work;
  // One read of the licenses as they are now, after the writes above, for two races:
  // - A license pass that ran while a rejected edit was pending skipped the shipment (it did not
  //   look RELEASED or HELD then), so the license's work must see it again (chaos seed 186): to
  //   re-hold or relabel it, or to release it. Only RELEASED under APPROVED needs nothing.
  // - A license approved after the intake's read may have run its release pass before these
  //   shipments were accepted. Read after the commit, its approval is visible, and a release is
  //   asked for: the pass sees the shipment or this read sees the approval, never neither.
  // Both are pinned by test/integration/console-race.test.ts.
  // A shipment put back after a deletion: its license's work since the deletion missed it, whatever it was.
  if (restored.size + putBack.size + recheck.size > 0) {
    const current = await deps.licenses.batchGet([...new Set([...restored.keys(), ...putBack]), ...recheck]);
    const passes = new Set(putBack);
    for (const [licenseId, statuses] of restored) {
      const applied = current.get(licenseId)?.appliedStatus;
      if (applied !== 'APPROVED' || statuses.has('HELD')) passes.add(licenseId);
    }
    for (const licenseId of passes) {
      const applied = current.get(licenseId)?.appliedStatus;
      if (typeof applied === 'string') await deps.licenses.requestPass(licenseId, applied, deps.newToken());
    }
    for (const licenseId of recheck) {
      const l = current.get(licenseId);
      if (l?.status === 'APPROVED' && l.appliedStatus === 'APPROVED') release.add(licenseId);
    }
  }
  for (const write of work.restamps) await deps.shipments.update(write);
  for (const licenseId of release) await deps.licenses.requestRelease(licenseId, deps.newToken());
}

/**
 * A HELD or RELEASED shipment (`raw`, parsed as `s`) whose `holdOrder` no
 * longer matches its priority and requestedAt gets it rewritten: the held
 * index releases in that order, and the released index re-holds in reverse
 * of it when a limit is lowered ("last in hold order first").
 */
function restampIfStale(raw: RawItem, s: Shipment, batch: Classified): void {
  const counted = s.countedStatus;
  if ((counted === 'HELD' || counted === 'RELEASED') && raw[GSI_ATTR.holdOrder] !== holdOrderKey(s))
    batch.restamps.push(restampWrite(s, counted));
}

function restampWrite(s: Shipment, counted: 'HELD' | 'RELEASED'): ShipmentWrite {
  return {
    shipmentId: s.shipmentId,
    set: { [GSI_ATTR.holdOrder]: holdOrderKey(s) },
    bumpRevision: false,
    expect: { countedStatus: counted, priority: s.priority, requestedAt: s.requestedAt },
  };
}

/**
 * shipment-history's work: appends the History entry of every committed
 * shipment change in `records`, one each, in stream order (the Shipments
 * stream's second consumer, beside shipment-events, which notifies). An
 * entry's `entryId` and content follow from its record, so a batch read again
 * writes the same entries.
 *
 * When the append writes only some entries (HistoryAppendError), `failed`
 * holds the stream sequence of each record whose entry is not written, and
 * `reason` says why: the stream checkpoints the records before the first of
 * them and reads the rest again. When even the first entry is unwritten,
 * nothing moved on, so it throws, as it does on any other error: the whole
 * batch is read again (and split, as the mapping is set), and the invocation
 * counts as an error.
 */
export async function recordShipmentHistory(
  deps: { history: HistoryRepository },
  records: readonly ShipmentRecord[],
): Promise<{ appended: number; failed: string[]; reason?: string }> {
  const recorded = detectChanges(records).map(({ change, record }) => ({
    entry: shipmentEntry(change, record.newImage ?? {}, record.at, record.oldImage),
    sequence: record.sequence,
  }));
  const entries = recorded.map((r) => r.entry);
  try {
    await deps.history.append(entries);
    return { appended: entries.length, failed: [] };
  } catch (error) {
    if (!(error instanceof HistoryAppendError)) throw error;
    const unwritten = new Set(error.unwritten.map(historyKey));
    const first = recorded[0];
    if (first === undefined || unwritten.has(historyKey(first.entry))) throw error;
    const failed = recorded.filter((r) => unwritten.has(historyKey(r.entry))).map((r) => r.sequence);
    return { appended: entries.length - failed.length, failed, reason: error.message };
  }
}

function detectChanges(records: readonly ShipmentRecord[]): RecordedChange[] {
  return records.flatMap((record) => {
    if (putBacks.nothingToTell(record)) return [];
    const change = detectChange(record.oldImage, record.newImage, record.at);
    return change ? [{ change, record }] : [];
  });
}

/** Said in the entry of a rejection the item changed again before the system could write it back. */
const CHANGED_FIRST =
  'The item was changed again before the system wrote this back; that change was judged on its own.';

/**
 * The History entry of a rejected edit, keyed by the stream record that
 * carried it: entered when it is written back (`now`), or, when nothing was
 * written back (a deleted item, or one changed again first), at the record's
 * time, so that a redelivered record finds it.
 */
function rejectionEntry(
  record: ShipmentRecord | undefined,
  before: RawItem | undefined,
  r: Rejection,
  now: string,
  writtenBack: boolean,
): HistoryEntry {
  const raw = record?.newImage ?? record?.oldImage ?? r.current;
  return shipmentRejectionEntry({
    raw: { ...raw, shipmentId: r.shipmentId },
    old: record?.newImage ? before : undefined,
    at: writtenBack ? now : (record?.at ?? now),
    reason: r.write && !writtenBack ? `${r.statusError} ${CHANGED_FIRST}` : r.statusError,
    sequence: record?.sequence ?? 'unknown',
  });
}
