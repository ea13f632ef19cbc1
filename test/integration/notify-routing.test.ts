/**
 * Who is told what (docs/data-contract.md, I4 and "Notifications"): every committed shipment
 * change reaches its customer and its warehouse, scoped by the filter
 * policies that `clearance subscribe` creates; email subscribers get readable
 * digests, machines one JSON message per change.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { ShipmentEventType } from '../../shared/domain/notifications.js';
import { adminConsole } from '../helpers/admin-console.js';
import { aLicense, anInventory, aShipment } from '../helpers/factories.js';
import {
  committedChanges,
  type EmailLike,
  emailStandIn,
  isJson,
  machineQueue,
  parseMachineMessages,
  type ShipmentMessage,
  type StreamChange,
  tally,
} from '../helpers/notify.js';
import { useLocalStack } from '../helpers/stack.js';

const local = useLocalStack();
const s = adminConsole(local);

/** One shipment's history as its subscribers see it, in revision order. */
const history = (messages: readonly ShipmentMessage[], shipmentId: string) =>
  messages
    .filter((m) => m.shipmentId === shipmentId)
    .sort((a, b) => a.revision - b.revision)
    .map((m) => [m.revision, m.eventType, m.previousStatus, m.status, m.holdReason] as const);

const CUSTOMER_SUBJECT =
  /^(\d+) of your shipments under license (\S+) (was|were) (placed on hold|released|put back on hold|still on hold|shipped|cancelled)$/;
const WAREHOUSE_SUBJECT =
  /^Warehouse (\S+): (\d+) shipments? under license (\S+) (placed on hold|released|put back on hold|still on hold|shipped|cancelled)$/;

describe('two customers, two licenses, two warehouses, through a whole license life', () => {
  const W1 = 'WH-RT-1';
  const W2 = 'WH-RT-2';
  const ship = (shipmentId: string, licenseId: string, customerId: string, warehouseId: string) =>
    aShipment({ shipmentId, licenseId, customerId, warehouseId, quantity: 10 });
  const A1 = ship('SHP-RT-A1', 'LIC-RT-A', 'CUST-RT-A', W1);
  const A2 = ship('SHP-RT-A2', 'LIC-RT-A', 'CUST-RT-A', W1);
  const A3 = ship('SHP-RT-A3', 'LIC-RT-A', 'CUST-RT-A', W2);
  const B1 = ship('SHP-RT-B1', 'LIC-RT-B', 'CUST-RT-B', W1);
  const B2 = ship('SHP-RT-B2', 'LIC-RT-B', 'CUST-RT-B', W1);

  const got = {} as {
    customerA: ShipmentMessage[];
    customerB: ShipmentMessage[];
    w1: ShipmentMessage[];
    allWarehouses: ShipmentMessage[];
    emailA: EmailLike[];
    emailW1: EmailLike[];
    stream: StreamChange[];
    a3: Record<string, unknown>;
  };

  beforeAll(async () => {
    const queues = {
      customerA: await machineQueue(local, { customer: 'CUST-RT-A' }),
      customerB: await machineQueue(local, { customer: 'CUST-RT-B' }),
      w1: await machineQueue(local, { warehouse: W1 }),
      allWarehouses: await machineQueue(local, { allWarehouses: true }),
      emailA: await emailStandIn(local, { customer: 'CUST-RT-A' }),
      emailW1: await emailStandIn(local, { warehouse: W1 }),
    };
    expect(queues.customerA.subscription.filterPolicy).toEqual({
      customerId: ['CUST-RT-A'],
      kind: ['shipment'],
    });
    expect(queues.emailA.subscription.filterPolicy).toEqual({ customerId: ['CUST-RT-A'], kind: ['digest'] });

    await s.putInventory(anInventory({ warehouseId: W1 }), anInventory({ warehouseId: W2 }));
    await s.putLicense(aLicense({ licenseId: 'LIC-RT-A', customerId: 'CUST-RT-A', status: 'PENDING' }));
    await s.putLicense(aLicense({ licenseId: 'LIC-RT-B', customerId: 'CUST-RT-B', status: 'PENDING' }));
    await s.putShipments([A1, A2, A3, B1, B2]);
    await local.drain();
    await s.setLicenseStatus('LIC-RT-A', 'APPROVED');
    await s.setLicenseStatus('LIC-RT-B', 'APPROVED');
    await local.drain();
    await s.setLicenseStatus('LIC-RT-A', 'SUSPENDED');
    await local.drain();
    await s.setLicenseStatus('LIC-RT-A', 'APPROVED');
    await local.drain();
    await s.setShipmentStatus(A1.shipmentId, 'SHIPPED');
    await s.setShipmentStatus(A2.shipmentId, 'CANCELLED');
    await s.setShipmentStatus(B1.shipmentId, 'SHIPPED');
    // An illegal manual edit (RELEASED → HELD): rejected and restored, never announced.
    await s.setShipmentStatus(A3.shipmentId, 'HELD');
    await local.drain();
    got.a3 = await s.shipment(A3.shipmentId);

    got.customerA = parseMachineMessages(await queues.customerA.receiveAll());
    got.customerB = parseMachineMessages(await queues.customerB.receiveAll());
    got.w1 = parseMachineMessages(await queues.w1.receiveAll());
    got.allWarehouses = parseMachineMessages(await queues.allWarehouses.receiveAll());
    got.emailA = await queues.emailA.receiveAll();
    got.emailW1 = await queues.emailW1.receiveAll();
    got.stream = committedChanges(await local.readStreamRecords('shipments'));
  });

  it("gives customer A's machine queue every change of A's shipments, in order, and nothing of B's", () => {
    const h = 'SHIPMENT_HELD';
    const r = 'SHIPMENT_RELEASED';
    const back = 'SHIPMENT_REHELD';
    const pending = 'LICENSE_PENDING';
    const suspended = 'LICENSE_SUSPENDED';
    const lifeUntilReapproval = [
      [1, h, null, 'HELD', pending],
      [2, r, 'HELD', 'RELEASED', null],
      [3, back, 'RELEASED', 'HELD', suspended],
      [4, r, 'HELD', 'RELEASED', null],
    ] as const;
    expect(history(got.customerA, A1.shipmentId)).toEqual([
      ...lifeUntilReapproval,
      [5, 'SHIPMENT_SHIPPED', 'RELEASED', 'SHIPPED', null],
    ]);
    expect(history(got.customerA, A2.shipmentId)).toEqual([
      ...lifeUntilReapproval,
      [5, 'SHIPMENT_CANCELLED', 'RELEASED', 'CANCELLED', null],
    ]);
    expect(history(got.customerA, A3.shipmentId)).toEqual(lifeUntilReapproval);
    expect(got.a3).toMatchObject({ status: 'RELEASED', revision: 4, statusError: expect.any(String) });
    expect(got.customerA).toHaveLength(14);
    expect(new Set(got.customerA.map((m) => m.customerId))).toEqual(new Set(['CUST-RT-A']));

    expect(history(got.customerB, B1.shipmentId)).toEqual([
      [1, h, null, 'HELD', pending],
      [2, r, 'HELD', 'RELEASED', null],
      [3, 'SHIPMENT_SHIPPED', 'RELEASED', 'SHIPPED', null],
    ]);
    expect(history(got.customerB, B2.shipmentId)).toEqual([
      [1, h, null, 'HELD', pending],
      [2, r, 'HELD', 'RELEASED', null],
    ]);
    expect(got.customerB).toHaveLength(5);
    expect(new Set(got.customerB.map((m) => m.customerId))).toEqual(new Set(['CUST-RT-B']));
  });

  it("gives the W1 logistics queue only W1's changes, and the all-warehouses queue both warehouses'", () => {
    const w1Shipments = [A1, A2, B1, B2].map((x) => x.shipmentId);
    const expected = got.stream.filter((c) => c.warehouseId === W1).map((c) => c.dedupKey);
    expect(got.w1.map((m) => m.dedupKey).sort()).toEqual([...expected].sort());
    expect(new Set(got.w1.map((m) => m.warehouseId))).toEqual(new Set([W1]));
    expect(new Set(got.w1.map((m) => m.shipmentId))).toEqual(new Set(w1Shipments));
    expect(got.w1.some((m) => m.shipmentId === A3.shipmentId)).toBe(false);

    expect(got.allWarehouses.map((m) => m.dedupKey).sort()).toEqual(got.stream.map((c) => c.dedupKey).sort());
    expect(new Set(got.allWarehouses.map((m) => m.warehouseId))).toEqual(new Set([W1, W2]));
  });

  it('delivers each committed change of the Shipments stream exactly once to its customer and its warehouse', () => {
    // The expectation is read from the real stream records, independently of the handler.
    expect(got.stream).toHaveLength(19);
    const customerKeys = [...got.customerA, ...got.customerB].map((m) => m.dedupKey);
    expect(tally(customerKeys)).toEqual(tally(got.stream.map((c) => c.dedupKey)));
    for (const change of got.stream) {
      const mine = change.customerId === 'CUST-RT-A' ? got.customerA : got.customerB;
      const other = change.customerId === 'CUST-RT-A' ? got.customerB : got.customerA;
      expect(mine.find((m) => m.dedupKey === change.dedupKey)).toMatchObject({
        shipmentId: change.shipmentId,
        customerId: change.customerId,
        warehouseId: change.warehouseId,
        licenseId: change.licenseId,
        status: change.status,
        revision: change.revision,
      });
      expect(other.some((m) => m.dedupKey === change.dedupKey)).toBe(false);
    }
  });

  it('sends machine subscribers schema JSON only, one per shipment change, and never a digest', () => {
    // parseMachineMessages already checked every message against clearance.shipment-change.v1
    // and its attributes (kind = shipment, dedupKey = body.dedupKey, eventType).
    for (const queue of [got.customerA, got.customerB, got.w1, got.allWarehouses]) {
      const keys = queue.map((m) => m.dedupKey);
      expect(new Set(keys).size).toBe(keys.length);
    }
    const released = got.customerA.find((m) => m.shipmentId === A1.shipmentId && m.revision === 2);
    expect(released).toMatchObject({
      schema: 'clearance.shipment-change.v1',
      dedupKey: `${A1.shipmentId}#r2`,
      eventType: 'SHIPMENT_RELEASED',
      licenseId: 'LIC-RT-A',
      customerId: 'CUST-RT-A',
      warehouseId: W1,
      sku: 'H20',
      quantity: 10,
      status: 'RELEASED',
      previousStatus: 'HELD',
      holdReason: null,
    });
  });

  it('sends email subscribers readable digests with a plain-words subject, never JSON, scoped to them', () => {
    expect(got.emailA.length).toBeGreaterThan(0);
    expect(got.emailW1.length).toBeGreaterThan(0);
    for (const mail of [...got.emailA, ...got.emailW1]) {
      expect(isJson(mail.text), mail.text).toBe(false);
      expect(mail.text).not.toMatch(/[{}"]/);
      expect(mail.text).toMatch(/^Hello,|^\d+ shipments? \(/);
      expect(mail.attributes.kind).toBe('digest');
      expect(mail.subject).not.toBeNull();
      expect(mail.subject?.length).toBeLessThan(100);
    }
    // A's digests name only A's shipments; their totals add up to A's 14 changes.
    let customerTotal = 0;
    for (const mail of got.emailA) {
      const m = CUSTOMER_SUBJECT.exec(mail.subject ?? '');
      expect(m, mail.subject ?? '').not.toBeNull();
      const n = Number(m?.[1]);
      customerTotal += n;
      expect(m?.[3]).toBe(n === 1 ? 'was' : 'were');
      expect(mail.attributes.customerId).toBe('CUST-RT-A');
      expect(mail.text).not.toMatch(/SHP-RT-B/);
      expect(mail.text.match(/^ {2}- SHP-RT-A\d: /gm)).toHaveLength(n);
    }
    expect(customerTotal).toBe(14);
    // W1's digests: 4 shipments there; A3 (W2) never appears.
    let warehouseTotal = 0;
    for (const mail of got.emailW1) {
      const m = WAREHOUSE_SUBJECT.exec(mail.subject ?? '');
      expect(m, mail.subject ?? '').not.toBeNull();
      expect(m?.[1]).toBe(W1);
      warehouseTotal += Number(m?.[2]);
      expect(mail.text).not.toMatch(/SHP-RT-A3/);
    }
    expect(warehouseTotal).toBe(got.stream.filter((c) => c.warehouseId === W1).length);
    const suspension = got.emailA.find((m) => / put back on hold$/.test(m.subject ?? ''));
    expect(suspension?.text).toMatch(/the export license was suspended/);
    expect(suspension?.text).toMatch(
      /may not leave the warehouse\. The export license is suspended: if it is reinstated, they are released again/,
    );
  });
});

describe('digests for a burst of releases', () => {
  it('adds up: 12 releases of one customer under one license are announced as 12 in subject and body', async () => {
    const email = await emailStandIn(local, { customer: 'CUST-DG' });
    const wms = await emailStandIn(local, { warehouse: 'WH-DG' });
    const machine = await machineQueue(local, { customer: 'CUST-DG' });
    await s.putInventory(anInventory({ warehouseId: 'WH-DG' }));
    await s.putLicense(aLicense({ licenseId: 'LIC-DG', customerId: 'CUST-DG', status: 'PENDING' }));
    await s.putShipments(
      Array.from({ length: 12 }, (_, i) =>
        aShipment({
          shipmentId: `SHP-DG-${String(i).padStart(2, '0')}`,
          licenseId: 'LIC-DG',
          customerId: 'CUST-DG',
          warehouseId: 'WH-DG',
          quantity: 5 + i,
        }),
      ),
    );
    await local.drain();
    await s.setLicenseStatus('LIC-DG', 'APPROVED');
    await local.drain();

    const mails = await email.receiveAll();
    const totals = new Map<string, { shipments: number; units: number; listed: number }>();
    for (const mail of mails) {
      const m = CUSTOMER_SUBJECT.exec(mail.subject ?? '');
      expect(m, mail.subject ?? '').not.toBeNull();
      const n = Number(m?.[1]);
      expect(m?.[2]).toBe('LIC-DG');
      expect(m?.[3]).toBe(n === 1 ? 'was' : 'were');
      const body =
        /^Hello,\n\n(\d+) shipments? \(([\d,]+) units\) under export license LIC-DG (?:was|were) (.+)\.$/m.exec(
          mail.text,
        );
      expect(body, mail.text).not.toBeNull();
      expect(Number(body?.[1])).toBe(n);
      expect(body?.[3]).toBe(m?.[4]);
      const listed = mail.text.match(/^ {2}- SHP-DG-\d\d: \d+ × H20 from warehouse WH-DG/gm) ?? [];
      const t = totals.get(m?.[4] ?? '') ?? { shipments: 0, units: 0, listed: 0 };
      totals.set(m?.[4] ?? '', {
        shipments: t.shipments + n,
        units: t.units + Number((body?.[2] ?? '').replaceAll(',', '')),
        listed: t.listed + listed.length,
      });
    }
    const units = Array.from({ length: 12 }, (_, i) => 5 + i).reduce((a, b) => a + b, 0);
    expect(totals.get('released')).toEqual({ shipments: 12, units, listed: 12 });
    expect(totals.get('placed on hold')).toEqual({ shipments: 12, units, listed: 12 });
    expect([...totals.keys()].sort()).toEqual(['placed on hold', 'released']);

    let warehouseReleased = 0;
    for (const mail of await wms.receiveAll()) {
      const m = WAREHOUSE_SUBJECT.exec(mail.subject ?? '');
      expect(m, mail.subject ?? '').not.toBeNull();
      if (m?.[4] === 'released') {
        warehouseReleased += Number(m[2]);
        expect(mail.text).toMatch(/Please pick and pack these shipments\./);
      }
    }
    expect(warehouseReleased).toBe(12);

    const json = parseMachineMessages(await machine.receiveAll());
    const released = json.filter((m) => m.eventType === ('SHIPMENT_RELEASED' satisfies ShipmentEventType));
    expect(released).toHaveLength(12);
  });
});

describe('a shipment that stays on hold', () => {
  it('is announced with its new hold reason when the license has no quantity left for it', async () => {
    const machine = await machineQueue(local, { customer: 'CUST-QX' });
    const email = await emailStandIn(local, { customer: 'CUST-QX' });
    await s.putInventory(anInventory({ warehouseId: 'WH-QX' }));
    await s.putLicense(
      aLicense({ licenseId: 'LIC-QX', customerId: 'CUST-QX', status: 'PENDING', authorizedQuantity: 25 }),
    );
    await s.putShipments(
      [1, 2, 3].map((i) =>
        aShipment({
          shipmentId: `SHP-QX-${i}`,
          licenseId: 'LIC-QX',
          customerId: 'CUST-QX',
          warehouseId: 'WH-QX',
          requestedAt: `2026-01-0${i}T00:00:00.000Z`,
        }),
      ),
    );
    await local.drain();
    await machine.receiveAll();
    await email.receiveAll();
    await s.setLicenseStatus('LIC-QX', 'APPROVED');
    await local.drain();

    const json = parseMachineMessages(await machine.receiveAll());
    expect(json.map((m) => [m.shipmentId, m.eventType, m.status, m.holdReason]).sort()).toEqual([
      ['SHP-QX-1', 'SHIPMENT_RELEASED', 'RELEASED', null],
      ['SHP-QX-2', 'SHIPMENT_RELEASED', 'RELEASED', null],
      ['SHP-QX-3', 'SHIPMENT_HOLD_UPDATED', 'HELD', 'LICENSE_QUANTITY_EXHAUSTED'],
    ]);
    const stillHeld = (await email.receiveAll()).find((m) => / still on hold$/.test(m.subject ?? ''));
    expect(stillHeld?.subject).toBe('1 of your shipments under license LIC-QX was still on hold');
    expect(stillHeld?.text).toMatch(
      /SHP-QX-3: 10 × H20 .*\(the export license has no quantity left for it\)/,
    );
  });
});
