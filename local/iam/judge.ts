/**
 * Judges IAM requests the way AWS does, with `@cloud-copilot/iam-simulate`
 * (AGPL-3.0, a dev-only dependency: local/ and test/ only, never a Lambda
 * bundle or the CLI) over the policies of a synthesized template.
 */
import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import { explain } from './explain.js';
import type { NamedPolicy, PolicyIndex } from './policies.js';
import type { IamRequest } from './requests.js';
import type { Resolver } from './resolver.js';

/** Who makes a request. */
export type Principal =
  /** A function's execution role, or an assumed role (CLI). */
  | { kind: 'role'; roleLogicalId: string; sessionName?: string }
  /** An AWS service acting for itself, e.g. `cloudwatch.amazonaws.com`. */
  | { kind: 'service'; service: string; sourceArn?: string; sourceAccount?: string }
  /** An admin of the account; identity policy = allow everything. */
  | { kind: 'account-user'; arn: string };

/** The outcome of one request. */
export interface Verdict {
  allowed: boolean;
  decision: 'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied';
  request: IamRequest;
  /** ARN or service. */
  principal: string;
  /** One sentence: who, the action, the resource, and the deciding statement or what is missing. */
  explanation: string;
}

/** iam-simulate refused the simulation (an invalid policy, action or resource). */
export class JudgeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JudgeError';
  }
}

const ADMIN_POLICY: NamedPolicy = {
  source: 'administrator access (allows everything)',
  document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
};

interface Caller {
  kind: Principal['kind'];
  /** The principal iam-simulate evaluates: a role session, a user or a service. */
  simulated: string;
  /** Verdict.principal. */
  arn: string;
  who: string;
  account: string | undefined;
  identity: readonly NamedPolicy[];
  context: Record<string, string>;
}

/**
 * Judges requests against the identity, resource, key and trust policies of
 * one template: an explicit Deny anywhere wins; a same-account request needs
 * an identity or a resource-policy allow; a KMS key needs its key policy to
 * allow, directly or by delegating to the account plus an identity allow;
 * `sts:AssumeRole` needs the trust policy, and for a principal trusted through
 * the account root, the identity policy too; a service principal has no
 * identity policy. `aws:PrincipalArn`, `aws:PrincipalAccount`,
 * `aws:SourceArn` and `aws:SourceAccount` come from the principal. Verdicts
 * are cached by principal, action, resource and context.
 */
export class RequestJudge {
  private readonly cache = new Map<string, Promise<Verdict>>();

  constructor(
    private readonly index: PolicyIndex,
    private readonly resolver: Resolver,
  ) {}

  /** The verdict on `request` made by `principal`. Throws a {@link JudgeError} when it cannot be simulated. */
  judge(principal: Principal, request: IamRequest): Promise<Verdict> {
    const context = Object.entries(request.context).sort(([a], [b]) => a.localeCompare(b));
    const who = JSON.stringify(principal, Object.keys(principal).sort());
    const key = JSON.stringify([who, request.action, request.resource, context]);
    let verdict = this.cache.get(key);
    if (!verdict) {
      verdict = this.evaluate(principal, request);
      this.cache.set(key, verdict);
      verdict.catch(() => this.cache.delete(key));
    }
    return verdict;
  }

  private caller(principal: Principal): Caller {
    const account = this.resolver.account;
    switch (principal.kind) {
      case 'role': {
        const roleArn = this.resolver.arnOf(principal.roleLogicalId);
        const fn = this.index.functionOfRole(principal.roleLogicalId);
        const session =
          principal.sessionName ?? (fn ? this.resolver.resolve({ Ref: fn }, fn) : principal.roleLogicalId);
        return {
          kind: 'role',
          simulated: `arn:aws:sts::${account}:assumed-role/${roleArn.split('/').pop()}/${session}`,
          arn: roleArn,
          who: `role ${principal.roleLogicalId}${fn ? ` (function ${fn})` : ''}`,
          account,
          identity: this.index.identityPolicies(principal.roleLogicalId),
          context: {
            'aws:PrincipalArn': roleArn,
            'aws:PrincipalAccount': account,
            'aws:PrincipalType': 'AssumedRole',
          },
        };
      }
      case 'service':
        return {
          kind: 'service',
          simulated: principal.service,
          arn: principal.service,
          who: principal.service,
          account: undefined,
          identity: [],
          context: {
            'aws:PrincipalServiceName': principal.service,
            'aws:PrincipalIsAWSService': 'true',
            ...(principal.sourceArn ? { 'aws:SourceArn': principal.sourceArn } : {}),
            ...(principal.sourceAccount ? { 'aws:SourceAccount': principal.sourceAccount } : {}),
          },
        };
      case 'account-user': {
        const userAccount = principal.arn.split(':')[4] ?? '';
        return {
          kind: 'account-user',
          simulated: principal.arn,
          arn: principal.arn,
          who: principal.arn,
          account: userAccount,
          identity: [ADMIN_POLICY],
          context: { 'aws:PrincipalArn': principal.arn, 'aws:PrincipalAccount': userAccount },
        };
      }
    }
  }

  private async evaluate(principal: Principal, request: IamRequest): Promise<Verdict> {
    const caller = this.caller(principal);
    const { action, resource } = request;
    const resourcePolicy = resource === '*' ? undefined : this.index.resourcePolicy(resource);
    const resourceAccount =
      resource === '*' ? this.resolver.account : resource.split(':')[4] || this.resolver.account;
    const kms: Record<string, string> =
      action.toLowerCase().startsWith('kms:') && caller.account
        ? { 'kms:CallerAccount': caller.account }
        : {};
    const simulation: Simulation = {
      request: {
        principal: caller.simulated,
        action,
        resource: { resource, accountId: resourceAccount },
        contextVariables: { ...kms, ...caller.context, ...request.context },
      },
      identityPolicies: caller.identity.map((p) => ({ name: p.source, policy: p.document })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(resourcePolicy ? { resourcePolicy: resourcePolicy.document } : {}),
    };
    const result = await runSimulation(simulation, { simulationMode: 'Strict' });
    if (result.resultType === 'error')
      throw new JudgeError(
        `cannot judge ${caller.who} ${action} on ${resource}: iam-simulate says ${JSON.stringify(result.errors)}`,
      );
    const analysis = result.resultType === 'single' ? result.result.analysis : result.results[0]?.analysis;
    const decision = result.overallResult;
    const explanation = analysis
      ? explain(analysis, {
          who: caller.who,
          action,
          resource,
          kind: caller.kind,
          identity: caller.identity,
          resourcePolicy,
        })
      : `${caller.who} may not ${action} on ${resource}: no policy names a resource matching it`;
    return { allowed: decision === 'Allowed', decision, request, principal: caller.arn, explanation };
  }
}
