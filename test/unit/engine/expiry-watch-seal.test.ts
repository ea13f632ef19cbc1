/**
 * The countedAs seal makes a find and replace over a shipment's JSON (its
 * stamp too) detectable. The expiry watch lists each RELEASED shipment under
 * its counted warehouse (docs/system-attributes.md `countedAs`): while a
 * stamp is edited, which that is is not known, so the lead waits for the
 * edit to be set back rather than tell the wrong warehouse, or none.
 */
import { describe, expect, it } from 'vitest';
import type { License, Shipment } from '../../../shared/domain/model.js';
import { clockTick } from '../../../shared/engine/clock.js';
import { clockWatchOf, givenLicense, setStatus, settleShipments } from '../../helpers/fakes/engine-kit.js';
import { type MemoryWorld, memoryWorld } from '../../helpers/fakes/world.js';

const DAY = 86_400_000;
const EXPIRING = 'LICENSE_EXPIRING';

async function expiringLicense(w: MemoryWorld, overrides: Partial<License> = {}) {
  const validUntil = new Date(w.now().getTime() + 40 * DAY).toISOString();
  const lut = givenLicense(w, { authorizedQuantity: 100, validUntil, ...overrides });
  const s = (o: Partial<Shipment>) => lut.shipment({ quantity: 10, value: 1_000, ...o });
  w.seed.accepted([
    s({ shipmentId: `${lut.licenseId}-A`, priority: 1, warehouseId: 'WH-1' }),
    s({ shipmentId: `${lut.licenseId}-B`, priority: 2, warehouseId: 'WH-2' }),
  ]);
  await setStatus(w, lut.licenseId, 'APPROVED');
  return { lut, validUntil };
}

describe('expiry watch over a find and replace of the stamp too (seal broken)', () => {
  it('tells the counted warehouse, not the edited one, of a RELEASED shipment whose warehouseId was find-and-replaced with the stamp', async () => {
    const w = memoryWorld();
    const { lut, validUntil } = await expiringLicense(w);
    const moved = `${lut.licenseId}-B`; // counted at WH-2
    const item = w.shipment(moved);
    expect(item.status).toBe('RELEASED');
    // The admin's find and replace WH-2 → WH-1 over the item's JSON, stamp included; shipment-events has not run.
    w.console.put('shipments', {
      ...item,
      warehouseId: 'WH-1',
      countedAs: { ...(item.countedAs as Record<string, unknown>), warehouseId: 'WH-1' },
    });
    w.setNow(new Date(Date.parse(validUntil) - 30 * DAY));
    const expiring = (warehouseId: string) =>
      w.publisher
        .to('logistics', 'digest')
        .filter((m) => m.attributes.eventType === EXPIRING && m.attributes.warehouseId === warehouseId)
        .map((d) => d.body)
        .join('\n');
    // The tick waits: nothing sent, nothing recorded.
    const busy = await clockTick(w.licenses, w.now(), w.newToken, clockWatchOf(w));
    expect(busy.expiring).toEqual([]);
    expect(expiring('WH-1')).not.toContain(moved);
    expect(w.alerter.compliance(lut.licenseId, EXPIRING)).toEqual([]);
    // shipment-events sets the edit back; the next tick sends the lead, B under WH-2.
    await settleShipments(w);
    expect(w.shipment(moved).warehouseId).toBe('WH-2');
    w.advance(60_000);
    const next = await clockTick(w.licenses, w.now(), w.newToken, clockWatchOf(w));
    expect(next.expiring).toEqual([lut.licenseId]);
    expect(expiring('WH-1')).not.toContain(moved);
    expect(expiring('WH-2')).toContain(moved);
  });
});
