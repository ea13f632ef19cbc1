import { Expr } from '../shared/adapters/dynamo/expressions.js';
import { LICENSE_TRANSITIONS } from '../shared/domain/license-rules.js';
import {
  LICENSE_STATUSES,
  LicenseSchema,
  type LicenseStatus,
  MAX_QUANTITY,
  MAX_VALUE,
  MAX_VALUE_TOLERANCE_PERCENT,
  parseItem,
  showValue,
} from '../shared/domain/model.js';
import { remainingOf, valueCap } from '../shared/domain/planning.js';
import type { RawItem } from '../shared/domain/ports.js';
import {
  AMENDABLE_TERMS,
  appliedTermsOf,
  judgeAmendment,
  type LicenseTerms,
  sameInstant,
  termsExpected,
  termsOf,
} from '../shared/domain/terms.js';
import { UsageError } from './errors.js';
import { count, usd } from './format.js';
import { authorAttributes } from './identity.js';

/**
 * `clearance license amend`, decided before anything is written: the options
 * checked with the engine's own schema, the license checked for being applied
 * and settled, and the one conditional write that carries the amendment.
 */

export type AmendableTerm = (typeof AMENDABLE_TERMS)[number];

/** The options of `license amend` as commander passes them (strings, as typed). */
export interface AmendOptions {
  quantity?: string;
  value?: string;
  tolerance?: string;
  validFrom?: string;
  validUntil?: string;
}

/** What the operator asked to change: terms to set, and terms to remove (only `authorizedValue`). */
export interface AmendRequest {
  set: Partial<Record<AmendableTerm, number | string>>;
  remove: AmendableTerm[];
}

/** The word `--value` takes to remove the value limit (the license then limits quantity only). */
export const NO_VALUE = 'none';

/** Which option sets which term, for messages. */
export const OPTION_OF: Record<AmendableTerm, string> = {
  authorizedQuantity: '--quantity',
  authorizedValue: '--value',
  valueTolerancePercent: '--tolerance',
  validFrom: '--valid-from',
  validUntil: '--valid-until',
};

const WHOLE = /^[0-9]+$/;

/** A whole number as typed (digits only), checked with the schema of `term`; else a UsageError with `rule`. */
function wholeOption(term: AmendableTerm, text: string, rule: string): number {
  const typed = text.trim();
  const n = WHOLE.test(typed) ? Number(typed) : Number.NaN;
  if (!LicenseSchema.shape[term].safeParse(n).success) {
    throw new UsageError(`${OPTION_OF[term]} must be ${rule}, not "${showValue(text, 40)}"`);
  }
  return n;
}

function timeOption(term: 'validFrom' | 'validUntil', text: string): string {
  const typed = text.trim();
  if (!LicenseSchema.shape[term].safeParse(typed).success) {
    throw new UsageError(
      `${OPTION_OF[term]} must be an ISO-8601 UTC time ending in Z, such as 2026-01-31T00:00:00Z, not "${showValue(text, 40)}"`,
    );
  }
  return typed;
}

/**
 * Checks each option on its own, with the rules the engine applies
 * (LicenseSchema), and says which option is wrong and how to fix it. At
 * least one term option is required.
 */
export function parseAmendOptions(opts: AmendOptions): AmendRequest {
  const request: AmendRequest = { set: {}, remove: [] };
  if (opts.quantity !== undefined) {
    request.set.authorizedQuantity = wholeOption(
      'authorizedQuantity',
      opts.quantity,
      `a whole number of units from 1 to ${MAX_QUANTITY} (digits only)`,
    );
  }
  if (opts.value !== undefined) {
    if (opts.value.trim().toLowerCase() === NO_VALUE) request.remove.push('authorizedValue');
    else {
      request.set.authorizedValue = wholeOption(
        'authorizedValue',
        opts.value,
        `a whole number of US dollars from 1 to ${MAX_VALUE} (digits only, no cents), or "${NO_VALUE}" to remove the value limit`,
      );
    }
  }
  if (opts.tolerance !== undefined) {
    request.set.valueTolerancePercent = wholeOption(
      'valueTolerancePercent',
      opts.tolerance.trim().replace(/%$/, ''),
      `a whole number from 0 to ${MAX_VALUE_TOLERANCE_PERCENT} (percent)`,
    );
  }
  if (opts.validFrom !== undefined) request.set.validFrom = timeOption('validFrom', opts.validFrom);
  if (opts.validUntil !== undefined) request.set.validUntil = timeOption('validUntil', opts.validUntil);
  if (Object.keys(request.set).length === 0 && request.remove.length === 0) {
    throw new UsageError(
      'nothing to amend: give at least one of --quantity, --value, --tolerance, --valid-from, --valid-until',
    );
  }
  return request;
}

/** What `license amend` should do with the license as read. */
export type AmendPlan =
  | { kind: 'refuse'; reason: string }
  | { kind: 'noop'; reason: string }
  | {
      kind: 'change';
      from: LicenseTerms;
      to: LicenseTerms;
      /** Attributes to set and to remove in the one write. */
      set: Record<string, number | string>;
      remove: string[];
      /** Conditions of the write: the values read (null: absent). */
      expect: Record<string, unknown>;
      /** What the operator should know before it lands (lowered limits, a window moved). */
      notes: string[];
    };

const isStatus = (v: unknown): v is LicenseStatus =>
  typeof v === 'string' && (LICENSE_STATUSES as readonly string[]).includes(v);

/**
 * An amendment the system has not applied yet: the terms of `raw` differ
 * from its `appliedTerms`. Undefined when they agree, or when the license
 * keeps no applied terms (never applied, or applied before terms were kept).
 */
export function pendingAmendment(raw: RawItem): { changes: string; rejectedBecause?: string } | undefined {
  if (!isStatus(raw.appliedStatus)) return undefined;
  const applied = appliedTermsOf(raw);
  if (applied === undefined) return undefined;
  const verdict = judgeAmendment(applied, raw);
  if (verdict.kind === 'unchanged') return undefined;
  if (verdict.kind === 'illegal') {
    return {
      changes: describeTerms(applied, { ...applied, ...verdict.found } as LicenseTerms, verdict.fields),
      rejectedBecause: verdict.reason,
    };
  }
  return { changes: describeTerms(applied, verdict.terms, verdict.changed) };
}

function showTerm(term: keyof LicenseTerms, value: unknown): string {
  if (value === undefined || value === null) return '(none)';
  if (typeof value !== 'number') return showValue(value, 40);
  if (term === 'authorizedValue') return usd(value);
  if (term === 'valueTolerancePercent') return `${value}%`;
  return count(value);
}

/** "authorizedQuantity 100 → 150, authorizedValue (none) → $50,000". */
export function describeTerms(
  from: LicenseTerms,
  to: LicenseTerms,
  terms: readonly (keyof LicenseTerms)[] = AMENDABLE_TERMS,
): string {
  return terms
    .filter((t) => from[t] !== to[t])
    .map((t) => `${t} ${showTerm(t, from[t])} → ${showTerm(t, to[t])}`)
    .join(', ');
}

/** Why the license cannot be amended now, or undefined when it can. */
function notAmendable(raw: RawItem): string | undefined {
  const id = String(raw.licenseId);
  const applied = raw.appliedStatus;
  if (applied === undefined) {
    return `license ${id} has no appliedStatus: the system has not applied it yet, so there is nothing to amend. Wait until \`clearance license show ${id}\` shows an applied status, or correct the item in the console before it is applied`;
  }
  if (!isStatus(applied)) {
    return `license ${id} has appliedStatus ${showValue(applied)}, which is not a status; run \`clearance reconcile\` and fix the item before amending it`;
  }
  if (raw.status !== applied) {
    return raw.statusError !== undefined
      ? `license ${id} has status ${showValue(raw.status)}, which the system rejected (${showValue(raw.statusError, 200)}); set status back to ${applied} or to a legal status first, then amend`
      : `license ${id} has status ${showValue(raw.status)} that the system has not applied yet (applied: ${applied}); wait until it has (\`clearance license show ${id}\`), then amend`;
  }
  if (LICENSE_TRANSITIONS[applied].length === 0) {
    return `license ${id} is ${applied}, which is final: amended, it would stay ${applied} and release nothing. A license to be used again is a new license item (its own licenseId), approved on its own`;
  }
  if (raw.pendingWork !== undefined) {
    return `license ${id} still has work in progress (pendingWork ${showValue(raw.pendingWork)}); wait until the system has finished (\`clearance license show ${id}\`), then amend. If it never finishes, look at \`clearance dlq list\``;
  }
  const pending = pendingAmendment(raw);
  if (pending !== undefined) {
    return `license ${id} has an amendment the system has not applied yet (${pending.changes}); wait until it has (\`clearance license show ${id}\`), then amend again`;
  }
  return undefined;
}

/** The license with the request applied, as the item will read after the write. */
function amendedItem(raw: RawItem, request: AmendRequest): RawItem {
  const next: RawItem = { ...raw, ...request.set };
  for (const term of request.remove) delete next[term];
  return next;
}

/** Problems of the amended item as a whole (the window's order), named by the options that caused them. */
export function wholeItemProblem(raw: RawItem, next: RawItem, request: AmendRequest): string | undefined {
  const parsed = parseItem(LicenseSchema, next);
  if (parsed.ok) return undefined;
  const problems = parsed.problems;
  if (problems.some((p) => p.includes('validUntil must be later than validFrom'))) {
    return request.set.validUntil !== undefined
      ? `--valid-until must be later than validFrom (${String(next.validFrom)})`
      : `--valid-from must be earlier than validUntil (${String(raw.validUntil)})`;
  }
  return `the amended license would be invalid: ${problems.join('; ')}`;
}

/** Notes on what the amendment will do, so the operator is not surprised by re-holds or an expiry. */
function amendNotes(raw: RawItem, to: LicenseTerms, now: Date): string[] {
  const notes: string[] = [];
  const releasedQuantity = typeof raw.releasedQuantity === 'number' ? raw.releasedQuantity : 0;
  const releasedValue = typeof raw.releasedValue === 'number' ? raw.releasedValue : 0;
  const cap = valueCap(to);
  if (to.authorizedQuantity < releasedQuantity || (cap !== undefined && releasedValue > cap)) {
    notes.push(
      'the new limit is below what is already released: the system re-holds unshipped shipments, last in hold order first; if shipped goods alone exceed it, ops gets a high-severity alert',
    );
  }
  // The amendment's pass re-holds them (shared/engine/license-passes.ts): under a value limit a shipment needs a value.
  if (to.authorizedValue !== undefined && raw.authorizedValue === undefined && releasedQuantity > 0) {
    notes.push(
      'the license gets a value limit: released shipments without a value go back on hold (SHIPMENT_VALUE_MISSING) until one is set',
    );
  }
  if (to.valueTolerancePercent !== undefined && to.authorizedValue === undefined) {
    notes.push('the tolerance has no effect while the license has no value limit (--value)');
  }
  if (Date.parse(to.validUntil) < now.getTime()) {
    notes.push('validUntil is in the past: the license expires and its released shipments go back on hold');
  } else if (Date.parse(to.validFrom) > now.getTime()) {
    notes.push('validFrom is in the future: released shipments go back on hold until then');
  }
  return notes;
}

/**
 * Decides `license amend` from the item as read: refuses a license the system
 * has not applied or is still working on, and an amendment the engine would
 * reject; otherwise the write, conditional on the status and every term read,
 * so a concurrent edit is never overwritten. Throws a UsageError when the
 * options together make an invalid license (e.g. a window that ends before it
 * starts).
 */
export function planAmendment(raw: RawItem, request: AmendRequest, now: Date): AmendPlan {
  const id = String(raw.licenseId);
  const blocked = notAmendable(raw);
  if (blocked !== undefined) return { kind: 'refuse', reason: blocked };
  const current = parseItem(LicenseSchema, raw);
  if (!current.ok) {
    return {
      kind: 'refuse',
      reason: `license ${id} is invalid as stored (${current.problems.join('; ')}); fix the item first`,
    };
  }
  const from = termsOf(current.value);
  const next = amendedItem(raw, request);
  const problem = wholeItemProblem(raw, next, request);
  if (problem !== undefined) throw new UsageError(problem);
  const verdict = judgeAmendment(appliedTermsOf(raw) ?? from, next);
  if (verdict.kind === 'illegal')
    return { kind: 'refuse', reason: `cannot amend license ${id}: ${verdict.reason}` };
  const to = sameInstantsKept(from, verdict.kind === 'amended' ? verdict.terms : from);
  const changed = AMENDABLE_TERMS.filter((t) => from[t] !== to[t]);
  if (changed.length === 0) {
    return { kind: 'noop', reason: `license ${id} already has these terms; nothing to do` };
  }
  const applied = String(raw.appliedStatus);
  return {
    kind: 'change',
    from,
    to,
    set: Object.fromEntries(changed.flatMap((t) => (to[t] === undefined ? [] : [[t, to[t]]]))),
    remove: changed.filter((t) => to[t] === undefined),
    expect: { status: applied, appliedStatus: applied, pendingWork: null, ...termsExpected(from) },
    notes: amendNotes(raw, to, now),
  };
}

/**
 * `to` with a window bound typed again in another form for the same instant
 * kept as read: the engine takes it as unchanged (sameInstant), so it is
 * neither written nor reported as amended.
 */
function sameInstantsKept(from: LicenseTerms, to: LicenseTerms): LicenseTerms {
  const kept = { ...to };
  for (const t of ['validFrom', 'validUntil'] as const) if (sameInstant(from[t], to[t])) kept[t] = from[t];
  return kept;
}

/** What a license has left to release, in words: "60 units, $43,000" (value only under a value limit). */
export function remainingText(raw: RawItem): string | undefined {
  const parsed = parseItem(LicenseSchema, raw);
  if (!parsed.ok) return undefined;
  const left = remainingOf(parsed.value);
  return `${count(left.quantity)} units${left.value === undefined ? '' : `, ${usd(left.value)}`}`;
}

/**
 * The one conditional UpdateItem of an amendment: the changed terms, the
 * reason and author (the History entry quotes them), on the condition that
 * the license is still settled and its terms are still the ones read.
 */
export function amendmentUpdate(
  table: string,
  licenseId: string,
  plan: Extract<AmendPlan, { kind: 'change' }>,
  author: { reason: string; by: string },
) {
  const x = new Expr();
  const sets = Object.entries({
    ...plan.set,
    ...authorAttributes(author),
  }).map(([a, v]) => `${x.name(a)} = ${x.value(v)}`);
  const removes = plan.remove.map((a) => x.name(a));
  const condition = [`attribute_exists(${x.name('licenseId')})`, ...x.conditions(plan.expect)];
  return {
    TableName: table,
    Key: { licenseId },
    UpdateExpression: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
    ConditionExpression: condition.join(' AND '),
    ...x.params(),
  };
}

/** Whether two sets of terms are the same, optional terms included. */
export const sameTerms = (a: LicenseTerms, b: LicenseTerms): boolean =>
  JSON.stringify(termsExpected(a)) === JSON.stringify(termsExpected(b));
