import { type CountedAs, countedAsOf, stampExpected } from '../shared/domain/counters.js';
import { judgeLicenseStatus, SETTLE_TOKEN_PREFIX } from '../shared/domain/license-rules.js';
import {
  type CountedAsStamp,
  LICENSE_STATUSES,
  LicenseSchema,
  type LicenseStatus,
  parseItem,
  SHIPMENT_STATUSES,
  ShipmentSchema,
  type ShipmentStatus,
} from '../shared/domain/model.js';
import type { RawItem } from '../shared/domain/ports.js';
import { judgeShipmentStatus, VALUE_FIXED_WHILE } from '../shared/domain/shipment-rules.js';
import { judgeStatusEdit } from '../shared/engine/shipment-put-back.js';
import { fixedFieldsEdit } from '../shared/engine/shipment-rejections.js';
import { pendingAmendment } from './amend-plan.js';

/** The license commands and the status each one sets. */
export const LICENSE_ACTIONS = {
  approve: { to: 'APPROVED', from: ['PENDING'] },
  deny: { to: 'DENIED', from: ['PENDING'] },
  suspend: { to: 'SUSPENDED', from: ['APPROVED'] },
  revoke: { to: 'REVOKED', from: ['APPROVED', 'SUSPENDED'] },
  reinstate: { to: 'APPROVED', from: ['SUSPENDED'] },
} as const satisfies Record<string, { to: LicenseStatus; from: readonly LicenseStatus[] }>;
export type LicenseAction = keyof typeof LICENSE_ACTIONS;

/** What a license command should do, decided before anything is written. */
export type LicensePlan =
  | {
      kind: 'change';
      to: LicenseStatus;
      /** Conditions for the write: the values read. `null`: the attribute is absent or NULL. */
      expect: { status: unknown; appliedStatus: string | null };
    }
  | { kind: 'noop'; reason: string }
  /** The same decision is already written and the system is applying it: nothing to write; `--wait` follows it. */
  | { kind: 'pending'; to: LicenseStatus; from: LicenseStatus; reason: string }
  | { kind: 'refuse'; reason: string };

const isLicenseStatus = (v: unknown): v is LicenseStatus =>
  typeof v === 'string' && (LICENSE_STATUSES as readonly string[]).includes(v);

/**
 * Decides a license command from the item as read. The rules are the
 * system's own (`judgeLicenseStatus`, from `appliedStatus`); on top, each
 * command names where it starts: `approve` only from PENDING, `reinstate`
 * only from SUSPENDED, so an operator's slip does not turn into a legal but
 * unintended transition.
 */
export function planLicenseAction(
  action: LicenseAction,
  license: { licenseId: string; status?: unknown; appliedStatus?: unknown; pendingWork?: unknown },
): LicensePlan {
  const { to, from } = LICENSE_ACTIONS[action];
  const applied = isLicenseStatus(license.appliedStatus) ? license.appliedStatus : undefined;
  const status = license.status;
  const id = license.licenseId;
  if (license.appliedStatus !== undefined && applied === undefined) {
    return {
      kind: 'refuse',
      reason: `license ${id} has appliedStatus ${JSON.stringify(license.appliedStatus)}, which is not a status; run \`clearance reconcile\` and fix the item before changing it`,
    };
  }
  if (applied === to && status === to) {
    // The system applies a decision from the start of its work (appliedStatus, with pendingWork)
    // to its end: a re-run then (a script whose first --wait timed out) follows the license's work,
    // or says so. Which work it is the item does not say (a release request's pass looks the same),
    // but the clock's settling pass is never a decision's.
    const working =
      typeof license.pendingWork === 'string' && !license.pendingWork.startsWith(SETTLE_TOKEN_PREFIX);
    if (working) {
      return {
        kind: 'pending',
        to,
        from: applied,
        reason: `license ${id} is already ${to} and the system is still working on it (pendingWork); nothing was written. Follow it with \`clearance license show ${id}\`, or add --wait`,
      };
    }
    return { kind: 'noop', reason: `license ${id} is already ${to}; nothing to do` };
  }
  // The same decision written already (a re-run, or someone else's identical edit) and legal from
  // where this command starts: nothing to write, and not a refusal; the decision's reason and author
  // stay those written first.
  if (
    applied !== undefined &&
    status === to &&
    (from as readonly LicenseStatus[]).includes(applied) &&
    judgeLicenseStatus(applied, to).kind === 'legal'
  ) {
    return {
      kind: 'pending',
      to,
      from: applied,
      reason: `license ${id} is already set to ${to} and the system is applying it (applied: ${applied}); nothing was written. Follow it with \`clearance license show ${id}\`, or add --wait`,
    };
  }
  // A status the system has not applied yet is someone's edit in flight: refused, unless that status
  // is itself illegal from the applied one (a typo the system rejects or has rejected), which this
  // command corrects. A statusError left from an earlier rejection says nothing about the edit now.
  if (applied !== undefined && status !== applied && judgeLicenseStatus(applied, status).kind !== 'illegal') {
    return {
      kind: 'refuse',
      reason: `license ${id} has status ${String(status)} that the system has not applied yet (applied: ${applied}); wait until it has (\`clearance license show ${id}\`), then retry`,
    };
  }
  // Where the license stands for the operator: what the system applied, or for a new license its status.
  const current = applied ?? (isLicenseStatus(status) ? status : undefined);
  if (current === undefined || !(from as readonly LicenseStatus[]).includes(current)) {
    const hint =
      action === 'approve' && current === 'SUSPENDED'
        ? '; to lift a suspension use `clearance license reinstate`'
        : action === 'reinstate' && current === 'PENDING'
          ? '; to approve a pending license use `clearance license approve`'
          : '';
    return {
      kind: 'refuse',
      reason: `cannot ${action} license ${id}: it is ${current ?? String(status)}, and ${action} applies only to a ${from.join(' or ')} license${hint}`,
    };
  }
  const verdict = judgeLicenseStatus(applied, to);
  if (verdict.kind === 'illegal')
    return { kind: 'refuse', reason: `cannot ${action} license ${id}: ${verdict.reason}` };
  if (verdict.kind === 'unchanged')
    return { kind: 'noop', reason: `license ${id} is already ${to}; nothing to do` };
  return { kind: 'change', to, expect: { status: status ?? null, appliedStatus: applied ?? null } };
}

/**
 * Why a legal decision (`planLicenseAction`'s change to `to`) should not be
 * written on the item as read, or undefined when it can be:
 * - someone's amendment is not applied yet: the engine would enter it with
 *   this decision, as one entry credited to the decision's author;
 * - an approval of an item the system cannot read (it would be rejected and
 *   release nothing; a restrictive decision is applied all the same), or of
 *   one whose `validUntil` has passed (the release pass would expire it).
 */
export function decisionProblem(raw: RawItem, to: LicenseStatus, now: Date): string | undefined {
  const id = String(raw.licenseId);
  const pending = pendingAmendment(raw);
  if (pending !== undefined) {
    return pending.rejectedBecause === undefined
      ? `license ${id} has an amendment the system has not applied yet (${pending.changes}); this decision would be entered with it, as yours. Wait until it is applied (\`clearance license show ${id}\`), then retry`
      : `license ${id} has an amendment the system is rejecting (${pending.changes}: ${pending.rejectedBecause}); wait until its terms are set back (\`clearance license show ${id}\`), then retry`;
  }
  if (to !== 'APPROVED') return undefined;
  const parsed = parseItem(LicenseSchema, { ...raw, status: to });
  if (!parsed.ok) {
    return `license ${id} is invalid as stored (${parsed.problems.join('; ')}): approved, the system would reject it and release nothing. Correct the item in the console first, then retry`;
  }
  if (Date.parse(parsed.value.validUntil) <= now.getTime()) {
    return `license ${id}'s validUntil (${parsed.value.validUntil}) has passed: approved, the system would expire it at once and release nothing. Extend it first with \`clearance license amend ${id} --valid-until <ISO time> --reason …\`, then retry`;
  }
  return undefined;
}

/** The shipment commands and the status each one sets. */
export const SHIPMENT_ACTIONS = {
  ship: 'SHIPPED',
  cancel: 'CANCELLED',
} as const satisfies Record<string, ShipmentStatus>;
export type ShipmentAction = keyof typeof SHIPMENT_ACTIONS;

export type ShipmentPlan =
  | {
      kind: 'change';
      from: ShipmentStatus;
      to: ShipmentStatus;
      /** Conditions for the write: everything the plan judged, as read. `null`: the attribute is absent or NULL. */
      expect: Record<string, unknown>;
    }
  | { kind: 'noop'; reason: string }
  | { kind: 'refuse'; reason: string };

const isShipmentStatus = (v: unknown): v is ShipmentStatus =>
  typeof v === 'string' && (SHIPMENT_STATUSES as readonly string[]).includes(v);

/**
 * Decides a shipment command with the system's rule
 * (`judgeShipmentStatus(countedStatus ?? status, target)`), and refuses while
 * the system has not caught up with the item (not yet counted, or an edit
 * still being applied): the stream handler would reject the edit.
 */
export function planShipmentAction(
  action: ShipmentAction,
  shipment: RawItem & { shipmentId: string },
): ShipmentPlan {
  const to = SHIPMENT_ACTIONS[action];
  const id = shipment.shipmentId;
  const counted = isShipmentStatus(shipment.countedStatus) ? shipment.countedStatus : undefined;
  const current = counted ?? (isShipmentStatus(shipment.status) ? shipment.status : undefined);
  const verdict = judgeShipmentStatus(current, to);
  if (verdict.kind === 'unchanged' && shipment.status === to) {
    return { kind: 'noop', reason: `shipment ${id} is already ${to}; nothing to do` };
  }
  if (verdict.kind === 'illegal')
    return { kind: 'refuse', reason: `cannot ${action} shipment ${id}: ${verdict.reason}` };
  if (counted === undefined) {
    return {
      kind: 'refuse',
      reason: `shipment ${id} has not been accepted by the system yet (no countedStatus); wait a few seconds and retry, or check its statusError with \`clearance shipment show ${id}\``,
    };
  }
  if (shipment.status !== counted) {
    return {
      kind: 'refuse',
      reason: `shipment ${id} has status ${String(shipment.status)} that the system has not applied yet (counted as ${counted}); wait until it has, then retry`,
    };
  }
  if (verdict.kind !== 'legal')
    return { kind: 'noop', reason: `shipment ${id} is already ${to}; nothing to do` };
  // A field edit the system has not set back yet (or an item out of the contract): shipment-events would
  // answer it and this status edit together, setting the status back as well.
  const parsed = parseItem(ShipmentSchema, shipment);
  if (!parsed.ok) {
    return {
      kind: 'refuse',
      reason: `shipment ${id} is invalid as stored (${parsed.problems.join('; ')}); the system sets such an edit back, with any status edit made beside it. Wait until it has (\`clearance shipment show ${id}\`), then retry`,
    };
  }
  // Put back from a copy edited with its stamp: shipment-events rejects the status edit (judgeStatusEdit).
  const verdictOnStamp = judgeStatusEdit(id, { ...shipment, status: to }, counted);
  if (verdictOnStamp.kind === 'illegal')
    return { kind: 'refuse', reason: `shipment ${id} cannot be marked ${to}: ${verdictOnStamp.reason}` };
  const edited = fixedFieldsEdit(id, shipment, counted, shipment);
  if (edited !== undefined) {
    return {
      kind: 'refuse',
      reason: `shipment ${id} has an edit of fields it may not change that the system has not set back yet (${edited.statusError}); wait until it has (\`clearance shipment show ${id}\`), then retry`,
    };
  }
  return {
    kind: 'change',
    from: verdict.from,
    to: verdict.to,
    expect: shipmentAsJudged(shipment, verdict.from),
  };
}

/**
 * What a shipment command's plan judged, as its write's conditions: the
 * status as counted; the fixed fields and the `countedAs` stamp, as a license
 * pass's writes require them (`countedAsOf`, `stampExpected`); `value` and the
 * `countedValue` drawn while `value` is fixed; `priority` and `requestedAt`
 * (judged valid); and `revision`. An edit of any of them landing between the
 * read and the write fails the write, rather than having the system set this
 * status back with the edit (or judge it on a shipment it has changed since).
 */
export function shipmentAsJudged(shipment: RawItem, from: ShipmentStatus): Record<string, unknown> {
  const fixed = countedAsOf(shipment as unknown as CountedAs);
  return {
    status: from,
    countedStatus: from,
    ...Object.fromEntries(Object.entries(fixed).map(([k, v]) => [k, v ?? null])),
    ...stampExpected(shipment as { countedAs?: CountedAsStamp }),
    ...(VALUE_FIXED_WHILE.includes(from)
      ? { value: shipment.value ?? null, countedValue: shipment.countedValue ?? null }
      : {}),
    priority: shipment.priority ?? null,
    requestedAt: shipment.requestedAt ?? null,
    revision: shipment.revision ?? null,
  };
}
