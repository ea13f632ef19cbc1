import { userInfo } from 'node:os';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { CliError } from './errors.js';
import type { Resources } from './resources.js';

/**
 * Who runs the CLI: what every decision it writes records as `updatedBy`, and
 * History then names as the entry's `actor`.
 *
 * On AWS it is the caller's identity as AWS knows it: the `Arn` that STS
 * GetCallerIdentity returns for the credentials the CLI writes with (e.g.
 * `arn:aws:sts::123456789012:assumed-role/ComplianceAdmin/alice`). Nobody can
 * type someone else's name.
 *
 * A local stack's gateway serves only sts:AssumeRole and treats every outside
 * client as the account's admin, so there the CLI asks anyway (a gateway that
 * answers GetCallerIdentity is used as is) and otherwise names the operating
 * system's user: `local:alice`.
 */

/** What {@link callerIdentity} needs: the STS client (`@aws-sdk/client-sts`) of the stack's clients, or a stand-in. */
export interface IdentityDeps {
  resources: Pick<Resources, 'endpoints'>;
  env: Readonly<Record<string, string | undefined>>;
  sts: { send(command: GetCallerIdentityCommand): Promise<{ Arn?: string | undefined }> };
}

/** The operating system's user, for a local stack: `local:alice`. */
export function localActor(env: Readonly<Record<string, string | undefined>>): string {
  let name = env.USER ?? env.USERNAME ?? env.LOGNAME;
  if (!name) {
    try {
      name = userInfo().username;
    } catch {
      name = 'operator';
    }
  }
  return `local:${name}`;
}

/** The ARN of the caller (AWS), or the local stack's stand-in; see the module comment. */
export async function callerIdentity(deps: IdentityDeps): Promise<string> {
  const local = deps.resources.endpoints !== undefined;
  try {
    const out = await deps.sts.send(new GetCallerIdentityCommand({}));
    if (out.Arn) return out.Arn;
    throw Object.assign(new Error('STS answered without an Arn'), { name: 'NoArn' });
  } catch (error) {
    const name = error instanceof Error ? error.name : 'Error';
    // The local gateway answers InvalidAction: it serves AssumeRole only.
    if (local && name === 'InvalidAction') return localActor(deps.env);
    throw new CliError(
      `cannot tell who you are (STS GetCallerIdentity: ${name}: ${(error as Error).message}); every decision records its author. Check your AWS credentials (AWS_PROFILE, \`aws sso login\`) and retry`,
      { cause: error },
    );
  }
}

/**
 * The STS session name `clearance subscribe` assumes SubscriptionManagerRole
 * with: `clearance-` and the operator's own name (the last part of the
 * caller's ARN, or the local user), so that CloudTrail names the operator on
 * every Subscribe and Unsubscribe the role makes, not only on the AssumeRole.
 * STS takes 2–64 characters of `[\w+=,.@-]`: others become `-`, and the name
 * is cut to 64.
 */
export function subscriptionSessionName(identity: string): string {
  const name = identity.slice(Math.max(identity.lastIndexOf('/'), identity.lastIndexOf(':')) + 1);
  return `clearance-${name.replace(/[^\w+=,.@-]/g, '-')}`.slice(0, 64);
}

/** Who wrote through the CLI, as `changedBy` records it (docs/system-attributes.md): `cli:<updatedBy>`. */
export const cliChangedBy = (by: string): string => `cli:${by}`;

/** The attributes a decision or an amendment through the CLI sets for its author: its reason, who, and `changedBy`. */
export const authorAttributes = (author: { reason: string; by: string }) => ({
  statusReason: author.reason,
  updatedBy: author.by,
  changedBy: cliChangedBy(author.by),
});
