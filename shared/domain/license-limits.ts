/**
 * What the I2 check (shared/domain/invariants.ts) reads of license items and
 * of History: each license's counters and limits, parsed or not, and the
 * limits History shows lowered.
 */
import type { License } from './model.js';
import { valueCap } from './planning.js';
import type { RawItem } from './ports.js';
import { appliedTermsOf } from './terms.js';

/** A license's limit that shipped goods alone may exceed once it was lowered. */
export type Limit = 'quantity' | 'value';

/** A license item's counters and limits, as I2 judges them; undefined where there is none to judge. */
export interface LicenseLimits {
  licenseId: string;
  releasedQuantity: number | undefined;
  releasedValue: number | undefined;
  authorizedQuantity: number | undefined;
  valueCap: number | undefined;
}

const counter = (v: unknown): number | undefined =>
  v === undefined ? 0 : typeof v === 'number' ? v : undefined;

/**
 * The counters and limits of every license item. A parsed one's own. One
 * that does not parse (a final license left with a rejected status typo)
 * still has its system-kept counters judged wherever they are numbers (an
 * absent one is 0, as for a parsed item), against the limits of the terms
 * the system applied (`appliedTerms`), not values typed into it.
 */
export function limitsOf(raws: readonly RawItem[], parsed: ReadonlyMap<string, License>): LicenseLimits[] {
  return raws.map((raw) => {
    const licenseId = String(raw.licenseId);
    const l = parsed.get(licenseId);
    if (l) return { ...l, valueCap: valueCap(l) };
    const applied = appliedTermsOf(raw);
    return {
      licenseId,
      releasedQuantity: counter(raw.releasedQuantity),
      releasedValue: counter(raw.releasedValue),
      authorizedQuantity: applied?.authorizedQuantity,
      valueCap: applied ? valueCap(applied) : undefined,
    };
  });
}

const LIMIT_OF_TERM: Record<string, Limit | undefined> = {
  authorizedQuantity: 'quantity',
  authorizedValue: 'value',
  valueTolerancePercent: 'value',
};

/**
 * The limits each license's History shows lowered: a committed license
 * change (an amendment, or a decision the same edit amended terms with)
 * whose `changes` (`term from → to, …`) take authorizedQuantity down
 * (quantity), or authorizedValue or valueTolerancePercent down, or put a
 * value limit on a license without one (value). Not "terms recorded": terms
 * kept for the first time, nothing changed.
 */
/** A term's value as an entry's `changes` writes it: `(none)` is no value limit, or a tolerance of 0 (its default). */
const termValue = (term: string, text: string | undefined): number =>
  text === '(none)' ? (term === 'valueTolerancePercent' ? 0 : Number.POSITIVE_INFINITY) : Number(text);

export function loweredLimits(entries: readonly RawItem[]): Map<string, Set<Limit>> {
  const lowered = new Map<string, Set<Limit>>();
  for (const e of entries) {
    if (!String(e.eventType).startsWith('LICENSE_') || e.shipmentId !== undefined) continue;
    if (typeof e.changes !== 'string' || e.changes.startsWith('terms recorded')) continue;
    for (const change of e.changes.split(', ')) {
      const [, term = '', from, to] = /^(\w+) (\S+) → (\S+)$/.exec(change) ?? [];
      const limit = LIMIT_OF_TERM[term];
      if (!limit || !(termValue(term, to) < termValue(term, from))) continue;
      const id = String(e.licenseId);
      lowered.set(id, (lowered.get(id) ?? new Set()).add(limit));
    }
  }
  return lowered;
}
