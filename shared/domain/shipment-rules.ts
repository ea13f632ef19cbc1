import type { ShipmentStatus } from './model.js';
import { SHIPMENT_STATUSES, ShipmentStatusSchema, showValue } from './model.js';

/** Manual status edits an admin may make, from the counted status to the new one. */
export const MANUAL_SHIPMENT_EDITS: Readonly<Record<ShipmentStatus, readonly ShipmentStatus[]>> = {
  HELD: ['CANCELLED'],
  RELEASED: ['SHIPPED', 'CANCELLED'],
  SHIPPED: [],
  CANCELLED: [],
};

/** Attributes that may not change once a shipment is accepted: counters and licenses depend on them. */
export const IMMUTABLE_SHIPMENT_FIELDS = [
  'licenseId',
  'customerId',
  'sku',
  'warehouseId',
  'quantity',
] as const;

/**
 * Fields an admin may change on an accepted shipment that move something:
 * `value` (what its license draws; without one, SHIPMENT_VALUE_MISSING holds
 * it under a value limit), `priority` and `requestedAt` (its hold order: which
 * shipment a license releases first and re-holds last). A save the system
 * rejects is set back whole: those the same save changed go back with the
 * fields it rejected, so that no pass moves the shipment on half of it.
 */
export const SAVED_WITH_FIELDS = ['value', 'priority', 'requestedAt'] as const;

/**
 * `value` may be set or corrected while a shipment is HELD (that is how an
 * admin clears SHIPMENT_VALUE_MISSING), but not once it draws on its license:
 * the license's `releasedValue` counts it then.
 */
export const VALUE_FIXED_WHILE: readonly ShipmentStatus[] = ['RELEASED', 'SHIPPED'];

/**
 * Whether `raw`, counted as `counted`, shows a `value` other than the one its
 * license drew (`countedValue`; none drawn reads as 0): an edit to set back.
 */
export function drawnValueEdited(raw: Record<string, unknown>, counted: ShipmentStatus | undefined): boolean {
  const drawn = counted !== undefined && VALUE_FIXED_WHILE.includes(counted) ? raw.countedValue : undefined;
  const value = typeof raw.value === 'number' ? raw.value : 0;
  return typeof drawn === 'number' && value !== drawn;
}

/** `value` as a shipment status, or undefined when it is none (missing, mistyped). */
export function asShipmentStatus(value: unknown): ShipmentStatus | undefined {
  const parsed = ShipmentStatusSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** The verdict on a shipment's `status` relative to `countedStatus`, the status the counters reflect. */
export type ShipmentVerdict =
  | { kind: 'unchanged' }
  | { kind: 'accept' }
  | { kind: 'legal'; from: ShipmentStatus; to: ShipmentStatus }
  | {
      kind: 'illegal';
      from: ShipmentStatus | undefined;
      to: string;
      reason: string;
      severity: 'high' | 'normal';
    };

/**
 * Judges a shipment status edit. A new shipment must start as HELD (the system
 * alone releases); after that only RELEASED → SHIPPED and HELD/RELEASED →
 * CANCELLED are manual edits. HELD → SHIPPED is flagged high severity: it may
 * be an export without a license.
 */
export function judgeShipmentStatus(counted: ShipmentStatus | undefined, status: unknown): ShipmentVerdict {
  const shown = showValue(status);
  if (typeof status !== 'string' || !(SHIPMENT_STATUSES as readonly string[]).includes(status)) {
    return {
      kind: 'illegal',
      from: counted,
      to: shown,
      reason: `status "${shown}" is not a shipment status; use one of ${SHIPMENT_STATUSES.join(', ')}`,
      severity: 'normal',
    };
  }
  const to = status as ShipmentStatus;
  if (counted === undefined) {
    return to === 'HELD'
      ? { kind: 'accept' }
      : {
          kind: 'illegal',
          from: undefined,
          to,
          reason: `a new shipment must start as HELD, not ${to}; the system alone releases shipments`,
          severity: 'normal',
        };
  }
  if (counted === to) return { kind: 'unchanged' };
  if (MANUAL_SHIPMENT_EDITS[counted].includes(to)) return { kind: 'legal', from: counted, to };
  if (counted === 'HELD' && to === 'SHIPPED') {
    return {
      kind: 'illegal',
      from: counted,
      to,
      reason:
        'HELD → SHIPPED is not allowed: the shipment has no approved license. If goods left the warehouse this is a possible export violation; escalate to compliance',
      severity: 'high',
    };
  }
  const allowed = MANUAL_SHIPMENT_EDITS[counted];
  const reason =
    counted === 'HELD' && to === 'RELEASED'
      ? 'HELD → RELEASED by hand bypasses the license check; approve the license instead and the system releases the shipment'
      : allowed.length === 0
        ? `${counted} → ${to} is not allowed: ${counted} is final`
        : `${counted} → ${to} is not allowed; from ${counted} the status may become ${allowed.join(' or ')}`;
  return { kind: 'illegal', from: counted, to, reason, severity: 'normal' };
}
