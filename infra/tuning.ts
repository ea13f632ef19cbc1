/**
 * Tuning constants of the deployed functions, set as their environment in
 * infra/stack.ts. No aws-cdk-lib import here: the CLI loads this module at run
 * time (`clearance dlq redrive` runs the handlers with the same settings).
 */

/**
 * Time license-events gives one license's release before handing the rest to
 * a later invocation through the stream. A slice, not the whole timeout: the
 * other licenses in the batch (up to 10) each get their slice in the same
 * invocation, so a huge release never starves them (10 × 60 s < 900 s).
 */
export const RELEASE_TIME_BUDGET_MS = 60_000;

/**
 * From the end of a license pass to its settling pass (ARCHITECTURE.md, "GSI
 * reads lag on AWS"): far beyond GSI lag, which is usually well under a
 * second. The clock runs every minute, so the settling pass follows within
 * 30–90 s.
 */
export const SETTLE_DELAY_MS = 30_000;
