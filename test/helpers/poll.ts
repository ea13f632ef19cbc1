/** Waiting in the integration tests: the one `sleep`, and polling until something is there. */
import { setTimeout as setTimeoutPromise } from 'node:timers/promises';

/** The one `sleep` of the tests: Node's own. */
export const sleep = (ms: number): Promise<void> => setTimeoutPromise(ms);

/**
 * Polls `probe` every `everyMs` until it returns something other than
 * `undefined`, and returns that; fails naming `what` after `timeoutMs`.
 */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 20_000,
  everyMs = 100,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}
