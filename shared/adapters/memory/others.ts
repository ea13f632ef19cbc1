import { inventoryKey } from '../../domain/counters.js';
import type { HistoryEntry } from '../../domain/history.js';
import type {
  Alerter,
  HistoryReader,
  HistoryRepository,
  InventoryRepository,
  OpsAlert,
  OutgoingMessage,
  Publisher,
  RawItem,
} from '../../domain/ports.js';
import { latestChange } from '../dynamo/history-repository.js';
import { putEntry, scanPages } from './license-repository.js';
import type { ItemStore, MemoryRepositoryOptions } from './tables.js';

/** InventoryRepository in memory: the Inventory table keyed by (sku, warehouseId). */
export class MemoryInventoryRepository implements InventoryRepository {
  constructor(
    private readonly tables: ItemStore,
    private readonly options: MemoryRepositoryOptions = {},
  ) {}

  async existing(keys: readonly { sku: string; warehouseId: string }[]): Promise<Set<string>> {
    await this.options.gate?.('inventory.existing', [keys]);
    return new Set(keys.map(inventoryKey).filter((k) => this.tables.get('inventory', k) !== undefined));
  }

  async skuExists(sku: string): Promise<boolean> {
    await this.options.gate?.('inventory.skuExists', [sku]);
    return this.tables.all('inventory').some((item) => item.sku === sku);
  }

  scan(): AsyncIterable<RawItem[]> {
    return scanPages(() => this.tables.all('inventory'), this.options, 'inventory.scan');
  }
}

/** HistoryRepository in memory: an entry is put only if its (licenseId, entryId) is not there yet. */
export class MemoryHistoryRepository implements HistoryRepository, HistoryReader {
  constructor(
    private readonly tables: ItemStore,
    private readonly options: MemoryRepositoryOptions = {},
  ) {}

  async append(entries: readonly HistoryEntry[]): Promise<void> {
    await this.options.gate?.('history.append', [entries]);
    for (const entry of entries) putEntry(this.tables, entry);
  }

  /** As the adapter's: the shipment's changes, the latest by `at` (then revision), rejected edits left out. */
  async lastShipmentChange(shipmentId: string): Promise<HistoryEntry | undefined> {
    await this.options.gate?.('history.lastShipmentChange', [shipmentId]);
    const changes = this.tables
      .all('history')
      .filter(
        (e) => e.shipmentId === shipmentId && e.eventType !== 'EDIT_REJECTED',
      ) as unknown as HistoryEntry[];
    return latestChange(changes);
  }

  scan(): AsyncIterable<RawItem[]> {
    return scanPages(() => this.tables.all('history'), this.options, 'history.scan');
  }
}

/** Publisher that keeps the messages it is given instead of sending them; none fails. */
export class MemoryPublisher implements Publisher {
  readonly published: { topic: 'customer' | 'logistics'; message: OutgoingMessage }[] = [];

  async publish(topic: 'customer' | 'logistics', messages: readonly OutgoingMessage[]): Promise<Set<string>> {
    for (const message of messages) this.published.push({ topic, message: structuredClone(message) });
    return new Set();
  }
}

/** Alerter that keeps the alerts it is given instead of sending them. */
export class RecordingAlerter implements Alerter {
  readonly alerts: OpsAlert[] = [];

  async alert(alerts: readonly OpsAlert[]): Promise<void> {
    this.alerts.push(...structuredClone(alerts));
  }
}
