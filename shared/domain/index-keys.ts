/**
 * Partition keys of the sparse Shipments GSIs (`byLicenseHeld`,
 * `byLicenseReleased`). One license's shipments are spread over
 * {@link INDEX_KEY_SPREAD} keys, so that releasing one large backlog is not
 * bound by one GSI partition key (1,000 WCU/s on AWS: about 1,000 releases a
 * second, since each release leaves the held index and enters the released
 * one). A shipment's key is a stable hash of its id, so it keeps its key when
 * it moves between the two indexes and every writer computes the same one.
 *
 * Key 0 is the bare license id, which is what every shipment carried before
 * the spread: such items stay readable in key 0 and leave it on their next
 * move, so no migration is needed. Keys 1–3 are `<licenseId>#<n>`; a license
 * id cannot contain `#` (see ID_PATTERN in model.ts), so no key of one
 * license is a key of another.
 *
 * Readers query every key of a license and merge the answers in `holdOrder`
 * (see the DynamoDB adapter's `page`).
 */
import { copiedFrom } from './planning.js';
import type { RawItem, ShipmentPage } from './ports.js';
import { fnv1a } from './routing.js';

/**
 * Keys per license in each Shipments GSI. One license has one transaction in
 * flight (it updates the license item), at most 98 releases per 25 ms, about
 * 3,900 a second: four keys of 1,000 WCU/s each carry that.
 */
export const INDEX_KEY_SPREAD = 4;

/** The GSI partition key of one shipment of a license: the same for the held and the released index. */
export function indexKey(licenseId: string, shipmentId: string): string {
  const n = fnv1a(shipmentId) % INDEX_KEY_SPREAD;
  return n === 0 ? licenseId : `${licenseId}#${n}`;
}

/** Every GSI partition key of one license, key 0 (the bare id) first. */
export function indexKeys(licenseId: string): string[] {
  return Array.from({ length: INDEX_KEY_SPREAD }, (_, n) => (n === 0 ? licenseId : `${licenseId}#${n}`));
}

/** The license a GSI partition key belongs to. */
export function licenseOfIndexKey(key: string): string {
  const hash = key.indexOf('#');
  return hash < 0 ? key : key.slice(0, hash);
}

/** One key's answer to a page query: its items in the page's order, and whether it stopped early. */
export interface KeyAnswer {
  items: RawItem[];
  /**
   * The key has items past the last one (DynamoDB's `LastEvaluatedKey`). Only
   * with items: an adapter reads on past an empty answer that has more.
   */
  more: boolean;
}

/**
 * Merges the answers of every key of a license into one page of at most
 * `limit` items in `holdOrder` (descending when `backward`). A key that has
 * more bounds the page at its last item, since its next items may sort
 * before the other keys' later ones; `next` is set when the page is full or
 * was bounded, as one key's `LastEvaluatedKey` would be. `sortKey` is the
 * index's sort attribute (`holdOrder`).
 */
export function mergePages(
  answers: readonly KeyAnswer[],
  limit: number,
  order: 'forward' | 'backward',
  sortKey: string,
): ShipmentPage {
  const sign = order === 'forward' ? 1 : -1;
  const keyOf = (item: RawItem) => String(item[sortKey]);
  const cmp = (a: string, b: string) => sign * (a < b ? -1 : a > b ? 1 : 0);
  let bound: string | undefined;
  for (const a of answers) {
    const last = a.items.at(-1);
    // Its next items could sort anywhere, so no page of the merge would be in order.
    if (a.more && last === undefined)
      throw new RangeError('mergePages: a key answered "more" with no items; read it on first');
    if (a.more && last !== undefined && (bound === undefined || cmp(keyOf(last), bound) < 0))
      bound = keyOf(last);
  }
  const merged = answers
    .flatMap((a) => a.items)
    .filter((item) => bound === undefined || cmp(keyOf(item), bound) <= 0)
    .sort((x, y) => cmp(keyOf(x), keyOf(y)))
    .slice(0, limit);
  const full = merged.length === limit || bound !== undefined;
  if (full) cutAtCopy(merged, keyOf);
  const last = merged.at(-1);
  return { items: merged, next: full && last !== undefined ? keyOf(last) : undefined };
}

/**
 * A console copy not yet taken in shares its original's sort key (its
 * `holdOrder` names the original, {@link copiedFrom}), and the next page reads
 * after that key (`>`): a page that ends at a copy would skip the original
 * past it. So a page ending at a copy ends before that key instead, and the
 * next page reads the whole tie; nothing is cut from a page that is all tie
 * (it must move on). Only copies share a key, so other pages are as read.
 */
function cutAtCopy(page: RawItem[], keyOf: (item: RawItem) => string): void {
  const last = page.at(-1);
  if (last === undefined || copiedFrom(last) === undefined) return;
  const tie = keyOf(last);
  let end = page.length;
  while (end > 0 && keyOf(page[end - 1] as RawItem) === tie) end--;
  if (end > 0) page.length = end;
}
