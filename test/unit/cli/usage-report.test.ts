import { describe, expect, it } from 'vitest';
import { reportFormat } from '../../../cli/commands/history.js';
import { csvField, parseCsv, renderCsv } from '../../../cli/csv.js';
import { timeWindow } from '../../../cli/history.js';
import {
  drawnCell,
  reconciliationLines,
  unknownActorNote,
  usageReportText,
} from '../../../cli/history-views.js';
import { USAGE_CSV_HEADER, usageCsv, usageReport } from '../../../cli/usage-report.js';
import type { HistoryEntry } from '../../../shared/domain/history.js';

function draw(
  licenseId: string,
  at: string,
  shipmentId: string,
  quantity: number,
  value: number,
  extra: Partial<HistoryEntry> = {},
): HistoryEntry {
  return {
    licenseId,
    entryId: `${at}#${shipmentId}#r000001`,
    at,
    eventType: quantity > 0 ? 'SHIPMENT_RELEASED' : 'SHIPMENT_CANCELLED',
    actor: 'clearance',
    shipmentId,
    quantity: Math.abs(quantity),
    value: Math.abs(value),
    drawn: { quantity, value },
    ...extra,
  };
}

const entries: HistoryEntry[] = [
  draw('LIC-B', '2026-04-10T00:00:00.000Z', 'SHP-B1', 5, 500),
  draw('LIC-A', '2026-03-05T00:00:00.000Z', 'SHP-A1', 10, 1_000),
  draw('LIC-A', '2026-02-01T00:00:00.000Z', 'SHP-A0', 4, 400),
  draw('LIC-A', '2026-05-20T00:00:00.000Z', 'SHP-A1', -10, -1_000, { actor: 'unknown' }),
  // Moves nothing: not a row.
  draw('LIC-A', '2026-05-21T00:00:00.000Z', 'SHP-A2', 0, 0, { eventType: 'SHIPMENT_HOLD_UPDATED' }),
  {
    licenseId: 'LIC-A',
    entryId: '2026-01-01T00:00:00.000Z#license#t',
    at: '2026-01-01T00:00:00.000Z',
    eventType: 'LICENSE_APPROVED',
    actor: 'alice',
  },
];
const licenses = [
  { licenseId: 'LIC-A', releasedQuantity: 4, releasedValue: 400 },
  { licenseId: 'LIC-B', releasedQuantity: 5, releasedValue: 500 },
  { licenseId: 'LIC-C' },
];

describe('usageReport', () => {
  it('lists each draw and return in license and time order, with totals per license and overall', () => {
    const report = usageReport({ licenses, entries, window: {} });
    expect(report.rows.map((r) => [r.licenseId, r.shipmentId, r.quantity, r.value])).toEqual([
      ['LIC-A', 'SHP-A0', 4, 400],
      ['LIC-A', 'SHP-A1', 10, 1_000],
      ['LIC-A', 'SHP-A1', -10, -1_000],
      ['LIC-B', 'SHP-B1', 5, 500],
    ]);
    expect(report.licenses).toEqual([
      {
        licenseId: 'LIC-A',
        rows: 3,
        drew: { quantity: 14, value: 1_400 },
        returned: { quantity: 10, value: 1_000 },
        net: { quantity: 4, value: 400 },
      },
      {
        licenseId: 'LIC-B',
        rows: 1,
        drew: { quantity: 5, value: 500 },
        returned: { quantity: 0, value: 0 },
        net: { quantity: 5, value: 500 },
      },
    ]);
    expect(report.overall).toMatchObject({ rows: 4, net: { quantity: 9, value: 900 } });
  });

  it('reconciles every license, one without draws included, with releasedQuantity and releasedValue', () => {
    const report = usageReport({ licenses, entries, window: {} });
    expect(report.reconciliation).toEqual({
      kind: 'reconciled',
      licenses: 3,
      total: { quantity: 9, value: 900 },
    });
    expect(reconciliationLines(report.reconciliation)).toEqual([
      'reconciled: 3 licenses, total drawn 9 units / USD 900 match releasedQuantity/releasedValue',
    ]);
  });

  it('lists each difference, and a license that has entries but no item', () => {
    const report = usageReport({
      licenses: [{ ...licenses[0], releasedQuantity: 6 }, licenses[2] ?? {}],
      entries,
      window: {},
    });
    expect(report.reconciliation.kind).toBe('differs');
    expect(reconciliationLines(report.reconciliation)).toEqual([
      'NOT reconciled: 2 of 3 licenses differ from releasedQuantity/releasedValue (History nets 9 units / USD 900 in all):',
      '  - LIC-A: releasedQuantity is 6 but History nets 4 units (+2 on the license)',
      '  - LIC-B is not in the Licenses table, but its History entries net 5 units / $500',
      'Check them with `clearance reconcile` (I2: counters against shipments; I6: one History entry per change).',
    ]);
  });

  it('reports a window without reconciling it: the counters count the whole history', () => {
    const report = usageReport({
      licenses,
      entries,
      window: timeWindow({ from: '2026-03-01', to: '2026-05-31' }),
    });
    expect(report.rows.map((r) => r.at)).toEqual([
      '2026-03-05T00:00:00.000Z',
      '2026-05-20T00:00:00.000Z',
      '2026-04-10T00:00:00.000Z',
    ]);
    expect(report.window).toMatchObject({
      from: '2026-03-01T00:00:00.000Z',
      until: '2026-06-01T00:00:00.000Z',
    });
    expect(report.reconciliation.kind).toBe('windowed');
    expect(reconciliationLines(report.reconciliation)[0]).toMatch(
      /^not reconciled: the window \(2026-03-01T00:00:00.000Z to 2026-06-01T00:00:00.000Z \(exclusive\)\) holds part of the history.*run without --from\/--to/,
    );
  });

  it('renders tables with signed amounts, the totals and the verdict', () => {
    const text = usageReportText(usageReport({ licenses, entries, window: {} }));
    expect(text).toMatch(
      /LIC-A\s+2026-05-20T00:00:00.000Z\s+SHP-A1\s+SHIPMENT_CANCELLED\s+-10\s+-\$1,000\s+unknown/,
    );
    expect(text).toMatch(/LIC-A\s+3\s+14 units \/ \$1,400\s+10 units \/ \$1,000\s+4 units \/ \$400/);
    expect(text).toMatch(
      /Total: 4 draws and returns; drew 19 units \/ \$1,900, returned 10 units \/ \$1,000, net 9 units \/ \$900/,
    );
    expect(text).toMatch(/^reconciled: 3 licenses/m);
  });
});

describe('CSV', () => {
  it('quotes a field with a comma, quote, CR or LF, doubling its quotes (RFC 4180)', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "no"')).toBe('"say ""no"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\r')).toBe('"cr\r"');
    expect(csvField(-5)).toBe('-5');
    expect(csvField(undefined)).toBe('');
    expect(renderCsv(['a', 'b'], [[1, 'x,y']])).toBe('a,b\r\n1,"x,y"\r\n');
  });

  it('writes text a spreadsheet would run as a formula with a leading quote, numbers as numbers', () => {
    expect(csvField('=HYPERLINK("http://x.invalid","see")')).toBe(
      `"'=HYPERLINK(""http://x.invalid"",""see"")"`,
    );
    expect(csvField('+1 more')).toBe("'+1 more");
    expect(csvField('-cancel')).toBe("'-cancel");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField('\tx')).toBe("'\tx");
    expect(csvField('cli:local:alice')).toBe('cli:local:alice');
    expect(csvField(-30)).toBe('-30');
  });

  it('can be parsed back and summed to the report totals', () => {
    const tricky = draw('LIC-A', '2026-05-22T00:00:00.000Z', 'SHP-A9', 3, 300, {
      reason: 'customer said "cancel", then\nchanged their mind',
    });
    const report = usageReport({ licenses, entries: [...entries, tricky], window: {} });
    const [header, ...records] = parseCsv(usageCsv(report.rows));
    expect(header).toEqual([...USAGE_CSV_HEADER]);
    expect(records).toHaveLength(report.rows.length);
    const col = (name: string) => (header ?? []).indexOf(name);
    const sum = (name: string) => records.reduce((s, r) => s + Number(r[col(name)]), 0);
    expect(sum('quantity')).toBe(report.overall.net.quantity);
    expect(sum('value')).toBe(report.overall.net.value);
    expect(records.find((r) => r[col('shipmentId')] === 'SHP-A9')?.[col('reason')]).toBe(
      'customer said "cancel", then\nchanged their mind',
    );
  });
});

describe('--format', () => {
  it('defaults to a table, follows --json, and refuses anything else naming the choices', () => {
    expect(reportFormat(undefined, false)).toBe('table');
    expect(reportFormat('CSV', false)).toBe('csv');
    expect(reportFormat(undefined, true)).toBe('json');
    expect(() => reportFormat('xml', false)).toThrow('--format must be one of table, csv, json, not "xml"');
    expect(() => reportFormat('csv', true)).toThrow(/--json asks for JSON but --format asks for csv/);
  });
});

describe('history views', () => {
  it('shows a draw and a return in words', () => {
    expect(drawnCell({ quantity: 10, value: 5_000 })).toBe('drew 10 / $5,000');
    expect(drawnCell({ quantity: -10, value: -5_000 })).toBe('returned 10 / $5,000');
    expect(drawnCell({ quantity: 0, value: 0 })).toBe('');
  });

  it('explains unknown actors once, pointing to the audit trail', () => {
    expect(unknownActorNote(entries.slice(0, 2))).toEqual([]);
    const note = unknownActorNote(entries).join('\n');
    expect(note).toMatch(/1 entry names actor "unknown": the edit behind it set no updatedBy/);
    expect(note).toMatch(/CloudTrail audit trail records who wrote the item/);
  });
});
