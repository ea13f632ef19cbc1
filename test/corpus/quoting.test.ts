/**
 * How rejections quote what an admin typed (shared/domain/model.ts showValue):
 * the quote lands in statusError, ops alerts and logs, so it is short, masks
 * email addresses, and costs the same for a 300 KB paste as for a typo.
 */
import { describe, expect, it } from 'vitest';
import { showValue } from '../../shared/domain/model.js';
import { HUGE } from './cases.js';

describe('quoting a typed value in a rejection', () => {
  it('cuts a 300 KB value to 80 characters and says how long it was, in linear time', () => {
    const started = performance.now();
    const shown = showValue(HUGE);
    expect(performance.now() - started).toBeLessThan(50);
    expect(shown).toBe(`${'X'.repeat(80)}… (307200 characters)`);
  });

  it('masks email addresses, also in JSON and next to other text', () => {
    expect(showValue('APPROVED per jane.doe@bafa.example')).toBe('APPROVED per j***@bafa.example');
    expect(showValue({ by: 'ops@acme.example' })).toBe('{"by":"o***@acme.example"}');
    expect(showValue('a@b c@d.e')).toBe('a***@b c***@d.e');
  });

  it('shows short values as typed and other types as JSON', () => {
    expect(showValue('APPROVD')).toBe('APPROVD');
    expect(showValue(1)).toBe('1');
    expect(showValue(undefined)).toBe('undefined');
    expect(showValue(['HELD'])).toBe('["HELD"]');
  });
});
