import { describe, expect, test } from 'vitest';
import {
  available,
  InventorySchema,
  LicenseSchema,
  MAX_QUANTITY,
  parseItem,
  ShipmentSchema,
} from '../../../shared/domain/model.js';
import { aLicense, anInventory, aShipment, heldBacklog } from '../../helpers/factories.js';

/** Parses `raw` and returns its problems, failing the test if it parsed. */
function problemsOf(schema: Parameters<typeof parseItem>[0], raw: unknown): string[] {
  const result = parseItem(schema, raw);
  if (result.ok) throw new Error(`expected ${JSON.stringify(raw).slice(0, 200)} to be rejected`);
  return result.problems;
}

/** Asserts `raw` is rejected with at least one problem that names `field`. */
function expectRejected(schema: Parameters<typeof parseItem>[0], raw: unknown, field: string): string[] {
  const problems = problemsOf(schema, raw);
  expect(problems.length).toBeGreaterThan(0);
  expect(
    problems.some((p) => p.includes(field)),
    `problems ${JSON.stringify(problems)} should name ${field}`,
  ).toBe(true);
  return problems;
}

const LONG = 'x'.repeat(300 * 1024);

describe('factories build valid contract items', () => {
  test('aLicense, aShipment, anInventory and heldBacklog all pass their schemas', () => {
    expect(parseItem(LicenseSchema, aLicense())).toEqual({ ok: true, value: aLicense() });
    expect(parseItem(ShipmentSchema, aShipment({ shipmentId: 'S-1' }))).toEqual({
      ok: true,
      value: aShipment({ shipmentId: 'S-1' }),
    });
    expect(parseItem(InventorySchema, anInventory())).toEqual({ ok: true, value: anInventory() });
    for (const s of heldBacklog(5)) expect(parseItem(ShipmentSchema, s).ok).toBe(true);
    for (const status of ['RELEASED', 'SHIPPED', 'CANCELLED'] as const) {
      expect(parseItem(ShipmentSchema, aShipment({ status })).ok).toBe(true);
    }
  });
});

describe('License schema', () => {
  test('accepts every license status and the maximum quantity', () => {
    for (const status of ['PENDING', 'APPROVED', 'DENIED', 'SUSPENDED', 'REVOKED', 'EXPIRED'] as const) {
      expect(parseItem(LicenseSchema, aLicense({ status, authorizedQuantity: MAX_QUANTITY })).ok).toBe(true);
    }
  });

  test('defaults releasedQuantity to 0 when the admin leaves it out', () => {
    const { releasedQuantity: _omit, ...raw } = aLicense();
    const result = parseItem(LicenseSchema, raw);
    expect(result.ok && result.value.releasedQuantity).toBe(0);
  });

  test('accepts optional admin text up to 1000 characters and times with milliseconds or whole seconds', () => {
    const result = parseItem(
      LicenseSchema,
      aLicense({
        statusReason: 'r'.repeat(1000),
        updatedBy: 'officer@example.com',
        validFrom: '2026-01-01T00:00:00Z',
        validUntil: '2026-12-31T23:59:59.999Z',
      }),
    );
    expect(result.ok).toBe(true);
  });

  test.each<{ label: string; patch: Record<string, unknown>; field: string }>([
    {
      label: 'a quantity typed as a string',
      patch: { authorizedQuantity: '5' },
      field: 'authorizedQuantity',
    },
    {
      label: 'a releasedQuantity typed as a string',
      patch: { releasedQuantity: '0' },
      field: 'releasedQuantity',
    },
    { label: 'a negative quantity', patch: { authorizedQuantity: -5 }, field: 'authorizedQuantity' },
    { label: 'a zero quantity', patch: { authorizedQuantity: 0 }, field: 'authorizedQuantity' },
    { label: 'a fractional quantity', patch: { authorizedQuantity: 2.5 }, field: 'authorizedQuantity' },
    {
      label: 'a quantity above the maximum',
      patch: { authorizedQuantity: MAX_QUANTITY + 1 },
      field: 'authorizedQuantity',
    },
    {
      label: 'an enormous quantity (1e300)',
      patch: { authorizedQuantity: 1e300 },
      field: 'authorizedQuantity',
    },
    {
      label: 'an infinite quantity',
      patch: { authorizedQuantity: Number.POSITIVE_INFINITY },
      field: 'authorizedQuantity',
    },
    { label: 'a negative releasedQuantity', patch: { releasedQuantity: -1 }, field: 'releasedQuantity' },
    { label: 'a missing licenseId', patch: { licenseId: undefined }, field: 'licenseId' },
    { label: 'a missing customerId', patch: { customerId: undefined }, field: 'customerId' },
    { label: 'a missing sku', patch: { sku: undefined }, field: 'sku' },
    { label: 'a missing status', patch: { status: undefined }, field: 'status' },
    { label: "a lower-case status 'approved'", patch: { status: 'approved' }, field: 'status' },
    { label: "an unknown status 'ACTIVE'", patch: { status: 'ACTIVE' }, field: 'status' },
    { label: 'an unknown appliedStatus', patch: { appliedStatus: 'DONE' }, field: 'appliedStatus' },
    {
      label: 'validUntil before validFrom',
      patch: { validFrom: '2026-06-01T00:00:00Z', validUntil: '2026-05-31T23:59:59Z' },
      field: 'validUntil',
    },
    {
      label: 'validUntil equal to validFrom',
      patch: { validFrom: '2026-06-01T00:00:00Z', validUntil: '2026-06-01T00:00:00Z' },
      field: 'validUntil',
    },
    {
      label: "an unparsable validFrom 'next monday'",
      patch: { validFrom: 'next monday' },
      field: 'validFrom',
    },
    { label: 'a validFrom of 30 February', patch: { validFrom: '2026-02-30T00:00:00Z' }, field: 'validFrom' },
    { label: 'a date-only validUntil', patch: { validUntil: '2099-01-01' }, field: 'validUntil' },
    { label: 'a validUntil at hour 25', patch: { validUntil: '2099-01-01T25:00:00Z' }, field: 'validUntil' },
    {
      label: 'a validFrom with a non-UTC offset',
      patch: { validFrom: '2026-01-01T00:00:00+02:00' },
      field: 'validFrom',
    },
    { label: 'a validFrom given as epoch millis', patch: { validFrom: 1767225600000 }, field: 'validFrom' },
    {
      label: "a lower-case destinationCountry 'ae'",
      patch: { destinationCountry: 'ae' },
      field: 'destinationCountry',
    },
    {
      label: "a three-letter destinationCountry 'ARE'",
      patch: { destinationCountry: 'ARE' },
      field: 'destinationCountry',
    },
    { label: 'an empty licenseNumber', patch: { licenseNumber: '' }, field: 'licenseNumber' },
    { label: 'a 300 KB licenseNumber', patch: { licenseNumber: LONG }, field: 'licenseNumber' },
    { label: 'a 300 KB statusReason', patch: { statusReason: LONG }, field: 'statusReason' },
    { label: 'a 300 KB updatedBy', patch: { updatedBy: LONG }, field: 'updatedBy' },
  ])('rejects $label and names the field', ({ patch, field }) => {
    expectRejected(LicenseSchema, { ...aLicense(), ...patch }, field);
  });

  test.each([
    ["SQL-injection text x' OR 1=1", "x' OR 1=1"],
    ['an embedded newline', 'a\nb'],
    ['a trailing newline', 'ab\n'],
    ['double quotes', '"q"'],
    ['an empty string', ''],
    ['a leading dash', '-abc'],
    ['a path separator', 'a/b'],
    ['129 characters', 'a'.repeat(129)],
    ['a NoSQL operator object', { $ne: null }],
  ])('rejects a licenseId with %s', (_label, licenseId) => {
    expectRejected(LicenseSchema, { ...aLicense(), licenseId }, 'licenseId');
  });

  test('accepts a licenseId of exactly 128 allowed characters', () => {
    expect(parseItem(LicenseSchema, aLicense({ licenseId: `L${'a'.repeat(127)}` })).ok).toBe(true);
  });

  test('rejects a 300 KB free-text field without echoing the text back in the problem', () => {
    const problems = expectRejected(LicenseSchema, { ...aLicense(), statusReason: LONG }, 'statusReason');
    expect(problems.join(' ').length).toBeLessThan(500);
  });

  test('reports every problem at once so the admin can fix the item in one edit', () => {
    const problems = problemsOf(LicenseSchema, {
      ...aLicense(),
      authorizedQuantity: '10',
      destinationCountry: 'ae',
      status: 'approved',
    });
    expect(problems).toHaveLength(3);
    for (const field of ['authorizedQuantity', 'destinationCountry', 'status']) {
      expect(problems.some((p) => p.startsWith(field))).toBe(true);
    }
  });

  test.each([
    ['null', null],
    ['a string', 'LIC-1'],
    ['an array', []],
  ])('rejects %s instead of an item', (_label, raw) => {
    expect(problemsOf(LicenseSchema, raw).length).toBeGreaterThan(0);
  });
});

describe('Shipment schema', () => {
  test('accepts priority 0 and 999999 and every shipment status', () => {
    for (const status of ['HELD', 'RELEASED', 'SHIPPED', 'CANCELLED'] as const) {
      expect(parseItem(ShipmentSchema, aShipment({ status, priority: 0 })).ok).toBe(true);
      expect(parseItem(ShipmentSchema, aShipment({ status, priority: 999_999 })).ok).toBe(true);
    }
  });

  test.each<{ label: string; patch: Record<string, unknown>; field: string }>([
    { label: 'a quantity typed as a string', patch: { quantity: '10' }, field: 'quantity' },
    { label: 'a priority typed as a string', patch: { priority: '1' }, field: 'priority' },
    { label: 'a negative quantity', patch: { quantity: -1 }, field: 'quantity' },
    { label: 'a zero quantity', patch: { quantity: 0 }, field: 'quantity' },
    { label: 'a fractional quantity', patch: { quantity: 0.5 }, field: 'quantity' },
    { label: 'an enormous quantity', patch: { quantity: Number.MAX_SAFE_INTEGER }, field: 'quantity' },
    { label: 'a negative priority', patch: { priority: -1 }, field: 'priority' },
    { label: 'a fractional priority', patch: { priority: 1.5 }, field: 'priority' },
    { label: 'a priority above 999999', patch: { priority: 1_000_000 }, field: 'priority' },
    { label: 'a missing shipmentId', patch: { shipmentId: undefined }, field: 'shipmentId' },
    { label: 'a missing licenseId', patch: { licenseId: undefined }, field: 'licenseId' },
    { label: 'a missing warehouseId', patch: { warehouseId: undefined }, field: 'warehouseId' },
    { label: 'a missing quantity', patch: { quantity: undefined }, field: 'quantity' },
    { label: "a lower-case status 'held'", patch: { status: 'held' }, field: 'status' },
    { label: "an unknown status 'PICKED'", patch: { status: 'PICKED' }, field: 'status' },
    { label: 'an unknown holdReason', patch: { holdReason: 'WAITING' }, field: 'holdReason' },
    {
      label: "an unparsable requestedAt 'yesterday'",
      patch: { requestedAt: 'yesterday' },
      field: 'requestedAt',
    },
    { label: 'an unparsable releasedAt', patch: { releasedAt: '2026-13-01T00:00:00Z' }, field: 'releasedAt' },
    { label: "a shipmentId with x' OR 1=1", patch: { shipmentId: "x' OR 1=1" }, field: 'shipmentId' },
    { label: 'a customerId with a newline', patch: { customerId: 'a\nb' }, field: 'customerId' },
    { label: 'a sku with quotes', patch: { sku: '"q"' }, field: 'sku' },
    { label: 'a 300 KB warehouseId', patch: { warehouseId: LONG }, field: 'warehouseId' },
  ])('rejects $label and names the field', ({ patch, field }) => {
    expectRejected(ShipmentSchema, { ...aShipment(), ...patch }, field);
  });
});

describe('Inventory schema', () => {
  test('defaults held, released and shipped to 0 and derives available', () => {
    const result = parseItem(InventorySchema, { sku: 'H20', warehouseId: 'AMS', onHand: 100 });
    expect(result).toEqual({
      ok: true,
      value: { sku: 'H20', warehouseId: 'AMS', onHand: 100, held: 0, released: 0, shipped: 0 },
    });
    expect(available(anInventory({ onHand: 100, held: 30, released: 20, shipped: 999 }))).toBe(50);
  });

  test.each<{ label: string; patch: Record<string, unknown>; field: string }>([
    { label: 'a missing sku (partition key)', patch: { sku: undefined }, field: 'sku' },
    { label: 'a missing warehouseId (sort key)', patch: { warehouseId: undefined }, field: 'warehouseId' },
    { label: 'a negative onHand', patch: { onHand: -1 }, field: 'onHand' },
    { label: 'onHand typed as a string', patch: { onHand: '900000' }, field: 'onHand' },
    { label: 'a fractional held counter', patch: { held: 1.5 }, field: 'held' },
    { label: 'an enormous released counter', patch: { released: 2 ** 60 }, field: 'released' },
  ])('rejects $label and names the field', ({ patch, field }) => {
    expectRejected(InventorySchema, { ...anInventory(), ...patch }, field);
  });
});
