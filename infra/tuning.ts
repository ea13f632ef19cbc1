/**
 * Tuning constants of the deployed functions, set as their environment in
 * infra/stack.ts. No aws-cdk-lib import here: the bench's AWS model imports
 * this module to run the handlers' batching with the same settings, and must
 * not pull in the CDK.
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
 * it hands over after this long (in practice after its first, small
 * transaction: see FIRST_TRANSACTION in shared/engine/release-pipeline.ts),
 * then resumes with the whole budget. The Licenses stream has one
 * invocation per shard at a time, so approvals that land just after a burst
 * wait for the burst's invocation to end: this keeps that invocation to
 * about one transaction per license.
 */
export const RELEASE_FIRST_SLICE_MS = 100;

/**
 * Shipment transactions license-events keeps in flight across the licenses
 * of one invocation (each license has at most one). Licenses of one sku share
 * Inventory items, so more in flight means more TransactionConflict retries;
 * 4 keeps the emulator's two cores busy and leaves AWS far below a hot item's
 * 1,000 WCU/s.
 */
export const RELEASE_CONCURRENCY = 4;

/**
 * Licenses stream records per license-events invocation: the approvals of a
 * burst that are on the stream when it is read land in one invocation and
 * are released together.
 */
export const LICENSE_EVENTS_BATCH_SIZE = 100;

/**
 * Batches of the Shipments stream's shard that shipment-events processes at
 * once (the mapping's ParallelizationFactor, 1–10; the local stack emulates
 * it: one shipment's records stay in order, other lanes run beside them).
 * Kept at 1: 4 shortened the notifier's lag behind a burst of releases, but
 * each lane is a sandbox of its own (about 250 MiB more peak RSS on the
 * local stack), and digests are per batch, so people would get up to four
 * digests where one does. 10 only queued more History transactions in front
 * of the writer's. ARCHITECTURE.md has the measurements.
 */
export const SHIPMENT_EVENTS_PARALLELIZATION = 1;

/**
 * From the end of a license pass to its settling pass (ARCHITECTURE.md, "GSI
 * reads lag on AWS"): far beyond GSI lag, which is usually well under a
 * second. The clock runs every minute, so the settling pass follows within
 * 30–90 s.
 */
export const SETTLE_DELAY_MS = 30_000;

/**
 * Every stream mapping (infra/event-wiring.ts, StreamConsumer): a batch whose
 * invocation fails (throws or times out) is split in two
 * (BisectBatchOnFunctionError); one that cannot be split, or whose partial
 * response reports its first record (AWS then retries it whole: it bisects
 * only "at the returned sequence number"), is retried this many times before
 * it goes to the DLQ. The AWS model's mappings (bench/model-aws) and the
 * local stack's use the same settings and rules.
 */
export const STREAM_BISECT_ON_ERROR = true;
export const STREAM_RETRY_ATTEMPTS = 5;
