/**
 * How license-events applies the licenses of one batch (functions/license-events.ts):
 * applyLicenses, all at once, `concurrency` shipment transactions in flight,
 * one deadline for the invocation. The model drives it through this seam.
 */

import { applyLicenses } from '../../shared/engine/license-batch.js';
import type { LicenseEngineDeps } from '../../shared/engine/license-engine.js';

/** Applies `licenseIds`; returns those that failed (the stream delivers their record again). */
export type ApplyBatch = (
  deps: LicenseEngineDeps,
  licenseIds: readonly string[],
  invocationEnd: number,
  budgetMs: number,
  concurrency: number,
) => Promise<Set<string>>;

export const applyBatch: ApplyBatch = async (deps, licenseIds, invocationEnd, budgetMs, concurrency) => {
  const deadline = Math.min(Date.now() + budgetMs, invocationEnd);
  const results = await applyLicenses(deps, licenseIds, deadline, { concurrency });
  return new Set(results.filter((r) => !r.ok).map((r) => r.licenseId));
};
