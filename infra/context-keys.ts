import { COMPLIANCE_CONTEXT } from '../shared/names.js';
import { AUDIT_CONTEXT } from './audit-trail.js';

/** CDK context key of the number of customer topics (`-c customerTopicShards=3`). */
export const CUSTOMER_SHARDS_CONTEXT = 'customerTopicShards';

/** The stack's context settings, with how each is set (README, "Deploy to AWS"). */
export const STACK_CONTEXT_KEYS: Readonly<Record<string, string>> = {
  [CUSTOMER_SHARDS_CONTEXT]: `-c ${CUSTOMER_SHARDS_CONTEXT}=N`,
  [AUDIT_CONTEXT.enabled]: `-c ${AUDIT_CONTEXT.enabled}=false`,
  [AUDIT_CONTEXT.retentionYears]: `-c ${AUDIT_CONTEXT.retentionYears}=N`,
  [COMPLIANCE_CONTEXT.drawdownThresholds]: `-c ${COMPLIANCE_CONTEXT.drawdownThresholds}=80,90,100`,
  [COMPLIANCE_CONTEXT.expiryLeadDays]: `-c ${COMPLIANCE_CONTEXT.expiryLeadDays}=30,7,1`,
};

/**
 * Keys the CDK sets or caches itself: feature flags (`@aws-cdk/...`), the
 * toolkit's own (`aws:cdk:...`, `aws-cdk:...`, `cdk-...`, `cli-telemetry`,
 * `acknowledged-issue-numbers`) and the lookups cached in cdk.context.json
 * (`availability-zones:account=...:region=...`): none is a name a person types.
 */
const TOOLKIT_KEY = /^(@|aws:|aws-cdk:|cdk-|cli-|acknowledged-issue-numbers$)|[:/]/;

/** Most edits (insertions, deletions, substitutions, swaps of neighbours) a near miss is away from a setting. */
const NEAR_MISS_EDITS = 2;

/** Optimal string alignment distance: Levenshtein plus the swap of two neighbouring letters. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => rows[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= a.length; i++) {
    const row = rows[i] ?? [];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, at(i - 2, j - 2) + 1);
      row[j] = best;
    }
  }
  return at(a.length, b.length);
}

/** The setting `key` is a misspelling of (another case, or at most two edits away), if any. */
export function settingMeant(key: string): string | undefined {
  if (key in STACK_CONTEXT_KEYS || TOOLKIT_KEY.test(key)) return undefined;
  const lower = key.toLowerCase();
  return Object.keys(STACK_CONTEXT_KEYS).find(
    (setting) => editDistance(lower, setting.toLowerCase()) <= NEAR_MISS_EDITS,
  );
}

/** What {@link checkContextKeys} lets through: keys that are neither a setting, the CDK's own, nor a near miss. */
export interface ContextKeyCheck {
  readonly unknown: readonly string[];
}

/**
 * Refuses context keys that misspell a setting of the stack: `-c
 * customerTopicShard=3` would otherwise synthesize the default of one shard
 * and the deploy delete the other customer topics with their subscriptions;
 * `-c auditRetentionYear=7` would keep the six-year Object Lock, which cannot
 * be shortened once applied. Other unknown keys are returned, not refused:
 * CDK users keep context of their own (pipelines, wrappers, other tools).
 */
export function checkContextKeys(keys: Iterable<string>): ContextKeyCheck {
  const unknown: string[] = [];
  const misspelt: string[] = [];
  for (const key of keys) {
    if (key in STACK_CONTEXT_KEYS || TOOLKIT_KEY.test(key)) continue;
    const meant = settingMeant(key);
    if (meant === undefined) unknown.push(key);
    else
      misspelt.push(
        `context key ${JSON.stringify(key)} is not a setting: did you mean ${meant}? (${STACK_CONTEXT_KEYS[meant]})`,
      );
  }
  if (misspelt.length > 0) {
    throw new Error(
      `${misspelt.join('; ')}. Settings: ${Object.keys(STACK_CONTEXT_KEYS).join(', ')} (README, "Deploy to AWS")`,
    );
  }
  return { unknown };
}
