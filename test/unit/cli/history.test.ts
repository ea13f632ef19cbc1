import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../cli/errors.js';
import {
  byEntryId,
  checkBalance,
  decidedBy,
  differenceText,
  inWindow,
  parseTimeOption,
  runningBalance,
  timeWindow,
  toEntry,
} from '../../../cli/history.js';
import type { HistoryEntry } from '../../../shared/domain/history.js';

const LIC = 'LIC-H20-0001';

/** A shipment entry as the engine writes it: `drawn` signed, the entry id from `at`, shipment and revision. */
function shipmentEntry(
  at: string,
  shipmentId: string,
  revision: number,
  drawn: { quantity: number; value: number },
  extra: Partial<HistoryEntry> = {},
): HistoryEntry {
  return {
    licenseId: LIC,
    entryId: `${at}#${shipmentId}#r${String(revision).padStart(6, '0')}`,
    at,
    eventType: drawn.quantity > 0 ? 'SHIPMENT_RELEASED' : 'SHIPMENT_REHELD',
    actor: 'clearance',
    shipmentId,
    quantity: Math.abs(drawn.quantity),
    value: Math.abs(drawn.value),
    drawn,
    ...extra,
  };
}

describe('toEntry', () => {
  it('reads a stored item, and names a missing actor unknown', () => {
    const e = toEntry({
      licenseId: LIC,
      entryId: '2026-03-01T00:00:00.000Z#license#t1',
      at: '2026-03-01T00:00:00.000Z',
      eventType: 'LICENSE_APPROVED',
      reason: 'BIS letter 117',
      previousStatus: null,
      drawn: { quantity: 'x' },
    });
    expect(e).toEqual({
      licenseId: LIC,
      entryId: '2026-03-01T00:00:00.000Z#license#t1',
      at: '2026-03-01T00:00:00.000Z',
      eventType: 'LICENSE_APPROVED',
      actor: 'unknown',
      reason: 'BIS letter 117',
      previousStatus: null,
      drawn: { quantity: 0, value: 0 },
    });
  });
});

describe('runningBalance', () => {
  it('sums draws and returns in time order; license entries and rejections move nothing', () => {
    const entries = [
      shipmentEntry('2026-03-02T10:00:00.000Z', 'SHP-2', 1, { quantity: 20, value: 8_000 }),
      {
        licenseId: LIC,
        entryId: '2026-03-01T09:00:00.000Z#license#tok',
        at: '2026-03-01T09:00:00.000Z',
        eventType: 'LICENSE_APPROVED',
        actor: 'alice',
      } satisfies HistoryEntry,
      shipmentEntry('2026-03-01T10:00:00.000Z', 'SHP-1', 1, { quantity: 10, value: 5_000 }),
      shipmentEntry('2026-04-01T10:00:00.000Z', 'SHP-1', 2, { quantity: -10, value: -5_000 }),
      {
        ...shipmentEntry('2026-04-02T10:00:00.000Z', 'SHP-3', 1, { quantity: 99, value: 99 }),
        entryId: '2026-04-02T10:00:00.000Z#SHP-3#rejected#1',
        eventType: 'EDIT_REJECTED',
      } satisfies HistoryEntry,
    ].sort(byEntryId);

    const { rows, totals } = runningBalance(entries);

    expect(rows.map((r) => [r.entry.entryId.slice(0, 13), r.balance])).toEqual([
      ['2026-03-01T09', { quantity: 0, value: 0 }],
      ['2026-03-01T10', { quantity: 10, value: 5_000 }],
      ['2026-03-02T10', { quantity: 30, value: 13_000 }],
      ['2026-04-01T10', { quantity: 20, value: 8_000 }],
      ['2026-04-02T10', { quantity: 20, value: 8_000 }],
    ]);
    expect(totals).toEqual({
      drew: { quantity: 30, value: 13_000 },
      returned: { quantity: 10, value: 5_000 },
      net: { quantity: 20, value: 8_000 },
    });
  });
});

describe('decidedBy', () => {
  it('names the person behind a system decision, and the terms an amendment changed', () => {
    const released = shipmentEntry(
      '2026-03-01T10:00:00.000Z',
      'SHP-1',
      1,
      { quantity: 10, value: 0 },
      {
        trigger: { eventType: 'LICENSE_APPROVED', actor: 'alice', reason: 'BIS letter 117' },
      },
    );
    expect(decidedBy(released)).toBe('by clearance after LICENSE_APPROVED by alice: BIS letter 117');
    const amended: HistoryEntry = {
      licenseId: LIC,
      entryId: 'x',
      at: 'x',
      eventType: 'LICENSE_AMENDED',
      actor: 'bob',
      reason: 'A-17',
      changes: 'authorizedQuantity 30 → 50',
    };
    expect(decidedBy(amended)).toBe('by bob: A-17; authorizedQuantity 30 → 50');
  });
});

describe('checkBalance', () => {
  const license = { licenseId: LIC, status: 'APPROVED', appliedStatus: 'APPROVED' };

  it('matches when History nets what the license says it released (absent counters are 0)', () => {
    expect(checkBalance(LIC, { quantity: 0, value: 0 }, license).matches).toBe(true);
    expect(
      checkBalance(
        LIC,
        { quantity: 20, value: 8_000 },
        { ...license, releasedQuantity: 20, releasedValue: 8_000 },
      ).matches,
    ).toBe(true);
  });

  it('names each attribute that differs and which side has more', () => {
    const c = checkBalance(
      LIC,
      { quantity: 20, value: 8_000 },
      { ...license, releasedQuantity: 25, releasedValue: 7_000 },
    );
    expect(c.matches).toBe(false);
    expect(differenceText(c)).toBe(
      `${LIC}: releasedQuantity is 25 but History nets 20 units (+5 on the license); releasedValue is $7,000 but History nets $8,000 (-$1,000 on the license)`,
    );
  });

  it('says when the license is gone, or still being applied', () => {
    expect(differenceText(checkBalance(LIC, { quantity: 5, value: 0 }, undefined))).toMatch(
      /LIC-H20-0001 is not in the Licenses table, but its History entries net 5 units/,
    );
    const busy = checkBalance(LIC, { quantity: 5, value: 0 }, { ...license, pendingWork: 'tok' });
    expect(differenceText(busy)).toMatch(/still applying a change to it: run again once it settles/);
  });
});

describe('--from / --to', () => {
  it('takes a date (a whole UTC day) or a time with a zone', () => {
    expect(parseTimeOption('--from', '2026-03-01')).toBe(Date.parse('2026-03-01T00:00:00Z'));
    expect(parseTimeOption('--to', '2026-05-31')).toBe(Date.parse('2026-06-01T00:00:00Z'));
    expect(parseTimeOption('--from', '2026-03-01T09:30:00+02:00')).toBe(Date.parse('2026-03-01T07:30:00Z'));
    expect(parseTimeOption('--to', '2026-03-01T09:30:00.250Z')).toBe(Date.parse('2026-03-01T09:30:00.251Z'));
  });

  it.each([
    ['March', /--from must be an ISO-8601 date \(2026-03-01\) or time with a zone .*not "March"/],
    ['2026-02-30', /not "2026-02-30"/],
    ['2026-13-01', /not "2026-13-01"/],
    ['2026-03-01T25:00:00Z', /not "2026-03-01T25:00:00Z"/],
    ['2026-03-01T09:00:00', /add Z for UTC: a time without a zone is ambiguous/],
  ])('refuses %s, naming the flag and the form it wants', (value, message) => {
    expect(() => parseTimeOption('--from', value)).toThrow(UsageError);
    expect(() => parseTimeOption('--from', value)).toThrow(message);
  });

  it('refuses a window that ends before it starts', () => {
    expect(() => timeWindow({ from: '2026-06-01', to: '2026-03-01' })).toThrow(
      /--from \(2026-06-01\) must come before --to \(2026-03-01\)/,
    );
  });

  it('includes --from and the whole --to day, and nothing outside', () => {
    const w = timeWindow({ from: '2026-03-01', to: '2026-05-31' });
    expect(inWindow('2026-02-28T23:59:59.999Z', w)).toBe(false);
    expect(inWindow('2026-03-01T00:00:00Z', w)).toBe(true);
    expect(inWindow('2026-05-31T23:59:59.999Z', w)).toBe(true);
    expect(inWindow('2026-06-01T00:00:00.000Z', w)).toBe(false);
    expect(inWindow('not a time', w)).toBe(false);
    expect(inWindow('not a time', {})).toBe(true);
  });
});
