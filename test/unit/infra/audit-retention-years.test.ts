/**
 * `-c auditRetentionYears` sets years of COMPLIANCE Object Lock, which cannot
 * be shortened once applied: only digits are read as a number, so that a
 * typo cannot become 16 or 100 years.
 */
import { describe, expect, it } from 'vitest';
import { auditRetentionYears, DEFAULT_AUDIT_RETENTION_YEARS } from '../../../infra/audit-trail.js';

describe('auditRetentionYears', () => {
  it.each([
    ['7', 7],
    [' 10 ', 10],
    [7, 7],
    [undefined, DEFAULT_AUDIT_RETENTION_YEARS],
  ])('reads %j as %d years', (value, years) => {
    expect(auditRetentionYears(value)).toBe(years);
  });

  it.each(['0x10', '1e2', '7.0', '+7', '0b11', '0o7', ' '])('fails on %j, quoting it', (value) => {
    expect(() => auditRetentionYears(value)).toThrow(
      `auditRetentionYears must be a whole number of years from 1 to 100, got ${JSON.stringify(value)}`,
    );
  });
});
