import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { inventoryKey } from '../../domain/counters.js';
import { ConflictError, DependencyError } from '../../domain/errors.js';
import type { LicenseGuard, ShipmentWrite } from '../../domain/ports.js';

/** DynamoDB allows 100 actions per TransactWriteItems. */
const MAX_ACTIONS = 100;
/** Attempts of one transaction before its failure is reported. */
const MAX_ATTEMPTS = 8;

/** Shipment writes that fit one transaction, with their counter and license updates aggregated. */
export interface Group {
  writes: ShipmentWrite[];
  /** Counter deltas per (sku, warehouse): one `Update` each. */
  inventory: Map<string, { sku: string; warehouseId: string; delta: Record<string, number> }>;
  /** `releasedQuantity` delta per license: one `Update` each, or one guarded update in all. */
  /** Drawdown per license: units and value. */
  licenses: Map<string, Drawdown>;
}

const emptyGroup = (): Group => ({ writes: [], inventory: new Map(), licenses: new Map() });

const actionsOf = (g: Group) => g.writes.length + g.inventory.size + g.licenses.size;

/**
 * Packs writes into groups that fit one transaction with their aggregated
 * counter and license updates. With a guard, one action is kept for the
 * guarded license update.
 */
export function pack(writes: readonly ShipmentWrite[], guard: LicenseGuard | undefined): Group[] {
  const groups: Group[] = [];
  let current = emptyGroup();
  const reserve = guard ? 1 : 0;
  for (const write of writes) {
    const invKey = write.counters ? inventoryKey(write.counters) : undefined;
    const extra =
      1 +
      (invKey && !current.inventory.has(invKey) ? 1 : 0) +
      (write.license && !current.licenses.has(write.license.licenseId) && !guard ? 1 : 0);
    if (current.writes.length > 0 && actionsOf(current) + extra + reserve > MAX_ACTIONS) {
      groups.push(current);
      current = emptyGroup();
    }
    add(current, write, invKey);
  }
  if (current.writes.length > 0) groups.push(current);
  return groups;
}

function add(group: Group, write: ShipmentWrite, invKey: string | undefined): void {
  group.writes.push(write);
  if (write.counters && invKey) {
    const entry = group.inventory.get(invKey) ?? {
      sku: write.counters.sku,
      warehouseId: write.counters.warehouseId,
      delta: { onHand: 0, held: 0, released: 0, shipped: 0 },
    };
    for (const [k, v] of Object.entries(write.counters.delta)) entry.delta[k] = (entry.delta[k] ?? 0) + v;
    group.inventory.set(invKey, entry);
  }
  if (write.license) {
    const entry = group.licenses.get(write.license.licenseId) ?? { quantity: 0, value: 0 };
    entry.quantity += write.license.quantity;
    entry.value += write.license.value;
    group.licenses.set(write.license.licenseId, entry);
  }
}

/** A change of a license's drawdown: `releasedQuantity` and `releasedValue`. */
export interface Drawdown {
  quantity: number;
  value: number;
}

/** The sum of a group's license drawdowns: what the one guarded license update adds. */
export const sum = (m: Map<string, Drawdown>): Drawdown =>
  [...m.values()].reduce((a, b) => ({ quantity: a.quantity + b.quantity, value: a.value + b.value }), {
    quantity: 0,
    value: 0,
  });

/**
 * What to do after a transaction of `group` failed:
 * - `drop`: these writes' own conditions failed (cancelled, already done);
 *   skip them and retry the rest at once;
 * - `retry`: a conflict, throttling or a transient error; retry the whole
 *   group after a pause.
 */
export type FailedTransaction = { kind: 'drop'; failed: ReadonlySet<number> } | { kind: 'retry' };

/**
 * Classifies the failure of attempt `attempt` of `group`'s transaction. Throws
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
