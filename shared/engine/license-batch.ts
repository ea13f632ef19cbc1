/**
 * The licenses of one license-events invocation, applied together: all
 * start at once, and their shipment transactions share one FIFO limiter. A
 * license has at most one transaction in flight (release-pipeline.ts). Its
 * later transactions, its hand-over and its digests wait until every license
 * of the batch has had its first transaction (committed or failed), and
 * resumed work (which has none) reads nothing until then, so every new
 * license's first small read and transaction goes before anyone's bulk and
 * none waits for another license's whole backlog. Ports only: the handler
 * and the in-memory latency model (bench) both call this.
 */

import { fifoLimiter, firstRound } from '../domain/concurrency.js';
import { applyLicense, type LicenseEngineDeps, type LicenseOutcome } from './license-engine.js';

/** What applying one license of a batch came to: its outcome, or the error the stream must retry it for. */
export type LicenseResult = { licenseId: string; ms: number } & (
  | { ok: true; outcome: LicenseOutcome }
  | { ok: false; error: unknown }
);

/** Options of {@link applyLicenses}. */
export interface BatchOptions {
  /** Shipment transactions in flight at once across the batch (RELEASE_CONCURRENCY). */
  concurrency: number;
  /** Licenses the stream showed applied (see applyLicense's `applied`). */
  applied?: ReadonlySet<string>;
}

/**
 * Applies `licenseIds` concurrently (each as `applyLicense` would, until
 * `deadline`), with at most `concurrency` shipment transactions in flight
 * across them. One license failing does not stop the others. Results are in
 * the order of `licenseIds`.
 */
export async function applyLicenses(
  deps: LicenseEngineDeps,
  licenseIds: readonly string[],
  deadline: number,
  options: BatchOptions,
): Promise<LicenseResult[]> {
  const round = firstRound(licenseIds);
  const shared: LicenseEngineDeps = { ...deps, limiter: fifoLimiter(options.concurrency), firstRound: round };
  return Promise.all(
    licenseIds.map(async (licenseId): Promise<LicenseResult> => {
      const started = Date.now();
      try {
        const outcome = await applyLicense(shared, licenseId, deadline, {
          applied: options.applied?.has(licenseId) === true,
        });
        return { licenseId, ms: Date.now() - started, ok: true, outcome };
      } catch (error) {
        return { licenseId, ms: Date.now() - started, ok: false, error };
      } finally {
        round.done(licenseId);
      }
    }),
  );
}
