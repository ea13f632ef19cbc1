/**
 * Tuning constants of the deployed functions, set as their environment in
 * infra/stack.ts. No aws-cdk-lib import here: the CLI loads this module at run
 * time (`clearance dlq redrive` runs the handlers with the same settings).
 */

/**
 * Time license-events gives the releases of an invocation before handing the
 * rest to a later invocation through the stream. A slice, not the whole
 * timeout: the licenses of a batch run concurrently within it, and a huge
 * release hands over rather than holding the shard.
 */
export const RELEASE_TIME_BUDGET_MS = 60_000;

/**
 * The first slice of new work (an approval, a suspension, an amendment):
 * it hands over after this long, then resumes with the whole budget. The
 * Licenses stream has one invocation per shard at a time, so without it
 * approvals that arrive just after a big one wait for the big one's whole
 * slice; with it, a burst of 50 approvals is started within about two
 * slices (bench fairness case).
 */
export const RELEASE_FIRST_SLICE_MS = 1_000;

/**
 * Shipment transactions license-events keeps in flight across the licenses
 * of one invocation (each license has at most one). Licenses of one sku share
 * Inventory items, so more in flight means more TransactionConflict retries;
 * 4 keeps the emulator's two cores busy and leaves AWS far below a hot item's
 * 1,000 WCU/s.
 */
export const RELEASE_CONCURRENCY = 4;

/**
 * Licenses stream records per license-events invocation: 50 licenses
 * approved at once land in one invocation and are released together.
 */
export const LICENSE_EVENTS_BATCH_SIZE = 100;

/**
 * From the end of a license pass to its settling pass (ARCHITECTURE.md, "GSI
 * reads lag on AWS"): far beyond GSI lag, which is usually well under a
 * second. The clock runs every minute, so the settling pass follows within
 * 30–90 s.
 */
export const SETTLE_DELAY_MS = 30_000;
