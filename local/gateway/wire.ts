/**
 * The wire formats the request gateway reads and writes: which service and
 * operation a request is, its input in the SDK's shape, and errors as each
 * service sends them (so the caller's own SDK turns them into the right
 * exception class, retry classification included).
 *
 * - DynamoDB, DynamoDB Streams and SQS: JSON 1.0 with `X-Amz-Target`.
 * - SNS and STS: the query protocol (form-encoded body, XML responses).
 * - Lambda: REST-JSON, of which the gateway serves Invoke
 *   (`POST /2015-03-31/functions/{FunctionName}/invocations`, the payload as
 *   the body); errors name their code in `x-amzn-errortype`.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** The services the local stack serves. */
export type ServiceName = 'dynamodb' | 'dynamodbstreams' | 'lambda' | 'sns' | 'sqs' | 'sts';

/** One decoded request. */
export interface DecodedCall {
  readonly service: ServiceName;
  readonly operation: string;
  /** SDK-shaped input: the JSON body, or the query form decoded into nested lists and maps. */
  readonly input: Record<string, unknown>;
  /** Size of the request body in bytes. */
  readonly bodyBytes: number;
}

/** A response to send (or one received from a service). */
export interface WireResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/**
 * The request cannot be read as any service's request; or, with `service`, it
 * is that service's but not a call the gateway serves (answered in the
 * service's error shape as `code`).
 */
export class WireError extends Error {
  constructor(
    message: string,
    readonly service?: ServiceName,
    readonly code = 'UnknownOperationException',
    readonly status = 404,
  ) {
    super(message);
    this.name = 'WireError';
  }
}

const JSON_TARGETS: Readonly<Record<string, ServiceName>> = {
  DynamoDB_20120810: 'dynamodb',
  DynamoDBStreams_20120810: 'dynamodbstreams',
  AmazonSQS: 'sqs',
};

const QUERY_VERSIONS: Readonly<Record<string, ServiceName>> = {
  '2010-03-31': 'sns',
  '2011-06-15': 'sts',
};

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/** The access key id of a SigV4-signed request (`Credential=AKID/date/region/service/aws4_request`). */
export function accessKeyOf(headers: IncomingHttpHeaders): string | undefined {
  const auth = header(headers, 'authorization');
  return auth === undefined ? undefined : /Credential=([^/,\s]+)\//.exec(auth)?.[1];
}

/** What {@link decodeRequest} reads of a request besides its body (an `IncomingMessage` is one). */
export interface RequestHead {
  readonly method?: string | undefined;
  /** Path and query, e.g. `/2015-03-31/functions/f/invocations?Qualifier=%24LATEST`. */
  readonly url?: string | undefined;
  readonly headers: IncomingHttpHeaders;
}

/** Lambda's REST paths start with an API version date. */
const LAMBDA_PATH = /^\/\d{4}-\d{2}-\d{2}\//;
const LAMBDA_INVOKE = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

/**
 * Lambda Invoke as the SDK sends it: the function (name, ARN or partial ARN,
 * URL-encoded) in the path, `Qualifier` in the query, the invocation and log
 * types and the client context in headers, the payload as the raw body
 * (`Payload`, as UTF-8 text).
 */
function decodeLambda(head: RequestHead, body: Buffer): DecodedCall {
  const url = new URL(head.url ?? '/', 'http://gateway');
  const match = LAMBDA_INVOKE.exec(url.pathname);
  if (match === null || head.method !== 'POST') {
    throw new WireError(
      `${head.method ?? '?'} ${url.pathname}: the local stack serves only Lambda Invoke ` +
        '(POST /2015-03-31/functions/{FunctionName}/invocations)',
      'lambda',
    );
  }
  let functionName: string;
  try {
    functionName = decodeURIComponent(match[1] ?? '');
  } catch {
    throw new WireError(
      `${url.pathname}: the function name is not URL-encoded text`,
      'lambda',
      'ValidationException',
      400,
    );
  }
  const input: Record<string, unknown> = { FunctionName: functionName };
  const fields = [
    ['InvocationType', header(head.headers, 'x-amz-invocation-type')],
    ['LogType', header(head.headers, 'x-amz-log-type')],
    ['ClientContext', header(head.headers, 'x-amz-client-context')],
    ['Qualifier', url.searchParams.get('Qualifier') ?? undefined],
  ] as const;
  for (const [name, value] of fields) if (value !== undefined) input[name] = value;
  input.Payload = body.toString('utf8');
  return { service: 'lambda', operation: 'Invoke', input, bodyBytes: body.length };
}

/** Reads the service, operation and input of a request. */
export function decodeRequest(head: RequestHead, body: Buffer): DecodedCall {
  const { headers } = head;
  if (LAMBDA_PATH.test(head.url ?? '')) return decodeLambda(head, body);
  const target = header(headers, 'x-amz-target');
  if (target !== undefined) {
    const dot = target.indexOf('.');
    const service = JSON_TARGETS[target.slice(0, dot)];
    if (service === undefined || dot < 0) throw new WireError(`unknown X-Amz-Target ${target}`);
    let input: unknown;
    try {
      input = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
    } catch {
      throw new WireError(`${target}: the body is not JSON`);
    }
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      throw new WireError(`${target}: the body is not a JSON object`);
    }
    return {
      service,
      operation: target.slice(dot + 1),
      input: input as Record<string, unknown>,
      bodyBytes: body.length,
    };
  }
  const params = new URLSearchParams(body.toString('utf8'));
  const action = params.get('Action');
  const version = params.get('Version') ?? '';
  const service = QUERY_VERSIONS[version];
  if (action === null || service === undefined) {
    throw new WireError(
      version === '2012-11-05'
        ? 'SQS over the query (XML) protocol is not served; use an SDK or CLI that speaks the SQS JSON protocol'
        : 'neither X-Amz-Target nor a known query Action/Version',
    );
  }
  return { service, operation: action, input: decodeQuery(params), bodyBytes: body.length };
}

type Tree = { [key: string]: Tree | string };

/**
 * The query protocol's flattened form (`A.member.1.B=x`, `Attributes.entry.1.key=k`)
 * as the SDK's nested input: `member` lists become arrays, `entry` lists
 * (Name/Value or key/value) become maps.
 */
export function decodeQuery(params: URLSearchParams): Record<string, unknown> {
  const root: Tree = {};
  for (const [key, value] of params) {
    if (key === 'Action' || key === 'Version') continue;
    const parts = key.split('.');
    let node = root;
    parts.forEach((part, i) => {
      if (i === parts.length - 1) {
        node[part] = value;
        return;
      }
      const next = node[part];
      if (typeof next === 'object') node = next;
      else {
        const created: Tree = {};
        node[part] = created;
        node = created;
      }
    });
  }
  return normalize(root) as Record<string, unknown>;
}

const byIndex = (t: Tree): (Tree | string)[] =>
  Object.entries(t)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([, v]) => v);

function normalize(node: Tree | string): unknown {
  if (typeof node === 'string') return node;
  const keys = Object.keys(node);
  const only = keys.length === 1 ? keys[0] : undefined;
  const list = only === undefined ? undefined : node[only];
  if (only === 'member' && typeof list === 'object') return byIndex(list).map(normalize);
  if (only === 'entry' && typeof list === 'object') {
    const map: Record<string, unknown> = {};
    for (const e of byIndex(list)) {
      if (typeof e === 'string') continue;
      const name = e.Name ?? e.key;
      const value = e.Value ?? e.value;
      if (typeof name === 'string' && value !== undefined) map[name] = normalize(value);
    }
    return map;
  }
  return Object.fromEntries(keys.map((k) => [k, normalize(node[k] as Tree | string)]));
}

/** Query fields that are maps, and the names of their entries' parts (`entry.N.<name>`, `entry.N.<value>`). */
const MAP_FIELDS: Readonly<Record<string, { name: string; value: string }>> = {
  MessageAttributes: { name: 'Name', value: 'Value' },
  Attributes: { name: 'key', value: 'value' },
};

/** The inverse of {@link decodeQuery} for the shapes SNS uses. */
export function encodeQuery(action: string, version: string, input: Record<string, unknown>): string {
  const out = new URLSearchParams({ Action: action, Version: version });
  const walk = (prefix: string, field: string, value: unknown): void => {
    if (value === undefined || value === null) return;
    if (Array.isArray(value)) {
      value.forEach((v, i) => {
        walk(`${prefix}.member.${i + 1}`, field, v);
      });
      return;
    }
    if (typeof value !== 'object') {
      out.append(prefix, String(value));
      return;
    }
    const map = MAP_FIELDS[field];
    Object.entries(value as Record<string, unknown>).forEach(([k, v], i) => {
      if (map === undefined) walk(prefix === '' ? k : `${prefix}.${k}`, k, v);
      else {
        out.append(`${prefix}.entry.${i + 1}.${map.name}`, k);
        walk(`${prefix}.entry.${i + 1}.${map.value}`, '', v);
      }
    });
  };
  walk('', '', input);
  return out.toString();
}

const escapeXml = (s: string) =>
  s.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c,
  );

const JSON_ERROR_NAMESPACE: Readonly<Record<string, string>> = {
  dynamodb: 'com.amazonaws.dynamodb.v20120810',
  dynamodbstreams: 'com.amazonaws.dynamodb.v20120810',
  sqs: 'com.amazonaws.sqs',
};

/**
 * An error response as `service` sends it. `code` is the service's error code
 * (e.g. `ValidationException`, `AccessDeniedException`, `TooManyEntriesInBatchRequest`).
 */
export function errorResponse(
  service: ServiceName,
  code: string,
  message: string,
  status = 400,
  fields: Readonly<Record<string, unknown>> = {},
): WireResponse {
  if (service === 'lambda') return lambdaError(code, message, status);
  if (service === 'sns' || service === 'sts') {
    const xmlns =
      service === 'sns'
        ? 'http://sns.amazonaws.com/doc/2010-03-31/'
        : 'https://sts.amazonaws.com/doc/2011-06-15/';
    const body =
      `<ErrorResponse xmlns="${xmlns}"><Error><Type>${status >= 500 ? 'Receiver' : 'Sender'}</Type>` +
      `<Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error>` +
      `<RequestId>local-gateway</RequestId></ErrorResponse>`;
    return { status, headers: { 'content-type': 'text/xml' }, body: Buffer.from(body) };
  }
  const type = `${JSON_ERROR_NAMESPACE[service] ?? 'com.amazonaws'}#${code}`;
  return {
    status,
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      ...(service === 'sqs'
        ? { 'x-amzn-query-error': `${code};${status >= 500 ? 'Receiver' : 'Sender'}` }
        : {}),
    },
    body: Buffer.from(JSON.stringify({ __type: type, message, ...fields })),
  };
}

/** Lambda's errors whose message field is `Message` (the SDK's model); the others use `message`. */
const LAMBDA_CAPITAL_MESSAGE = new Set([
  'ResourceNotFoundException',
  'ServiceException',
  'AccessDeniedException',
]);

/**
 * A Lambda error (REST-JSON): the code in `x-amzn-errortype`, which the SDK
 * reads first, and `{"Type":"User"|"Service","message":...}` as the body.
 */
function lambdaError(code: string, message: string, status: number): WireResponse {
  const text = LAMBDA_CAPITAL_MESSAGE.has(code) ? 'Message' : 'message';
  return {
    status,
    headers: {
      'content-type': 'application/json',
      'x-amzn-errortype': code,
      'x-amzn-requestid': randomUUID(),
    },
    body: Buffer.from(JSON.stringify({ Type: status >= 500 ? 'Service' : 'User', [text]: message })),
  };
}

/** The code and status a service answers an IAM denial with. */
export function accessDenied(service: ServiceName, message: string): WireResponse {
  switch (service) {
    case 'sns':
      return errorResponse(service, 'AuthorizationError', message, 403);
    case 'sts':
      return errorResponse(service, 'AccessDenied', message, 403);
    case 'sqs':
      return errorResponse(service, 'AccessDenied', message, 403);
    case 'lambda':
      return errorResponse(service, 'AccessDeniedException', message, 403);
    default:
      return errorResponse(service, 'AccessDeniedException', message, 400);
  }
}

/** An STS AssumeRole response carrying `credentials`. */
export function assumeRoleResponse(c: {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
  assumedRoleArn: string;
  assumedRoleId: string;
}): WireResponse {
  const body =
    '<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>' +
    `<AssumedRoleUser><AssumedRoleId>${escapeXml(c.assumedRoleId)}</AssumedRoleId><Arn>${escapeXml(c.assumedRoleArn)}</Arn></AssumedRoleUser>` +
    `<Credentials><AccessKeyId>${c.accessKeyId}</AccessKeyId><SecretAccessKey>${c.secretAccessKey}</SecretAccessKey>` +
    `<SessionToken>${c.sessionToken}</SessionToken><Expiration>${c.expiration.toISOString()}</Expiration></Credentials>` +
    '</AssumeRoleResult><ResponseMetadata><RequestId>local-gateway</RequestId></ResponseMetadata></AssumeRoleResponse>';
  return { status: 200, headers: { 'content-type': 'text/xml' }, body: Buffer.from(body) };
}

/** Parses a JSON response body (DynamoDB, Streams, SQS). */
export function jsonOf(response: WireResponse): Record<string, unknown> {
  return JSON.parse(response.body.toString('utf8')) as Record<string, unknown>;
}

/** The same response with a new JSON body. */
export function withJson(response: WireResponse, body: unknown): WireResponse {
  return { ...response, body: Buffer.from(JSON.stringify(body)) };
}

/** One entry of a PublishBatch request, as decoded. */
export interface PublishBatchEntry {
  readonly Id?: string;
  readonly Message?: string;
  readonly MessageAttributes?: Readonly<Record<string, { DataType?: string; StringValue?: string }>>;
}

/**
 * Answers a PublishBatch as SNS does when some entries fail: HTTP 200, the
 * entries `fail` picks listed in `Failed[]` (and not published), the others
 * published through `forward`.
 */
export async function publishBatchFailing(
  input: Record<string, unknown>,
  forward: (input: Record<string, unknown>) => Promise<WireResponse>,
  fail: (entry: PublishBatchEntry, index: number) => boolean,
): Promise<WireResponse> {
  const entries = (input.PublishBatchRequestEntries ?? []) as PublishBatchEntry[];
  const failing = entries.filter(fail);
  if (failing.length === 0) return forward(input);
  const kept = entries.filter((e) => !failing.includes(e));
  const out =
    kept.length > 0
      ? await forward({ ...input, PublishBatchRequestEntries: kept })
      : {
          status: 200,
          headers: { 'content-type': 'text/xml' },
          body: Buffer.from(
            '<PublishBatchResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishBatchResult>' +
              '<Successful></Successful><Failed></Failed></PublishBatchResult></PublishBatchResponse>',
          ),
        };
  if (out.status !== 200) return out;
  const members = failing
    .map(
      (e) =>
        `<member><Id>${escapeXml(e.Id ?? '')}</Id><Code>InternalError</Code>` +
        '<Message>injected</Message><SenderFault>false</SenderFault></member>',
    )
    .join('');
  const xml = out.body.toString('utf8');
  const patched = xml.includes('</Failed>')
    ? xml.replace('</Failed>', `${members}</Failed>`)
    : xml.includes('<Failed/>')
      ? xml.replace('<Failed/>', `<Failed>${members}</Failed>`)
      : xml.replace('</PublishBatchResult>', `<Failed>${members}</Failed></PublishBatchResult>`);
  return { ...out, body: Buffer.from(patched) };
}
