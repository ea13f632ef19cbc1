/**
 * docs/OPERATIONS.md, "DLQ messages" step 4 (records gone): the repair of a change whose stream
 * record was lost is an edit of the item in the console that the system does not read (a `note`
 * attribute), which puts the item on the stream again; the system then does what the lost record
 * would have had it do. Saving an unchanged item writes no stream record, so it would not.
 */
import { describe, expect, it } from 'vitest';
import { apply, givenLicense, setStatus, settleShipments } from '../../helpers/fakes/engine-kit.js';
import { memoryWorld } from '../../helpers/fakes/world.js';

describe('an item edited again after its stream record was lost', () => {
  it("a license's approval whose record was lost is applied after a note edit", async () => {
    const w = memoryWorld();
    const lut = givenLicense(w);
    const s = lut.shipment({ priority: 5 });
    w.seed.accepted([s]);
    w.console.edit('licenses', lut.licenseId, 'status', 'APPROVED');
    w.licenseRecords(); // lost with its DLQ message
    w.console.edit('licenses', lut.licenseId, 'note', 'DLQ repair, ticket 42');
    await apply(w, lut.licenseId);
    await settleShipments(w);
    expect(w.license(lut.licenseId).appliedStatus).toBe('APPROVED');
    expect(w.shipment(s.shipmentId).status).toBe('RELEASED');
    expect(w.violations()).toEqual([]);
  });

  it('a new shipment whose INSERT record was lost is taken in and released after a note edit', async () => {
    const w = memoryWorld();
    const lut = givenLicense(w);
    await setStatus(w, lut.licenseId, 'APPROVED');
    const s = lut.shipment({ priority: 5 });
    w.console.put('shipments', s);
    w.shipmentRecords(); // lost
    expect(w.violations().map((v) => v.invariant)).toContain('I5');
    w.console.edit('shipments', s.shipmentId, 'note', 'DLQ repair, ticket 42');
    await settleShipments(w);
    await apply(w, lut.licenseId);
    await settleShipments(w);
    expect(w.shipment(s.shipmentId).countedStatus).toBe('RELEASED');
    expect(w.violations()).toEqual([]);
  });

  it('a SHIPPED edit whose record was lost is counted after a note edit', async () => {
    const w = memoryWorld();
    const lut = givenLicense(w);
    await setStatus(w, lut.licenseId, 'APPROVED');
    const s = lut.shipment({ priority: 5 });
    w.console.put('shipments', s);
    await settleShipments(w);
    await apply(w, lut.licenseId);
    await settleShipments(w);
    w.console.edit('shipments', s.shipmentId, 'status', 'SHIPPED');
    w.shipmentRecords(); // lost
    w.console.edit('shipments', s.shipmentId, 'note', 'DLQ repair, ticket 42');
    await settleShipments(w);
    expect(w.shipment(s.shipmentId).countedStatus).toBe('SHIPPED');
    expect(w.counters(lut.license.sku, 'WH-1')).toMatchObject({ released: 0, shipped: s.quantity });
    expect(w.violations()).toEqual([]);
  });
});
