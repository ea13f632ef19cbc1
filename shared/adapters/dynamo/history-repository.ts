import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { forEachConcurrent } from '../../domain/concurrency.js';
import { ConfigError, DependencyError } from '../../domain/errors.js';
import type { HistoryEntry } from '../../domain/history.js';
import type { HistoryReader, HistoryRepository, RawItem } from '../../domain/ports.js';
import { scanTable } from './reads.js';
import { isRetryable, pause } from './transactions.js';

/** DynamoDB allows 100 actions per TransactWriteItems. */
const MAX_ACTIONS = 100;
/** History transactions one append keeps in flight. */
const APPEND_CONCURRENCY = 4;
/** Attempts of one transaction (throttled, conflicting) before the batch fails and the stream retries it. */
const MAX_ATTEMPTS = 8;

/** The `Put` of a new History entry: only if its `entryId` is not there yet. */
export function historyPut(table: string, entry: HistoryEntry) {
  return {
    TableName: table,
    Item: entry,
    ConditionExpression: 'attribute_not_exists(#entryId)',
    ExpressionAttributeNames: { '#entryId': 'entryId' },
  };
}

type TransactUpdate = NonNullable<NonNullable<TransactWriteCommandInput['TransactItems']>[number]['Update']>;

/**
 * An item's conditional update and a new History entry in one transaction:
 * both commit or neither. False if a condition failed (the update's, or the
 * entry is already there); a conflict with another transaction is retried.
 */
export async function updateWithEntry(
  db: DynamoDBDocumentClient,
  update: TransactUpdate,
  historyTable: string | undefined,
  entry: HistoryEntry,
): Promise<boolean> {
  if (!historyTable)
    throw new ConfigError('the History table is not configured: set HISTORY_TABLE (tables.history)');
  for (let attempt = 0; ; attempt++) {
    try {
      await db.send(
        new TransactWriteCommand({
          TransactItems: [{ Update: update }, { Put: historyPut(historyTable, entry) }],
        }),
      );
      return true;
    } catch (error) {
      if (isCancelledBy(error, 'ConditionalCheckFailed')) return false;
      if (!isCancelledBy(error, 'TransactionConflict') || attempt + 1 >= 5) throw error;
      await pause(attempt);
    }
  }
}

/** A cancelled transaction one of whose actions failed with `code`. */
export const isCancelledBy = (error: unknown, code: string): boolean =>
  error instanceof TransactionCanceledException &&
  (error.CancellationReasons ?? []).some((r) => r.Code === code);

const RETRYABLE = new Set([
  'TransactionConflict',
  'ThrottlingError',
  'ProvisionedThroughputExceeded',
  'RequestLimitExceeded',
]);

/**
 * Appends History entries with TransactWriteItems of up to 100 `Put`s, each
 * conditional on its entry being new. An entry already there (a redelivered
 * or retried change) cancels the transaction with ConditionalCheckFailed at
 * its index: it is dropped and the rest written at once. Not BatchWriteItem:
 * its puts cannot be conditional, and IAM cannot tell its deletes from its
 * puts (ARCHITECTURE.md, "History is append-only").
 */
export class DynamoHistoryRepository implements HistoryRepository, HistoryReader {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async append(entries: readonly HistoryEntry[]): Promise<void> {
    const unique = new Map<string, HistoryEntry>();
    for (const e of entries) unique.set(`${e.licenseId}\u0000${e.entryId}`, e);
    const all = [...unique.values()];
    const chunks: HistoryEntry[][] = [];
    for (let i = 0; i < all.length; i += MAX_ACTIONS) chunks.push(all.slice(i, i + MAX_ACTIONS));
    // Entries are distinct items, so the transactions cannot conflict with one another.
    await forEachConcurrent(chunks, APPEND_CONCURRENCY, (chunk) => this.put(chunk));
  }

  /** Every entry (auditors' tools and tests; the writers' roles may not read). */
  scan(): AsyncIterable<RawItem[]> {
    return scanTable(this.db, this.table);
  }

  private async put(chunk: HistoryEntry[]): Promise<void> {
    let pending = chunk;
    for (let attempt = 0; pending.length > 0; attempt++) {
      try {
        await this.db.send(
          new TransactWriteCommand({
            TransactItems: pending.map((entry) => ({ Put: historyPut(this.table, entry) })),
          }),
        );
        return;
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) {
          if (attempt + 1 >= MAX_ATTEMPTS || !isRetryable(error))
            throw new DependencyError(`History append failed: ${(error as Error).message}`, { cause: error });
          await pause(attempt);
          continue;
        }
        const reasons = error.CancellationReasons ?? [];
        const there = new Set(reasons.flatMap((r, i) => (r.Code === 'ConditionalCheckFailed' ? [i] : [])));
        if (there.size > 0) {
          // Entries already written: drop them, write the rest at once.
          pending = pending.filter((_, i) => !there.has(i));
          continue;
        }
        const codes = reasons.map((r) => r.Code ?? 'None');
        if (attempt + 1 >= MAX_ATTEMPTS || !codes.some((c) => RETRYABLE.has(c)))
          throw new DependencyError(`History append was cancelled: ${codes.join(',')}`, { cause: error });
        await pause(attempt);
      }
    }
  }
}
