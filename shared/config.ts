import { type ListSetting, parseDrawdownThresholds, parseExpiryLeadDays } from './domain/compliance.js';
import { ConfigError } from './domain/errors.js';
import { COMPLIANCE_CONTEXT, ENV } from './names.js';

/** Reads a required environment variable; a missing one is a deployment bug, so fail loudly. */
export function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value.trim() === '') {
    throw new ConfigError(
      `environment variable ${name} is not set; the CDK stack sets it on every function that needs it`,
    );
  }
  return value;
}

/** Reads a required positive integer environment variable. */
export function requiredInt(name: string): number {
  const raw = required(name);
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    throw new ConfigError(`environment variable ${name} must be a positive whole number, got "${raw}"`);
  }
  return value;
}

/** The tables, read once per cold start. */
export const tablesConfig = () => ({
  licenses: required(ENV.licensesTable),
  shipments: required(ENV.shipmentsTable),
  inventory: required(ENV.inventoryTable),
  history: required(ENV.historyTable),
});

/** The customer topic shards and the logistics topic that notifications go to, read once per cold start. */
export const notificationTopicsConfig = () => ({
  customerShards: topicList(ENV.customerTopicArns),
  logistics: required(ENV.logisticsTopicArn),
});

/** An SNS topic ARN (any partition). */
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$/;

/**
 * A comma-separated list of topic ARNs, every entry one, each once: an empty
 * entry (a doubled or trailing comma), one that is no topic ARN, or a repeated
 * one would be a shard whose customers are never told.
 */
function topicList(name: string): string[] {
  const raw = required(name);
  const arns = raw.split(',').map((a) => a.trim());
  const bad = arns.find((a) => !TOPIC_ARN.test(a));
  const repeated = arns.find((a, i) => arns.indexOf(a) !== i);
  if (bad !== undefined || repeated !== undefined) {
    const what = bad !== undefined ? `"${bad}" is not a topic ARN` : `${repeated} is listed twice`;
    throw new ConfigError(
      `environment variable ${name} must be a comma-separated list of distinct topic ARNs, one per customer shard (${what}); the stack sets it: deploy it again (npx cdk deploy)`,
    );
  }
  return arns;
}

/** Reads a required list variable the stack sets from the CDK context `context`. */
function requiredList(name: string, parse: (raw: string) => ListSetting, context: string): number[] {
  const raw = required(name);
  const parsed = parse(raw);
  if (!parsed.ok) {
    throw new ConfigError(
      `environment variable ${name} ${parsed.problem}. The stack sets it from the context ${context}: ` +
        `deploy again with a valid one, e.g. npx cdk deploy -c ${context}=${name === ENV.drawdownThresholds ? '80,90,100' : '30,7,1'}`,
    );
  }
  return parsed.value;
}

/** LICENSE_DRAWDOWN thresholds, percent (license-events), read once per cold start. */
export const drawdownThresholdsConfig = (): number[] =>
  requiredList(ENV.drawdownThresholds, parseDrawdownThresholds, COMPLIANCE_CONTEXT.drawdownThresholds);

/** LICENSE_EXPIRING lead times, days (license-clock), read once per cold start. */
export const expiryLeadDaysConfig = (): number[] =>
  requiredList(ENV.expiryLeadDays, parseExpiryLeadDays, COMPLIANCE_CONTEXT.expiryLeadDays);
