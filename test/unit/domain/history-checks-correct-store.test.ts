/**
 * Checks of history-invariant.ts and license-limits.ts on stores that are
 * correct: a license applied before decisions were kept, a console copy
 * carrying its original's statusError, a tolerance removed (a lowering).
 */
import { describe, expect, it } from 'vitest';
import { checkHistory } from '../../../shared/domain/history-invariant.js';
import { loweredLimits } from '../../../shared/domain/license-limits.js';
import type { RawItem } from '../../../shared/domain/ports.js';

describe('licenseStatusViolations', () => {
  it('does not report a license applied before decisions were kept (no lastDecision, no appliedChanges), which the count check accepts', () => {
    const legacy: RawItem = { licenseId: 'LIC-OLD', status: 'APPROVED', appliedStatus: 'APPROVED' };
    expect(checkHistory({ licenses: [legacy], shipments: [], entries: [] })).toEqual([]);
  });
});

describe('rejectionViolations', () => {
  it('does not report a console copy (copiedFrom) that carries its original’s statusError, not yet taken in', () => {
    const original: RawItem = {
      shipmentId: 'S-1',
      licenseId: 'LIC-1',
      status: 'HELD',
      countedStatus: 'HELD',
      revision: 1,
      holdOrder: '0001#2026-01-01T00:00:00.000Z#S-1',
      statusError: 'Rejected status "Shipped": …',
    };
    const copy: RawItem = { ...original, shipmentId: 'S-1-copy' };
    const entries: RawItem[] = [
      {
        licenseId: 'LIC-1',
        entryId: 'a#S-1#r000001',
        eventType: 'SHIPMENT_HELD',
        shipmentId: 'S-1',
        status: 'HELD',
        previousStatus: null,
        at: 'a',
      },
      {
        licenseId: 'LIC-1',
        entryId: 'b#S-1#rejected',
        eventType: 'EDIT_REJECTED',
        shipmentId: 'S-1',
        at: 'b',
      },
    ];
    expect(checkHistory({ licenses: [], shipments: [original, copy], entries })).toEqual([]);
  });
});

describe('loweredLimits', () => {
  it('counts removing valueTolerancePercent (default 0) as lowering the value limit', () => {
    const e: RawItem = {
      licenseId: 'LIC-1',
      entryId: 'x',
      eventType: 'LICENSE_AMENDED',
      changes: 'valueTolerancePercent 10 → (none)',
    };
    expect(loweredLimits([e]).get('LIC-1')?.has('value')).toBe(true);
  });
});
