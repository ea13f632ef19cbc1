/**
 * The in-memory adapters `clearance license simulate` runs the engine on keep
 * the DynamoDB adapters' semantics: the same port contract the DynamoDB
 * adapters pass on DynamoDB Local (test/integration/port-contract.test.ts),
 * then their sparse indexes over a backlog larger than a page.
 */
import { describe, expect, it } from 'vitest';
import {
  keyOf,
  MemoryHistoryRepository,
  MemoryInventoryRepository,
  MemoryLicenseRepository,
  MemoryShipmentRepository,
  MemoryTables,
} from '../../../shared/adapters/memory.js';
import type { RawItem } from '../../../shared/domain/ports.js';
import { GSI_ATTR } from '../../../shared/names.js';
import { nextId } from '../../helpers/factories.js';
import { describeHistoryContract } from '../../helpers/fakes/history-contract.js';
import {
  acceptedItem,
  type ContractSubject,
  describePortContract,
} from '../../helpers/fakes/port-contract.js';

const subject = (): ContractSubject => {
  const tables = new MemoryTables();
  return {
    licenses: new MemoryLicenseRepository(tables),
    shipments: new MemoryShipmentRepository(tables),
    inventory: new MemoryInventoryRepository(tables),
    history: new MemoryHistoryRepository(tables),
    put: async (table, item) => tables.put(table, item),
    get: async (table, key) => tables.get(table, keyOf(table, key)),
  };
};
// No tallies: `license simulate` sends no digest, so its adapters keep none (LicenseEngineDeps.digests undefined).
describePortContract('memory adapters', subject, { tallies: false });
describeHistoryContract('memory adapters', subject);

describe('memory adapters: sparse indexes', () => {
  const ids = (items: readonly RawItem[]) => items.map((i) => String(i.shipmentId));

  it('pages forward and backward through a backlog, following items that move between the indexes', async () => {
    const tables = new MemoryTables();
    const repo = new MemoryShipmentRepository(tables);
    const licenseId = nextId('LIC');
    const items = Array.from({ length: 2500 }, (_, i) =>
      acceptedItem({ licenseId, priority: 2500 - i, requestedAt: '2026-01-01T00:00:00.000Z' }),
    );
    for (const item of items) tables.put('shipments', item);
    const inOrder = ids([...items].reverse());
    const read = async (index: 'held' | 'released', order: 'forward' | 'backward' = 'forward') => {
      const out: RawItem[] = [];
      let after: string | undefined;
      do {
        const page = await repo.page(index, licenseId, after, 300, order);
        out.push(...page.items);
        after = page.next;
      } while (after !== undefined);
      return out;
    };
    expect(ids(await read('held'))).toEqual(inOrder);
    expect(ids(await read('held', 'backward'))).toEqual([...inOrder].reverse());
    // Release every other one: they leave the held index and enter the released one.
    for (const [i, item] of items.entries()) {
      if (i % 2 === 1) continue;
      const { [GSI_ATTR.heldLicenseId]: _held, ...rest } = item;
      tables.put('shipments', { ...rest, status: 'RELEASED', [GSI_ATTR.releasedLicenseId]: licenseId });
    }
    const released = inOrder.filter((_, i) => i % 2 === 1);
    expect(ids(await read('released'))).toEqual(released);
    expect(ids(await read('held'))).toEqual(inOrder.filter((_, i) => i % 2 === 0));
    // And back again: a re-held one is found at its place in hold order.
    const back = items[0] ?? {};
    tables.put('shipments', back);
    expect(ids(await read('held')).at(-1)).toBe(back.shipmentId);
    expect(ids(await read('released'))).toEqual(released.filter((id) => id !== back.shipmentId));
  });
});
