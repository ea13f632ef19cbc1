/**
 * The REASON column an auditor reads in `license history`, `shipment history`
 * and `report usage`: the person who set off a system decision
 * (OPERATIONS.md, "Answering an auditor") and the terms an amendment changed
 * (data-contract.md: "Auditors looking for amendments read `changes` …
 * `clearance license history` shows it") are shown whole, also when the
 * decider is an AWS identity, which is what every CLI decision records as
 * `updatedBy` (cli/identity.ts).
 */
import { describe, expect, it } from 'vitest';
import { checkBalance, reasonText, runningBalance } from '../../../cli/history.js';
import { licenseHistoryText, shipmentHistoryText, usageReportText } from '../../../cli/history-views.js';
import { usageReport } from '../../../cli/usage-report.js';
import type { HistoryEntry } from '../../../shared/domain/history.js';

const LIC = 'LIC-H20-0001';
/** What `clearance license approve` records as updatedBy on AWS (cli/identity.ts). */
const ALICE = 'arn:aws:sts::123456789012:assumed-role/ComplianceAdmin/alice';

const approval: HistoryEntry = {
  licenseId: LIC,
  entryId: '2026-03-01T09:00:00.000Z#license#t1',
  at: '2026-03-01T09:00:00.000Z',
  eventType: 'LICENSE_APPROVED',
  actor: ALICE,
  reason: 'BIS letter 117',
  status: 'APPROVED',
  previousStatus: 'PENDING',
};

const release: HistoryEntry = {
  licenseId: LIC,
  entryId: '2026-03-01T09:00:00.250Z#SHP-000042#r000002',
  at: '2026-03-01T09:00:00.250Z',
  eventType: 'SHIPMENT_RELEASED',
  actor: 'clearance',
  trigger: { eventType: 'LICENSE_APPROVED', actor: ALICE, reason: 'BIS letter 117' },
  shipmentId: 'SHP-000042',
  quantity: 10,
  value: 5000,
  status: 'RELEASED',
  previousStatus: 'HELD',
  holdReason: null,
  drawn: { quantity: 10, value: 5000 },
};

const amendment: HistoryEntry = {
  licenseId: LIC,
  entryId: '2026-04-01T09:00:00.000Z#license#t2',
  at: '2026-04-01T09:00:00.000Z',
  eventType: 'LICENSE_AMENDED',
  actor: ALICE,
  reason: 'BIS amendment letter 2026-117',
  status: 'APPROVED',
  previousStatus: 'APPROVED',
  changes: 'validUntil 2026-12-31T23:59:59.000Z → 2027-06-30T23:59:59.000Z',
};

/** The clock's expiry: the system's decision, carrying the license's decision before it as `trigger`. */
const expiry: HistoryEntry = {
  licenseId: LIC,
  entryId: '2027-06-30T23:59:59.100Z#license#t3',
  at: '2027-06-30T23:59:59.100Z',
  eventType: 'LICENSE_EXPIRED',
  actor: 'clearance',
  reason: 'validity window ended at 2027-06-30T23:59:59.000Z',
  trigger: { eventType: 'LICENSE_AMENDED', actor: ALICE, reason: 'BIS amendment letter 2026-117' },
  status: 'EXPIRED',
  previousStatus: 'APPROVED',
};

const license = { licenseId: LIC, releasedQuantity: 10, releasedValue: 5000 };

function licenseHistory(entries: HistoryEntry[]): string {
  const { rows, totals } = runningBalance(entries);
  return licenseHistoryText({ licenseId: LIC, rows, totals, check: checkBalance(LIC, totals.net, license) });
}

const rowWith = (text: string, needle: string) => text.split('\n').find((l) => l.includes(needle)) ?? '';

describe('the REASON column an auditor reads', () => {
  it('report usage names who set off a release, and why, when the approver is a CLI identity', () => {
    const text = usageReportText(
      usageReport({ licenses: [license], entries: [approval, release], window: {} }),
    );
    const row = rowWith(text, 'SHP-000042');
    expect(row).toContain(`after LICENSE_APPROVED by ${ALICE}: BIS letter 117`);
  });

  it('license history names who set off a release, and why, when the approver is a CLI identity', () => {
    const row = rowWith(licenseHistory([approval, release]), 'SHP-000042');
    expect(row).toContain(`after LICENSE_APPROVED by ${ALICE}: BIS letter 117`);
  });

  it('shipment history names who set off a release, and why, when the approver is a CLI identity', () => {
    const row = rowWith(shipmentHistoryText('SHP-000042', [release]), 'SHIPMENT_RELEASED');
    expect(row).toContain(`after LICENSE_APPROVED by ${ALICE}: BIS letter 117`);
  });

  it('license history shows every term an amendment changed, however long the reason', () => {
    const row = rowWith(licenseHistory([approval, release, amendment]), 'LICENSE_AMENDED');
    expect(row).toContain(
      'BIS amendment letter 2026-117; validUntil 2026-12-31T23:59:59.000Z → 2027-06-30T23:59:59.000Z',
    );
  });

  it('names the decision an expiry ended as the previous one, not as what set it off', () => {
    expect(reasonText(expiry)).toBe(
      `validity window ended at 2027-06-30T23:59:59.000Z; previous decision LICENSE_AMENDED by ${ALICE}: BIS amendment letter 2026-117`,
    );
    const row = rowWith(licenseHistory([approval, release, amendment, expiry]), 'LICENSE_EXPIRED');
    expect(row).not.toContain('after LICENSE_');
    expect(row).toContain('previous decision LICENSE_AMENDED');
  });

  it('keeps a reason typed with line breaks and control characters on its entry’s one row', () => {
    const typed: HistoryEntry = { ...amendment, reason: 'line one\nline two\r\n\u001b[31mred' };
    const text = licenseHistory([approval, typed]);
    const lines = text.split('\n');
    // Header, rule, two entries, then the balance lines: no row added by the reason.
    expect(lines[3]).toContain('line one ↵ line two ↵ \uFFFD[31mred; validUntil');
    expect(lines[3]).toContain('2027-06-30T23:59:59.000Z');
    expect(lines[4]).toBe('');
    expect(text).not.toContain('\u001b');
  });
});
