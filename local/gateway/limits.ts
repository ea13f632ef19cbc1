/**
 * AWS limits that the local emulators (DynamoDB Local, fauxqs) do not
 * enforce, so that a request the local stack accepts but AWS would refuse
 * fails locally too, with the error code and message AWS uses.
 *
 * Pure functions over the decoded request: no I/O, no SDK, no state. The
 * request gateway calls {@link checkLimits} on every request and turns a
 * {@link LimitViolation} into the service's wire error. For SQS (JSON
 * protocol with query compatibility) the gateway renders `code` as
 * `__type: com.amazonaws.sqs#<code>`; the query-compatible code in
 * `x-amzn-query-error` is `AWS.SimpleQueueService.<code>` for the batch
 * errors and plain `InvalidParameterValue` for a message that is too long.
 * For Lambda (REST-JSON) it sends `code` in `x-amzn-errortype`.
 *
 * What is measured from the request alone, and so approximated:
 *
 * - DynamoDB item sizes follow the documented rules (attribute name bytes +
 *   value bytes; numbers 1 byte per two significant digits + 1; binary by
 *   raw length; List/Map 3 bytes + 1 per element). AWS documents the number
 *   size as approximate, and sets are counted as the sum of their members.
 * - Keys: a Put carries its whole item, not its key. The key attributes of a
 *   table are learnt from the Delete/Update/ConditionCheck keys (or
 *   BatchWriteItem DeleteRequest keys) in the same request; when none
 *   names them, two Puts count as the same item only if they are identical.
 * - SNS and SQS sizes assume the topic's and queue's `MaximumMessageSize`
 *   are at their defaults (the project's infra sets neither).
 *
 * - A Lambda Invoke payload is the request body, measured in bytes as sent.
 *
 * The checks are in local/gateway/limits/, one file per service (dynamodb.ts,
 * sns.ts, sns-filter-policy.ts, sqs.ts, lambda.ts), with the sizes they
 * measure (sizes.ts) and the table of limits with their sources (table.ts).
 */
import type { Check, DecodedCall, LimitViolation, ServiceName } from './limits/common.js';
import {
  batchGetItem,
  batchWriteItem,
  putItem,
  transactGetItems,
  transactWriteItems,
  updateItem,
} from './limits/dynamodb.js';
import { invoke } from './limits/lambda.js';
import { publish, publishBatch } from './limits/sns.js';
import { setSubscriptionAttributes, subscribe } from './limits/sns-filter-policy.js';
import { sendMessage, sqsBatchProblem } from './limits/sqs.js';

export type { DecodedCall, LimitViolation, ServiceName } from './limits/common.js';
export { LIMITS } from './limits/table.js';

const CHECKS: ReadonlyMap<ServiceName, ReadonlyMap<string, Check>> = new Map([
  [
    'dynamodb',
    new Map<string, Check>([
      ['TransactWriteItems', transactWriteItems],
      ['TransactGetItems', transactGetItems],
      ['BatchGetItem', batchGetItem],
      ['BatchWriteItem', batchWriteItem],
      ['PutItem', putItem],
      ['UpdateItem', updateItem],
    ]),
  ],
  [
    'sns',
    new Map<string, Check>([
      ['Publish', publish],
      ['PublishBatch', publishBatch],
      ['Subscribe', subscribe],
      ['SetSubscriptionAttributes', setSubscriptionAttributes],
    ]),
  ],
  [
    'sqs',
    new Map<string, Check>([
      ['SendMessage', sendMessage],
      ['SendMessageBatch', (input) => sqsBatchProblem('SendMessageBatch', input)],
      ['DeleteMessageBatch', (input) => sqsBatchProblem('DeleteMessageBatch', input)],
    ]),
  ],
  ['lambda', new Map<string, Check>([['Invoke', invoke]])],
]);

/**
 * Whether AWS would refuse `call` for one of the {@link LIMITS}, and how AWS
 * says so. Undefined when no known limit is broken (including for operations
 * and services this module does not cover).
 */
export function checkLimits(call: DecodedCall): LimitViolation | undefined {
  return CHECKS.get(call.service)?.get(call.operation)?.(call.input, call.bodyBytes);
}
