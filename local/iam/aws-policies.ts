/**
 * Policies AWS supplies rather than the template: the default key policy, the
 * policy of AWS-managed keys, and the statement each `AWS::Lambda::Permission`
 * adds to its function's policy.
 */
import type { PolicyDocument } from './policies.js';
import type { Resolver } from './resolver.js';

/** The key policy AWS gives a key created without one: the account (root) administers it, through IAM. */
export const DEFAULT_KEY_POLICY = (account: string): PolicyDocument => ({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'kms:*', Resource: '*' },
  ],
});

/**
 * The policy AWS attaches to an AWS-managed key (`alias/aws/<service>`):
 * principals of the account may use it through that service only. It names
 * no service principal, so no AWS service acting for itself can use the key.
 */
export function awsManagedKeyPolicy(service: string, resolver: Resolver): PolicyDocument {
  const { account, region } = resolver;
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AllowAccessThroughTheServiceForAccountPrincipals',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: [
          'kms:Encrypt',
          'kms:Decrypt',
          'kms:ReEncrypt*',
          'kms:GenerateDataKey*',
          'kms:CreateGrant',
          'kms:DescribeKey',
        ],
        Resource: '*',
        Condition: {
          StringEquals: {
            'kms:CallerAccount': account,
            'kms:ViaService': `${service}.${region}.amazonaws.com`,
          },
        },
      },
      {
        Sid: 'AllowDirectAccessToKeyMetadataToTheAccount',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${account}:root` },
        Action: ['kms:Describe*', 'kms:Get*', 'kms:List*', 'kms:RevokeGrant'],
        Resource: '*',
      },
    ],
  };
}

/** ARN standing for the AWS-managed key of `alias/aws/<service>` (its real key id is AWS's). */
export const awsManagedKeyArn = (service: string, resolver: Resolver): string =>
  `arn:aws:kms:${resolver.region}:${resolver.account}:key/aws-managed-${service}`;

/** Thrown for a Lambda permission property that changes who may invoke and is not modelled. */
export class UnmodelledPermissionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnmodelledPermissionError';
  }
}

/**
 * The statement an `AWS::Lambda::Permission` adds to the policy of the
 * function `functionArn`: its Sid is the permission's logical id; SourceArn
 * becomes `ArnLike aws:SourceArn`, SourceAccount and PrincipalOrgID
 * `StringEquals` conditions.
 */
export function lambdaPermissionStatement(
  id: string,
  p: Record<string, unknown>,
  r: Resolver,
  arn: string,
): Record<string, unknown> {
  for (const unsupported of ['EventSourceToken', 'FunctionUrlAuthType', 'InvokedViaFunctionUrl'])
    if (p[unsupported] !== undefined)
      throw new UnmodelledPermissionError(`Lambda permission ${id}: ${unsupported} is not modelled`);
  const principal = r.resolve(p.Principal, `${id}.Principal`);
  const condition: Record<string, Record<string, string>> = {};
  if (p.SourceArn !== undefined) condition.ArnLike = { 'aws:SourceArn': r.resolve(p.SourceArn, id) };
  const equals: Record<string, string> = {};
  if (p.SourceAccount !== undefined) equals['aws:SourceAccount'] = r.resolve(p.SourceAccount, id);
  if (p.PrincipalOrgID !== undefined) equals['aws:PrincipalOrgID'] = r.resolve(p.PrincipalOrgID, id);
  if (Object.keys(equals).length > 0) condition.StringEquals = equals;
  return {
    Sid: id,
    Effect: 'Allow',
    Principal: principal.endsWith('.amazonaws.com')
      ? { Service: principal }
      : { AWS: /^\d{12}$/.test(principal) ? `arn:aws:iam::${principal}:root` : principal },
    Action: r.resolve(p.Action, id),
    Resource: arn,
    ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
  };
}
