import { createHash } from 'node:crypto';
import { isIsoTime, type License, LicenseSchema, type LicenseStatus, parseItem, showValue } from './model.js';
import type { RawItem } from './ports.js';

/**
 * A license's terms: what the authority wrote, which the system applies. The
 * system keeps the terms it last applied as `appliedTerms` on the item (as it
 * keeps `appliedStatus`), with a sealed copy of them (sealTerms), and judges
 * every edit of them from there, not from the stream's old image.
 */
export interface LicenseTerms {
  customerId: string;
  sku: string;
  destinationCountry: string;
  authorizedQuantity: number;
  authorizedValue?: number;
  valueTolerancePercent?: number;
  validFrom: string;
  validUntil: string;
}

/** Terms that identify whom and what a license covers: an applied license never changes them. */
export const IDENTITY_TERMS = ['customerId', 'sku', 'destinationCountry'] as const;
/** Terms an amendment may change (the authority amends them); the change takes effect at once. */
export const AMENDABLE_TERMS = [
  'authorizedQuantity',
  'authorizedValue',
  'valueTolerancePercent',
  'validFrom',
  'validUntil',
] as const;
const ALL_TERMS = [...IDENTITY_TERMS, ...AMENDABLE_TERMS] as const;
export type Term = (typeof ALL_TERMS)[number];

/**
 * Write conditions saying that an item's terms are exactly `terms`; `null`
 * means an optional term must be absent. The storage adapters use them to
 * commit to terms only while they are still the ones judged: the admin's
 * attributes, or (under `expectIn: { appliedTerms }`, a nested map) the
 * applied ones. A dotted key is a literal attribute name, not a path.
 */
export function termsExpected(terms: LicenseTerms): Record<string, unknown> {
  return Object.fromEntries(ALL_TERMS.map((k) => [k, terms[k] ?? null]));
}

/**
 * Write conditions saying that an item's terms are still as read in `raw`,
 * whatever they are (valid or not; absent reads as `null`): a decision
 * written on them loses to an amendment typed in between.
 */
export function termsAsRead(raw: RawItem): Record<string, unknown> {
  return Object.fromEntries(ALL_TERMS.map((k) => [k, raw[k] ?? null]));
}

/** The terms of a (valid) license. */
export function termsOf(license: License): LicenseTerms {
  return {
    customerId: license.customerId,
    sku: license.sku,
    destinationCountry: license.destinationCountry,
    authorizedQuantity: license.authorizedQuantity,
    ...(license.authorizedValue === undefined ? {} : { authorizedValue: license.authorizedValue }),
    ...(license.valueTolerancePercent === undefined
      ? {}
      : { valueTolerancePercent: license.valueTolerancePercent }),
    validFrom: license.validFrom,
    validUntil: license.validUntil,
  };
}

/** The terms a map holds (`appliedTerms`, a sealed copy's payload), or undefined when one is missing or of another type. */
function termsIn(r: Record<string, unknown>): LicenseTerms | undefined {
  const str = (k: string) => (typeof r[k] === 'string' ? (r[k] as string) : undefined);
  const num = (k: string) => (typeof r[k] === 'number' ? (r[k] as number) : undefined);
  const [customerId, sku, country, from, until, quantity] = [
    str('customerId'),
    str('sku'),
    str('destinationCountry'),
    str('validFrom'),
    str('validUntil'),
    num('authorizedQuantity'),
  ];
  if (!customerId || !sku || !country || !from || !until || quantity === undefined) return undefined;
  const value = num('authorizedValue');
  const tolerance = num('valueTolerancePercent');
  return {
    customerId,
    sku,
    destinationCountry: country,
    authorizedQuantity: quantity,
    ...(value === undefined ? {} : { authorizedValue: value }),
    ...(tolerance === undefined ? {} : { valueTolerancePercent: tolerance }),
    validFrom: from,
    validUntil: until,
  };
}

const isMap = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The member of `appliedTerms` that holds its sealed copy ({@link sealTerms}).
 * The plain members beside it are what a reader sees; a find and replace
 * over the item's JSON in the console changes them with the terms alike
 * (both carry the same attribute name and value), never the sealed copy.
 */
export const SEALED_TERMS = 'sealed';

/** The canonical JSON of `terms` applied to `licenseId`: the id, then each term present, in one fixed order. */
const canonicalTerms = (licenseId: string, terms: LicenseTerms): string =>
  JSON.stringify({
    licenseId,
    ...Object.fromEntries(ALL_TERMS.flatMap((t) => (terms[t] === undefined ? [] : [[t, terms[t]]]))),
  });

/**
 * The sealed copy of the terms applied to `licenseId`: base64url of their
 * canonical JSON (the id and the terms), a dot, and 16 hex digits of its
 * SHA-256. Unlike a digest alone, the terms can be read back from it; the
 * digest tells a copy a find and replace reached (base64url and hex are
 * made of letters and digits) from one the system wrote.
 */
export function sealTerms(licenseId: string, terms: LicenseTerms): string {
  const json = canonicalTerms(licenseId, terms);
  const digest = createHash('sha256').update(json).digest('hex').slice(0, 16);
  return `${Buffer.from(json, 'utf8').toString('base64url')}.${digest}`;
}

/** The `appliedTerms` map the system writes: the terms as plain members, and their sealed copy. */
export const appliedTermsItem = (licenseId: string, terms: LicenseTerms): Record<string, unknown> => ({
  ...terms,
  [SEALED_TERMS]: sealTerms(licenseId, terms),
});

/**
 * What the sealed copy of a license item's `appliedTerms` says: `unsealed`
 * (no `appliedTerms`, or one written before the seal existed: its plain
 * members are taken as they are), `sealed` (the terms it holds, for this
 * license), or `damaged` (it does not decode, does not match its digest, or
 * names another license: edited by hand, reached by a find and replace, or
 * copied from another item), `why` saying which.
 */
export type AppliedSeal =
  | { kind: 'unsealed' }
  | { kind: 'sealed'; terms: LicenseTerms }
  | { kind: 'damaged'; why: string };

/** Reads the sealed copy of `raw`'s applied terms (see AppliedSeal). */
export function appliedSealOf(raw: RawItem): AppliedSeal {
  const map = raw.appliedTerms;
  if (!isMap(map) || map[SEALED_TERMS] === undefined) return { kind: 'unsealed' };
  const sealed = map[SEALED_TERMS];
  const damaged = (why: string): AppliedSeal => ({ kind: 'damaged', why });
  if (typeof sealed !== 'string') return damaged(`is not a string (it is ${showValue(sealed)})`);
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(sealed.split('.')[0] ?? '', 'base64url').toString('utf8'));
  } catch {
    payload = undefined;
  }
  const terms = isMap(payload) ? termsIn(payload) : undefined;
  const named = isMap(payload) ? payload.licenseId : undefined;
  if (terms === undefined || typeof named !== 'string') return damaged('does not decode to terms');
  if (named !== raw.licenseId) return damaged(`names license ${showValue(named)}, not this one`);
  if (sealTerms(named, terms) !== sealed) return damaged('does not match its digest');
  return { kind: 'sealed', terms };
}

/**
 * The terms a license item was last applied with, or undefined when it has
 * none (never applied, or applied before terms were kept) or when its sealed
 * copy is damaged (appliedSealOf; the engine refuses such an item before it
 * reads its terms). A sealed copy is the applied terms, whatever the plain
 * members beside it say; an `appliedTerms` written before the seal is taken
 * as it is.
 */
export function appliedTermsOf(raw: RawItem): LicenseTerms | undefined {
  const seal = appliedSealOf(raw);
  if (seal.kind === 'sealed') return seal.terms;
  if (seal.kind === 'damaged' || !isMap(raw.appliedTerms)) return undefined;
  return termsIn(raw.appliedTerms);
}

/**
 * The terms whose plain member in `appliedTerms` differs from the sealed
 * copy: an edit of the system's record (a find and replace over the item's
 * JSON changes it with the term of the same name). Empty when they agree, or
 * when there is no valid sealed copy to compare with.
 */
export function appliedCopyEdits(raw: RawItem): Term[] {
  const seal = appliedSealOf(raw);
  if (seal.kind !== 'sealed' || !isMap(raw.appliedTerms)) return [];
  const plain = raw.appliedTerms;
  return ALL_TERMS.filter((t) => !same(t, plain[t], seal.terms[t]));
}

const same = (term: Term, a: unknown, b: unknown) =>
  a === b ||
  (a === undefined && b === null) ||
  (a === null && b === undefined) ||
  ((term === 'validFrom' || term === 'validUntil') && sameInstant(a, b));

/**
 * Two ISO times for one instant (`…T12:00:00Z` and `…T12:00:00.000Z`): a time
 * term typed again in another form is no amendment, and its lead times are
 * not announced again.
 */
export function sameInstant(a: unknown, b: unknown): boolean {
  // Only times the contract accepts: one it refuses (an offset, a date alone) is an edit to judge.
  if (typeof a !== 'string' || typeof b !== 'string' || !isIsoTime(a) || !isIsoTime(b)) return false;
  const [x, y] = [Date.parse(a), Date.parse(b)];
  return Number.isFinite(x) && x === y;
}

/**
 * A license item read under the terms it was last applied with: each term
 * replaced by its `appliedTerms` entry (an optional term the applied ones lack
 * removed), the rest as it stands. The item as it stands when no terms were
 * kept. What work resumed past a rejected edit runs under: the rejected
 * values (another customer, a lowered limit) are not the license's.
 */
export function underAppliedTerms(raw: RawItem): RawItem {
  const applied = appliedTermsOf(raw);
  if (applied === undefined) return raw;
  const item: Record<string, unknown> = { ...raw };
  for (const t of ALL_TERMS) {
    if (applied[t] === undefined) delete item[t];
    else item[t] = applied[t];
  }
  return item;
}

/**
 * An applied license item that does not parse, read as far as a restrictive
 * change needs it: as it stands, with `status`, and with the attributes that
 * only name or explain it (`licenseNumber`, `updatedBy`, `statusReason`) left
 * out or, for `licenseNumber`, replaced by the id when they are what is
 * invalid. An item invalid in anything else stays undefined. An expiry,
 * suspension, revocation or denial must not wait for a typo in those to be
 * fixed: until then goods stay released under a license that no longer
 * allows them (I1). Its terms are the item's own text (the writes that commit
 * to work, and the expiry watch's record, are conditional on them as read);
 * the caller makes sure they are the applied ones (termsSettled).
 */
export function failSafeLicense(raw: RawItem, status: LicenseStatus): License | undefined {
  const item: RawItem = { ...raw, status };
  const parsed = parseItem(LicenseSchema, item);
  if (parsed.ok) return parsed.value;
  const { updatedBy: _u, statusReason: _r, ...named } = item;
  for (const licenseNumber of [raw.licenseNumber, raw.licenseId]) {
    const again = parseItem(LicenseSchema, { ...named, licenseNumber });
    if (again.ok) return again.value;
  }
  return undefined;
}

/**
 * Whether a license item's terms are the ones applied: every term equals its
 * applied value (appliedTermsOf: the sealed copy, when there is one). False
 * when no terms were kept yet (the engine adopts them on its next read), and
 * when the sealed copy is damaged (no applied terms are known).
 */
export function termsSettled(raw: RawItem): boolean {
  const applied = appliedTermsOf(raw);
  return applied !== undefined && ALL_TERMS.every((t) => same(t, raw[t], applied[t]));
}

/**
 * How every rejected amendment's `statusError` begins. The write-back leaves
 * the terms and status as applied, so only this prefix tells the engine to
 * keep the reason for the admin (the next legal edit clears it) rather than
 * clear it as it clears a status typo set back by hand.
 */
export const AMENDMENT_REJECTED = 'amendment rejected: ';

/** Whether a `statusError` is a rejected amendment's (see AMENDMENT_REJECTED). */
export const isAmendmentRejection = (statusError: unknown): boolean =>
  typeof statusError === 'string' && statusError.startsWith(AMENDMENT_REJECTED);

/** What to do with a license whose identity was wrong, by its applied status: the legal way out, if any. */
const retire = (status: LicenseStatus | undefined): string =>
  status === 'PENDING'
    ? ' and deny this one (set its status to DENIED)'
    : status === 'APPROVED' || status === 'SUSPENDED' || status === undefined
      ? ' and revoke this one (set its status to REVOKED)'
      : ` (this one stays ${status})`;

/**
 * The statuses no transition leaves (LICENSE_TRANSITIONS in license-rules.ts, which imports this
 * module; a test keeps the two in step): an amendment of such a license changes nothing it does.
 */
export const FINAL_LICENSE_STATUSES: readonly LicenseStatus[] = ['DENIED', 'REVOKED', 'EXPIRED'];

/** The verdict on a license item's terms against the terms last applied. */
export type AmendmentVerdict =
  | { kind: 'unchanged' }
  | { kind: 'amended'; changed: readonly Term[]; terms: LicenseTerms }
  | {
      kind: 'illegal';
      /** The term the problem is found in (the first such, when several are). */
      field: Term;
      /**
       * Every term the edit changed, each set back: an edit is judged as a
       * whole, so a rejected one is applied in none of its terms (a valid
       * raise typed beside an invalid window is set back with it).
       */
      fields: readonly Term[];
      reason: string;
      /** The applied values to write back (null: remove the attribute), one per term in `fields`. */
      revert: Record<string, unknown>;
      /** The values found, one per term in `fields`, to make the revert conditional on all of them. */
      found: Record<string, unknown>;
    };

const shownTerm = (value: unknown) => (value === undefined ? '(none)' : showValue(value));

/**
 * What a rejection says it set back: one term as `term was set back to
 * value`; several (the edit set back whole) as each term and its value, and
 * which of them were valid and set back only because the edit is one.
 */
function setBackText(applied: LicenseTerms, fields: readonly Term[], faulty: readonly Term[]): string {
  if (fields.length === 1) return `${fields[0]} was set back to ${shownTerm(applied[fields[0] as Term])}`;
  const valid = fields.filter((f) => !faulty.includes(f));
  const withIt =
    valid.length === 0
      ? ''
      : `; ${valid.join(', ')} ${valid.length === 1 ? 'was' : 'were'} not at fault but ${valid.length === 1 ? 'is' : 'are'} set back with the rest`;
  return (
    `the edit is applied whole or not at all, so all of it was set back: ` +
    `${fields.map((f) => `${f} to ${shownTerm(applied[f])}`).join(', ')}${withIt}`
  );
}

/**
 * Judges the terms of `raw` against `applied`. Identity terms of an applied
 * license never change; amended terms must be valid (a whole positive
 * limit, a tolerance of 0–25 %, a window that ends after it starts). An
 * illegal edit names the terms at fault and the fix, and is written back
 * whole: every term it changed, not only those at fault, so that no part of
 * a rejected edit is applied on the write-back's own read. `status`, the
 * applied status, tailors the fix of an identity edit to the transitions
 * open to the license; `becoming`, a status it takes whatever the edit (the
 * system's expiry), to those open from there.
 */
export function judgeAmendment(
  applied: LicenseTerms,
  raw: RawItem,
  status?: LicenseStatus,
  becoming?: LicenseStatus,
): AmendmentVerdict {
  const changed = ALL_TERMS.filter((t) => !same(t, raw[t], applied[t]));
  if (changed.length === 0) return { kind: 'unchanged' };
  const illegal = (field: Term, reason: string) => ({
    kind: 'illegal' as const,
    field,
    fields: changed,
    reason: `${AMENDMENT_REJECTED}${reason}`,
    revert: Object.fromEntries(changed.map((f) => [f, applied[f] ?? null])),
    found: Object.fromEntries(changed.map((f) => [f, raw[f] ?? null])),
  });
  const identities = changed.filter((t): t is (typeof IDENTITY_TERMS)[number] =>
    (IDENTITY_TERMS as readonly string[]).includes(t),
  );
  const [identity] = identities;
  if (identity !== undefined) {
    // The other terms of the edit are judged too: one invalid beside the identity is at fault, not "set back with the rest".
    const parsedWith = parseItem(LicenseSchema, raw);
    const others = changed.filter((t) => !identities.includes(t as (typeof IDENTITY_TERMS)[number]));
    const invalid = parsedWith.ok ? [] : parsedWith.problems.filter((p) => others.some((t) => p.includes(t)));
    const why = [
      ...identities.map(
        (t) =>
          `${t} of an applied license cannot change (it was ${showValue(applied[t])}, now ${showValue(raw[t])})`,
      ),
      ...invalid,
    ].join('; ');
    const faulty = [...identities, ...others.filter((t) => invalid.some((p) => p.includes(t)))];
    const setBack =
      changed.length === 1
        ? `it was set back to ${showValue(applied[identity])}`
        : setBackText(applied, changed, faulty);
    return illegal(
      identity,
      `${why}; ${setBack}. A license for another ${identities.join(', ')} is a new license: create it${retire(becoming ?? status)}`,
    );
  }
  if (status !== undefined && FINAL_LICENSE_STATUSES.includes(status)) {
    // As `clearance license amend` refuses it: the item would show terms that changed nothing.
    return illegal(
      changed[0] as Term,
      `the license is ${status}, which is final: amended, it would stay ${status} and release nothing; ` +
        `${changed.join(', ')} ${changed.length === 1 ? 'was' : 'were'} set back. A license to be used again is a new license item (its own licenseId), approved on its own`,
    );
  }
  const parsed = parseItem(LicenseSchema, raw);
  if (!parsed.ok) {
    // A problem no changed term causes (an emptied licenseNumber beside a valid new limit) is the
    // item's, not the amendment's: the item is rejected as it is (nothing of it applied until it
    // is fixed), and the valid term is not set back.
    const problems = parsed.problems.filter((p) => changed.some((t) => p.includes(t)));
    const faulty = changed.filter((t) => problems.some((p) => p.includes(t)));
    const [field] = faulty;
    if (field === undefined) return { kind: 'unchanged' };
    const fix =
      changed.length === 1 ? 'Amend it again with a valid value' : 'Make the edit again with valid values';
    return illegal(field, `${problems.join('; ')}; ${setBackText(applied, changed, faulty)}. ${fix}`);
  }
  return { kind: 'amended', changed, terms: termsOf(parsed.value) };
}

/**
 * The rejection of an edit of `appliedTerms`' plain members alone (`edits`,
 * appliedCopyEdits), the terms themselves as applied: that map is the
 * system's record of the terms it applied, no admin's to change, so the edit
 * is rejected as an illegal amendment is, and rejectAmendment writes the map
 * back whole. Undefined when there is no such edit.
 */
export function copyEditRejection(
  raw: RawItem,
  edits: readonly Term[],
): Extract<AmendmentVerdict, { kind: 'illegal' }> | undefined {
  const applied = appliedTermsOf(raw);
  const [field] = edits;
  if (applied === undefined || field === undefined || !isMap(raw.appliedTerms)) return undefined;
  const plain = raw.appliedTerms;
  const now = edits.map((t) => `${t} ${shownTerm(plain[t])}`).join(', ');
  const back = edits.map((t) => `${t} to ${shownTerm(applied[t])}`).join(', ');
  return {
    kind: 'illegal',
    field,
    fields: [],
    reason: `${AMENDMENT_REJECTED}appliedTerms is the system's record of the terms it last applied, not a field to edit (it read ${now}); it was set back (${back}). To amend the license, edit the term itself (or run \`clearance license amend\`)`,
    revert: {},
    found: {},
  };
}

/** The changed terms of an amendment, each as `term from → to`, for its History entry and alerts. */
export const describeTerms = (
  from: Partial<LicenseTerms>,
  to: LicenseTerms,
  changed: readonly (keyof LicenseTerms)[],
): string =>
  changed.map((t) => `${t} ${String(from[t] ?? '(none)')} → ${String(to[t] ?? '(none)')}`).join(', ');

/**
 * What an amendment's write also records when it moves `validFrom` later:
 * when (`validFromAmendedAt`), and the earliest `validFrom` in force before
 * (`validFromBefore`: the one it replaced, or an earlier one already
 * recorded). A later `validFrom` already past leaves what was released
 * before it RELEASED (the license is valid now); I1's check judges those
 * under the window then in force, which began no earlier than that
 * (shared/domain/invariants.ts).
 */
export function windowAmended(
  from: LicenseTerms | undefined,
  to: LicenseTerms,
  at: string,
  recorded: string | undefined,
): { validFromAmendedAt: string; validFromBefore: string } | undefined {
  if (from === undefined || !(Date.parse(to.validFrom) > Date.parse(from.validFrom))) return undefined;
  const before =
    recorded !== undefined && Date.parse(recorded) < Date.parse(from.validFrom) ? recorded : from.validFrom;
  return { validFromAmendedAt: at, validFromBefore: before };
}
