/**
 * Rejected license edits: an illegal status, an illegal amendment (written
 * back), an item that cannot be applied; and the work that still runs past a
 * rejection (a pending re-hold, a restrictive change of an invalid item).
 */
import { attributedOf, licenseRejectionEntry } from '../domain/history.js';
import { type LicenseVerdict, workFor } from '../domain/license-rules.js';
import { type License, LicenseSchema, type LicenseStatus, parseItem, showValue } from '../domain/model.js';
import type { RawItem } from '../domain/ports.js';
import { type AmendmentVerdict, failSafeLicense, termsSettled, underAppliedTerms } from '../domain/terms.js';
import type { LicenseEngineDeps } from './license-passes.js';

/** What a rejection came to: done before (the same reason is on the item already), or rejected now. */
export type Rejected = { kind: 'noop' } | { kind: 'rejected'; reason: string };

/**
 * The license as its applied status and terms see it, when that status's re-hold work
 * (or a PENDING pass, which only ends) is still pending; otherwise undefined.
 * Release work is not resumed: the release transaction requires `status`
 * APPROVED, so it waits for the admin.
 */
export function pendingAfterRejection(raw: RawItem, applied: LicenseStatus | undefined): License | undefined {
  if (applied === undefined || raw.pendingWork === undefined || workFor(applied) === 'release')
    return undefined;
  const parsed = parseItem(LicenseSchema, { ...underAppliedTerms(raw), status: applied });
  return parsed.ok ? parsed.value : undefined;
}

/**
 * The license an invalid item's restrictive change runs under: a legal move
 * of an applied license to a status that re-holds (an expiry above all), or
 * the pending work of one; undefined otherwise (failSafeLicense), and when
 * its terms differ from the applied ones (committing to the work requires
 * them as read, and an amendment cannot be judged on an invalid item).
 */
export function restrictiveDespite(
  raw: RawItem,
  applied: LicenseStatus | undefined,
  verdict: LicenseVerdict,
): License | undefined {
  // Terms typed beside the invalid field are an amendment nobody judged: the item is only rejected.
  if (applied === undefined || !termsSettled(raw)) return undefined;
  if (verdict.kind === 'legal' && workFor(verdict.to) === 'rehold') return failSafeLicense(raw, verdict.to);
  if (verdict.kind === 'unchanged' && workFor(applied) === 'rehold' && raw.pendingWork !== undefined)
    return failSafeLicense(raw, applied);
  return undefined;
}

/**
 * Rejects an illegal amendment as an illegal status edit is rejected, and
 * writes the applied values back: every term the edit changed, on the
 * condition that each still holds the value typed (a newer edit of any of
 * them is judged on its own). Alert first: a crash between the two repeats
 * the alert, never loses it.
 */
export async function rejectAmendment(
  deps: LicenseEngineDeps,
  raw: RawItem,
  amendment: Extract<AmendmentVerdict, { kind: 'illegal' }>,
): Promise<Rejected> {
  // No dedupe on statusError: the revert puts the applied values back, so a fresh read that
  // still shows an illegal value is a new edit (or a crash before the revert), never our own write.
  const licenseId = String(raw.licenseId);
  const typed = amendment.fields
    .map((f) => `${f} is now ${raw[f] === undefined ? '(none)' : showValue(raw[f])}`)
    .join(', ');
  await deps.alerter.alert([
    {
      severity: 'normal',
      subject: `License ${licenseId}: edit of ${amendment.fields.join(', ')} rejected`,
      message: [
        `License ${licenseId} was edited: ${typed}.`,
        `Rejected because ${amendment.reason}.`,
        'No shipment or counter moved. The reason is also written to statusError on the item.',
      ].join('\n'),
      subjectKey: { licenseId },
    },
  ]);
  const at = deps.now().toISOString();
  const entry = licenseRejectionEntry(raw, at, amendment.reason, deps.newToken());
  await deps.licenses.revertTerms(
    licenseId,
    amendment.revert,
    amendment.found,
    amendment.reason,
    entry,
    attributedOf(raw),
  );
  return { kind: 'rejected', reason: amendment.reason };
}

/** What the ops alert of a rejection says besides its reason. */
export interface RejectionNote {
  /** An invalid item's restrictive status, applied regardless (restrictiveDespite). */
  appliedAnyway?: LicenseStatus;
  /**
   * Facts of the moment (a shipment's id, a count) for the alert only: they change without an
   * edit of the license, and the reason must not, or a redelivery would be taken for a new edit.
   */
  detail?: string;
}

/**
 * Rejects a license as it is: an illegal `status` (`what` 'status'), or an
 * item the system cannot apply whatever its status (`what` 'item': an
 * attribute out of the contract, a sku without Inventory), whose fix is in
 * the attribute the reason names, not in the status.
 *
 * The `statusError` on the item is how a record of the same edit is known
 * (its own write-back, a redelivery, a record of a system write): `reason`
 * must depend on the item as the edit left it, never on what else changes
 * meanwhile (which shipments are RELEASED, counts, figures), or one edit is
 * rejected, entered and alerted again (I6). Such facts go in `note.detail`.
 */
export async function reject(
  deps: LicenseEngineDeps,
  raw: RawItem,
  applied: LicenseStatus | undefined,
  reason: string,
  what: 'status' | 'item' = 'status',
  note: RejectionNote = {},
): Promise<Rejected> {
  // Already rejected and alerted (this record is our own statusError write, or a redelivery).
  if (raw.statusError === reason) return { kind: 'noop' };
  const { appliedAnyway, detail } = note;
  const licenseId = String(raw.licenseId);
  const shown = showValue(raw.status);
  const last = applied ?? '(nothing yet)';
  // Alert first, then record: a crash between the two repeats the alert, never loses it.
  await deps.alerter.alert([
    {
      severity: 'normal',
      subject: `License ${licenseId}: ${what === 'item' ? 'invalid item' : 'status edit'} rejected`,
      message: [
        what === 'item'
          ? `License ${licenseId} (status "${shown}"; the system last applied ${last}) cannot be applied as it is.`
          : `License ${licenseId} was edited to status "${shown}", but the system last applied ${last}.`,
        `Rejected because ${reason}.`,
        ...(detail === undefined ? [] : [detail]),
        appliedAnyway
          ? `Its status ${appliedAnyway} is applied all the same, under the terms last applied: its unshipped shipments go back on hold. The reason is also written to statusError on the item;`
          : 'No shipment or counter moved. The reason is also written to statusError on the item;',
        what === 'item'
          ? 'correct the item as the reason says, in the console, and the system applies it on that edit.'
          : 'set a legal status in the console (or with `clearance license`) and the system proceeds.',
      ].join('\n'),
      subjectKey: { licenseId },
    },
  ]);
  const entry = licenseRejectionEntry(raw, deps.now().toISOString(), reason, deps.newToken());
  // A status removed in the console reads as undefined: expect it absent (or NULL).
  await deps.licenses.reject(licenseId, raw.status ?? null, reason, entry, attributedOf(raw));
  return { kind: 'rejected', reason };
}
