/** SQS: SendMessage size, and the entries, ids and total size of SendMessageBatch and DeleteMessageBatch. */
import {
  type Check,
  type Input,
  isBatchEntryId,
  type LimitViolation,
  MAX_BATCH_ENTRIES,
  records,
  violation,
} from './common.js';
import { messageSize } from './sizes.js';

const MAX_SQS_BYTES = 1024 * 1024;

const SQS = 'sqs';

type SqsBatch = 'SendMessageBatch' | 'DeleteMessageBatch';

export function sqsBatchProblem(operation: SqsBatch, input: Input): LimitViolation | undefined {
  const entries = input.Entries;
  if (!Array.isArray(entries)) return undefined;
  if (entries.length === 0) {
    return violation(
      SQS,
      'EmptyBatchRequest',
      `There should be at least one ${operation}RequestEntry in the request.`,
      `sqs.${operation}.emptyBatch`,
    );
  }
  if (entries.length > MAX_BATCH_ENTRIES) {
    return violation(
      SQS,
      'TooManyEntriesInBatchRequest',
      `Maximum number of entries per request are ${MAX_BATCH_ENTRIES}. You have sent ${entries.length}.`,
      `sqs.${operation}.entries`,
    );
  }
  const batch = records(entries);
  const ids = batch.map((entry) => entry.Id);
  if (!ids.every(isBatchEntryId)) {
    return violation(
      SQS,
      'InvalidBatchEntryId',
      'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
      `sqs.${operation}.entryId`,
    );
  }
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) {
      return violation(SQS, 'BatchEntryIdsNotDistinct', `Id ${id} repeated.`, `sqs.${operation}.distinctIds`);
    }
    seen.add(id);
  }
  if (operation !== 'SendMessageBatch') return undefined;
  const total = batch.reduce(
    (sum, entry) => sum + messageSize(entry.MessageBody, entry.MessageAttributes),
    0,
  );
  if (total > MAX_SQS_BYTES) {
    return violation(
      SQS,
      'BatchRequestTooLong',
      `Batch requests cannot be longer than ${MAX_SQS_BYTES} bytes. You have sent ${total} bytes.`,
      'sqs.SendMessageBatch.totalSize',
    );
  }
  return undefined;
}

export const sendMessage: Check = (input) =>
  messageSize(input.MessageBody, input.MessageAttributes) > MAX_SQS_BYTES
    ? violation(
        SQS,
        'InvalidParameterValue',
        `One or more parameters are invalid. Reason: Message must be shorter than ${MAX_SQS_BYTES} bytes.`,
        'sqs.SendMessage.messageSize',
      )
    : undefined;
