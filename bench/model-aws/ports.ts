/**
 * The ports of the AWS model: the in-memory adapters (shared/adapters/memory,
 * whose sorted GSI partitions hold 1,000,000 shipments; the engine tests'
 * fakes re-sort a whole table on every page) behind SimDynamo's latency,
 * conflicts, hot-key and table budgets and the handlers' CPU, with the
 * Licenses and Shipments streams.
 *
 * The shipment writer is the DynamoDB adapter's (shipment-repository.ts
 * `commit`): the same `pack`, and on failure the same `classifyFailure` and
 * jittered `pause`; only `db.send` is SimDynamo's `transact`. A license
 * decision (a transaction with its History entry) goes through the adapter's
 * `updateWithEntry` and its retry of conflicts and throttling. History is the DynamoDB
 * adapter itself (history.ts). Errors reach the engines as they would from
 * the DynamoDB adapters: a single write that a transaction holds back throws
 * TransactionConflictException (the adapters rethrow it; the SDK does not
 * retry it).
 */

import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { updateWithEntry } from '../../shared/adapters/dynamo/history-repository.js';
import { commitPacked, type Group } from '../../shared/adapters/dynamo/transactions.js';
import { groupActions, type TransactAction } from '../../shared/adapters/memory/shipment-repository.js';
import type { MemoryTableName } from '../../shared/adapters/memory/tables.js';
import {
  MemoryInventoryRepository,
  MemoryLicenseRepository,
  MemoryShipmentRepository,
  MemoryTables,
} from '../../shared/adapters/memory.js';
import { type HistoryEntry, historyKey } from '../../shared/domain/history.js';
import { INDEX_KEY_SPREAD, indexKey } from '../../shared/domain/index-keys.js';
import type {
  CommitResult,
  LicenseGuard,
  LicenseRepository,
  RawItem,
  ShipmentPage,
  ShipmentRepository,
  ShipmentWrite,
} from '../../shared/domain/ports.js';
import type { KeyedStreamRecord } from '../../shared/engine/shipment-engine.js';
import { type HotUse, type SimAction, type SimDynamo, tableUse } from './dynamo.js';

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

/** Counts of the writer's work, and where its time went (ms, summed over the transaction slots). */
export interface WriterStats {
  /** TransactWriteItems of shipment writes that committed. */
  committed: number;
  attempts: number;
  retries: number;
  conflicts: number;
  /** Time in `commit` calls (each holds one of license-events' transaction slots), in all. */
  commitMs: number;
  /** Of which: building and sending transactions that committed (CPU and latency); that conflicted; that failed otherwise. */
  committedMs: number;
  conflictedMs: number;
  failedMs: number;
  /** License → its transactions' time in flight (CPU and latency), committed or not: one at a time per license. */
  inFlightMsByLicense: Map<string, number>;
}

const wcu = (kb: number, factor: number) => factor * Math.max(1, Math.ceil(kb));

/** What one Query call reads at most (1 MB, before any projection). */
const PAGE_BYTES = 1024 * 1024;

/** ShipmentRepository: reads through the memory adapter after a read's latency; `commit` as the DynamoDB adapter's. */
export class ModelShipmentRepository implements ShipmentRepository {
  readonly writer: WriterStats = {
    committed: 0,
    attempts: 0,
    retries: 0,
    conflicts: 0,
    commitMs: 0,
    committedMs: 0,
    conflictedMs: 0,
    failedMs: 0,
    inFlightMsByLicense: new Map(),
  };
  private readonly inner: MemoryShipmentRepository;

  constructor(
    private readonly tables: MemoryTables,
    private readonly sim: SimDynamo,
    private readonly sizes: ItemSizes = DEFAULT_SIZES,
  ) {
    this.inner = new MemoryShipmentRepository(tables, () => new Date(sim.clock.now()));
  }

  /**
   * As DynamoShipmentRepository.page: one Query per GSI key of the license
   * (INDEX_KEY_SPREAD) sent at once, done when the slowest answers; then the
   * answers parsed (a full page: each key's `limit` items; the last: what is
   * left) and the page's shipments planned, on the caller's CPU.
   */
  async page(...args: Parameters<ShipmentRepository['page']>): Promise<ShipmentPage> {
    await this.sim.read(INDEX_KEY_SPREAD);
    const page = await this.inner.page(...args);
    const limit = args[3];
    const parsed = page.next === undefined ? page.items.length : INDEX_KEY_SPREAD * limit;
    const { cpu } = this.sim.model;
    await this.sim.cpu(parsed * cpu.queryItemMs + page.items.length * cpu.planItemMs);
    return page;
  }

  /** A single UpdateItem, or with a History entry a transaction of both, retried on conflicts as updateWithEntry. */
  async update(write: ShipmentWrite, entry?: HistoryEntry): Promise<boolean> {
    const item = `shipments/${write.shipmentId}`;
    const use = [tableUse('shipments', this.sizes.shipmentKb, entry ? 2 : 1)];
    if (entry) await transactWithEntry(this.sim, this.sizes, item, use, entry);
    else {
      await this.sim.cpu(this.sim.model.cpu.singleWriteMs);
      await this.sim.write(item, use);
    }
    return this.inner.update(write, entry);
  }

  async get(shipmentId: string): Promise<RawItem | undefined> {
    await this.sim.read();
    return this.inner.get(shipmentId);
  }

  scan() {
    return this.inner.scan();
  }

  /**
   * As the adapter's licenseIndexPages: every 1 MB page of each of the
   * license's GSI keys, one after another, each a read and its parsing.
   * The answer is the index as the first page is read.
   */
  private async readIndex<T>(licenseId: string, answer: T): Promise<T> {
    const { shipments } = await this.inner.sumHeld(licenseId);
    const perPage = Math.max(1, Math.floor(PAGE_BYTES / (Math.max(1, this.sizes.shipmentKb) * 1024)));
    const perKey = Math.ceil(shipments / INDEX_KEY_SPREAD);
    const pages = INDEX_KEY_SPREAD * Math.max(1, Math.ceil(perKey / perPage));
    for (let i = 0; i < pages; i++) {
      await this.sim.read();
      await this.sim.cpu(this.sim.model.cpu.sumPageMs * Math.min(1, perKey / perPage));
    }
    return answer;
  }

  async countHeldByReason(licenseId: string) {
    return this.readIndex(licenseId, await this.inner.countHeldByReason(licenseId));
  }

  async sumHeld(licenseId: string) {
    return this.readIndex(licenseId, await this.inner.sumHeld(licenseId));
  }

  /** The DynamoDB adapter's commit (commitPacked), with SimDynamo in place of `db.send`. */
  async commit(writes: readonly ShipmentWrite[], guard?: LicenseGuard): Promise<CommitResult> {
    const w = this.writer;
    const began = this.sim.clock.now();
    try {
      const result = await commitPacked(writes, guard, async (group) => {
        w.attempts++;
        const sent = this.sim.clock.now();
        const actions = this.actions(group, guard);
        let outcome: 'committedMs' | 'conflictedMs' | 'failedMs' = 'failedMs';
        try {
          // Building, marshalling and signing the request: the caller's CPU, before it is sent.
          await this.sim.cpu((this.sim.model.cpu.releaseTxMs * actions.length) / 100);
          await this.sim.transact(actions);
          outcome = 'committedMs';
        } catch (error) {
          w.retries++;
          if (isConflict(error)) outcome = 'conflictedMs';
          throw error;
        } finally {
          const ms = this.sim.clock.now() - sent;
          w[outcome] += ms;
          if (guard)
            w.inFlightMsByLicense.set(
              guard.licenseId,
              (w.inFlightMsByLicense.get(guard.licenseId) ?? 0) + ms,
            );
        }
        w.committed++;
      });
      w.conflicts += result.conflicts ?? 0;
      return result;
    } finally {
      w.commitMs += this.sim.clock.now() - began;
    }
  }

  /** The group's actions as the memory adapter builds them (the adapter's order: shipments, counters, license), with what each writes of the hot keys and tables. */
  private actions(group: Group, guard: LicenseGuard | undefined): SimAction[] {
    const { sizes } = this;
    return groupActions(group, guard, new Date(this.sim.clock.now())).map((a, i) => {
      if (a.table === 'shipments') {
        const w = group.writes[i];
        const licenseId = w?.license?.licenseId ?? (w?.expect.licenseId as string | undefined);
        // The GSI partition key the shipment leaves and the one it enters (the same key in both indexes).
        const key =
          licenseId === undefined || w === undefined ? undefined : indexKey(licenseId, w.shipmentId);
        const hot: HotUse[] = key
          ? [
              { key: `gsi/held/${key}`, wcu: wcu(sizes.shipmentKb, 1) },
              { key: `gsi/released/${key}`, wcu: wcu(sizes.shipmentKb, 1) },
              tableUse('shipments.held', sizes.shipmentKb, 1),
              tableUse('shipments.released', sizes.shipmentKb, 1),
            ]
          : [];
        hot.push(tableUse('shipments', sizes.shipmentKb, 2));
        return this.action(a, hot);
      }
      const kb = a.table === 'inventory' ? sizes.inventoryKb : sizes.licenseKb;
      const name = a.table === 'inventory' ? 'inventory' : 'license';
      return this.action(a, [{ key: `${name}/${a.key}`, wcu: wcu(kb, 2) }, tableUse(a.table, kb, 2)]);
    });
  }

  private action({ table, key, update }: TransactAction, hot: SimAction['hot']): SimAction {
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

const isConflict = (error: unknown) =>
  error instanceof TransactionCanceledException &&
  (error.CancellationReasons ?? []).some((r) => r.Code === 'TransactionConflict');

/**
 * An item's update and a History entry in one TransactWriteItems, through
 * the adapter's updateWithEntry (its retries of TransactionConflict, and of
 * throttled cancellations for up to THROTTLED_PATIENCE_MS, with its pauses;
 * any other failure thrown) over SimDynamo. The condition is the
 * memory adapter's, applied after this commits (as DynamoDB would have
 * checked it at commit): a failed one costs the write units here too.
 */
async function transactWithEntry(
  sim: SimDynamo,
  sizes: ItemSizes,
  item: string,
  use: readonly HotUse[],
  entry: HistoryEntry,
): Promise<void> {
  const client = {
    send: async (_: TransactWriteCommand) => {
      await sim.cpu((sim.model.cpu.releaseTxMs * 2) / 100);
      await sim.transact([
        { item, check: () => true, hot: use },
        {
          item: `history/${historyKey(entry)}`,
          check: () => true,
          hot: [
            { key: `history/${entry.licenseId}`, wcu: wcu(sizes.historyKb, 2) },
            tableUse('history', sizes.historyKb, 2),
          ],
        },
      ]);
      return {};
    },
  } as unknown as DynamoDBDocumentClient;
  // The update expression is the memory adapter's to apply; the adapter's retry loop is what runs here.
  await updateWithEntry(
    client,
    { TableName: item.split('/')[0], Key: {}, UpdateExpression: '' },
    'History',
    entry,
  );
}

/** The License methods that are a TransactWriteItems (a decision with its History entry); the rest are single writes. */
const LICENSE_TRANSACTIONS = new Set(['startWork', 'amend', 'revertTerms', 'reject']);
// firstDecision is a Query of the license's History partition, made only for a license item never applied: one
// read here. On AWS it pages up to the first LICENSE_* entry, so a never-applied license whose backlog was taken
// in first reads every SHIPMENT_HELD entry once (about 300 B each: some 300 pages of 1 MB for 1,000,000); the
// model's licenses are applied PENDING before the approval (model.ts), so it is not reached.
const LICENSE_READS = new Set(['get', 'batchGet', 'scan', 'firstDecision']);

/** The History entry among a decision's arguments: a DecisionRecord's `entry`, or the entry itself. */
function entryOf(args: readonly unknown[]): HistoryEntry {
  for (const a of args) {
    if (typeof a !== 'object' || a === null) continue;
    const r = a as { entry?: HistoryEntry; entryId?: string };
    if (r.entry?.entryId) return r.entry;
    if (r.entryId) return a as HistoryEntry;
  }
  throw new Error('a license decision without its History entry');
}

/**
 * LicenseRepository over the memory adapter: reads after a read's latency;
 * a decision (startWork, amend, revertTerms, reject) as a transaction with
 * its History entry, retried on conflicts and throttling as the adapter's updateWithEntry;
 * any other write a single UpdateItem, which throws TransactionConflictException
 * while a transaction holds the license (DynamoLicenseRepository rethrows it).
 * Then the memory adapter applies the write (or finds its condition false).
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
          const use = [
            { key: `license/${id}`, wcu: wcu(sizes.licenseKb, tx ? 2 : 1) },
            tableUse('licenses', sizes.licenseKb, tx ? 2 : 1),
          ];
          if (tx) await transactWithEntry(sim, sizes, `licenses/${id}`, use, entryOf(args));
          else {
            await sim.cpu(sim.model.cpu.singleWriteMs);
            await sim.write(`licenses/${id}`, use);
          }
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
