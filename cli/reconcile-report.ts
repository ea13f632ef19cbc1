import type { ShippedOverLimit, Violation } from '../shared/domain/invariants.js';
import { EXIT } from './errors.js';
import { count, plural, usd } from './format.js';
import { type HoldOrderFix, staleHoldOrderSection } from './reconcile-hold-order.js';
import { describeFix, type ReconcilePlan, shippedOverLimitSection } from './reconcile-plan.js';
import { type SealFix, unsealedStampSection } from './reconcile-stamps.js';
import { type TermsSealFix, unsealedTermsSection } from './reconcile-terms.js';
import { violationTable } from './views.js';

/** Why --fix leaves I6 alone, and where to look instead. */
const I6_HELP = [
  'I6 (History): --fix cannot repair it: entries cannot be invented after the fact, and History is append-only.',
  'Find who made each unrecorded change, and when, in the CloudTrail audit trail (data events of the Licenses,',
  "Shipments and History tables: look the item's key up around the time), and record the finding for compliance",
  '(docs/OPERATIONS.md, "Answering an auditor"). A shipment deleted while RELEASED or SHIPPED (its line says so) is',
  'no unrecorded change: put it back from point-in-time recovery (docs/OPERATIONS.md, "A deleted shipment").',
];

/**
 * What one scan found: the violations and, apart, shipped goods above a
 * lowered limit, HELD or RELEASED shipments whose `holdOrder` is stale, and
 * those whose `countedAs` stamp is not sealed yet (an upgrade note), as the
 * applied licenses whose `appliedTerms` is not.
 */
export interface Findings {
  violations: readonly Violation[];
  shippedOverLimit: readonly ShippedOverLimit[];
  staleHoldOrder: readonly HoldOrderFix[];
  unsealedStamps: readonly SealFix[];
  /** Applied licenses whose `appliedTerms` has no sealed copy yet (an upgrade note, like the stamps). */
  unsealedTerms?: readonly TermsSealFix[];
}

/** The hold order fixes of a plan: a finding of their own, reported apart from the counter fixes. */
export const holdOrderFixes = (plan: ReconcilePlan): HoldOrderFix[] =>
  plan.fixes.flatMap((f) => (f.kind === 'holdOrder' ? [f] : []));

/** The seals of a plan: an upgrade note of their own. */
export const sealFixes = (plan: ReconcilePlan): SealFix[] =>
  plan.fixes.flatMap((f) => (f.kind === 'seal' ? [f] : []));

/** The seals of applied terms of a plan: an upgrade note of their own. */
export const termsSealFixes = (plan: ReconcilePlan): TermsSealFix[] =>
  plan.fixes.flatMap((f) => (f.kind === 'termsSeal' ? [f] : []));

/** The report of a check: what it read, the findings, and the writes --fix would make. */
export function report(
  counts: { licenses: number; shipments: number; inventory: number; history: number | undefined },
  plan: ReconcilePlan,
  { violations, shippedOverLimit, staleHoldOrder, unsealedStamps, unsealedTerms = [] }: Findings,
): string {
  const checked = [
    plural(counts.licenses, 'license'),
    plural(counts.shipments, 'shipment'),
    plural(counts.inventory, 'inventory item'),
    ...(counts.history === undefined ? [] : [plural(counts.history, 'History entry', 'History entries')]),
  ];
  const lines = [`Checked ${checked.slice(0, -1).join(', ')} and ${checked.at(-1)}.`];
  if (violations.length === 0) {
    lines.push(
      'No drift: every counter, releasedQuantity and releasedValue matches the shipments (I1-I3 hold).',
      counts.history === undefined
        ? 'History not checked (I6): this stack has no History table.'
        : 'History has one entry per committed change (I6 holds).',
    );
  } else lines.push(...violationSections(plan, violations));
  lines.push(
    ...staleHoldOrderSection(staleHoldOrder),
    ...unsealedStampSection(unsealedStamps, plan.unsealedLeft),
    ...unsealedTermsSection(unsealedTerms, plan.unsealedTermsLeft),
  );
  if (plan.busy.length > 0 && (violations.length > 0 || plan.fixes.length > 0)) {
    lines.push(
      '',
      'The system is still working, so some of this may be in flight:',
      ...plan.busy.map((b) => `  - ${b}`),
    );
  }
  lines.push(...shippedOverLimitSection(shippedOverLimit));
  return lines.join('\n');
}

/** The violations, the counter writes --fix would make, and what needs a person. */
function violationSections(plan: ReconcilePlan, violations: readonly Violation[]): string[] {
  const lines = ['', `Found ${plural(violations.length, 'violation')}:`, violationTable(violations)];
  const counters = plan.fixes.filter((f) => f.kind === 'inventory' || f.kind === 'license');
  if (counters.length > 0) {
    lines.push(
      '',
      `--fix would make ${plural(counters.length, 'write')}:`,
      ...counters.map((f) => `  - ${describeFix(f)}`),
    );
  }
  if (plan.manual.length > 0) {
    lines.push(
      '',
      `${plural(plan.manual.length, 'violation')} ${plan.manual.length === 1 ? 'needs' : 'need'} a person (--fix does not change shipments or licenses' statuses):`,
      ...plan.manual.map((v) => `  - ${v.invariant} ${Object.values(v.key).join('/')}: ${v.message}`),
    );
  }
  if (violations.some((v) => v.invariant === 'I6')) lines.push('', ...I6_HELP);
  return lines;
}

/**
 * Exit code of a check: 3 while violations, shipped-over-limit findings or
 * stale hold orders (releases go out of turn) remain, else 0. Unsealed
 * stamps and applied terms do not count: sealing them is hardening, nothing
 * is wrong meanwhile.
 */
export const exitFor = (f: Findings): number =>
  f.violations.length === 0 && f.shippedOverLimit.length === 0 && f.staleHoldOrder.length === 0
    ? EXIT.ok
    : EXIT.incomplete;

/** What --fix did, and what the re-check found. */
export function afterFix(
  plan: ReconcilePlan,
  written: number,
  skipped: readonly string[],
  after: Findings,
): string {
  const lines = [`Wrote ${plural(written, 'fix', 'fixes')}.`];
  if (skipped.length > 0) {
    lines.push(
      `Skipped ${skipped.length} (changed since the scan; run reconcile again):`,
      ...skipped.map((s) => `  - ${s}`),
    );
  }
  const remaining = after.violations;
  if (remaining.length === 0) lines.push('Re-check: no drift remains.');
  else lines.push(`Re-check: ${plural(remaining.length, 'violation')} remain:`, violationTable(remaining));
  if (remaining.some((v) => v.invariant === 'I6')) lines.push(...I6_HELP);
  if (after.staleHoldOrder.length > 0) lines.push(...staleHoldOrderSection(after.staleHoldOrder).slice(1));
  if (after.unsealedStamps.length > 0) lines.push(...unsealedStampSection(after.unsealedStamps).slice(1));
  if ((after.unsealedTerms ?? []).length > 0)
    lines.push(...unsealedTermsSection(after.unsealedTerms ?? []).slice(1));
  // Only the deleted shipments' kept draw (I2 keyed by the shipment, reconcile-plan's deletedDraw): an I1 or
  // I5 finding names a shipment that is still in the table.
  const gone = [
    ...new Set(
      plan.manual.flatMap((v) =>
        v.invariant === 'I2' && v.key.shipmentId !== undefined ? [v.key.shipmentId] : [],
      ),
    ),
  ];
  if (gone.length > 0)
    lines.push(`Deleted shipments whose draw was kept, until put back (see above): ${gone.join(', ')}.`);
  for (const f of plan.fixes) {
    if (f.kind !== 'license') continue;
    const units = (f.read.releasedQuantity ?? 0) - f.set.releasedQuantity;
    const value = (f.read.releasedValue ?? 0) - f.set.releasedValue;
    const free = [
      ...(units > 0 ? [`${count(units)} units`] : []),
      ...(value > 0 ? [`${usd(value)} of value`] : []),
    ];
    if (free.length > 0) {
      lines.push(
        `Note: license ${f.licenseId} has ${free.join(' and ')} free again; if it is APPROVED, the release pass the fix asked for releases held shipments that fit them.`,
      );
    }
  }
  lines.push(...shippedOverLimitSection(after.shippedOverLimit));
  return lines.join('\n');
}
