/**
 * What the event source mapping emulator is given and what it reports: its
 * options and test hooks, the handler shapes it invokes, its counters, and
 * its errors.
 */
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent, ScheduledEvent } from 'aws-lambda';
import type { LambdaHost } from '../lambda-host.js';
import type { LocalResources } from '../resources.js';
import type { ServiceEndpoints } from '../services.js';
import type { EventSourceMappingModel, StackModel } from '../template.js';

/** The emulator was misused or a handler module cannot be loaded. */
export class EsmError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EsmError';
  }
}

/** {@link EventSourceMappingEmulator.drain} ran out of time. */
export class DrainTimeoutError extends EsmError {
  constructor(message: string) {
    super(message);
    this.name = 'DrainTimeoutError';
  }
}

/**
 * A handler for a stream mapping (the real one is a middy chain with this
 * shape). It may return a `DynamoDBBatchResponse`, or a promise of one.
 */
export type StreamHandler = (event: DynamoDBStreamEvent, context: Context) => unknown;

/** A handler for a schedule. */
export type ScheduledHandler = (event: ScheduledEvent, context: Context) => Promise<unknown> | unknown;

/** A stream or scheduled handler, as the emulator calls it. */
export type AnyHandler = (event: never, context: Context) => unknown;

/** Counters of one mapping. */
export interface MappingStats {
  readonly mapping: string;
  readonly function: string;
  /** Stream records read. */
  readonly seen: number;
  /** Records dropped by the filter (never delivered). */
  readonly filtered: number;
  /** Handler invocations. */
  readonly invocations: number;
  /** Records handed to the handler (a retried record counts again). */
  readonly recordsDelivered: number;
  /** Invocations that threw or reported item failures. */
  readonly failures: number;
  /**
   * Of those, the ones that reported item failures after the batch's first
   * record: the records before the lowest were checkpointed, the rest read again.
   */
  readonly partial: number;
  /** Records sent to the on-failure destination (or discarded without one). */
  readonly dlq: number;
  /** Errors talking to the services (retried). */
  readonly pollErrors: number;
  /** Records delivered again through {@link EsmOptions.redelivery}. */
  readonly redelivered: number;
}

/** Counters of the whole emulator. */
export interface EsmStats {
  readonly mappings: readonly MappingStats[];
  readonly scheduledInvocations: number;
  readonly scheduledFailures: number;
}

/** Log sink; `level` is `debug`, `info`, `warn` or `error`. */
export type EsmLogger = (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;

/** Options of {@link EventSourceMappingEmulator}. */
export interface EsmOptions {
  readonly model: StackModel;
  readonly resources: LocalResources;
  /** Where the emulator's own Streams and SQS clients send their requests (the stack's gateway). */
  readonly endpoints: ServiceEndpoints;
  /** Runs the functions' bundles. */
  readonly host: LambdaHost;
  /**
   * Credentials the emulator's clients use for a mapping: Lambda reads the
   * stream and writes the on-failure destination with the function's role.
   * @default dummy credentials
   */
  readonly credentialsFor?: (functionLogicalId: string) => { accessKeyId: string; secretAccessKey: string };
  /**
   * Handlers to use instead of importing the template entry, keyed by mapping
   * logical id, function logical id, entry path, entry base name
   * (`license-events`) or table kind (`licenses` / `shipments`: every mapping
   * on that table, shipment-events' and shipment-history's both).
   */
  readonly handlerOverrides?: Readonly<Record<string, StreamHandler | ScheduledHandler>>;
  /** Filter patterns replacing a mapping's FilterCriteria, keyed like `handlerOverrides`. */
  readonly filterOverrides?: Readonly<Record<string, readonly unknown[]>>;
  /** Override of per-mapping numbers (tests), keyed like `handlerOverrides`. */
  readonly mappingOverrides?: Readonly<
    Record<
      string,
      Partial<
        Pick<
          EventSourceMappingModel,
          | 'batchSize'
          | 'maximumRetryAttempts'
          | 'bisectBatchOnFunctionError'
          | 'maximumRecordAgeSeconds'
          | 'parallelizationFactor'
        >
      >
    >
  >;
  /** Idle poll interval. @default 50 */
  readonly pollIntervalMs?: number;
  /**
   * Idle poll interval while a {@link EventSourceMappingEmulator.drain} waits
   * and nothing is buffered or in flight (at most `pollIntervalMs`). A
   * shorter one also ends the pauses under way when the drain starts and
   * whenever records are read or an invocation ends during it. The tests'
   * stacks use 0: a drain then follows each hop from stream to stream, and
   * confirms quiet, without waiting out the idle interval. @default pollIntervalMs
   */
  readonly drainPollIntervalMs?: number;
  /**
   * Whether an idle mapping reads a shard whose last page was empty at every
   * cycle (undefined) or only once a write was noted to its table since that
   * read, and at the latest after this interval. Writes are noted by
   * {@link EventSourceMappingEmulator.noteWrite}, which the local stack's
   * gateway calls for every DynamoDB write it forwards; a drain starting
   * counts as one for every mapping. Only a write that bypasses the gateway
   * while no drain waits is read this late. @default undefined
   */
  readonly quietReadIntervalMs?: number;
  /** Pause before retrying a failed batch. @default 10 */
  readonly retryDelayMs?: number;
  /** @default warnings and errors to stderr; everything with CLEARANCE_LOCAL_DEBUG=1 */
  readonly log?: EsmLogger;
  /**
   * Test hook (fault injection): wraps every handler invocation, stream and
   * scheduled. `invoke` runs the handler; whatever the hook returns or
   * throws is the invocation's outcome. @default none
   */
  readonly aroundInvoke?: (info: InvocationInfo, invoke: () => Promise<unknown>) => Promise<unknown>;
  /**
   * Test hook (at-least-once delivery): asked after each successful batch of
   * a stream mapping. Returning N ≥ 0 delivers the same records again, as
   * Lambda does after a lost checkpoint: N = 0 right away (a duplicate
   * batch), N > 0 after N later batches of that shard, or as soon as the
   * shard has nothing newer buffered (a stale replay). Records are offered
   * once: a batch holding a redelivered record is not asked about.
   * @default never
   */
  readonly redelivery?: (batch: RedeliveryInfo) => number | undefined;
  /**
   * Test hook: receives the emulator's own Streams and SQS clients (one pair
   * per function), e.g. to add SDK middleware. @default none
   */
  readonly instrumentClients?: (clients: { streams: DynamoDBStreamsClient; sqs: SQSClient }) => void;
}

/** What {@link EsmOptions.aroundInvoke} is told about an invocation. */
export interface InvocationInfo {
  readonly functionLogicalId: string;
  /** The entry's base name, e.g. `license-events`. */
  readonly name: string;
  /** The mapping's logical id; undefined for a scheduled invocation. */
  readonly mapping?: string;
  /** The batch handed to the handler (stream invocations). */
  readonly records?: readonly DynamoDBRecord[];
}

/** What {@link EsmOptions.redelivery} is told about a batch that succeeded. */
export interface RedeliveryInfo {
  readonly mapping: string;
  readonly functionLogicalId: string;
  readonly shardId: string;
  /** 1-based count of this mapping's invocations. */
  readonly invocation: number;
  readonly records: readonly DynamoDBRecord[];
}

/** Warnings and errors to stderr; everything with CLEARANCE_LOCAL_DEBUG=1. */
export const defaultLogger: EsmLogger = (level, message) => {
  if (level === 'debug' && process.env.CLEARANCE_LOCAL_DEBUG !== '1') return;
  if (level === 'info' && process.env.CLEARANCE_LOCAL_DEBUG !== '1') return;
  process.stderr.write(`[local-esm] ${level}: ${message}\n`);
};

/** The runner's counters; see {@link MappingStats}. */
export type MutableStats = { -readonly [K in Exclude<keyof MappingStats, 'mapping' | 'function'>]: number };

/** A runner's counters, all zero. */
export function newStats(): MutableStats {
  return {
    seen: 0,
    filtered: 0,
    invocations: 0,
    recordsDelivered: 0,
    failures: 0,
    partial: 0,
    dlq: 0,
    pollErrors: 0,
    redelivered: 0,
  };
}
