/**
 * The forms of the times in the items (docs/data-contract.md, "Times in the
 * items"): the times the system writes itself are in `toISOString` form, with
 * milliseconds; the times an admin types keep the form typed (the contract
 * accepts a fraction of any length or none), the system's copies of them too.
 * So times compare as instants, and as text only within one form: the
 * contract tells outside tools to parse them, not to compare them as text.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { amend, idsWith, setStatus, withBacklog } from '../../helpers/fakes/engine-kit.js';
import { isSeededEntry, memoryWorld } from '../../helpers/fakes/world.js';

const canonical = (t: unknown) => typeof t === 'string' && t === new Date(t).toISOString();

describe('times in the items', () => {
  it('writes its own times in toISOString form and keeps an admin-typed time as typed', async () => {
    const validFrom = '2026-06-01T12:00:00Z'; // the contract's own example form, as admins type it
    const w = memoryWorld({ now: '2026-06-01T12:00:00.200Z' });
    const { lut } = withBacklog(w, { validFrom }, [{}]);
    await setStatus(w, lut.licenseId, 'APPROVED');
    const [id] = idsWith(w, lut.licenseId, 'RELEASED');
    const shipment = w.shipment(String(id));
    const releasedAt = String(shipment.releasedAt);

    expect(releasedAt).toBe('2026-06-01T12:00:00.200Z');
    expect(canonical(shipment.changedAt), `changedAt ${String(shipment.changedAt)}`).toBe(true);
    const license = w.license(lut.licenseId);
    expect(canonical((license.lastDecision as { at?: unknown }).at)).toBe(true);
    expect(canonical((license.attributed as { at?: unknown }).at)).toBe(true);
    expect(license.settleCheckAt === undefined || canonical(license.settleCheckAt)).toBe(true);
    for (const e of w.entries().filter((x) => x.licenseId === lut.licenseId && !isSeededEntry(x))) {
      expect(canonical(e.at), `History at ${String(e.at)}`).toBe(true);
      expect(String(e.entryId).startsWith(String(e.at))).toBe(true);
    }
    // The admin's time is not rewritten, on the item or in the terms applied.
    expect(license.validFrom).toBe(validFrom);
    expect((license.appliedTerms as { validFrom?: unknown }).validFrom).toBe(validFrom);

    // As instants the release is inside the window (the engine and reconcile agree) ...
    expect(Date.parse(releasedAt)).toBeGreaterThan(Date.parse(validFrom));
    // ... but not as text, across the two forms ('.' sorts before 'Z'): why the contract says to parse them.
    expect(releasedAt < validFrom).toBe(true);
  });

  it('writes validFromAmendedAt in toISOString form, and validFromBefore as the admin typed it', async () => {
    const w = memoryWorld({ now: '2026-06-01T12:00:00.200Z' });
    const { lut } = withBacklog(w, { validFrom: '2026-01-01T00:00:00Z' }, [{}]);
    await setStatus(w, lut.licenseId, 'APPROVED');
    await amend(w, lut, 'validFrom', '2026-03-01T00:00:00Z');
    const license = w.license(lut.licenseId);
    expect(license.validFromAmendedAt).toBe('2026-06-01T12:00:00.200Z');
    expect(license.validFromBefore).toBe('2026-01-01T00:00:00Z');
    expect(license.validFrom).toBe('2026-03-01T00:00:00Z');
  });
});

describe('docs/data-contract.md on times', () => {
  const doc = readFileSync('docs/data-contract.md', 'utf8').replace(/\s+/g, ' ');

  it('does not promise that times compare as text, and tells outside tools to parse them as instants', () => {
    const says = (text: string) => expect(doc.includes(text), text).toBe(true);
    expect(doc.includes('comparable as text, as outside reporting tools'), 'the old promise').toBe(false);
    says('It does not make times comparable as text');
    says('must therefore parse times as instants before it compares or sorts them');
    says('the system never rewrites a time an admin typed');
  });

  it('names the attributes the system writes in toISOString form', () => {
    const said = doc.slice(
      doc.indexOf('The times it writes itself'),
      doc.indexOf('The times an admin types'),
    );
    expect(said).toContain('`toISOString` form');
    for (const attribute of [
      'releasedAt',
      'changedAt',
      'validFromAmendedAt',
      'settleCheckAt',
      'lastDecision',
      'attributed',
      'History',
    ])
      expect(said, attribute).toContain(attribute);
  });
});
