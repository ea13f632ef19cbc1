/** What the checks of every service share: the decoded request, the violation, and small helpers. */
import type { LimitName } from './table.js';

/** The services the local stack emulates. */
export type ServiceName = 'dynamodb' | 'dynamodbstreams' | 'lambda' | 'sns' | 'sqs' | 'sts';

/** A request as the gateway decoded it. */
export interface DecodedCall {
  service: ServiceName;
  /** e.g. 'TransactWriteItems', 'PublishBatch'. */
  operation: string;
  /** SDK-shaped input. DynamoDB/Streams/SQS: the JSON request body as sent (DynamoDB values in AttributeValue form, e.g. { S: 'x' }). SNS (query protocol): the decoded structure, e.g. { TopicArn, PublishBatchRequestEntries: [{ Id, Message, Subject?, MessageAttributes?: { name: { DataType, StringValue?, BinaryValue? } } }] }, Subscribe { TopicArn, Protocol, Endpoint, Attributes?: Record<string,string>, ReturnSubscriptionArn? }, SetSubscriptionAttributes { SubscriptionArn, AttributeName, AttributeValue }. Lambda Invoke: { FunctionName, InvocationType?, LogType?, ClientContext?, Qualifier?, Payload } from the path, headers, query and body. */
  input: Record<string, unknown>;
  /** Size of the request body in bytes. */
  bodyBytes: number;
}

/** Why AWS would refuse the request, in AWS's own words. */
export interface LimitViolation {
  service: ServiceName;
  /** The AWS error code the service returns, e.g. 'ValidationException', 'TooManyEntriesInBatchRequest', 'BatchRequestTooLong', 'InvalidParameter'. */
  code: string;
  /** AWS's message, as close to the real one as the docs show. */
  message: string;
  httpStatus: number;
  /** Stable name of the limit, e.g. 'dynamodb.TransactWriteItems.actions', used in tests and reports. */
  limit: string;
}

/** Entries per SNS PublishBatch and SQS SendMessageBatch / DeleteMessageBatch. */
export const MAX_BATCH_ENTRIES = 10;
export const BATCH_ENTRY_ID = /^[A-Za-z0-9_-]{1,80}$/;
export const isBatchEntryId = (id: unknown): id is string =>
  typeof id === 'string' && BATCH_ENTRY_ID.test(id);

export type Input = Record<string, unknown>;
/** A limit check of one operation: its input, and the size of its request body in bytes. */
export type Check = (input: Input, bodyBytes: number) => LimitViolation | undefined;

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export const records = (value: unknown): Record<string, unknown>[] =>
  Array.isArray(value) ? value.filter(isRecord) : [];

export function violation(
  service: ServiceName,
  code: string,
  message: string,
  limit: LimitName,
  httpStatus = 400,
): LimitViolation {
  return { service, code, message, httpStatus, limit };
}

export function hasDuplicate(ids: Iterable<string>): boolean {
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) return true;
    seen.add(id);
  }
  return false;
}
