import type { HistoryEntry } from '../../../shared/domain/history.js';
import type { HistoryReader, HistoryRepository, RawItem } from '../../../shared/domain/ports.js';
import { scanPages } from './license-repository.js';
import { keyOf, type MemoryStore } from './store.js';

/**
 * HistoryRepository over a MemoryStore, as the adapter appends: an entry is
 * put only if its (licenseId, entryId) is not there yet, so a redelivered
 * change leaves the one already written as it is.
 */
export class MemoryHistoryRepository implements HistoryRepository, HistoryReader {
  constructor(private readonly store: MemoryStore) {}

  async append(entries: readonly HistoryEntry[]): Promise<void> {
    await this.store.enter('history.append', [entries]);
    for (const entry of entries) putEntry(this.store, entry);
  }

  scan(): AsyncIterable<RawItem[]> {
    return scanPages(this.store, 'history.scan', () => this.store.all('history'));
  }
}

/** Puts `entry` unless its key is taken; false when it was. */
export function putEntry(store: MemoryStore, entry: HistoryEntry): boolean {
  const item = structuredClone(entry) as unknown as RawItem;
  const key = keyOf('history', item);
  if (store.tables.history.has(key)) return false;
  store.write('history', key, item);
  return true;
}
