/**
 * How license-events applies the licenses of one batch: the seam the model
 * drives. Today's handler (functions/license-events.ts) applies them one
 * after another, each with its own slice (`RELEASE_TIME_BUDGET_MS`).
 *
 * When shared/engine/license-batch.ts lands, switch `applyBatch` to:
 *   (deps, ids, end, budget, concurrency) =>
 *     applyLicenses(deps, ids, Math.min(Date.now() + budget, end), { concurrency })
 * (mapping its outcome to the ids that failed).
 */
import { applyLicense, type LicenseEngineDeps } from '../../shared/engine/license-engine.js';

/** Applies `licenseIds`; returns those that failed (the stream delivers their record again). */
export type ApplyBatch = (
  deps: LicenseEngineDeps,
  licenseIds: readonly string[],
  invocationEnd: number,
  budgetMs: number,
  concurrency: number,
) => Promise<Set<string>>;

/**
 * Until then: `applyLicense` per license, `concurrency` at a time (1: the
 * handler as it is), each with the handler's deadline.
 */
export const applyPerLicense: ApplyBatch = async (deps, licenseIds, invocationEnd, budgetMs, concurrency) => {
  const failed = new Set<string>();
  let next = 0;
  const worker = async () => {
    while (next < licenseIds.length) {
      const licenseId = licenseIds[next++] as string;
      const deadline = Math.min(Date.now() + budgetMs, invocationEnd);
      try {
        await applyLicense(deps, licenseId, deadline);
      } catch {
        failed.add(licenseId);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, licenseIds.length)) }, worker));
  return failed;
};

export const applyBatch: ApplyBatch = applyPerLicense;
