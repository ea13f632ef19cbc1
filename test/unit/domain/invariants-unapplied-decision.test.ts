/**
 * I5 on a quiescent store (`quiescentAt`): a license `status` the system
 * neither applied (`appliedStatus`) nor rejected (`statusError`), with no
 * work pending (`pendingWork`), is a decision silently dropped: its
 * shipments never followed it. Not judged on a live system, whose handlers
 * may not have taken the edit in yet.
 */
import { describe, expect, it } from 'vitest';
import { checkInvariants } from '../../../shared/domain/invariants.js';
import type { RawItem } from '../../../shared/domain/ports.js';
import { aLicense } from '../../helpers/factories.js';

const quiescentAt = new Date('2026-06-01T00:00:00.000Z');
const check = (license: RawItem, options = { quiescentAt }) =>
  checkInvariants({ licenses: [license], shipments: [], inventory: [] }, options).violations;

describe('I5: a license decision on a quiescent store', () => {
  it('is reported when its status was neither applied nor rejected', () => {
    const dropped = aLicense({ licenseId: 'LIC-DROPPED', status: 'DENIED', appliedStatus: 'PENDING' });
    expect(check(dropped)).toEqual([
      expect.objectContaining({ invariant: 'I5', key: { licenseId: 'LIC-DROPPED' } }),
    ]);
  });

  it('is reported for a license the system never took in (no appliedStatus)', () => {
    const { appliedStatus: _none, ...never } = aLicense({ licenseId: 'LIC-NEW', status: 'PENDING' });
    expect(check(never)).toEqual([
      expect.objectContaining({ invariant: 'I5', key: { licenseId: 'LIC-NEW' } }),
    ]);
  });

  it('holds when the status is applied, rejected, or still being applied', () => {
    expect(check(aLicense({ status: 'APPROVED', appliedStatus: 'APPROVED' }))).toEqual([]);
    const rejected = {
      ...aLicense({ status: 'PENDING', appliedStatus: 'APPROVED' }),
      statusError: 'not allowed',
    };
    expect(check(rejected)).toEqual([]);
    const working = { ...aLicense({ status: 'DENIED', appliedStatus: 'PENDING' }), pendingWork: 'tok-1' };
    expect(check(working)).toEqual([]);
  });

  it('is not judged on a live store (no quiescentAt)', () => {
    const dropped = aLicense({ status: 'DENIED', appliedStatus: 'PENDING' });
    expect(check(dropped, {} as { quiescentAt: Date })).toEqual([]);
  });
});
