/**
 * LICENSE_EXPIRING's subject gives the end of the window to the minute: a
 * license that ends at midnight UTC (2026-06-02T00:00:00Z) as a bare date
 * "(2026-06-02)" would read as valid through 2 June (docs/messages.md: never
 * a bare date, which would read as the whole day).
 */
import { describe, expect, it } from 'vitest';
import { expiryAlert } from '../../../shared/domain/compliance-notices.js';

const none = { shipments: 0, units: 0, value: 0 };

describe('LICENSE_EXPIRING subject', () => {
  it('announces a license ending at 2026-06-02T00:00:00Z as ending then, not as "(2026-06-02)"', () => {
    const alert = expiryAlert({
      license: { licenseId: 'LIC-M', customerId: 'C', sku: 'H20', validUntil: '2026-06-02T00:00:00.000Z' },
      lead: 1,
      now: new Date('2026-06-01T00:00:00.000Z'),
      released: { shipments: 1, units: 10, value: 0 },
      held: none,
      warehouses: ['WH-1'],
    });
    expect(alert.subject).not.toMatch(/\(2026-06-02\)$/);
    expect(alert.subject).toContain('2026-06-02 00:00 UTC');
  });

  it('says "less than an hour" left, not "0 hours", when announced in the last hour of the window', () => {
    const at = (now: string) =>
      expiryAlert({
        license: { licenseId: 'LIC-M', customerId: 'C', sku: 'H20', validUntil: '2026-06-02T00:00:00.000Z' },
        lead: 1,
        now: new Date(now),
        released: { shipments: 1, units: 10, value: 0 },
        held: none,
        warehouses: ['WH-1'],
      }).message;
    expect(at('2026-06-01T23:20:00.000Z')).toContain(
      'expires at 2026-06-02T00:00:00.000Z, in less than an hour',
    );
    expect(at('2026-06-01T22:20:00.000Z')).toContain(', in 1 hour (lead time');
    expect(at('2026-06-01T00:00:00.000Z')).toContain(', in 1 day (lead time');
  });
});
