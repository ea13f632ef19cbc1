/**
 * The gateway's Lambda Invoke without a socket: an SDK request handler that
 * hands each request the SDK serialized to the gateway's own decoding
 * (local/gateway/wire.ts), limits and Invoke answer (local/gateway/lambda.ts),
 * and gives the SDK the answer to parse. A `LambdaClient` built with it shows
 * what any SDK sees from the local stack's gateway, in unit tests.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import { answerInvoke, type Invocation, type LambdaFunctions } from '../../local/gateway/lambda.js';
import { checkLimits } from '../../local/gateway/limits.js';
import { type DecodedCall, decodeRequest, errorResponse } from '../../local/gateway/wire.js';

export const WHERE = { region: 'us-east-1', account: '000000000000' } as const;
export const arnOf = (name: string) => `arn:aws:lambda:${WHERE.region}:${WHERE.account}:function:${name}`;

/** Fake functions: `answer` decides each invocation; every call is recorded. */
export function fakeFunctions(
  names: readonly string[],
  answer: (arn: string, event: unknown) => Invocation = () => ({ result: null }),
): LambdaFunctions & { calls: { arn: string; event: unknown; requestId: string }[] } {
  const arns = new Set(names.map(arnOf));
  const calls: { arn: string; event: unknown; requestId: string }[] = [];
  return {
    calls,
    has: (arn) => arns.has(arn),
    async invoke(arn, event, requestId) {
      calls.push({ arn, event, requestId });
      return answer(arn, event);
    },
  };
}

interface SdkRequest {
  method: string;
  path: string;
  query?: Record<string, string | string[] | null>;
  headers: Record<string, string>;
  body?: unknown;
}

const bytes = (body: unknown): Buffer =>
  body === undefined || body === null
    ? Buffer.alloc(0)
    : typeof body === 'string'
      ? Buffer.from(body)
      : Buffer.from(body as Uint8Array);

/** The calls the handler decoded, in order. */
export type DecodedCalls = DecodedCall[];

/**
 * A request handler for an SDK client (`requestHandler`): decode, limits,
 * then the Invoke answer with `functions`, as the gateway does for an admin
 * client (which it does not judge).
 */
export function gatewayLambdaHandler(functions: LambdaFunctions, decoded: DecodedCalls = []) {
  return {
    async handle(request: SdkRequest) {
      const query = new URLSearchParams();
      for (const [k, v] of Object.entries(request.query ?? {}))
        for (const one of [v].flat()) if (one !== null) query.append(k, one);
      const url = `${request.path}${query.size > 0 ? `?${query}` : ''}`;
      const headers: IncomingHttpHeaders = Object.fromEntries(
        Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v]),
      );
      const call = decodeRequest({ method: request.method, url, headers }, bytes(request.body));
      decoded.push(call);
      const violation = checkLimits(call);
      const answer = violation
        ? errorResponse(call.service, violation.code, violation.message, violation.httpStatus)
        : await answerInvoke(call.input, functions, WHERE);
      return {
        response: {
          statusCode: answer.status,
          reason: '',
          headers: Object.fromEntries(Object.entries(answer.headers).map(([k, v]) => [k.toLowerCase(), v])),
          body: Readable.from([answer.body]),
        },
      };
    },
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
    destroy: () => undefined,
  };
}
