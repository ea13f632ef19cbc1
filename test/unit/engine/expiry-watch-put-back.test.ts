/**
 * A RELEASED shipment deleted and put back from a JSON copy that was
 * find-and-replaced (WH-2 → WH-1, stamp included): a put-back is an INSERT,
 * with no old image to judge it against, and its stamp's seal is not its
 * fields', so nothing can say, or set back, what it is counted under.
 * shipment-events raises a HIGH SEVERITY alert; the expiry watch waits for
 * it no longer than EXPIRY_BUSY_MS past a lead's due time, then warns
 * without it in any digest, naming it; license passes leave it alone, and
 * `clearance reconcile` lists it for a person (docs/OPERATIONS.md, "A
 * shipment put back with an edited stamp").
 */
import { describe, expect, it } from 'vitest';
import { planReconcile, stampViolations } from '../../../cli/reconcile-plan.js';
import { deletedShipments } from '../../../shared/domain/history-invariant.js';
import { checkInvariants } from '../../../shared/domain/invariants.js';
import type { License, Shipment } from '../../../shared/domain/model.js';
import type { RawItem } from '../../../shared/domain/ports.js';
import { clockTick } from '../../../shared/engine/clock.js';
import { EXPIRY_BUSY_MS } from '../../../shared/engine/expiry-watch.js';
import {
  clockWatchOf,
  givenLicense,
  setStatus,
  settleShipments,
  settleSystem,
} from '../../helpers/fakes/engine-kit.js';
import { type MemoryWorld, memoryWorld } from '../../helpers/fakes/world.js';

const DAY = 86_400_000;
const EXPIRING = 'LICENSE_EXPIRING';
const PUT_BACK = 'put back with an edited countedAs stamp';

async function expiringLicense(w: MemoryWorld, overrides: Partial<License> = {}) {
  const validUntil = new Date(w.now().getTime() + 40 * DAY).toISOString();
  const lut = givenLicense(w, { authorizedQuantity: 100, validUntil, ...overrides });
  const s = (o: Partial<Shipment>) => lut.shipment({ quantity: 10, value: 1_000, ...o });
  w.seed.accepted([
    s({ shipmentId: `${lut.licenseId}-A`, priority: 1, warehouseId: 'WH-1' }),
    s({ shipmentId: `${lut.licenseId}-B`, priority: 2, warehouseId: 'WH-2' }),
  ]);
  await setStatus(w, lut.licenseId, 'APPROVED');
  return { lut, validUntil };
}

/** B (RELEASED at WH-2) deleted, then put back from a copy find-and-replaced WH-2 → WH-1, stamp included. */
async function putBackEdited(w: MemoryWorld, id: string): Promise<RawItem> {
  const item = w.shipment(id);
  expect(item.status).toBe('RELEASED');
  w.console.remove('shipments', id);
  await settleShipments(w);
  w.console.put('shipments', {
    ...item,
    warehouseId: 'WH-1',
    countedAs: { ...(item.countedAs as Record<string, unknown>), warehouseId: 'WH-1' },
  });
  await settleShipments(w);
  return item;
}

/** What `clearance reconcile` plans over the world, with its stamp findings as reconcile's scan adds them. */
function reconcilePlan(w: MemoryWorld) {
  const items = {
    licenses: w.items('licenses'),
    shipments: w.items('shipments'),
    inventory: w.items('inventory'),
  };
  const check = checkInvariants(items);
  const violations = [...check.violations, ...stampViolations(items.shipments)];
  return planReconcile(items, { ...check, violations }, deletedShipments({ ...items, entries: w.entries() }));
}

describe('shipment-events on a RELEASED shipment put back with a find-and-replaced stamp', () => {
  it('alerts ops HIGH SEVERITY, naming the shipment and the restore from point-in-time recovery, and tells no one of it', async () => {
    const w = memoryWorld();
    const { lut } = await expiringLicense(w);
    const id = `${lut.licenseId}-B`;
    await settleShipments(w);
    const entriesOf = () => w.entries().filter((e) => e.shipmentId === id && e.eventType !== 'EDIT_REJECTED');
    const entries = entriesOf();
    const told = w.publisher.published.length;
    await putBackEdited(w, id);
    const alert = w.alerter.about(id).find((a) => a.subject.includes(PUT_BACK));
    expect(alert).toMatchObject({
      severity: 'high',
      subject: `HIGH SEVERITY: Shipment ${id} ${PUT_BACK}`,
    });
    expect(alert?.message).toContain('at WH-1');
    expect(alert?.message).toMatch(
      /which Inventory item, customer and license it is really counted under is unknown/,
    );
    expect(alert?.message).toMatch(/no license pass releases, re-holds or relabels it/);
    expect(alert?.message).toMatch(/point-in-time recovery, which has the system's stamp: delete this item/);
    // Its last notice is not sent again to the edited warehouse, nor entered again from the edited stamp.
    expect(w.publisher.published.slice(told).filter((m) => m.covers.some((k) => k.startsWith(id)))).toEqual(
      [],
    );
    // Nor entered again (the deletion's rejection aside).
    expect(entriesOf()).toEqual(entries);
    expect(w.shipment(id)).toMatchObject({ status: 'RELEASED', warehouseId: 'WH-1' });
  });
});

describe('shipment-events on a RELEASED shipment put back with its fields edited and its stamp not', () => {
  it('sets the fields back to the stamp, whose seal vouches for it, and raises no HIGH SEVERITY alert', async () => {
    const w = memoryWorld();
    const { lut } = await expiringLicense(w);
    const id = `${lut.licenseId}-B`;
    const item = w.shipment(id);
    w.console.remove('shipments', id);
    await settleShipments(w);
    w.console.put('shipments', { ...item, warehouseId: 'WH-1' });
    await settleShipments(w);
    expect(w.shipment(id)).toMatchObject({ status: 'RELEASED', warehouseId: 'WH-2' });
    expect(w.alerter.about(id).map((a) => a.subject)).toEqual([
      `Shipment ${id} was deleted`,
      `Shipment ${id}: edit of warehouseId rejected`,
    ]);
    expect(reconcilePlan(w)).toEqual({ fixes: [], manual: [], busy: [] });
  });
});

describe('expiry watch over a RELEASED shipment put back with a find-and-replaced stamp', () => {
  it(`waits ${EXPIRY_BUSY_MS / 60_000} minutes past the lead, then sends LICENSE_EXPIRING without its line in any digest, naming it in the alert`, async () => {
    const w = memoryWorld();
    const { lut, validUntil } = await expiringLicense(w);
    const id = `${lut.licenseId}-B`;
    await putBackEdited(w, id);
    const due = Date.parse(validUntil) - 30 * DAY;
    const tick = async (at: number) => {
      w.setNow(new Date(at));
      const t = await clockTick(w.licenses, w.now(), w.newToken, clockWatchOf(w));
      await settleShipments(w);
      return t.expiring;
    };
    // While shipment-events may still set a console edit back, the lead waits.
    expect(await tick(due)).toEqual([]);
    expect(await tick(due + EXPIRY_BUSY_MS - 60_000)).toEqual([]);
    expect(w.alerter.compliance(lut.licenseId, EXPIRING)).toEqual([]);
    // Then it goes out, and is recorded.
    expect(await tick(due + EXPIRY_BUSY_MS)).toEqual([lut.licenseId]);
    expect(w.license(lut.licenseId).expiryAlerted).toEqual({ validUntil, leads: [30] });
    const digests = w.publisher.to('logistics', 'digest').filter((m) => m.attributes.eventType === EXPIRING);
    expect(digests.map((d) => d.attributes.warehouseId)).toEqual(['WH-1']);
    expect(digests[0]?.body).toContain(`${lut.licenseId}-A`);
    expect(digests[0]?.body).not.toContain(id);
    const [alert] = w.alerter.compliance(lut.licenseId, EXPIRING);
    expect(alert?.message).toMatch(/RELEASED {2}1 shipment, 10 units/);
    expect(alert?.message).toContain(`${id}: warehouse unknown: its countedAs stamp was edited`);
    // Every later lead is sent too, after the same wait.
    for (const days of [7, 1]) {
      const dueAt = Date.parse(validUntil) - days * DAY;
      expect(await tick(dueAt)).toEqual([]);
      expect(await tick(dueAt + EXPIRY_BUSY_MS)).toEqual([lut.licenseId]);
    }
    expect(w.alerter.compliance(lut.licenseId, EXPIRING)).toHaveLength(3);
    expect(w.shipment(id).status).toBe('RELEASED');
  });
});

describe('a suspension over a RELEASED shipment put back with a find-and-replaced stamp', () => {
  it('leaves it RELEASED (which counters it would move is unknown) and reconcile lists it for a person, with no counter fix', async () => {
    const w = memoryWorld();
    const { lut } = await expiringLicense(w);
    const id = `${lut.licenseId}-B`;
    await putBackEdited(w, id);
    await setStatus(w, lut.licenseId, 'SUSPENDED');
    await settleShipments(w);
    expect(w.shipment(`${lut.licenseId}-A`).status).toBe('HELD');
    expect(w.shipment(id).status).toBe('RELEASED');
    expect(
      w.alerter.about(id).filter((a) => a.severity === 'high' && a.subject.includes(PUT_BACK)),
    ).toHaveLength(1);
    const plan = reconcilePlan(w);
    // Not work in flight: nothing sets it back.
    expect(plan.busy).toEqual([]);
    expect(plan.manual).toContainEqual({
      invariant: 'I5',
      key: { shipmentId: id },
      message: expect.stringMatching(
        /seal is not its fields'.*--fix makes no counter fix until it is put back/,
      ),
    });
    // The I1 breach is a person's too, and no counter is fixed to the edited warehouse (WH-2 still holds it).
    expect(plan.manual).toContainEqual(expect.objectContaining({ invariant: 'I1', key: { shipmentId: id } }));
    expect(plan.fixes).toEqual([]);
    expect(w.counters(lut.license.sku, 'WH-2')).toMatchObject({ released: 10 });
  });

  it('re-holds it once deleted and put back from point-in-time recovery, and reconcile is clean', async () => {
    const w = memoryWorld();
    const { lut } = await expiringLicense(w);
    const id = `${lut.licenseId}-B`;
    const asItWas = await putBackEdited(w, id);
    await setStatus(w, lut.licenseId, 'SUSPENDED');
    await settleShipments(w);
    // The runbook: delete the edited item, put back the restored one (the system's stamp).
    w.console.remove('shipments', id);
    await settleShipments(w);
    w.console.put('shipments', asItWas);
    await settleSystem(w, lut.licenseId);
    expect(w.shipment(id)).toMatchObject({
      status: 'HELD',
      holdReason: 'LICENSE_SUSPENDED',
      warehouseId: 'WH-2',
    });
    expect(w.counters(lut.license.sku, 'WH-2')).toMatchObject({ held: 10, released: 0 });
    expect(w.violations()).toEqual([]);
    expect(reconcilePlan(w)).toEqual({ fixes: [], manual: [], busy: [] });
  });
});
