import { createHash, createHmac } from 'node:crypto';
import { userInfo } from 'node:os';
import { CliError } from './errors.js';
import type { Resources } from './resources.js';

/**
 * Who runs the CLI: what every decision it writes records as `updatedBy`, and
 * History then names as the entry's `actor`.
 *
 * On AWS it is the caller's identity as AWS knows it: the `Arn` that STS
 * GetCallerIdentity returns for the credentials the CLI writes with (e.g.
 * `arn:aws:sts::123456789012:assumed-role/ComplianceAdmin/alice`). Nobody can
 * type someone else's name. The call is signed here (SigV4, one fixed
 * request): the project has no STS client among its dependencies.
 *
 * A local stack's gateway serves only sts:AssumeRole and treats every outside
 * client as the account's admin, so there the CLI asks anyway (a gateway that
 * answers GetCallerIdentity is used as is) and otherwise names the operating
 * system's user: `local:alice`.
 */

/** Credentials as the SDK resolves them. */
export interface SigningCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

const STS_BODY = 'Action=GetCallerIdentity&Version=2011-06-15';
const CONTENT_TYPE = 'application/x-www-form-urlencoded; charset=utf-8';

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');
const hmac = (key: string | Buffer, text: string): Buffer =>
  createHmac('sha256', key).update(text, 'utf8').digest();

/** `20260301T120000Z` and `20260301`, as SigV4 wants them. */
function stamp(now: Date): { amzDate: string; day: string } {
  const amzDate = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  return { amzDate, day: amzDate.slice(0, 8) };
}

/**
 * The headers of a SigV4-signed POST of `body` to `url` (service `service`):
 * host, content type, date, session token when there is one, Authorization.
 */
export function signPost(input: {
  url: string;
  body: string;
  region: string;
  service: string;
  credentials: SigningCredentials;
  now: Date;
  contentType?: string;
}): Record<string, string> {
  const target = new URL(input.url);
  const { amzDate, day } = stamp(input.now);
  const headers: Record<string, string> = {
    'content-type': input.contentType ?? CONTENT_TYPE,
    host: target.host,
    'x-amz-date': amzDate,
    ...(input.credentials.sessionToken ? { 'x-amz-security-token': input.credentials.sessionToken } : {}),
  };
  const names = Object.keys(headers).sort();
  const signedHeaders = names.join(';');
  const canonical = [
    'POST',
    target.pathname || '/',
    target.search.replace(/^\?/, ''),
    ...names.map((n) => `${n}:${String(headers[n]).trim()}`),
    '',
    signedHeaders,
    sha256(input.body),
  ].join('\n');
  const scope = `${day}/${input.region}/${input.service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  let key: Buffer = hmac(`AWS4${input.credentials.secretAccessKey}`, day);
  for (const part of [input.region, input.service, 'aws4_request']) key = hmac(key, part);
  const signature = createHmac('sha256', key).update(toSign, 'utf8').digest('hex');
  return {
    ...headers,
    authorization: `AWS4-HMAC-SHA256 Credential=${input.credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
  };
}

/** The regional STS endpoint AWS serves GetCallerIdentity on (or the one the environment names). */
export function stsEndpoint(
  resources: Pick<Resources, 'region' | 'endpoints'>,
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  if (resources.endpoints) return resources.endpoints.sts;
  const configured = env.AWS_ENDPOINT_URL_STS ?? env.AWS_ENDPOINT_URL;
  if (configured) return configured;
  const suffix = resources.region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `https://sts.${resources.region}.${suffix}/`;
}

const xmlText = (xml: string, tag: string): string | undefined =>
  new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml)?.[1]?.replace(/&amp;/g, '&');

/** An STS error answer (its `Code`), raised as the SDK would name it. */
export class StsError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = code;
    this.code = code;
  }
}

/** Parses a GetCallerIdentity answer: its `Arn`, or the error it carries. */
export function parseCallerIdentity(status: number, xml: string): string {
  const arn = xmlText(xml, 'Arn');
  if (status === 200 && arn) return arn;
  const code = xmlText(xml, 'Code') ?? `HTTP ${status}`;
  throw new StsError(code, xmlText(xml, 'Message') ?? `STS answered ${status} without an Arn`);
}

/** What {@link callerIdentity} needs; tests replace `fetch`. */
export interface IdentityDeps {
  resources: Pick<Resources, 'region' | 'endpoints' | 'origin'>;
  env: Readonly<Record<string, string | undefined>>;
  credentials(): Promise<SigningCredentials>;
  fetch?: typeof fetch;
  now?: () => Date;
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
  const url = stsEndpoint(deps.resources, deps.env);
  const local = deps.resources.endpoints !== undefined;
  if (url === undefined) return localActor(deps.env);
  try {
    const credentials = await deps.credentials();
    const headers = signPost({
      url,
      body: STS_BODY,
      region: deps.resources.region,
      service: 'sts',
      credentials,
      now: deps.now?.() ?? new Date(),
    });
    const response = await (deps.fetch ?? fetch)(url, {
      method: 'POST',
      headers,
      body: STS_BODY,
      signal: AbortSignal.timeout(15_000),
    });
    return parseCallerIdentity(response.status, await response.text());
  } catch (error) {
    // The local gateway answers InvalidAction: it serves AssumeRole only.
    if (local && error instanceof StsError && error.code === 'InvalidAction') return localActor(deps.env);
    if (error instanceof StsError) {
      throw new CliError(
        `cannot tell who you are (STS GetCallerIdentity: ${error.code}: ${error.message}); every decision records its author. Check your AWS credentials (AWS_PROFILE, \`aws sso login\`) and retry`,
        { cause: error },
      );
    }
    throw error;
  }
}
