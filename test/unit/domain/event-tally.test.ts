import { describe, expect, it } from 'vitest';
import {
  byEventTime,
  MAX_TALLY_GROUPS,
  TALLY_ITEM_LINES,
  TALLY_LINES,
  type TallyNotice,
  type TallyTarget,
  tallyCommitted,
  tallyUpdateOf,
} from '../../../shared/domain/event-tally.js';
import type { LicenseGuard, ShipmentWrite } from '../../../shared/domain/ports.js';
import { MAX_ACTIONS, pack } from '../../../shared/domain/transactions.js';

const target = (): TallyTarget => ({
  licenseId: 'LIC-1',
  event: 'APPROVED@t',
  opened: 'tok',
  room: new Map(),
});
const notice = (i: number, warehouseId: string): TallyNotice => ({
  customerId: 'CUST-1',
  warehouseId,
  eventType: 'SHIPMENT_HOLD_UPDATED',
  line: { shipmentId: `SHP-${i}`, quantity: 1, sku: 'H20', holdReason: 'LICENSE_SUSPENDED' },
});
/** A relabel write (no counters, no license drawdown) of shipment `i` at `warehouseId`. */
const relabel = (i: number, warehouseId: string): ShipmentWrite => ({
  shipmentId: `SHP-${i}`,
  set: { holdReason: 'LICENSE_SUSPENDED' },
  bumpRevision: true,
  expect: { status: 'HELD' },
  notice: notice(i, warehouseId),
});

describe('a tally update stays within what DynamoDB accepts', () => {
  it('names at most MAX_TALLY_GROUPS groups a transaction: a relabel over 97 warehouses is cut into more', () => {
    const writes = Array.from({ length: 97 }, (_, i) => relabel(i, `WH-${i}`));
    const guard: LicenseGuard = { licenseId: 'LIC-1', expect: {}, authorizedQuantity: 10, tally: target() };
    const groups = pack(writes, guard);
    expect(groups.map((g) => g.writes.length)).toEqual([32, 32, 32, 1]);
    for (const g of groups) expect(g.tallied.size).toBeLessThanOrEqual(MAX_TALLY_GROUPS);
    // Without a tally only the action count cuts them.
    const untallied = pack(writes, { licenseId: 'LIC-1', expect: {}, authorizedQuantity: 10 });
    expect(untallied.map((g) => g.writes.length)).toEqual([97]);
    // One warehouse's relabels still fill a transaction: 98 beside the license and the tally update.
    const one = pack(
      Array.from({ length: 120 }, (_, i) => relabel(i, 'WH-1')),
      guard,
    );
    expect(one.map((g) => g.writes.length)).toEqual([MAX_ACTIONS - 2, 22]);
  });

  it('keeps at most TALLY_ITEM_LINES lines in the whole item, and counts every shipment past them', () => {
    const t = target();
    const warehouses = Math.ceil(TALLY_ITEM_LINES / TALLY_LINES) + 4;
    let kept = 0;
    let counted = 0;
    for (let w = 0; w < warehouses; w++) {
      const writes = Array.from({ length: 30 }, (_, i) => ({ notice: notice(w * 100 + i, `WH-${w}`) }));
      const update = tallyUpdateOf(t, writes, new Date(0));
      if (update === undefined) throw new Error('no update');
      tallyCommitted(t, update);
      kept += [...update.lines.values()].reduce((a, l) => a + l.length, 0);
      counted += [...update.add.values()].reduce((a, s) => a + s.count, 0);
    }
    expect(kept).toBe(TALLY_ITEM_LINES);
    expect(counted).toBe(warehouses * 30);
    // The last groups are counted with no lines.
    const late = tallyUpdateOf(t, [{ notice: notice(9999, 'WH-late') }], new Date(0));
    expect(late?.add.get('CUST-1|WH-late|SHIPMENT_HOLD_UPDATED')).toEqual({ count: 1, quantity: 1 });
    expect(late?.lines.size).toBe(0);
  });
});

describe('the order tallies are sent in', () => {
  it('orders tallies by the time of their event, not by the event type that leads their key', () => {
    const events = [
      'LICENSE_SUSPENDED@2026-06-01T12:00:30.000Z',
      'LICENSE_APPROVED@2026-06-01T12:01:30.000Z',
      'none',
      'LICENSE_AMENDED@2026-06-01T12:00:00.000Z',
    ];
    expect(
      events
        .map((event) => ({ event }))
        .sort(byEventTime)
        .map((t) => t.event),
    ).toEqual([
      'none',
      'LICENSE_AMENDED@2026-06-01T12:00:00.000Z',
      'LICENSE_SUSPENDED@2026-06-01T12:00:30.000Z',
      'LICENSE_APPROVED@2026-06-01T12:01:30.000Z',
    ]);
  });
});
