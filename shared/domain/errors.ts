import type { HistoryEntry } from './history.js';

/** Base class of every error the clearance domain raises. */
export class ClearanceError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An item does not satisfy the data contract; `problems` name each field and its fix. */
export class InvalidItemError extends ClearanceError {
  constructor(
    readonly problems: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(problems.join('; '), options);
  }
}

/** A required configuration value (environment variable) is missing or malformed. */
export class ConfigError extends ClearanceError {}

/** A conditional write lost: the item changed under us. The caller re-reads and re-plans. */
export class ConflictError extends ClearanceError {}

/** A downstream service kept failing after retries (throttling, 5xx, partial batch failures). */
export class DependencyError extends ClearanceError {}

/**
 * A History append that wrote only some of its entries. `unwritten` are the
 * ones it may not have written (every entry of a transaction that failed, or
 * that never started); the others are there. Appends are idempotent, so the
 * caller may append `unwritten` again, or all of them.
 */
export class HistoryAppendError extends DependencyError {
  /**
   * Not enumerable: Lambda's runtime logs an uncaught error with its enumerable
   * fields, and entries quote what admins typed (`statusReason`, `updatedBy`).
   */
  declare readonly unwritten: readonly HistoryEntry[];

  constructor(message: string, unwritten: readonly HistoryEntry[], options?: { cause?: unknown }) {
    super(message, options);
    Object.defineProperty(this, 'unwritten', { value: unwritten, enumerable: false });
  }
}
