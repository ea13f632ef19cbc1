/**
 * How an invocation of a stream batch ended, read as Lambda reads it: a
 * success, a partial success up to the lowest `batchItemFailures` entry
 * (ReportBatchItemFailures), or an error.
 */
import type { PendingRecord } from './streams.js';
import { EsmError } from './types.js';

/** How an invocation of a batch ended. `index` is the position of the first record to retry. */
export type Outcome =
  | { kind: 'success' }
  | { kind: 'partial'; index: number }
  | { kind: 'error'; error: unknown; functionError: 'Unhandled' | undefined };

/** The item identifiers a handler's `DynamoDBBatchResponse` names, or whether it is malformed. */
function parseBatchResponse(result: unknown): { itemIdentifiers: string[]; malformed: boolean } {
  if (result === undefined || result === null) return { itemIdentifiers: [], malformed: false };
  if (typeof result !== 'object' || !('batchItemFailures' in result))
    return { itemIdentifiers: [], malformed: false };
  const failures = (result as { batchItemFailures: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return { itemIdentifiers: [], malformed: false };
  if (!Array.isArray(failures)) return { itemIdentifiers: [], malformed: true };
  const ids: string[] = [];
  for (const f of failures) {
    const id =
      typeof f === 'object' && f !== null ? (f as { itemIdentifier?: unknown }).itemIdentifier : undefined;
    if (typeof id !== 'string' || id === '') return { itemIdentifiers: [], malformed: true };
    ids.push(id);
  }
  return { itemIdentifiers: ids, malformed: false };
}

/**
 * The outcome of a batch whose handler returned `result`, for a mapping with
 * ReportBatchItemFailures, and a warning for the log when the response is
 * not what Lambda expects.
 */
export function reportedOutcome(
  result: unknown,
  batch: readonly PendingRecord[],
): { outcome: Outcome; warning?: string } {
  const parsed = parseBatchResponse(result);
  if (parsed.malformed) {
    return {
      outcome: {
        kind: 'error',
        error: new EsmError('malformed batchItemFailures'),
        functionError: undefined,
      },
      warning: 'malformed batchItemFailures; the whole batch is retried',
    };
  }
  if (parsed.itemIdentifiers.length === 0) return { outcome: { kind: 'success' } };
  const positions = parsed.itemIdentifiers.map((id) => batch.findIndex((p) => p.sequenceNumber === id));
  if (positions.some((i) => i < 0)) {
    return {
      outcome: { kind: 'partial', index: 0 },
      warning: 'batchItemFailures names a record outside the batch; retrying it all',
    };
  }
  return { outcome: { kind: 'partial', index: Math.min(...positions) } };
}
