/**
 * A RELEASED shipment put back from a find-and-replaced copy (stamp included:
 * the seal is not its fields'). Until it is put back right nothing acts on
 * what its edited stamp says (shared/engine/shipment-put-back.ts
 * putBackAlert; docs/system-attributes.md, `countedAs`). A later status edit
 * that would be legal (the warehouse marks it SHIPPED, or someone cancels
 * it) is rejected and set back (judgeStatusEdit): committed, it would tell
 * the edited customer (I4), move the edited warehouse's counters (I3) and
 * give units back to the edited license (I2).
 */
import { describe, expect, it } from 'vitest';
import type { RawItem } from '../../../shared/domain/ports.js';
import {
  givenLicense,
  type LicenseUnderTest,
  setStatus,
  settleShipments,
} from '../../helpers/fakes/engine-kit.js';
import { type MemoryWorld, memoryWorld } from '../../helpers/fakes/world.js';

/** S RELEASED at WH-2 for the license's customer, deleted and put back with `replace` applied to fields and stamp. */
async function putBackEdited(
  replace: (lut: LicenseUnderTest) => Record<string, string>,
  w: MemoryWorld = memoryWorld(),
): Promise<{ w: MemoryWorld; lut: LicenseUnderTest; id: string }> {
  const lut = givenLicense(w, { authorizedQuantity: 100 });
  const id = `${lut.licenseId}-B`;
  w.seed.accepted([lut.shipment({ shipmentId: id, quantity: 10, warehouseId: 'WH-2' })]);
  await setStatus(w, lut.licenseId, 'APPROVED');
  await settleShipments(w);
  const item = w.shipment(id);
  expect(item.countedStatus).toBe('RELEASED');
  w.console.remove('shipments', id);
  await settleShipments(w);
  const edited = replace(lut);
  w.console.put('shipments', {
    ...item,
    ...edited,
    countedAs: { ...(item.countedAs as RawItem), ...edited },
  });
  await settleShipments(w);
  expect(w.alerter.about(id).map((a) => a.subject)).toContain(
    `HIGH SEVERITY: Shipment ${id} put back with an edited countedAs stamp`,
  );
  return { w, lut, id };
}

describe('a RELEASED shipment put back with a find-and-replaced stamp, then marked SHIPPED', () => {
  it('sets the status back to RELEASED with a HIGH SEVERITY alert, and tells the edited customer (CUST-OTHER) nothing', async () => {
    const { w, id } = await putBackEdited(() => ({ customerId: 'CUST-OTHER' }));
    const told = w.publisher.published.length;
    const entriesOf = () =>
      w
        .entries()
        .filter((e) => e.shipmentId === id)
        .map((e) => String(e.eventType));
    const entered = entriesOf();
    w.console.edit('shipments', id, 'status', 'SHIPPED');
    await settleShipments(w);
    const item = w.shipment(id);
    expect(item.status).toBe('RELEASED');
    expect(item.countedStatus).toBe('RELEASED');
    expect(String(item.statusError)).toContain('"A shipment put back with an edited stamp"');
    expect(w.alerter.about(id).map((a) => a.subject)).toContain(
      `HIGH SEVERITY: Shipment ${id}: status edit RELEASED → SHIPPED rejected`,
    );
    expect(w.publisher.published.slice(told), 'no notice of it').toEqual([]);
    expect(entriesOf().sort(), 'only the rejection is entered').toEqual([...entered, 'EDIT_REJECTED'].sort());
  });

  it('leaves the counters of the edited warehouse (WH-1), which never held the shipment, as they are', async () => {
    const { w, lut, id } = await putBackEdited(() => ({ warehouseId: 'WH-1' }));
    const wh1 = structuredClone(w.counters(lut.license.sku, 'WH-1'));
    w.console.edit('shipments', id, 'status', 'SHIPPED');
    await settleShipments(w);
    expect(w.counters(lut.license.sku, 'WH-1')).toEqual(wh1);
    expect(w.shipment(id).status).toBe('RELEASED');
  });
});

describe('a RELEASED shipment put back with a find-and-replaced stamp, then CANCELLED', () => {
  it('sets the status back to RELEASED (normal alert) and gives no units back to the edited license', async () => {
    const w = memoryWorld();
    const other = givenLicense(w, { authorizedQuantity: 100, status: 'APPROVED', appliedStatus: 'APPROVED' });
    const before = structuredClone(w.license(other.licenseId));
    const { id } = await putBackEdited(() => ({ licenseId: other.licenseId }), w);
    w.console.edit('shipments', id, 'status', 'CANCELLED');
    await settleShipments(w);
    expect(w.shipment(id).status).toBe('RELEASED');
    expect(w.shipment(id).countedStatus).toBe('RELEASED');
    const rejected = w.alerter.about(id).find((a) => a.subject.includes('RELEASED → CANCELLED'));
    expect(rejected?.severity).toBe('normal');
    expect(w.license(other.licenseId).releasedQuantity).toBe(before.releasedQuantity);
    expect(w.license(other.licenseId).releasedValue).toBe(before.releasedValue);
  });
});
