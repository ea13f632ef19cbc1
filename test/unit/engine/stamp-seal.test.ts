/**
 * A shipment's customerId changed by a find and replace over the whole item
 * (its countedAs stamp too, docs/system-attributes.md `countedAs`) before a
 * license pass reads it. DESIGN I4: "No customer ever receives another
 * customer's notification"; docs/messages.md "edit of F rejected": an accepted
 * shipment's customerId edit is rejected, alerted and the old value restored.
 * The stamp's seal (a digest of the id and the fixed fields as counted) is what
 * tells the pass the stamp was edited with the fields.
 */
import { describe, expect, it } from 'vitest';
import { countedAsItIs, countedAsOf, sealOf, stampOf } from '../../../shared/domain/counters.js';
import { apply, givenLicense, setStatus, settleShipments } from '../../helpers/fakes/engine-kit.js';
import { type MemoryWorld, memoryWorld } from '../../helpers/fakes/world.js';

/** A PENDING license of CUST-A with one shipment of CUST-A taken in (HELD, LICENSE_PENDING). */
async function heldForA(w: MemoryWorld) {
  const lut = givenLicense(w, { customerId: 'CUST-A', authorizedQuantity: 100 });
  const s = lut.shipment({ quantity: 30, priority: 1 });
  w.console.put('shipments', s);
  await settleShipments(w);
  return { lut, id: s.shipmentId };
}

/** The admin's find and replace of CUST-A by CUST-B over the item's JSON (stamp included): one PutItem. */
function findAndReplace(w: MemoryWorld, id: string) {
  const item = w.shipment(id);
  const stamp = item.countedAs as Record<string, unknown>;
  w.console.put('shipments', {
    ...item,
    customerId: 'CUST-B',
    countedAs: { ...stamp, customerId: 'CUST-B' },
  });
}

const customersTold = (w: MemoryWorld, id: string) => [
  ...new Set(
    w.publisher
      .to('customer')
      .filter((m) => m.body.includes(id))
      .map((m) => m.attributes.customerId),
  ),
];

describe('the countedAs seal', () => {
  const fields = {
    quantity: 30,
    sku: 'H20',
    warehouseId: 'WH-AMS',
    customerId: 'CUST-A',
    licenseId: 'LIC-1',
  };

  it('vouches for the fields it was made of, and for no others', () => {
    const stamp = stampOf({ shipmentId: 'SHP-1', ...fields });
    expect(countedAsItIs({ shipmentId: 'SHP-1', ...fields, countedAs: stamp })).toBe(true);
    // Field and stamp alike edited (a find and replace): the seal no longer matches.
    const forged = { ...stamp, customerId: 'CUST-B' };
    expect(countedAsItIs({ shipmentId: 'SHP-1', ...fields, customerId: 'CUST-B', countedAs: forged })).toBe(
      false,
    );
    // Another shipment's stamp (a copy): the seal names its own id.
    expect(countedAsItIs({ shipmentId: 'SHP-2', ...fields, countedAs: stamp })).toBe(false);
  });

  it('is not required of a stamp written before it existed', () => {
    expect(countedAsItIs({ shipmentId: 'SHP-1', ...fields, countedAs: { ...countedAsOf(fields) } })).toBe(
      true,
    );
    expect(sealOf('SHP-1', fields)).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('customer find-and-replaced (stamp too) before a license pass reads the shipment', () => {
  it("tells only CUST-A about CUST-A's shipment", async () => {
    const w = memoryWorld();
    const { lut, id } = await heldForA(w);
    findAndReplace(w, id); // shipment-events has not judged the edit yet
    await setStatus(w, lut.licenseId, 'APPROVED');
    await settleShipments(w);
    expect(customersTold(w, id)).toEqual(['CUST-A']);
  });

  it('rejects, alerts and sets back the customerId edit', async () => {
    const w = memoryWorld();
    const { lut, id } = await heldForA(w);
    findAndReplace(w, id);
    await setStatus(w, lut.licenseId, 'APPROVED');
    await settleShipments(w);
    expect({
      customerId: w.shipment(id).customerId,
      alerts: w.alerter.about(id).map((a) => a.subject),
    }).toEqual({ customerId: 'CUST-A', alerts: [`Shipment ${id}: edit of customerId, countedAs rejected`] });
  });

  it("releases CUST-A's shipment under CUST-A's approved license once the edit is set back", async () => {
    const w = memoryWorld();
    const { lut, id } = await heldForA(w);
    findAndReplace(w, id);
    await setStatus(w, lut.licenseId, 'APPROVED');
    await settleShipments(w);
    await apply(w, lut.licenseId); // the follow-up pass a set-back edit asks for
    await settleShipments(w);
    expect(w.shipment(id)).toMatchObject({ status: 'RELEASED', customerId: 'CUST-A' });
  });
});

describe('a stamp with a key this version does not know (written by a later one, before a rollback)', () => {
  it('is released by a pass: the write is conditional on the stamp as stored, unknown key included', async () => {
    const w = memoryWorld();
    const { lut, id } = await heldForA(w);
    const item = w.shipment(id);
    w.store.seed('shipments', {
      ...item,
      countedAs: { ...(item.countedAs as Record<string, unknown>), later: 'x' },
    });
    await setStatus(w, lut.licenseId, 'APPROVED');
    expect(w.shipment(id)).toMatchObject({ status: 'RELEASED', countedAs: { later: 'x' } });
  });
});
