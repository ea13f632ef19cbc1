import { describe, expect, it } from 'vitest';
import { emptyTally, licenseDetail, shipmentTable, tally } from '../../../cli/views.js';
import { holdOrderKey } from '../../../shared/domain/planning.js';
import { aLicense, aShipment } from '../../helpers/factories.js';

/** A counted RELEASED shipment, and the console's "Duplicate item" of it (every attribute but the key), not taken in yet. */
function originalAndCopy() {
  const original = {
    ...aShipment({
      shipmentId: 'SHP-1',
      status: 'RELEASED',
      quantity: 40,
      value: 4000,
      countedStatus: 'RELEASED',
      revision: 2,
    }),
  } as Record<string, unknown>;
  original.holdOrder = holdOrderKey(original as never);
  original.releasedLicenseId = original.licenseId;
  const copy: Record<string, unknown> = { ...original, shipmentId: 'SHP-1-COPY' };
  return { original, copy };
}

describe('license show: a console copy not taken in yet is counted nowhere (OPERATIONS.md "A duplicated shipment")', () => {
  it('does not add the copy to the RELEASED units and value of the license', () => {
    const { original, copy } = originalAndCopy();
    const t = tally(emptyTally('index'), [original, copy]);
    expect(t.byStatus.RELEASED).toEqual({ shipments: 1, units: 40, value: 4000 });
  });

  it('license show does not print 80 released units against releasedQuantity 40', () => {
    const { original, copy } = originalAndCopy();
    const license = { ...aLicense({ appliedStatus: 'APPROVED', releasedQuantity: 40, releasedValue: 4000 }) };
    const text = licenseDetail(license, tally(emptyTally('index'), [original, copy]));
    const row = text.split('\n').find((l) => /^RELEASED\s/.test(l));
    expect(row).toMatch(/^RELEASED\s+1\s+40\s+\$4,000$/);
  });

  it('shipment list does not show the copy as an ordinary counted shipment', () => {
    const { original, copy } = originalAndCopy();
    const row =
      shipmentTable([original, copy])
        .split('\n')
        .find((l) => l.startsWith('SHP-1-COPY')) ?? '';
    // The NOTE column (last, after the warehouse) says what it is.
    const note = row
      .slice(row.lastIndexOf(String(copy.warehouseId)) + String(copy.warehouseId).length)
      .trim();
    expect(note).toBe('copy of SHP-1, not taken in yet');
  });
});
