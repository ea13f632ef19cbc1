/**
 * alertGivesReason (the I5 check of chaos and the demo) accepts the alert the
 * engine really sends for every rejection it writes: a field edit rejected
 * with a status edit and a fixed-field edit that also left the item invalid
 * keep `statusError` on one line while the alert breaks it into paragraphs,
 * and a new shipment rejected as invalid frames its problems differently.
 */
import { describe, expect, it } from 'vitest';
import type { RawItem } from '../../../shared/domain/ports.js';
import { alertGivesReason } from '../../../shared/domain/rejection-alerts.js';
import { withStatusEdit } from '../../../shared/engine/shipment-field-edits.js';
import {
  fixedFieldsRejection,
  immutableRejection,
  invalidRejection,
  statusRejection,
} from '../../../shared/engine/shipment-rejections.js';
import { withWholeSave } from '../../../shared/engine/shipment-saves.js';

const old: RawItem = {
  shipmentId: 'S-1',
  licenseId: 'LIC-1',
  customerId: 'C-1',
  sku: 'H20',
  warehouseId: 'WH-1',
  quantity: 10,
  priority: 1,
  requestedAt: '2026-01-01T00:00:00.000Z',
  status: 'RELEASED',
  countedStatus: 'RELEASED',
  revision: 2,
};

describe('alertGivesReason on the engine’s own rejections', () => {
  it('accepts a field edit rejected together with a status edit (withStatusEdit)', () => {
    const raw = { ...old, quantity: 20, status: 'SHIPPED' };
    const r = withStatusEdit(immutableRejection('S-1', raw, old, ['quantity']), raw, 'RELEASED');
    expect(alertGivesReason(r.alert.message, r.statusError)).toBe(true);
  });

  it('accepts a fixed-field edit that also left the item invalid (fixedFieldsRejection)', () => {
    const raw = { ...old, quantity: 20, priority: -1 };
    const r = fixedFieldsRejection('S-1', raw, old, ['quantity']);
    expect(r.statusError).toContain('priority');
    expect(alertGivesReason(r.alert.message, r.statusError)).toBe(true);
  });

  it('accepts a status rejection with the value saved with it set back (statusRejection with its save)', () => {
    const held = { ...old, status: 'HELD', countedStatus: 'HELD' };
    const raw = { ...held, status: 'SHIPPED', value: 500 };
    const verdict = { reason: 'HELD → SHIPPED is not allowed', severity: 'high' } as const;
    const saves = { saves: [{ oldImage: held, newImage: raw }], before: held };
    const r = statusRejection('S-1', raw, 'HELD', verdict, { saves });
    expect(r.statusError).toContain('value 500 removed (it had none)');
    expect(r.write).toMatchObject({ set: { status: 'HELD' }, remove: ['value'], expect: { value: 500 } });
    expect(alertGivesReason(r.alert.message, r.statusError)).toBe(true);
  });

  it('accepts a field rejection with the priority saved with it set back (withWholeSave)', () => {
    const raw = { ...old, quantity: 20, priority: 7 };
    const r = withWholeSave(immutableRejection('S-1', raw, old, ['quantity']), raw, {
      saves: [{ oldImage: old, newImage: raw }],
      before: old,
    });
    expect(r.statusError).toContain('priority set back from 7 to 1');
    expect(r.write).toMatchObject({
      set: { quantity: 10, priority: 1 },
      expect: { quantity: 20, priority: 7 },
    });
    expect(alertGivesReason(r.alert.message, r.statusError)).toBe(true);
  });

  it('accepts a fixed-field edit that left the item invalid, with a value saved with it set back (withWholeSave)', () => {
    const raw = { ...old, quantity: 20, priority: -1, value: 500 };
    const r = withWholeSave(fixedFieldsRejection('S-1', raw, old, ['quantity']), raw, {
      saves: [{ oldImage: old, newImage: raw }],
      before: old,
    });
    expect(r.statusError).toContain('value 500 removed (it had none)');
    expect(r.write).toMatchObject({ set: { quantity: 10, priority: 1 }, remove: ['value'] });
    expect(alertGivesReason(r.alert.message, r.statusError)).toBe(true);
  });

  it('accepts a new shipment rejected as invalid (invalidRejection: no Inventory item)', () => {
    const r = invalidRejection('S-2', { ...old, shipmentId: 'S-2' }, [
      'there is no Inventory item for sku H20 at warehouse WH-9; create it (with onHand) or correct sku/warehouseId',
    ]);
    expect(alertGivesReason(r.alert.message, r.statusError)).toBe(true);
  });
});
