/**
 * The local model of a synthesized template: the few facts of each resource
 * the local stack creates or runs, by logical id.
 */

/** The template cannot be read into the local model. */
export class TemplateModelError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TemplateModelError';
  }
}

/** A CloudFormation template as JSON. */
export type CfnTemplate = Record<string, unknown>;

/** A value in the template that the local stack resolves to a string. */
export type CfnValue =
  | { readonly kind: 'literal'; readonly value: string }
  | { readonly kind: 'ref'; readonly logicalId: string }
  | { readonly kind: 'getAtt'; readonly logicalId: string; readonly attribute: string }
  | { readonly kind: 'join'; readonly delimiter: string; readonly parts: readonly CfnValue[] };

/** One key of a table or index. */
export interface KeyElement {
  readonly attributeName: string;
  readonly keyType: 'HASH' | 'RANGE';
}

/** A secondary index of a table. */
export interface IndexModel {
  readonly indexName: string;
  readonly keySchema: readonly KeyElement[];
  readonly projectionType: 'ALL' | 'KEYS_ONLY' | 'INCLUDE';
  readonly nonKeyAttributes?: readonly string[];
}

/** `AWS::DynamoDB::Table`. */
export interface TableModel {
  readonly logicalId: string;
  readonly keySchema: readonly KeyElement[];
  readonly attributeDefinitions: ReadonlyArray<{ attributeName: string; attributeType: 'S' | 'N' | 'B' }>;
  readonly globalSecondaryIndexes: readonly IndexModel[];
  readonly localSecondaryIndexes: readonly IndexModel[];
  /** Stream view type, when the table has a stream. */
  readonly streamViewType?: 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES' | 'KEYS_ONLY';
  /** TTL attribute, when TTL is enabled. */
  readonly timeToLiveAttribute?: string;
  /**
   * The table has a resource policy. DynamoDB Local ignores it; the stack's
   * gateway judges the functions' and role sessions' requests against it.
   * (Deletion protection, PITR and encryption are read by nobody locally.)
   */
  readonly hasResourcePolicy?: boolean;
}

/** `AWS::SNS::Topic`. */
export interface TopicModel {
  readonly logicalId: string;
  readonly fifo: boolean;
  readonly displayName?: string;
}

/** `AWS::SQS::Queue`. */
export interface QueueModel {
  readonly logicalId: string;
  readonly fifo: boolean;
  readonly visibilityTimeoutSeconds?: number;
  readonly messageRetentionPeriodSeconds?: number;
}

/** `AWS::SNS::Subscription`. */
export interface SubscriptionModel {
  readonly logicalId: string;
  readonly topic: CfnValue;
  readonly protocol: string;
  readonly endpoint: CfnValue;
  readonly rawMessageDelivery: boolean;
  readonly filterPolicy?: unknown;
  readonly filterPolicyScope?: 'MessageAttributes' | 'MessageBody';
}

/** `AWS::Lambda::Function` with a `clearance:entry` metadata entry. */
export interface FunctionModel {
  readonly logicalId: string;
  /** Repo-relative module that exports the handler, e.g. `functions/license-events.ts`. */
  readonly entry: string;
  /** Exported name of the handler (from `Handler: index.handler`). */
  readonly exportName: string;
  readonly timeoutSeconds: number;
  readonly memorySizeMb: number;
  readonly environment: Readonly<Record<string, CfnValue>>;
  /** The bundle's directory in the cloud assembly (`aws:asset:path` metadata), when the template was bundled. */
  readonly assetPath?: string;
}

/** `AWS::Lambda::EventSourceMapping` on a DynamoDB stream. */
export interface EventSourceMappingModel {
  readonly logicalId: string;
  readonly functionLogicalId: string;
  readonly tableLogicalId: string;
  readonly batchSize: number;
  readonly maximumBatchingWindowSeconds: number;
  readonly startingPosition: 'TRIM_HORIZON' | 'LATEST';
  readonly bisectBatchOnFunctionError: boolean;
  /** -1 means retry until the record expires. */
  readonly maximumRetryAttempts: number;
  /** -1 means no limit. */
  readonly maximumRecordAgeSeconds: number;
  readonly reportBatchItemFailures: boolean;
  /** Batches of one shard processed at once (1–10), one partition key's records in order. */
  readonly parallelizationFactor: number;
  readonly onFailureQueueLogicalId?: string;
  /** Parsed `FilterCriteria.Filters[].Pattern` objects (validated). */
  readonly filterPatterns: readonly unknown[];
  readonly enabled: boolean;
}

/** `AWS::Events::Rule` with a `rate(...)` schedule targeting functions. */
export interface ScheduleModel {
  readonly logicalId: string;
  readonly expression: string;
  /** Period of a `rate()` expression; undefined for `cron()`. */
  readonly periodMs?: number;
  readonly enabled: boolean;
  readonly targets: ReadonlyArray<{ functionLogicalId: string; input?: unknown }>;
}

/** Everything the local stack creates and runs, by logical id. */
export interface StackModel {
  readonly tables: readonly TableModel[];
  readonly topics: readonly TopicModel[];
  readonly queues: readonly QueueModel[];
  readonly subscriptions: readonly SubscriptionModel[];
  readonly functions: readonly FunctionModel[];
  readonly eventSourceMappings: readonly EventSourceMappingModel[];
  readonly schedules: readonly ScheduleModel[];
  /** Parameter values used (defaults unless overridden). */
  readonly parameters: Readonly<Record<string, string>>;
  /** Logical id → type of every resource (for resolving Ref/GetAtt). */
  readonly resourceTypes: Readonly<Record<string, string>>;
  /** Resources left out because their Condition is false. */
  readonly skippedByCondition: readonly string[];
}
