import { describe, expect, test } from 'vitest';
import type { Shipment, ShipmentStatus } from '../../../shared/domain/model.js';
import {
  DIGEST_LIST_LIMIT,
  detectChange,
  digests,
  releasingLicenses,
  SHIPMENT_MESSAGE_SCHEMA,
  type ShipmentChange,
  shipmentMessage,
} from '../../../shared/domain/notifications.js';
import { aShipment } from '../../helpers/factories.js';

const AT = '2026-06-01T12:00:00.000Z';

/** A shipment item as the system stores it: counted at `status`, at `revision`. */
const stored = (status: ShipmentStatus, revision: number, overrides: Partial<Shipment> = {}) => {
  const s = aShipment({ status, ...overrides });
  return { ...s, countedStatus: status, revision };
};

/** The change a system write makes, moving `before` to `status`. */
function changeOf(
  before: ReturnType<typeof stored> | undefined,
  status: ShipmentStatus,
  extra: Partial<Shipment> = {},
) {
  const base = before ?? stored('HELD', 0, extra);
  const after = { ...base, ...extra, status, countedStatus: status, revision: (before?.revision ?? 0) + 1 };
  const change = detectChange(before, after, AT);
  if (!change) throw new Error('expected a change');
  return change;
}

describe('detectChange', () => {
  test.each<[ShipmentStatus | undefined, ShipmentStatus, ShipmentChange['eventType']]>([
    [undefined, 'HELD', 'SHIPMENT_HELD'],
    ['HELD', 'RELEASED', 'SHIPMENT_RELEASED'],
    ['RELEASED', 'HELD', 'SHIPMENT_REHELD'],
    ['HELD', 'HELD', 'SHIPMENT_HOLD_UPDATED'],
    ['RELEASED', 'SHIPPED', 'SHIPMENT_SHIPPED'],
    ['HELD', 'CANCELLED', 'SHIPMENT_CANCELLED'],
    ['RELEASED', 'CANCELLED', 'SHIPMENT_CANCELLED'],
  ])('announces %s → %s as %s', (from, to, eventType) => {
    const before = from === undefined ? undefined : stored(from, 3);
    const change = changeOf(before, to);
    expect(change.eventType).toBe(eventType);
    expect(change.previousStatus).toBe(from ?? null);
    expect(change.status).toBe(to);
  });

  test('keys the change by shipmentId and revision, the same on every redelivery', () => {
    const before = stored('HELD', 4, { shipmentId: 'SHP-X' });
    const after = { ...before, status: 'RELEASED', countedStatus: 'RELEASED', revision: 5 };
    const first = detectChange(before, after, AT);
    const again = detectChange(before, after, '2026-06-02T00:00:00.000Z');
    expect(first?.dedupKey).toBe('SHP-X#r5');
    expect(again?.dedupKey).toBe(first?.dedupKey);
  });

  test('announces nothing when the revision did not go up (rejected manual edit or a system-only write)', () => {
    const before = stored('HELD', 2);
    expect(detectChange(before, { ...before, status: 'SHIPPED', statusError: 'no' }, AT)).toBeUndefined();
    expect(detectChange(before, { ...before, revision: 1 }, AT)).toBeUndefined();
  });

  test('announces nothing for a deleted item or one the system has not counted yet', () => {
    expect(detectChange(stored('HELD', 1), undefined, AT)).toBeUndefined();
    const { countedStatus: _c, revision: _r, ...manual } = stored('HELD', 0);
    expect(detectChange(undefined, manual, AT)).toBeUndefined();
  });

  test('carries the hold reason only while the shipment is HELD', () => {
    const held = changeOf(stored('RELEASED', 1), 'HELD', { holdReason: 'LICENSE_SUSPENDED' });
    expect(held.holdReason).toBe('LICENSE_SUSPENDED');
    const released = changeOf(stored('HELD', 1, { holdReason: 'LICENSE_PENDING' }), 'RELEASED');
    expect(released.holdReason).toBeNull();
  });
});

describe('shipmentMessage', () => {
  test('scopes a customer message to its customerId only, as JSON with the schema name', () => {
    const change = changeOf(stored('HELD', 1, { customerId: 'CUST-A', warehouseId: 'WH-1' }), 'RELEASED');
    const message = shipmentMessage(change, 'customer');
    expect(message.attributes).toEqual({
      customerId: 'CUST-A',
      eventType: 'SHIPMENT_RELEASED',
      kind: 'shipment',
      dedupKey: change.dedupKey,
    });
    expect(JSON.parse(message.body)).toMatchObject({
      schema: SHIPMENT_MESSAGE_SCHEMA,
      shipmentId: change.shipmentId,
    });
    expect(message.covers).toEqual([change.dedupKey]);
  });

  test('scopes a logistics message to its warehouseId only', () => {
    const change = changeOf(stored('HELD', 1, { customerId: 'CUST-A', warehouseId: 'WH-1' }), 'RELEASED');
    const message = shipmentMessage(change, 'logistics');
    expect(message.attributes.warehouseId).toBe('WH-1');
    expect(message.attributes.customerId).toBeUndefined();
    expect(message.attributes.kind).toBe('shipment');
  });
});

describe('digests', () => {
  // Manual edits: a stream batch's digests are theirs (a license pass's come from its event's tally).
  const releasedFor = (customerId: string, warehouseId: string, n: number) =>
    Array.from({ length: n }, () => changeOf(stored('RELEASED', 2, { customerId, warehouseId }), 'SHIPPED'));

  test("leaves a license pass's changes (released, re-held, hold updated) to the event's tally", () => {
    const pass = [
      changeOf(stored('HELD', 1, { customerId: 'CUST-A' }), 'RELEASED'),
      changeOf(stored('RELEASED', 2, { customerId: 'CUST-A' }), 'HELD', { holdReason: 'LICENSE_SUSPENDED' }),
      changeOf(stored('HELD', 1, { customerId: 'CUST-A' }), 'HELD', { holdReason: 'LICENSE_MISMATCH' }),
    ];
    expect(pass.map((c) => c.eventType)).toEqual([
      'SHIPMENT_RELEASED',
      'SHIPMENT_REHELD',
      'SHIPMENT_HOLD_UPDATED',
    ]);
    const manual = [
      changeOf(undefined, 'HELD', { customerId: 'CUST-A' }),
      ...releasedFor('CUST-A', 'WH-1', 1),
      changeOf(stored('HELD', 1, { customerId: 'CUST-A' }), 'CANCELLED'),
    ];
    for (const audience of ['customer', 'logistics'] as const) {
      expect(digests(pass, audience)).toEqual([]);
      expect(
        digests([...pass, ...manual], audience)
          .map((d) => d.attributes.eventType)
          .sort(),
      ).toEqual(['SHIPMENT_CANCELLED', 'SHIPMENT_HELD', 'SHIPMENT_SHIPPED']);
    }
  });

  test("never puts one customer's shipment in another customer's digest", () => {
    const a = releasedFor('CUST-A', 'WH-1', 3);
    const b = releasedFor('CUST-B', 'WH-1', 2);
    const out = digests([...a, ...b], 'customer');
    expect(out).toHaveLength(2);
    for (const [customerId, own, other] of [
      ['CUST-A', a, b],
      ['CUST-B', b, a],
    ] as const) {
      const digest = out.find((d) => d.attributes.customerId === customerId);
      expect(digest?.attributes).toMatchObject({ kind: 'digest', eventType: 'SHIPMENT_SHIPPED' });
      expect([...(digest?.covers ?? [])].sort()).toEqual(own.map((c) => c.dedupKey).sort());
      for (const c of own) expect(digest?.body).toContain(c.shipmentId);
      for (const c of other) expect(digest?.body).not.toContain(c.shipmentId);
      expect(digest?.body).not.toContain(customerId === 'CUST-A' ? 'CUST-B' : 'CUST-A');
    }
  });

  test('groups logistics digests per warehouse', () => {
    const out = digests(
      [...releasedFor('CUST-A', 'WH-1', 2), ...releasedFor('CUST-B', 'WH-2', 1)],
      'logistics',
    );
    expect(out.map((d) => d.attributes.warehouseId).sort()).toEqual(['WH-1', 'WH-2']);
    expect(out.every((d) => d.attributes.customerId === undefined)).toBe(true);
  });

  test('keeps the subject a valid SNS subject (under 100 ASCII characters, one line) even for long ids', () => {
    const longLicense = `L${'x'.repeat(127)}`;
    const changes = [
      changeOf(stored('RELEASED', 2, { licenseId: longLicense, customerId: 'CUST-A' }), 'SHIPPED'),
      changeOf(stored('RELEASED', 2, { licenseId: longLicense, customerId: 'CUST-A' }), 'SHIPPED'),
    ];
    for (const audience of ['customer', 'logistics'] as const) {
      expect(digests(changes, audience)).toHaveLength(1);
      for (const d of digests(changes, audience)) {
        expect(d.subject?.length).toBeLessThan(100);
        expect(d.subject).toMatch(/^[\x20-\x7e]+$/);
      }
    }
  });

  test(`lists at most ${DIGEST_LIST_LIMIT} shipments and says how many more there are`, () => {
    const many = releasedFor('CUST-A', 'WH-1', DIGEST_LIST_LIMIT + 5);
    const [digest] = digests(many, 'customer');
    expect(digest?.body).toContain('and 5 more');
    expect(digest?.covers).toHaveLength(DIGEST_LIST_LIMIT + 5);
  });

  test('gives the same dedup key to the same group of changes in any order', () => {
    const changes = releasedFor('CUST-A', 'WH-1', 4);
    const [one] = digests(changes, 'customer');
    const [two] = digests([...changes].reverse(), 'customer');
    expect(one?.attributes.dedupKey).toMatch(/^digest#/);
    expect(one?.attributes.dedupKey).toBe(two?.attributes.dedupKey);
  });

  test('leaves out a change the batch holds a later revision of: the later one tells where the shipment stands', () => {
    const held = changeOf(undefined, 'HELD', { customerId: 'CUST-A', holdReason: 'LICENSE_NOT_YET_VALID' });
    const r1 = stored('HELD', 1, { shipmentId: held.shipmentId, customerId: 'CUST-A' });
    const released = changeOf(r1, 'RELEASED');
    const cancelled = changeOf(
      { ...r1, status: 'RELEASED', countedStatus: 'RELEASED', revision: 2 },
      'CANCELLED',
    );
    expect([held.revision, released.revision, cancelled.revision]).toEqual([1, 2, 3]);
    for (const audience of ['customer', 'logistics'] as const) {
      // The release is the tally's to tell: nothing from this batch but the cancellation.
      expect(digests([held, released], audience)).toEqual([]);
      expect(digests([held, released, cancelled], audience).map((d) => d.attributes.eventType)).toEqual([
        'SHIPMENT_CANCELLED',
      ]);
      expect(digests([held], audience).map((d) => d.attributes.eventType)).toEqual(['SHIPMENT_HELD']);
    }
  });

  test("leaves out a new LICENSE_PENDING shipment under a releasing license (its pass's digest tells it), not under another", async () => {
    const queued = changeOf(undefined, 'HELD', { licenseId: 'LIC-A', holdReason: 'LICENSE_PENDING' });
    const waiting = changeOf(undefined, 'HELD', { licenseId: 'LIC-B', holdReason: 'LICENSE_PENDING' });
    const early = changeOf(undefined, 'HELD', { licenseId: 'LIC-A', holdReason: 'LICENSE_NOT_YET_VALID' });
    const changes = [queued, waiting, early];
    const asked: string[][] = [];
    const releasing = await releasingLicenses(changes, async (ids) => {
      asked.push([...ids].sort());
      return new Map([
        ['LIC-A', { licenseId: 'LIC-A', status: 'APPROVED', appliedStatus: 'APPROVED' }],
        ['LIC-B', { licenseId: 'LIC-B', status: 'APPROVED', appliedStatus: 'PENDING' }],
      ]);
    });
    expect(asked).toEqual([['LIC-A', 'LIC-B']]);
    expect([...releasing]).toEqual(['LIC-A']);
    for (const audience of ['customer', 'logistics'] as const) {
      const covered = digests(changes, audience, releasing).flatMap((d) => d.covers);
      expect(covered.sort()).toEqual([waiting.dedupKey, early.dedupKey].sort());
      expect(digests(changes, audience).flatMap((d) => d.covers)).toHaveLength(3);
    }
  });

  test('reads no license for a batch without a new LICENSE_PENDING shipment', async () => {
    const changes = [changeOf(undefined, 'HELD', { holdReason: 'LICENSE_NOT_YET_VALID' })];
    const releasing = await releasingLicenses(changes, () => {
      throw new Error('read');
    });
    expect(releasing.size).toBe(0);
  });
});
