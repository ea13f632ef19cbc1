/**
 * Numbers and types as an admin types them in the DynamoDB console, read as
 * the handlers read them (shared/adapters/stream.ts `fromImage`, the same
 * translation as functions/runtime.ts's document client). DynamoDB keeps up
 * to 38 significant digits; DESIGN §3 says "All quantities are integers" and
 * values are "whole US dollars". A Number a double cannot hold exactly must be
 * rejected naming the field, never rounded into a valid whole number (the
 * system would count, release and draw a quantity or value that is not the
 * one stored, and its writes conditional on the stored value would fail).
 */
import { describe, expect, it } from 'vitest';
import { fromImage } from '../../../shared/adapters/stream.js';
import {
  InventorySchema,
  LicenseSchema,
  parseItem,
  ShipmentSchema,
  showValue,
} from '../../../shared/domain/model.js';
import { holdsExactly, isInexactNumber } from '../../../shared/domain/numbers.js';

/** A new shipment's stream image, as the console writes it (DynamoDB JSON), with `extra` over it. */
const shipmentImage = (extra: Record<string, unknown> = {}) => ({
  shipmentId: { S: 'SHP-NUM-1' },
  licenseId: { S: 'LIC-NUM-1' },
  customerId: { S: 'CUST-ACME' },
  sku: { S: 'H20' },
  warehouseId: { S: 'WH-AMS-1' },
  quantity: { N: '10' },
  priority: { N: '5' },
  requestedAt: { S: '2026-01-15T09:00:00Z' },
  status: { S: 'HELD' },
  ...extra,
});

const licenseImage = (extra: Record<string, unknown> = {}) => ({
  licenseId: { S: 'LIC-NUM-1' },
  licenseNumber: { S: 'EAR-1' },
  customerId: { S: 'CUST-ACME' },
  sku: { S: 'H20' },
  destinationCountry: { S: 'AE' },
  authorizedQuantity: { N: '1000' },
  status: { S: 'APPROVED' },
  validFrom: { S: '2020-01-01T00:00:00Z' },
  validUntil: { S: '2099-01-01T00:00:00Z' },
  ...extra,
});

const inventoryImage = (extra: Record<string, unknown> = {}) => ({
  sku: { S: 'H20' },
  warehouseId: { S: 'WH-AMS-1' },
  onHand: { N: '100' },
  ...extra,
});

// biome-ignore lint/suspicious/noExplicitAny: stream images are DynamoDB JSON
const parseShipment = (image: any) => parseItem(ShipmentSchema, fromImage(image));
// biome-ignore lint/suspicious/noExplicitAny: stream images are DynamoDB JSON
const parseLicense = (image: any) => parseItem(LicenseSchema, fromImage(image));
// biome-ignore lint/suspicious/noExplicitAny: stream images are DynamoDB JSON
const parseInventory = (image: any) => parseItem(InventorySchema, fromImage(image));

const problems = (parsed: ReturnType<typeof parseItem>): string[] => (parsed.ok ? [] : parsed.problems);

describe('numbers with more digits than a double holds', () => {
  it('rejects a shipment quantity of 2.0000000000000000001, naming quantity and the fix', () => {
    const parsed = parseShipment(shipmentImage({ quantity: { N: '2.0000000000000000001' } }));
    expect(problems(parsed)).toEqual([
      'quantity has more digits than the system can hold exactly; type a whole number from 1 to 1000000000',
    ]);
  });

  it('rejects a shipment value of 99.999999999999999999 rather than drawing 100 whole US dollars', () => {
    const parsed = parseShipment(shipmentImage({ value: { N: '99.999999999999999999' } }));
    expect(problems(parsed)).toEqual([
      'value has more digits than the system can hold exactly; type a whole number of US dollars from 0 to 1000000000000, or remove the attribute',
    ]);
  });

  it('rejects an authorizedQuantity of 1000.0000000000000000001 rather than applying 1000', () => {
    const parsed = parseLicense(licenseImage({ authorizedQuantity: { N: '1000.0000000000000000001' } }));
    expect(problems(parsed)).toEqual([
      'authorizedQuantity has more digits than the system can hold exactly; type a whole number from 1 to 1000000000',
    ]);
  });

  it('rejects 12345678901234567.5 and 9007199254740993 (2^53 + 1) as held inexactly', () => {
    for (const typed of ['12345678901234567.5', '9007199254740993']) {
      const parsed = parseLicense(licenseImage({ authorizedQuantity: { N: typed } }));
      expect(problems(parsed).join('; ')).toContain('authorizedQuantity has more digits than the system');
    }
  });

  it('names the field for every Number the contract has: authorizedValue, valueTolerancePercent, priority, onHand', () => {
    const long = { N: '5.00000000000000000001' };
    expect(problems(parseLicense(licenseImage({ authorizedValue: long }))).join()).toMatch(
      /^authorizedValue has more digits .*; type a whole number of US dollars from 1 to 1000000000000, or remove the attribute$/,
    );
    expect(problems(parseLicense(licenseImage({ valueTolerancePercent: long }))).join()).toMatch(
      /^valueTolerancePercent has more digits .*; type a whole number of percent from 0 to 25, or remove the attribute$/,
    );
    expect(problems(parseShipment(shipmentImage({ priority: long }))).join()).toMatch(
      /^priority has more digits .*; type a whole number from 0 to 999999$/,
    );
    expect(problems(parseInventory(inventoryImage({ onHand: long }))).join()).toMatch(
      /^onHand has more digits .*; type a whole number from 0 to 9007199254740991$/,
    );
  });

  it('reads a Number a double holds exactly as that number, in any form DynamoDB may give it', () => {
    for (const [typed, read] of [
      ['1000', 1000],
      ['1000.0', 1000],
      ['1e3', 1000],
      ['1E+3', 1000],
      ['001000', 1000],
      ['-0', -0],
      ['0.5', 0.5],
      ['-12.250', -12.25],
      ['9007199254740992', 2 ** 53],
    ] as const) {
      expect(fromImage({ n: { N: typed } })?.n, typed).toBe(read);
    }
  });

  it('reads 10^30 as the double 1e30 (held exactly: it is written back as the same Number), rejected as too large', () => {
    const item = fromImage({ n: { N: '1000000000000000000000000000000' } });
    expect(item?.n).toBe(1e30);
    const parsed = parseLicense(
      licenseImage({ authorizedQuantity: { N: '1000000000000000000000000000000' } }),
    );
    expect(problems(parsed)).toContain('authorizedQuantity must be at most 1000000000');
    expect(problems(parsed).join('; ')).not.toContain('more digits');
  });

  it('reads inexact Numbers inside lists, maps and Number sets too, as typed', () => {
    const item = fromImage({
      l: { L: [{ N: '1.00000000000000000001' }, { N: '2' }] },
      m: { M: { x: { N: '3.00000000000000000001' } } },
      ns: { NS: ['4.00000000000000000001', '5'] },
    }) as { l: unknown[]; m: Record<string, unknown>; ns: Set<unknown> };
    const [inList, two] = item.l;
    expect(isInexactNumber(inList)).toBe(true);
    expect(String(inList)).toBe('1.00000000000000000001');
    expect(two).toBe(2);
    expect(String(item.m.x)).toBe('3.00000000000000000001');
    expect([...item.ns].map(String)).toEqual(['4.00000000000000000001', '5']);
  });

  it('quotes an inexact Number in a message with all its digits, as typed', () => {
    const read = fromImage({ n: { N: '1000.0000000000000000001' } })?.n;
    expect(showValue(read)).toBe('1000.0000000000000000001');
  });
});

describe('holdsExactly', () => {
  it('compares the typed decimal with the double as JS writes it, whatever the notation', () => {
    expect(holdsExactly('1000.000', 1000)).toBe(true);
    expect(holdsExactly('+1.5e-7', 1.5e-7)).toBe(true);
    expect(holdsExactly('0.000', 0)).toBe(true);
    expect(holdsExactly('-0.0', -0)).toBe(true);
    expect(holdsExactly('0.1', 0.1)).toBe(true);
    expect(holdsExactly('1000.0000000000000000001', 1000)).toBe(false);
    expect(holdsExactly('-5', 5)).toBe(false);
    expect(holdsExactly('abc', Number.NaN)).toBe(false);
    expect(holdsExactly('.', 0)).toBe(false);
  });
});

describe('type errors name the type the console shows', () => {
  it.each([
    ['NULL', { NULL: true }, 'NULL'],
    ['a Boolean', { BOOL: true }, 'a Boolean (BOOL)'],
    ['a List', { L: [{ N: '5' }] }, 'a List (L)'],
    ['a Map', { M: { n: { N: '5' } } }, 'a Map (M)'],
    ['a String Set', { SS: ['5'] }, 'a String Set (SS)'],
    ['a Number Set', { NS: ['5'] }, 'a Number Set (NS)'],
    ['a Binary Set', { BS: [new Uint8Array([5])] }, 'a Binary Set (BS)'],
    ['Binary', { B: new Uint8Array([5]) }, 'Binary (B)'],
    ['a String', { S: '5' }, 'a string'],
  ])('tells an admin who typed authorizedQuantity as %s which type it is', (_label, attribute, type) => {
    const parsed = parseLicense(licenseImage({ authorizedQuantity: attribute }));
    expect(problems(parsed)).toEqual([`authorizedQuantity must be a Number (N) attribute, not ${type}`]);
  });

  it('tells an admin who typed a shipment value as a Boolean to type a number or remove the attribute', () => {
    const parsed = parseShipment(shipmentImage({ value: { BOOL: true } }));
    expect(problems(parsed)).toEqual([
      'value must be a Number (N) attribute in whole US dollars, not a Boolean (BOOL); type a number or remove the attribute',
    ]);
  });

  it('offers removal for every optional Number (authorizedValue, valueTolerancePercent), not for required ones', () => {
    expect(problems(parseLicense(licenseImage({ authorizedValue: { NULL: true } })))).toEqual([
      'authorizedValue must be a Number (N) attribute in whole US dollars, not NULL; type a number or remove the attribute',
    ]);
    expect(problems(parseLicense(licenseImage({ valueTolerancePercent: { S: '10' } })))).toEqual([
      'valueTolerancePercent must be a Number (N) attribute, not a string; type a number or remove the attribute',
    ]);
    expect(problems(parseShipment(shipmentImage({ priority: { NULL: true } })))).toEqual([
      'priority must be a Number (N) attribute, not NULL',
    ]);
    expect(problems(parseInventory(inventoryImage({ onHand: { L: [] } })))).toEqual([
      'onHand must be a Number (N) attribute, not a List (L)',
    ]);
  });
});

describe('times end in Z', () => {
  it('refuses validUntil 2099-01-01T00:00:00+00:00, saying the time must end in Z', () => {
    // DESIGN §3: "Times are ISO-8601 strings in UTC". The contract narrows that to times ending in Z
    // (docs/data-contract.md): the system and the CLI accept no offset, not even +00:00.
    const parsed = parseLicense(licenseImage({ validUntil: { S: '2099-01-01T00:00:00+00:00' } }));
    expect(problems(parsed)).toEqual([
      'validUntil must be an ISO-8601 UTC time ending in Z, such as 2026-01-31T00:00:00Z',
    ]);
  });

  it('accepts the same instant ending in Z, with or without milliseconds', () => {
    for (const validUntil of ['2099-01-01T00:00:00Z', '2099-01-01T00:00:00.000Z']) {
      expect(parseLicense(licenseImage({ validUntil: { S: validUntil } })).ok).toBe(true);
    }
  });
});
