import { actorOf, SYSTEM_DECIDER } from './history.js';
import type { HoldReason, License, LicenseStatus } from './model.js';
import { LICENSE_STATUSES, showValue } from './model.js';
import type { RawItem } from './ports.js';
import { appliedCopyEdits, appliedTermsOf, termsSettled } from './terms.js';

/** What the system does to a license's shipments once a status is applied. */
export type LicenseWork = 'release' | 'rehold' | 'none';

/** Statuses a license may be inserted with. Inserting as APPROVED counts as an approval. */
export const INITIAL_LICENSE_STATUSES: readonly LicenseStatus[] = ['PENDING', 'APPROVED', 'DENIED'];

/** Legal transitions, judged from `appliedStatus` to `status` (docs/data-contract.md). */
export const LICENSE_TRANSITIONS: Readonly<Record<LicenseStatus, readonly LicenseStatus[]>> = {
  PENDING: ['APPROVED', 'DENIED'],
  APPROVED: ['SUSPENDED', 'REVOKED', 'EXPIRED'],
  SUSPENDED: ['APPROVED', 'REVOKED', 'EXPIRED'],
  DENIED: [],
  REVOKED: [],
  EXPIRED: [],
};

/** The verdict on a license's `status` relative to what the system last applied. */
export type LicenseVerdict =
  | { kind: 'unchanged'; status: LicenseStatus }
  | { kind: 'legal'; from: LicenseStatus | undefined; to: LicenseStatus; work: LicenseWork }
  | { kind: 'illegal'; from: LicenseStatus | undefined; to: string; reason: string };

const isLicenseStatus = (value: unknown): value is LicenseStatus =>
  typeof value === 'string' && (LICENSE_STATUSES as readonly string[]).includes(value);

/**
 * Judges a `status` against `appliedStatus`. Judging from `appliedStatus`, not
 * the stream's old image, means a fixed typo or a redelivered event cannot
 * confuse the system.
 */
export function judgeLicenseStatus(applied: LicenseStatus | undefined, status: unknown): LicenseVerdict {
  const shown = showValue(status);
  if (!isLicenseStatus(status)) {
    const hint = isLicenseStatus(typeof status === 'string' ? status.trim().toUpperCase() : undefined)
      ? ` Did you mean ${String(status).trim().toUpperCase()}?`
      : '';
    return {
      kind: 'illegal',
      from: applied,
      to: shown,
      reason: `status "${shown}" is not a license status; use one of ${LICENSE_STATUSES.join(', ')}.${hint}`,
    };
  }
  if (applied === status) return { kind: 'unchanged', status };
  const allowed = applied === undefined ? INITIAL_LICENSE_STATUSES : LICENSE_TRANSITIONS[applied];
  if (allowed.includes(status)) return { kind: 'legal', from: applied, to: status, work: workFor(status) };
  const reason =
    applied === undefined
      ? `a new license must start as ${INITIAL_LICENSE_STATUSES.join(', ')}, not ${status}`
      : allowed.length === 0
        ? `${applied} → ${status} is not allowed: ${applied} is final (set status back to ${applied})`
        : `${applied} → ${status} is not allowed; from ${applied} the status may become ${allowed.join(', ')} (or set it back to ${applied})`;
  return { kind: 'illegal', from: applied, to: status, reason };
}

/**
 * Whether the item's `status` is an expiry the system wrote or would write,
 * not an admin's change to judge with the edit: EXPIRED, set by the clock
 * (`updatedBy` `license-clock`) or by a pass that found the window ended
 * (`clearance`), the only status the system writes besides setting one back
 * to `appliedStatus`; or EXPIRED at `now` past the applied `validUntil`,
 * whoever typed it (an edit that set `updatedBy` after the clock's write
 * leaves no other trace of it; set back, it would be written again on the
 * clock's next tick). A rejected edit of the terms never sets it back: it
 * applies under the terms last applied. Only EXPIRED counts: `updatedBy`
 * stays as written until someone sets it, and an admin's later status would
 * otherwise be taken for the system's.
 */
export function systemWroteStatus(raw: RawItem, now: Date): boolean {
  if (raw.status !== 'EXPIRED') return false;
  if (actorOf(raw.updatedBy) === SYSTEM_DECIDER) return true;
  const until = appliedTermsOf(raw)?.validUntil;
  return until !== undefined && now.getTime() > Date.parse(until);
}

/**
 * How the refusal of a never-applied license item that replaces one the
 * system applied begins (license-engine.ts, refuseReplaced): deleted and
 * created again, or put whole without its system attributes. The put's own
 * stream record, judged later (redriven from the DLQ), finds it there: the
 * put was rejected and entered then, and its write-back enters nothing more
 * (license-overwrite.ts).
 */
export const REPLACED_REFUSAL = 'this item replaces a license the system applied: ';

/** Whether a `statusError` is the refusal of a replacement (see REPLACED_REFUSAL). */
export const isReplacedRefusal = (statusError: unknown): boolean =>
  typeof statusError === 'string' && statusError.startsWith(REPLACED_REFUSAL);

/**
 * Whether a Licenses stream image shows a license with nothing to do: its
 * `status` is the applied one, no work is pending and no rejection is
 * recorded. Such a record (usually the system's own write-back) needs no read
 * of the item. Any other image, or none, is only a trigger: the item is read
 * and judged.
 */
export function isSettledImage(image: Readonly<Record<string, unknown>> | undefined): boolean {
  return (
    image !== undefined &&
    // A new license (none applied yet) is always read, also one saved without a status: it is rejected.
    image.appliedStatus !== undefined &&
    image.status === image.appliedStatus &&
    !image.pendingWork &&
    !image.statusError &&
    // An amendment (terms other than the applied ones) is work, whatever the status; a damaged sealed
    // copy of the applied terms settles nothing (no terms are known), and an edit of their plain copy is
    // written back.
    termsSettled(image) &&
    appliedCopyEdits(image).length === 0
  );
}

/**
 * Settling passes. The passes find shipments through GSIs, which AWS updates
 * a moment after the table (eventually consistent reads), so a pass that
 * starts right after a write can miss that shipment. When a pass finishes,
 * the license gets `settleCheckAt`; the clock, once that time is past, asks
 * for one more pass (a token with this prefix), which does not ask again.
 */
export const SETTLE_TOKEN_PREFIX = 'settle#';

/**
 * Token prefix of an amendment's pass: at its end it alerts ops if shipped
 * goods alone exceed a lowered limit. A pass asked for while it runs (a
 * release request, a status change) replaces it and keeps the prefix, or the
 * alert would be lost.
 */
export const AMEND_TOKEN_PREFIX = 'amend#';

/**
 * `workCursor` prefix of a trim's plan that ran out of time
 * (shared/engine/license-trim.ts): then the released index's cursor before
 * its cut (empty: from the start). A release pass's cursor is a `holdOrder`,
 * which starts with a digit. A pass asked for while it runs keeps it, as it
 * keeps AMEND_TOKEN_PREFIX: the trim's outcome must not depend on who asked
 * for the next slice, and it ends in a release pass from the start anyway.
 */
export const TRIM_CURSOR = 'trim#';

/** Whether `workCursor` holds a trim's plan (see TRIM_CURSOR). */
export const isTrimCursor = (workCursor: unknown): boolean =>
  typeof workCursor === 'string' && workCursor.startsWith(TRIM_CURSOR);

/**
 * `workCursor` prefix of an APPROVED license's re-hold of RELEASED shipments
 * that ran out of time at the start of its pass, then the reason it gives
 * them: LICENSE_NOT_YET_VALID (a later `validFrom`: every RELEASED one) or
 * SHIPMENT_VALUE_MISSING (a value limit added: those without `value`). The
 * next slice starts the pass again (the re-hold first); a license whose
 * applied terms are not known (their seal damaged) goes on with the re-hold
 * alone, as it needs no terms. A pass asked for while it runs keeps it, as it
 * keeps TRIM_CURSOR (with a sound seal the next slice starts the pass again
 * all the same).
 */
export const REHOLD_CURSOR = 'rehold#';

/** The reason a re-hold under way gives (see REHOLD_CURSOR), or undefined when `workCursor` holds none. */
export function reholdCursorReason(
  workCursor: unknown,
): 'LICENSE_NOT_YET_VALID' | 'SHIPMENT_VALUE_MISSING' | undefined {
  if (typeof workCursor !== 'string' || !workCursor.startsWith(REHOLD_CURSOR)) return undefined;
  const reason = workCursor.slice(REHOLD_CURSOR.length);
  return reason === 'LICENSE_NOT_YET_VALID' || reason === 'SHIPMENT_VALUE_MISSING' ? reason : undefined;
}

/** Whether `pendingWork` is an amendment's pass (see AMEND_TOKEN_PREFIX). */
export const isAmendmentPass = (pendingWork: unknown): boolean =>
  typeof pendingWork === 'string' && pendingWork.startsWith(AMEND_TOKEN_PREFIX);

/**
 * When the clock should look again after the pass `token` of `status`'s work
 * finished at `now` (SETTLE_DELAY_MS in infra/tuning.ts on AWS).
 */
export function settleCheckAt(
  status: LicenseStatus,
  token: string,
  now: Date,
  delayMs: number,
): string | undefined {
  if (workFor(status) === 'none' || token.startsWith(SETTLE_TOKEN_PREFIX)) return undefined;
  return new Date(now.getTime() + delayMs).toISOString();
}

/** The shipment work a license status implies once applied. */
export function workFor(status: LicenseStatus): LicenseWork {
  if (status === 'APPROVED') return 'release';
  if (status === 'PENDING') return 'none';
  return 'rehold';
}

/** The hold reason a shipment carries because of its license's status, if the status alone decides it. */
export function holdReasonFor(status: LicenseStatus): HoldReason | undefined {
  switch (status) {
    case 'PENDING':
      return 'LICENSE_PENDING';
    case 'DENIED':
      return 'LICENSE_DENIED';
    case 'SUSPENDED':
      return 'LICENSE_SUSPENDED';
    case 'REVOKED':
      return 'LICENSE_REVOKED';
    case 'EXPIRED':
      return 'LICENSE_EXPIRED';
    case 'APPROVED':
      return undefined;
  }
}

/**
 * Whether the license's applied status is the one in effect: its `status` is
 * applied, or an edit of it was rejected (`statusError`), which leaves the
 * applied status in force. Not while a legal edit waits for license-events.
 */
export const appliedInEffect = (l: Pick<License, 'status' | 'appliedStatus' | 'statusError'>): boolean =>
  l.status === l.appliedStatus || l.statusError !== undefined;

/** What to do instead of deleting a license applied as `applied`: the legal way to end it, if it is not final. */
export function insteadOfDeleting(applied: unknown): string {
  const to = LICENSE_TRANSITIONS[applied as LicenseStatus] ?? [];
  const end = (['REVOKED', 'DENIED'] as const).find((s) => to.includes(s));
  const an = `${/^[AEIOU]/.test(String(applied)) ? 'an' : 'a'} ${String(applied)} license`;
  return end
    ? `${an} is ended by setting its status to ${end}`
    : `${an} is final and needs nothing more: leave its item in place`;
}
