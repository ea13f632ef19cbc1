import { z } from 'zod';
import { isInexactNumber } from './numbers.js';

/**
 * The data contract (docs/data-contract.md) as zod schemas. Types come from the
 * schemas, so the contract is written down exactly once. Admins type these
 * items by hand, so every message names the field and says how to fix it.
 */

export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
/** Upper bound on any quantity: far above any real order, far below float trouble. */
export const MAX_QUANTITY = 1_000_000_000;
/** Upper bound on any value in whole USD (a trillion): exact in a double, far above any license. */
export const MAX_VALUE = 1_000_000_000_000;
/** The largest shipping tolerance on value a license may carry, in percent. */
export const MAX_VALUE_TOLERANCE_PERCENT = 25;

const id = (field: string) =>
  z
    .string({ error: `${field} must be a String (S) attribute` })
    .regex(ID_PATTERN, `${field} must be 1-128 characters of letters, digits, '.', '_', ':' or '-'`);

/**
 * The attribute type an admin typed instead of a Number, as the console
 * names it: a value read from a String (S), NULL, Boolean (BOOL), List (L),
 * Map (M), set (SS, NS, BS) or Binary (B) attribute.
 */
export function attributeTypeOf(value: unknown): string {
  if (value === null) return 'NULL';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'boolean') return 'a Boolean (BOOL)';
  if (Array.isArray(value)) return 'a List (L)';
  if (value instanceof Set) {
    const first: unknown = value.values().next().value;
    if (typeof first === 'string') return 'a String Set (SS)';
    return first instanceof Uint8Array ? 'a Binary Set (BS)' : 'a Number Set (NS)';
  }
  if (value instanceof Uint8Array) return 'Binary (B)';
  return typeof value === 'object' ? 'a Map (M)' : typeof value;
}

/**
 * The message of a Number attribute that is not a usable number: infinite,
 * typed with more digits than a double holds (shared/domain/numbers.ts), or
 * of another type, named. `unit` qualifies the Number (" in whole US
 * dollars"); `range` is the fix for a Number typed too precisely; an
 * `optional` attribute may also be removed.
 */
const numberError =
  (field: string, range: string, options: { unit?: string; optional?: boolean } = {}) =>
  (issue: { input?: unknown }): string => {
    const input = issue.input;
    if (typeof input === 'number') return `${field} must be a finite number`;
    if (isInexactNumber(input)) {
      return `${field} has more digits than the system can hold exactly; type ${range}${options.optional ? ', or remove the attribute' : ''}`;
    }
    const found = `${field} must be a Number (N) attribute${options.unit ?? ''}, not ${attributeTypeOf(input)}`;
    return options.optional ? `${found}; type a number or remove the attribute` : found;
  };

const quantity = (field: string) =>
  z
    .number({ error: numberError(field, `a whole number from 1 to ${MAX_QUANTITY}`) })
    .int(`${field} must be a whole number`)
    .min(1, `${field} must be greater than 0`)
    .max(MAX_QUANTITY, `${field} must be at most ${MAX_QUANTITY}`);

const money = (field: string, min: 0 | 1, optional: boolean) =>
  z
    .number({
      error: numberError(field, `a whole number of US dollars from ${min} to ${MAX_VALUE}`, {
        unit: ' in whole US dollars',
        optional,
      }),
    })
    .int(`${field} must be a whole number of US dollars (no cents)`)
    .min(min, min === 1 ? `${field} must be greater than 0` : `${field} must not be negative`)
    .max(MAX_VALUE, `${field} must be at most ${MAX_VALUE}`);

const counter = (field: string) =>
  z
    .number({ error: numberError(field, `a whole number from 0 to ${Number.MAX_SAFE_INTEGER}`) })
    .int(`${field} must be a whole number`)
    .min(0, `${field} must not be negative`)
    .max(Number.MAX_SAFE_INTEGER, `${field} is too large`);

const isoTime = (field: string) =>
  z.iso.datetime({
    error: `${field} must be an ISO-8601 UTC time ending in Z, such as 2026-01-31T00:00:00Z`,
  });

/** Whether `v` is a time as the contract writes it (ISO-8601 UTC ending in `Z`: no offset, not even `+00:00`). */
export const isIsoTime = (v: unknown): boolean => z.iso.datetime().safeParse(v).success;

const freeText = (field: string) =>
  z
    .string({ error: `${field} must be a String (S) attribute` })
    .max(1000, `${field} must be at most 1000 characters`);

export const LICENSE_STATUSES = ['PENDING', 'APPROVED', 'DENIED', 'SUSPENDED', 'REVOKED', 'EXPIRED'] as const;
export const LicenseStatusSchema = z.enum(LICENSE_STATUSES, {
  error: `status must be one of ${LICENSE_STATUSES.join(', ')} (upper case)`,
});
export type LicenseStatus = z.infer<typeof LicenseStatusSchema>;

export const SHIPMENT_STATUSES = ['HELD', 'RELEASED', 'SHIPPED', 'CANCELLED'] as const;
export const ShipmentStatusSchema = z.enum(SHIPMENT_STATUSES, {
  error: `status must be one of ${SHIPMENT_STATUSES.join(', ')} (upper case)`,
});
export type ShipmentStatus = z.infer<typeof ShipmentStatusSchema>;

export const HOLD_REASONS = [
  'LICENSE_PENDING',
  'LICENSE_NOT_YET_VALID',
  'LICENSE_QUANTITY_EXHAUSTED',
  'LICENSE_VALUE_EXHAUSTED',
  'SHIPMENT_VALUE_MISSING',
  'LICENSE_DENIED',
  'LICENSE_SUSPENDED',
  'LICENSE_REVOKED',
  'LICENSE_EXPIRED',
  'LICENSE_MISMATCH',
] as const;
export const HoldReasonSchema = z.enum(HOLD_REASONS, {
  error: `holdReason must be one of ${HOLD_REASONS.join(', ')}`,
});
export type HoldReason = z.infer<typeof HoldReasonSchema>;

/**
 * A License item. `releasedQuantity`, `releasedValue`, `appliedStatus`,
 * `appliedTerms`, `statusError`, `pendingWork`, `workCursor`,
 * `waitingForValidFrom`, `settleCheckAt`, `appliedChanges`,
 * `lastDecision`, `drawdownAlerted` and `expiryAlerted` are system-kept (see
 * docs/system-attributes.md).
 */
export const LicenseSchema = z
  .object({
    licenseId: id('licenseId'),
    licenseNumber: z
      .string({ error: 'licenseNumber must be a String (S) attribute' })
      .min(1, 'licenseNumber must not be empty')
      .max(128, 'licenseNumber must be at most 128 characters'),
    customerId: id('customerId'),
    sku: id('sku'),
    destinationCountry: z
      .string({ error: 'destinationCountry must be a String (S) attribute' })
      .regex(/^[A-Z]{2}$/, 'destinationCountry must be an ISO 3166-1 alpha-2 code in upper case, e.g. AE'),
    authorizedQuantity: quantity('authorizedQuantity'),
    authorizedValue: money('authorizedValue', 1, true).optional(),
    valueTolerancePercent: z
      .number({
        error: numberError(
          'valueTolerancePercent',
          `a whole number of percent from 0 to ${MAX_VALUE_TOLERANCE_PERCENT}`,
          { optional: true },
        ),
      })
      .int('valueTolerancePercent must be a whole number of percent')
      .min(0, 'valueTolerancePercent must be 0 or more')
      .max(
        MAX_VALUE_TOLERANCE_PERCENT,
        `valueTolerancePercent must be at most ${MAX_VALUE_TOLERANCE_PERCENT} (the shipping tolerance on value)`,
      )
      .optional(),
    releasedQuantity: counter('releasedQuantity').default(0),
    releasedValue: counter('releasedValue').default(0),
    status: LicenseStatusSchema,
    validFrom: isoTime('validFrom'),
    validUntil: isoTime('validUntil'),
    statusReason: freeText('statusReason').optional(),
    updatedBy: freeText('updatedBy').optional(),
    appliedStatus: LicenseStatusSchema.optional(),
    statusError: z.string().optional(),
    pendingWork: z.string().optional(),
    workCursor: z.string().optional(),
    waitingForValidFrom: z.string().optional(),
    settleCheckAt: z.string().optional(),
    validFromAmendedAt: z.string().optional(),
    validFromBefore: z.string().optional(),
    appliedTerms: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
    appliedChanges: z.number().int().min(0).optional(),
    lastDecision: z.record(z.string(), z.unknown()).optional(),
    // Read leniently by shared/domain/compliance.ts: a damaged record only repeats an alert.
    drawdownAlerted: z.unknown().optional(),
    expiryAlerted: z.unknown().optional(),
  })
  .refine((l) => Date.parse(l.validUntil) > Date.parse(l.validFrom), {
    path: ['validUntil'],
    message: 'validUntil must be later than validFrom',
  });
export type License = z.infer<typeof LicenseSchema>;

/**
 * A shipment's `countedAs` stamp as stored (see counters.ts): stamps written
 * before `customerId` and `licenseId` were added carry three fields, and
 * those written before `seal` was added carry none. Read whole, keys this
 * version does not know kept: the passes' writes are conditional on the stamp
 * as read (`stampExpected`), so a stamp a later version wrote with one more
 * key still matches itself after a rollback to this one.
 */
export const CountedAsSchema = z.looseObject({
  quantity: z.number(),
  sku: z.string(),
  warehouseId: z.string(),
  customerId: z.string().optional(),
  licenseId: z.string().optional(),
  seal: z.string().optional(),
});
export type CountedAsStamp = z.infer<typeof CountedAsSchema>;

/**
 * A Shipment item. `countedStatus` (the status the counters reflect),
 * `countedValue` (the value its license drew when it was released),
 * `countedAs` (the fixed fields as the counters and license hold them), `revision`,
 * `changedAt`, `decision`, `rejectedEdit`, the GSI keys and `changedBy` are
 * system-kept; see docs/system-attributes.md. `statusReason` and `updatedBy`
 * are the admin's, as on licenses.
 */
export const ShipmentSchema = z.object({
  shipmentId: id('shipmentId'),
  licenseId: id('licenseId'),
  customerId: id('customerId'),
  sku: id('sku'),
  warehouseId: id('warehouseId'),
  quantity: quantity('quantity'),
  value: money('value', 0, true).optional(),
  priority: z
    .number({ error: numberError('priority', 'a whole number from 0 to 999999') })
    .int('priority must be a whole number')
    .min(0, 'priority must be 0 or more (lower goes first)')
    .max(999_999, 'priority must be at most 999999'),
  requestedAt: isoTime('requestedAt'),
  status: ShipmentStatusSchema,
  holdReason: HoldReasonSchema.optional(),
  releasedAt: isoTime('releasedAt').optional(),
  statusError: z.string().optional(),
  statusReason: freeText('statusReason').optional(),
  updatedBy: freeText('updatedBy').optional(),
  changedBy: z.string().optional(),
  changedAt: z.string().optional(),
  decision: z.record(z.string(), z.unknown()).optional(),
  countedStatus: ShipmentStatusSchema.optional(),
  countedValue: money('countedValue', 0, false).optional(),
  revision: z.number().int().min(0).optional(),
  rejectedEdit: z.string().optional(),
  countedAs: CountedAsSchema.optional(),
});
export type Shipment = z.infer<typeof ShipmentSchema>;

/** An Inventory counter item per (sku, warehouse). `available` is derived, never stored. */
export const InventorySchema = z.object({
  sku: id('sku'),
  warehouseId: id('warehouseId'),
  onHand: counter('onHand'),
  held: counter('held').default(0),
  released: counter('released').default(0),
  shipped: counter('shipped').default(0),
});
export type Inventory = z.infer<typeof InventorySchema>;

/** `onHand − held − released`: units free to promise. */
export const available = (inv: Inventory): number => inv.onHand - inv.held - inv.released;

/** An email address, its local part in any script (`josé.garcia@…`): the first character is kept. */
const EMAIL_ADDRESS = /([\p{L}\p{N}._%+-])[\p{L}\p{N}._%+-]*@([\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*)/gu;
/** An address is at most 320 characters (RFC 5321): masking that much past the cut masks any it splits. */
const LONGEST_ADDRESS = 320;

/**
 * A value an admin typed, as a rejection quotes it: strings as typed, other
 * values as JSON, cut to `max` characters, email addresses masked
 * (`j***@example.com`, as the CLI shows them). Rejections end up in
 * `statusError` (the item must stay under 400 KB), in ops alerts (SNS:
 * 256 KB) and in the handlers' logs, and an admin can paste anything into a
 * console field, contact details included.
 */
export function showValue(value: unknown, max = 80): string {
  let text: string;
  try {
    // An inexact number as its digits, as a number is shown (not as the string JSON makes of it).
    text =
      typeof value === 'string' || isInexactNumber(value)
        ? String(value)
        : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  // Masked before the cut, which would otherwise leave the part of an address before its `@` unmasked; over
  // what is shown and one address more only, since the pattern costs more than linear time on a long run.
  const shown = text
    .slice(0, max + LONGEST_ADDRESS)
    .replace(EMAIL_ADDRESS, '$1***@$2')
    .slice(0, max);
  return text.length <= max ? shown : `${shown}… (${text.length} characters)`;
}

/** A value as shown in a reason or alert, `nothing` for an attribute that is absent. */
export const valueOrNothing = (value: unknown): string =>
  value === undefined ? 'nothing' : showValue(value);

/** The outcome of parsing an item typed by hand: the item, or every problem found. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; problems: string[] };

/** Parses `raw` with `schema` and turns zod issues into sentences that name the field. */
export function parseItem<T>(schema: z.ZodType<T>, raw: unknown): Parsed<T> {
  const result = schema.safeParse(raw);
  if (result.success) return { ok: true, value: result.data };
  const problems = result.error.issues.map((issue) => {
    const field = issue.path.join('.');
    if (issue.code === 'invalid_type' && valueAt(raw, issue.path) === undefined) return `${field} is missing`;
    return issue.message.includes(field) || field === '' ? issue.message : `${field}: ${issue.message}`;
  });
  return { ok: false, problems: [...new Set(problems)] };
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let value: unknown = raw;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** A value as DynamoDB compares it in `attr = :v`: same type and same value. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return canonical(a) === canonical(b);
}

const canonical = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([p], [q]) => (p < q ? -1 : 1)))
      : x,
  );
