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
} from '../../../shared/engine/shipment-rejections.js';

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

  it('accepts a new shipment rejected as invalid (invalidRejection: no Inventory item)', () => {
    const r = invalidRejection('S-2', { ...old, shipmentId: 'S-2' }, [
      'there is no Inventory item for sku H20 at warehouse WH-9; create it (with onHand) or correct sku/warehouseId',
    ]);
    expect(alertGivesReason(r.alert.message, r.statusError)).toBe(true);
  });
});
