import { z } from 'zod';
import { parseItem } from '../../shared/domain/model.js';
import { StackNotFoundError } from '../errors.js';
import type { FunctionRef, Resources } from '../resources.js';
import { FUNCTION_KEYS, type FunctionKey } from './functions.js';

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
const functionRef = z.union([z.string().min(1), z.looseObject({ name: z.string().min(1).optional() })]);

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
      lambda: url('endpoints.lambda').optional(),
    })
    .optional(),
  subscriptionManagerRoleArn: roleArn('subscriptionManagerRoleArn').optional(),
  tables: z.looseObject({
    licenses: name('tables.licenses'),
    shipments: name('tables.shipments'),
    inventory: name('tables.inventory'),
    history: name('tables.history').optional(),
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
    shipmentHistory: url('dlqs.shipmentHistory'),
    subscriptions: z
      .looseObject({ url: url('dlqs.subscriptions.url'), arn: queueArn('dlqs.subscriptions.arn') })
      .optional(),
  }),
  functions: z
    .looseObject({
      licenseEvents: functionRef.optional(),
      shipmentEvents: functionRef.optional(),
      shipmentHistory: functionRef.optional(),
    })
    .optional(),
});
export type StackFile = z.infer<typeof StackFileSchema>;

const toFunctionRef = (value: z.infer<typeof functionRef> | undefined): FunctionRef | undefined => {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return { name: value };
  return value.name === undefined ? {} : { name: value.name };
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
  for (const fn of FUNCTION_KEYS) {
    const ref = toFunctionRef(s.functions?.[fn]);
    if (ref) functions[fn] = ref;
  }
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
            ...(s.endpoints.lambda ? { lambda: s.endpoints.lambda } : {}),
          },
        }
      : {}),
    ...(s.subscriptionManagerRoleArn ? { subscriptionManagerRoleArn: s.subscriptionManagerRoleArn } : {}),
    tables: {
      licenses: s.tables.licenses,
      shipments: s.tables.shipments,
      inventory: s.tables.inventory,
      ...(s.tables.history === undefined ? {} : { history: s.tables.history }),
    },
    topics: {
      customer: s.topics.customer,
      customerShards: s.topics.customerShards ?? [],
      logistics: s.topics.logistics,
      ops: s.topics.ops,
    },
    dlqs: {
      licenseEvents: s.dlqs.licenseEvents,
      shipmentEvents: s.dlqs.shipmentEvents,
      shipmentHistory: s.dlqs.shipmentHistory,
    },
    ...(s.dlqs.subscriptions
      ? { subscriptionDlq: { url: s.dlqs.subscriptions.url, arn: s.dlqs.subscriptions.arn } }
      : {}),
    functions,
  };
}
