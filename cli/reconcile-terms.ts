import { Expr } from '../shared/adapters/dynamo/expressions.js';
import { consumed, countedAsStamp, stampIntact } from '../shared/domain/counters.js';
import type { Violation } from '../shared/domain/invariants.js';
import { LicenseStatusSchema, parseItem, ShipmentSchema } from '../shared/domain/model.js';
import { copiedFrom, valueCap } from '../shared/domain/planning.js';
import type { RawItem } from '../shared/domain/ports.js';
import {
  appliedSealOf,
  appliedTermsItem,
  appliedTermsOf,
  type LicenseTerms,
  termsAsRead,
  termsSettled,
} from '../shared/domain/terms.js';
import { damagedSealText } from '../shared/engine/license-rejections.js';
import { listFew, plural } from './format.js';

/**
 * An applied license whose `appliedTerms` has no sealed copy (written before
 * the seal existed) while its terms are the ones applied. The system takes
 * such terms as they are, so a find and replace over the item's JSON that
 * changes a term and its copy in `appliedTerms` alike still looks settled
 * (an identity change not rejected, a lowered limit not applied).
 * `reconcile --fix` seals it: `appliedTerms` written again with its sealed
 * copy, as every decision and amendment now writes it.
 */
export interface TermsSealFix {
  kind: 'termsSeal';
  licenseId: string;
  /** `appliedTerms` as read, the whole map: the write is conditional on it. */
  read: Record<string, unknown>;
  /** `appliedTerms` with its sealed copy, of the terms read (appliedTermsItem). */
  set: Record<string, unknown>;
  /** What else the write is conditional on, as read: `appliedStatus`, `status` and each term (termsAsRead). */
  expect: Record<string, unknown>;
}

/** The unsealed applied terms to seal, and those left unsealed ({@link unsealedTermsOf}). */
export interface UnsealedTerms {
  fixes: TermsSealFix[];
  /** Licenses left unsealed: their RELEASED and SHIPPED shipments do not fit the terms (see unsealedTermsOf). */
  left: string[];
}

/** What a license's counted RELEASED and SHIPPED shipments show: who and what they are for, and what they draw. */
interface Drawn {
  identities: Set<string>;
  quantity: number;
  value: number;
}

const identity = (customerId: unknown, sku: unknown) => JSON.stringify([customerId, sku]);

/**
 * The customer and sku of each license's RELEASED and SHIPPED shipments (by
 * their sealed stamp, else the item) and the units and value they draw.
 */
function drawnBy(shipments: readonly RawItem[]): Map<string, Drawn> {
  const by = new Map<string, Drawn>();
  for (const raw of shipments) {
    const p = parseItem(ShipmentSchema, raw);
    if (!p.ok || copiedFrom(raw) !== undefined) continue;
    const s = p.value;
    if (s.countedStatus !== 'RELEASED' && s.countedStatus !== 'SHIPPED') continue;
    const stamp = countedAsStamp(raw);
    const vouched = stamp?.seal !== undefined && stampIntact(s.shipmentId, stamp);
    const d = by.get(s.licenseId) ?? { identities: new Set(), quantity: 0, value: 0 };
    d.identities.add(vouched ? identity(stamp?.customerId, stamp?.sku) : identity(s.customerId, s.sku));
    d.quantity += consumed(s.countedStatus, s.quantity);
    d.value += consumed(s.countedStatus, s.value ?? 0);
    by.set(s.licenseId, d);
  }
  return by;
}

/** Whether what a license's shipments show fits `terms`: their customer and sku, within its limits. */
function fits(terms: LicenseTerms, drawn: Drawn | undefined): boolean {
  if (drawn === undefined) return true;
  const cap = valueCap(terms);
  return (
    [...drawn.identities].every((i) => i === identity(terms.customerId, terms.sku)) &&
    drawn.quantity <= terms.authorizedQuantity &&
    (cap === undefined || drawn.value <= cap)
  );
}

/**
 * The applied licenses whose `appliedTerms` is unsealed and settled (the
 * item's terms are the applied ones: an amendment still to judge is sealed by
 * its own commit), in the order read. Before sealing them in, the terms are
 * checked against what the license's RELEASED and SHIPPED shipments show:
 * they were released for its customer and sku, within its limits. A license
 * whose shipments name another customer or sku, or draw more than its limits,
 * may carry a find and replace typed into both the terms and their copy
 * before the upgrade (or shipped goods above a lowered limit): it is left
 * unsealed (`left`) for a person, as sealing would vouch for the edit for good.
 */
export function unsealedTermsOf(licenses: readonly RawItem[], shipments: readonly RawItem[]): UnsealedTerms {
  const drawn = drawnBy(shipments);
  const found: UnsealedTerms = { fixes: [], left: [] };
  for (const raw of licenses) {
    const { licenseId, appliedTerms: read } = raw;
    const applied = LicenseStatusSchema.safeParse(raw.appliedStatus);
    if (typeof licenseId !== 'string' || !applied.success || appliedSealOf(raw).kind !== 'unsealed') continue;
    const terms = appliedTermsOf(raw);
    if (terms === undefined || !termsSettled(raw)) continue;
    if (!fits(terms, drawn.get(licenseId))) {
      found.left.push(licenseId);
      continue;
    }
    found.fixes.push({
      kind: 'termsSeal',
      licenseId,
      read: read as Record<string, unknown>,
      set: appliedTermsItem(licenseId, terms),
      expect: { appliedStatus: applied.data, status: raw.status ?? null, ...termsAsRead(raw) },
    });
  }
  return found;
}

/** The seals of {@link unsealedTermsOf} (the re-check's after `--fix`). */
export const unsealedTerms = (licenses: readonly RawItem[], shipments: readonly RawItem[]): TermsSealFix[] =>
  unsealedTermsOf(licenses, shipments).fixes;

/**
 * The write of a seal, as a conditional update: `appliedTerms` set to the
 * sealed map and `changedBy` to who ran the fix, on the condition that the
 * item still has `appliedTerms` as read (the whole map), and the
 * `appliedStatus`, `status` and terms read: a decision, an amendment or an
 * edit since the scan makes it fail. No History entry: nothing the license
 * applies changes.
 */
export function termsSealWrite(
  fix: TermsSealFix,
  changedBy: string,
): { licenseId: string; set: Record<string, unknown>; expect: Record<string, unknown> } {
  return {
    licenseId: fix.licenseId,
    set: { appliedTerms: fix.set, changedBy },
    expect: { licenseId: fix.licenseId, appliedTerms: fix.read, ...fix.expect },
  };
}

/** {@link termsSealWrite} as a DynamoDB UpdateItem on the Licenses table. */
export function termsSealUpdate(table: string, fix: TermsSealFix, changedBy: string) {
  const write = termsSealWrite(fix, changedBy);
  const x = new Expr();
  const sets = Object.entries(write.set).map(([a, v]) => `${x.name(a)} = ${x.value(v)}`);
  return {
    TableName: table,
    Key: { licenseId: write.licenseId },
    UpdateExpression: `SET ${sets.join(', ')}`,
    ConditionExpression: x.conditions(write.expect).join(' AND '),
    ...x.params(),
  };
}

/** One line of a fix, for a skipped or unwritten one. */
export const describeTermsSealFix = (fix: TermsSealFix): string =>
  `License ${fix.licenseId}: appliedTerms sealed`;

/**
 * The unsealed applied terms, an upgrade note with a count and a few ids,
 * and those left unsealed. Empty when there is neither. Not a wrong result:
 * the exit code does not count it.
 */
export function unsealedTermsSection(fixes: readonly TermsSealFix[], left: readonly string[] = []): string[] {
  if (fixes.length === 0 && left.length === 0) return [];
  const one = fixes.length === 1;
  const sealed =
    fixes.length === 0
      ? []
      : [
          `Unsealed applied terms (upgrade): ${plural(fixes.length, 'license')} ${one ? 'has' : 'have'} an appliedTerms without a sealed copy: ${listFew(fixes.map((f) => f.licenseId))}.`,
          `Until sealed, a find and replace over ${one ? 'its' : 'their'} JSON that changes a term and its copy in appliedTerms alike is taken as settled. --fix seals ${one ? 'it' : 'them'} (no History entry); nothing is wrong meanwhile, so ${one ? 'it does' : 'they do'} not change the exit code.`,
        ];
  const unsure =
    left.length === 0
      ? []
      : [
          `${plural(left.length, 'license')} left with unsealed applied terms: ${left.length === 1 ? 'its' : 'their'} RELEASED and SHIPPED shipments name another customer or sku, or draw more than ${left.length === 1 ? 'its' : 'their'} limits (a find and replace over the terms and appliedTerms alike, or shipped goods above a lowered limit); check ${left.length === 1 ? 'it' : 'them'} against the authority's license and \`clearance license history\`: ${listFew(left)}.`,
        ];
  return ['', ...sealed, ...unsure];
}

/**
 * I5 for each applied license whose sealed applied terms are damaged
 * (appliedSealOf): the system refuses it (nothing released or amended under
 * it; only re-holds run, as holding needs no terms) until a person puts them
 * back.
 */
export function damagedSealViolations(licenses: readonly RawItem[]): Violation[] {
  return licenses.flatMap((raw) => {
    const seal = appliedSealOf(raw);
    if (seal.kind !== 'damaged' || !LicenseStatusSchema.safeParse(raw.appliedStatus).success) return [];
    const licenseId = String(raw.licenseId);
    return [{ invariant: 'I5', key: { licenseId }, message: damagedSealText(licenseId, seal.why) }];
  });
}
