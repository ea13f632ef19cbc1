/**
 * `clearance shipment ship` / `cancel` check the shipment they read with the
 * system's own rules (planShipmentAction refuses one with an edit of fixed
 * fields the system has not set back yet), and their write is conditional on
 * everything that check judged. An admin's console edit landing between the
 * read and the write fails the write: the command says what was typed and
 * that nothing was written, rather than reporting a status the system then
 * sets back with the edit.
 */
import { describe, expect, it } from 'vitest';
import { shipmentAction } from '../../../cli/commands/shipment.js';
import { LostRaceError } from '../../../cli/errors.js';
import { stubCliContext, stubResources } from '../../helpers/cli.js';
import { givenLicense, settleShipments, settleSystem } from '../../helpers/fakes/engine-kit.js';
import { type MemoryWorld, memoryWorld } from '../../helpers/fakes/world.js';
import { worldDb } from '../../helpers/fakes/world-db.js';

const JDOE = 'arn:aws:sts::000000000000:assumed-role/Logistics/j.doe';

async function releasedShipment(fields: { quantity: number; priority: number; value?: number }) {
  const w = memoryWorld();
  const lic = givenLicense(w, { status: 'APPROVED', appliedStatus: 'APPROVED', authorizedQuantity: 100 });
  const s = lic.shipment(fields);
  w.console.put('shipments', s);
  await settleSystem(w, lic.licenseId);
  expect(w.shipment(s.shipmentId)).toMatchObject({ status: 'RELEASED', countedStatus: 'RELEASED' });
  return { w, id: s.shipmentId };
}

/** The CLI over the world, with `edit` landing between its read and its write. */
function cliRacing(w: MemoryWorld, edit: () => void) {
  const db = worldDb(w, { beforeUpdate: edit });
  return stubCliContext({ resources: stubResources(), clients: { db }, identity: JDOE, errToOut: true });
}

describe('shipment ship / cancel racing a console edit', () => {
  it('ship racing an edit of quantity: a lost race naming the field, nothing written, and the shipment stays RELEASED', async () => {
    const { w, id } = await releasedShipment({ quantity: 5, priority: 1 });
    const { ctx, out } = cliRacing(w, () => w.console.edit('shipments', id, 'quantity', 7));

    const attempt = shipmentAction(ctx, 'ship', id, { reason: 'AWB 1234' });
    await expect(attempt).rejects.toThrow(LostRaceError);
    await expect(attempt).rejects.toThrow(
      `shipment ${id} changed while this command ran (quantity 5 → 7 was typed meanwhile); nothing was written. Wait until the system sets it back (\`clearance shipment show ${id}\`), then run the command again`,
    );
    expect(out.join('\n')).not.toMatch(/→ SHIPPED/);
    // Nothing of the command's reached the item.
    expect(w.shipment(id)).toMatchObject({ status: 'RELEASED', quantity: 7 });
    expect(w.shipment(id).updatedBy).not.toBe(JDOE);

    // shipment-events sets the quantity back; the shipment is RELEASED, as the CLI's answer implies.
    await settleShipments(w);
    expect(w.historyViolations()).toEqual([]);
    expect(w.shipment(id)).toMatchObject({ status: 'RELEASED', countedStatus: 'RELEASED', quantity: 5 });

    // Run again once it is set back, as the message says: shipped.
    const again = stubCliContext({ resources: stubResources(), clients: { db: worldDb(w) }, identity: JDOE });
    await expect(shipmentAction(again.ctx, 'ship', id, { reason: 'AWB 1234' })).resolves.toBe(0);
    await settleShipments(w);
    expect(w.shipment(id)).toMatchObject({ status: 'SHIPPED', countedStatus: 'SHIPPED', updatedBy: JDOE });
  });

  it("cancel racing an edit of a RELEASED shipment's value (drawn on its license): a lost race naming it", async () => {
    const { w, id } = await releasedShipment({ quantity: 5, priority: 1, value: 1000 });
    const { ctx, out } = cliRacing(w, () => w.console.edit('shipments', id, 'value', 1200));

    const attempt = shipmentAction(ctx, 'cancel', id, { reason: 'order withdrawn' });
    await expect(attempt).rejects.toThrow(LostRaceError);
    await expect(attempt).rejects.toThrow(
      /\(value 1000 → 1200 was typed meanwhile\); nothing was written\. Wait until the system sets it back/,
    );
    expect(out.join('\n')).not.toMatch(/→ CANCELLED/);
    await settleShipments(w);
    expect(w.shipment(id)).toMatchObject({ status: 'RELEASED', countedStatus: 'RELEASED', value: 1000 });
  });

  it('ship racing an edit of priority (judged valid as read): a lost race naming it', async () => {
    const { w, id } = await releasedShipment({ quantity: 5, priority: 1 });
    const { ctx } = cliRacing(w, () => w.console.edit('shipments', id, 'priority', 3));
    await expect(shipmentAction(ctx, 'ship', id, { reason: 'AWB 1234' })).rejects.toThrow(
      `shipment ${id} changed while this command ran (priority 1 → 3); nothing was written. Look at it with \`clearance shipment show ${id}\` and run the command again if it still applies`,
    );
    expect(w.shipment(id).status).toBe('RELEASED');
  });

  it('ship racing a find and replace over the countedAs stamp: a lost race, nothing written', async () => {
    const { w, id } = await releasedShipment({ quantity: 5, priority: 1 });
    const stamp = w.shipment(id).countedAs as Record<string, unknown>;
    const { ctx } = cliRacing(w, () =>
      w.console.edit('shipments', id, 'countedAs', { ...stamp, quantity: 9 }),
    );
    await expect(shipmentAction(ctx, 'ship', id, { reason: 'AWB 1234' })).rejects.toThrow(
      /\(countedAs .* was typed meanwhile\); nothing was written\. Wait until the system sets it back/,
    );
    expect(w.shipment(id).status).toBe('RELEASED');
  });
});
