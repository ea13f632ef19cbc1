/**
 * A decision's conditional UpdateItem whose response is lost (a socket
 * timeout or a DynamoDB 500 after the write committed) is resent by the SDK,
 * and the resend fails its own condition: the item already shows the write.
 * The CLI reads the item again and, when it carries this command's write,
 * reports it written (exit 0, and --wait follows it). Someone's identical
 * decision landing between the read and the write is the documented re-run
 * case (nothing written, exit 0); any other change is a lost race that names
 * what changed.
 */
import { describe, expect, it } from 'vitest';
import { licenseAction } from '../../../cli/commands/license.js';
import { licenseAmend } from '../../../cli/commands/license-amend.js';
import { shipmentAction } from '../../../cli/commands/shipment.js';
import { LostRaceError } from '../../../cli/errors.js';
import { stubCliContext, stubResources } from '../../helpers/cli.js';
import { givenLicense, settleSystem } from '../../helpers/fakes/engine-kit.js';
import { type MemoryWorld, memoryWorld } from '../../helpers/fakes/world.js';
import { type WorldDbOptions, worldDb } from '../../helpers/fakes/world-db.js';

const JDOE = 'arn:aws:sts::000000000000:assumed-role/ComplianceAdmin/j.doe';
const BOB = 'arn:aws:sts::000000000000:assumed-role/ComplianceAdmin/bob';

function cli(w: MemoryWorld, opts: WorldDbOptions) {
  const db = worldDb(w, opts);
  const { ctx, out } = stubCliContext({
    resources: stubResources(),
    clients: { db },
    identity: JDOE,
    errToOut: true,
  });
  return { ctx, out, db };
}

const outcomeOf = (run: Promise<number>) =>
  run.then(
    (code) => ({ code, error: '' }),
    (e: Error) => ({ code: -1, error: e.message, e }),
  );

async function applied(w: MemoryWorld, more: { authorizedQuantity?: number } = {}) {
  const lic = givenLicense(w, { status: 'APPROVED', appliedStatus: 'APPROVED', ...more });
  await settleSystem(w, lic.licenseId);
  return lic;
}

async function releasedShipment(w: MemoryWorld) {
  const lic = givenLicense(w, { status: 'APPROVED', appliedStatus: 'APPROVED' });
  const s = lic.shipment({ quantity: 5, priority: 1 });
  w.console.put('shipments', s);
  await settleSystem(w, lic.licenseId);
  expect(w.shipment(s.shipmentId).countedStatus).toBe('RELEASED');
  return s.shipmentId;
}

describe('a decision whose UpdateItem committed and whose resend failed its condition', () => {
  it('license suspend: reported written (exit 0), the suspension stored with its author and reason', async () => {
    const w = memoryWorld();
    const lic = await applied(w);
    const { ctx, out, db } = cli(w, { resend: true });

    const outcome = await outcomeOf(
      licenseAction(ctx, 'suspend', lic.licenseId, { reason: 'investigation 7' }),
    );

    expect(db.updates).toEqual([{ first: true, resent: false }]);
    expect(w.license(lic.licenseId)).toMatchObject({
      status: 'SUSPENDED',
      updatedBy: JDOE,
      statusReason: 'investigation 7',
    });
    expect(outcome).toEqual({ code: 0, error: '' });
    expect(out.join('\n')).toContain(`License ${lic.licenseId}: APPROVED → SUSPENDED (suspend, by ${JDOE}`);
    expect(out.join('\n')).not.toMatch(/nothing was written/);
  });

  it('license suspend --wait: follows the system applying it to the end', async () => {
    const w = memoryWorld();
    const lic = await applied(w);
    const { ctx, out } = cli(w, { resend: true, afterUpdate: () => settleSystem(w, lic.licenseId) });

    const outcome = await outcomeOf(
      licenseAction(ctx, 'suspend', lic.licenseId, { reason: 'investigation 7', wait: true }),
    );

    expect(outcome).toEqual({ code: 0, error: '' });
    expect(out.join('\n')).toContain(`License ${lic.licenseId} is SUSPENDED`);
    expect(w.license(lic.licenseId)).toMatchObject({ status: 'SUSPENDED', appliedStatus: 'SUSPENDED' });
  });

  it('license amend: reported written (exit 0), the terms stored with its author', async () => {
    const w = memoryWorld();
    const lic = await applied(w, { authorizedQuantity: 100 });
    const { ctx, out } = cli(w, { resend: true });

    const outcome = await outcomeOf(
      licenseAmend(ctx, lic.licenseId, { quantity: '150', reason: 'BIS amendment A-17', wait: false }),
    );

    expect(w.license(lic.licenseId)).toMatchObject({ authorizedQuantity: 150, updatedBy: JDOE });
    expect(outcome).toEqual({ code: 0, error: '' });
    expect(out.join('\n')).toContain(`License ${lic.licenseId} amended: authorizedQuantity 100 → 150`);
  });

  it('shipment ship: reported written (exit 0), SHIPPED by this command', async () => {
    const w = memoryWorld();
    const id = await releasedShipment(w);
    const { ctx, out } = cli(w, { resend: true });

    const outcome = await outcomeOf(shipmentAction(ctx, 'ship', id, { reason: 'AWB 1234' }));

    expect(w.shipment(id)).toMatchObject({ status: 'SHIPPED', updatedBy: JDOE, statusReason: 'AWB 1234' });
    expect(outcome).toEqual({ code: 0, error: '' });
    expect(out.join('\n')).toContain(`Shipment ${id}: RELEASED → SHIPPED`);
  });

  it('shipment cancel without --reason (statusReason removed): reported written (exit 0)', async () => {
    const w = memoryWorld();
    const id = await releasedShipment(w);
    w.console.edit('shipments', id, 'statusReason', 'PO 4711');
    const { ctx, out } = cli(w, { resend: true });

    const outcome = await outcomeOf(shipmentAction(ctx, 'cancel', id, {}));

    expect(w.shipment(id)).toMatchObject({ status: 'CANCELLED', updatedBy: JDOE });
    expect(w.shipment(id).statusReason).toBeUndefined();
    expect(outcome).toEqual({ code: 0, error: '' });
    expect(out.join('\n')).toContain(`Shipment ${id}: RELEASED → CANCELLED`);
  });
});

describe('someone else’s edit landing between a decision’s read and its write', () => {
  it('an identical suspension: the documented re-run case, nothing written and exit 0, theirs kept', async () => {
    const w = memoryWorld();
    const lic = await applied(w);
    const { ctx, out } = cli(w, {
      beforeUpdate: () => {
        w.console.edit('licenses', lic.licenseId, 'status', 'SUSPENDED');
        w.console.edit('licenses', lic.licenseId, 'updatedBy', BOB);
      },
    });

    const outcome = await outcomeOf(
      licenseAction(ctx, 'suspend', lic.licenseId, { reason: 'investigation 7' }),
    );

    expect(outcome).toEqual({ code: 0, error: '' });
    expect(out.join('\n')).toContain(
      `license ${lic.licenseId} is already set to SUSPENDED and the system is applying it (applied: APPROVED); nothing was written`,
    );
    expect(w.license(lic.licenseId)).toMatchObject({ status: 'SUSPENDED', updatedBy: BOB });
  });

  it('a revocation: a lost race naming the status change, nothing written', async () => {
    const w = memoryWorld();
    const lic = await applied(w);
    const { ctx } = cli(w, {
      beforeUpdate: () => w.console.edit('licenses', lic.licenseId, 'status', 'REVOKED'),
    });

    const outcome = await outcomeOf(
      licenseAction(ctx, 'suspend', lic.licenseId, { reason: 'investigation 7' }),
    );

    expect(outcome.code).toBe(-1);
    expect('e' in outcome && outcome.e).toBeInstanceOf(LostRaceError);
    expect(outcome.error).toMatch(
      new RegExp(
        `^license ${lic.licenseId} changed while this command ran \\(status APPROVED → REVOKED\\); nothing was written`,
      ),
    );
    expect(w.license(lic.licenseId).status).toBe('REVOKED');
  });

  it('an identical amendment: nothing written and exit 0, naming whose it is', async () => {
    const w = memoryWorld();
    const lic = await applied(w, { authorizedQuantity: 100 });
    const { ctx, out } = cli(w, {
      beforeUpdate: () => {
        w.console.edit('licenses', lic.licenseId, 'authorizedQuantity', 150);
        w.console.edit('licenses', lic.licenseId, 'updatedBy', BOB);
      },
    });

    const outcome = await outcomeOf(
      licenseAmend(ctx, lic.licenseId, { quantity: '150', reason: 'BIS amendment A-17', wait: false }),
    );

    expect(outcome).toEqual({ code: 0, error: '' });
    expect(out.join('\n')).toContain(
      `license ${lic.licenseId} was amended to the same terms by someone else while this command ran (updatedBy ${BOB}); nothing was written`,
    );
    expect(w.license(lic.licenseId)).toMatchObject({ authorizedQuantity: 150, updatedBy: BOB });
  });

  it('another amendment: a lost race naming the term, nothing written', async () => {
    const w = memoryWorld();
    const lic = await applied(w, { authorizedQuantity: 100 });
    const { ctx } = cli(w, {
      beforeUpdate: () => w.console.edit('licenses', lic.licenseId, 'authorizedQuantity', 120),
    });

    const outcome = await outcomeOf(
      licenseAmend(ctx, lic.licenseId, { quantity: '150', reason: 'BIS amendment A-17', wait: false }),
    );

    expect(outcome.error).toMatch(
      /changed while this command ran \(authorizedQuantity 100 → 120\); nothing was written/,
    );
    expect(w.license(lic.licenseId).authorizedQuantity).toBe(120);
  });

  it('an identical ship: nothing written and exit 0, naming whose it is', async () => {
    const w = memoryWorld();
    const id = await releasedShipment(w);
    const { ctx, out } = cli(w, {
      beforeUpdate: () => {
        w.console.edit('shipments', id, 'status', 'SHIPPED');
        w.console.edit('shipments', id, 'updatedBy', BOB);
      },
    });

    const outcome = await outcomeOf(shipmentAction(ctx, 'ship', id, { reason: 'AWB 1234' }));

    expect(outcome).toEqual({ code: 0, error: '' });
    expect(out.join('\n')).toContain(
      `shipment ${id} was set to SHIPPED by someone else while this command ran (updatedBy ${BOB}); nothing was written`,
    );
    expect(w.shipment(id)).toMatchObject({ status: 'SHIPPED', updatedBy: BOB });
  });
});
