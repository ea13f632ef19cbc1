/**
 * History on the local stack (handlers from their bundles, DynamoDB Local,
 * the streams): one license followed through approve → partial ship →
 * suspend → reinstate → amend → revoke, with console edits as an admin makes
 * them (status, `updatedBy` and `statusReason` in one UpdateItem). Each
 * step's new entries, their actors, reasons and triggers, and the running
 * balance of `drawn` are checked against the license; a rejected edit is an
 * `EDIT_REJECTED` with its reason. Then every record of both streams is
 * delivered again, and shipment-history crashes at its History append (before
 * and after the write): no entry is lost or doubled.
 */
import { describe, expect, it } from 'vitest';
import { adminConsole } from '../helpers/admin-console.js';
import { type Drawn, drawnOf, historyKit } from '../helpers/history-kit.js';
import { givenLicense, invocationsOf, sleep, snapshot } from '../helpers/release-kit.js';
import { useLocalStack } from '../helpers/stack.js';

const local = useLocalStack();
const s = adminConsole(local);
const { allEntries, consoleEdit, crashAtHistoryAppend, expectBalance, historyReader, redeliver } = historyKit(
  local,
  s,
);

const nothing = { quantity: 0, value: 0 };
const draws = (q: number) => ({ quantity: q, value: q * 1_000 });
const returns = (q: number) => ({ quantity: -q, value: -q * 1_000 });

const APPROVAL = { eventType: 'LICENSE_APPROVED', actor: 'alice', reason: 'BIS license D123456 granted' };
const SUSPENSION = { eventType: 'LICENSE_SUSPENDED', actor: 'bob', reason: 'end user under review' };
const REINSTATEMENT = { eventType: 'LICENSE_APPROVED', actor: 'alice', reason: 'review cleared' };
const AMENDMENT = { eventType: 'LICENSE_AMENDED', actor: 'carol', reason: 'amendment letter A-2' };
const REVOCATION = { eventType: 'LICENSE_REVOKED', actor: 'dave', reason: 'export privileges denied' };

/** A system change of a shipment, set off by `trigger`. */
const system = (
  event: string,
  shipment: string,
  trigger: object,
  move: { status: string; previousStatus: string; holdReason?: string; drawn: Drawn },
) => ({ event, shipment, actor: 'clearance', trigger, ...move });

let lifecycle:
  | { licenseId: string; shipmentIds: string[]; rejectedEdit?: { madeAt: string; enteredAt: string } }
  | undefined;

describe('History of one license through its life', () => {
  it('enters each decision with its actor and reason, each release and re-hold with its trigger, and a balance that matches the license at every step', async () => {
    // 50 units / $50,000. S1–S4: 10 units, $10,000 each; S5: 20 units, $5,000 (does not fit after S1–S4).
    const lut = await givenLicense(s, { authorizedQuantity: 50, authorizedValue: 50_000 });
    const id = lut.license.licenseId;
    const shipments = [1, 2, 3, 4, 5].map((priority) =>
      lut.shipment({
        priority,
        quantity: priority === 5 ? 20 : 10,
        value: priority === 5 ? 5_000 : 10_000,
        updatedBy: 'erp-import',
      }),
    );
    lifecycle = { licenseId: id, shipmentIds: shipments.map((x) => x.shipmentId) };
    const names = new Map(shipments.map((x, i) => [x.shipmentId, `S${i + 1}`]));
    const S = (n: number) => shipments[n - 1]?.shipmentId ?? '';
    const step = historyReader(id, names);
    const decide = async (changes: Record<string, unknown>) => {
      await consoleEdit('licenses', { licenseId: id }, changes);
      await local.drain();
    };
    const editShipment = (n: number, changes: Record<string, unknown>) =>
      consoleEdit('shipments', { shipmentId: S(n) }, changes);

    await s.putShipments(shipments);
    await local.drain();
    let h = await step();
    expect(h.fresh, 'the new license and the intake').toEqual([
      { event: 'LICENSE_PENDING', actor: 'unknown', status: 'PENDING', previousStatus: null },
      ...[1, 2, 3, 4, 5].map((n) => ({
        event: 'SHIPMENT_HELD',
        shipment: `S${n}`,
        // Who wrote the new shipment (its updatedBy).
        actor: 'erp-import',
        status: 'HELD',
        previousStatus: null,
        holdReason: 'LICENSE_PENDING',
        drawn: nothing,
      })),
    ]);
    await expectBalance(id, h.all, nothing);

    // erin's typo: rejected, nothing moves.
    await decide({ status: 'APROVED', updatedBy: 'erin', statusReason: 'letter D123456 received' });
    h = await step();
    expect(h.fresh, 'the rejected status edit').toEqual([
      {
        event: 'EDIT_REJECTED',
        actor: 'erin',
        reason: expect.stringContaining('"APROVED"'),
        status: 'APROVED',
        previousStatus: 'PENDING',
      },
    ]);
    expect((await s.license(id)).statusError).toBe(h.fresh[0]?.reason);
    await expectBalance(id, h.all, nothing);

    await decide({ status: 'APPROVED', updatedBy: 'alice', statusReason: APPROVAL.reason });
    h = await step();
    const released = (n: number, trigger: object) =>
      system('SHIPMENT_RELEASED', `S${n}`, trigger, {
        status: 'RELEASED',
        previousStatus: 'HELD',
        drawn: draws(10),
      });
    const relabelled = (n: number, trigger: object, to: string) =>
      system('SHIPMENT_HOLD_UPDATED', `S${n}`, trigger, {
        status: 'HELD',
        previousStatus: 'HELD',
        holdReason: to,
        drawn: nothing,
      });
    expect(h.fresh, 'the approval').toEqual([
      {
        event: 'LICENSE_APPROVED',
        actor: 'alice',
        reason: APPROVAL.reason,
        status: 'APPROVED',
        previousStatus: 'PENDING',
      },
      ...[1, 2, 3, 4].map((n) => released(n, APPROVAL)),
      relabelled(5, APPROVAL, 'LICENSE_QUANTITY_EXHAUSTED'),
    ]);
    await expectBalance(id, h.all, draws(40));

    // Logistics ships S1 (saying who and why) and S2 (saying nothing): a partial shipment.
    await editShipment(1, { status: 'SHIPPED', updatedBy: 'wh-berlin', statusReason: 'AWB 1001' });
    await editShipment(2, { status: 'SHIPPED' });
    await local.drain();
    h = await step();
    const shipped = { status: 'SHIPPED', previousStatus: 'RELEASED', drawn: nothing };
    expect(h.fresh, 'the partial shipment').toEqual([
      { event: 'SHIPMENT_SHIPPED', shipment: 'S1', actor: 'wh-berlin', reason: 'AWB 1001', ...shipped },
      { event: 'SHIPMENT_SHIPPED', shipment: 'S2', actor: 'unknown', ...shipped },
    ]);
    await expectBalance(id, h.all, draws(40));

    // A warehouse marks the held S5 SHIPPED: rejected and written back. The edit is made just
    // after a second starts (see the rejection's time, checked on its own below).
    await sleep(1_010 - (Date.now() % 1_000));
    const rejectedEditAt = new Date().toISOString();
    await editShipment(5, { status: 'SHIPPED', updatedBy: 'wh-hamburg', statusReason: 'loaded' });
    await local.drain();
    h = await step();
    expect(h.fresh, 'the rejected shipment edit').toEqual([
      {
        event: 'EDIT_REJECTED',
        shipment: 'S5',
        actor: 'wh-hamburg',
        reason: expect.stringContaining('HELD → SHIPPED is not allowed'),
        status: 'SHIPPED',
        previousStatus: 'HELD',
      },
    ]);
    expect(await s.shipment(S(5))).toMatchObject({ status: 'HELD', statusError: h.fresh[0]?.reason });
    const rejection = h.all.find((e) => e.shipmentId === S(5) && e.eventType === 'EDIT_REJECTED');
    if (lifecycle) lifecycle.rejectedEdit = { madeAt: rejectedEditAt, enteredAt: String(rejection?.at) };
    await expectBalance(id, h.all, draws(40));

    await decide({ status: 'SUSPENDED', updatedBy: 'bob', statusReason: SUSPENSION.reason });
    h = await step();
    const reheld = (n: number, trigger: object, holdReason: string) =>
      system('SHIPMENT_REHELD', `S${n}`, trigger, {
        status: 'HELD',
        previousStatus: 'RELEASED',
        holdReason,
        drawn: returns(10),
      });
    expect(h.fresh, 'the suspension').toEqual([
      {
        event: 'LICENSE_SUSPENDED',
        actor: 'bob',
        reason: SUSPENSION.reason,
        status: 'SUSPENDED',
        previousStatus: 'APPROVED',
      },
      reheld(3, SUSPENSION, 'LICENSE_SUSPENDED'),
      reheld(4, SUSPENSION, 'LICENSE_SUSPENDED'),
      relabelled(5, SUSPENSION, 'LICENSE_SUSPENDED'),
    ]);
    await expectBalance(id, h.all, draws(20));

    await decide({ status: 'APPROVED', updatedBy: 'alice', statusReason: REINSTATEMENT.reason });
    h = await step();
    expect(h.fresh, 'the reinstatement').toEqual([
      {
        event: 'LICENSE_APPROVED',
        actor: 'alice',
        reason: REINSTATEMENT.reason,
        status: 'APPROVED',
        previousStatus: 'SUSPENDED',
      },
      released(3, REINSTATEMENT),
      released(4, REINSTATEMENT),
      relabelled(5, REINSTATEMENT, 'LICENSE_QUANTITY_EXHAUSTED'),
    ]);
    await expectBalance(id, h.all, draws(40));

    // carol lowers the limit to 30: 20 shipped + S3 fit, S4 (last in hold order) is re-held.
    await decide({ authorizedQuantity: 30, updatedBy: 'carol', statusReason: AMENDMENT.reason });
    h = await step();
    expect(h.fresh, 'the amendment').toEqual([
      {
        event: 'LICENSE_AMENDED',
        actor: 'carol',
        reason: AMENDMENT.reason,
        status: 'APPROVED',
        previousStatus: 'APPROVED',
        changes: 'authorizedQuantity 50 → 30',
      },
      reheld(4, AMENDMENT, 'LICENSE_QUANTITY_EXHAUSTED'),
    ]);
    await expectBalance(id, h.all, draws(30));

    // Someone raises the value limit without saying who: `unknown`, never carol.
    await decide({ authorizedValue: 60_000 });
    h = await step();
    expect(h.fresh, 'the anonymous amendment').toEqual([
      {
        event: 'LICENSE_AMENDED',
        actor: 'unknown',
        status: 'APPROVED',
        previousStatus: 'APPROVED',
        changes: 'authorizedValue 50000 → 60000',
      },
    ]);
    await expectBalance(id, h.all, draws(30));

    await decide({ status: 'REVOKED', updatedBy: 'dave', statusReason: REVOCATION.reason });
    h = await step();
    expect(h.fresh, 'the revocation').toEqual([
      {
        event: 'LICENSE_REVOKED',
        actor: 'dave',
        reason: REVOCATION.reason,
        status: 'REVOKED',
        previousStatus: 'APPROVED',
      },
      reheld(3, REVOCATION, 'LICENSE_REVOKED'),
      relabelled(4, REVOCATION, 'LICENSE_REVOKED'),
      relabelled(5, REVOCATION, 'LICENSE_REVOKED'),
    ]);
    await expectBalance(id, h.all, draws(20));

    // The whole record, in time order.
    const licenseEntries = h.all.filter((e) => e.shipmentId === undefined);
    expect(licenseEntries.map((e) => [e.eventType, e.actor, e.reason ?? null])).toEqual([
      ['LICENSE_PENDING', 'unknown', null],
      ['EDIT_REJECTED', 'erin', expect.stringContaining('APROVED')],
      ['LICENSE_APPROVED', 'alice', APPROVAL.reason],
      ['LICENSE_SUSPENDED', 'bob', SUSPENSION.reason],
      ['LICENSE_APPROVED', 'alice', REINSTATEMENT.reason],
      ['LICENSE_AMENDED', 'carol', AMENDMENT.reason],
      ['LICENSE_AMENDED', 'unknown', null],
      ['LICENSE_REVOKED', 'dave', REVOCATION.reason],
    ]);
    const perShipment = Object.fromEntries(
      [1, 2, 3, 4, 5].map((n) => [
        `S${n}`,
        h.all.filter((e) => e.shipmentId === S(n) && e.eventType !== 'EDIT_REJECTED').map((e) => e.eventType),
      ]),
    );
    expect(perShipment).toEqual({
      S1: ['SHIPMENT_HELD', 'SHIPMENT_RELEASED', 'SHIPMENT_SHIPPED'],
      S2: ['SHIPMENT_HELD', 'SHIPMENT_RELEASED', 'SHIPMENT_SHIPPED'],
      S3: ['SHIPMENT_HELD', 'SHIPMENT_RELEASED', 'SHIPMENT_REHELD', 'SHIPMENT_RELEASED', 'SHIPMENT_REHELD'],
      S4: [
        'SHIPMENT_HELD',
        'SHIPMENT_RELEASED',
        'SHIPMENT_REHELD',
        'SHIPMENT_RELEASED',
        'SHIPMENT_REHELD',
        'SHIPMENT_HOLD_UPDATED',
      ],
      S5: [
        'SHIPMENT_HELD',
        'SHIPMENT_HOLD_UPDATED',
        'SHIPMENT_HOLD_UPDATED',
        'SHIPMENT_HOLD_UPDATED',
        'SHIPMENT_HOLD_UPDATED',
      ],
    });
    // Its rejected edit, once (its place in time order is checked below).
    expect(h.all.filter((e) => e.shipmentId === S(5) && e.eventType === 'EDIT_REJECTED')).toHaveLength(1);
    expect(h.all).toHaveLength(31);
    expect(await s.license(id)).toMatchObject({ appliedStatus: 'REVOKED', appliedChanges: 7 });
    await s.expectInvariants();
  });
});

/**
 * The intake's write stamps the new shipment's `updatedBy` and `statusReason`
 * as its `decision`: the SHIPMENT_HELD entry names who wrote the shipment.
 */
it('names the writer of a new shipment (its updatedBy) as the actor of its SHIPMENT_HELD entry', async () => {
  expect(lifecycle, 'the lifecycle ran first').toBeDefined();
  const [first] = lifecycle?.shipmentIds ?? [];
  const held = (await s.history(lifecycle?.licenseId ?? '')).filter(
    (e) => e.shipmentId === first && e.eventType === 'SHIPMENT_HELD',
  );
  expect(held).toHaveLength(1);
  expect(held[0]?.actor).toBe('erp-import');
});

/**
 * A rejected shipment edit is entered when it is written back, in the same
 * transaction, at a millisecond time: never before the edit was made (a
 * stream record's ApproximateCreationDateTime is rounded down to the second
 * on AWS, to the minute by DynamoDB Local, so it cannot be the entry's time).
 * The edit is made 10 ms into a second, so a rounded time fails this.
 */
it('enters a rejected shipment edit no earlier than the edit was made', () => {
  const edit = lifecycle?.rejectedEdit;
  expect(edit, 'the lifecycle ran first').toBeDefined();
  const [enteredAt, madeAt] = [String(edit?.enteredAt), String(edit?.madeAt)];
  expect(enteredAt >= madeAt, `entered at ${enteredAt}, the edit was made at ${madeAt}`).toBe(true);
});

describe('History under redelivery and crashes', () => {
  it('adds no entry when every record of both streams is delivered again after the lifecycle', async () => {
    expect(lifecycle, 'the lifecycle ran first').toBeDefined();
    const entries = await allEntries();
    const tables = await snapshot(s);
    const licenseRecords = await local.readStreamRecords('licenses');
    const shipmentRecords = await local.readStreamRecords('shipments');
    expect(licenseRecords.length).toBeGreaterThanOrEqual(8);
    expect(shipmentRecords.length).toBeGreaterThanOrEqual(25);

    await redeliver('license-events', licenseRecords);
    await redeliver('shipment-events', shipmentRecords);
    await redeliver('shipment-history', shipmentRecords);
    await local.drain();

    const after = await allEntries();
    expect(after.length, 'entries before and after').toBe(entries.length);
    expect(after).toEqual(entries);
    expect(await snapshot(s)).toEqual(tables);
    await s.expectInvariants();
  });

  it.each(['before', 'after'] as const)(
    'retries a batch whose sandbox crashed %s its History append: every release entered once',
    async (when) => {
      const lut = await givenLicense(s, { authorizedQuantity: 30, authorizedValue: 30_000 });
      const id = lut.license.licenseId;
      const shipments = [1, 2, 3].map((priority) => lut.shipment({ priority, value: 10_000 }));
      await s.putShipments(shipments);
      await local.drain();
      expect(await s.history(id), 'the new license and the intake').toHaveLength(4);
      const invocations = invocationsOf(local, 'shipment-history');

      const crash = crashAtHistoryAppend(when);
      try {
        await consoleEdit('licenses', { licenseId: id }, { status: 'APPROVED', updatedBy: 'alice' });
        await local.drain();
      } finally {
        crash.remove();
      }

      expect(crash.state.crashed.length, 'the crash fired, at the append of the releases').toBeGreaterThan(0);
      expect(new Set(crash.state.crashed)).toEqual(new Set(['SHIPMENT_RELEASED']));
      expect(
        invocationsOf(local, 'shipment-history') - invocations,
        'the crashed batch was retried',
      ).toBeGreaterThanOrEqual(2);
      // After the write, the retry finds the entries there (and skips them); before it, it writes them.
      expect(crash.state.later[0], 'the retry appended again').toEqual({
        status: when === 'after' ? 400 : 200,
        conditionalCheckFailed: when === 'after',
      });
      const entries = await s.history(id);
      const rows = entries.map((e) => [e.eventType, e.shipmentId ?? null, e.actor, drawnOf(e).quantity]);
      const byShipment = (a: unknown[], b: unknown[]) => (String(a) < String(b) ? -1 : 1);
      expect(rows.sort(byShipment)).toEqual(
        [
          ['LICENSE_PENDING', null, 'unknown', 0],
          ['LICENSE_APPROVED', null, 'alice', 0],
          ...shipments.map((x) => ['SHIPMENT_HELD', x.shipmentId, 'unknown', 0]),
          ...shipments.map((x) => ['SHIPMENT_RELEASED', x.shipmentId, 'clearance', 10]),
        ].sort(byShipment),
      );
      await expectBalance(id, entries, draws(30));
      await s.expectInvariants();
    },
  );
});
