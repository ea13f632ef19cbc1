/**
 * One-sentence explanations of iam-simulate's analyses: who may or may not do
 * what on which resource, and which statement decided it or what is missing.
 */
import { getDenialReasons, getGrantReasons, type RequestAnalysis } from '@cloud-copilot/iam-simulate';
import type { NamedPolicy, ResourcePolicy } from './policies.js';

type Analysis = RequestAnalysis;
type StatementResult = NonNullable<Analysis['resourceAnalysis']>['allowStatements'][number];

/** What the explanation needs to know besides the analysis. */
export interface ExplainInput {
  /** e.g. `role LicenseEventsRole… (function LicenseEventsFunction…)` or `cloudwatch.amazonaws.com`. */
  who: string;
  action: string;
  resource: string;
  kind: 'role' | 'service' | 'account-user';
  identity: readonly NamedPolicy[];
  resourcePolicy: ResourcePolicy | undefined;
}

const statementName = (sid: string | undefined, index: number) => (sid ? sid : `#${index}`);
const where = (rp: ResourcePolicy) => `the ${rp.kind} (${rp.source})`;

/** Statements that would apply but for their conditions, with the keys that failed. */
function conditionMisses(
  statements: readonly StatementResult[],
  place: (s: StatementResult) => string,
): string[] {
  return statements
    .filter(
      (s) =>
        s.statement.isAllow() &&
        s.actionMatch &&
        s.resourceMatch &&
        s.principalMatch !== 'NoMatch' &&
        s.conditionMatch !== 'Match',
    )
    .map((s) => {
      const failed = (s.explain.conditions ?? []).filter((c) => !c.matches).map((c) => c.conditionKeyValue);
      const name = statementName(s.statement.sid(), s.statement.index());
      return `statement ${name} of ${place(s)} would allow it but its condition on ${[...new Set(failed)].join(', ')} does not hold`;
    });
}

function implicitReason(a: Analysis, input: ExplainInput): string {
  const rp = input.resourcePolicy;
  const resourceResult = a.resourceAnalysis?.result;
  const identityAllowed = a.identityAnalysis?.result === 'Allowed';
  const accountTrusted = (a.resourceAnalysis?.allowStatements ?? []).some(
    (s) => s.principalMatch === 'AccountLevelMatch',
  );
  const identities = input.identity.map((p) => p.source).join(', ') || 'none';
  const noIdentity = `no identity policy of ${input.who} (${identities}) allows it`;
  if (input.kind === 'service')
    return rp
      ? `no statement of ${where(rp)} allows this service principal`
      : 'the resource has no resource policy, and a service principal has no identity policy';
  if (!a.sameAccount)
    return `a cross-account request needs an allow in both the identity policy (${a.identityAnalysis?.result}) and the resource policy (${resourceResult ?? 'none'})`;
  if (rp?.kind === 'key policy') {
    if (identityAllowed)
      return `an identity policy allows it, but ${where(rp)} neither allows ${input.who} nor delegates to the account (root)`;
    return accountTrusted
      ? `${where(rp)} delegates to IAM, but ${noIdentity}`
      : `neither ${where(rp)} nor an identity policy allows it`;
  }
  if (rp?.kind === 'trust policy') {
    if (identityAllowed) return `${where(rp)} does not trust ${input.who} or its account`;
    return accountTrusted
      ? `${where(rp)} trusts the account, but ${noIdentity}`
      : `${where(rp)} does not trust ${input.who}, and ${noIdentity}`;
  }
  return rp
    ? `${noIdentity}, and no statement of ${where(rp)} allows it`
    : `${noIdentity}, and the resource has no resource policy`;
}

/** The one-sentence explanation of a verdict. */
export function explain(a: Analysis, input: ExplainInput): string {
  const head = `${input.who} may${a.result === 'Allowed' ? '' : ' not'} ${input.action} on ${input.resource}`;
  const rp = input.resourcePolicy;
  const place = (policyType: string, identifier: string | undefined) =>
    policyType === 'resource' && rp ? where(rp) : `identity policy ${identifier ?? '?'}`;
  if (a.result === 'Allowed') {
    const grants = getGrantReasons(a).map(
      (g) =>
        `statement ${statementName(g.statementId, g.statementIndex)} of ${place(g.policyType, 'policyIdentifier' in g ? g.policyIdentifier : undefined)}`,
    );
    return `${head}: allowed by ${grants.join(' and ') || 'AWS itself'}`;
  }
  if (a.result === 'ExplicitlyDenied') {
    const denials = getDenialReasons(a).flatMap((d) =>
      d.denialType === 'Explicit'
        ? [
            `statement ${statementName(d.statementId, d.statementIndex)} of ${place(d.policyType, d.policyIdentifier)}`,
          ]
        : [],
    );
    return `${head}: explicitly denied by ${denials.join(' and ') || 'a Deny statement'}`;
  }
  const misses = [
    ...conditionMisses(a.resourceAnalysis?.unmatchedStatements ?? [], () =>
      rp ? where(rp) : 'the resource policy',
    ),
    ...conditionMisses(a.identityAnalysis?.unmatchedStatements ?? [], (s) => `identity policy ${s.policyId}`),
  ];
  return `${head}: ${implicitReason(a, input)}${misses.length > 0 ? ` (${misses.join('; ')})` : ''}`;
}
