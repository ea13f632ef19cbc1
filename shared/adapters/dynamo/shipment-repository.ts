import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  type QueryCommandOutput,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ConfigError } from '../../domain/errors.js';
import { tallyCommitted, tallyUpdateOf } from '../../domain/event-tally.js';
import type { HistoryEntry } from '../../domain/history.js';
import { indexKeys, mergePages } from '../../domain/index-keys.js';
import type {
  CommitResult,
  LicenseGuard,
  RawItem,
  ShipmentPage,
  ShipmentRepository,
  ShipmentWrite,
} from '../../domain/ports.js';
import { GSI_ATTR, HELD_INDEX, RELEASED_INDEX } from '../../names.js';
import {
  guardedLicenseUpdate,
  inventoryUpdate,
  licenseUpdate,
  shipmentUpdate,
  tallyUpdate,
} from './expressions.js';
import { updateWithEntry } from './history-repository.js';
import { scanTable } from './reads.js';
import { commitPacked, type Group, isConditionFailure, sum } from './transactions.js';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** DynamoDB implementation of the Shipments port, including the transactional writer. */
export class DynamoShipmentRepository implements ShipmentRepository {
  /** `licenses` and `inventory` are needed only to commit writes; a read-only user may leave them out. */
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tables: {
      shipments: string;
      licenses?: string;
      inventory?: string;
      history?: string;
      /** Needed only to commit under a guard with a tally (license-events). */
      tallies?: string;
    },
  ) {}

  private table(name: 'licenses' | 'inventory' | 'tallies'): string {
    const table = this.tables[name];
    if (table === undefined)
      throw new ConfigError(`DynamoShipmentRepository needs the ${name} table to commit`);
    return table;
  }

  /**
   * One page of a license's sparse index in `holdOrder`: every GSI key of
   * the license (see index-keys.ts) is queried with the same `Limit` and the
   * answers merged. A key whose answer stopped early (`LastEvaluatedKey`)
   * bounds the page at its last `holdOrder`, since its next items may sort
   * before the other keys' later ones. With `limit` items from each key the
   * first `limit` of the merge are the index's first `limit`, as one key's
   * answer would be; `next` is set whenever the page is full or was bounded.
   * A key answered with a LastEvaluatedKey and no items is read on from it.
   */
  async page(
    index: 'held' | 'released',
    licenseId: string,
    after: string | undefined,
    limit: number,
    order: 'forward' | 'backward' = 'forward',
  ): Promise<ShipmentPage> {
    const pk = index === 'held' ? GSI_ATTR.heldLicenseId : GSI_ATTR.releasedLicenseId;
    const beyond = order === 'forward' ? '>' : '<';
    const query = (key: string, start?: Record<string, unknown>) =>
      this.db.send(
        new QueryCommand({
          TableName: this.tables.shipments,
          IndexName: index === 'held' ? HELD_INDEX : RELEASED_INDEX,
          KeyConditionExpression: after === undefined ? '#pk = :pk' : `#pk = :pk AND #sk ${beyond} :after`,
          ScanIndexForward: order === 'forward',
          ExpressionAttributeNames: {
            '#pk': pk,
            ...(after === undefined ? {} : { '#sk': GSI_ATTR.holdOrder }),
          },
          ExpressionAttributeValues: { ':pk': key, ...(after === undefined ? {} : { ':after': after }) },
          Limit: limit,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
    // An answer with a LastEvaluatedKey and no items says nothing about where the key's next items sort,
    // so it cannot bound the merge: that key is read on until it answers with items or ends.
    const answers = await Promise.all(
      indexKeys(licenseId).map(async (key) => {
        let out = await query(key);
        while ((out.Items ?? []).length === 0 && out.LastEvaluatedKey)
          out = await query(key, out.LastEvaluatedKey);
        return out;
      }),
    );
    return mergePages(
      answers.map((out) => ({
        items: (out.Items ?? []) as RawItem[],
        more: out.LastEvaluatedKey !== undefined,
      })),
      limit,
      order,
      GSI_ATTR.holdOrder,
    );
  }

  async commit(writes: readonly ShipmentWrite[], guard?: LicenseGuard): Promise<CommitResult> {
    return commitPacked(writes, guard, async (group) => {
      // The license event's tally, last: its update has no condition, so no cancellation reason points at it.
      const tally = guard?.tally ? tallyUpdateOf(guard.tally, group.writes, new Date()) : undefined;
      const items = this.transactItems(group, guard);
      if (tally) items.push({ Update: tallyUpdate(this.table('tallies'), tally) });
      await this.db.send(new TransactWriteCommand({ TransactItems: items }));
      if (tally && guard?.tally) tallyCommitted(guard.tally, tally);
    });
  }

  /** The group's actions: shipments first (their indexes match CancellationReasons), then counters, then licenses. */
  private transactItems(group: Group, guard: LicenseGuard | undefined): TransactItem[] {
    return [
      ...group.writes.map((w) => ({ Update: shipmentUpdate(this.tables.shipments, w) })),
      ...[...group.inventory.values()].map((inv) => ({
        Update: inventoryUpdate(this.table('inventory'), inv.sku, inv.warehouseId, inv.delta),
      })),
      ...(guard
        ? [{ Update: guardedLicenseUpdate(this.table('licenses'), guard, sum(group.licenses)) }]
        : [...group.licenses].map(([licenseId, delta]) => ({
            Update: licenseUpdate(this.table('licenses'), licenseId, delta),
          }))),
    ];
  }

  async update(write: ShipmentWrite, entry?: HistoryEntry): Promise<boolean> {
    if (entry)
      return updateWithEntry(
        this.db,
        shipmentUpdate(this.tables.shipments, write),
        this.tables.history,
        entry,
      );
    try {
      await this.db.send(new UpdateCommand(shipmentUpdate(this.tables.shipments, write)));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async get(shipmentId: string): Promise<RawItem | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.tables.shipments, Key: { shipmentId }, ConsistentRead: true }),
    );
    return out.Item as RawItem | undefined;
  }

  scan(): AsyncIterable<RawItem[]> {
    return scanTable(this.db, this.tables.shipments);
  }

  async countHeldByReason(licenseId: string): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    const read = { attributes: { '#r': 'holdReason' } };
    for await (const out of licenseIndexPages(this.db, this.tables.shipments, 'held', licenseId, read)) {
      for (const item of out.Items ?? []) {
        const reason = String(item.holdReason ?? 'UNKNOWN');
        counts.set(reason, (counts.get(reason) ?? 0) + 1);
      }
    }
    return counts;
  }

  sumHeld(licenseId: string): Promise<{ shipments: number; units: number; value: number }> {
    return this.sumOf('held', licenseId);
  }

  /** Shipments, units and value in one index of a license, reading only `quantity` and `value`. */
  async sumOf(
    index: 'held' | 'released',
    licenseId: string,
  ): Promise<{ shipments: number; units: number; value: number }> {
    const sum = { shipments: 0, units: 0, value: 0 };
    const read = { attributes: { '#q': 'quantity', '#v': 'value' } };
    for await (const out of licenseIndexPages(this.db, this.tables.shipments, index, licenseId, read)) {
      for (const item of out.Items ?? []) {
        sum.shipments++;
        sum.units += typeof item.quantity === 'number' ? item.quantity : 0;
        sum.value += typeof item.value === 'number' ? item.value : 0;
      }
    }
    return sum;
  }
}

/**
 * Every page of one license's sparse index (every GSI key of the license,
 * see index-keys.ts, key after key, page after page): the items projected to
 * `read.attributes` (names as `#x` → attribute), or only `Count` with
 * `read.count`. In no order across keys: for sums, counts and checks.
 */
export async function* licenseIndexPages(
  db: DynamoDBDocumentClient,
  shipmentsTable: string,
  index: 'held' | 'released',
  licenseId: string,
  read: { attributes: Record<string, string> } | { count: true },
): AsyncIterable<QueryCommandOutput> {
  const projection =
    'attributes' in read
      ? { ProjectionExpression: Object.keys(read.attributes).join(', ') }
      : { Select: 'COUNT' as const };
  for (const key of indexKeys(licenseId)) {
    let start: Record<string, unknown> | undefined;
    do {
      const out: QueryCommandOutput = await db.send(
        new QueryCommand({
          TableName: shipmentsTable,
          IndexName: index === 'held' ? HELD_INDEX : RELEASED_INDEX,
          KeyConditionExpression: '#pk = :pk',
          ...projection,
          ExpressionAttributeNames: {
            '#pk': index === 'held' ? GSI_ATTR.heldLicenseId : GSI_ATTR.releasedLicenseId,
            ...('attributes' in read ? read.attributes : {}),
          },
          ExpressionAttributeValues: { ':pk': key },
          ExclusiveStartKey: start,
        }),
      );
      yield out;
      start = out.LastEvaluatedKey;
    } while (start);
  }
}
