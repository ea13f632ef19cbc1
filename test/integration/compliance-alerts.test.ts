/**
 * The compliance alerts end to end on the local stack, from the cdk.out
 * bundles behind the request gateway: LICENSE_DRAWDOWN on the ops topic once
 * per threshold (through a failed record, redelivered stream records and an
 * amendment of the limit the license stays above), and
 * LICENSE_EXPIRING from the real license-clock with the logistics digest to a
 * warehouse, re-armed by an amendment of validUntil. The expiry watch counts
 * lead times back from `validUntil`, so the test sets `validUntil` a few days
 * from now instead of moving the clock.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { errorResponse } from '../../local/gateway/wire.js';
import { deadline } from '../../shared/domain/compliance-notices.js';
import type { ClockResult } from '../../shared/engine/clock.js';
import { adminConsole } from '../helpers/admin-console.js';
import { emailStandIn } from '../helpers/notify.js';
import { opsInbox } from '../helpers/ops-inbox.js';
import {
  fromNow,
  givenLicense,
  interceptFunctionCalls,
  invokeWithRecords,
  settledLicense,
} from '../helpers/release-kit.js';
import { useLocalStack } from '../helpers/stack.js';

const local = useLocalStack();
const s = adminConsole(local);
const ops = opsInbox(local);

const DAY = 86_400_000;
const DRAWDOWN = 'LICENSE_DRAWDOWN';
const EXPIRING = 'LICENSE_EXPIRING';

beforeAll(async () => {
  await ops.open();
});

const clockTick = () => local.esm.invokeSchedule('license-clock') as Promise<ClockResult>;

/** Five ticks, one per schedule slot of five minutes: each quiet expiry lead has its turn in one of them. */
async function fiveSlots(): Promise<ClockResult[]> {
  const out: ClockResult[] = [];
  for (let minute = 1; minute <= 5; minute++)
    out.push(
      (await local.esm.invokeSchedule('license-clock', {
        time: new Date(Date.UTC(2026, 0, 1, 0, minute)),
      })) as ClockResult,
    );
  return out;
}

async function approve(licenseId: string) {
  await s.setLicenseStatus(licenseId, 'APPROVED');
  await local.drain();
  return settledLicense(s, licenseId);
}

/** `threshold dimension` of each drawdown alert, e.g. `80 quantity`. */
const thresholds = (alerts: readonly { subject: string }[]) =>
  alerts.map((a) =>
    a.subject
      .match(/(\d+) % of its (quantity|value) limit/)
      ?.slice(1, 3)
      .join(' '),
  );

describe('LICENSE_DRAWDOWN', () => {
  it('reaches the ops topic once per threshold crossed, with its attributes, and not again on redelivery', async () => {
    const lut = await givenLicense(s, { authorizedQuantity: 100 });
    const id = lut.license.licenseId;
    await s.putShipments([
      lut.shipment({ priority: 1, quantity: 50 }),
      lut.shipment({ priority: 2, quantity: 35, warehouseId: 'WH-2' }),
      lut.shipment({ priority: 3, quantity: 10 }),
      lut.shipment({ priority: 4, quantity: 30 }),
    ]);
    await local.drain();
    expect(await approve(id)).toMatchObject({ releasedQuantity: 95 });

    const alerts = await ops.compliance(id, DRAWDOWN, 2);
    expect(thresholds(alerts)).toEqual(['80 quantity', '90 quantity']);
    for (const a of alerts)
      expect(a.attributes).toEqual({ kind: 'alert', severity: 'normal', alertType: DRAWDOWN, licenseId: id });
    expect(alerts[1]?.body).toContain('95 units released of 100 units authorized, 95 %');
    expect(alerts[1]?.body).toContain('Left to release: 5 units and no value limit.');
    expect(alerts[1]?.body).toContain('Held backlog still waiting under it: 1 shipment (30 units).');
    expect((await s.license(id)).drawdownAlerted).toMatchObject({ quantityLimit: 100, quantity: [80, 90] });

    // Every record of the Licenses stream delivered again, in one batch and one at a time.
    const records = await local.readStreamRecords('licenses');
    expect(await invokeWithRecords(local, 'license-events', records)).toEqual({ batchItemFailures: [] });
    for (const r of records.filter((x) => x.dynamodb?.Keys?.licenseId?.S === id))
      expect(await invokeWithRecords(local, 'license-events', [r])).toEqual({ batchItemFailures: [] });
    await local.drain();
    // fauxqs puts a message in each subscribed queue before Publish answers: after the drain, every
    // alert sent is in the inbox, so it is read once (no wait for a third that is never sent).
    expect(await ops.compliance(id, DRAWDOWN, 3, 0)).toHaveLength(2);
  });

  it('repeats the alert when recording it fails, and then never again', async () => {
    const lut = await givenLicense(s, { authorizedQuantity: 10 });
    const id = lut.license.licenseId;
    await s.putShipments([lut.shipment({ quantity: 8 })]);
    await local.drain();
    const table = local.resources.tables.licenses.name;
    let failed = 0;
    const remove = interceptFunctionCalls(local, async (call, forward) => {
      const input = call.input as {
        TableName?: string;
        UpdateExpression?: string;
        Key?: { licenseId?: { S?: string } };
      };
      if (
        failed > 0 ||
        call.operation !== 'UpdateItem' ||
        input.TableName !== table ||
        input.Key?.licenseId?.S !== id ||
        !input.UpdateExpression?.includes('#drawdownAlerted')
      )
        return forward();
      failed++;
      return errorResponse('dynamodb', 'ValidationException', 'injected: the record of the alert fails');
    });
    try {
      await approve(id);
    } finally {
      remove();
    }
    expect(failed).toBe(1);
    expect(thresholds(await ops.compliance(id, DRAWDOWN, 2))).toEqual(['80 quantity', '80 quantity']);
    expect((await s.license(id)).drawdownAlerted).toMatchObject({ quantity: [80] });
    await clockTick(); // the settling pass: nothing more to announce
    await local.drain();
    expect(await ops.compliance(id, DRAWDOWN, 3, 0)).toHaveLength(2);
  });

  it('sends nothing again for an amendment of the limit that leaves the license above a threshold, and 100 % once when reached', async () => {
    const lut = await givenLicense(s, { authorizedQuantity: 100 });
    const id = lut.license.licenseId;
    await s.putShipments([
      lut.shipment({ priority: 1, quantity: 60 }),
      lut.shipment({ priority: 2, quantity: 35, warehouseId: 'WH-2' }),
    ]);
    await local.drain();
    expect(await approve(id)).toMatchObject({ releasedQuantity: 95 });
    expect(thresholds(await ops.compliance(id, DRAWDOWN, 2))).toEqual(['80 quantity', '90 quantity']);

    // 95 of 99: 96 %, above 80 and 90 under the old limit and the new one.
    await s.edit('licenses', { licenseId: id }, 'authorizedQuantity', 99);
    await local.drain();
    expect(await settledLicense(s, id)).toMatchObject({
      appliedTerms: expect.objectContaining({ authorizedQuantity: 99 }),
      drawdownAlerted: expect.objectContaining({ quantityLimit: 99, quantity: [80, 90] }),
    });
    // 99 of 99.
    await s.putShipments([lut.shipment({ priority: 3, quantity: 4 })]);
    await local.drain();
    expect(await settledLicense(s, id)).toMatchObject({ releasedQuantity: 99 });
    const alerts = await ops.compliance(id, DRAWDOWN, 4, 1_500);
    expect(thresholds(alerts)).toEqual(['80 quantity', '90 quantity', '100 quantity']);
    expect(alerts[2]?.body).toContain('99 units released of 99 units authorized, 100 %');
  });
});

describe('LICENSE_EXPIRING', () => {
  it('alerts ops and sends the warehouse its list from the real clock, once per lead, re-armed by an amendment of validUntil', async () => {
    const validUntil = new Date(Date.now() + 29.5 * DAY).toISOString();
    const lut = await givenLicense(s, { authorizedQuantity: 100, validUntil }, ['WH-EXP-1', 'WH-EXP-2']);
    const id = lut.license.licenseId;
    const wh1 = await emailStandIn(local, { warehouse: 'WH-EXP-1' });
    const wh2 = await emailStandIn(local, { warehouse: 'WH-EXP-2' });
    const released = [
      lut.shipment({ shipmentId: `${id}-B`, priority: 2, quantity: 20, value: 2_000 }),
      lut.shipment({ shipmentId: `${id}-A`, priority: 1, quantity: 30, value: 3_000 }),
    ];
    await s.putShipments([...released, lut.shipment({ priority: 9, quantity: 70, value: 7_000 })]);
    await local.drain();
    expect(await approve(id)).toMatchObject({ releasedQuantity: 50 });
    await wh1.receiveAll(); // the release digest

    expect((await clockTick()).expiring).toContain(id);
    await local.drain();
    const [alert, ...more] = await ops.compliance(id, EXPIRING);
    expect(more).toEqual([]);
    expect(alert?.attributes).toEqual({
      kind: 'alert',
      severity: 'normal',
      alertType: EXPIRING,
      licenseId: id,
    });
    expect(alert?.subject).toBe(`License ${id} expires in 30 days or less (until ${deadline(validUntil)})`);
    expect(alert?.body).toMatch(/RELEASED {2}2 shipments, 50 units, USD 5,000: must ship before then/);
    expect(alert?.body).toMatch(/HELD {6}1 shipment, 70 units, USD 7,000/);

    const [digest, ...others] = (await wh1.receiveAll()).filter((m) => m.attributes.eventType === EXPIRING);
    expect(others).toEqual([]);
    expect(digest?.attributes).toMatchObject({
      kind: 'digest',
      eventType: EXPIRING,
      warehouseId: 'WH-EXP-1',
    });
    expect(digest?.subject).toBe(
      `Warehouse WH-EXP-1: 2 shipments under license ${id} must ship before ${validUntil.slice(0, 10)} ${validUntil.slice(11, 16)} UTC`,
    );
    expect(digest?.text.match(/^ {2}\d+\. \S+/gm)).toEqual([`  1. ${id}-A:`, `  2. ${id}-B:`]);
    expect(digest?.text).not.toMatch(/USD|value/i);
    expect(await wh2.receiveAll(), 'nothing RELEASED at WH-EXP-2').toEqual([]);

    expect((await clockTick()).expiring, 'once per lead').not.toContain(id);

    // The amendment brings validUntil within 7 days: a new validUntil re-arms the watch, and of the
    // two leads now due (30 and 7) only the nearest is sent.
    const sooner = fromNow(6.5 * DAY);
    await s.edit('licenses', { licenseId: id }, 'validUntil', sooner);
    await local.drain();
    expect((await clockTick()).expiring).toContain(id);
    await local.drain();
    const after = await ops.compliance(id, EXPIRING, 2);
    expect(after.map((a) => a.subject)).toEqual([
      alert?.subject,
      `License ${id} expires in 7 days or less (until ${deadline(sooner)})`,
    ]);
    expect((await wh1.receiveAll()).filter((m) => m.attributes.eventType === EXPIRING)).toHaveLength(1);
    expect((await s.license(id)).expiryAlerted).toEqual({ validUntil: sooner, leads: [30, 7] });

    // What AWS would judge: the clock's Publish to ops and logistics, with their keys, all allowed.
    const { judged, denied } = local.stack.requests();
    expect(denied).toEqual([]);
    const r = local.resources;
    for (const topic of [r.topics.ops.arn, r.topics.logistics.arn])
      expect(
        judged.some(
          (j) => j.caller === 'license-clock' && j.action === 'sns:Publish' && j.resource === topic,
        ),
      ).toBe(true);
    expect(judged.some((j) => j.caller === 'license-clock' && j.action === 'kms:GenerateDataKey')).toBe(true);
  });

  it('sends a lead that came due with nothing outstanding once a shipment is released under the license, before the next lead', async () => {
    const validUntil = new Date(Date.now() + 29.5 * DAY).toISOString();
    const lut = await givenLicense(s, { authorizedQuantity: 100, validUntil }, ['WH-QUIET']);
    const id = lut.license.licenseId;
    const wh = await emailStandIn(local, { warehouse: 'WH-QUIET' });
    await approve(id);
    expect((await clockTick()).expiring, 'nothing HELD or RELEASED').not.toContain(id);
    expect((await s.license(id)).expiryAlerted).toEqual({ validUntil, leads: [30], quiet: [30] });
    expect((await fiveSlots()).filter((t) => t.expiring.includes(id))).toEqual([]);

    await s.putShipments([lut.shipment({ shipmentId: `${id}-LATE`, quantity: 10 })]);
    await local.drain();
    expect((await settledLicense(s, id)).releasedQuantity).toBe(10);
    await wh.receiveAll(); // the release digest
    expect(
      (await fiveSlots()).filter((t) => t.expiring.includes(id)),
      'in its turn, once',
    ).toHaveLength(1);
    await local.drain();
    const [alert, ...more] = await ops.compliance(id, EXPIRING);
    expect(more).toEqual([]);
    expect(alert?.subject).toBe(`License ${id} expires in 30 days or less (until ${deadline(validUntil)})`);
    const digests = (await wh.receiveAll()).filter((m) => m.attributes.eventType === EXPIRING);
    expect(digests.map((d) => d.text.match(/^ {2}\d+\. \S+/gm))).toEqual([[`  1. ${id}-LATE:`]]);
    expect((await s.license(id)).expiryAlerted).toEqual({ validUntil, leads: [30] });
    expect(
      (await fiveSlots()).filter((t) => t.expiring.includes(id)),
      'once',
    ).toEqual([]);
    expect(local.stack.requests().denied).toEqual([]);
  });
});
