import { describe, expect, it } from 'vitest';
import { licenseTable, shipmentTable } from '../../../cli/views.js';
import { aLicense, aShipment } from '../../helpers/factories.js';

describe('views of items out of the contract', () => {
  it('license list shows a releasedQuantity typed as text as it is, not as 0', () => {
    const raw = {
      ...aLicense({ licenseId: 'LIC-T', appliedStatus: 'APPROVED', authorizedQuantity: 5000 }),
      releasedQuantity: '1200',
    };
    const row = licenseTable([raw]).split('\n')[2] ?? '';
    expect(row).toMatch(/INVALID/);
    expect(row).not.toMatch(/APPROVED\s+APPROVED\s+0\s+5,000/);
  });

  it('shipment list marks a counted shipment whose quantity was typed as text as invalid', () => {
    const raw = {
      ...aShipment({ shipmentId: 'SHP-T', status: 'RELEASED', countedStatus: 'RELEASED' }),
      quantity: '10',
    };
    const row = shipmentTable([raw]).split('\n')[2] ?? '';
    expect(row).toMatch(/INVALID/);
  });
});
