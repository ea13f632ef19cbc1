import { describe, expect, it } from 'vitest';
import { LICENSE_ACTIONS, planLicenseAction, planShipmentAction } from '../../../cli/transitions.js';
import { stampOf } from '../../../shared/domain/counters.js';
import { SHIPMENT_STATUSES, type ShipmentStatus } from '../../../shared/domain/model.js';
import { aShipment } from '../../helpers/factories.js';

/** `applied` null: the system has not applied any status yet. */
const license = (status: string, applied: string | null = status, extra: Record<string, unknown> = {}) => ({
  licenseId: 'LIC-1',
  status,
  ...(applied === null ? {} : { appliedStatus: applied }),
  ...extra,
});

describe('planLicenseAction', () => {
  it('maps each command to its target status', () => {
    expect(Object.fromEntries(Object.entries(LICENSE_ACTIONS).map(([k, v]) => [k, v.to]))).toEqual({
      approve: 'APPROVED',
      deny: 'DENIED',
      suspend: 'SUSPENDED',
      revoke: 'REVOKED',
      reinstate: 'APPROVED',
    });
  });

  it('approves a PENDING license, conditional on the status and appliedStatus read', () => {
    expect(planLicenseAction('approve', license('PENDING'))).toEqual({
      kind: 'change',
      to: 'APPROVED',
      expect: { status: 'PENDING', appliedStatus: 'PENDING' },
    });
  });

  it('approves a new PENDING license the system has not applied yet, expecting no appliedStatus', () => {
    expect(planLicenseAction('approve', license('PENDING', null))).toEqual({
      kind: 'change',
      to: 'APPROVED',
      expect: { status: 'PENDING', appliedStatus: null },
    });
  });

  it('rejects approve on a SUSPENDED license and points to reinstate', () => {
    const plan = planLicenseAction('approve', license('SUSPENDED'));
    expect(plan.kind).toBe('refuse');
    expect(plan.kind === 'refuse' && plan.reason).toMatch(/only to a PENDING license.*reinstate/);
  });

  it('reinstates only from SUSPENDED', () => {
    expect(planLicenseAction('reinstate', license('SUSPENDED')).kind).toBe('change');
    const plan = planLicenseAction('reinstate', license('PENDING'));
    expect(plan.kind === 'refuse' && plan.reason).toMatch(/only to a SUSPENDED license.*license approve/);
  });

  it('suspends an APPROVED license and revokes an APPROVED or SUSPENDED one', () => {
    expect(planLicenseAction('suspend', license('APPROVED')).kind).toBe('change');
    expect(planLicenseAction('revoke', license('APPROVED')).kind).toBe('change');
    expect(planLicenseAction('revoke', license('SUSPENDED')).kind).toBe('change');
  });

  it.each([
    ['deny', 'APPROVED'],
    ['suspend', 'PENDING'],
    ['suspend', 'REVOKED'],
    ['revoke', 'DENIED'],
    ['revoke', 'EXPIRED'],
    ['approve', 'DENIED'],
  ] as const)('rejects %s on a %s license', (action, status) => {
    const plan = planLicenseAction(action, license(status));
    expect(plan.kind).toBe('refuse');
    expect(plan.kind === 'refuse' && plan.reason).toContain(`it is ${status}`);
  });

  it('does nothing when the license already has the target status applied', () => {
    expect(planLicenseAction('approve', license('APPROVED')).kind).toBe('noop');
    expect(planLicenseAction('suspend', license('SUSPENDED')).kind).toBe('noop');
  });

  it('rejects a change while the system has not applied the current status yet', () => {
    const plan = planLicenseAction('suspend', license('REVOKED', 'APPROVED', { pendingWork: 't' }));
    expect(plan.kind).toBe('refuse');
    expect(plan.kind === 'refuse' && plan.reason).toMatch(
      /has status REVOKED that the system has not applied yet/,
    );
  });

  it('writes nothing for the same decision written already and being applied: a re-run is not refused', () => {
    expect(planLicenseAction('suspend', license('SUSPENDED', 'APPROVED', { pendingWork: 't' }))).toEqual({
      kind: 'pending',
      to: 'SUSPENDED',
      from: 'APPROVED',
      reason: expect.stringMatching(
        /already set to SUSPENDED and the system is applying it \(applied: APPROVED\)/,
      ),
    });
    expect(planLicenseAction('approve', license('APPROVED', 'PENDING')).kind).toBe('pending');
    expect(planLicenseAction('revoke', license('REVOKED', 'SUSPENDED')).kind).toBe('pending');
  });

  it("refuses a command whose start is not where the license stands, even when someone's edit in flight sets its target", () => {
    // Someone reinstated (SUSPENDED → APPROVED); `approve` starts from PENDING only.
    const plan = planLicenseAction('approve', license('APPROVED', 'SUSPENDED'));
    expect(plan.kind === 'refuse' && plan.reason).toMatch(/not applied yet \(applied: SUSPENDED\)/);
  });

  it('corrects a rejected edit: judges from appliedStatus and conditions on the bad status read', () => {
    const plan = planLicenseAction(
      'suspend',
      license('SUSPNDED', 'APPROVED', { statusError: 'status "SUSPNDED" is not a license status' }),
    );
    expect(plan).toEqual({
      kind: 'change',
      to: 'SUSPENDED',
      expect: { status: 'SUSPNDED', appliedStatus: 'APPROVED' },
    });
  });

  it("refuses to overwrite someone's legal edit not applied yet, even with a statusError left from an earlier typo", () => {
    const plan = planLicenseAction(
      'deny',
      license('APPROVED', 'PENDING', { statusError: 'status "APPROVD" is not a license status' }),
    );
    expect(plan.kind).toBe('refuse');
    expect(plan.kind === 'refuse' && plan.reason).toMatch(
      /has status APPROVED that the system has not applied yet \(applied: PENDING\)/,
    );
  });

  it('corrects an illegal status the system has not rejected yet (no statusError)', () => {
    expect(planLicenseAction('approve', license('APROVED', 'PENDING'))).toEqual({
      kind: 'change',
      to: 'APPROVED',
      expect: { status: 'APROVED', appliedStatus: 'PENDING' },
    });
    // Legal statuses that are illegal from the applied one are typos too: DENIED is final.
    expect(planLicenseAction('suspend', license('PENDING', 'APPROVED')).kind).toBe('change');
  });

  it('rejects a license whose appliedStatus is not a status', () => {
    expect(planLicenseAction('approve', license('PENDING', 'WHATEVER')).kind).toBe('refuse');
  });
});

/** A valid shipment item (the commands refuse one out of the contract), `counted` null: not accepted yet. */
const shipment = (status: string, counted: string | null = status, extra: Record<string, unknown> = {}) => {
  const valid = (SHIPMENT_STATUSES as readonly string[]).includes(status)
    ? (status as ShipmentStatus)
    : 'HELD';
  return {
    ...aShipment({ shipmentId: 'SHP-1', status: valid }),
    status,
    ...(counted === null ? {} : { countedStatus: counted }),
    ...extra,
  };
};

describe('planShipmentAction', () => {
  it('ships a RELEASED shipment and cancels a HELD or RELEASED one', () => {
    expect(planShipmentAction('ship', shipment('RELEASED'))).toMatchObject({
      kind: 'change',
      from: 'RELEASED',
      to: 'SHIPPED',
    });
    expect(planShipmentAction('cancel', shipment('HELD'))).toMatchObject({
      kind: 'change',
      from: 'HELD',
      to: 'CANCELLED',
    });
    expect(planShipmentAction('cancel', shipment('RELEASED'))).toMatchObject({
      kind: 'change',
      from: 'RELEASED',
      to: 'CANCELLED',
    });
  });

  it('conditions the write on everything it judged: status as counted, fixed fields, stamp, drawn value, priority, requestedAt, revision', () => {
    const base = shipment('RELEASED');
    const countedAs = stampOf(base);
    const released = { ...base, value: 1000, countedValue: 1000, countedAs, revision: 3 };
    const plan = planShipmentAction('ship', released);
    expect(plan.kind === 'change' && plan.expect).toEqual({
      status: 'RELEASED',
      countedStatus: 'RELEASED',
      quantity: released.quantity,
      sku: released.sku,
      warehouseId: released.warehouseId,
      customerId: released.customerId,
      licenseId: released.licenseId,
      countedAs,
      value: 1000,
      countedValue: 1000,
      priority: released.priority,
      requestedAt: released.requestedAt,
      revision: 3,
    });
  });

  it('expects value only while it is fixed, and null (absent) for what was not there', () => {
    const held = shipment('HELD', 'HELD', { value: 500 });
    const plan = planShipmentAction('cancel', held);
    expect(plan.kind === 'change' && plan.expect).toEqual({
      status: 'HELD',
      countedStatus: 'HELD',
      quantity: held.quantity,
      sku: held.sku,
      warehouseId: held.warehouseId,
      customerId: held.customerId,
      licenseId: held.licenseId,
      priority: held.priority,
      requestedAt: held.requestedAt,
      revision: null,
    });
    // A RELEASED shipment without a value drew none: both must still be absent.
    const unvalued = planShipmentAction('ship', shipment('RELEASED'));
    expect(unvalued.kind === 'change' && unvalued.expect).toMatchObject({ value: null, countedValue: null });
  });

  it('rejects shipping a HELD shipment as a possible export violation', () => {
    const plan = planShipmentAction('ship', shipment('HELD'));
    expect(plan.kind).toBe('refuse');
    expect(plan.kind === 'refuse' && plan.reason).toMatch(/export violation/);
  });

  it.each([
    ['ship', 'CANCELLED'],
    ['cancel', 'SHIPPED'],
  ] as const)('rejects %s on a %s shipment (final)', (action, status) => {
    const plan = planShipmentAction(action, shipment(status));
    expect(plan.kind === 'refuse' && plan.reason).toMatch(/final/);
  });

  it('judges from countedStatus when status and countedStatus differ, and waits for the system', () => {
    const plan = planShipmentAction('cancel', shipment('SHIPPED', 'RELEASED'));
    expect(plan.kind).toBe('refuse');
    expect(plan.kind === 'refuse' && plan.reason).toMatch(/not applied yet/);
  });

  it('rejects an edit of a shipment the system has not accepted yet', () => {
    const plan = planShipmentAction('cancel', shipment('HELD', null));
    expect(plan.kind === 'refuse' && plan.reason).toMatch(/not been accepted/);
  });

  it('does nothing when the shipment already has the target status', () => {
    expect(planShipmentAction('ship', shipment('SHIPPED')).kind).toBe('noop');
  });
});
