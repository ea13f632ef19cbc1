import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { forEachConcurrent } from '../../domain/concurrency.js';
import { ConfigError, DependencyError, HistoryAppendError } from '../../domain/errors.js';
import { type HistoryEntry, historyKey } from '../../domain/history.js';
import type { HistoryReader, HistoryRepository, RawItem } from '../../domain/ports.js';
import { HISTORY_BY_SHIPMENT_INDEX } from '../../names.js';
import { scanTable } from './reads.js';
import { isConditionFailure, isRetryable, isThrottled, pause } from './transactions.js';

/** DynamoDB allows 100 actions per TransactWriteItems. */
const MAX_ACTIONS = 100;
/** History transactions one append keeps in flight. */
export const APPEND_CONCURRENCY = 4;
/**
 * Attempts of one write failing other than throttled (a conflict, a transient
 * error) before it fails; throttled ones are retried for THROTTLED_PATIENCE_MS.
 */
const MAX_ATTEMPTS = 8;
/** Single conditional PutItems one append keeps in flight once its transactions are throttled. */
export const SINGLE_PUT_CONCURRENCY = 16;
/** Cancellation reasons that mean the license's History partition is out of write capacity. */
const THROTTLED = new Set(['ThrottlingError', 'ProvisionedThroughputExceeded']);
/** Cancellation reasons worth another attempt: a conflict with another transaction, or no capacity for now. */
const RETRYABLE = new Set(['TransactionConflict', ...THROTTLED, 'RequestLimitExceeded']);
/** How long a license's History key counts as hot after a throttled transaction: its entries go one by one. */
export const HOT_FOR_MS = 10_000;
/**
 * How long one append keeps retrying writes that DynamoDB throttled, past
 * MAX_ATTEMPTS, before it fails (and the stream retries its batch). A
 * license's History key is hot during a large release: busy, not broken. A
 * failed batch would only repeat the same wait and use up its mapping's
 * retries, after which its records go to the DLQ. The same patience is
 * given to each updateWithEntry (a decision or a rejected edit's write-back
 * with its entry, on the same key). Half of the 120 s timeout of
 * shipment-events and shipment-history.
 */
export const THROTTLED_PATIENCE_MS = 60_000;
/** Entries one page of `lastShipmentChange` reads (rejected edits included, before the filter). */
const QUERY_PAGE = 25;

/**
 * The latest of a shipment's change entries: by `at`, then by the revision
 * its `entryId` ends in (`#r000002`), since changes committed within one
 * millisecond share an `at`, and the index keeps no order among them.
 */
export function latestChange(entries: readonly HistoryEntry[]): HistoryEntry | undefined {
  const revision = (e: HistoryEntry) => Number(/#r(\d+)$/.exec(e.entryId)?.[1] ?? -1);
  const later = (a: HistoryEntry, b: HistoryEntry) =>
    a.at !== b.at ? a.at > b.at : revision(a) > revision(b);
  return entries.reduce<HistoryEntry | undefined>(
    (best, e) => (best && !later(e, best) ? best : e),
    undefined,
  );
}

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
 * entry is already there). It goes to the license's History key, hot during
 * a large release, and the SDK does not retry a cancelled transaction: a
 * cancellation with ThrottlingError or ProvisionedThroughputExceeded is
 * retried for up to `throttledPatienceMs` (THROTTLED_PATIENCE_MS), however
 * many attempts that takes, as the append's writes are; a conflict with
 * another transaction and a transient error MAX_ATTEMPTS times in all
 * (WriteRetries). Then it throws the last error.
 */
export async function updateWithEntry(
  db: DynamoDBDocumentClient,
  update: TransactUpdate,
  historyTable: string | undefined,
  entry: HistoryEntry,
  options: {
    /** @default THROTTLED_PATIENCE_MS */
    throttledPatienceMs?: number;
  } = {},
): Promise<boolean> {
  if (!historyTable)
    throw new ConfigError('the History table is not configured: set HISTORY_TABLE (tables.history)');
  const retries = new WriteRetries(Date.now() + (options.throttledPatienceMs ?? THROTTLED_PATIENCE_MS));
  for (;;) {
    try {
      await db.send(
        new TransactWriteCommand({
          TransactItems: [{ Update: update }, { Put: historyPut(historyTable, entry) }],
        }),
      );
      return true;
    } catch (error) {
      if (isCancelledBy(error, 'ConditionalCheckFailed')) return false;
      if (!(await retries.again(error))) throw error;
    }
  }
}

/** A cancelled transaction one of whose actions failed with `code`. */
export const isCancelledBy = (error: unknown, code: string): boolean =>
  error instanceof TransactionCanceledException &&
  (error.CancellationReasons ?? []).some((r) => r.Code === code);

const cancelledByOneOf = (error: unknown, codes: ReadonlySet<string>): boolean =>
  [...codes].some((code) => isCancelledBy(error, code));

/**
 * The retries of one History write, the append's and updateWithEntry's: a
 * write DynamoDB throttled (the request, or a transaction cancelled with a
 * THROTTLED reason) is busy, not broken, and retried until `patientUntil`,
 * however many attempts that takes (MAX_ATTEMPTS at least, however short the
 * patience); any other retryable failure, a conflict included, while fewer
 * than MAX_ATTEMPTS of the write's failures were not throttled. Each retry
 * after the jittered `pause`.
 */
class WriteRetries {
  private failures = 0;
  private others = 0;

  constructor(private readonly patientUntil: number) {}

  /** Whether the write gets another attempt after failing with `error`; if so, once its pause is over. */
  async again(error: unknown): Promise<boolean> {
    const attempt = this.failures++;
    const again =
      isThrottled(error) || cancelledByOneOf(error, THROTTLED)
        ? Date.now() < this.patientUntil || this.failures < MAX_ATTEMPTS
        : ++this.others < MAX_ATTEMPTS && (isRetryable(error) || cancelledByOneOf(error, RETRYABLE));
    if (again) await pause(attempt);
    return again;
  }
}

/**
 * Appends History entries with TransactWriteItems of up to 100 `Put`s, each
 * conditional on its entry being new. An entry already there (a redelivered
 * or retried change) cancels the transaction with ConditionalCheckFailed at
 * its index: it is dropped and the rest written at once. Not BatchWriteItem:
 * its puts cannot be conditional, and IAM cannot tell its deletes from its
 * puts (ARCHITECTURE.md, "History is append-only").
 *
 * A license's entries share one partition key, so a large release can use up
 * its 1,000 WCU/s. A transactional put costs twice a plain one, so once a
 * transaction is throttled on a license's entries, that license's entries
 * go as single conditional PutItems (the same condition, half the capacity,
 * one call each) for HOT_FOR_MS, in this append and the sandbox's next ones:
 * twice the entries a second where the key is the bound. Other licenses'
 * entries stay in transactions. Throttled writes are retried for up to
 * THROTTLED_PATIENCE_MS of the append, however many attempts that takes;
 * other failures MAX_ATTEMPTS times. A transaction that still fails
 * does not stop the ones already in flight; the append then throws a
 * HistoryAppendError naming the entries of every transaction that failed
 * or never started, so that its caller retries only those.
 */
export class DynamoHistoryRepository implements HistoryRepository, HistoryReader {
  /** License → until when (epoch ms) its History key counts as hot. */
  private readonly hotUntil = new Map<string, number>();

  private readonly patienceMs: number;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    options: {
      /** @default THROTTLED_PATIENCE_MS */
      throttledPatienceMs?: number;
    } = {},
  ) {
    this.patienceMs = options.throttledPatienceMs ?? THROTTLED_PATIENCE_MS;
  }

  async append(entries: readonly HistoryEntry[]): Promise<void> {
    const unique = new Map<string, HistoryEntry>();
    for (const e of entries) unique.set(historyKey(e), e);
    const all = [...unique.values()];
    const chunks: HistoryEntry[][] = [];
    for (let i = 0; i < all.length; i += MAX_ACTIONS) chunks.push(all.slice(i, i + MAX_ACTIONS));
    const patientUntil = Date.now() + this.patienceMs;
    const written = new Set<number>();
    try {
      // Entries are distinct items, so the transactions cannot conflict with one another.
      await forEachConcurrent(chunks, APPEND_CONCURRENCY, async (chunk, i) => {
        await this.put(chunk, patientUntil);
        written.add(i);
      });
    } catch (error) {
      // forEachConcurrent settles the chunks in flight before it throws: `written` is complete.
      const unwritten = chunks.flatMap((chunk, i) => (written.has(i) ? [] : chunk));
      throw new HistoryAppendError(
        `${unwritten.length} of ${all.length} History entries not written: ${(error as Error).message}`,
        unwritten,
        { cause: error },
      );
    }
  }

  private isHot(licenseId: string): boolean {
    const until = this.hotUntil.get(licenseId);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.hotUntil.delete(licenseId);
    return false;
  }

  /**
   * The latest committed change of a shipment: a Query of the `byShipment`
   * index (the only read of History shipment-events' role is granted), newest
   * first, rejected edits filtered out. A page of QUERY_PAGE entries is read
   * at a time (a filter applies after `Limit`), so the first page nearly
   * always answers: a shipment's latest entry is most often a change. An
   * index read is eventually consistent: an entry written a moment ago may
   * not show yet.
   */
  async lastShipmentChange(shipmentId: string): Promise<HistoryEntry | undefined> {
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: HISTORY_BY_SHIPMENT_INDEX,
          KeyConditionExpression: '#shipmentId = :shipmentId',
          FilterExpression: '#eventType <> :rejected',
          ExpressionAttributeNames: { '#shipmentId': 'shipmentId', '#eventType': 'eventType' },
          ExpressionAttributeValues: { ':shipmentId': shipmentId, ':rejected': 'EDIT_REJECTED' },
          ScanIndexForward: false,
          Limit: QUERY_PAGE,
          ExclusiveStartKey: start,
        }),
      );
      const found = latestChange((out.Items ?? []) as HistoryEntry[]);
      if (found) return found;
      start = out.LastEvaluatedKey;
    } while (start);
    return undefined;
  }

  /** Every entry (auditors' tools and tests; of the writers, only shipment-events may query, and only `byShipment`). */
  scan(): AsyncIterable<RawItem[]> {
    return scanTable(this.db, this.table);
  }

  private async put(chunk: HistoryEntry[], patientUntil: number): Promise<void> {
    let pending = chunk;
    const retries = new WriteRetries(patientUntil);
    while (pending.length > 0) {
      const hot = pending.filter((e) => this.isHot(e.licenseId));
      if (hot.length > 0) {
        await this.putEach(hot, patientUntil);
        pending = pending.filter((e) => !hot.includes(e));
        if (pending.length === 0) return;
      }
      try {
        await this.db.send(
          new TransactWriteCommand({
            TransactItems: pending.map((entry) => ({ Put: historyPut(this.table, entry) })),
          }),
        );
        return;
      } catch (error) {
        const codes =
          error instanceof TransactionCanceledException
            ? (error.CancellationReasons ?? []).map((r) => r.Code ?? 'None')
            : undefined;
        if (codes?.includes('ConditionalCheckFailed')) {
          // Entries already written: drop them, write the rest at once.
          pending = pending.filter((_, i) => codes[i] !== 'ConditionalCheckFailed');
          continue;
        }
        const throttled = new Set(
          pending.filter((_, i) => THROTTLED.has(codes?.[i] ?? '')).map((e) => e.licenseId),
        );
        if (throttled.size > 0) {
          // Those licenses' entries one by one from now on (the next turn); the rest as a transaction again.
          for (const licenseId of throttled) this.hotUntil.set(licenseId, Date.now() + HOT_FOR_MS);
          continue;
        }
        if (!(await retries.again(error)))
          throw new DependencyError(
            codes
              ? `History append was cancelled: ${codes.join(',')}`
              : `History append failed: ${(error as Error).message}`,
            { cause: error },
          );
      }
    }
  }

  /** Each entry as its own conditional PutItem, SINGLE_PUT_CONCURRENCY at once; one already there is done. */
  private async putEach(entries: readonly HistoryEntry[], patientUntil: number): Promise<void> {
    await forEachConcurrent(entries, SINGLE_PUT_CONCURRENCY, async (entry) => {
      const retries = new WriteRetries(patientUntil);
      for (;;) {
        try {
          await this.db.send(new PutCommand(historyPut(this.table, entry)));
          return;
        } catch (error) {
          if (isConditionFailure(error)) return;
          if (!(await retries.again(error)))
            throw new DependencyError(`History append failed: ${(error as Error).message}`, { cause: error });
        }
      }
    });
  }
}
