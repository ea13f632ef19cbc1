/**
 * Rejected license edits: an illegal status, an illegal amendment (written
 * back), an item that cannot be applied; and the work that still runs past a
 * rejection (a pending re-hold, a restrictive change of an invalid item).
 */
import {
  actorOf,
  attributedOf,
  lastAttributed,
  licenseRejectionEntry,
  SYSTEM_DECIDER,
} from '../domain/history.js';
import {
  holdReasonFor,
  isTrimCursor,
  type LicenseVerdict,
  reholdCursorReason,
  systemWroteStatus,
  workFor,
} from '../domain/license-rules.js';
import {
  type License,
  LicenseSchema,
  type LicenseStatus,
  LicenseStatusSchema,
  parseItem,
  showValue,
} from '../domain/model.js';
import { roomOf, validity } from '../domain/planning.js';
import type { RawItem } from '../domain/ports.js';
import {
  type AmendmentVerdict,
  appliedCopyEdits,
  appliedTermsItem,
  appliedTermsOf,
  FINAL_LICENSE_STATUSES,
  failSafeLicense,
  isAmendmentRejection,
  termsSettled,
  underAppliedTerms,
} from '../domain/terms.js';
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
 * What becomes of the `status` read with a rejected amendment. A
 * restrictive decision (`applies`: a legal change to SUSPENDED, REVOKED,
 * DENIED or EXPIRED) is never held back by a rejected term: export control
 * fails safe, so it is applied under the terms last applied, on the
 * write-back's own record, and the terms' rejection stands beside it (its
 * `statusError` kept, see appliedBeside). `by` says whose it is: the
 * system's expiry (systemWroteStatus), no part of the edit, or the editor's,
 * part of the save and credited to its author. Any other change of it
 * (`setBack`: an approval or reinstatement, or an illegal status, `why` the
 * reason it is illegal) is part of the same edit and is set back with the
 * terms, in the same write: left in place, an approval would be applied on
 * the write-back's own record under the terms the edit did not set (releasing
 * under the old limit), and an illegal status rejected there again (a second
 * alert and entry for one save, I6).
 */
export type StatusBeside =
  | { kind: 'unchanged' }
  | { kind: 'setBack'; applied: LicenseStatus; why?: string }
  | { kind: 'applies'; from: LicenseStatus; status: LicenseStatus; by: 'system' | 'editor' };

/** What the status `verdict` read with an illegal amendment comes to (see StatusBeside). */
export function statusBeside(
  raw: RawItem,
  applied: LicenseStatus,
  verdict: LicenseVerdict,
  now: Date,
): StatusBeside {
  if (verdict.kind === 'unchanged') return { kind: 'unchanged' };
  const restrictive = verdict.kind === 'legal' && workFor(verdict.to) === 'rehold';
  // An illegal status the system wrote (none is) is judged on its own, after the terms' write-back.
  if (systemWroteStatus(raw, now))
    return restrictive
      ? { kind: 'applies', from: applied, status: verdict.to, by: 'system' }
      : { kind: 'unchanged' };
  if (restrictive) return { kind: 'applies', from: applied, status: verdict.to, by: 'editor' };
  return { kind: 'setBack', applied, ...(verdict.kind === 'illegal' ? { why: verdict.reason } : {}) };
}

/** How a rejected amendment's reason names the editor's restrictive status it let through (appliedBeside). */
const appliedText = (from: LicenseStatus, to: LicenseStatus): string =>
  `The status change saved with it (${from} → ${to}) is applied all the same, under the terms last applied`;

/**
 * Whether `statusError` is the rejection of an amendment saved with the
 * restrictive change `verdict` (StatusBeside `applies`, the editor's): the
 * decision read after its write-back keeps it, as the system's expiry keeps
 * any rejected amendment's reason. A later save of a status on its own is a
 * legal edit of its own, and clears it.
 */
export function appliedBeside(statusError: unknown, verdict: LicenseVerdict): boolean {
  return (
    verdict.kind === 'legal' &&
    verdict.from !== undefined &&
    isAmendmentRejection(statusError) &&
    String(statusError).includes(appliedText(verdict.from, verdict.to))
  );
}

/** What a rejected amendment's reason says of the status read with it (StatusBeside). */
function besideText(raw: RawItem, beside: StatusBeside): string {
  if (beside.kind === 'unchanged') return '';
  if (beside.kind === 'applies' && beside.by === 'system')
    return `. Status ${beside.status} is the system's expiry of the license (its validity window ended), not part of this edit: it is applied all the same, under the terms last applied`;
  if (beside.kind === 'applies') {
    // Amended again once final, it would change nothing: the amendment's own fix does not hold then.
    const final = FINAL_LICENSE_STATUSES.includes(beside.status)
      ? `; ${beside.status} is final, so do not amend it again: its terms stay as last applied (a license to be used again is a new license item)`
      : '';
    return `. ${appliedText(beside.from, beside.status)}: a suspension, revocation, denial or expiry is never held back by a rejected term${final}`;
  }
  const again = 'Once the terms are right, make the status change again on its own';
  if (beside.why === undefined)
    return `. The status change saved with it (${beside.applied} → ${showValue(raw.status)}) was not applied either: status was set back to ${beside.applied}. ${again}`;
  const why = beside.why.replace(/\.$/, '');
  return `. The status saved with it was rejected too, and set back to ${beside.applied}: ${why}${why.endsWith('?') ? '' : '.'} ${again}`;
}

/** What the alert of a rejected amendment says moved: nothing, or the work of the status applied beside it. */
function movedText(beside: StatusBeside): string {
  if (beside.kind !== 'applies') return 'No shipment or counter moved.';
  const shipments =
    beside.from === 'PENDING'
      ? `its shipments stay on hold, as ${holdReasonFor(beside.status)}`
      : 'its unshipped shipments go back on hold';
  return `Its status ${beside.status} is applied all the same, under the terms last applied: ${shipments}.`;
}

/**
 * Rejects an illegal amendment as an illegal status edit is rejected, and
 * writes the applied values back: every term the edit changed, and the
 * admin's `status` read with it unless it applies (StatusBeside), on the
 * condition that each still holds the value typed (a newer edit of any of
 * them is judged on its own). One rejection for the edit: one reason, alert
 * and History entry naming the terms and the status set back. Alert first: a
 * crash between the two repeats the alert, never loses it.
 */
export async function rejectAmendment(
  deps: LicenseEngineDeps,
  raw: RawItem,
  amendment: Extract<AmendmentVerdict, { kind: 'illegal' }>,
  beside: StatusBeside = { kind: 'unchanged' },
): Promise<Rejected> {
  // No dedupe on statusError: the revert puts the applied values back, so a fresh read that
  // still shows an illegal value is a new edit (or a crash before the revert), never our own write.
  const licenseId = String(raw.licenseId);
  const copy = copyRestored(raw, amendment);
  const fields = [...amendment.fields, ...(beside.kind === 'setBack' ? ['status' as const] : [])];
  const typed = [
    ...fields.map((f) => `${f} is now ${raw[f] === undefined ? '(none)' : showValue(raw[f])}`),
    ...copy.typed,
  ].join(', ');
  const reason = `${amendment.reason}${copy.text}${besideText(raw, beside)}`;
  await deps.alerter.alert([
    {
      severity: 'normal',
      subject: `License ${licenseId}: edit of ${[...fields, ...copy.fields].join(', ')} rejected`,
      message: [
        `License ${licenseId} was edited: ${typed}.`,
        `Rejected because ${reason}.`,
        `${movedText(beside)} The reason is also written to statusError on the item.`,
      ].join('\n'),
      subjectKey: { licenseId },
    },
  ]);
  const at = deps.now().toISOString();
  const editor = beside.kind === 'applies' ? termsEdit(raw) : raw;
  const entry = licenseRejectionEntry(editor, at, reason, deps.newToken());
  const [revert, found] =
    beside.kind === 'setBack'
      ? [
          { status: beside.applied, ...amendment.revert, ...copy.revert },
          // A status removed in the console reads as undefined: expect it absent (or NULL).
          { status: raw.status ?? null, ...amendment.found, ...copy.found },
        ]
      : beside.kind === 'applies' && beside.by === 'editor'
        ? // The reason says this status applies: written back only while the item still shows it.
          [
            { ...amendment.revert, ...copy.revert },
            { status: beside.status, ...amendment.found, ...copy.found },
          ]
        : [
            { ...amendment.revert, ...copy.revert },
            { ...amendment.found, ...copy.found },
          ];
  // The editor's restrictive change is decided on the write-back's record, credited to the save's
  // author: the entry names them, and the attribution stays as it was, or the decision would be `unknown`.
  const attributed =
    // Left as the entries last attributed it, so the decision that follows counts the save's author as set anew.
    beside.kind === 'applies' && beside.by === 'editor' ? (lastAttributed(raw) ?? {}) : attributedOf(editor);
  if (await deps.licenses.revertTerms(licenseId, revert, found, reason, entry, attributed))
    await passAfterWriteBack(deps, raw, beside);
  return { kind: 'rejected', reason };
}

/**
 * What the write-back of a rejected edit does with `appliedTerms` when the
 * edit also changed its plain members (appliedCopyEdits: a find and replace
 * over the item's JSON changes a term and its copy alike): the map is
 * written back whole from its sealed copy, on the condition that it is
 * still as read; the rejection names it (`fields`, `typed`) and says so
 * (`text`, unless the rejection is of that copy alone, copyEditRejection).
 */
function copyRestored(
  raw: RawItem,
  amendment: Extract<AmendmentVerdict, { kind: 'illegal' }>,
): {
  fields: string[];
  typed: string[];
  text: string;
  revert: Record<string, unknown>;
  found: Record<string, unknown>;
} {
  const edits = appliedCopyEdits(raw);
  const applied = appliedTermsOf(raw);
  const map = raw.appliedTerms as Record<string, unknown> | undefined;
  if (edits.length === 0 || applied === undefined || map === undefined)
    return { fields: [], typed: [], text: '', revert: {}, found: {} };
  const shown = (v: unknown) => (v === undefined ? '(none)' : showValue(v));
  return {
    fields: ['appliedTerms'],
    typed: edits.map((t) => `appliedTerms.${t} is now ${shown(map[t])}`),
    text:
      amendment.fields.length === 0
        ? ''
        : `. Its appliedTerms, the system's record of the terms it last applied, was edited with ${edits.length === 1 ? 'it' : 'them'} (${edits.map((t) => `${t} ${shown(map[t])}`).join(', ')}): the edit was judged against the terms applied, and appliedTerms was set back too`,
    revert: { appliedTerms: appliedTermsItem(String(raw.licenseId), applied) },
    found: { appliedTerms: map },
  };
}

/**
 * Asks for a pass of the applied status once a rejected edit's write-back
 * left the license at it: the status set back with the terms (StatusBeside
 * `setBack`), or any write-back of an APPROVED license that could release
 * (couldRelease; for an APPROVED one, only then). While the edit stood,
 * a shipment taken in saw an illegal status or terms and asked for no
 * release (held as LICENSE_PENDING), and the write-back, settled, makes no
 * pass of its own (DESIGN §4: a HELD shipment appearing under an APPROVED
 * license is released). The pass runs under the terms written back, every
 * write of it conditional on them, and enters nothing but what it moves. A
 * restrictive status applied beside the rejection runs its own work.
 */
async function passAfterWriteBack(
  deps: LicenseEngineDeps,
  raw: RawItem,
  beside: StatusBeside,
): Promise<void> {
  const applied = LicenseStatusSchema.safeParse(raw.appliedStatus);
  if (!applied.success || beside.kind === 'applies' || workFor(applied.data) === 'none') return;
  const asked = applied.data === 'APPROVED' ? couldRelease(raw, deps.now()) : beside.kind === 'setBack';
  if (asked) await deps.licenses.requestPass(String(raw.licenseId), applied.data, deps.newToken());
}

/**
 * Whether an APPROVED license, under the terms written back, could release
 * anything now, as the intake judges it before it asks for a pass: inside
 * its window, with a unit of room and no value limit overdrawn. A pass of
 * one that could not would read the whole held backlog to write nothing;
 * what frees room asks for its own pass, and the clock wakes it at
 * `validFrom`.
 */
function couldRelease(raw: RawItem, now: Date): boolean {
  const parsed = parseItem(LicenseSchema, { ...underAppliedTerms(raw), status: 'APPROVED' });
  if (!parsed.ok) return false;
  const room = roomOf(parsed.value);
  return (
    validity(parsed.value, now) === 'valid' &&
    room.quantity >= 1 &&
    (room.value === undefined || room.value >= 0)
  );
}

/**
 * The terms' edit of an item whose status applies beside it (StatusBeside
 * `applies`), as its rejection's entry names it: no status change (the
 * status is applied, not rejected), and not credited to the system's
 * `updatedBy` and `statusReason`, which are the expiry's: kept as attributed,
 * they would make the expiry's own entry after it `unknown`.
 */
function termsEdit(raw: RawItem): RawItem {
  const { updatedBy: _u, statusReason: _r, ...unattributed } = raw;
  return { ...(actorOf(raw.updatedBy) === SYSTEM_DECIDER ? unattributed : raw), status: raw.appliedStatus };
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
  /**
   * A high-severity alert with this subject (after `HIGH SEVERITY: License L: `): no applied terms
   * are known (refuseDamagedSeal), so nothing is released or amended under it until a person acts.
   */
  high?: string;
  /** What the alert says moved, instead of `appliedAnyway`'s sentence or "No shipment or counter moved." */
  moved?: string;
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
  const { appliedAnyway, detail, high, moved } = note;
  const licenseId = String(raw.licenseId);
  const shown = showValue(raw.status);
  const last = applied ?? '(nothing yet)';
  // Alert first, then record: a crash between the two repeats the alert, never loses it.
  await deps.alerter.alert([
    {
      severity: high === undefined ? 'normal' : 'high',
      subject:
        high === undefined
          ? `License ${licenseId}: ${what === 'item' ? 'invalid item' : 'status edit'} rejected`
          : `HIGH SEVERITY: License ${licenseId}: ${high}`,
      message: [
        what === 'item'
          ? `License ${licenseId} (status "${shown}"; the system last applied ${last}) cannot be applied as it is.`
          : `License ${licenseId} was edited to status "${shown}", but the system last applied ${last}.`,
        `Rejected because ${reason}.`,
        ...(detail === undefined ? [] : [detail]),
        `${
          moved ??
          (appliedAnyway
            ? `Its status ${appliedAnyway} is applied all the same, under the terms last applied: its unshipped shipments go back on hold.`
            : 'No shipment or counter moved.')
        } The reason is also written to statusError on the item;`,
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

/**
 * The work that still runs under a license whose sealed applied terms are
 * damaged (refuseDamagedSeal): `status`, a legal change to SUSPENDED,
 * REVOKED, DENIED or EXPIRED (the admin's, or the clock's expiry), applied;
 * `pending`, the pending work of an applied status that re-holds (or of a
 * PENDING pass, which only ends), resumed whatever status edit is read with
 * it; `trim`, an amendment's trim already planned (TRIM_CURSOR), whose cut is
 * re-held (reholdCut); `rehold`, an APPROVED license's re-hold under way
 * (REHOLD_CURSOR: of every RELEASED shipment, a later `validFrom` making them
 * early, or of those without `value`, a value limit added), which goes on.
 * Holding needs no terms (DESIGN §4: a suspension puts
 * every unshipped shipment back on hold, whatever the limits), so none waits
 * for a person (I1). `license` is the item as it stands (failSafeLicense),
 * its `appliedTerms` left aside: its terms are not the applied ones, and
 * nothing that needs them runs. Undefined otherwise: nothing is released or
 * amended under unknown terms.
 */
export interface SealHolding {
  work: 'status' | 'pending' | 'trim' | 'rehold';
  license: License;
}

/** What still runs under a license whose sealed applied terms are damaged (see SealHolding). */
export function holdingDespiteSeal(
  raw: RawItem,
  applied: LicenseStatus,
  verdict: LicenseVerdict,
): SealHolding | undefined {
  // The map stays as read: the commits keep it, and a term is never taken from it.
  const item: RawItem = { ...raw, appliedTerms: undefined };
  const under = (work: SealHolding['work'], status: LicenseStatus): SealHolding | undefined => {
    const license = failSafeLicense(item, status);
    return license === undefined ? undefined : { work, license };
  };
  if (verdict.kind === 'legal' && workFor(verdict.to) === 'rehold') return under('status', verdict.to);
  if (raw.pendingWork === undefined) return undefined;
  if (workFor(applied) !== 'release') return under('pending', applied);
  if (isTrimCursor(raw.workCursor)) return under('trim', applied);
  return reholdCursorReason(raw.workCursor) === undefined ? undefined : under('rehold', applied);
}

/** What the alert of a damaged seal says moved (see SealHolding). */
function movedDespiteSeal(applied: LicenseStatus, holding: SealHolding | undefined): string {
  const terms = 'a re-hold needs no terms';
  if (holding === undefined)
    return 'No shipment or counter moved, and nothing is released or amended under it.';
  const status = holding.license.status;
  if (holding.work === 'trim')
    return `The trim of its amendment under way goes on, as ${terms}: the RELEASED shipments its plan cut go back on hold; what then fits waits for the fix to be released.`;
  if (holding.work === 'rehold')
    return reholdCursorReason(holding.license.workCursor) === 'LICENSE_NOT_YET_VALID'
      ? `The re-hold of its RELEASED shipments under way (its validFrom was moved later) goes on, as ${terms}: they go back on hold, as LICENSE_NOT_YET_VALID.`
      : `The re-hold of its RELEASED shipments without a value under way (a value limit was added) goes on, as ${terms}: they go back on hold, as SHIPMENT_VALUE_MISSING; the rest of the amendment waits for the fix.`;
  if (holding.work === 'pending' && workFor(applied) === 'none')
    return `Its ${applied} pass under way is ended; no shipment or counter moved.`;
  const shipments =
    applied === 'PENDING'
      ? `its shipments stay on hold, as ${holdReasonFor(status)}`
      : 'its unshipped shipments go back on hold';
  return holding.work === 'status'
    ? `Its status ${status} is applied all the same, as ${terms}: ${shipments}.`
    : `The re-hold of its status ${applied} under way goes on, as ${terms}: its unshipped shipments go back on hold.`;
}

/**
 * Refuses a license whose sealed copy of its applied terms is damaged
 * (appliedSealOf `damaged`, `why` saying how): the terms it was applied with
 * are not known, and none is guessed, neither the plain copy beside it nor
 * the item's own terms (a find and replace that reached the seal changed
 * them too, most likely). Nothing is released or amended under it until a
 * person puts the applied terms back: an approval, a reinstatement or an
 * amendment waits (a status change is named, so each is told and entered).
 * Re-holds still happen, as holding needs no terms (`holding`, see
 * SealHolding): a suspension, revocation, denial or expiry is applied, a
 * re-hold under way goes on; the caller runs them. Ops gets one
 * high-severity alert (its reason does not depend on that work, which a
 * redelivery finds done or under way), and `clearance reconcile` lists it
 * (I5). Once fixed, the next read clears the reason and asks for the pass
 * missed meanwhile.
 */
export function refuseDamagedSeal(
  deps: LicenseEngineDeps,
  raw: RawItem,
  applied: LicenseStatus,
  verdict: LicenseVerdict,
  why: string,
  holding: SealHolding | undefined,
): Promise<Rejected> {
  const licenseId = String(raw.licenseId);
  const waits =
    verdict.kind === 'legal' && holding?.work !== 'status' ? `; status ${verdict.to} waits for the fix` : '';
  const reason = `${damagedSealText(licenseId, why)}${waits}`;
  return reject(deps, raw, applied, reason, 'item', {
    high: 'seal of its applied terms damaged, only re-holds run',
    moved: movedDespiteSeal(applied, holding),
  });
}

/**
 * Why a license whose sealed applied terms are damaged is refused, and the
 * fix; shared with `clearance reconcile`'s finding of it.
 */
export const damagedSealText = (licenseId: string, why: string): string =>
  `appliedTerms.sealed, the system's sealed copy of the terms it last applied to this license, ${why}: it was edited (by hand, or by a find and replace over the item's JSON that reached it) or copied from another license item, so the terms this license was applied with are not known, and nothing is released or amended under it until it is fixed (a suspension, revocation, denial or expiry is still applied and its shipments re-held, as holding needs no terms). Put appliedTerms back from the Licenses table's point-in-time recovery (the item as it was before the edit); or, once the terms are confirmed from the authority's license and \`clearance license history ${licenseId}\`, write them into the plain members of appliedTerms and remove appliedTerms.sealed, and run \`clearance reconcile --fix\` to seal them again (docs/OPERATIONS.md, "A license whose applied terms' seal is damaged")`;
