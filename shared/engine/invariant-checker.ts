import { checkHistory } from '../domain/history-invariant.js';
import {
  checkInvariants,
  type RecomputedCounters,
  type ShippedOverLimit,
  type Violation,
} from '../domain/invariants.js';
import type {
  HistoryReader,
  InventoryRepository,
  LicenseRepository,
  RawItem,
  ShipmentRepository,
} from '../domain/ports.js';

async function all(pages: AsyncIterable<RawItem[]>): Promise<RawItem[]> {
  const items: RawItem[] = [];
  for await (const page of pages) items.push(...page);
  return items;
}

/**
 * Scans the tables and checks I1–I3 (and lists licenses over a lowered limit
 * by shipped goods alone, one that History shows lowered when given it), and
 * I6 when given History; with `quiescentAt`, I1 "valid now" and dropped
 * shipments too (shared/domain/invariants.ts, CheckOptions). Used by tests, the
 * benchmark and `clearance reconcile`.
 *
 * The counters (Licenses, Inventory) are read to the end before Shipments is
 * scanned. A release or re-hold that commits between the two then changes a
 * counter after it was read, and `reconcile --fix`'s write, conditional on
 * the counter as read, fails. Scanned the other way round (or at once), a
 * release landing after its shipment was read HELD but before its license
 * was read looks like units drawn with no shipment behind them, and the fix
 * would lower `releasedQuantity` below what is drawn: the next pass would
 * then release past the limit. Changes that return the counter to the value
 * read (a re-hold, then a release of as many units) also fail the fix: it is
 * conditional on the item's `counterRevision` too, which every such write
 * adds 1 to.
 */
export async function scanAndCheck(
  repos: {
    licenses: LicenseRepository;
    shipments: ShipmentRepository;
    inventory: InventoryRepository;
    history?: HistoryReader;
  },
  /** Only for a store known to be quiescent at that time (tests, the demo): never `clearance reconcile`. */
  options: { quiescentAt?: Date } = {},
): Promise<{
  violations: Violation[];
  recomputed: RecomputedCounters[];
  shippedOverLimit: ShippedOverLimit[];
  counts: { licenses: number; shipments: number; inventory: number; history?: number };
}> {
  const [licenses, inventory] = await Promise.all([all(repos.licenses.scan()), all(repos.inventory.scan())]);
  const [shipments, entries] = await Promise.all([
    all(repos.shipments.scan()),
    repos.history ? all(repos.history.scan()) : undefined,
  ]);
  const checked = checkInvariants(
    { licenses, shipments, inventory },
    { ...options, ...(entries ? { entries } : {}) },
  );
  return {
    ...checked,
    violations: [...checked.violations, ...(entries ? checkHistory({ licenses, shipments, entries }) : [])],
    counts: {
      licenses: licenses.length,
      shipments: shipments.length,
      inventory: inventory.length,
      ...(entries ? { history: entries.length } : {}),
    },
  };
}
