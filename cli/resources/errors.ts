import { StackNotFoundError } from '../errors.js';

const NO_STACK_FIX =
  'run `npm run stack` and pass --stack-file (or set CLEARANCE_STACK to the line it prints), or deploy with `npx cdk deploy`';

/** Translates a failure to read a stack description file into what to do about it. */
export function explainReadError(cause: unknown, path: string, how: string): Error {
  return new StackNotFoundError(
    `cannot read the stack description ${path} (${how}): ${(cause as Error).message}. ` +
      "Write it with `npm run -s stack > stack.json` (-s keeps npm's banner out of the file), or fix the path",
    { cause },
  );
}

/** Errors AWS answers a request signed with an expired or unknown session or key. */
export const SESSION_INVALID = new Set([
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch',
]);

/** Translates CloudFormation and credential errors into what to do about them. */
export function explainDescribeError(error: unknown, stackName: string, region: string | undefined): Error {
  const e = error as { name?: string; message?: string };
  const message = e.message ?? String(error);
  if (e.name === 'ValidationError' && /does not exist/i.test(message)) {
    return new StackNotFoundError(
      `no stack found (no local stack was given, and there is no stack ${stackName} in ${region ?? 'the default region'}): ${NO_STACK_FIX}. For another deployed stack pass --stack-name / --region`,
      { cause: error },
    );
  }
  if (e.name === 'CredentialsProviderError' || /credential/i.test(message)) {
    return new StackNotFoundError(
      `no stack found (no local stack was given, and there are no AWS credentials to look for a deployed one: ${message}): ${NO_STACK_FIX}. For AWS set AWS_PROFILE or run \`aws sso login\``,
      { cause: error },
    );
  }
  if (/region is missing/i.test(message)) {
    return new StackNotFoundError(
      `no stack found (no local stack was given, and no AWS region is configured to look for a deployed one): ${NO_STACK_FIX}. For AWS pass --region or set AWS_REGION`,
      { cause: error },
    );
  }
  if (/ENOTFOUND|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN|socket hang up/.test(message)) {
    return new StackNotFoundError(
      `cannot reach CloudFormation in ${region ?? 'the default region'} to read stack ${stackName} (${message}): check the network and --region; for the local stack pass --stack-file`,
      { cause: error },
    );
  }
  if (SESSION_INVALID.has(e.name ?? '')) {
    return new StackNotFoundError(
      `your AWS session expired or is not valid (${e.name}: ${message}): log in again (e.g. \`aws sso login\`) or check AWS_PROFILE, then retry`,
      { cause: error },
    );
  }
  if (e.name === 'AccessDenied' || e.name === 'AccessDeniedException') {
    return new StackNotFoundError(
      `your AWS identity may not read stack ${stackName} (cloudformation:DescribeStacks): ${message}. Use a role that may, or pass --stack-file for a local stack`,
      { cause: error },
    );
  }
  return new StackNotFoundError(`could not read stack ${stackName}: ${message}`, { cause: error });
}
