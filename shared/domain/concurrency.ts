/** Bounded concurrency (no library of the kind is among the dependencies). */

/**
 * Runs `fn` over `items` with at most `limit` calls pending at once, taking
 * items in order (the first `limit` start at once, each next one as a slot
 * frees). Resolves when all have settled; rejects with the first error after
 * the calls already started have settled, so nothing is left running.
 */
export async function forEachConcurrent<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<void>,
): Promise<void> {
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError(`limit must be a whole number ≥ 1, got ${limit}`);
  let next = 0;
  let firstError: { error: unknown } | undefined;
  const worker = async () => {
    while (next < items.length && firstError === undefined) {
      const index = next++;
      try {
        await fn(items[index] as T, index);
      } catch (error) {
        firstError ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (firstError) throw firstError.error;
}

/**
 * A FIFO limiter of concurrent tasks. The license engine shares one across the licenses of an
 * invocation to bound the transactions in flight: waiting tasks start in the
 * order they asked, so a license's first transaction is never overtaken by
 * another license's later ones.
 */
export interface Limiter {
  /** Runs `task` when fewer than the limit run, after every task that asked before it. */
  run<T>(task: () => Promise<T>): Promise<T>;
}

/** A FIFO limiter allowing `concurrency` tasks at once (a positive whole number). */
export function fifoLimiter(concurrency: number): Limiter {
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new RangeError(`concurrency must be a positive whole number, got ${concurrency}`);
  let running = 0;
  const waiting: (() => void)[] = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else running--;
  };
  return {
    async run<T>(task: () => Promise<T>): Promise<T> {
      if (running < concurrency) running++;
      else await new Promise<void>((resolve) => waiting.push(resolve));
      try {
        return await task();
      } finally {
        release();
      }
    },
  };
}

/** No bound: the task runs at once (a license applied alone). */
export const unlimited: Limiter = { run: (task) => task() };

/**
 * The first round of a batch: each party's first turn, ahead of everyone's
 * later ones. `claim` says whether this is the party's first turn (it is
 * taken once); `done` ends a party's first round, when its first turn is
 * over or when it has none; `passed` resolves once every party's first
 * round has ended; `leave` ends the party's round and waits for everyone's
 * (what a party does before work that must not go ahead of another's first
 * turn). Parties not named at the start are ignored.
 */
export interface FirstRound {
  claim(party: string): boolean;
  done(party: string): void;
  leave(party: string): Promise<void>;
  readonly passed: Promise<void>;
}

export function firstRound(parties: Iterable<string>): FirstRound {
  const left = new Set(parties);
  const claimed = new Set<string>();
  let open: () => void = () => undefined;
  const passed = new Promise<void>((resolve) => {
    open = resolve;
  });
  if (left.size === 0) open();
  const done = (party: string) => {
    if (left.delete(party) && left.size === 0) open();
  };
  return {
    claim: (party) => {
      if (!left.has(party) || claimed.has(party)) return false;
      claimed.add(party);
      return true;
    },
    done,
    leave: (party) => {
      done(party);
      return passed;
    },
    passed,
  };
}
