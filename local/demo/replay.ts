/**
 * What History says a license of the scenario went through, for the checks
 * that work out what the system should have done (priority order, drawdown
 * alerts) with the domain's own rules: its approval, and the limits it
 * released under before and after an amendment. The scenario approves each
 * license at most once and raises one license's quantity once; a license
 * whose History shows more (a reinstatement, a second amendment, a lowered
 * limit, a new window) is not replayed, and those checks leave it out.
 */
import { type License, LicenseSchema, parseItem } from '../../shared/domain/model.js';
import type { RawItem } from '../../shared/domain/ports.js';

/** The limits a license released under from one decision on, and the decision. */
export interface Phase {
  /** The license with the limits then in force. */
  license: License;
  /** The decision's History entry time. */
  at: Date;
  /** The shipment changes it set off carry this `trigger.eventType`. */
  trigger: 'LICENSE_APPROVED' | 'LICENSE_AMENDED';
}

/** The terms an amendment may raise in a replay: the limits. */
const LIMITS = ['authorizedQuantity', 'authorizedValue', 'valueTolerancePercent'] as const;
type Limit = (typeof LIMITS)[number];

/** An amendment's `changes` (`term from → to, …`): each term's value before and after (`(none)`: undefined). */
function changesOf(entry: RawItem): { term: string; from?: number; to?: number }[] | undefined {
  if (typeof entry.changes !== 'string') return undefined;
  const value = (text: string) => (text === '(none)' ? undefined : Number(text));
  const parsed = entry.changes.split(', ').map((change) => {
    const [, term, from, to] = /^(\w+) (\S+) → (\S+)$/.exec(change) ?? [];
    return term === undefined ? undefined : { term, from: value(from ?? ''), to: value(to ?? '') };
  });
  return parsed.every((c) => c !== undefined) ? parsed : undefined;
}

/** A limit's level: no value limit is none at all, no tolerance is 0 (as `changes` writes them, `(none)`). */
const level = (term: Limit, v: number | undefined) =>
  v ?? (term === 'authorizedValue' ? Number.POSITIVE_INFINITY : 0);

/** Whether an amendment's change is a limit it raised (or left as it was). */
const raised = (c: { term: string; from?: number; to?: number }) =>
  (LIMITS as readonly string[]).includes(c.term) &&
  level(c.term as Limit, c.to) >= level(c.term as Limit, c.from);

/**
 * The license's phases, as History shows them: from its one approval under
 * the limits before the amendment, then from an amendment that raised limits
 * while it was APPROVED. Undefined when it was never approved, or History
 * shows more than the scenario does (see the module's comment).
 */
export function phasesOf(raw: RawItem, history: readonly RawItem[]): Phase[] | undefined {
  const parsed = parseItem(LicenseSchema, raw);
  if (!parsed.ok) return undefined;
  const decisions = history.filter((e) => e.licenseId === raw.licenseId && e.shipmentId === undefined);
  const approvals = decisions.filter((e) => e.eventType === 'LICENSE_APPROVED');
  const amendments = decisions.filter((e) => e.eventType === 'LICENSE_AMENDED');
  const [approval] = approvals;
  if (approval === undefined || approvals.length > 1 || amendments.length > 1) return undefined;
  const phase = (license: License, entry: RawItem, trigger: Phase['trigger']): Phase => ({
    license,
    at: new Date(String(entry.at)),
    trigger,
  });
  const [amendment] = amendments;
  if (amendment === undefined) return [phase(parsed.value, approval, 'LICENSE_APPROVED')];
  const changes = changesOf(amendment);
  if (amendment.previousStatus !== 'APPROVED' || changes === undefined || !changes.every(raised))
    return undefined;
  // The limits before the amendment: each changed term as it was (`(none)`: absent).
  const reverted = Object.fromEntries(changes.map((c) => [c.term, c.from]));
  const before = Object.fromEntries(
    Object.entries({ ...parsed.value, ...reverted }).filter(([, v]) => v !== undefined),
  ) as unknown as License;
  return [phase(before, approval, 'LICENSE_APPROVED'), phase(parsed.value, amendment, 'LICENSE_AMENDED')];
}
