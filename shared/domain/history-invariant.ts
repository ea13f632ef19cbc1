/**
 * I6 (docs/data-contract.md, "Invariants"): every committed change of a
 * license's applied status or terms, every committed shipment change and
 * every rejected edit has exactly one History entry.
 *
 * What is countable from the tables:
 * - a license's `appliedChanges` (system-kept, one per committed decision or
 *   amendment) equals its `LICENSE_*` entries;
 * - a shipment's `revision` (one per committed change) equals its shipment
 *   entries, one per revision: `r000001` … `r<revision>`, none twice;
 * - no entry names a license or shipment that does not exist, but a shipment
 *   deleted while HELD or CANCELLED whose every change is entered (r1 … rN):
 *   the deletion is no committed change, and it drew nothing (docs/OPERATIONS.md,
 *   "A deleted shipment"; {@link undrawnDeletions}).
 * Rejected edits leave no counter behind; each has its own key (the edit's
 * stream record, or the transaction that wrote the rejection back), so it
 * cannot be doubled, and the chaos suite checks that each alerted rejection
 * has one.
 *
 * Scanned while the system works, the items are read before History
 * (`clearance reconcile`), so History can hold entries of changes committed
 * after their item was read: a license entry later than the item's last
 * decision as read (a decision and its entry commit together, with the same
 * `at`; any entry, for a license read before its first), a shipment entry beyond the revision read, the entries of an item
 * created after the scan passed its key. {@link toReadAgain} names those
 * items; read again after History (`readAgain`), an item that has caught up
 * with such entries shows they were committed after the scan, and they are
 * left to the next check. One that has not (an older copy of the item put
 * back, a deleted item) is reported as before.
 */
import { readLastDecision } from './history.js';
import type { Violation } from './invariants.js';
import { copiedFrom } from './planning.js';
import type { RawItem } from './ports.js';

const revisionOf = (entryId: string): number | undefined => {
  const m = /#r(\d{6,})$/.exec(entryId);
  return m ? Number(m[1]) : undefined;
};

interface Scanned {
  licenses: readonly RawItem[];
  shipments: readonly RawItem[];
  entries: readonly RawItem[];
}

/** The license and shipment entries of `entries`, per item: license entries' `at`, shipment entries' revision. */
function entriesByItem(entries: readonly RawItem[]) {
  const licenses = new Map<string, (string | undefined)[]>();
  const shipments = new Map<string, number[]>();
  for (const e of entries) {
    const type = String(e.eventType);
    if (type.startsWith('LICENSE_') && e.shipmentId === undefined) {
      const id = String(e.licenseId);
      licenses.set(id, [...(licenses.get(id) ?? []), typeof e.at === 'string' ? e.at : undefined]);
    } else if (type !== 'EDIT_REJECTED' && typeof e.shipmentId === 'string') {
      shipments.set(e.shipmentId, [
        ...(shipments.get(e.shipmentId) ?? []),
        revisionOf(String(e.entryId)) ?? Number.NaN,
      ]);
    }
  }
  return { licenses, shipments };
}

const decisionAt = (l: RawItem | undefined): string | undefined => readLastDecision(l?.lastDecision)?.at;
/**
 * The point after which a license's entries were committed after it was read:
 * its last decision as read, or, read before its first decision (no
 * `lastDecision`, no `appliedChanges`), the start (every entry with `at`).
 */
const readPoint = (l: RawItem): string | undefined =>
  decisionAt(l) ?? (l.lastDecision === undefined && !l.appliedChanges ? '' : undefined);
/** A shipment's revision as read; none for a copy of another (`copiedFrom`): it committed nothing, its revision is the original's. */
const revisionRead = (s: RawItem | undefined): number =>
  typeof s?.revision === 'number' && copiedFrom(s) === undefined ? s.revision : 0;
/** Entries of a license later than its last decision as read (an entry without `at` is never later). */
const laterThan = (ats: readonly (string | undefined)[], read: string | undefined): string[] =>
  ats.filter((at): at is string => at !== undefined && read !== undefined && at > read);

/**
 * The items to read again after History before judging I6 on a live system:
 * licenses with entries later than their last decision as read, shipments
 * with entries beyond their revision as read, and items the entries name
 * that the scan did not see.
 */
export function toReadAgain(input: Scanned): { licenses: string[]; shipments: string[] } {
  const byItem = entriesByItem(input.entries);
  const licenses = new Set(byItem.licenses.keys());
  const shipments = new Set(byItem.shipments.keys());
  for (const l of input.licenses) {
    const id = String(l.licenseId);
    if (laterThan(byItem.licenses.get(id) ?? [], readPoint(l)).length === 0) licenses.delete(id);
  }
  for (const s of input.shipments) {
    const id = String(s.shipmentId);
    if (!(byItem.shipments.get(id) ?? []).some((r) => r > revisionRead(s))) shipments.delete(id);
  }
  return { licenses: [...licenses], shipments: [...shipments] };
}

export function checkHistory(
  input: Scanned & {
    /** The items of toReadAgain as read after History (absent: not there). Without it every entry is judged. */
    readAgain?: { licenses: ReadonlyMap<string, RawItem>; shipments: ReadonlyMap<string, RawItem> };
  },
): Violation[] {
  const violations: Violation[] = [];
  const byItem = entriesByItem(input.entries);
  const again = input.readAgain;
  const licenseEntries = new Map([...byItem.licenses].map(([id, ats]) => [id, ats.length]));
  const revisions = byItem.shipments;
  // Items the scan did not see but the read after History found: created meanwhile.
  const scannedLicenses = new Set(input.licenses.map((l) => String(l.licenseId)));
  const scannedShipments = new Set(input.shipments.map((s) => String(s.shipmentId)));
  for (const id of again?.licenses.keys() ?? []) if (!scannedLicenses.has(id)) licenseEntries.delete(id);
  for (const id of again?.shipments.keys() ?? []) if (!scannedShipments.has(id)) revisions.delete(id);
  for (const l of input.licenses) {
    const id = String(l.licenseId);
    const expected = typeof l.appliedChanges === 'number' ? l.appliedChanges : 0;
    const ats = byItem.licenses.get(id) ?? [];
    const later = laterThan(ats, readPoint(l));
    // Committed after the read if the license, read again, has made those decisions by now.
    const decidedNow = decisionAt(again?.licenses.get(id));
    const caughtUp = decidedNow !== undefined && later.length > 0 && later.every((at) => at <= decidedNow);
    const found = ats.length - (caughtUp ? later.length : 0);
    licenseEntries.delete(id);
    if (found !== expected)
      violations.push({
        invariant: 'I6',
        key: { licenseId: id },
        message: `${expected} committed decisions and amendments (appliedChanges) but ${found} license entries in History`,
      });
  }
  for (const [licenseId, n] of licenseEntries)
    violations.push({
      invariant: 'I6',
      key: { licenseId },
      message: `${n} license entries in History for a license that is not in the Licenses table`,
    });
  for (const s of input.shipments) {
    const id = String(s.shipmentId);
    const revision = revisionRead(s);
    // Beyond the revision read: committed after the read if the shipment, read again, has reached them.
    const now = revisionRead(again?.shipments.get(id));
    const found = (revisions.get(id) ?? []).filter((r) => !(r > revision && r <= now)).sort((a, b) => a - b);
    revisions.delete(id);
    const expected = Array.from({ length: revision }, (_, i) => i + 1);
    if (found.join() === expected.join()) continue;
    const missing = expected.filter((r) => !found.includes(r));
    const doubled = found.filter((r, i) => found.indexOf(r) !== i);
    const extra = found.filter((r) => !(r >= 1 && r <= revision));
    violations.push({
      invariant: 'I6',
      key: { shipmentId: id },
      message: [
        `revision ${revision} but ${found.length} shipment entries in History`,
        missing.length ? `missing revisions ${missing.join(', ')}` : '',
        doubled.length ? `revisions entered twice ${doubled.join(', ')}` : '',
        extra.length ? `entries beyond its revision ${extra.join(', ')}` : '',
      ]
        .filter(Boolean)
        .join('; '),
    });
  }
  const byShipment = new Map<string, RawItem[]>();
  for (const e of input.entries)
    if (typeof e.shipmentId === 'string' && e.eventType !== 'EDIT_REJECTED')
      byShipment.set(e.shipmentId, [...(byShipment.get(e.shipmentId) ?? []), e]);
  // The rejected edits of the shipments the table has not (one pass over History, not one per shipment).
  const rejectedOf = new Map<string, RawItem[]>();
  for (const e of input.entries)
    if (typeof e.shipmentId === 'string' && e.eventType === 'EDIT_REJECTED' && revisions.has(e.shipmentId))
      rejectedOf.set(e.shipmentId, [...(rejectedOf.get(e.shipmentId) ?? []), e]);
  for (const [shipmentId, list] of revisions) {
    const message = missingShipmentProblem(
      list,
      byShipment.get(shipmentId) ?? [],
      rejectedOf.get(shipmentId) ?? [],
    );
    if (message) violations.push({ invariant: 'I6', key: { shipmentId }, message });
  }
  violations.push(...rejectionViolations(input), ...licenseStatusViolations(input));
  violations.push(
    ...input.shipments.flatMap((s) =>
      shipmentContentViolations(s, byShipment.get(String(s.shipmentId)) ?? []),
    ),
  );
  return violations;
}

/** The statuses a deleted shipment leaves nothing drawn in (docs/OPERATIONS.md, "A deleted shipment"). */
const UNDRAWN = new Set(['HELD', 'CANCELLED']);

/** Revisions `r1` … `rN`, each once: every committed change of the shipment has its entry. */
const wholeHistory = (revisions: readonly number[]): boolean =>
  [...revisions].sort((a, b) => a - b).every((r, i) => r === i + 1);

/**
 * What I6 makes of the entries of a shipment the Shipments table has not:
 * nothing for one deleted while HELD or CANCELLED with every change entered
 * (the deletion is no committed change, and the runbook leaves nothing to do
 * but --fix's `held` counter: {@link undrawnDeletions} notes it); for one
 * deleted while RELEASED or SHIPPED, the put-back it waits for; else entries
 * no item accounts for.
 */
function missingShipmentProblem(
  revisions: readonly number[],
  entries: readonly RawItem[],
  rejections: readonly RawItem[],
): string | undefined {
  const last = entries.reduce<RawItem | undefined>(
    (a, e) =>
      a === undefined || (revisionOf(String(e.entryId)) ?? 0) > (revisionOf(String(a.entryId)) ?? 0) ? e : a,
    undefined,
  );
  const status = typeof last?.status === 'string' ? last.status : undefined;
  // The deletion's own entry (the latest rejection, after the last change) says what it was counted as
  // when deleted: a status the last entry does not show is a committed change History lacks.
  const deletion = [...rejections]
    .filter((e) => String(e.at) >= String(last?.at ?? ''))
    .sort((a, b) => String(a.entryId).localeCompare(String(b.entryId)))
    .at(-1);
  const countedWhenDeleted = typeof deletion?.previousStatus === 'string' ? deletion.previousStatus : status;
  const whole = wholeHistory(revisions) && countedWhenDeleted === status;
  if (whole && status !== undefined && UNDRAWN.has(status)) return undefined;
  const base = `${revisions.length} shipment entries in History for a shipment that is not in the Shipments table`;
  if (!whole || (status !== 'RELEASED' && status !== 'SHIPPED')) return base;
  return `${base}, deleted while ${status} (History r${String(revisions.length).padStart(6, '0')}): every change of it is entered, and its draw waits for the item to be put back (docs/OPERATIONS.md, "A deleted shipment")`;
}

/**
 * The deleted shipments that leave a person nothing to do: deleted while
 * HELD or CANCELLED, every change entered (no I6 violation of theirs among
 * `violations`). A note, not a violation: HELD drew nothing (`--fix` lowers
 * Inventory's `held`), CANCELLED counted nothing.
 */
export function undrawnDeletions(
  deleted: readonly DeletedShipment[],
  violations: readonly Violation[],
): DeletedShipment[] {
  const reported = new Set(violations.flatMap((v) => (v.invariant === 'I6' ? [v.key.shipmentId] : [])));
  return deleted.filter((d) => UNDRAWN.has(d.status) && !reported.has(d.shipmentId));
}

/**
 * Every edit still rejected on an item (`statusError`) has its EDIT_REJECTED
 * entry: written before (or with) the write-back that set `statusError`, so
 * it is in History whenever the item read shows it.
 */
function rejectionViolations(input: Scanned): Violation[] {
  const rejected = input.entries.filter((e) => e.eventType === 'EDIT_REJECTED');
  const licenses = new Set(rejected.filter((e) => e.shipmentId === undefined).map((e) => e.licenseId));
  const shipments = new Set(rejected.map((e) => e.shipmentId));
  const missing = (what: string) => `${what} has statusError but no EDIT_REJECTED entry in History`;
  return [
    ...input.licenses
      .filter((l) => l.statusError !== undefined && !licenses.has(l.licenseId))
      .map(
        (l): Violation => ({
          invariant: 'I6',
          key: { licenseId: String(l.licenseId) },
          message: missing('license'),
        }),
      ),
    ...input.shipments
      // A console copy carries its original's statusError until it is taken in: the entry is the original's.
      .filter(
        (s) => s.statusError !== undefined && !shipments.has(s.shipmentId) && copiedFrom(s) === undefined,
      )
      .map(
        (s): Violation => ({
          invariant: 'I6',
          key: { shipmentId: String(s.shipmentId) },
          message: missing('shipment'),
        }),
      ),
  ];
}

/**
 * A license's applied status has its entry: the latest status entry (an
 * entry of a decision, not LICENSE_AMENDED) up to its last decision as read
 * is `LICENSE_<appliedStatus>`. Later entries were committed after the read.
 * Decisions committed in the same millisecond do not tell their order: one
 * of the latest is enough.
 */
function licenseStatusViolations(input: Scanned): Violation[] {
  const decisions = new Map<string, RawItem[]>();
  for (const e of input.entries) {
    const type = String(e.eventType);
    if (!type.startsWith('LICENSE_') || type === 'LICENSE_AMENDED' || e.shipmentId !== undefined) continue;
    const id = String(e.licenseId);
    decisions.set(id, [...(decisions.get(id) ?? []), e]);
  }
  const violations: Violation[] = [];
  for (const l of input.licenses) {
    if (typeof l.appliedStatus !== 'string') continue;
    // Applied before decisions were kept (no lastDecision, no appliedChanges): it has no entry to judge.
    if (l.lastDecision === undefined && !l.appliedChanges) continue;
    const read = readPoint(l);
    const mine = (decisions.get(String(l.licenseId)) ?? []).filter(
      (e) => read === undefined || (typeof e.at === 'string' && e.at <= read),
    );
    const latestAt = mine
      .map((e) => String(e.at))
      .sort()
      .at(-1);
    const latest = mine.filter((e) => String(e.at) === latestAt).map((e) => String(e.eventType));
    const expected = `LICENSE_${l.appliedStatus}`;
    if (!latest.includes(expected))
      violations.push({
        invariant: 'I6',
        key: { licenseId: String(l.licenseId) },
        message: `applied status ${l.appliedStatus} but the latest status entry in History is ${latest.join(' or ') || 'none'}, not ${expected}`,
      });
  }
  return violations;
}

/**
 * A shipment's entries up to its revision as read tell its committed
 * changes: the entry of that revision has its `countedStatus`, each entry's
 * `previousStatus` is the status of the revision before, and none releases a
 * RELEASED shipment again (released twice for one approval). A revision
 * entered twice is reported by the count already and judged by neither.
 * `mine`: the shipment's entries, rejections aside.
 */
function shipmentContentViolations(s: RawItem, mine: readonly RawItem[]): Violation[] {
  const revision = revisionRead(s);
  if (revision === 0) return [];
  const id = String(s.shipmentId);
  const at = (r: number): RawItem | undefined => {
    const found = mine.filter((e) => revisionOf(String(e.entryId)) === r);
    return found.length === 1 ? found[0] : undefined;
  };
  const problems: string[] = [];
  const last = at(revision);
  if (last && last.status !== s.countedStatus)
    problems.push(
      `revision ${revision} is entered as ${String(last.status)} but countedStatus is ${String(s.countedStatus)}`,
    );
  for (let r = 1; r <= revision; r++) {
    const e = at(r);
    const before = r > 1 ? at(r - 1) : undefined;
    // An entry read without previousStatus (a projection that leaves it out) tells nothing here.
    if (e && before && e.previousStatus !== undefined && e.previousStatus !== before.status)
      problems.push(
        `revision ${r} is entered as from ${String(e.previousStatus)} but revision ${r - 1} left it ${String(before.status)}`,
      );
    if (e?.previousStatus === 'RELEASED' && e.status === 'RELEASED')
      problems.push(`revision ${r} releases it again while RELEASED`);
  }
  return problems.map((message) => ({ invariant: 'I6', key: { shipmentId: id }, message }));
}

/** A shipment History has entries of but the Shipments table has not: deleted (or never put back). */
export interface DeletedShipment {
  shipmentId: string;
  /** The license its entries are under: the one it was counted under. */
  licenseId: string;
  /** Its last committed entry: the status and revision it was left at. */
  status: string;
  revision: number;
  /** What it drew from the license and never gave back: the sum of its entries' `drawn`. */
  drawn: { quantity: number; value: number };
}

const drawnOf = (e: RawItem): { quantity: number; value: number } | undefined => {
  const d = e.drawn as Record<string, unknown> | undefined;
  if (typeof d !== 'object' || d === null) return undefined;
  const n = (v: unknown) => (typeof v === 'number' ? v : 0);
  return { quantity: n(d.quantity), value: n(d.value) };
};

/**
 * The shipments with committed entries in History that are in neither the
 * scan nor, when given, the read after History (created meanwhile): deleted.
 * Each with its last entry's status and what its entries drew in all
 * (entries written before `drawn` existed: a RELEASED or SHIPPED shipment's
 * last `quantity` and `value`).
 */
export function deletedShipments(
  input: Scanned & { readAgain?: { shipments: ReadonlyMap<string, RawItem> } },
): DeletedShipment[] {
  const there = new Set(input.shipments.map((s) => String(s.shipmentId)));
  for (const id of input.readAgain?.shipments.keys() ?? []) there.add(id);
  const gone = new Map<string, RawItem[]>();
  for (const e of input.entries) {
    const id = e.shipmentId;
    if (typeof id !== 'string' || there.has(id) || String(e.eventType).startsWith('LICENSE_')) continue;
    if (e.eventType === 'EDIT_REJECTED' || revisionOf(String(e.entryId)) === undefined) continue;
    gone.set(id, [...(gone.get(id) ?? []), e]);
  }
  return [...gone].map(([shipmentId, entries]) => {
    const rev = (e: RawItem) => revisionOf(String(e.entryId)) ?? 0;
    const last = entries.reduce((a, b) => (rev(b) > rev(a) ? b : a));
    const status = String(last.status);
    const draws = entries.flatMap((e) => drawnOf(e) ?? []);
    const counted = status === 'RELEASED' || status === 'SHIPPED';
    const drawn =
      draws.length > 0
        ? draws.reduce((a, b) => ({ quantity: a.quantity + b.quantity, value: a.value + b.value }))
        : {
            quantity: counted && typeof last.quantity === 'number' ? last.quantity : 0,
            value: counted && typeof last.value === 'number' ? last.value : 0,
          };
    return { shipmentId, licenseId: String(last.licenseId), status, revision: rev(last), drawn };
  });
}
