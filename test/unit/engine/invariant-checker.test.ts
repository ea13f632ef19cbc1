/**
 * scanAndCheck (what `clearance reconcile` runs) under a release that commits
 * while it scans. The counters are read before the shipments, so a change
 * between the two reads shows as a counter behind the shipments, which
 * reconcile's fix (conditional on the counter as read) cannot write; never as
 * units drawn with no shipment behind them, which it could, lowering
 * `releasedQuantity` below what is drawn.
 */
import { describe, expect, it } from 'vitest';
import { inventoryKey } from '../../../shared/domain/counters.js';
import type { RawItem } from '../../../shared/domain/ports.js';
import { scanAndCheck } from '../../../shared/engine/invariant-checker.js';
import { givenLicense } from '../../helpers/fakes/engine-kit.js';
import { memoryWorld } from '../../helpers/fakes/world.js';

describe('scanAndCheck under a concurrent release', () => {
  it('reads the counters before the shipments, so a release between the reads cannot look like units drawn for nothing', async () => {
    const w = memoryWorld();
    const lut = givenLicense(w, { authorizedQuantity: 100 });
    const shipment = lut.shipment({ quantity: 10 });
    w.seed.accepted([shipment]);
    const deps = w.licenseDeps();

    // The release commits right after the Shipments scan has read its page (the shipment still HELD).
    let released = false;
    const release = () => {
      const inv = w.counters(shipment.sku, shipment.warehouseId);
      w.console.edit('shipments', shipment.shipmentId, 'status', 'RELEASED');
      w.console.edit('shipments', shipment.shipmentId, 'countedStatus', 'RELEASED');
      w.console.edit('licenses', lut.licenseId, 'releasedQuantity', 10);
      w.console.edit('inventory', inventoryKey(shipment), 'held', Number(inv.held) - 10);
      w.console.edit('inventory', inventoryKey(shipment), 'released', Number(inv.released ?? 0) + 10);
      released = true;
    };
    const shipments = {
      ...deps.shipments,
      scan: async function* (): AsyncIterable<RawItem[]> {
        for await (const page of deps.shipments.scan()) {
          const copy = structuredClone(page);
          if (!released) release();
          yield copy;
        }
      },
    };
    // The Licenses scan reads once the release is in, or after a moment if nothing else runs first.
    const licenses = {
      ...deps.licenses,
      scan: async function* (): AsyncIterable<RawItem[]> {
        for (let waited = 0; !released && waited < 20; waited++) await new Promise((r) => setTimeout(r, 5));
        yield* deps.licenses.scan();
      },
    };

    const result = await scanAndCheck({ licenses, shipments: shipments as never, inventory: deps.inventory });
    const drawnForNothing = result.violations.filter(
      (v) => v.invariant === 'I2' && JSON.stringify(v).includes(lut.licenseId),
    );
    expect(released).toBe(true);
    expect(drawnForNothing).toEqual([]);
  });
});
