import {
  HOLD_REASONS,
  type License,
  LicenseSchema,
  parseItem,
  SHIPMENT_STATUSES,
} from '../shared/domain/model.js';
import { copiedFrom, type Remaining, remainingOf, valueCap } from '../shared/domain/planning.js';
import type { RawItem } from '../shared/domain/ports.js';
import { pendingAmendment, remainingText } from './amend-plan.js';
import { clip, count, countOf, renderFields, renderTable, show, usd } from './format.js';

/** Pure renderers of licenses: items in, text for people out. */

/** What the CLI works out about a license for `--json` (never stored). */
export interface LicenseDerived {
  /** `floor(authorizedValue × (100 + valueTolerancePercent) / 100)`; null: the license limits quantity only. */
  valueCap: number | null;
  /** Units (and, under a value limit, dollars) left to release; null when the item is invalid. */
  remaining: Remaining | null;
  /** Terms edited but not applied yet, compared with `appliedTerms`; null when there is none. */
  unappliedAmendment: { changes: string; rejectedBecause?: string } | null;
}

const parsedLicense = (raw: RawItem): License | undefined => {
  const parsed = parseItem(LicenseSchema, raw);
  return parsed.ok ? parsed.value : undefined;
};

export function licenseDerived(raw: RawItem): LicenseDerived {
  const l = parsedLicense(raw);
  return {
    valueCap: (l && valueCap(l)) ?? null,
    remaining: l ? remainingOf(l) : null,
    unappliedAmendment: pendingAmendment(raw) ?? null,
  };
}

/** What needs attention on a license, in a few words. */
export function licenseNote(raw: RawItem): string {
  const parsed = parseItem(LicenseSchema, raw);
  if (!parsed.ok) return `INVALID: ${clip(parsed.problems.join('; '))}`;
  const l = parsed.value;
  if (l.statusError) return `rejected edit: ${clip(l.statusError)}`;
  if (l.pendingWork) return 'work in progress';
  if (l.appliedStatus !== l.status) return 'not applied yet';
  const amendment = pendingAmendment(raw);
  if (amendment) return `amendment not applied yet: ${clip(amendment.changes, 50)}`;
  if (l.waitingForValidFrom) return `waiting for validFrom ${l.validFrom}`;
  return '';
}

/** "$55,000 ($50,000 +10%)", "$50,000" without tolerance, "none" for a quantity-only license. */
export function valueLimitCell(raw: RawItem): string {
  const l = parsedLicense(raw);
  if (!l)
    return typeof raw.authorizedValue === 'number' ? usd(raw.authorizedValue) : show(raw.authorizedValue);
  const cap = valueCap(l);
  if (cap === undefined || l.authorizedValue === undefined) return 'none';
  const tolerance = l.valueTolerancePercent ?? 0;
  return tolerance === 0 ? usd(cap) : `${usd(cap)} (${usd(l.authorizedValue)} +${tolerance}%)`;
}

const releasedValueOf = (raw: RawItem) => (typeof raw.releasedValue === 'number' ? raw.releasedValue : 0);

export function licenseTable(items: readonly RawItem[]): string {
  if (items.length === 0) return 'No licenses.';
  return renderTable(
    [
      { header: 'LICENSE' },
      { header: 'CUSTOMER' },
      { header: 'SKU' },
      { header: 'DEST' },
      { header: 'STATUS' },
      { header: 'APPLIED' },
      { header: 'RELEASED', align: 'right' },
      { header: 'AUTHORIZED', align: 'right' },
      { header: 'REL. VALUE', align: 'right' },
      { header: 'VALUE LIMIT', align: 'right' },
      { header: 'VALID UNTIL' },
      { header: 'NOTE' },
    ],
    items.map((l) => [
      show(l.licenseId),
      show(l.customerId),
      show(l.sku),
      show(l.destinationCountry),
      show(l.status),
      show(l.appliedStatus) || '-',
      l.releasedQuantity === undefined ? '0' : countOf(l.releasedQuantity),
      typeof l.authorizedQuantity === 'number' ? count(l.authorizedQuantity) : show(l.authorizedQuantity),
      l.releasedValue === undefined || typeof l.releasedValue === 'number'
        ? usd(releasedValueOf(l))
        : show(l.releasedValue),
      valueLimitCell(l),
      show(l.validUntil),
      licenseNote(l),
    ]),
  );
}

/** Shipments, units and value (of those that carry one) in one bucket of a tally. */
export interface TallyEntry {
  shipments: number;
  units: number;
  value: number;
}

/** Shipments of one license tallied by status, and HELD ones by hold reason. */
export interface ShipmentTally {
  /** 'index': HELD and RELEASED from the sparse GSIs; 'scan': every status from a table scan. */
  source: 'index' | 'scan';
  byStatus: Record<string, TallyEntry>;
  heldByReason: Record<string, TallyEntry>;
}

export function emptyTally(source: ShipmentTally['source']): ShipmentTally {
  return { source, byStatus: {}, heldByReason: {} };
}

function add(into: Record<string, TallyEntry>, key: string, units: number, value: number): void {
  const entry = into[key] ?? { shipments: 0, units: 0, value: 0 };
  entry.shipments += 1;
  entry.units += units;
  entry.value += value;
  into[key] = entry;
}

/**
 * Adds shipments to a tally, by the status the counters reflect (`countedStatus`, else `status`). A console
 * copy not taken in yet (`copiedFrom`) carries its original's status and is counted nowhere: left out.
 */
export function tally(into: ShipmentTally, items: readonly RawItem[]): ShipmentTally {
  for (const s of items) {
    if (copiedFrom(s) !== undefined) continue;
    const status = show(s.countedStatus ?? s.status) || 'UNKNOWN';
    const units = typeof s.quantity === 'number' ? s.quantity : 0;
    const value = typeof s.value === 'number' ? s.value : 0;
    add(into.byStatus, status, units, value);
    if (status === 'HELD') add(into.heldByReason, show(s.holdReason) || 'none', units, value);
  }
  return into;
}

/** The value lines of a license: its limit with the tolerance and cap, what is released, what is left. */
function valueFields(raw: RawItem): [string, string | undefined][] {
  const l = parsedLicense(raw);
  const cap = l && valueCap(l);
  const released = usd(releasedValueOf(raw));
  // An item out of the contract that names a value limit: shown as typed, not as "none".
  if (!l && raw.authorizedValue !== undefined) {
    const tolerance =
      raw.valueTolerancePercent === undefined ? '' : ` + ${show(raw.valueTolerancePercent)}% tolerance`;
    return [
      ['Value limit', `${show(raw.authorizedValue)}${tolerance} as typed (unverified: the item is invalid)`],
      ['Released value', released],
    ];
  }
  if (!l || cap === undefined || l.authorizedValue === undefined) {
    return [
      ['Value limit', 'none (the license limits quantity only)'],
      ['Released value', `${released} (summed for reporting)`],
    ];
  }
  return [
    [
      'Value limit',
      `${usd(l.authorizedValue)} + ${l.valueTolerancePercent ?? 0}% tolerance = cap ${usd(cap)}`,
    ],
    ['Released value', `${released} of ${usd(cap)}`],
  ];
}

/** The license's own fields: status state first (what the system applied, what it rejected), then its terms. */
function licenseFields(raw: RawItem): string {
  const amendment = pendingAmendment(raw);
  const optional = (v: unknown) => (v === undefined ? undefined : show(v));
  return renderFields([
    ['License', show(raw.licenseId)],
    ['License number', show(raw.licenseNumber)],
    ['Customer', show(raw.customerId)],
    ['SKU', show(raw.sku)],
    ['Destination', show(raw.destinationCountry)],
    ['Status', show(raw.status)],
    ['Applied status', show(raw.appliedStatus) || '(none yet)'],
    ['Status error', optional(raw.statusError)],
    [
      'Unapplied amendment',
      amendment &&
        `${amendment.changes}${amendment.rejectedBecause ? ` (the system rejects it: ${amendment.rejectedBecause})` : ' (the system has not applied it yet)'}`,
    ],
    ['Pending work', optional(raw.pendingWork)],
    ['Settling pass due', optional(raw.settleCheckAt)],
    ['Waiting for validFrom', optional(raw.waitingForValidFrom)],
    ['Released / authorized', `${show(raw.releasedQuantity ?? 0)} / ${show(raw.authorizedQuantity)} units`],
    ...valueFields(raw),
    ['Remaining', remainingText(raw)],
    ['Valid', `${show(raw.validFrom)} .. ${show(raw.validUntil)}`],
    ['Status reason', optional(raw.statusReason)],
    ['Updated by', optional(raw.updatedBy)],
  ]);
}

function tallyRows(shipments: ShipmentTally): string[][] {
  const statuses = shipments.source === 'scan' ? [...SHIPMENT_STATUSES] : (['HELD', 'RELEASED'] as const);
  const cells = (e: TallyEntry) => [count(e.shipments), count(e.units), usd(e.value)];
  const rows: string[][] = [];
  for (const status of statuses) {
    rows.push([status, '', ...cells(shipments.byStatus[status] ?? { shipments: 0, units: 0, value: 0 })]);
    if (status !== 'HELD') continue;
    for (const reason of HOLD_REASONS) {
      const r = shipments.heldByReason[reason];
      if (r) rows.push(['', reason, ...cells(r)]);
    }
    const none = shipments.heldByReason.none;
    if (none) rows.push(['', '(no reason)', ...cells(none)]);
  }
  return rows;
}

export function licenseDetail(raw: RawItem, shipments: ShipmentTally): string {
  const parsed = parseItem(LicenseSchema, raw);
  const problems = parsed.ok ? '' : `\n\nINVALID ITEM: ${parsed.problems.join('; ')}`;
  const table = renderTable(
    [
      { header: 'STATUS' },
      { header: 'HOLD REASON' },
      { header: 'SHIPMENTS', align: 'right' },
      { header: 'UNITS', align: 'right' },
      { header: 'VALUE', align: 'right' },
    ],
    tallyRows(shipments),
  );
  const note =
    shipments.source === 'index'
      ? '\n(HELD and RELEASED from the license indexes; pass --scan to count SHIPPED and CANCELLED too)'
      : '';
  return `${licenseFields(raw)}${problems}\n\nShipments\n${table}${note}`;
}
