/**
 * I6 (docs/data-contract.md, "Invariants"): every committed change of a
 * license's applied status or terms, every committed shipment change and
 * every rejected edit has exactly one History entry.
 *
 * What is countable from the tables:
 * - a license's `appliedChanges` (system-kept, one per committed decision or
 *   amendment) equals its `LICENSE_*` entries;
 * - a shipment's `revision` (one per committed change) equals its shipment
 *   entries, one per revision: `r000001` … `r<revision>`, none twice;
 * - no entry names a license or shipment that does not exist.
 * Rejected edits leave no counter behind; each has its own key (the edit's
 * stream record, or the transaction that wrote the rejection back), so it
 * cannot be doubled, and the chaos suite checks that each alerted rejection
 * has one.
 */
import type { Violation } from './invariants.js';
import type { RawItem } from './ports.js';

const revisionOf = (entryId: string): number | undefined => {
  const m = /#r(\d{6,})$/.exec(entryId);
  return m ? Number(m[1]) : undefined;
};

export function checkHistory(input: {
  licenses: readonly RawItem[];
  shipments: readonly RawItem[];
  entries: readonly RawItem[];
}): Violation[] {
  const violations: Violation[] = [];
  const licenseEntries = new Map<string, number>();
  const revisions = new Map<string, number[]>();
  for (const e of input.entries) {
    const type = String(e.eventType);
    if (type.startsWith('LICENSE_') && e.shipmentId === undefined) {
      const id = String(e.licenseId);
      licenseEntries.set(id, (licenseEntries.get(id) ?? 0) + 1);
    } else if (type !== 'EDIT_REJECTED' && typeof e.shipmentId === 'string') {
      const list = revisions.get(e.shipmentId) ?? [];
      list.push(revisionOf(String(e.entryId)) ?? Number.NaN);
      revisions.set(e.shipmentId, list);
    }
  }
  for (const l of input.licenses) {
    const id = String(l.licenseId);
    const expected = typeof l.appliedChanges === 'number' ? l.appliedChanges : 0;
    const found = licenseEntries.get(id) ?? 0;
    licenseEntries.delete(id);
    if (found !== expected)
      violations.push({
        invariant: 'I6',
        key: { licenseId: id },
        message: `${expected} committed decisions and amendments (appliedChanges) but ${found} license entries in History`,
      });
  }
  for (const [licenseId, n] of licenseEntries)
    violations.push({
      invariant: 'I6',
      key: { licenseId },
      message: `${n} license entries in History for a license that is not in the Licenses table`,
    });
  for (const s of input.shipments) {
    const id = String(s.shipmentId);
    const revision = typeof s.revision === 'number' ? s.revision : 0;
    const found = (revisions.get(id) ?? []).sort((a, b) => a - b);
    revisions.delete(id);
    const expected = Array.from({ length: revision }, (_, i) => i + 1);
    if (found.join() === expected.join()) continue;
    const missing = expected.filter((r) => !found.includes(r));
    const doubled = found.filter((r, i) => found.indexOf(r) !== i);
    const extra = found.filter((r) => !(r >= 1 && r <= revision));
    violations.push({
      invariant: 'I6',
      key: { shipmentId: id },
      message: [
        `revision ${revision} but ${found.length} shipment entries in History`,
        missing.length ? `missing revisions ${missing.join(', ')}` : '',
        doubled.length ? `revisions entered twice ${doubled.join(', ')}` : '',
        extra.length ? `entries beyond its revision ${extra.join(', ')}` : '',
      ]
        .filter(Boolean)
        .join('; '),
    });
  }
  for (const [shipmentId, list] of revisions)
    violations.push({
      invariant: 'I6',
      key: { shipmentId },
      message: `${list.length} shipment entries in History for a shipment that is not in the Shipments table`,
    });
  return violations;
}
