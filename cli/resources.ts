import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { SUBSCRIPTION_MANAGER_ROLE_OUTPUT } from '../infra/outputs.js';
import { parseItem } from '../shared/domain/model.js';
import { StackNotFoundError, UsageError } from './errors.js';

/**
 * Where the CLI finds the system's tables, topics, queues and functions:
 * a local stack description (the JSON line `npm run stack` prints), or the
 * outputs of the deployed CloudFormation stack.
 */

/** Service endpoints of a local stack. */
export interface Endpoints {
  dynamodb: string;
  dynamodbStreams: string;
  sns: string;
  sqs: string;
  /** STS, where the CLI assumes the subscription manager role (a local stack's gateway serves AssumeRole). */
  sts?: string;
}

/** A stream-consuming function, as far as the stack description knows it. */
export interface FunctionRef {
  /** Lambda function name (AWS). */
  name?: string;
  /** Lambda timeout, for the context of an in-process invocation. */
  timeoutSeconds?: number;
  /** The function's environment, when the description carries it (local). */
  environment?: Record<string, string>;
}

export type FunctionKey = 'licenseEvents' | 'shipmentEvents';

/** Everything a command may touch. */
export interface Resources {
  origin: 'local' | 'aws';
  /** Where the description came from, for messages. */
  source: string;
  region: string;
  /** Present for a local stack: SDK clients are pointed at these. */
  endpoints?: Endpoints;
  tables: { licenses: string; shipments: string; inventory: string };
  /** Topic ARNs. `customerShards` is empty when the stack has one customer topic. */
  topics: { customer: string; customerShards: string[]; logistics: string; ops: string };
  /** Queue URLs of the stream consumers' on-failure destinations. */
  dlqs: Record<FunctionKey, string>;
  /**
   * The dead-letter queue `clearance subscribe` sets on every subscription.
   * Absent in a stack deployed (or a local stack line printed) before it existed.
   */
  subscriptionDlq?: { url: string; arn: string };
  functions: Partial<Record<FunctionKey, FunctionRef>>;
  /** The role whose credentials manage subscriptions (the customer topics deny everyone else). */
  subscriptionManagerRoleArn?: string;
}

/** How the operator pointed at a stack. */
export interface StackSelection {
  stackFile?: string;
  stackName?: string;
  region?: string;
}

const NO_STACK_FIX =
  'run `npm run stack` and pass --stack-file (or set CLEARANCE_STACK to the line it prints), or deploy with `npx cdk deploy`';

const url = (field: string) =>
  z
    .string({ error: `${field} must be a URL string` })
    .regex(/^https?:\/\/\S+$/, `${field} must be an http(s) URL`);
const name = (field: string) =>
  z.string({ error: `${field} must be a string` }).min(1, `${field} must not be empty`);
const arn = (field: string) =>
  z
    .string({ error: `${field} must be an ARN string` })
    .regex(/^arn:[^:]+:sns:/, `${field} must be an SNS topic ARN`);
const queueArn = (field: string) =>
  z
    .string({ error: `${field} must be an ARN string` })
    .regex(/^arn:[^:]+:sqs:/, `${field} must be an SQS queue ARN`);
const roleArn = (field: string) =>
  z
    .string({ error: `${field} must be an ARN string` })
    .regex(/^arn:[^:]+:iam::\d{12}:role\//, `${field} must be an IAM role ARN`);
const functionRef = z.union([
  z.string().min(1),
  z.looseObject({
    name: z.string().optional(),
    timeoutSeconds: z.number().positive().optional(),
    environment: z.record(z.string(), z.string()).optional(),
  }),
]);

/** The stack description `npm run stack` prints (CLEARANCE_STACK / --stack-file). */
export const StackFileSchema = z.looseObject({
  region: name('region'),
  endpoints: z
    .looseObject({
      dynamodb: url('endpoints.dynamodb'),
      dynamodbstreams: url('endpoints.dynamodbstreams').optional(),
      dynamodbStreams: url('endpoints.dynamodbStreams').optional(),
      sns: url('endpoints.sns'),
      sqs: url('endpoints.sqs'),
      sts: url('endpoints.sts').optional(),
    })
    .optional(),
  subscriptionManagerRoleArn: roleArn('subscriptionManagerRoleArn').optional(),
  tables: z.looseObject({
    licenses: name('tables.licenses'),
    shipments: name('tables.shipments'),
    inventory: name('tables.inventory'),
  }),
  topics: z.looseObject({
    customer: arn('topics.customer'),
    customerShards: z.array(arn('topics.customerShards[]')).optional(),
    logistics: arn('topics.logistics'),
    ops: arn('topics.ops'),
  }),
  dlqs: z.looseObject({
    licenseEvents: url('dlqs.licenseEvents'),
    shipmentEvents: url('dlqs.shipmentEvents'),
    subscriptions: z
      .looseObject({ url: url('dlqs.subscriptions.url'), arn: queueArn('dlqs.subscriptions.arn') })
      .optional(),
  }),
  functions: z
    .looseObject({ licenseEvents: functionRef.optional(), shipmentEvents: functionRef.optional() })
    .optional(),
});
export type StackFile = z.infer<typeof StackFileSchema>;

const toFunctionRef = (value: z.infer<typeof functionRef> | undefined): FunctionRef | undefined => {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return { name: value };
  return {
    ...(value.name === undefined ? {} : { name: value.name }),
    ...(value.timeoutSeconds === undefined ? {} : { timeoutSeconds: value.timeoutSeconds }),
    ...(value.environment === undefined ? {} : { environment: value.environment }),
  };
};

/** Validates a stack description; `source` names where it came from in every message. */
export function parseStackFile(text: string, source: string): Resources {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new StackNotFoundError(
      `${source} is not JSON (${(cause as Error).message}); it must be the single line \`npm run stack\` prints`,
      { cause },
    );
  }
  const parsed = parseItem(StackFileSchema, raw);
  if (!parsed.ok) {
    throw new StackNotFoundError(
      `${source} is not a stack description: ${parsed.problems.join('; ')}. Use the line \`npm run stack\` prints`,
    );
  }
  const s = parsed.value;
  const functions: Partial<Record<FunctionKey, FunctionRef>> = {};
  const licenseFn = toFunctionRef(s.functions?.licenseEvents);
  const shipmentFn = toFunctionRef(s.functions?.shipmentEvents);
  if (licenseFn) functions.licenseEvents = licenseFn;
  if (shipmentFn) functions.shipmentEvents = shipmentFn;
  return {
    origin: s.endpoints ? 'local' : 'aws',
    source,
    region: s.region,
    ...(s.endpoints
      ? {
          endpoints: {
            dynamodb: s.endpoints.dynamodb,
            dynamodbStreams:
              s.endpoints.dynamodbStreams ?? s.endpoints.dynamodbstreams ?? s.endpoints.dynamodb,
            sns: s.endpoints.sns,
            sqs: s.endpoints.sqs,
            ...(s.endpoints.sts ? { sts: s.endpoints.sts } : {}),
          },
        }
      : {}),
    ...(s.subscriptionManagerRoleArn ? { subscriptionManagerRoleArn: s.subscriptionManagerRoleArn } : {}),
    tables: { licenses: s.tables.licenses, shipments: s.tables.shipments, inventory: s.tables.inventory },
    topics: {
      customer: s.topics.customer,
      customerShards: s.topics.customerShards ?? [],
      logistics: s.topics.logistics,
      ops: s.topics.ops,
    },
    dlqs: { licenseEvents: s.dlqs.licenseEvents, shipmentEvents: s.dlqs.shipmentEvents },
    ...(s.dlqs.subscriptions
      ? { subscriptionDlq: { url: s.dlqs.subscriptions.url, arn: s.dlqs.subscriptions.arn } }
      : {}),
    functions,
  };
}

/** The output keys the CLI reads (STACK_OUTPUTS of infra/outputs.ts). */
export interface OutputKeys {
  licensesTableName: string;
  shipmentsTableName: string;
  inventoryTableName: string;
  customerTopicArn: string;
  logisticsTopicArn: string;
  opsTopicArn: string;
  licenseEventsDlqUrl: string;
  shipmentEventsDlqUrl: string;
  subscriptionDlqUrl: string;
  subscriptionDlqArn: string;
  licenseEventsFunctionName: string;
  shipmentEventsFunctionName: string;
}

/**
 * Maps a deployed stack's outputs to resources. Customer topic shards come
 * from `CustomerTopicArn0..N-1` when the stack has them, else the single
 * `CustomerTopicArn`.
 */
export function resourcesFromOutputs(
  outputs: Readonly<Record<string, string>>,
  keys: OutputKeys,
  meta: { stackName: string; region: string },
): Resources {
  const where = `stack ${meta.stackName} (${meta.region})`;
  const missing: string[] = [];
  const need = (key: string): string => {
    const value = outputs[key];
    if (value === undefined || value === '') {
      missing.push(key);
      return '';
    }
    return value;
  };
  const shardPattern = new RegExp(`^${keys.customerTopicArn}(\\d+)$`);
  const shardNumbers = Object.keys(outputs)
    .map((k) => shardPattern.exec(k)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
  const customerShards = shardNumbers.map((n) => outputs[`${keys.customerTopicArn}${n}`] ?? '');
  const gap = shardNumbers.findIndex((n, i) => n !== i);
  if (gap >= 0) {
    throw new StackNotFoundError(
      `${where} has customer topic outputs ${shardNumbers.map((n) => `${keys.customerTopicArn}${n}`).join(', ')}, ` +
        `but not ${keys.customerTopicArn}${gap}: shards must be numbered 0..N-1. Redeploy with \`npx cdk deploy\``,
    );
  }
  const resources: Resources = {
    origin: 'aws',
    source: where,
    region: meta.region,
    tables: {
      licenses: need(keys.licensesTableName),
      shipments: need(keys.shipmentsTableName),
      inventory: need(keys.inventoryTableName),
    },
    topics: {
      customer:
        customerShards.length > 0
          ? (outputs[keys.customerTopicArn] ?? customerShards[0] ?? '')
          : need(keys.customerTopicArn),
      customerShards,
      logistics: need(keys.logisticsTopicArn),
      ops: need(keys.opsTopicArn),
    },
    dlqs: { licenseEvents: need(keys.licenseEventsDlqUrl), shipmentEvents: need(keys.shipmentEventsDlqUrl) },
    functions: {},
  };
  // Optional as a pair: only `clearance subscribe` needs it, and it says so.
  if (outputs[keys.subscriptionDlqUrl] || outputs[keys.subscriptionDlqArn]) {
    resources.subscriptionDlq = {
      url: need(keys.subscriptionDlqUrl),
      arn: need(keys.subscriptionDlqArn),
    };
  }
  const managerRole = outputs[SUBSCRIPTION_MANAGER_ROLE_OUTPUT];
  if (managerRole) resources.subscriptionManagerRoleArn = managerRole;
  const licenseFn = outputs[keys.licenseEventsFunctionName];
  const shipmentFn = outputs[keys.shipmentEventsFunctionName];
  if (licenseFn) resources.functions.licenseEvents = { name: licenseFn };
  if (shipmentFn) resources.functions.shipmentEvents = { name: shipmentFn };
  if (missing.length > 0) {
    throw new StackNotFoundError(
      `${where} lacks the output${missing.length === 1 ? '' : 's'} ${missing.join(', ')}: it was deployed from an older version. Redeploy with \`npx cdk deploy\``,
    );
  }
  return resources;
}

/** Reads a deployed stack's outputs. */
export type DescribeStack = (
  stackName: string,
  region: string | undefined,
) => Promise<{ outputs: Record<string, string>; region: string }>;

/** What resolution needs from the outside world; tests replace it. */
export interface ResolveDeps {
  readFile(path: string): Promise<string>;
  describeStack: DescribeStack;
  /** STACK_ID and STACK_OUTPUTS of infra/outputs.ts. */
  stackConstants(): Promise<{ stackId: string; outputs: OutputKeys }>;
}

/**
 * Resolves the resources, first match wins: `--stack-file`, `--stack-name`
 * (AWS), `CLEARANCE_STACK_FILE`, `CLEARANCE_STACK`, then the deployed stack
 * named STACK_ID.
 */
export async function resolveResources(
  selection: StackSelection,
  env: Readonly<Record<string, string | undefined>>,
  deps: ResolveDeps = defaultResolveDeps,
): Promise<Resources> {
  if (selection.stackFile !== undefined && selection.stackName !== undefined) {
    throw new UsageError(
      'pass either --stack-file (a local stack) or --stack-name (a deployed stack), not both',
    );
  }
  const fromFile = async (path: string, how: string): Promise<Resources> => {
    let text: string;
    try {
      text = await deps.readFile(path);
    } catch (cause) {
      throw new StackNotFoundError(
        `cannot read the stack description ${path} (${how}): ${(cause as Error).message}. ` +
          'Write it with `npm run stack > stack.json`, or fix the path',
        { cause },
      );
    }
    return parseStackFile(text, `${path} (${how})`);
  };
  if (selection.stackFile !== undefined) return fromFile(selection.stackFile, '--stack-file');
  if (selection.stackName === undefined) {
    const file = env.CLEARANCE_STACK_FILE;
    if (file !== undefined && file.trim() !== '') return fromFile(file, 'CLEARANCE_STACK_FILE');
    const inline = env.CLEARANCE_STACK;
    if (inline !== undefined && inline.trim() !== '') return parseStackFile(inline, 'CLEARANCE_STACK');
  }
  const constants = await deps.stackConstants();
  const stackName = selection.stackName ?? constants.stackId;
  const { outputs, region } = await deps.describeStack(stackName, selection.region);
  return resourcesFromOutputs(outputs, constants.outputs, { stackName, region });
}

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
  if (e.name === 'AccessDenied' || e.name === 'AccessDeniedException') {
    return new StackNotFoundError(
      `your AWS identity may not read stack ${stackName} (cloudformation:DescribeStacks): ${message}. Use a role that may, or pass --stack-file for a local stack`,
      { cause: error },
    );
  }
  return new StackNotFoundError(`could not read stack ${stackName}: ${message}`, { cause: error });
}

const defaultResolveDeps: ResolveDeps = {
  readFile: (path) => readFile(path, 'utf8'),
  async describeStack(stackName, region) {
    const { CloudFormationClient, DescribeStacksCommand } = await import('@aws-sdk/client-cloudformation');
    const cfn = new CloudFormationClient(region === undefined ? {} : { region });
    try {
      const resolvedRegion = await cfn.config.region().catch(() => undefined);
      const out = await cfn
        .send(new DescribeStacksCommand({ StackName: stackName }))
        .catch((error: unknown) => {
          throw explainDescribeError(error, stackName, resolvedRegion ?? region);
        });
      const stack = out.Stacks?.[0];
      if (!stack)
        throw explainDescribeError({ name: 'ValidationError', message: 'does not exist' }, stackName, region);
      const outputs: Record<string, string> = {};
      for (const o of stack.Outputs ?? [])
        if (o.OutputKey && o.OutputValue) outputs[o.OutputKey] = o.OutputValue;
      return { outputs, region: resolvedRegion ?? region ?? '' };
    } finally {
      cfn.destroy();
    }
  },
  async stackConstants() {
    const { STACK_ID, STACK_OUTPUTS } = await import('../infra/outputs.js');
    return { stackId: STACK_ID, outputs: STACK_OUTPUTS };
  },
};
