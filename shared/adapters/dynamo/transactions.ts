import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { ConflictError, DependencyError } from '../../domain/errors.js';
import type { LicenseGuard } from '../../domain/ports.js';
import { type Group, MAX_ATTEMPTS } from '../../domain/transactions.js';

export type { Drawdown, Group } from '../../domain/transactions.js';
export { pack, sum } from '../../domain/transactions.js';

/**
 * What to do after a transaction of `group` failed:
 * - `drop`: these writes' own conditions failed (cancelled, already done);
 *   skip them and retry the rest at once;
 * - `conflict`: another transaction held one of its items
 *   (`TransactionConflict`); retry the whole group after a jittered pause,
 *   within its own, larger budget (MAX_CONFLICT_ATTEMPTS);
 * - `retry`: throttling or a transient error; retry the whole group after a
 *   pause.
 */
export type FailedTransaction =
  | { kind: 'drop'; failed: ReadonlySet<number> }
  | { kind: 'conflict' }
  | { kind: 'retry' };

/**
 * Classifies the failure of attempt `attempt` of `group`'s transaction
 * (`attempt` counts the failures other than conflicts). Throws
 * when it is final: ConflictError when the guarded license changed,
 * DependencyError when a counter's item is missing, the error is not
 * retryable, or the attempts are used up.
 */
export function classifyFailure(
  error: unknown,
  group: Group,
  guard: LicenseGuard | undefined,
  attempt: number,
): FailedTransaction {
  if (!(error instanceof TransactionCanceledException)) {
    if (attempt + 1 >= MAX_ATTEMPTS || !isRetryable(error)) {
      throw new DependencyError(`TransactWriteItems failed: ${(error as Error).message}`, { cause: error });
    }
    return { kind: 'retry' };
  }
  const reasons = error.CancellationReasons ?? [];
  const failedWrites = new Set<number>();
  const inventoryEnd = group.writes.length + group.inventory.size;
  let inventoryFailed = false;
  let licenseFailed = false;
  reasons.forEach((reason, i) => {
    if (reason.Code !== 'ConditionalCheckFailed') return;
    if (i < group.writes.length) failedWrites.add(i);
    else if (i < inventoryEnd) inventoryFailed = true;
    else licenseFailed = true;
  });
  if (failedWrites.size === 0 && inventoryFailed) {
    const items = [...group.inventory.values()].map((v) => `(${v.sku}, ${v.warehouseId})`).join(', ');
    throw new DependencyError(
      `an Inventory item is missing for a counter update, one of ${items}: create it (sku, warehouseId, onHand)`,
      { cause: error },
    );
  }
  if (failedWrites.size === 0 && licenseFailed) {
    if (guard)
      throw new ConflictError(`license ${guard.licenseId} changed during the write`, { cause: error });
    throw new DependencyError('a License item is missing for a drawdown update', { cause: error });
  }
  if (failedWrites.size > 0) return { kind: 'drop', failed: failedWrites };
  if (reasons.some((r) => r.Code === 'TransactionConflict')) return { kind: 'conflict' };
  if (attempt + 1 >= MAX_ATTEMPTS) {
    throw new DependencyError(`transaction kept being cancelled: ${reasons.map((r) => r.Code).join(',')}`, {
      cause: error,
    });
  }
  return { kind: 'retry' };
}

const RETRYABLE = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TransactionInProgressException',
  'TimeoutError',
]);

/** Throttling, 5xx, timeouts and dropped connections: worth another attempt. */
export const isRetryable = (error: unknown): boolean =>
  error instanceof Error &&
  (RETRYABLE.has(error.name) ||
    (error as { $retryable?: unknown }).$retryable !== undefined ||
    /timeout|ECONNRESET|socket/i.test(error.message));

/** A single conditional write whose condition did not hold. */
export const isConditionFailure = (error: unknown): boolean =>
  error instanceof Error && error.name === 'ConditionalCheckFailedException';

/** Jittered exponential backoff before attempt `attempt + 1` (at most about 1.5 s). */
export const pause = (attempt: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.min(1000, 20 * 2 ** attempt) * (0.5 + Math.random())));
