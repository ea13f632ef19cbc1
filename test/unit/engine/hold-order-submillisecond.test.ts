/**
 * DESIGN §3 "requestedAt: ties within a priority go to the earlier request".
 * The contract accepts ISO-8601 UTC times with more than three fractional
 * digits (zod's z.iso.datetime(), as other systems export them:
 * `…00.000100Z`); the hold order (holdOrderKey, shared/domain/planning.ts)
 * keeps them, so two requests within one millisecond go in the order they
 * were made, not by shipmentId.
 */
import { describe, expect, it } from 'vitest';
import { holdOrderKey } from '../../../shared/domain/planning.js';
import {
  apply,
  expectInvariants,
  givenLicense,
  idsWith,
  settleShipments,
} from '../../helpers/fakes/engine-kit.js';
import { memoryWorld } from '../../helpers/fakes/world.js';

describe('hold order within a priority', () => {
  it('releases the earlier request (000100) before the later one (000900) of the same priority when they share a millisecond', async () => {
    const w = memoryWorld();
    const lut = givenLicense(w, { authorizedQuantity: 10 });
    const earlier = lut.shipment({
      shipmentId: 'SHP-B',
      priority: 1,
      quantity: 10,
      requestedAt: '2026-01-01T00:00:00.000100Z',
    });
    const later = lut.shipment({
      shipmentId: 'SHP-A',
      priority: 1,
      quantity: 10,
      requestedAt: '2026-01-01T00:00:00.000900Z',
    });
    w.console.put('shipments', earlier);
    w.console.put('shipments', later);
    await settleShipments(w);
    w.console.edit('licenses', lut.licenseId, 'status', 'APPROVED');
    await apply(w, lut.licenseId);
    await settleShipments(w);

    expect(idsWith(w, lut.licenseId, 'RELEASED')).toEqual(['SHP-B']);
    expectInvariants(w);
  });

  it('keys a time in milliseconds as before, and finer digits after it, in order', () => {
    const key = (requestedAt: string) => holdOrderKey({ priority: 1, requestedAt, shipmentId: 'S' });
    expect(key('2026-01-01T00:00:00.000Z')).toBe('000001#2026-01-01T00:00:00.000Z#S');
    expect(key('2026-01-01T00:00:00Z')).toBe('000001#2026-01-01T00:00:00.000Z#S');
    expect(key('2026-01-01T00:00:00.000000Z')).toBe('000001#2026-01-01T00:00:00.000Z#S');
    const ordered = [
      '2026-01-01T00:00:00.000Z',
      '2026-01-01T00:00:00.000000001Z',
      '2026-01-01T00:00:00.0001Z',
      '2026-01-01T00:00:00.000900Z',
      '2026-01-01T00:00:00.001Z',
    ].map(key);
    expect([...ordered].sort()).toEqual(ordered);
  });
});
