import type { RawItem, TallyRepository } from '../../../shared/domain/ports.js';
import { keyOf, type MemoryStore } from './store.js';

/** The Tallies port over a MemoryStore (its transactions' updates are the shipment fake's, see tallyAction). */
export class MemoryTallyRepository implements TallyRepository {
  constructor(private readonly store: MemoryStore) {}

  async list(licenseId: string): Promise<RawItem[]> {
    await this.store.enter('tallies.list', [licenseId]);
    return this.store.all('tallies').filter((t) => t.licenseId === licenseId);
  }

  async remove(licenseId: string, event: string, transactions: number): Promise<boolean> {
    await this.store.enter('tallies.remove', [licenseId, event, transactions]);
    const key = keyOf('tallies', { licenseId, event });
    const item = this.store.get('tallies', key);
    if (item?.transactions !== transactions) return false;
    this.store.delete('tallies', key);
    return true;
  }
}
