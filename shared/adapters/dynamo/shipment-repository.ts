import {
  type DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandOutput,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ConfigError } from '../../domain/errors.js';
import type { HistoryEntry } from '../../domain/history.js';
import type {
  CommitResult,
  LicenseGuard,
  RawItem,
  ShipmentPage,
  ShipmentRepository,
  ShipmentWrite,
} from '../../domain/ports.js';
import { GSI_ATTR, HELD_INDEX, RELEASED_INDEX } from '../../names.js';
import { guardedLicenseUpdate, inventoryUpdate, licenseUpdate, shipmentUpdate } from './expressions.js';
import { updateWithEntry } from './history-repository.js';
import { scanTable } from './reads.js';
import { commitPacked, type Group, isConditionFailure, sum } from './transactions.js';

/** DynamoDB implementation of the Shipments port, including the transactional writer. */
export class DynamoShipmentRepository implements ShipmentRepository {
  /** `licenses` and `inventory` are needed only to commit writes; a read-only user may leave them out. */
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tables: { shipments: string; licenses?: string; inventory?: string; history?: string },
  ) {}

  private table(name: 'licenses' | 'inventory'): string {
    const table = this.tables[name];
    if (table === undefined)
      throw new ConfigError(`DynamoShipmentRepository needs the ${name} table to commit`);
    return table;
  }

  async page(
    index: 'held' | 'released',
    licenseId: string,
    after: string | undefined,
    limit: number,
    order: 'forward' | 'backward' = 'forward',
  ): Promise<ShipmentPage> {
    const pk = index === 'held' ? GSI_ATTR.heldLicenseId : GSI_ATTR.releasedLicenseId;
    const beyond = order === 'forward' ? '>' : '<';
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tables.shipments,
        IndexName: index === 'held' ? HELD_INDEX : RELEASED_INDEX,
        KeyConditionExpression: after === undefined ? '#pk = :pk' : `#pk = :pk AND #sk ${beyond} :after`,
        ScanIndexForward: order === 'forward',
        ExpressionAttributeNames: {
          '#pk': pk,
          ...(after === undefined ? {} : { '#sk': GSI_ATTR.holdOrder }),
        },
        ExpressionAttributeValues: { ':pk': licenseId, ...(after === undefined ? {} : { ':after': after }) },
        Limit: limit,
      }),
    );
    const items = (out.Items ?? []) as RawItem[];
    const last = items.at(-1);
    return { items, next: out.LastEvaluatedKey && last ? String(last[GSI_ATTR.holdOrder]) : undefined };
  }

  async commit(writes: readonly ShipmentWrite[], guard?: LicenseGuard): Promise<CommitResult> {
    return commitPacked(writes, guard, async (group) => {
      await this.db.send(new TransactWriteCommand({ TransactItems: this.transactItems(group, guard) }));
    });
  }

  /** The group's actions: shipments first (their indexes match CancellationReasons), then counters, then licenses. */
  private transactItems(group: Group, guard: LicenseGuard | undefined) {
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

  scan(): AsyncIterable<RawItem[]> {
    return scanTable(this.db, this.tables.shipments);
  }

  async countHeldByReason(licenseId: string): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    let start: Record<string, unknown> | undefined;
    do {
      const out: QueryCommandOutput = await this.db.send(
        new QueryCommand({
          TableName: this.tables.shipments,
          IndexName: HELD_INDEX,
          KeyConditionExpression: '#pk = :pk',
          ProjectionExpression: '#r',
          ExpressionAttributeNames: { '#pk': GSI_ATTR.heldLicenseId, '#r': 'holdReason' },
          ExpressionAttributeValues: { ':pk': licenseId },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) {
        const reason = String(item.holdReason ?? 'UNKNOWN');
        counts.set(reason, (counts.get(reason) ?? 0) + 1);
      }
      start = out.LastEvaluatedKey;
    } while (start);
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
    let start: Record<string, unknown> | undefined;
    do {
      const out: QueryCommandOutput = await this.db.send(
        new QueryCommand({
          TableName: this.tables.shipments,
          IndexName: index === 'held' ? HELD_INDEX : RELEASED_INDEX,
          KeyConditionExpression: '#pk = :pk',
          ProjectionExpression: '#q, #v',
          ExpressionAttributeNames: {
            '#pk': index === 'held' ? GSI_ATTR.heldLicenseId : GSI_ATTR.releasedLicenseId,
            '#q': 'quantity',
            '#v': 'value',
          },
          ExpressionAttributeValues: { ':pk': licenseId },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) {
        sum.shipments++;
        sum.units += typeof item.quantity === 'number' ? item.quantity : 0;
        sum.value += typeof item.value === 'number' ? item.value : 0;
      }
      start = out.LastEvaluatedKey;
    } while (start);
    return sum;
  }
}
