import {
  checkInvariants,
  type RecomputedCounters,
  type ShippedOverLimit,
  type Violation,
} from '../domain/invariants.js';
import type { InventoryRepository, LicenseRepository, RawItem, ShipmentRepository } from '../domain/ports.js';

async function all(pages: AsyncIterable<RawItem[]>): Promise<RawItem[]> {
  const items: RawItem[] = [];
  for await (const page of pages) items.push(...page);
  return items;
}

/** Scans the three tables and checks I1–I3 (and lists licenses over a lowered limit by shipped goods alone). Used by tests, the benchmark and `clearance reconcile`. */
export async function scanAndCheck(repos: {
  licenses: LicenseRepository;
  shipments: ShipmentRepository;
  inventory: InventoryRepository;
}): Promise<{
  violations: Violation[];
  recomputed: RecomputedCounters[];
  shippedOverLimit: ShippedOverLimit[];
  counts: { licenses: number; shipments: number; inventory: number };
}> {
  const [licenses, shipments, inventory] = await Promise.all([
    all(repos.licenses.scan()),
    all(repos.shipments.scan()),
    all(repos.inventory.scan()),
  ]);
  return {
    ...checkInvariants({ licenses, shipments, inventory }),
    counts: { licenses: licenses.length, shipments: shipments.length, inventory: inventory.length },
  };
}
