/**
 * Lambda Invoke at the request gateway: a function of the stack, named by its
 * name, ARN or partial ARN, run as deployed (the stack gives the gateway
 * {@link LambdaFunctions}: the Lambda host's sandboxes running the `cdk.out`
 * bundles) and answered as Lambda answers, so that any SDK's `InvokeCommand`
 * works against the local stack as against AWS:
 *
 * - 200 with the handler's result as JSON and `X-Amz-Executed-Version:
 *   $LATEST`; when the handler throws (or its sandbox fails to start, crashes
 *   or times out), still 200, with `X-Amz-Function-Error: Unhandled` and
 *   `{"errorType","errorMessage","trace"}` as the body;
 * - `DryRun`: 204 once the function exists (the gateway has already judged
 *   the caller's permission, as Lambda does for a dry run);
 * - errors in Lambda's REST-JSON shape ({@link errorResponse}), e.g. 404
 *   ResourceNotFoundException for a function the stack does not have.
 *
 * Not served, and refused with InvalidParameterValueException rather than
 * answered differently from AWS: `Event` (asynchronous) invocations, whose
 * queueing, retries and destinations the local stack does not emulate, and
 * `LogType: Tail` (the functions' logs go to the stack's log). The client
 * context header is accepted and not passed on. Functions have no published
 * versions or aliases locally: only `$LATEST` (or no qualifier) exists.
 */
import { randomUUID } from 'node:crypto';
import { errorResponse, type WireResponse } from './wire.js';

/** What one invocation ended with: the handler's result, or its error as Lambda reports it. */
export type Invocation =
  | { readonly result: unknown }
  | {
      readonly error: {
        readonly errorType: string;
        readonly errorMessage: string;
        readonly trace?: readonly string[];
      };
    };

/** The stack's functions, as the gateway serves them to Lambda Invoke. */
export interface LambdaFunctions {
  /** Whether the stack has the function of this (unqualified) ARN. */
  has(arn: string): boolean;
  /**
   * Runs the function with `event` (the parsed payload) as `requestId`.
   * Rejects only when the local stack itself fails (answered as a 500).
   */
  invoke(arn: string, event: unknown, requestId: string): Promise<Invocation>;
}

/** The function an Invoke names. */
export interface InvokeTarget {
  readonly name: string;
  /** Unqualified ARN. */
  readonly arn: string;
  readonly qualifier?: string;
  /** The ARN with its qualifier, when it has one: what Lambda names in errors and IAM judges. */
  readonly qualifiedArn: string;
}

/** A Lambda error to answer with. */
export class LambdaCallError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = code;
  }
}

/** Lambda's FunctionName forms: `name`, `account:function:name`, `arn:aws:lambda:region:account:function:name`, each with an optional `:qualifier`. */
const FUNCTION_NAME =
  /^(?:arn:aws[a-zA-Z-]*:lambda:([a-z0-9-]+):(\d{12}):function:|(\d{12}):function:)?([a-zA-Z0-9_-]{1,64})(?::(\$LATEST|[a-zA-Z0-9_-]{1,128}))?$/;

/**
 * The function `functionName` (and the `Qualifier` parameter, if any) names,
 * with its ARN in `where`'s region and account (an ARN names its own). Throws
 * a {@link LambdaCallError} as Lambda refuses a malformed name or two
 * qualifiers that disagree.
 */
export function invokeTarget(
  functionName: string,
  qualifierParameter: string | undefined,
  where: { readonly region: string; readonly account: string },
): InvokeTarget {
  const m = FUNCTION_NAME.exec(functionName);
  if (m === null) {
    throw new LambdaCallError(
      'ValidationException',
      `1 validation error detected: Value '${functionName}' at 'functionName' failed to satisfy constraint: ` +
        'Member must satisfy regular expression pattern: ' +
        '(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?',
    );
  }
  const [, region = where.region, arnAccount, partialAccount, name = '', embedded] = m;
  if (embedded !== undefined && qualifierParameter !== undefined && embedded !== qualifierParameter) {
    throw new LambdaCallError(
      'InvalidParameterValueException',
      'The derived qualifier from the function name does not match the specified qualifier.',
    );
  }
  const account = arnAccount ?? partialAccount ?? where.account;
  const arn = `arn:aws:lambda:${region}:${account}:function:${name}`;
  const qualifier = embedded ?? qualifierParameter;
  return qualifier === undefined
    ? { name, arn, qualifiedArn: arn }
    : { name, arn, qualifier, qualifiedArn: `${arn}:${qualifier}` };
}

const INVOCATION_TYPES = ['Event', 'RequestResponse', 'DryRun'] as const;
const LOG_TYPES = ['None', 'Tail'] as const;

/** A header value from an enum, or its default; anything else is refused as Lambda refuses it. */
function oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new LambdaCallError(
    'ValidationException',
    `1 validation error detected: Value '${String(value)}' at '${field}' failed to satisfy constraint: ` +
      `Member must satisfy enum value set: [${allowed.join(', ')}]`,
  );
}

/** The event: the payload as JSON (`{}` when it is empty). */
function parsePayload(payload: unknown): unknown {
  const text = typeof payload === 'string' ? payload : '';
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new LambdaCallError(
      'InvalidRequestContentException',
      `Could not parse request body into json: Could not parse payload into json: ${(error as Error).message}`,
    );
  }
}

const notServed = (what: string) =>
  new LambdaCallError(
    'InvalidParameterValueException',
    `${what} is not served by the local stack (only synchronous RequestResponse and DryRun invocations are); ` +
      'this is a limit of the local stack, not of AWS Lambda',
  );

/** A 200 answer: the result, or the function's error flagged `X-Amz-Function-Error: Unhandled`. */
function invocationResponse(outcome: Invocation, requestId: string): WireResponse {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'X-Amz-Executed-Version': '$LATEST',
    'x-amzn-requestid': requestId,
  };
  if ('result' in outcome) {
    return { status: 200, headers, body: Buffer.from(JSON.stringify(outcome.result) ?? 'null') };
  }
  const { errorType, errorMessage, trace } = outcome.error;
  return {
    status: 200,
    headers: { ...headers, 'X-Amz-Function-Error': 'Unhandled' },
    body: Buffer.from(JSON.stringify({ errorType, errorMessage, ...(trace ? { trace } : {}) })),
  };
}

const optional = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/**
 * Answers a decoded Lambda Invoke (`input` as wire.ts decodes it) with the
 * stack's `functions` (none: every function is unknown).
 */
export async function answerInvoke(
  input: Record<string, unknown>,
  functions: LambdaFunctions | undefined,
  where: { readonly region: string; readonly account: string },
): Promise<WireResponse> {
  try {
    const type = oneOf(input.InvocationType, 'invocationType', INVOCATION_TYPES, 'RequestResponse');
    const logType = oneOf(input.LogType, 'logType', LOG_TYPES, 'None');
    const target = invokeTarget(String(input.FunctionName ?? ''), optional(input.Qualifier), where);
    const exists = functions?.has(target.arn) === true;
    if (!exists || (target.qualifier !== undefined && target.qualifier !== '$LATEST')) {
      throw new LambdaCallError(
        'ResourceNotFoundException',
        `Function not found: ${target.qualifiedArn}`,
        404,
      );
    }
    if (type === 'Event') throw notServed('An asynchronous (Event) invocation');
    if (logType === 'Tail') throw notServed('LogType Tail');
    const requestId = randomUUID();
    if (type === 'DryRun')
      return { status: 204, headers: { 'x-amzn-requestid': requestId }, body: Buffer.alloc(0) };
    const event = parsePayload(input.Payload);
    return invocationResponse(await functions.invoke(target.arn, event, requestId), requestId);
  } catch (error) {
    if (error instanceof LambdaCallError)
      return errorResponse('lambda', error.code, error.message, error.status);
    throw error;
  }
}
