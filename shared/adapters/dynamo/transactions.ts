import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { ConflictError, DependencyError } from '../../domain/errors.js';
import type { CommitResult, LicenseGuard, ShipmentWrite } from '../../domain/ports.js';
import {
  conflictPause,
  type Group,
  MAX_ATTEMPTS,
  MAX_CONFLICT_ATTEMPTS,
  pack,
} from '../../domain/transactions.js';

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
  if (wrongType(error)) throw new DependencyError(wrongTypeMessage(error, group), { cause: error });
  if (!(error instanceof TransactionCanceledException)) {
    if (attempt + 1 >= MAX_ATTEMPTS || !isRetryable(error)) {
      throw new DependencyError(`TransactWriteItems failed: ${(error as Error).message}`, { cause: error });
    }
    return { kind: 'retry' };
  }
  const reasons = error.CancellationReasons ?? [];
  const failedWrites = new Set<number>();
  const inventoryEnd = group.writes.length + group.inventory.size;
  const missingInventory = new Set<number>();
  let licenseFailed = false;
  reasons.forEach((reason, i) => {
    if (reason.Code !== 'ConditionalCheckFailed') return;
    if (i < group.writes.length) failedWrites.add(i);
    else if (i < inventoryEnd) missingInventory.add(i - group.writes.length);
    else licenseFailed = true;
  });
  if (failedWrites.size === 0 && missingInventory.size > 0) {
    throw new DependencyError(missingInventoryMessage(group, missingInventory), { cause: error });
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

/**
 * Names the Inventory items whose counter update failed its condition (the
 * item is gone: deleted by hand), the positions CancellationReasons gave
 * among the group's Inventory updates, and how to get the item and its
 * counters back. Every counter write is an ADD conditional on the item
 * existing, so the batch fails until the item is back, then goes to the DLQ.
 */
function missingInventoryMessage(group: Group, failed: ReadonlySet<number>): string {
  const items = [...group.inventory.values()]
    .filter((_, i) => failed.has(i))
    .map((v) => `(${v.sku}, ${v.warehouseId})`);
  const named =
    items.length === 1
      ? `the Inventory item ${items[0]} is missing`
      : `the Inventory items ${items.join(', ')} are missing`;
  const it = items.length === 1 ? 'it' : 'them';
  return (
    `${named} (deleted?): a counter update needs ${it}. Restore ${it} from the Inventory table's point-in-time recovery ` +
    `(docs/OPERATIONS.md, "A deleted Inventory item"), or create ${it} again with sku, warehouseId and onHand; ` +
    'then `clearance dlq redrive`, and once the redrive has settled, `clearance reconcile --fix` (it sets held, released and shipped)'
  );
}

/**
 * An ADD to an attribute typed as something other than a Number (an Inventory
 * item created by hand with `onHand` as a String): refused by DynamoDB as
 * invalid, the whole request (ValidationException) or one action of it
 * (cancellation reason ValidationError). Never retried: it fails the same way
 * until someone fixes the item.
 */
const INCORRECT_TYPE = /incorrect (data )?type|operand type/i;

function wrongType(error: unknown): boolean {
  if (error instanceof TransactionCanceledException)
    return (error.CancellationReasons ?? []).some(
      (r) => r.Code === 'ValidationError' && INCORRECT_TYPE.test(r.Message ?? ''),
    );
  return error instanceof Error && error.name === 'ValidationException' && INCORRECT_TYPE.test(error.message);
}

/** Names the items whose counters the write adds to, and the fix. */
function wrongTypeMessage(error: unknown, group: Group): string {
  const inventory = [...group.inventory.values()].map((v) => `(${v.sku}, ${v.warehouseId})`);
  const licenses = [...group.licenses.keys()];
  const items = [
    ...(inventory.length > 0 ? [`Inventory ${inventory.join(', ')}: onHand, held, released, shipped`] : []),
    ...(licenses.length > 0 ? [`License ${licenses.join(', ')}: releasedQuantity, releasedValue`] : []),
  ];
  return (
    `a counter this write adds to is not a Number (${(error as Error).message}). ` +
    `Check the counters of ${items.length > 0 ? items.join('; ') : 'the items it updates'} in the console: ` +
    'each must be a Number (N) attribute; retype the one that is not, then `clearance dlq redrive` replays the change'
  );
}

/** Errors that say a key or the table is out of capacity for now. */
const THROTTLED = new Set(['ProvisionedThroughputExceededException', 'ThrottlingException']);

/** DynamoDB refused the request for lack of capacity (a hot key, the table's limit): busy, not broken. */
export const isThrottled = (error: unknown): boolean => error instanceof Error && THROTTLED.has(error.name);

const RETRYABLE = new Set([
  ...THROTTLED,
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
  new Promise((resolve) => setTimeout(resolve, backoffMs(attempt) * (0.5 + Math.random())));

/** The middle of `pause`'s wait before attempt `attempt + 1`, jittered ×0.5–1.5 (the AWS model uses it too). */
export const backoffMs = (attempt: number): number => Math.min(1000, 20 * 2 ** attempt);

/** How `commitPacked` waits. */
export interface CommitOptions {
  /** The pause before retrying a transaction cancelled by a conflict (default: the jittered `conflictPause`). */
  readonly pauseAfterConflict?: (conflicts: number) => Promise<unknown>;
}

/**
 * Commits `writes` in packed transactions, one after another, through `send`
 * (one TransactWriteItems of the group's actions). Writes whose own condition
 * failed are dropped and the rest of their group is retried at once;
 * conflicts (with their own budget), throttling and transient errors are
 * retried with jittered backoff (see classifyFailure). The DynamoDB adapter,
 * the memory adapter (and so the engine tests' fake) and the bench's AWS
 * model all commit through it.
 */
export async function commitPacked(
  writes: readonly ShipmentWrite[],
  guard: LicenseGuard | undefined,
  send: (group: Group) => Promise<void>,
  options: CommitOptions = {},
): Promise<CommitResult> {
  const pauseAfterConflict = options.pauseAfterConflict ?? conflictPause;
  const result: CommitResult = { committed: [], skipped: [], transactions: 0, conflicts: 0 };
  for (const first of pack(writes, guard)) {
    let pending = first.writes;
    let failures = 0;
    let conflicts = 0;
    while (pending.length > 0) {
      const [group] = pack(pending, guard);
      if (!group) break;
      result.transactions = (result.transactions ?? 0) + 1;
      try {
        await send(group);
        result.committed.push(...group.writes);
        break;
      } catch (error) {
        const verdict = classifyFailure(error, group, guard, failures);
        if (verdict.kind === 'drop') {
          result.skipped.push(...group.writes.filter((_, i) => verdict.failed.has(i)));
          pending = group.writes.filter((_, i) => !verdict.failed.has(i));
        } else if (verdict.kind === 'conflict') {
          result.conflicts = (result.conflicts ?? 0) + 1;
          if (++conflicts >= MAX_CONFLICT_ATTEMPTS)
            throw new DependencyError(`transaction kept conflicting (${conflicts} attempts)`, {
              cause: error,
            });
          await pauseAfterConflict(conflicts);
        } else await pause(failures++);
      }
    }
  }
  return result;
}
