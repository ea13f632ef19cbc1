/** What the local stack creates from the template, as plain data, and its error. */

/** A resource cannot be created or a reference cannot be resolved locally. */
export class LocalResourceError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LocalResourceError';
  }
}

/** The account id fauxqs and DynamoDB Local use in ARNs. */
export const LOCAL_ACCOUNT_ID = '000000000000';

/** A created table. */
export interface TableResource {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  /** Present when the table has a stream. */
  readonly streamArn?: string;
}

/** A created topic. */
export interface TopicResource {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
}

/** A created queue. */
export interface QueueResource {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly url: string;
}

/** A function of the template, with its environment resolved to local values. */
export interface FunctionResource {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  /** Repo-relative source of the entry, e.g. `functions/license-events.ts` (names the function in tests and logs). */
  readonly entry: string;
  readonly exportName: string;
  /** Absolute path of the bundle the template names (`<assembly>/asset.<hash>/index.mjs`): what runs. */
  readonly bundleFile: string;
  readonly timeoutSeconds: number;
  readonly memorySizeMb: number;
  readonly environment: Readonly<Record<string, string>>;
}

/** The four tables of the data contract and the system's Tallies table, found by key schema. */
export interface ClearanceTables {
  readonly licenses: TableResource;
  readonly shipments: TableResource;
  readonly inventory: TableResource;
  /** The audit trail, keyed `licenseId` + `entryId`. */
  readonly history: TableResource;
  /** License events' digests still to send, keyed `licenseId` + `event` (system-only, not in the contract). */
  readonly tallies: TableResource;
}

/** The topics, found by logical id (Customer / Logistics / Ops). */
export interface ClearanceTopics {
  /** Customer topic shard 0 (logical id contains `Customer` not followed by a digit). */
  readonly customer: TopicResource;
  /** Every customer topic shard, shard 0 first (`Customer`, `Customer1`, `Customer2`, ...). */
  readonly customerShards: readonly TopicResource[];
  readonly logistics: TopicResource;
  readonly ops: TopicResource;
}

/** On-failure queues of the stream mappings, by the table they read, and the SNS subscriptions' DLQ. */
export interface ClearanceDlqs {
  readonly licenses: QueueResource;
  readonly shipments: QueueResource;
  /** shipment-history's: the Shipments stream's second mapping. */
  readonly shipmentHistory: QueueResource;
  /** The queue `clearance subscribe` sets as every subscription's RedrivePolicy (logical id `SubscriptionDlq...`). */
  readonly subscriptions: QueueResource;
}

/** Everything created for one prefix. Plain data. */
export interface LocalResources {
  readonly prefix: string;
  readonly region: string;
  readonly tables: ClearanceTables;
  readonly topics: ClearanceTopics;
  readonly dlqs: ClearanceDlqs;
  readonly tablesByLogicalId: Readonly<Record<string, TableResource>>;
  readonly topicsByLogicalId: Readonly<Record<string, TopicResource>>;
  readonly queuesByLogicalId: Readonly<Record<string, QueueResource>>;
  readonly functionsByLogicalId: Readonly<Record<string, FunctionResource>>;
  /** Subscriptions created from the template. */
  readonly subscriptions: ReadonlyArray<{ logicalId: string; arn: string }>;
  /** What was not emulated, and why. */
  readonly notes: readonly string[];
}

/** Options of {@link createResources}. */
export interface CreateResourcesOptions {
  /** Prefix of every physical name; letters, digits, `-` and `_`. */
  readonly prefix: string;
  /** The cloud assembly directory holding the function bundles the template names. */
  readonly assemblyDir: string;
}
