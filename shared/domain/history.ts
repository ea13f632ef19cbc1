/**
 * The History table's entries (docs/data-contract.md, "History"): one per
 * committed change of a license's applied status or terms, per committed
 * shipment change (each `revision`), and per rejected edit. Entries are
 * written once and never changed; their keys are deterministic, so a
 * redelivered or retried write finds its entry already there.
 */
import { createHash } from 'node:crypto';
import { type HoldReason, ID_PATTERN, type LicenseStatus, type ShipmentStatus, showValue } from './model.js';
import type { ShipmentChange, ShipmentEventType } from './notifications.js';
import type { RawItem } from './ports.js';

/** License events on the record (the status applied, or an amendment). */
export type LicenseEventType =
  | 'LICENSE_APPROVED'
  | 'LICENSE_DENIED'
  | 'LICENSE_SUSPENDED'
  | 'LICENSE_REVOKED'
  | 'LICENSE_EXPIRED'
  | 'LICENSE_AMENDED'
  /** PENDING applied (a new license, or one set back to PENDING): on the record too. */
  | 'LICENSE_PENDING';

export type HistoryEventType = LicenseEventType | 'EDIT_REJECTED' | ShipmentEventType;

/** Who set off a system decision: the license event and the person behind it. */
export interface Trigger {
  eventType: LicenseEventType;
  actor: string;
  reason?: string;
}

/** One History item. */
export interface HistoryEntry {
  licenseId: string;
  /** `<at>#<what>`: sorts in time order within a license; unique and deterministic for the change. */
  entryId: string;
  at: string;
  eventType: HistoryEventType;
  /** Who decided: the edit's `updatedBy`, `clearance` for the system's own decisions, or `unknown`. */
  actor: string;
  /** The edit's `statusReason`, or why an edit was rejected. */
  reason?: string;
  /** For the system's own decisions: the license event (and who made it) that set them off. */
  trigger?: Trigger;
  shipmentId?: string;
  quantity?: number;
  value?: number;
  status?: string;
  previousStatus?: string | null;
  holdReason?: string | null;
  /** What the change drew from the license (+) or returned to it (−); shipment entries only. */
  drawn?: { quantity: number; value: number };
  /** The terms an amendment changed, `field from → to`; license entries only. */
  changes?: string;
}

/** An entry's key in the History table (its partition and sort key), as one string. */
export const historyKey = (e: Pick<HistoryEntry, 'licenseId' | 'entryId'>): string =>
  `${e.licenseId}\u0000${e.entryId}`;

/** The actor of every decision the system takes by itself (a release after an approval, the clock's expiry). */
export const SYSTEM_DECIDER = 'clearance';
/** The actor of an edit whose author did not set `updatedBy`: the CloudTrail trail says who it was. */
export const UNKNOWN_ACTOR = 'unknown';
/** `updatedBy` values that are the system itself (the clock writes the expiry it decides). */
const SYSTEM_ACTORS = new Set([SYSTEM_DECIDER, 'license-clock']);

/** The actor a History entry names for an edit by `updatedBy`. */
export function actorOf(updatedBy: unknown): string {
  if (typeof updatedBy !== 'string' || updatedBy.trim() === '') return UNKNOWN_ACTOR;
  return SYSTEM_ACTORS.has(updatedBy) ? SYSTEM_DECIDER : updatedBy.slice(0, MAX_TEXT);
}

/** The longest admin text kept (the contract's limit for `updatedBy` and `statusReason`): an item over it is rejected, and its entry must still fit. */
const MAX_TEXT = 1000;
const text = (v: unknown): string | undefined =>
  typeof v === 'string' && v !== '' ? v.slice(0, MAX_TEXT) : undefined;
/** A rejected value as an entry shows it: cut like an alert shows it (a 300 KB status must not fill the item). */
const rejectedValue = (v: unknown): { status?: string } =>
  v === undefined ? {} : { status: showValue(v, 200) };

/** The license event type of an applied status. */
export function licenseEventOf(status: LicenseStatus): LicenseEventType {
  return `LICENSE_${status}` as LicenseEventType;
}

/**
 * What the license keeps of its last committed decision (`lastDecision`, a
 * system attribute): who and why, and the `updatedBy` and `statusReason` it
 * was read from. The next decision names its actor only if the edit behind
 * it set them anew; an edit that did not is `unknown`, never the previous
 * editor. The system never changes `updatedBy` or `statusReason`.
 */
export interface LastDecision {
  eventType: LicenseEventType;
  actor: string;
  reason?: string;
  at: string;
  updatedBy?: string;
  statusReason?: string;
}

/**
 * The `updatedBy` and `statusReason` an entry last named (`attributed`, a
 * system attribute written with every license entry, decision or rejection,
 * with that entry's `at` so the map is never empty): an edit is attributed to
 * them only if it set them anew.
 */
export interface Attributed {
  updatedBy?: string;
  statusReason?: string;
}

/**
 * What the write committing a decision adds, in every LicenseRepository: it
 * keeps `lastDecision` and `attributed`, counts the decision in
 * `appliedChanges`, and requires `updatedBy` and `statusReason` (and the
 * record's own `expect`) to be what the decision read.
 */
export function decisionUpdate(record: {
  lastDecision: LastDecision;
  set?: Record<string, unknown>;
  expect?: Record<string, unknown>;
}): {
  set: Record<string, unknown>;
  add: Record<string, number>;
  expect: Record<string, unknown>;
} {
  const { lastDecision } = record;
  return {
    set: {
      ...record.set,
      lastDecision,
      attributed: { at: lastDecision.at, ...attributedOf({ ...lastDecision }) },
    },
    add: { appliedChanges: 1 },
    // The attribution as read; a caller that read values the entry cannot keep as they are (a number, an
    // empty or overlong text) says what it read in `record.expect`.
    expect: {
      updatedBy: lastDecision.updatedBy ?? null,
      statusReason: lastDecision.statusReason ?? null,
      ...record.expect,
    },
  };
}

/** The `updatedBy` and `statusReason` of `raw`, as an entry attributes them. */
export function attributedOf(raw: RawItem): Attributed {
  const updatedBy = text(raw.updatedBy);
  const statusReason = text(raw.statusReason);
  return { ...(updatedBy ? { updatedBy } : {}), ...(statusReason ? { statusReason } : {}) };
}

/** What the license's entries last attributed: `attributed`, else (older items) the last decision's. */
export function lastAttributed(raw: RawItem): Attributed | undefined {
  const a = raw.attributed;
  if (typeof a === 'object' && a !== null) return attributedOf(a as RawItem);
  const last = readLastDecision(raw.lastDecision);
  return last === undefined ? undefined : attributedOf({ ...last });
}

/** The decision of a license edit read as `raw`: its author if it set `updatedBy` or `statusReason` anew. */
export function licenseDecision(raw: RawItem, eventType: LicenseEventType, at: string): LastDecision {
  const last = lastAttributed(raw);
  const updatedBy = text(raw.updatedBy);
  const statusReason = text(raw.statusReason);
  const fresh = updatedBy !== last?.updatedBy || statusReason !== last?.statusReason;
  const actor = fresh ? actorOf(updatedBy) : UNKNOWN_ACTOR;
  return {
    eventType,
    actor,
    ...(fresh && statusReason ? { reason: statusReason } : {}),
    at,
    ...(updatedBy ? { updatedBy } : {}),
    ...(statusReason ? { statusReason } : {}),
  };
}

/** The `lastDecision` of a license item, if it is one. */
export function readLastDecision(v: unknown): LastDecision | undefined {
  const d = readDecision(v);
  if (!d || typeof v !== 'object' || v === null) return undefined;
  const r = v as Record<string, unknown>;
  const eventType = text(r.eventType);
  const at = text(r.at);
  if (!eventType?.startsWith('LICENSE_') || !at) return undefined;
  const updatedBy = text(r.updatedBy);
  const statusReason = text(r.statusReason);
  return {
    eventType: eventType as LicenseEventType,
    actor: d.actor,
    ...(d.reason ? { reason: d.reason } : {}),
    at,
    ...(updatedBy ? { updatedBy } : {}),
    ...(statusReason ? { statusReason } : {}),
  };
}

/** The license event behind a system decision: the license's last decision. */
export function triggerOf(last: LastDecision | undefined): Trigger | undefined {
  if (!last) return undefined;
  return { eventType: last.eventType, actor: last.actor, ...(last.reason ? { reason: last.reason } : {}) };
}

/**
 * The entry of a committed license decision (a status applied, or an
 * amendment). A decision of the system itself (the clock's expiry) carries the
 * license's previous decision as its trigger.
 */
export function licenseEntry(input: {
  licenseId: string;
  decision: LastDecision;
  /** The license's decision before this one, if any. */
  previous: LastDecision | undefined;
  /** Unique for this decision: the work token it committed to. */
  token: string;
  status: LicenseStatus;
  previousStatus: LicenseStatus | undefined;
  changes?: string;
}): HistoryEntry {
  const { decision } = input;
  const trigger = decision.actor === SYSTEM_DECIDER ? triggerOf(input.previous) : undefined;
  return {
    licenseId: input.licenseId,
    entryId: `${decision.at}#license#${input.token}`,
    at: decision.at,
    eventType: decision.eventType,
    actor: decision.actor,
    ...(decision.reason ? { reason: decision.reason } : {}),
    ...(trigger ? { trigger } : {}),
    status: input.status,
    previousStatus: input.previousStatus ?? null,
    ...(input.changes ? { changes: input.changes } : {}),
  };
}

/** The entry of a rejected license edit: who made it (if the edit said so) and why it was rejected. */
export function licenseRejectionEntry(raw: RawItem, at: string, reason: string, nonce: string): HistoryEntry {
  const editor = licenseDecision(raw, 'LICENSE_AMENDED', at);
  return {
    licenseId: String(raw.licenseId),
    entryId: `${at}#rejected#${nonce}`,
    at,
    eventType: 'EDIT_REJECTED',
    actor: editor.actor,
    reason,
    ...rejectedValue(raw.status),
    previousStatus: typeof raw.appliedStatus === 'string' ? raw.appliedStatus : null,
  };
}

/**
 * Who made a shipment edit: its `updatedBy` and `statusReason` if the edit set
 * them (they differ from the item before it), else `unknown`.
 */
export function shipmentEditDecision(raw: RawItem, old: RawItem | undefined): Decision {
  const updatedBy = text(raw.updatedBy);
  const statusReason = text(raw.statusReason);
  if (old && updatedBy === text(old.updatedBy) && statusReason === text(old.statusReason))
    return { actor: UNKNOWN_ACTOR };
  return { actor: actorOf(updatedBy), ...(statusReason ? { reason: statusReason } : {}) };
}

/**
 * The entry of a rejected shipment edit, keyed by the edit's stream record
 * (`sequence`), so a redelivered record finds it; written before the edit is
 * written back.
 */
export function shipmentRejectionEntry(input: {
  raw: RawItem;
  old: RawItem | undefined;
  at: string;
  reason: string;
  sequence: string;
}): HistoryEntry {
  const { raw, at } = input;
  const shipmentId = String(raw.shipmentId);
  return {
    licenseId: rejectionLicense(raw, input.old),
    entryId: `${at}#${keyPartOf(shipmentId)}#rejected#${input.sequence}`,
    at,
    eventType: 'EDIT_REJECTED',
    ...shipmentEditDecision(raw, input.old),
    // The rejection's reason; the editor's own reason is not kept apart.
    reason: input.reason,
    shipmentId,
    ...rejectedValue(raw.status),
    previousStatus: typeof raw.countedStatus === 'string' ? raw.countedStatus : null,
  };
}

/** The partition of rejected edits of a shipment that names no license (an invalid new item). */
export const NO_LICENSE = '(none)';

/**
 * The license whose history a rejected shipment edit belongs to: the one the
 * shipment is counted under (its `countedAs`, as the system last left it or
 * as the edit shows it, or the `licenseId` it had when counted), not an
 * edited `licenseId`, which the rejection sets back. A new item's own
 * `licenseId` when it is a valid id, else NO_LICENSE: a partition key holds
 * at most 2,048 bytes, and an item may carry a longer, invalid one.
 */
function rejectionLicense(raw: RawItem, old: RawItem | undefined): string {
  const stamped = (item: RawItem | undefined) => {
    const c = item?.countedAs;
    return typeof c === 'object' && c !== null ? (c as Record<string, unknown>).licenseId : undefined;
  };
  const counted = typeof old?.countedStatus === 'string' ? old.licenseId : undefined;
  const licenseId = stamped(old) ?? stamped(raw) ?? counted ?? raw.licenseId;
  return typeof licenseId === 'string' && ID_PATTERN.test(licenseId) ? licenseId : NO_LICENSE;
}

/**
 * A shipment id as a part of a History sort key (at most 1,024 bytes): as it
 * is when it is at most 128 characters (every valid id), else its first 64
 * characters and a hash of the whole, so a new item with an overlong, invalid
 * id still gets its rejection entered. Its `shipmentId` attribute keeps it whole.
 */
function keyPartOf(shipmentId: string): string {
  const chars = Array.from(shipmentId);
  if (chars.length <= 128) return shipmentId;
  const hash = createHash('sha256').update(shipmentId).digest('hex').slice(0, 16);
  return `${chars.slice(0, 64).join('')}~${hash}`;
}

/**
 * What a shipment change draws from its license: a release draws its units
 * and the value it was released at, a re-hold or a cancellation of a
 * released shipment returns them, anything else moves nothing.
 */
export function drawnBy(
  previous: ShipmentStatus | null,
  status: ShipmentStatus,
  quantity: number,
  value: number,
): { quantity: number; value: number } {
  const draws = (s: ShipmentStatus | null) => s === 'RELEASED' || s === 'SHIPPED';
  const sign = Number(draws(status)) - Number(draws(previous));
  return { quantity: sign * quantity, value: sign * value };
}

/**
 * Who decided a change, as the write that commits it stamps it on the item
 * (`decision`, a system attribute): the edit's author and reason for a
 * manual change, or `clearance` and the license event behind it for the
 * system's own decisions. An edit counts its `updatedBy` and `statusReason`
 * only if it set them anew, so an edit without them is `unknown`, never
 * someone else's; the system never changes either attribute.
 */
export interface Decision {
  actor: string;
  reason?: string;
  trigger?: Trigger;
}

/** The system's decision under a license whose last decision is `last` (its release or re-hold passes). */
export function systemDecision(last: unknown): Decision {
  const trigger = triggerOf(readLastDecision(last));
  return { actor: SYSTEM_DECIDER, ...(trigger ? { trigger } : {}) };
}

/** The stamped `decision` of an item, if it is one. */
export function readDecision(v: unknown): Decision | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const d = v as Record<string, unknown>;
  const actor = text(d.actor);
  if (!actor) return undefined;
  const reason = text(d.reason);
  const trigger = readTrigger(d.trigger);
  return { actor, ...(reason ? { reason } : {}), ...(trigger ? { trigger } : {}) };
}

function readTrigger(v: unknown): Trigger | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const t = v as Record<string, unknown>;
  const eventType = text(t.eventType);
  const actor = text(t.actor);
  if (!eventType?.startsWith('LICENSE_') || !actor) return undefined;
  const reason = text(t.reason);
  return { eventType: eventType as LicenseEventType, actor, ...(reason ? { reason } : {}) };
}

/** The value a license drew for a shipment as `image` shows it: `countedValue`, else (older items) `value`. */
const countedValueOf = (image: RawItem | undefined): number | undefined =>
  typeof image?.countedValue === 'number'
    ? image.countedValue
    : typeof image?.value === 'number'
      ? image.value
      : undefined;

/**
 * The entry of a committed shipment change, from its stream record's new
 * image: `changedAt` and `decision` are stamped by the write that made the
 * change. A return (a re-hold) draws back what the license drew, the
 * `countedValue` of the image before it (`old`): the re-hold removes it, and
 * `value` may by then show an edit still to be set back. Deterministic: a
 * redelivered record gives the same entry.
 */
export function shipmentEntry(
  change: ShipmentChange,
  image: RawItem,
  fallbackAt: string,
  old?: RawItem,
): HistoryEntry {
  const at = text(image.changedAt) ?? fallbackAt;
  const decision = readDecision(image.decision) ?? { actor: UNKNOWN_ACTOR };
  const value = typeof image.value === 'number' ? image.value : undefined;
  const returned = typeof image.countedValue !== 'number' ? countedValueOf(old) : undefined;
  const drawnValue = returned ?? countedValueOf(image) ?? 0;
  return {
    licenseId: change.licenseId,
    entryId: `${at}#${change.shipmentId}#r${String(change.revision).padStart(6, '0')}`,
    at,
    eventType: change.eventType,
    ...decision,
    shipmentId: change.shipmentId,
    quantity: change.quantity,
    ...(value === undefined ? {} : { value }),
    status: change.status,
    previousStatus: change.previousStatus,
    holdReason: change.holdReason as HoldReason | null,
    drawn: drawnBy(change.previousStatus, change.status, change.quantity, drawnValue),
  };
}
