/**
 * Emulates the template's Lambda event source mappings on DynamoDB Local
 * streams, and its EventBridge schedules, by running the functions' bundles
 * in the Lambda host.
 *
 * Per mapping: discover shards (DescribeStream, paginated; children only
 * after their parent is read to the end), read each shard in order
 * (GetRecords), convert to the Lambda `DynamoDBStreamEvent` record shape,
 * drop records the mapping's filter rejects, batch up to BatchSize, invoke,
 * honour `batchItemFailures` (checkpoint before the lowest one reported),
 * bisect on a function error only (a partial response never halves a
 * batch), retry up to MaximumRetryAttempts, then send an AWS-shaped
 * on-failure record to the mapping's SQS destination and move on. Records
 * older than MaximumRecordAgeInSeconds (from when they entered the stream)
 * go to the destination instead of the function, failed or not. Mappings run concurrently. A shard
 * is sequential per lane: with ParallelizationFactor N it has N lanes, a
 * record's lane follows its partition key, and the lanes' batches run at once.
 *
 * Not emulated: MaximumBatchingWindowInSeconds (records are delivered as soon
 * as they are read: on AWS a batch that is not full waits up to the window,
 * 2 s for shipment-events). The function timeout is the Lambda host's: it
 * kills a sandbox that runs past it (local/lambda-host.ts).
 *
 * Test hooks (off unless given, see EsmOptions): `aroundInvoke` wraps each
 * invocation, `redelivery` delivers successful batches again (duplicates
 * and stale replays), `instrumentClients` hands out the emulator's own
 * Streams/SQS clients. test/chaos/faults.ts uses all three.
 *
 * The parts, in local/esm/:
 *
 * - types.ts: options, hooks, handler shapes, counters, errors;
 * - streams.ts: shards, iterators, reading a whole stream, per-shard state;
 * - mapping-runner.ts: one mapping polling, filtering, batching, invoking,
 *   retrying, bisecting and giving up (batch-outcome.ts: how a handler's
 *   response reads; on-failure.ts: the record it sends when it gives up);
 * - schedules.ts: EventBridge schedules, on demand or on timers;
 * - emulator.ts: the emulator's lifecycle and handler loading;
 * - invoke.ts: the Lambda context and the `aroundInvoke` hook.
 */
export { toLambdaRecord } from '../shared/adapters/stream.js';
export { EventSourceMappingEmulator } from './esm/emulator.js';
export { lambdaContext } from './esm/invoke.js';
export { describeShards, readAllStreamRecords } from './esm/streams.js';
export {
  DrainTimeoutError,
  EsmError,
  type EsmLogger,
  type EsmOptions,
  type EsmStats,
  type InvocationInfo,
  type MappingStats,
  type RedeliveryInfo,
  type ScheduledHandler,
  type StreamHandler,
} from './esm/types.js';
