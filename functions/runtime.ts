import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type middy from '@middy/core';

/**
 * Module-scope clients shared by the handlers of one bundle, traced by X-Ray.
 * Endpoints come from the SDK's standard variables (AWS_ENDPOINT_URL_DYNAMODB,
 * ..._SNS), so the same code talks to AWS or to the local stack.
 */
export const tracer = new Tracer();
/**
 * Numbers an admin typed beyond the safe integer range (say 1e30) are read as
 * plain, imprecise numbers, as stream images are (shared/adapters/stream.ts),
 * so validation rejects them with a reason ("at most 1000000000"); by default
 * the SDK would return a BigInt, which reads as "not a Number". Writing one
 * back (a rejection's condition quotes the typed value) must not throw either.
 */
export const documentClient = DynamoDBDocumentClient.from(tracer.captureAWSv3Client(new DynamoDBClient({})), {
  marshallOptions: { removeUndefinedValues: true, allowImpreciseNumbers: true },
  unmarshallOptions: { wrapNumbers: (value: string) => Number(value) },
});
export const snsClient = tracer.captureAWSv3Client(new SNSClient({}));
/**
 * The bundle's SDK clients, exported by every handler module so that the
 * local stack can shorten their retry pauses in fault-injection runs (see
 * local/lambda-worker.mjs). Lambda ignores exports other than the handler.
 */
export const sdkClients = [documentClient, snsClient] as const;
export const newToken = (): string => `${new Date().toISOString()}#${randomUUID().slice(0, 8)}`;

/**
 * A function's logger and metrics (service name and namespace from
 * POWERTOOLS_* variables). Metrics report their own warnings through the
 * logger: structured, and silenced with the log level.
 */
export function observability() {
  const logger = new Logger();
  return { logger, metrics: new Metrics({ logger }) };
}

/**
 * The middy middlewares every handler uses, observability first: X-Ray
 * segment, Lambda context in every log line, EMF metrics flushed at the end.
 */
export function observe<H extends middy.MiddyfiedHandler>(
  handler: H,
  o: ReturnType<typeof observability>,
): H {
  return handler
    .use(captureLambdaHandler(tracer))
    .use(injectLambdaContext(o.logger))
    .use(logMetrics(o.metrics, { captureColdStartMetric: true })) as H;
}
