import { describe, expect, it } from 'vitest';
import { emptyTally, licenseDetail } from '../../../cli/views.js';
import { aLicense } from '../../helpers/factories.js';

/**
 * `license show` of a license out of the contract that names a value limit
 * gives the limit as typed, marked unverified, not "none (the license limits
 * quantity only)" above its INVALID line.
 */
describe('license show of an invalid license with a value limit', () => {
  it('shows the limit as typed, not as none', () => {
    const raw = {
      ...aLicense({
        licenseId: 'LIC-V',
        appliedStatus: 'APPROVED',
        authorizedValue: 50_000,
        valueTolerancePercent: 10,
      }),
      authorizedQuantity: 'ten',
    };
    const text = licenseDetail(raw, emptyTally('index'));
    expect(text).not.toMatch(/limits quantity only/);
    expect(text).toMatch(
      /Value limit:\s+50000 \+ 10% tolerance as typed \(unverified: the item is invalid\)/,
    );
  });
});
