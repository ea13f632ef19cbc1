/**
 * Clearance's own resources among the created ones: the four tables by key
 * schema, the customer (sharded), logistics and ops topics by logical id, the
 * stream mappings' on-failure queues by the table each reads, and the
 * subscriptions' DLQ.
 */
import type { StackModel, TableModel } from '../template.js';
import {
  type ClearanceDlqs,
  type ClearanceTables,
  type ClearanceTopics,
  LocalResourceError,
  type QueueResource,
  type TableResource,
  type TopicResource,
} from './types.js';

/** What was created, by logical id. */
export interface CreatedResources {
  readonly tablesByLogicalId: Readonly<Record<string, TableResource>>;
  readonly topicsByLogicalId: Readonly<Record<string, TopicResource>>;
  readonly queuesByLogicalId: Readonly<Record<string, QueueResource>>;
}

function keyNames(table: TableModel): string {
  const hash = table.keySchema.find((k) => k.keyType === 'HASH')?.attributeName ?? '';
  const range = table.keySchema.find((k) => k.keyType === 'RANGE')?.attributeName;
  return range === undefined ? hash : `${hash}+${range}`;
}

function pickOne<T>(items: readonly T[], what: string): T {
  const [first, ...rest] = items;
  if (first === undefined || rest.length > 0) {
    throw new LocalResourceError(`expected exactly one ${what} in the template, found ${items.length}`);
  }
  return first;
}

/** The one table keyed `hashRange` (`licenseId`, `sku+warehouseId`, `licenseId+entryId`). */
function tableKeyed(model: StackModel, created: CreatedResources, hashRange: string): TableResource {
  const table = pickOne(
    model.tables.filter((t) => keyNames(t) === hashRange),
    `table keyed ${hashRange}`,
  );
  const res = created.tablesByLogicalId[table.logicalId];
  if (res === undefined) throw new LocalResourceError(`table ${table.logicalId} was not created`);
  return res;
}

/** The one topic whose logical id contains `word`. */
function topicNamed(created: CreatedResources, word: string): TopicResource {
  return pickOne(
    Object.values(created.topicsByLogicalId).filter((t) => t.logicalId.toLowerCase().includes(word)),
    `topic whose logical id contains "${word}"`,
  );
}

/** The customer topic shards (`Customer`, `Customer1`, ...), shard 0 first; they must be 0..n. */
function customerShards(created: CreatedResources): TopicResource[] {
  const shards = Object.values(created.topicsByLogicalId)
    .map((t) => ({ t, m: /customer(\d*)/i.exec(t.logicalId) }))
    .filter((x) => x.m !== null)
    .map(({ t, m }) => ({ t, shard: Number(m?.[1] || '0') }))
    .sort((a, b) => a.shard - b.shard);
  shards.forEach(({ t, shard }, i) => {
    if (shard !== i) throw new LocalResourceError(`customer topic shards are not 0..n: ${t.logicalId}`);
  });
  return shards.map((x) => x.t);
}

/** The on-failure queue of the one mapping that reads `table` into the function of `entry`. */
function dlqOf(
  model: StackModel,
  created: CreatedResources,
  table: TableResource,
  entry: string,
): QueueResource {
  const consumer = new Set(model.functions.filter((f) => f.entry === entry).map((f) => f.logicalId));
  const mapping = pickOne(
    model.eventSourceMappings.filter(
      (m) => m.tableLogicalId === table.logicalId && consumer.has(m.functionLogicalId),
    ),
    `event source mapping on ${table.logicalId} to ${entry}`,
  );
  const queue =
    mapping.onFailureQueueLogicalId === undefined
      ? undefined
      : created.queuesByLogicalId[mapping.onFailureQueueLogicalId];
  if (queue === undefined) {
    throw new LocalResourceError(`mapping ${mapping.logicalId} has no on-failure queue`);
  }
  return queue;
}

/**
 * Finds clearance's tables, topics and DLQs among `created`.
 *
 * @throws {LocalResourceError} when one is missing or not unique.
 */
export function clearanceResources(
  model: StackModel,
  created: CreatedResources,
): { tables: ClearanceTables; topics: ClearanceTopics; dlqs: ClearanceDlqs } {
  const shards = customerShards(created);
  const customerShard0 = shards[0];
  if (customerShard0 === undefined) throw new LocalResourceError('no customer topic in the template');
  const tables: ClearanceTables = {
    licenses: tableKeyed(model, created, 'licenseId'),
    shipments: tableKeyed(model, created, 'shipmentId'),
    inventory: tableKeyed(model, created, 'sku+warehouseId'),
    history: tableKeyed(model, created, 'licenseId+entryId'),
    tallies: tableKeyed(model, created, 'licenseId+event'),
  };
  return {
    tables,
    topics: {
      customer: customerShard0,
      customerShards: shards,
      logistics: topicNamed(created, 'logistics'),
      ops: topicNamed(created, 'ops'),
    },
    dlqs: {
      licenses: dlqOf(model, created, tables.licenses, 'functions/license-events.ts'),
      shipments: dlqOf(model, created, tables.shipments, 'functions/shipment-events.ts'),
      shipmentHistory: dlqOf(model, created, tables.shipments, 'functions/shipment-history.ts'),
      subscriptions: pickOne(
        Object.values(created.queuesByLogicalId).filter((q) => /^SubscriptionDlq/.test(q.logicalId)),
        'queue whose logical id starts with "SubscriptionDlq"',
      ),
    },
  };
}
