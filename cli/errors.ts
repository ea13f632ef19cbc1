/** Exit codes the CLI uses; scripts can rely on them. */
export const EXIT = {
  ok: 0,
  /** Something failed; the message says what to do. */
  error: 1,
  /** The command line itself is wrong. */
  usage: 2,
  /**
   * The command ran, but work remains: drift left after reconcile (or shipped goods above a lowered
   * limit, for compliance), History whose draws differ from a license's counters, DLQ messages not
   * redriven, a wait timed out.
   */
  incomplete: 3,
} as const;

/**
 * Base of every error the CLI reports to the operator. The message says what
 * went wrong and how to fix it; `main` prints it without a stack trace.
 */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, options?: { cause?: unknown; exitCode?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.exitCode = options?.exitCode ?? EXIT.error;
  }
}

/** A bad argument or option value. */
export class UsageError extends CliError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { ...options, exitCode: EXIT.usage });
  }
}

/** No stack could be found or read: neither a local stack description nor a deployed stack. */
export class StackNotFoundError extends CliError {}

/** An item the command needs does not exist. */
export class NotFoundError extends CliError {}

/** The operator asked for a change the rules do not allow; nothing was written. */
export class RefusedError extends CliError {}

/** A conditional write lost a race: the item changed between our read and our write. Nothing was written. */
export class LostRaceError extends CliError {}
