/**
 * The ports of the AWS model: the in-memory adapters (shared/adapters/memory,
 * whose sorted GSI partitions hold 1,000,000 shipments; the engine tests'
 * fakes re-sort a whole table on every page) behind SimDynamo's latency,
 * conflicts and hot-item budget, with the Licenses and Shipments streams.
 *
 * The shipment writer is the DynamoDB adapter's (shipment-repository.ts
 * `commit`): the same `pack`, and on failure the same `classifyFailure` and
 * jittered `pause`; only `db.send` is SimDynamo's `transact`. History is the
 * DynamoDB adapter itself (DynamoHistoryRepository) over a document client
 * on SimDynamo ({@link CountingHistory}).
 */

import {
  ConditionalCheckFailedException,
  ProvisionedThroughputExceededException,
} from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoHistoryRepository, isCancelledBy } from '../../shared/adapters/dynamo/history-repository.js';
import { commitPacked, type Group, sum } from '../../shared/adapters/dynamo/transactions.js';
import { licenseAction, shipmentAction } from '../../shared/adapters/memory/shipment-repository.js';
import type { MemoryTableName, MemoryUpdate } from '../../shared/adapters/memory/tables.js';
import {
  MemoryInventoryRepository,
  MemoryLicenseRepository,
  MemoryShipmentRepository,
  MemoryTables,
} from '../../shared/adapters/memory.js';
import { inventoryKey } from '../../shared/domain/counters.js';
import { type HistoryEntry, historyKey } from '../../shared/domain/history.js';
import { indexKey } from '../../shared/domain/index-keys.js';
import type {
  CommitResult,
  HistoryRepository,
  LicenseGuard,
  LicenseRepository,
  RawItem,
  ShipmentRepository,
  ShipmentWrite,
} from '../../shared/domain/ports.js';
import type { KeyedStreamRecord } from '../../shared/engine/shipment-engine.js';
import type { SimAction, SimDynamo } from './dynamo.js';

/** One stream record (NEW_AND_OLD_IMAGES), keyed by the item's key. */
export type StreamEntry = KeyedStreamRecord;

/** Item sizes the WCU of hot writes is computed from (KB, rounded up per write). */
export interface ItemSizes {
  licenseKb: number;
  inventoryKb: number;
  /** A History entry. */
  historyKb: number;
  /** A shipment as the GSIs project it (ALL). */
  shipmentKb: number;
}

export const DEFAULT_SIZES: ItemSizes = { licenseKb: 2, inventoryKb: 1, shipmentKb: 1, historyKb: 1 };

/** MemoryTables' own item maps (private there): read for the old image and the end-state check only. */
type Stored = { items: Record<MemoryTableName, Map<string, RawItem>> };

/** The stored items of a table, not copies (1,000,000 copies would double the heap): read, never change. */
export const storedItems = (tables: MemoryTables, table: MemoryTableName): Iterable<RawItem> =>
  (tables as unknown as Stored).items[table].values();

/** MemoryTables that write the Licenses and Shipments streams and note releases. */
export class StreamedTables extends MemoryTables {
  private sequence = 0;
  /** While true, writes make no stream record (the starting state). */
  seeding = false;
  released = 0;
  lastReleaseAt = 0;

  constructor(
    private readonly clock: () => number,
    private readonly onRecord: (table: 'licenses' | 'shipments', entry: StreamEntry) => void,
  ) {
    super();
  }

  override write(table: MemoryTableName, key: string, next: RawItem): void {
    const streamed = !this.seeding && (table === 'licenses' || table === 'shipments');
    // The stored item itself, not a copy: the tables replace items, never change one in place.
    const old = streamed ? (this as unknown as Stored).items[table].get(key) : undefined;
    super.write(table, key, next);
    if (!streamed) return;
    if (table === 'shipments' && next.status === 'RELEASED' && old?.status === 'HELD') {
      this.released++;
      this.lastReleaseAt = this.clock();
    }
    this.onRecord(table, {
      sequence: String(++this.sequence).padStart(21, '0'),
      eventName: old === undefined ? 'INSERT' : 'MODIFY',
      key,
      ...(old ? { oldImage: old } : {}),
      newImage: next,
      at: new Date(this.clock()).toISOString(),
    });
  }
}

/** Counts of the writer's work. */
export interface WriterStats {
  /** TransactWriteItems of shipment writes that committed. */
  committed: number;
  attempts: number;
  retries: number;
  conflicts: number;
}

const wcu = (kb: number, factor: number) => factor * Math.max(1, Math.ceil(kb));

/** ShipmentRepository: reads through the memory adapter after a read's latency; `commit` as the DynamoDB adapter's. */
export class ModelShipmentRepository implements ShipmentRepository {
  readonly writer: WriterStats = { committed: 0, attempts: 0, retries: 0, conflicts: 0 };
  private readonly inner: MemoryShipmentRepository;

  constructor(
    private readonly tables: MemoryTables,
    private readonly sim: SimDynamo,
    private readonly sizes: ItemSizes = DEFAULT_SIZES,
  ) {
    this.inner = new MemoryShipmentRepository(tables, () => new Date(sim.clock.now()));
  }

  async page(...args: Parameters<ShipmentRepository['page']>) {
    await this.sim.read();
    return this.inner.page(...args);
  }

  async update(write: ShipmentWrite, entry?: HistoryEntry): Promise<boolean> {
    await this.sim.write(`shipments/${write.shipmentId}`);
    return this.inner.update(write, entry);
  }

  scan() {
    return this.inner.scan();
  }

  async countHeldByReason(licenseId: string) {
    await this.sim.read();
    return this.inner.countHeldByReason(licenseId);
  }

  async sumHeld(licenseId: string) {
    await this.sim.read();
    return this.inner.sumHeld(licenseId);
  }

  /** The DynamoDB adapter's commit (commitPacked), with SimDynamo in place of `db.send`. */
  async commit(writes: readonly ShipmentWrite[], guard?: LicenseGuard): Promise<CommitResult> {
    const result = await commitPacked(writes, guard, async (group) => {
      this.writer.attempts++;
      try {
        await this.sim.transact(this.actions(group, guard));
      } catch (error) {
        this.writer.retries++;
        throw error;
      }
      this.writer.committed++;
    });
    this.writer.conflicts += result.conflicts ?? 0;
    return result;
  }

  /** The group's actions in the adapter's order: shipments, counters, license. */
  private actions(group: Group, guard: LicenseGuard | undefined): SimAction[] {
    const now = new Date(this.sim.clock.now());
    const { sizes } = this;
    const shipments = group.writes.map((w) => {
      const licenseId = w.license?.licenseId ?? (w.expect.licenseId as string | undefined);
      // The GSI partition key the shipment leaves and the one it enters (the same key in both indexes).
      const key = licenseId === undefined ? undefined : indexKey(licenseId, w.shipmentId);
      const hot = key
        ? [
            { key: `gsi/held/${key}`, wcu: wcu(sizes.shipmentKb, 1) },
            { key: `gsi/released/${key}`, wcu: wcu(sizes.shipmentKb, 1) },
          ]
        : [];
      return this.action('shipments', w.shipmentId, shipmentAction(w, now), hot);
    });
    const inventory = [...group.inventory.values()].map((inv) => {
      const adds = Object.entries(inv.delta).filter(([, v]) => v !== 0);
      const key = inventoryKey(inv);
      return this.action(
        'inventory',
        key,
        {
          add: Object.fromEntries(adds.length > 0 ? adds : [['held', 0]]),
          also: (item) => item.sku !== undefined,
        },
        [{ key: `inventory/${key}`, wcu: wcu(sizes.inventoryKb, 2) }],
      );
    });
    const licenses = (
      guard
        ? [licenseAction(guard.licenseId, sum(group.licenses), guard)]
        : [...group.licenses].map(([id, delta]) => licenseAction(id, delta, undefined))
    ).map((a) =>
      this.action('licenses', a.key, a.update, [{ key: `license/${a.key}`, wcu: wcu(sizes.licenseKb, 2) }]),
    );
    return [...shipments, ...inventory, ...licenses];
  }

  private action(
    table: MemoryTableName,
    key: string,
    update: MemoryUpdate,
    hot: SimAction['hot'],
  ): SimAction {
    let next: RawItem | undefined;
    return {
      item: `${table}/${key}`,
      check: () => {
        next = this.tables.plan(table, key, update);
        return next !== undefined;
      },
      apply: () => {
        if (next !== undefined) this.tables.write(table, key, next);
        return true;
      },
      hot,
    };
  }
}

/** The License methods that are a TransactWriteItems (a decision with its History entry); the rest are single writes. */
const LICENSE_TRANSACTIONS = new Set(['startWork', 'amend', 'revertTerms', 'reject']);
const LICENSE_READS = new Set(['get', 'batchGet', 'scan']);

/**
 * LicenseRepository over the memory adapter: reads after a read's latency;
 * writes wait for any transaction's hold on the item to end, then take a
 * write's (or, for a decision, a transaction's) latency and the item's WCU.
 */
export function modelLicenses(tables: MemoryTables, sim: SimDynamo, sizes: ItemSizes = DEFAULT_SIZES) {
  const inner = new MemoryLicenseRepository(tables);
  return new Proxy(inner, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver);
      if (typeof name !== 'string' || typeof value !== 'function' || name === 'scan') return value;
      return async (...args: unknown[]) => {
        if (LICENSE_READS.has(name)) await sim.read();
        else {
          const id = String(args[0]);
          const tx = LICENSE_TRANSACTIONS.has(name);
          const hot = [{ key: `license/${id}`, wcu: wcu(sizes.licenseKb, tx ? 2 : 1) }];
          await sim.write(`licenses/${id}`, hot, tx ? 'tx' : 'write');
        }
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  }) as LicenseRepository;
}

/** InventoryRepository: reads after a read's latency. */
export function modelInventory(tables: MemoryTables, sim: SimDynamo): MemoryInventoryRepository {
  const inner = new MemoryInventoryRepository(tables);
  return {
    existing: async (keys) => {
      await sim.read();
      return inner.existing(keys);
    },
    skuExists: async (sku) => {
      await sim.read();
      return inner.skuExists(sku);
    },
    scan: () => inner.scan(),
  } as MemoryInventoryRepository;
}

/**
 * History through the product's own adapter (DynamoHistoryRepository:
 * transactions of up to 100 conditional puts, APPEND_CONCURRENCY at once;
 * once a transaction is throttled on a license's entries, that license's
 * entries as single conditional PutItems, SINGLE_PUT_CONCURRENCY at once, for
 * HOT_FOR_MS; its jittered pauses and its limit of attempts, after which the
 * batch fails and the stream retries it), with SimDynamo in place of
 * `db.send` (see {@link historyClient}). Entries are counted rather than
 * kept: 1,000,000 of them would only cost memory, and nothing in the model
 * reads them. Every entry of a license has the same partition key (the data
 * contract: `licenseId`, sort key `entryId`, which starts with the commit
 * time), so the key is hot: 2 WCU per entry in a transaction, 1 as a single
 * put, 1,000 WCU/s. Each shard's function instance has its own adapter
 * (`instance()`), so each learns on its own which keys are hot. The SDK's
 * own retries before the adapter sees an error are not modelled.
 */
export class CountingHistory {
  entries = 0;
  transactions = 0;
  /** Entries written as single PutItems (after a throttled transaction). */
  singlePuts = 0;
  /** Transactions and single puts throttled. */
  throttled = 0;
  /** Table contents, by key (shared by every instance). */
  readonly seen = new Set<string>();
  constructor(
    readonly sim: SimDynamo,
    readonly sizes: ItemSizes = DEFAULT_SIZES,
  ) {}

  /** The adapter of one function instance. */
  instance(): HistoryRepository {
    return new DynamoHistoryRepository(historyClient(this), 'History');
  }

  written(keys: readonly string[]): void {
    for (const k of keys) this.seen.add(k);
    this.entries += keys.length;
  }
}

/**
 * The document client the History adapter sends through, on SimDynamo: a
 * TransactWriteItems of Puts is one `transact` whose actions are the entries
 * (condition: not there yet; 2 WCU/KB on the license's History key); a
 * PutItem is one `put` (1 WCU/KB), answered as DynamoDB answers:
 * ProvisionedThroughputExceededException when the key is over its budget,
 * ConditionalCheckFailedException when the entry is there.
 */
function historyClient(table: CountingHistory): DynamoDBDocumentClient {
  const { sim, sizes } = table;
  const hotKey = (e: HistoryEntry, perKb: number) => [
    { key: `history/${e.licenseId}`, wcu: wcu(sizes.historyKb, perKb) },
  ];
  const client = {
    async send(command: unknown): Promise<unknown> {
      if (command instanceof TransactWriteCommand) {
        const entries = (command.input.TransactItems ?? []).map((t) => t.Put?.Item as HistoryEntry);
        try {
          await sim.transact(
            entries.map((e) => ({
              item: `history/${historyKey(e)}`,
              check: () => !table.seen.has(historyKey(e)),
              hot: hotKey(e, 2),
            })),
          );
        } catch (error) {
          if (isCancelledBy(error, 'ThrottlingError')) table.throttled++;
          throw error;
        }
        table.transactions++;
        table.written(entries.map(historyKey));
        return {};
      }
      if (command instanceof PutCommand) {
        const e = command.input.Item as HistoryEntry;
        if (!(await sim.put(`history/${historyKey(e)}`, hotKey(e, 1)))) {
          table.throttled++;
          throw new ProvisionedThroughputExceededException({
            message: 'The level of configured provisioned throughput for the table was exceeded',
            $metadata: {},
          });
        }
        if (table.seen.has(historyKey(e)))
          throw new ConditionalCheckFailedException({
            message: 'The conditional request failed',
            $metadata: {},
          });
        table.singlePuts++;
        table.written([historyKey(e)]);
        return {};
      }
      throw new Error(`the model's History client does not serve ${(command as object).constructor.name}`);
    },
  };
  return client as unknown as DynamoDBDocumentClient;
}
