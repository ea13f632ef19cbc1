/**
 * LICENSE_EXPIRING's subject gives the end of the window to the minute,
 * "never a bare date" (docs/messages.md, LICENSE_EXPIRING), whatever the
 * license id's length (ID_PATTERN allows 128): the id is cut, not the
 * deadline; LICENSE_DRAWDOWN's keeps its percentage the same way.
 */
import { describe, expect, it } from 'vitest';
import { drawdownCrossings } from '../../../shared/domain/compliance.js';
import { drawdownAlert, expiryAlert } from '../../../shared/domain/compliance-notices.js';
import { aLicense } from '../../helpers/factories.js';

const none = { shipments: 0, units: 0, value: 0 };

describe('LICENSE_EXPIRING subject of a license with a long id', () => {
  it('cuts the id, not the deadline (48-character licenseId)', () => {
    const licenseId = 'EXPORT-LIC-US-BIS-2026-000123-AMENDMENT-0002-DUV';
    expect(licenseId).toHaveLength(48);
    const alert = expiryAlert({
      license: { licenseId, customerId: 'C', sku: 'H20', validUntil: '2026-06-02T00:00:00.000Z' },
      lead: 7,
      now: new Date('2026-05-27T00:00:00.000Z'),
      released: { shipments: 1, units: 10, value: 0 },
      held: none,
      warehouses: ['WH-1'],
    });
    expect(alert.subject.length).toBeLessThanOrEqual(99);
    expect(alert.subject).toMatch(/\(until 2026-06-02 00:00 UTC\)$/);
  });

  it('keeps the drawdown percentage in the subject of a license with a 128-character id', () => {
    const licenseId = `LIC-${'X'.repeat(124)}`;
    const license = aLicense({ licenseId, authorizedQuantity: 100 });
    const crossings = drawdownCrossings(
      license,
      { quantity: 80, value: 0 },
      { quantity: [], value: [] },
      [80],
    );
    const [crossing] = crossings;
    expect(crossing).toBeDefined();
    if (!crossing) return;
    const alert = drawdownAlert({
      license,
      crossing,
      drawn: { quantity: 80, value: 0 },
      backlog: { shipments: 0, units: 0 },
      thresholds: [80],
    });
    expect(alert.subject.length).toBeLessThanOrEqual(99);
    expect(alert.subject).toMatch(/: 80 % of its quantity limit drawn$/);
  });
});
