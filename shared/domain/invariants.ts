import { consumed, inventoryKey } from './counters.js';
import { inventoryViolations } from './inventory-check.js';
import { type LicenseLimits, limitsOf, loweredLimits } from './license-limits.js';
import {
  type License,
  LicenseSchema,
  LicenseStatusSchema,
  parseItem,
  type Shipment,
  ShipmentSchema,
  type ShipmentStatus,
} from './model.js';
import { copiedFrom, mismatch, validity } from './planning.js';
import type { RawItem } from './ports.js';
import { failSafeLicense, underAppliedTerms } from './terms.js';

/** One broken invariant, with the keys of the items involved. */
export interface Violation {
  invariant: 'I1' | 'I2' | 'I3' | 'I5' | 'I6';
  key: Record<string, string>;
  message: string;
}

/**
 * A license whose SHIPPED shipments alone exceed a limit lowered after they
 * shipped: not an I2 violation (shipped goods cannot be re-held) but a
 * compliance finding, alerted high when the amendment lands.
 */
export interface ShippedOverLimit {
  licenseId: string;
  limit: 'quantity' | 'value';
  shipped: number;
  authorized: number;
}

/** What a license's RELEASED and SHIPPED shipments draw, and how much of it has shipped. */
interface Drawn {
  quantity: number;
  value: number;
  shippedQuantity: number;
  shippedValue: number;
}

/** Counter sums recomputed from Shipments for one (sku, warehouse). */
export interface RecomputedCounters {
  sku: string;
  warehouseId: string;
  held: number;
  released: number;
  shipped: number;
}

/** How a store is judged beyond I1–I3 as they hold on a live system. */
export interface CheckOptions {
  /**
   * The store is quiescent at this time (no work pending, the clock has
   * ticked past it): a license with RELEASED shipments must be valid now, and
   * every shipment must be counted or rejected, and every license's `status`
   * applied or rejected. Never on a live system, whose clock may not have
   * expired a license yet and whose handlers may not have taken a new shipment
   * or a decision in.
   */
  quiescentAt?: Date;
  /**
   * History entries: a shipped-over-limit finding then needs a
   * LICENSE_AMENDED entry that lowered that limit. Without them any such
   * license is a finding.
   */
  entries?: readonly RawItem[];
}

/**
 * Checks I1–I3 over a store with no work pending. Shipments are counted by
 * `countedStatus`; one whose `status` differs from it is an unapplied edit
 * and is reported. Invalid items are skipped here: they are never counted, and
 * the handlers report them. So are copies of other shipments (`copiedFrom`),
 * which carry the original's `countedStatus` and are counted by nothing until
 * shipment-events takes them in as new shipments. A shipment not counted yet
 * is skipped too, unless the store is quiescent (`quiescentAt`): then one
 * neither counted nor rejected was dropped (I5), and so was a license
 * `status` neither applied nor rejected.
 */
export function checkInvariants(
  input: {
    licenses: readonly RawItem[];
    shipments: readonly RawItem[];
    inventory: readonly RawItem[];
  },
  options: CheckOptions = {},
): { violations: Violation[]; recomputed: RecomputedCounters[]; shippedOverLimit: ShippedOverLimit[] } {
  const violations: Violation[] = [];
  const licenses = new Map<string, License>();
  // Every license item by id, parsed or not: a final license the admin left with a rejected typo
  // (`status: 'expired'`) does not parse, yet what shipped under it did ship under it.
  const identities = new Map<string, LicenseIdentity>();
  const now = options.quiescentAt;
  for (const raw of input.licenses) {
    const license = inForce(raw);
    if (license) licenses.set(license.licenseId, license);
    identities.set(String(raw.licenseId), identityOf(raw));
    if (now && unappliedDecision(raw)) violations.push(droppedDecision(raw));
  }
  const drawnBy = new Map<string, Drawn>();
  const sums = new Map<string, RecomputedCounters>();
  for (const raw of input.shipments) {
    if (now && raw.countedStatus === undefined && raw.statusError === undefined)
      violations.push(droppedShipment(raw));
    const p = parseItem(ShipmentSchema, raw);
    // A copy of another shipment (the console's "Duplicate item") is not counted until shipment-events takes it in.
    if (!p.ok || p.value.countedStatus === undefined || copiedFrom(raw) !== undefined) continue;
    const s: Shipment = p.value;
    const counted = p.value.countedStatus;
    violations.push(...shipmentViolations(s, counted, licenses, identities, now));
    draw(drawnBy, s, counted);
    count(sums, s, counted);
  }
  const shippedOverLimit: ShippedOverLimit[] = [];
  const lowered = options.entries ? loweredLimits(options.entries) : undefined;
  violations.push(
    ...licenseViolations(limitsOf(input.licenses, licenses), drawnBy, shippedOverLimit, lowered),
    ...inventoryViolations(input.inventory, sums),
  );
  return { violations, recomputed: [...sums.values()], shippedOverLimit };
}

/**
 * The license as it is in force: under its applied terms (an amendment typed
 * and not judged yet, beside an invalid attribute or in flight, is not), or,
 * for an item a rejected edit left unreadable, as the clock reads it
 * (failSafeLicense, at its applied status): what was released under it was
 * released under a license that exists.
 */
function inForce(raw: RawItem): License | undefined {
  const applied = underAppliedTerms(raw);
  const parsed = parseItem(LicenseSchema, applied);
  if (parsed.ok) return parsed.value;
  const status = LicenseStatusSchema.safeParse(raw.appliedStatus);
  if (!status.success || raw.statusError === undefined) return undefined;
  return failSafeLicense(applied, status.data);
}

/** I5 on a quiescent store: a shipment the system neither counted nor rejected was silently dropped. */
const droppedShipment = (raw: RawItem): Violation => ({
  invariant: 'I5',
  key: { shipmentId: String(raw.shipmentId) },
  message: `shipment (status ${String(raw.status)}) was neither counted (countedStatus) nor rejected (statusError): it was dropped, and no counter or license check saw it`,
});

/**
 * A license `status` the system neither applied (`appliedStatus`) nor
 * rejected (`statusError`), with no work pending on it (`pendingWork`): on a
 * quiescent store, a decision that was dropped.
 */
const unappliedDecision = (raw: RawItem): boolean =>
  raw.status !== raw.appliedStatus && raw.statusError === undefined && raw.pendingWork === undefined;

/** I5 on a quiescent store: the decision was silently dropped (nothing acted on it, nothing alerted). */
const droppedDecision = (raw: RawItem): Violation => ({
  invariant: 'I5',
  key: { licenseId: String(raw.licenseId) },
  message: `status ${String(raw.status)} was neither applied (appliedStatus ${String(raw.appliedStatus ?? 'none')}) nor rejected (statusError), and no work is pending: the decision was dropped`,
});

/** I3 for an edit not applied, and I1 for a RELEASED or SHIPPED shipment. */
function shipmentViolations(
  s: Shipment,
  counted: ShipmentStatus,
  licenses: ReadonlyMap<string, License>,
  identities: ReadonlyMap<string, LicenseIdentity>,
  now: Date | undefined,
): Violation[] {
  const violations: Violation[] = [];
  const key = { shipmentId: s.shipmentId };
  if (s.status !== counted) {
    violations.push({
      invariant: 'I3',
      key,
      message: `status ${s.status} differs from countedStatus ${counted}: an edit was not applied`,
    });
  }
  if (counted === 'RELEASED') violations.push(...releasedViolations(s, licenses.get(s.licenseId), now));
  if (counted === 'SHIPPED') violations.push(...shippedViolations(s, identities.get(s.licenseId)));
  return violations;
}

/** A license's `validFrom` and what an amendment that moved it later recorded (underEarlierWindow). */
type ValidFrom = Pick<License, 'validFrom' | 'validFromAmendedAt' | 'validFromBefore'>;

/** A license item's identity as stored, whether or not the item parses, and its `validFrom` when it has one. */
interface LicenseIdentity {
  licenseId: string;
  customerId: unknown;
  sku: unknown;
  appliedStatus: unknown;
  window: ValidFrom | undefined;
}

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function identityOf(raw: RawItem): LicenseIdentity {
  // The window in force: a validFrom typed and not judged yet (beside an invalid attribute, or in flight) is not.
  const validFrom = text(underAppliedTerms(raw).validFrom);
  const amendedAt = text(raw.validFromAmendedAt);
  const before = text(raw.validFromBefore);
  return {
    licenseId: String(raw.licenseId),
    customerId: raw.customerId,
    sku: raw.sku,
    appliedStatus: raw.appliedStatus,
    window:
      validFrom === undefined
        ? undefined
        : {
            validFrom,
            ...(amendedAt === undefined ? {} : { validFromAmendedAt: amendedAt }),
            ...(before === undefined ? {} : { validFromBefore: before }),
          },
  };
}

/** Applied statuses a license has always been approved under when it has one of them (DENIED is final; PENDING comes first). */
const NEVER_APPROVED = new Set<unknown>([undefined, 'PENDING', 'DENIED']);

/**
 * I1 for a SHIPPED shipment: it left under a license item that exists, names
 * its customer and sku, was approved once (its applied status is not
 * PENDING, DENIED or none), and was not released before `validFrom` (unless
 * an amendment moved `validFrom` later after it: underEarlierWindow). Not the
 * license's status, `validUntil` or validity now: a license suspended,
 * revoked, expired or mistyped later does not undo what shipped (the
 * identity of an applied license cannot change).
 */
function shippedViolations(s: Shipment, l: LicenseIdentity | undefined): Violation[] {
  const key = { shipmentId: s.shipmentId };
  if (!l)
    return [{ invariant: 'I1', key, message: `SHIPPED under license ${s.licenseId}, which does not exist` }];
  const violations: Violation[] = [];
  if (l.customerId !== s.customerId || l.sku !== s.sku)
    violations.push({
      invariant: 'I1',
      key,
      message: `SHIPPED under license ${l.licenseId} for another customer or sku`,
    });
  if (NEVER_APPROVED.has(l.appliedStatus))
    violations.push({
      invariant: 'I1',
      key,
      message: `SHIPPED under license ${l.licenseId}, which was never approved (applied ${String(l.appliedStatus ?? 'none')})`,
    });
  if (s.releasedAt && l.window && releasedEarly(s.releasedAt, l.window))
    violations.push({
      invariant: 'I1',
      key,
      message: `SHIPPED, released at ${s.releasedAt}, before license ${l.licenseId} was valid (validFrom ${l.window.validFrom})`,
    });
  return violations;
}

/** Released before `validFrom`, and not under an earlier window an amendment moved it from. */
const releasedEarly = (releasedAt: string, l: ValidFrom): boolean =>
  Date.parse(releasedAt) < Date.parse(l.validFrom) && !underEarlierWindow(releasedAt, l);

/**
 * Released before an amendment moved `validFrom` later, to a time already
 * past (`validFromAmendedAt`): judged under the window before it, which the
 * item no longer shows. Such a shipment stays RELEASED, the license being
 * valid now; one released after that amendment is judged as usual. A release
 * in the same millisecond committed before it (the amendment fences the
 * pass's releases off), so it counts as before.
 */
function underEarlierWindow(releasedAt: string, l: ValidFrom): boolean {
  const t = Date.parse(releasedAt);
  return (
    l.validFromAmendedAt !== undefined &&
    t < Date.parse(l.validFrom) &&
    t <= Date.parse(l.validFromAmendedAt) &&
    // Not before every window the license had: that release was early under any of them.
    (l.validFromBefore === undefined || t >= Date.parse(l.validFromBefore))
  );
}

/**
 * I1: a RELEASED shipment's license exists, is approved and applied, matches
 * it, was valid when it was released (every release stamps `releasedAt`) and,
 * on a quiescent store, is valid now (`now`).
 */
function releasedViolations(s: Shipment, l: License | undefined, now: Date | undefined): Violation[] {
  const key = { shipmentId: s.shipmentId };
  if (!l)
    return [{ invariant: 'I1', key, message: `RELEASED under license ${s.licenseId}, which does not exist` }];
  const violations: Violation[] = [];
  const add = (message: string) => violations.push({ invariant: 'I1', key, message });
  if (l.status !== 'APPROVED' || l.appliedStatus !== 'APPROVED')
    add(`RELEASED under license ${l.licenseId}, which is ${l.status} (applied ${l.appliedStatus ?? 'none'})`);
  if (mismatch(l, s)) add(`RELEASED under license ${l.licenseId} for another customer or sku`);
  if (!s.releasedAt) add(`RELEASED without releasedAt: no release under license ${l.licenseId} stamped it`);
  else if (validity(l, new Date(s.releasedAt)) !== 'valid' && !underEarlierWindow(s.releasedAt, l))
    add(`released at ${s.releasedAt}, outside ${l.validFrom}..${l.validUntil}`);
  if (now && validity(l, now) !== 'valid')
    add(
      `RELEASED under license ${l.licenseId}, which is not valid now (${now.toISOString()} outside ${l.validFrom}..${l.validUntil})`,
    );
  return violations;
}

/** Adds a counted shipment to the counter sums of its (sku, warehouse). */
function count(sums: Map<string, RecomputedCounters>, s: Shipment, counted: ShipmentStatus): void {
  const k = inventoryKey(s);
  const sum = sums.get(k) ?? { sku: s.sku, warehouseId: s.warehouseId, held: 0, released: 0, shipped: 0 };
  if (counted === 'HELD') sum.held += s.quantity;
  if (counted === 'RELEASED') sum.released += s.quantity;
  if (counted === 'SHIPPED') sum.shipped += s.quantity;
  sums.set(k, sum);
}

/** Adds what a counted shipment draws from its license (nothing while HELD or CANCELLED). */
function draw(drawnBy: Map<string, Drawn>, s: Shipment, counted: ShipmentStatus): void {
  const quantity = consumed(counted, s.quantity);
  if (quantity === 0) return;
  const value = s.value ?? 0;
  const d = drawnBy.get(s.licenseId) ?? { quantity: 0, value: 0, shippedQuantity: 0, shippedValue: 0 };
  d.quantity += quantity;
  d.value += value;
  if (counted === 'SHIPPED') {
    d.shippedQuantity += quantity;
    d.shippedValue += value;
  }
  drawnBy.set(s.licenseId, d);
}

/**
 * I2: each license's releasedQuantity and releasedValue are what its
 * shipments draw, and within authorizedQuantity and the value limit with its
 * tolerance, unless SHIPPED shipments alone exceed a lowered limit (then it
 * is a finding, not a violation, as long as nothing unshipped still draws,
 * and, when History is given (`lowered`), an entry lowered that limit).
 */
function licenseViolations(
  licenses: readonly LicenseLimits[],
  drawnBy: ReadonlyMap<string, Drawn>,
  shippedOverLimit: ShippedOverLimit[],
  lowered: ReadonlyMap<string, ReadonlySet<ShippedOverLimit['limit']>> | undefined,
): Violation[] {
  const violations: Violation[] = [];
  for (const l of licenses) {
    const d = drawnBy.get(l.licenseId) ?? { quantity: 0, value: 0, shippedQuantity: 0, shippedValue: 0 };
    const key = { licenseId: l.licenseId };
    const unshipped = d.quantity - d.shippedQuantity;
    const limits = [
      {
        limit: 'quantity',
        counter: 'releasedQuantity',
        kept: l.releasedQuantity,
        drawn: d.quantity,
        shipped: d.shippedQuantity,
        authorized: l.authorizedQuantity,
        name: 'authorizedQuantity',
      },
      {
        limit: 'value',
        counter: 'releasedValue',
        kept: l.releasedValue,
        drawn: d.value,
        shipped: d.shippedValue,
        authorized: l.valueCap,
        name: 'the value limit with its tolerance',
      },
    ] as const;
    for (const x of limits) {
      if (x.kept === undefined) continue;
      if (x.kept !== x.drawn) {
        violations.push({
          invariant: 'I2',
          key,
          message: `${x.counter} is ${x.kept} but its released and shipped shipments draw ${x.drawn}`,
        });
      }
      if (x.authorized === undefined || x.kept <= x.authorized) continue;
      const wasLowered = lowered === undefined || lowered.get(l.licenseId)?.has(x.limit) === true;
      if (x.shipped > x.authorized && unshipped === 0 && wasLowered) {
        shippedOverLimit.push({
          licenseId: l.licenseId,
          limit: x.limit,
          shipped: x.shipped,
          authorized: x.authorized,
        });
      } else {
        violations.push({
          invariant: 'I2',
          key,
          message: `${x.counter} ${x.kept} exceeds ${x.name} ${x.authorized}${wasLowered ? '' : ' (no History entry lowered it)'}`,
        });
      }
    }
  }
  return violations;
}
