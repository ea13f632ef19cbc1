import { inventoryKey } from '../../../shared/domain/counters.js';
import type { InventoryRepository, RawItem } from '../../../shared/domain/ports.js';
import { scanPages } from './license-repository.js';
import type { MemoryStore } from './store.js';

/** InventoryRepository over a MemoryStore: the Inventory table keyed by (sku, warehouseId). */
export class MemoryInventoryRepository implements InventoryRepository {
  constructor(private readonly store: MemoryStore) {}

  async existing(keys: readonly { sku: string; warehouseId: string }[]): Promise<Set<string>> {
    await this.store.enter('inventory.existing', [keys]);
    const found = new Set<string>();
    for (const k of keys) if (this.store.read('inventory', inventoryKey(k))) found.add(inventoryKey(k));
    return found;
  }

  async skuExists(sku: string): Promise<boolean> {
    await this.store.enter('inventory.skuExists', [sku]);
    return this.store.all('inventory').some((item) => item.sku === sku);
  }

  scan(): AsyncIterable<RawItem[]> {
    return scanPages(this.store, 'inventory.scan', () => this.store.all('inventory'));
  }
}
