import { STSClient } from '@aws-sdk/client-sts';
import { type Clients, createClients } from './clients.js';
import { CliError } from './errors.js';
import { callerIdentity } from './identity.js';
import type { Io } from './io.js';
import { SESSION_INVALID } from './resources/errors.js';
import { type ResolveDeps, type Resources, resolveResources, type StackSelection } from './resources.js';

/** Errors AWS answers when it throttles a request (after the SDK's own retries). */
const THROTTLED = new Set([
  'ThrottlingException',
  'Throttling',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
]);

/** Options every command accepts. */
export interface GlobalOptions extends StackSelection {
  json?: boolean;
}

/** What a command gets: output, the environment, and the stack (resolved on first use). */
export interface CliContext {
  io: Io;
  env: Readonly<Record<string, string | undefined>>;
  json: boolean;
  resources(): Promise<Resources>;
  clients(): Promise<Clients>;
  /** Who runs the CLI (cli/identity.ts): what its decisions record as `updatedBy`. Asked once per run. */
  identity(): Promise<string>;
  /** Prints `data` as JSON with --json, otherwise the text `human` renders. */
  emit(data: unknown, human: () => string): void;
  close(): void;
}

export function createContext(
  io: Io,
  env: Readonly<Record<string, string | undefined>>,
  globals: GlobalOptions,
  resolveDeps?: ResolveDeps,
): CliContext {
  let resources: Promise<Resources> | undefined;
  let clients: Clients | undefined;
  let identity: Promise<string> | undefined;
  const selection: StackSelection = {
    ...(globals.stackFile === undefined ? {} : { stackFile: globals.stackFile }),
    ...(globals.stackName === undefined ? {} : { stackName: globals.stackName }),
    ...(globals.region === undefined ? {} : { region: globals.region }),
  };
  const ctx: CliContext = {
    io,
    env,
    json: globals.json === true,
    resources() {
      resources ??= resolveResources(selection, env, resolveDeps);
      return resources;
    },
    async clients() {
      const r = await ctx.resources();
      clients ??= createClients(r, env, () => ctx.identity());
      return clients;
    },
    identity() {
      identity ??= (async () => {
        const r = await ctx.resources();
        const { base } = await ctx.clients();
        const sts = new STSClient({ ...base, ...(r.endpoints ? { endpoint: r.endpoints.sts } : {}) });
        try {
          return await callerIdentity({ resources: r, env, sts });
        } finally {
          sts.destroy();
        }
      })();
      return identity;
    },
    emit(data, human) {
      io.out(ctx.json ? JSON.stringify(data, null, 2) : human());
    },
    close() {
      clients?.destroy();
    },
  };
  return ctx;
}

/**
 * Turns an SDK or network error into a message that names the fix. Errors
 * that are already CliErrors pass through.
 */
export function explainError(error: unknown, resources: Resources | undefined): CliError {
  if (error instanceof CliError) return error;
  const e = error as { name?: string; message?: string; code?: string; cause?: { code?: string } };
  const message = e.message ?? String(error);
  const where = resources ? ` (stack from ${resources.source})` : '';
  const local = resources?.endpoints !== undefined;
  const code = e.code ?? e.cause?.code;
  if (code === 'ECONNREFUSED' || /ECONNREFUSED|fetch failed|socket hang up/.test(message)) {
    return new CliError(
      local
        ? `cannot reach the local stack${where}: ${message}. Is \`npm run stack\` still running? Start it again and use the line it prints (its ports change on every start)`
        : `cannot reach AWS: ${message}. Check your network and retry`,
      { cause: error },
    );
  }
  if (
    e.name === 'ResourceNotFoundException' ||
    e.name === 'QueueDoesNotExist' ||
    /NonExistentQueue/.test(e.name ?? '')
  ) {
    return new CliError(
      `a table, queue or function of the stack does not exist${where}: ${message}. ${
        local
          ? 'The description is stale: use the line the running `npm run stack` printed'
          : 'Was the stack deleted or changed? Redeploy with `npx cdk deploy`, or pass the right --stack-name / --region'
      }`,
      { cause: error },
    );
  }
  if (e.name === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
    return new CliError(
      `no AWS credentials: ${message}. Set AWS_PROFILE or run \`aws sso login\`; for the local stack pass --stack-file`,
      { cause: error },
    );
  }
  if (
    e.name === 'AccessDeniedException' ||
    e.name === 'AccessDenied' ||
    e.name === 'AuthorizationError' ||
    e.name === 'AuthorizationErrorException'
  ) {
    return new CliError(
      `your AWS identity is not allowed to do this: ${message}. Use an admin role for the clearance stack`,
      { cause: error },
    );
  }
  if (SESSION_INVALID.has(e.name ?? '')) {
    return new CliError(
      `your AWS session expired or is not valid: ${message}. Log in again (e.g. \`aws sso login\`) or check AWS_PROFILE`,
      { cause: error },
    );
  }
  if (THROTTLED.has(e.name ?? '')) {
    return new CliError(
      `AWS is throttling the stack's tables, queues or topics (${e.name}: ${message}) after the SDK's retries: wait a minute and run the command again (its writes are conditional, so running it again is safe)`,
      { cause: error },
    );
  }
  return new CliError(`${e.name ?? 'Error'}: ${message}`, { cause: error });
}
