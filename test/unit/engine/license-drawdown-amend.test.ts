/**
 * LICENSE_DRAWDOWN across amendments (DESIGN §6: once per threshold
 * crossed). An amendment of a limit carries `drawdownAlerted` over to the new
 * limit: a threshold the license stood above under the old limit and still
 * stands above under the new one is not sent again; one a lowered limit takes
 * it across is sent once; one it now stands below (a raised limit, units a
 * trim freed) is dropped, and sent once when a release reaches it again.
 */
import { describe, expect, it } from 'vitest';
import { clockTick } from '../../../shared/engine/clock.js';
import {
  amend,
  apply,
  drawdownsOf,
  expectInvariants,
  type LicenseUnderTest,
  newShipment,
  setStatus,
  shipmentEvents,
  withBacklog,
} from '../../helpers/fakes/engine-kit.js';
import { type MemoryWorld, memoryWorld, SETTLE_DELAY_MS } from '../../helpers/fakes/world.js';

/** The stream delivers the license again, and the clock's settling pass runs: neither may repeat an alert. */
async function redeliverAndSettle(w: MemoryWorld, lut: LicenseUnderTest) {
  expect(await apply(w, lut.licenseId)).toEqual({ kind: 'noop' });
  w.advance(SETTLE_DELAY_MS);
  await clockTick(w.licenses, w.now(), w.newToken);
  await apply(w, lut.licenseId);
}

describe('drawdown alerts across amendments', () => {
  it('a raised limit the license still stands above sends nothing again; its 100 % comes once when reached', async () => {
    const w = memoryWorld();
    const { lut } = withBacklog(w, { authorizedQuantity: 100 }, [{ quantity: 100 }]);
    await setStatus(w, lut.licenseId, 'APPROVED');
    expect(drawdownsOf(w, lut)).toEqual(['quantity 80', 'quantity 90', 'quantity 100']);

    // 100 of 105: 95.2 %, above 80 and 90 before and after.
    expect(await amend(w, lut, 'authorizedQuantity', 105)).toMatchObject({ kind: 'completed' });
    expect(drawdownsOf(w, lut)).toHaveLength(3);
    expect(w.license(lut.licenseId).drawdownAlerted).toMatchObject({
      quantityLimit: 105,
      quantity: [80, 90],
    });
    await redeliverAndSettle(w, lut);
    expect(drawdownsOf(w, lut)).toHaveLength(3);

    await newShipment(w, lut, { quantity: 5 });
    expect(drawdownsOf(w, lut)).toEqual(['quantity 80', 'quantity 90', 'quantity 100', 'quantity 100']);
    expect(w.alerter.compliance(lut.licenseId).at(-1)?.message).toContain('105 units released of 105 units');
    expectInvariants(w);
  });

  it('a raise that leaves the license below 90 % drops it: a later release reaching 90 % sends it once', async () => {
    const w = memoryWorld();
    const { lut } = withBacklog(w, { authorizedQuantity: 100 }, [{ quantity: 95 }]);
    await setStatus(w, lut.licenseId, 'APPROVED');
    expect(drawdownsOf(w, lut)).toEqual(['quantity 80', 'quantity 90']);

    // 95 of 110: 86.4 %, still above 80, now below 90.
    await amend(w, lut, 'authorizedQuantity', 110);
    expect(drawdownsOf(w, lut)).toEqual(['quantity 80', 'quantity 90']);
    expect(w.license(lut.licenseId).drawdownAlerted).toMatchObject({ quantityLimit: 110, quantity: [80] });

    await newShipment(w, lut, { quantity: 4 }); // 99 of 110: 90 %
    expect(drawdownsOf(w, lut)).toEqual(['quantity 80', 'quantity 90', 'quantity 90']);
    await redeliverAndSettle(w, lut);
    await newShipment(w, lut, { quantity: 1 }); // 100 of 110: still 90 %
    expect(drawdownsOf(w, lut)).toEqual(['quantity 80', 'quantity 90', 'quantity 90']);
    expectInvariants(w);
  });

  it('a lowered limit sends the threshold it takes the license across, once, and not those it stood above', async () => {
    const w = memoryWorld();
    const { lut } = withBacklog(w, { authorizedQuantity: 100 }, [{ quantity: 85 }]);
    await setStatus(w, lut.licenseId, 'APPROVED');
    expect(drawdownsOf(w, lut)).toEqual(['quantity 80']);

    // 85 of 90: 94.4 %, across 90; no trim (85 is within 90).
    expect(await amend(w, lut, 'authorizedQuantity', 90)).toMatchObject({ kind: 'completed', reheld: 0 });
    expect(drawdownsOf(w, lut)).toEqual(['quantity 80', 'quantity 90']);
    expect(w.alerter.compliance(lut.licenseId).at(-1)?.message).toContain('85 units released of 90 units');
    await redeliverAndSettle(w, lut);
    expect(drawdownsOf(w, lut)).toEqual(['quantity 80', 'quantity 90']);
    expect(w.license(lut.licenseId).drawdownAlerted).toMatchObject({ quantityLimit: 90, quantity: [80, 90] });
  });

  it('an amendment of another term, or of the other limit, sends nothing again', async () => {
    const w = memoryWorld();
    const { lut } = withBacklog(w, { authorizedQuantity: 100, authorizedValue: 10_000 }, [
      { quantity: 85, value: 9_500 },
    ]);
    await setStatus(w, lut.licenseId, 'APPROVED');
    const before = ['quantity 80', 'value 80', 'value 90'];
    expect(drawdownsOf(w, lut)).toEqual(before);

    await amend(w, lut, 'validUntil', '2099-12-31T00:00:00.000Z');
    expect(drawdownsOf(w, lut)).toEqual(before);
    // 85 of 105: 81 %, still above 80; the value limit is not amended.
    await amend(w, lut, 'authorizedQuantity', 105);
    expect(drawdownsOf(w, lut)).toEqual(before);
    expect(w.license(lut.licenseId).drawdownAlerted).toMatchObject({
      quantityLimit: 105,
      quantity: [80],
      valueLimit: 10_000,
      value: [80, 90],
    });
    expectInvariants(w);
  });

  it('judges the value cap the same way: a raised tolerance sends nothing again; a removed limit starts afresh when added back', async () => {
    const w = memoryWorld();
    const { lut } = withBacklog(w, { authorizedQuantity: 1_000, authorizedValue: 10_000 }, [
      { quantity: 10, value: 9_500 },
    ]);
    await setStatus(w, lut.licenseId, 'APPROVED');
    expect(drawdownsOf(w, lut)).toEqual(['value 80', 'value 90']);

    // Cap 10,500: 90.5 %.
    await amend(w, lut, 'valueTolerancePercent', 5);
    expect(drawdownsOf(w, lut)).toEqual(['value 80', 'value 90']);
    expect(w.license(lut.licenseId).drawdownAlerted).toMatchObject({ valueLimit: 10_500, value: [80, 90] });

    // No value limit: nothing to stand above, the list goes; a limit added again is a new one.
    await amend(w, lut, 'authorizedValue', undefined);
    expect(w.license(lut.licenseId).drawdownAlerted).toMatchObject({ value: [] });
    expect(w.license(lut.licenseId).drawdownAlerted).not.toHaveProperty('valueLimit');
    await amend(w, lut, 'authorizedValue', 10_000);
    expect(drawdownsOf(w, lut)).toEqual(['value 80', 'value 90', 'value 80', 'value 90']);
    expectInvariants(w);
  });

  it('after a trim back within a lowered limit, drops what the license no longer reaches, sends nothing again, and sends 100 % once when reached', async () => {
    const w = memoryWorld();
    const { lut, ids } = withBacklog(w, { authorizedQuantity: 100 }, [
      { quantity: 50 },
      { quantity: 45 },
      { quantity: 5 },
    ]);
    await setStatus(w, lut.licenseId, 'APPROVED');
    expect(drawdownsOf(w, lut)).toEqual(['quantity 80', 'quantity 90', 'quantity 100']);

    // 100 of 96: the 5 go back on hold; 95 of 96 is 98.9 %, below 100 %.
    expect(await amend(w, lut, 'authorizedQuantity', 96)).toMatchObject({ reheld: 1, released: 0 });
    expect(w.shipment(ids[2] ?? '').status).toBe('HELD');
    expect(drawdownsOf(w, lut)).toEqual(['quantity 80', 'quantity 90', 'quantity 100']);
    expect(w.license(lut.licenseId).drawdownAlerted).toMatchObject({ quantityLimit: 96, quantity: [80, 90] });

    await newShipment(w, lut, { quantity: 1 }); // 96 of 96
    expect(drawdownsOf(w, lut)).toEqual(['quantity 80', 'quantity 90', 'quantity 100', 'quantity 100']);
    expectInvariants(w);
  });

  it('judges the amendment again when a cancellation returns units between its read and its write', async () => {
    const w = memoryWorld();
    const { lut, ids } = withBacklog(w, { authorizedQuantity: 100 }, [{ quantity: 80 }, { quantity: 15 }]);
    await setStatus(w, lut.licenseId, 'APPROVED');
    expect(drawdownsOf(w, lut)).toEqual(['quantity 80', 'quantity 90']);

    // Read at 95 of 105 (90.5 %); the 15 are cancelled before the write: 80 of 105 is 76 %, below both.
    w.faults.beforeNext('licenses.amend', async () => {
      w.console.edit('shipments', ids[1] ?? '', 'status', 'CANCELLED');
      await shipmentEvents(w);
    });
    await amend(w, lut, 'authorizedQuantity', 105);
    expect(w.license(lut.licenseId).releasedQuantity).toBe(80);
    expect(w.license(lut.licenseId).drawdownAlerted).toMatchObject({ quantityLimit: 105, quantity: [] });

    await newShipment(w, lut, { quantity: 5 }); // 85 of 105: 81 %
    expect(drawdownsOf(w, lut)).toEqual(['quantity 80', 'quantity 90', 'quantity 80']);
    expectInvariants(w);
  });

  it('judges the amendment again when the pass it replaces records its alerts between its read and its write', async () => {
    const w = memoryWorld();
    const { lut } = withBacklog(w, { authorizedQuantity: 100 }, [{ quantity: 95 }]);
    // The approval's pass sends 80 and 90 and fails to record them: it is still pending.
    w.faults.failNext('licenses.recordAlerted', new Error('throttled'));
    await expect(setStatus(w, lut.licenseId, 'APPROVED')).rejects.toThrow('throttled');
    expect(drawdownsOf(w, lut)).toEqual(['quantity 80', 'quantity 90']);
    const { pendingWork, drawdownAlerted } = w.license(lut.licenseId);

    // The amendment reads the empty record; the replaced pass records 80 and 90 before the amendment's write.
    w.faults.beforeNext('licenses.amend', async () => {
      const announcedMeanwhile = { ...(drawdownAlerted as object), quantityLimit: 100, quantity: [80, 90] };
      const expect = { appliedStatus: 'APPROVED', pendingWork };
      await w.licenses.recordAlerted(lut.licenseId, 'drawdownAlerted', announcedMeanwhile, expect);
    });
    // 95 of 99: 96 %, above 80 and 90 before and after.
    await amend(w, lut, 'authorizedQuantity', 99);
    expect(drawdownsOf(w, lut)).toEqual(['quantity 80', 'quantity 90']);
    expect(w.license(lut.licenseId).drawdownAlerted).toMatchObject({ quantityLimit: 99, quantity: [80, 90] });
  });
});
