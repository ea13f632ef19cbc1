import { describe, expect, it } from 'vitest';
import { positive, whole } from '../../../cli/commands/wiring.js';

/**
 * The parsers of every numeric option that is not a license term: `--limit`
 * (shipment list, license simulate) is `whole`; `--timeout` (decisions, amend) and
 * `--max` (dlq list, dlq redrive) are `positive`. Number() alone would read text
 * that is not a decimal whole number as some other number; they accept digits
 * only, as `license amend --quantity` does.
 */
describe('numeric options (whole, positive)', () => {
  it.each([[''], [' '], ['\t']])(
    '--limit %j (an unset shell variable, a stray space) is refused, not read as 0 (which means "all")',
    (typed) => {
      expect(() => whole(typed)).toThrow();
    },
  );

  it('takes digits, with surrounding spaces, and refuses 0 where above 0 is asked', () => {
    expect(whole('0')).toBe(0);
    expect(whole(' 250 ')).toBe(250);
    expect(positive('7')).toBe(7);
    expect(() => positive('0')).toThrow('expected a whole number above 0, in digits only');
    expect(() => whole('99999999999999999999')).toThrow('in digits only');
  });

  it.each([
    ['1e3', 1000],
    ['0x10', 16],
    ['0b101', 5],
    ['5.0', 5],
  ])('--limit / --max / --timeout %j is refused as not a whole number in digits, not read as %d', (typed) => {
    expect(() => whole(typed)).toThrow();
    expect(() => positive(typed)).toThrow();
  });
});
