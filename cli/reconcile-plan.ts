import {
  type CountedAs,
  consumed,
  countedAsItIs,
  countedAsStamp,
  stampIntact,
} from '../shared/domain/counters.js';
import type { DeletedShipment } from '../shared/domain/history-invariant.js';
import type { RecomputedCounters, ShippedOverLimit, Violation } from '../shared/domain/invariants.js';
import {
  InventorySchema,
  type License,
  LicenseSchema,
  LicenseStatusSchema,
  parseItem,
  ShipmentSchema,
} from '../shared/domain/model.js';
import { copiedFrom, valueCap } from '../shared/domain/planning.js';
import type { RawItem } from '../shared/domain/ports.js';
import { asShipmentStatus, drawnValueEdited } from '../shared/domain/shipment-rules.js';
import { failSafeLicense } from '../shared/domain/terms.js';
import { COUNTER_REVISION } from '../shared/names.js';
import { pendingAmendment } from './amend-plan.js';
import { count, listFew, plural, usd } from './format.js';
import { describeHoldOrderFix, type HoldOrderFix, staleHoldOrders } from './reconcile-hold-order.js';
import { describeSealFix, type SealFix, unsealedStampsOf } from './reconcile-stamps.js';
import { describeTermsSealFix, type TermsSealFix, unsealedTermsOf } from './reconcile-terms.js';

/**
 * What `clearance reconcile --fix` may repair, decided from one scan: the
 * Inventory counters (I3) and each license's `releasedQuantity` and
 * `releasedValue` (I2), each set to the value recomputed from the Shipments,
 * each HELD or RELEASED shipment's stale `holdOrder` (reconcile-hold-order.ts)
 * and its `countedAs` stamp left without a seal (reconcile-stamps.ts), and
 * each applied license's `appliedTerms` left without a sealed copy
 * (reconcile-terms.ts).
 * Shipped goods above a lowered limit are a finding for compliance, not
 * something a counter write repairs; they are reported apart. Every write is conditional
 * on the values read and on the item's `counterRevision` as read (every
 * system write that moves a counter adds 1 to it), so a counter that moved
 * since the scan, even back to the value read, is left alone and shows up
 * again in the re-check. A `holdOrder` rewrite or a seal is conditional on
 * the shipment as read instead (its `revision` among the rest).
 */

const COUNTERS = ['held', 'released', 'shipped'] as const;
type CounterName = (typeof COUNTERS)[number];

export interface InventoryFix {
  kind: 'inventory';
  sku: string;
  warehouseId: string;
  /** Values as read; undefined: the attribute was absent. */
  read: Record<CounterName, number | undefined>;
  set: Record<CounterName, number>;
  /** `counterRevision` as read (undefined: absent); the write is conditional on it too. */
  revision: number | undefined;
}

const LICENSE_COUNTERS = ['releasedQuantity', 'releasedValue'] as const;
type LicenseCounter = (typeof LICENSE_COUNTERS)[number];

export interface LicenseFix {
  kind: 'license';
  licenseId: string;
  /** Values as read; undefined: the attribute was absent. The write is conditional on both. */
  read: Record<LicenseCounter, number | undefined>;
  set: Record<LicenseCounter, number>;
  /** `counterRevision` as read (undefined: absent); the write is conditional on it too. */
  revision: number | undefined;
  /**
   * Set when the recomputed units exceed authorizedQuantity, or the recomputed
   * value the value cap: an over-release a person must look at.
   */
  warning?: string;
}

export type Fix = InventoryFix | LicenseFix | HoldOrderFix | SealFix | TermsSealFix;

export interface ReconcilePlan {
  fixes: Fix[];
  /** Violations no counter write repairs, for a person. */
  manual: Violation[];
  /** Work the system has not finished; fixing now could race it. */
  busy: string[];
  /** Shipments whose 3-field stamp is not sealed (reconcile-stamps.ts unsealedStampsOf); absent when none. */
  unsealedLeft?: string[];
  /** Licenses whose applied terms are left unsealed (reconcile-terms.ts unsealedTermsOf); absent when none. */
  unsealedTermsLeft?: string[];
}

const rawNumber = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/**
 * Units and value each license's RELEASED and SHIPPED shipments draw, counted
 * by `countedStatus` as the checker does (value: of the shipments that carry one).
 */
export function licenseConsumption(
  shipments: readonly RawItem[],
): Map<string, Record<LicenseCounter, number>> {
  const sums = new Map<string, Record<LicenseCounter, number>>();
  for (const raw of shipments) {
    const p = parseItem(ShipmentSchema, raw);
    // A copy of another shipment (console "Duplicate item") draws nothing until shipment-events takes it in.
    if (!p.ok || p.value.countedStatus === undefined || copiedFrom(raw) !== undefined) continue;
    const s = p.value;
    const sum = sums.get(s.licenseId) ?? { releasedQuantity: 0, releasedValue: 0 };
    sum.releasedQuantity += consumed(s.countedStatus, s.quantity);
    sum.releasedValue += consumed(s.countedStatus, s.value ?? 0);
    sums.set(s.licenseId, sum);
  }
  return sums;
}

/** Why recomputed counters of `l` are an over-release, or undefined when they are within its limits. */
function overRelease(l: License, want: Record<LicenseCounter, number>): string | undefined {
  const problems: string[] = [];
  if (want.releasedQuantity > l.authorizedQuantity) {
    problems.push(
      `its released and shipped shipments hold ${want.releasedQuantity} units, more than the ${l.authorizedQuantity} authorized`,
    );
  }
  const cap = valueCap(l);
  if (cap !== undefined && want.releasedValue > cap) {
    problems.push(
      `they draw ${usd(want.releasedValue)} of value, more than the value cap ${usd(cap)} (authorizedValue ${usd(l.authorizedValue ?? 0)} + ${l.valueTolerancePercent ?? 0}%)`,
    );
  }
  return problems.length === 0
    ? undefined
    : `${problems.join('; ')}: a possible over-release; escalate to compliance`;
}

/**
 * Whether a counted shipment carries an edit the system will set back: a
 * fixed field that differs from its `countedAs`, or the `value` of a
 * shipment whose license drew another (`countedValue`). Counters and
 * licenses hold what was counted, so recomputing them from the edited item
 * would write the edit into them.
 */
function editNotSetBack(s: RawItem): boolean {
  const countedAs = countedAsStamp(s);
  if (
    countedAs !== undefined &&
    !countedAsItIs({ ...(s as unknown as CountedAs & { shipmentId: string }), countedAs })
  )
    return true;
  return drawnValueEdited(s, asShipmentStatus(s.countedStatus));
}

/**
 * Whether a counted shipment's `countedAs` stamp is sealed with a seal that
 * is not its own (not stampIntact): a find and replace over its JSON,
 * stamp included. shipment-events sets such an edit back within seconds;
 * one still there was put back after a deletion from an edited copy, which
 * nothing sets back (docs/OPERATIONS.md, "A shipment put back with an edited
 * stamp"). A copy of another shipment is a new one, not yet taken in.
 */
function stampBroken(s: RawItem): boolean {
  const stamp = countedAsStamp(s);
  const counted = asShipmentStatus(s.countedStatus);
  return (
    stamp !== undefined &&
    counted !== undefined &&
    counted !== 'CANCELLED' &&
    copiedFrom(s) === undefined &&
    !stampIntact(String(s.shipmentId), stamp)
  );
}

/**
 * I5 for each counted shipment whose stamp is broken ({@link stampBroken}):
 * the license, customer and Inventory item it is counted under are not
 * known, so no license pass moves it and no notice of it goes out, and
 * nothing sets it back: a person must. Not work in flight (findBusy leaves it
 * out), and, while one is listed, no fix of a license or Inventory counter is
 * planned (planReconcile): which of them hold it is not known.
 */
export function stampViolations(shipments: readonly RawItem[]): Violation[] {
  return shipments.filter(stampBroken).map((s) => ({
    invariant: 'I5',
    key: { shipmentId: String(s.shipmentId) },
    message: `counted ${String(s.countedStatus)} with a countedAs stamp whose seal is not its fields' (a find and replace over its JSON, stamp included; put back from such a copy, nothing sets it back): the license, customer and Inventory item it is counted under are unknown, so no license pass releases or re-holds it and --fix makes no counter fix until it is put back from point-in-time recovery (docs/OPERATIONS.md, "A shipment put back with an edited stamp"). An edit typed in the last minutes is set back by the system: run reconcile again first.`,
  }));
}

/**
 * Finds work the system has not finished: license edits being applied,
 * amendments (terms that differ from `appliedTerms`) not applied yet,
 * shipment edits not yet counted or set back (a copy of another shipment not
 * yet taken in too). A shipment whose stamp is broken is no work in flight:
 * it is a person's ({@link stampViolations}).
 */
export function findBusy(items: { licenses: readonly RawItem[]; shipments: readonly RawItem[] }): string[] {
  const licenses: string[] = [];
  const amended: string[] = [];
  for (const l of items.licenses) {
    const unapplied = l.status !== l.appliedStatus && l.statusError === undefined;
    if (l.pendingWork !== undefined || unapplied) licenses.push(String(l.licenseId));
    else if (pendingAmendment(l) !== undefined) amended.push(String(l.licenseId));
  }
  const shipments: string[] = [];
  for (const s of items.shipments) {
    // A copy of another shipment (its statusError is the original's) is a new one not yet taken in.
    const copy = copiedFrom(s) !== undefined;
    // Rejected at intake, never counted: it waits for a person, not for the system.
    if ((s.statusError !== undefined && s.countedStatus === undefined && !copy) || stampBroken(s)) continue;
    if (copy || s.countedStatus === undefined || s.status !== s.countedStatus || editNotSetBack(s))
      shipments.push(String(s.shipmentId));
  }
  const busy: string[] = [];
  if (licenses.length > 0) {
    busy.push(
      `${licenses.length} license${licenses.length === 1 ? ' has' : 's have'} work in progress: ${listFew(licenses)}`,
    );
  }
  if (amended.length > 0) {
    busy.push(
      `${amended.length} license${amended.length === 1 ? ' has an amendment' : 's have amendments'} the system has not applied yet: ${listFew(amended)}`,
    );
  }
  if (shipments.length > 0) {
    busy.push(
      `${shipments.length} shipment${shipments.length === 1 ? ' has' : 's have'} an edit the system has not counted yet: ${listFew(shipments)}`,
    );
  }
  return busy;
}

const keyOf = (sku: string, warehouseId: string) => `${sku}\u0000${warehouseId}`;

/**
 * `names` of `raw` as read, leniently: any number as it is (a hand edit may
 * have left one negative), 0 when absent (as the schemas default it);
 * undefined when one holds anything else, which a fix cannot state its
 * condition on as a number: the item is left to a person.
 */
function countersAsRead<K extends string>(raw: RawItem, names: readonly K[]): Record<K, number> | undefined {
  const read: Partial<Record<K, number>> = {};
  for (const n of names) {
    const v = raw[n] === undefined ? 0 : rawNumber(raw[n]);
    if (v === undefined) return undefined;
    read[n] = v;
  }
  return read as Record<K, number>;
}

/**
 * A license's limits, when its terms parse: a rejected status typo aside
 * (the status plays no part in them), read as if its applied status were
 * still there. Undefined when they do not: no over-release can be judged.
 */
function limitsOf(raw: RawItem): License | undefined {
  const p = parseItem(LicenseSchema, raw);
  if (p.ok) return p.value;
  const applied = LicenseStatusSchema.safeParse(raw.appliedStatus);
  return applied.success ? failSafeLicense(raw, applied.data) : undefined;
}

/**
 * Splits off the fixes of a license or Inventory item that a shipment the
 * scan of Shipments did not see (`unscanned`: put back, or created while the
 * scan ran, and found by the read after History) may move. The counters read
 * may hold such a shipment while the sums do not, and putting an item back
 * moves no counter, so neither the values read nor `counterRevision` would
 * stop such a fix from lowering what it holds: it waits for the next run.
 * `busy` names the shipments that held a fix back.
 */
function raceFree(fixes: readonly Fix[], unscanned: readonly RawItem[]): { fixes: Fix[]; busy: string[] } {
  // A hold order or seal fix is of a shipment the scan saw, conditional on its revision: nothing unscanned moves it.
  const moves = (f: Fix, s: RawItem) =>
    f.kind === 'license'
      ? f.licenseId === s.licenseId
      : f.kind === 'inventory' && f.sku === s.sku && f.warehouseId === s.warehouseId;
  const racing = unscanned.filter((s) => fixes.some((f) => moves(f, s)));
  const ids = racing.map((s) => String(s.shipmentId));
  const one = ids.length === 1;
  const busy = `${plural(ids.length, 'shipment')} changed during the scan (put back, or created after the scan of Shipments passed ${one ? 'it' : 'them'}), so the fixes of ${one ? 'its' : 'their'} license and Inventory item wait: run reconcile again: ${listFew(ids)}`;
  return { fixes: fixes.filter((f) => !racing.some((s) => moves(f, s))), busy: ids.length > 0 ? [busy] : [] };
}

/**
 * The Inventory fixes, and the keys of the items they leave valid and
 * without drift. Items are read leniently (only `sku` and `warehouseId` must
 * be strings), so a counter a hand edit left invalid is set back too; the
 * write stays conditional on the values as read. With `drawing` (a deleted
 * RELEASED or SHIPPED shipment's units may be among them), `released` and
 * `shipped` are kept as read where the fix would lower them; `held` is
 * still fixed.
 */
function inventoryFixes(
  inventory: readonly RawItem[],
  sums: ReadonlyMap<string, RecomputedCounters>,
  drawing: boolean,
): { fixes: InventoryFix[]; repaired: Set<string> } {
  const fixes: InventoryFix[] = [];
  const repaired = new Set<string>();
  for (const raw of inventory) {
    const { sku, warehouseId } = raw;
    if (typeof sku !== 'string' || typeof warehouseId !== 'string') continue;
    const key = keyOf(sku, warehouseId);
    const read = countersAsRead(raw, COUNTERS);
    if (read === undefined) continue;
    const sum = sums.get(key);
    const recomputed: Record<CounterName, number> = {
      held: sum?.held ?? 0,
      released: sum?.released ?? 0,
      shipped: sum?.shipped ?? 0,
    };
    const want = { ...recomputed };
    if (drawing) for (const c of ['released', 'shipped'] as const) want[c] = Math.max(want[c], read[c]);
    if (COUNTERS.every((c) => read[c] === want[c])) continue;
    fixes.push({
      kind: 'inventory',
      sku,
      warehouseId,
      read: { held: rawNumber(raw.held), released: rawNumber(raw.released), shipped: rawNumber(raw.shipped) },
      set: want,
      revision: rawNumber(raw[COUNTER_REVISION]),
    });
    // A counter kept as read, or an item invalid in anything else (onHand), still needs a person.
    const full = COUNTERS.every((c) => want[c] === recomputed[c]);
    if (full && parseItem(InventorySchema, { ...raw, ...want }).ok) repaired.add(key);
  }
  return { fixes, repaired };
}

/**
 * The license fixes: `licenseId`, `releasedQuantity` and `releasedValue`
 * are read from the item as it is, so a license that does not parse (a
 * rejected status typo, a settled state) is fixed too; the limit warning is
 * given when its terms parse.
 */
function licenseFixes(
  licenses: readonly RawItem[],
  used: ReadonlyMap<string, Record<LicenseCounter, number>>,
): LicenseFix[] {
  const fixes: LicenseFix[] = [];
  for (const raw of licenses) {
    const { licenseId } = raw;
    if (typeof licenseId !== 'string') continue;
    const read = countersAsRead(raw, LICENSE_COUNTERS);
    const want = used.get(licenseId) ?? { releasedQuantity: 0, releasedValue: 0 };
    if (read === undefined || LICENSE_COUNTERS.every((c) => read[c] === want[c])) continue;
    const limits = limitsOf(raw);
    const warning = limits === undefined ? undefined : overRelease(limits, want);
    fixes.push({
      kind: 'license',
      licenseId,
      read: {
        releasedQuantity: rawNumber(raw.releasedQuantity),
        releasedValue: rawNumber(raw.releasedValue),
      },
      set: want,
      revision: rawNumber(raw[COUNTER_REVISION]),
      ...(warning === undefined ? {} : { warning }),
    });
  }
  return fixes;
}

/**
 * A shipment deleted while RELEASED or SHIPPED (History has its entries, the
 * table has not): what it drew stays drawn, and a person must put it back.
 */
function deletedDraw(d: DeletedShipment): Violation {
  const what = `${count(d.drawn.quantity)} units and ${usd(d.drawn.value)} of value`;
  const ifNot =
    d.status === 'SHIPPED'
      ? 'A SHIPPED shipment is final: if the goods never left, have compliance correct the export record; the units stay drawn meanwhile.'
      : 'If it will not ship, cancel it once it is back (status CANCELLED): the system then returns its units, with a History entry.';
  return {
    invariant: 'I2',
    key: { licenseId: d.licenseId, shipmentId: d.shipmentId },
    message: `shipment ${d.shipmentId} was deleted from the Shipments table while ${d.status} (History r${String(d.revision).padStart(6, '0')}): its ${what} stay drawn from the license. --fix keeps them in releasedQuantity and releasedValue, and lowers no Inventory released or shipped counter (History does not say which item holds them), until it is back. Put the item back exactly as it was, every attribute included (countedStatus and revision too), from the Shipments table's point-in-time recovery (docs/OPERATIONS.md, "A deleted shipment"); \`clearance shipment history ${d.shipmentId}\` shows its last committed state. ${ifNot}`,
  };
}

/**
 * `deleted`: shipments History has entries of but the table has not. One
 * left RELEASED or SHIPPED is never given back by a fix: its draw stays in
 * its license's counters, Inventory's released and shipped counters are not
 * lowered while it is missing, and it is listed for a person. `unscanned`:
 * shipments the read after History found that the scan did not see: the
 * fixes they may race are held back and they are listed as busy (raceFree).
 */
export function planReconcile(
  items: { licenses: readonly RawItem[]; shipments: readonly RawItem[]; inventory: readonly RawItem[] },
  check: { violations: readonly Violation[]; recomputed: readonly RecomputedCounters[] },
  deleted: readonly DeletedShipment[] = [],
  unscanned: readonly RawItem[] = [],
): ReconcilePlan {
  const drawing = deleted.filter((d) => d.status === 'RELEASED' || d.status === 'SHIPPED');
  const sums = new Map(check.recomputed.map((r) => [keyOf(r.sku, r.warehouseId), r]));
  const inventory = inventoryFixes(items.inventory, sums, drawing.length > 0);
  const used = licenseConsumption(items.shipments);
  for (const d of drawing) {
    const sum = used.get(d.licenseId) ?? { releasedQuantity: 0, releasedValue: 0 };
    used.set(d.licenseId, {
      releasedQuantity: sum.releasedQuantity + d.drawn.quantity,
      releasedValue: sum.releasedValue + d.drawn.value,
    });
  }
  // A shipment with a broken stamp may be counted under any license and Inventory item: none is fixed meanwhile.
  const unknown = items.shipments.some(stampBroken);
  const stamps = unsealedStampsOf(items.shipments, items.licenses);
  const terms = unsealedTermsOf(items.licenses, items.shipments);
  const planned = [
    ...(unknown ? [] : [...inventory.fixes, ...licenseFixes(items.licenses, used)]),
    ...staleHoldOrders(items.shipments),
    ...stamps.fixes,
    ...terms.fixes,
  ];
  // A violation a fix repairs, or one held back for the next run (busy), is not for a person.
  const fixedLicenses = new Set(planned.flatMap((f) => (f.kind === 'license' ? [f.licenseId] : [])));
  const manual = check.violations.filter((v) => {
    if (v.invariant === 'I3' && v.key.sku !== undefined && v.key.warehouseId !== undefined) {
      return unknown || !inventory.repaired.has(keyOf(v.key.sku, v.key.warehouseId));
    }
    if (v.invariant === 'I2' && v.key.licenseId !== undefined) {
      return !fixedLicenses.has(v.key.licenseId);
    }
    return true;
  });
  const { fixes, busy } = raceFree(planned, unscanned);
  const left = stamps.left.length > 0 ? { unsealedLeft: stamps.left } : {};
  const termsLeft = terms.left.length > 0 ? { unsealedTermsLeft: terms.left } : {};
  return {
    fixes,
    manual: [...manual, ...drawing.map(deletedDraw)],
    busy: [...findBusy(items), ...busy],
    ...left,
    ...termsLeft,
  };
}

/** One line per fix, for the confirmation. */
export function describeFix(fix: Fix): string {
  if (fix.kind === 'holdOrder') return describeHoldOrderFix(fix);
  if (fix.kind === 'seal') return describeSealFix(fix);
  if (fix.kind === 'termsSeal') return describeTermsSealFix(fix);
  if (fix.kind === 'inventory') {
    const changes = COUNTERS.filter((c) => (fix.read[c] ?? 0) !== fix.set[c]).map(
      (c) => `${c} ${fix.read[c] ?? 'absent'} → ${fix.set[c]}`,
    );
    return `Inventory ${fix.sku} @ ${fix.warehouseId}: ${changes.join(', ')}`;
  }
  const changes = LICENSE_COUNTERS.filter((c) => (fix.read[c] ?? 0) !== fix.set[c]).map(
    (c) => `${c} ${fix.read[c] ?? 'absent'} → ${fix.set[c]}`,
  );
  return `License ${fix.licenseId}: ${changes.join(', ')}${fix.warning ? ` (WARNING: ${fix.warning})` : ''}`;
}

/** Shipped goods above a lowered limit: for compliance, never for --fix. Empty when there are none. */
export function shippedOverLimitSection(findings: readonly ShippedOverLimit[]): string[] {
  if (findings.length === 0) return [];
  return [
    '',
    `HIGH SEVERITY: shipped goods exceed a lowered limit on ${plural(findings.length, 'license')}. Escalate to compliance.`,
    'Not an I2 violation and not something --fix can repair: shipped goods cannot be re-held.',
    ...findings.map((f) =>
      f.limit === 'quantity'
        ? `  - ${f.licenseId}: ${count(f.shipped)} units shipped, above authorizedQuantity ${count(f.authorized)}`
        : `  - ${f.licenseId}: ${usd(f.shipped)} of value shipped, above the value cap ${usd(f.authorized)}`,
    ),
  ];
}
