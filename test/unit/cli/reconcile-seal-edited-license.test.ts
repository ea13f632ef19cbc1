/**
 * `clearance reconcile --fix` seals a three-field stamp (no customerId, no
 * licenseId) only when the item's customer, sku and index key agree with its
 * license, so that an edit waiting in the DLQ is not sealed in. An edit of
 * licenseId to a renewal of the same customer and sku leaves the index key
 * (heldLicenseId, the system's own record) naming the first license: the
 * stamp is left unsealed, and after the redrive sets the edit back a pass
 * still releases the shipment.
 */
import { describe, expect, it } from 'vitest';
import { sealWrite, unsealedStamps } from '../../../cli/reconcile-stamps.js';
import { countedAsOf } from '../../../shared/domain/counters.js';
import type { RawItem } from '../../../shared/domain/ports.js';
import { parseShipments } from '../../../shared/engine/license-work.js';
import { processShipmentRecords, recordShipmentHistory } from '../../../shared/engine/shipment-engine.js';
import { givenLicense, settleShipments } from '../../helpers/fakes/engine-kit.js';
import { memoryWorld } from '../../helpers/fakes/world.js';

describe('reconcile --fix and a three-field stamp whose licenseId edit waits in the DLQ', () => {
  it('does not seal an edited licenseId (a renewal of the same customer and sku) in: after the redrive a pass can release the shipment', async () => {
    const w = memoryWorld();
    const first = givenLicense(w, { customerId: 'CUST-A', authorizedQuantity: 100 });
    const renewal = givenLicense(w, {
      customerId: 'CUST-A',
      sku: first.license.sku,
      authorizedQuantity: 100,
    });
    const s = first.shipment({ quantity: 30, priority: 1 });
    w.console.put('shipments', s);
    await settleShipments(w);
    const { quantity, sku, warehouseId } = countedAsOf(s);
    // The stamp as the version before customerId, licenseId and the seal wrote it.
    w.store.seed('shipments', { ...w.shipment(s.shipmentId), countedAs: { quantity, sku, warehouseId } });

    // The admin moves it to the renewal; shipment-events' batch fails and waits in the DLQ.
    w.console.edit('shipments', s.shipmentId, 'licenseId', renewal.licenseId);
    const parked = w.shipmentRecords();
    expect(String(w.shipment(s.shipmentId).heldLicenseId), 'counted under the first').toContain(
      first.licenseId,
    );

    // clearance reconcile --fix: its seals, as the CLI writes them.
    for (const fix of unsealedStamps(w.items('shipments'), w.items('licenses')))
      await w.shipments.update(sealWrite(fix));
    await settleShipments(w);
    // clearance dlq redrive
    await recordShipmentHistory(w.shipmentDeps(), parked);
    await processShipmentRecords(w.shipmentDeps(), parked);
    await settleShipments(w);

    const item = w.shipment(s.shipmentId);
    expect(item.licenseId, 'the edit is set back').toBe(first.licenseId);
    expect((item.countedAs as RawItem | undefined)?.licenseId, 'no seal vouches for the renewal').not.toBe(
      renewal.licenseId,
    );
    expect(
      parseShipments([item]).map((x) => x.shipmentId),
      'a license pass can still release it',
    ).toEqual([s.shipmentId]);
  });
});
