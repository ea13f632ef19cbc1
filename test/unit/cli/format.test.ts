import { describe, expect, it } from 'vitest';
import { maskEmail, renderFields, renderTable, show, showEndpoint } from '../../../cli/format.js';

describe('renderTable', () => {
  it('aligns columns under their headers, numbers to the right', () => {
    const text = renderTable(
      [{ header: 'SKU' }, { header: 'HELD', align: 'right' }],
      [
        ['H20', '5'],
        ['B200X', '1,250'],
      ],
    );
    expect(text.split('\n')).toEqual(['SKU     HELD', '-----  -----', 'H20        5', 'B200X  1,250']);
  });

  it('leaves no trailing blanks when the last column is empty', () => {
    const text = renderTable([{ header: 'A' }, { header: 'NOTE' }], [['x', '']]);
    for (const line of text.split('\n')) expect(line).toBe(line.trimEnd());
  });

  it('keeps one row per entry: a line break typed in a reason shows as ↵, an escape as �', () => {
    const reason = 'BIS letter 117\n2026-03-02T00:00:00.000Z  LICENSE_REVOKED\r\n\u001b[2Jcleared';
    const table = renderTable([{ header: 'REASON' }, { header: 'ACTOR' }], [[reason, 'bob\tsmith']]);
    expect(table.split('\n')).toEqual([
      expect.stringMatching(/^REASON/),
      expect.stringMatching(/^-+/),
      'BIS letter 117 ↵ 2026-03-02T00:00:00.000Z  LICENSE_REVOKED ↵ \uFFFD[2Jcleared  bob\uFFFDsmith',
    ]);
    expect(renderFields([['Reason', 'a\nb']])).toBe('Reason: a ↵ b');
  });
});

describe('renderFields', () => {
  it('aligns values and leaves out undefined ones', () => {
    expect(
      renderFields([
        ['Status', 'APPROVED'],
        ['Status error', undefined],
        ['Released', 12],
      ]),
    ).toBe('Status:   APPROVED\nReleased: 12');
  });
});

describe('maskEmail', () => {
  it('keeps the first character and the domain only', () => {
    expect(maskEmail('alice@example.com')).toBe('a***@example.com');
  });

  it('hides anything that is not an address entirely', () => {
    expect(maskEmail('not-an-address')).toBe('***');
    expect(maskEmail('@example.com')).toBe('***');
  });

  it('masks email endpoints but shows queue ARNs and URLs', () => {
    expect(showEndpoint('email', 'bob@acme.example')).toBe('b***@acme.example');
    expect(showEndpoint('sqs', 'arn:aws:sqs:eu-west-1:123456789012:q')).toBe(
      'arn:aws:sqs:eu-west-1:123456789012:q',
    );
    expect(showEndpoint('https', 'https://hooks.example/x')).toBe('https://hooks.example/x');
  });
});

describe('show', () => {
  it('renders raw attribute values for people', () => {
    expect(show(undefined)).toBe('');
    expect(show(12)).toBe('12');
    expect(show(new Set(['a', 'b']))).toBe('a, b');
    expect(show({ a: 1 })).toBe('{"a":1}');
  });
});
