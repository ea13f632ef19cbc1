/**
 * A license edit is judged as a whole (DESIGN §3/§4, docs/data-contract.md):
 * when any term it changed is illegal, every term it changed is written back
 * to the applied value, not only the one at fault. Otherwise the write-back's
 * own stream record reads the rest of the edit as a legal amendment and
 * applies it: a validUntil typed a year short beside a later validFrom
 * expires the license for good, a raise saved beside a date-only validUntil
 * releases shipments, although the alert said nothing moved.
 */
import { describe, expect, it } from 'vitest';
import { apply, expectInvariants, idsWith, setStatus, withBacklog } from '../../helpers/fakes/engine-kit.js';
import { isSeededEntry, type MemoryWorld, memoryWorld } from '../../helpers/fakes/world.js';

/** The license's own History entries (not its shipments'), but for its seeded decision. */
const licenseEntries = (w: MemoryWorld, licenseId: string) =>
  w.entries().filter((e) => e.licenseId === licenseId && e.shipmentId === undefined && !isSeededEntry(e));

/** The license's stream records until they stop changing anything: the write-back's own included. */
async function settle(w: MemoryWorld, licenseId: string): Promise<void> {
  for (let i = 0; i < 3; i++) await apply(w, licenseId);
}

describe('a license edit with an illegal term is set back whole', () => {
  it('sets back both bounds of a window saved swapped in one edit: nothing re-held, the license not expired', async () => {
    // The world's clock stands at 2026-06-01T12:00:00Z.
    const w = memoryWorld();
    const { lut } = withBacklog(w, {}, [{}, {}]);
    await setStatus(w, lut.licenseId, 'APPROVED');
    expect(idsWith(w, lut.licenseId, 'RELEASED')).toHaveLength(2);
    const before = w.license(lut.licenseId);

    // Meant: the window 2026-07-01 .. 2027-05-31; typed 2026 for 2027 in validUntil, so it ends before it starts.
    w.console.put('licenses', {
      ...before,
      validFrom: '2026-07-01T00:00:00Z',
      validUntil: '2026-05-31T00:00:00Z',
    });
    expect(await apply(w, lut.licenseId)).toMatchObject({ kind: 'rejected' });
    await settle(w, lut.licenseId);

    const after = w.license(lut.licenseId);
    expect.soft(after.validFrom, 'validFrom set back').toBe(before.validFrom);
    expect
      .soft(after.validUntil, 'validUntil set back too: it was half of the rejected edit')
      .toBe(before.validUntil);
    expect.soft(after.appliedTerms).toEqual(before.appliedTerms);
    expect
      .soft(after.appliedStatus, 'a rejected edit must not expire the license (EXPIRED is final)')
      .toBe('APPROVED');
    expect.soft(after.status).toBe('APPROVED');
    expect.soft(idsWith(w, lut.licenseId, 'RELEASED'), 'nothing re-held by a rejected edit').toHaveLength(2);
    const reason = String(after.statusError);
    expect(reason, 'the rejection stays on the item for the admin').toMatch(
      /validUntil must be later than validFrom/,
    );
    expect(reason).toContain(`validFrom to ${before.validFrom}, validUntil to ${before.validUntil}`);
    // One rejected edit, one entry, one alert naming every term it set back.
    const entries = licenseEntries(w, lut.licenseId).filter((e) => e.eventType !== 'LICENSE_APPROVED');
    expect(entries).toEqual([expect.objectContaining({ eventType: 'EDIT_REJECTED', reason })]);
    const alerts = w.alerter.about(lut.licenseId).filter((a) => a.subject.includes('rejected'));
    expect(alerts.map((a) => a.subject)).toEqual([
      `License ${lut.licenseId}: edit of validFrom, validUntil rejected`,
    ]);
    expect(alerts[0]?.message).toContain(
      'was edited: validFrom is now 2026-07-01T00:00:00Z, validUntil is now 2026-05-31T00:00:00Z.',
    );
    expectInvariants(w);
  });

  it('sets back a valid raise saved with a date-only validUntil: nothing released, on the write-back’s read either', async () => {
    const w = memoryWorld();
    const { lut } = withBacklog(w, { authorizedQuantity: 10 }, [{}, {}]);
    await setStatus(w, lut.licenseId, 'APPROVED');
    expect(idsWith(w, lut.licenseId, 'RELEASED')).toHaveLength(1);
    const before = w.license(lut.licenseId);

    w.console.put('licenses', { ...before, authorizedQuantity: 20, validUntil: '2027-05-31' });
    expect(await apply(w, lut.licenseId)).toMatchObject({ kind: 'rejected' });
    await settle(w, lut.licenseId);

    const after = w.license(lut.licenseId);
    expect.soft(after.authorizedQuantity, 'the raise is set back with the invalid validUntil').toBe(10);
    expect.soft(after.validUntil).toBe(before.validUntil);
    expect.soft(after.appliedTerms).toEqual(before.appliedTerms);
    expect.soft(idsWith(w, lut.licenseId, 'RELEASED'), 'nothing released by a rejected edit').toHaveLength(1);
    const reason = String(after.statusError);
    expect(reason).toMatch(/^amendment rejected: validUntil must be an ISO-8601 UTC time/);
    expect(reason).toContain(`authorizedQuantity to 10, validUntil to ${before.validUntil}`);
    expect(reason).toContain('authorizedQuantity was not at fault but is set back with the rest');
    expect(reason).toMatch(/Make the edit again with valid values$/);
    expect(
      licenseEntries(w, lut.licenseId)
        .map((e) => e.eventType)
        .sort(),
    ).toEqual(['EDIT_REJECTED', 'LICENSE_APPROVED']);
    expectInvariants(w);
  });

  it('sets back the terms saved with an identity edit, the identity named with its way out', async () => {
    const w = memoryWorld();
    const { lut } = withBacklog(w, { authorizedQuantity: 10 }, [{}, {}]);
    await setStatus(w, lut.licenseId, 'APPROVED');
    const before = w.license(lut.licenseId);

    w.console.put('licenses', { ...before, customerId: 'CUST-OTHER', authorizedQuantity: 20 });
    expect(await apply(w, lut.licenseId)).toMatchObject({ kind: 'rejected' });
    await settle(w, lut.licenseId);

    const after = w.license(lut.licenseId);
    expect.soft(after).toMatchObject({ customerId: before.customerId, authorizedQuantity: 10 });
    expect.soft(after.appliedTerms).toEqual(before.appliedTerms);
    expect.soft(idsWith(w, lut.licenseId, 'RELEASED')).toHaveLength(1);
    expect(String(after.statusError)).toMatch(
      /^amendment rejected: customerId of an applied license cannot change \(it was [^)]+, now CUST-OTHER\); .*customerId to [^,]+, authorizedQuantity to 10; authorizedQuantity was not at fault .*A license for another customerId is a new license: create it and revoke this one \(set its status to REVOKED\)$/,
    );
    expectInvariants(w);
  });

  it('writes back only while every typed value is still there: a newer edit of one of them is judged on its own', async () => {
    const w = memoryWorld();
    const { lut } = withBacklog(w, {}, [{}, {}]);
    await setStatus(w, lut.licenseId, 'APPROVED');
    const before = w.license(lut.licenseId);

    w.console.put('licenses', {
      ...before,
      validFrom: '2026-07-01T00:00:00Z',
      validUntil: '2026-05-31T00:00:00Z',
    });
    // The admin sees the typo and fixes validUntil after the engine read the item, before its write-back.
    w.faults.beforeNext('licenses.revertTerms', async () => {
      w.console.edit('licenses', lut.licenseId, 'validUntil', '2027-05-31T00:00:00Z');
    });
    await apply(w, lut.licenseId);
    expect(w.license(lut.licenseId), 'the write-back lost to the newer edit').toMatchObject({
      validFrom: '2026-07-01T00:00:00Z',
      validUntil: '2027-05-31T00:00:00Z',
    });
    await settle(w, lut.licenseId);

    const after = w.license(lut.licenseId);
    expect(after.appliedTerms, 'the corrected window is applied whole').toMatchObject({
      validFrom: '2026-07-01T00:00:00Z',
      validUntil: '2027-05-31T00:00:00Z',
    });
    expect(after).toMatchObject({ appliedStatus: 'APPROVED', validFrom: '2026-07-01T00:00:00Z' });
    expect(after.statusError).toBeUndefined();
    // No rejection entered: the entry is written with the write-back, which did not happen.
    expect(
      licenseEntries(w, lut.licenseId)
        .map((e) => e.eventType)
        .sort(),
    ).toEqual(['LICENSE_AMENDED', 'LICENSE_APPROVED']);
  });
});
