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
import { documentTranslation } from '../shared/adapters/numbers.js';
import type { Alerter, OpsAlert } from '../shared/domain/ports.js';

/**
 * Module-scope clients shared by the handlers of one bundle, traced by X-Ray.
 * Endpoints come from the SDK's standard variables (AWS_ENDPOINT_URL_DYNAMODB,
 * ..._SNS), so the same code talks to AWS or to the local stack.
 */
export const tracer = new Tracer();
/**
 * Numbers are read and written as every reader of the tables does
 * (shared/adapters/numbers.ts): a Number typed beyond the safe integer range
 * (say 1e30) is read as a plain, imprecise number, so validation rejects it
 * with a reason ("at most 1000000000"), and one with more digits than a
 * double holds (1000.0000000000000000001) as an inexact number, rejected
 * naming the field, never rounded into a valid one. Writing either back (a
 * rejection's condition quotes the typed value) sends the Number stored.
 */
export const documentClient = DynamoDBDocumentClient.from(
  tracer.captureAWSv3Client(new DynamoDBClient({})),
  documentTranslation(),
);
export const snsClient = tracer.captureAWSv3Client(new SNSClient({}));
/**
 * The bundle's SDK clients, exported by every handler module so that the
 * local stack can shorten their retry pauses in fault-injection runs (see
 * local/lambda-worker.mjs). Lambda ignores exports other than the handler.
 */
export const sdkClients = [documentClient, snsClient] as const;
export { newToken } from '../shared/adapters/tokens.js';

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

/**
 * `alerter`, telling `count` of each batch of alerts before it is sent: a
 * metric counted there shows the alerts whether SNS takes them or not (the
 * ops topic's key policy, a deleted topic, throttling), which is when the
 * on-call needs the alarm on it most. A batch the stream retries is sent, and
 * counted, again.
 */
export function countedAlerter(alerter: Alerter, count: (alerts: readonly OpsAlert[]) => void): Alerter {
  return {
    alert(alerts) {
      count(alerts);
      return alerter.alert(alerts);
    },
  };
}
