import { describe, expect, it } from 'vitest';
import { parseTimeOption } from '../../../cli/history.js';

/**
 * `report usage --from/--to` with a date (YYYY-MM-DD) once went through Date.UTC,
 * which maps the years 0–99 to 1900–1999: a mistyped `0026-03-01` (for 2026)
 * opened the window in 1926, whereas the same day typed as a time
 * (`0026-03-01T00:00:00Z`) is read as the year 26. `license simulate --at`
 * refuses the same date. Either refuse a year before 1970 or read it as typed;
 * never another year.
 */
describe('report usage --from / --to with a date of a year below 100', () => {
  it('--from 0026-03-01 is read as the year 26, as typed, never as 1926-03-01', () => {
    let read: string | undefined;
    try {
      read = new Date(parseTimeOption('--from', '0026-03-01')).toISOString();
    } catch {
      read = undefined; // refused: fine
    }
    expect(read === undefined || read === '0026-03-01T00:00:00.000Z').toBe(true);
    expect(read).not.toBe('1926-03-01T00:00:00.000Z');
  });
});
