/**
 * The shape of the writer's transactions, shared by the DynamoDB adapter, the
 * in-memory ports and the license engine (which fills transactions itself):
 * how shipment writes pack into one TransactWriteItems with their aggregated
 * counter and license updates, and the retry budgets of a transaction.
 */
import { inventoryKey } from './counters.js';
import { groupName, MAX_TALLY_GROUPS } from './event-tally.js';
import type { LicenseGuard, ShipmentWrite } from './ports.js';

/** DynamoDB allows 100 actions per TransactWriteItems. */
export const MAX_ACTIONS = 100;
/** Attempts of one transaction before a throttling, 5xx or timeout failure is reported. */
export const MAX_ATTEMPTS = 8;
/**
 * Attempts of one transaction cancelled with `TransactionConflict` (another
 * transaction held one of its items, e.g. an Inventory item another license
 * is releasing into) before it is reported. Larger than MAX_ATTEMPTS: with
 * licenses released concurrently a conflict is expected, not a fault.
 */
export const MAX_CONFLICT_ATTEMPTS = 25;

/** A change of a license's drawdown: `releasedQuantity` and `releasedValue`. */
export interface Drawdown {
  quantity: number;
  value: number;
}

/** Shipment writes that fit one transaction, with their counter and license updates aggregated. */
export interface Group {
  writes: ShipmentWrite[];
  /** Counter deltas per (sku, warehouse): one `Update` each. */
  inventory: Map<string, { sku: string; warehouseId: string; delta: Record<string, number> }>;
  /** Drawdown per license: one `Update` each, or one guarded update in all. */
  licenses: Map<string, Drawdown>;
  /** The tally groups its writes name (at most MAX_TALLY_GROUPS, shared/domain/event-tally.ts). */
  tallied: Set<string>;
}

const emptyGroup = (): Group => ({
  writes: [],
  inventory: new Map(),
  licenses: new Map(),
  tallied: new Set(),
});

/**
 * The actions of a group's transaction: with a guard, its one guarded license
 * update replaces the per-license ones, and a guard with a tally adds the
 * tally's update (shared/domain/event-tally.ts).
 */
const actionsOf = (g: Group, guard: LicenseGuard | undefined) =>
  g.writes.length + g.inventory.size + (guard ? 1 + (guard.tally ? 1 : 0) : g.licenses.size);

/**
 * Packs writes into groups that fit one transaction with their aggregated
 * counter and license updates, in the order given. With a guard, one action
 * is the guarded license update (98 releases and their one Inventory item fit),
 * and one more its event's tally update (97 fit); a transaction names at most
 * MAX_TALLY_GROUPS of the tally's groups.
 */
export function pack(writes: readonly ShipmentWrite[], guard: LicenseGuard | undefined): Group[] {
  const groups: Group[] = [];
  let current = emptyGroup();
  for (const write of writes) {
    const invKey = write.counters ? inventoryKey(write.counters) : undefined;
    const extra =
      1 +
      (invKey && !current.inventory.has(invKey) ? 1 : 0) +
      (write.license && !current.licenses.has(write.license.licenseId) && !guard ? 1 : 0);
    const tallied = guard?.tally && write.notice ? groupName(write.notice) : undefined;
    const newGroup = tallied !== undefined && !current.tallied.has(tallied) ? 1 : 0;
    if (
      current.writes.length > 0 &&
      (actionsOf(current, guard) + extra > MAX_ACTIONS || current.tallied.size + newGroup > MAX_TALLY_GROUPS)
    ) {
      groups.push(current);
      current = emptyGroup();
    }
    add(current, write, invKey);
    if (tallied !== undefined) current.tallied.add(tallied);
  }
  if (current.writes.length > 0) groups.push(current);
  return groups;
}

function add(group: Group, write: ShipmentWrite, invKey: string | undefined): void {
  group.writes.push(write);
  if (write.counters && invKey) {
    const entry = group.inventory.get(invKey) ?? {
      sku: write.counters.sku,
      warehouseId: write.counters.warehouseId,
      delta: { onHand: 0, held: 0, released: 0, shipped: 0 },
    };
    for (const [k, v] of Object.entries(write.counters.delta)) entry.delta[k] = (entry.delta[k] ?? 0) + v;
    group.inventory.set(invKey, entry);
  }
  if (write.license) {
    const entry = group.licenses.get(write.license.licenseId) ?? { quantity: 0, value: 0 };
    entry.quantity += write.license.quantity;
    entry.value += write.license.value;
    group.licenses.set(write.license.licenseId, entry);
  }
}

/** The sum of a group's license drawdowns: what the one guarded license update adds. */
export const sum = (m: Map<string, Drawdown>): Drawdown =>
  [...m.values()].reduce((a, b) => ({ quantity: a.quantity + b.quantity, value: a.value + b.value }), {
    quantity: 0,
    value: 0,
  });

/** The Inventory item a write's counters move, or '' for a write without counters (a relabel). */
export const counterKeyOf = (w: ShipmentWrite): string => (w.counters ? inventoryKey(w.counters) : '');

/**
 * Full jitter before conflict attempt `conflict + 1`: a random wait up to a
 * cap that doubles from 10 ms to 400 ms, so licenses that collided on an
 * Inventory item do not collide again in step.
 */
export const conflictPause = (conflict: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(400, 10 * 2 ** conflict)));
