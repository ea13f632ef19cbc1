/**
 * The spread of one license over several GSI partition keys, and the merge
 * that reads them back as one index in `holdOrder`.
 */
import { describe, expect, it } from 'vitest';
import {
  INDEX_KEY_SPREAD,
  indexKey,
  indexKeys,
  type KeyAnswer,
  licenseOfIndexKey,
  mergePages,
} from '../../../shared/domain/index-keys.js';
import type { RawItem } from '../../../shared/domain/ports.js';

const item = (holdOrder: string): RawItem => ({ shipmentId: `S-${holdOrder}`, holdOrder });
const orders = (items: readonly RawItem[]) => items.map((x) => x.holdOrder);

describe('indexKey', () => {
  it('is the same for a shipment every time, one of the license’s keys, with key 0 the bare license id', () => {
    const keys = indexKeys('EAR-1');
    expect(keys).toEqual(['EAR-1', 'EAR-1#1', 'EAR-1#2', 'EAR-1#3'].slice(0, INDEX_KEY_SPREAD));
    for (let i = 0; i < 50; i++) {
      const key = indexKey('EAR-1', `SHP-${i}`);
      expect(keys).toContain(key);
      expect(indexKey('EAR-1', `SHP-${i}`)).toBe(key);
      expect(licenseOfIndexKey(key)).toBe('EAR-1');
    }
    expect(licenseOfIndexKey('EAR-1')).toBe('EAR-1');
  });

  it('spreads a large backlog about evenly, so no key carries much more than its share', () => {
    const counts = new Map<string, number>();
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const key = indexKey('EAR-1', `SHP-2026-${String(i).padStart(7, '0')}`);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(INDEX_KEY_SPREAD);
    for (const c of counts.values()) expect(c / (n / INDEX_KEY_SPREAD)).toBeCloseTo(1, 1);
  });
});

describe('mergePages', () => {
  it('merges full answers into the first `limit` in order, with `next` at the last', () => {
    const answers: KeyAnswer[] = [
      { items: ['a', 'd', 'g'].map(item), more: true },
      { items: ['b', 'c', 'h'].map(item), more: true },
      { items: ['e'].map(item), more: false },
    ];
    const page = mergePages(answers, 3, 'forward', 'holdOrder');
    expect(orders(page.items)).toEqual(['a', 'b', 'c']);
    expect(page.next).toBe('c');
  });

  it('stops at the last item of a key that has more, even when the page is not full (a 1 MB answer)', () => {
    const answers: KeyAnswer[] = [
      { items: ['a', 'c'].map(item), more: true },
      { items: ['b', 'd', 'e', 'f'].map(item), more: false },
    ];
    const page = mergePages(answers, 10, 'forward', 'holdOrder');
    expect(orders(page.items), 'd–f wait: the first key may have items before them').toEqual(['a', 'b', 'c']);
    expect(page.next).toBe('c');
  });

  it('refuses an answer that has more but no items, which could not bound the page', () => {
    const answers: KeyAnswer[] = [
      { items: [], more: true },
      { items: ['b'].map(item), more: false },
    ];
    expect(() => mergePages(answers, 5, 'forward', 'holdOrder')).toThrow(/"more" with no items/);
  });

  it('ends (no `next`) when no key has more and the page is short', () => {
    const page = mergePages(
      [
        { items: ['b'].map(item), more: false },
        { items: ['a'].map(item), more: false },
        { items: [], more: false },
      ],
      5,
      'forward',
      'holdOrder',
    );
    expect(orders(page.items)).toEqual(['a', 'b']);
    expect(page.next).toBeUndefined();
  });

  it('reads backward in descending order, bounded the same way', () => {
    const answers: KeyAnswer[] = [
      { items: ['z', 'w'].map(item), more: true },
      { items: ['y', 'x', 'v'].map(item), more: false },
    ];
    const page = mergePages(answers, 10, 'backward', 'holdOrder');
    expect(orders(page.items)).toEqual(['z', 'y', 'x', 'w']);
    expect(page.next).toBe('w');
  });

  it('pages through keys of any sizes exactly once each, in order, whatever the limit', () => {
    const all = Array.from({ length: 40 }, (_, i) => `k${String(i).padStart(2, '0')}`);
    const keys = [
      all.filter((_, i) => i % 7 === 0),
      all.filter((_, i) => i % 7 !== 0 && i % 2 === 0),
      all.filter((_, i) => i % 7 !== 0 && i % 2 === 1),
      [],
    ];
    for (const limit of [1, 3, 8, 50]) {
      const read: string[] = [];
      let after: string | undefined;
      do {
        const answers = keys.map((k) => {
          const rest = k.filter((o) => after === undefined || o > after);
          return { items: rest.slice(0, limit).map(item), more: rest.length >= limit };
        });
        const page = mergePages(answers, limit, 'forward', 'holdOrder');
        read.push(...orders(page.items).map(String));
        after = page.next;
      } while (after !== undefined);
      expect(read, `limit ${limit}`).toEqual(all);
    }
  });

  it('ends a full page before a console copy (its holdOrder names another shipment), so the tie is read whole next', () => {
    const shipment = (priority: number, id: string, of = id): RawItem => ({
      shipmentId: id,
      holdOrder: `00000${priority}#2026-12-01T00:00:00.000Z#${of}`,
    });
    const [a, original, copy, b] = [
      shipment(1, 'A'),
      shipment(2, 'O'),
      shipment(2, 'C', 'O'),
      shipment(3, 'B'),
    ];
    const page = (items: RawItem[], limit: number, order: 'forward' | 'backward' = 'forward') =>
      mergePages([{ items, more: true }], limit, order, 'holdOrder');
    // The copy sorts first within the tie here: the page must not end at it, or `> tie` skips the original.
    expect(page([a, copy, original], 2)).toEqual({ items: [a], next: a.holdOrder });
    expect(page([a, original, copy, b], 3), 'the whole tie goes').toEqual({ items: [a], next: a.holdOrder });
    expect(page([b, copy, original], 2, 'backward')).toEqual({ items: [b], next: b.holdOrder });
    // Ending at the original (the copy past it is skipped, as passes skip copies) or elsewhere: as read.
    expect(page([a, original], 2)).toEqual({ items: [a, original], next: original.holdOrder });
    // A page that is all tie must move on.
    expect(page([copy, original], 2)).toEqual({ items: [copy, original], next: original.holdOrder });
    // A short last page has no next and is not cut.
    expect(mergePages([{ items: [a, copy], more: false }], 5, 'forward', 'holdOrder')).toEqual({
      items: [a, copy],
      next: undefined,
    });
  });
});
