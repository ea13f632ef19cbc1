/**
 * The shipment work of a license's applied status and terms: release passes
 * for an APPROVED license (after trimming it back within lowered limits, or
 * re-holding what a later `validFrom` makes early), re-hold passes for a
 * suspended, revoked, expired or denied one. Every write is conditional on the
 * license still being what the pass read (status, pending work, terms), so a
 * change mid-way stops the pass with a ConflictError and the license is read
 * again.
 */
import { counterDelta } from '../domain/counters.js';
import { ConflictError } from '../domain/errors.js';
import { systemDecision } from '../domain/history.js';
import { AMEND_TOKEN_PREFIX, SETTLE_TOKEN_PREFIX, settleCheckAt, workFor } from '../domain/license-rules.js';
import {
  type HoldReason,
  type License,
  type LicenseStatus,
  parseItem,
  type Shipment,
  ShipmentSchema,
} from '../domain/model.js';
import {
  drawnValue,
  type HoldReasonChange,
  overLimits,
  planRehold,
  planRelease,
  planTrim,
  remainingOf,
  validity,
  valueCap,
} from '../domain/planning.js';
import type {
  Alerter,
  InventoryRepository,
  LicenseGuard,
  LicenseRepository,
  RawItem,
  ShipmentRepository,
  ShipmentWrite,
} from '../domain/ports.js';
import { termsExpected, termsOf } from '../domain/terms.js';
import { GSI_ATTR, SYSTEM_ACTOR } from '../names.js';
import { alertIfShippedOverLimit, alertTrimmed } from './license-alerts.js';
import { announceDrawdown, type DrawdownDeps, drawFrom } from './license-drawdown.js';

/** What the license engine needs. */
export interface LicenseEngineDeps extends DrawdownDeps {
  licenses: LicenseRepository;
  shipments: ShipmentRepository;
  inventory: InventoryRepository;
  alerter: Alerter;
  now: () => Date;
  newToken: () => string;
  /** From the end of a pass to its settling pass. */
  settleDelayMs: number;
  /** Shipments read per GSI page. @default 200 */
  pageSize?: number;
}

/** What a call of `applyLicense` did to shipments, so far. */
export interface Progress {
  released: number;
  unitsReleased: number;
  valueReleased: number;
  reheld: number;
  relabelled: number;
  /** Shipment writes committed (releases, re-holds and relabels): the continuation checks progress by it. */
  writes: number;
}

/** Runs the work of `license.appliedStatus`. True when finished, false when continued later. */
export async function runWork(
  deps: LicenseEngineDeps,
  license: License,
  cursor: string | undefined,
  deadline: number,
  progress: Progress,
): Promise<boolean> {
  const status = license.appliedStatus;
  const token = license.pendingWork;
  if (status === undefined || token === undefined) return true;
  const work = workFor(status);
  if (work === 'release') return approvedPass(deps, license, token, cursor, deadline, progress);
  if (work === 'rehold') return reholdPass(deps, license, status, token, deadline, progress);
  return finish(deps, license, token, undefined);
}

/**
 * The work of an APPROVED license: expire it if `validUntil` has passed;
 * otherwise (at the start of a pass) re-hold what a later `validFrom` makes
 * early and trim it back within lowered limits (an amendment's pass alerts
 * if shipped goods alone stay over them); then release in hold order.
 */
async function approvedPass(
  deps: LicenseEngineDeps,
  license: License,
  token: string,
  cursor: string | undefined,
  deadline: number,
  progress: Progress,
): Promise<boolean> {
  const window = validity(license, deps.now());
  if (window === 'late') {
    // As the clock would: license-events then re-holds through the normal path.
    const reason = `validity window ended at ${license.validUntil}`;
    await deps.licenses.setStatus(license.licenseId, 'APPROVED', 'EXPIRED', reason, SYSTEM_ACTOR);
    return finish(deps, license, token, undefined);
  }
  if (cursor === undefined && (window === 'early' || overLimits(license))) {
    const guard = approvedGuard(license, token);
    // What the license draws as the re-holds commit: the release pass then plans with what is left.
    const drawn = { quantity: license.releasedQuantity, value: license.releasedValue };
    const done =
      window === 'early'
        ? await reholdReleased(deps, license, guard, drawn, deadline, progress)
        : await trim(deps, license, token, guard, drawn, deadline, progress);
    if (!done) return handOver(deps, license, token, undefined);
    await alertIfShippedOverLimit(deps.alerter, license, token, drawn);
    const trimmed = { ...license, releasedQuantity: drawn.quantity, releasedValue: drawn.value };
    return releasePass(deps, trimmed, token, cursor, deadline, progress);
  }
  return releasePass(deps, license, token, cursor, deadline, progress);
}

/** Takes what committed re-holds returned off `drawn`. */
function returnDrawn(drawn: { quantity: number; value: number }, committed: readonly ShipmentWrite[]): void {
  for (const w of committed) {
    drawn.quantity += w.license?.quantity ?? 0;
    drawn.value += w.license?.value ?? 0;
  }
}

/** The conditions of every write of an APPROVED license's pass: still approved, this pass, these terms. */
function approvedGuard(license: License, token: string): LicenseGuard {
  return {
    licenseId: license.licenseId,
    expect: {
      status: 'APPROVED',
      appliedStatus: 'APPROVED',
      pendingWork: token,
      ...termsExpected(termsOf(license), ''),
    },
    authorizedQuantity: license.authorizedQuantity,
    ...(valueCap(license) === undefined ? {} : { valueCap: valueCap(license) }),
  };
}

/** Ends the work of `token`; a pass's first finish asks the clock for a settling pass. */
async function finish(
  deps: LicenseEngineDeps,
  license: License,
  token: string,
  waitingForValidFrom: string | undefined,
): Promise<true> {
  const status = license.appliedStatus;
  const after = {
    waitingForValidFrom,
    settleCheckAt:
      status === undefined ? undefined : settleCheckAt(status, token, deps.now(), deps.settleDelayMs),
  };
  if (!(await deps.licenses.finishWork(license.licenseId, token, after)))
    throw new ConflictError('pendingWork changed');
  return true;
}

function parseShipments(items: readonly RawItem[]): Shipment[] {
  const out: Shipment[] = [];
  for (const item of items) {
    const parsed = parseItem(ShipmentSchema, item);
    if (parsed.ok) out.push({ ...parsed.value, holdReason: parsed.value.holdReason });
  }
  return out;
}

const outOfTime = (deadline: number, progress: Progress) => progress.writes > 0 && Date.now() >= deadline;

async function handOver(
  deps: LicenseEngineDeps,
  license: License,
  token: string,
  cursor: string | undefined,
): Promise<false> {
  // A settling pass stays one when it continues, so it does not ask for another; an amendment's stays one too.
  const prefix = [SETTLE_TOKEN_PREFIX, AMEND_TOKEN_PREFIX].find((p) => token.startsWith(p)) ?? '';
  if (!(await deps.licenses.continueWork(license.licenseId, token, `${prefix}${deps.newToken()}`, cursor))) {
    throw new ConflictError('pendingWork changed');
  }
  return false;
}

function relabelWrite(licenseId: string, r: HoldReasonChange): ShipmentWrite {
  return {
    shipmentId: r.shipment.shipmentId,
    set: { holdReason: r.holdReason },
    bumpRevision: true,
    expect: { status: 'HELD', countedStatus: 'HELD', licenseId },
  };
}

function releaseWrite(licenseId: string, s: Shipment, releasedAt: string): ShipmentWrite {
  return {
    shipmentId: s.shipmentId,
    set: {
      status: 'RELEASED',
      countedStatus: 'RELEASED',
      releasedAt,
      [GSI_ATTR.releasedLicenseId]: licenseId,
      countedValue: s.value ?? 0,
    },
    remove: [GSI_ATTR.heldLicenseId, 'holdReason', 'statusError'],
    bumpRevision: true,
    expect: { status: 'HELD', countedStatus: 'HELD', licenseId, value: s.value ?? null },
    counters: { sku: s.sku, warehouseId: s.warehouseId, delta: counterDelta('HELD', 'RELEASED', s.quantity) },
    license: { licenseId, quantity: s.quantity, value: s.value ?? 0 },
  };
}

function reholdWrite(licenseId: string, r: HoldReasonChange): ShipmentWrite {
  const s = r.shipment;
  return {
    shipmentId: s.shipmentId,
    set: {
      status: 'HELD',
      countedStatus: 'HELD',
      holdReason: r.holdReason,
      [GSI_ATTR.heldLicenseId]: licenseId,
    },
    remove: [GSI_ATTR.releasedLicenseId, 'releasedAt', 'countedValue'],
    bumpRevision: true,
    expect: { status: 'RELEASED', countedStatus: 'RELEASED', licenseId },
    counters: { sku: s.sku, warehouseId: s.warehouseId, delta: counterDelta('RELEASED', 'HELD', s.quantity) },
    license: { licenseId, quantity: -s.quantity, value: -drawnValue(s) },
  };
}

/**
 * Commits `writes` under `guard` and counts what moved. Each is the system's
 * decision, set off by the license's last decision (its History trigger).
 */
async function commitCounted(
  deps: LicenseEngineDeps,
  license: License,
  writes: ShipmentWrite[],
  guard: LicenseGuard,
  progress: Progress,
) {
  const decision = systemDecision(license.lastDecision);
  const result = await deps.shipments.commit(
    writes.map((w) => ({ ...w, decision })),
    guard,
  );
  for (const w of result.committed) {
    const drawn = w.license?.quantity ?? 0;
    if (drawn > 0) {
      progress.released++;
      progress.unitsReleased += drawn;
      progress.valueReleased += w.license?.value ?? 0;
    } else if (drawn < 0) progress.reheld++;
    else progress.relabelled++;
  }
  progress.writes += result.committed.length;
  return result;
}

async function releasePass(
  deps: LicenseEngineDeps,
  license: License,
  token: string,
  cursor: string | undefined,
  deadline: number,
  progress: Progress,
): Promise<boolean> {
  const pageSize = deps.pageSize ?? 200;
  const guard = approvedGuard(license, token);
  let remaining = remainingOf(license);
  // What the license draws as this slice's releases commit: its drawdown alerts are judged at the end.
  const drawn = { quantity: license.releasedQuantity, value: license.releasedValue };
  let after = cursor;
  let waiting = cursor !== undefined ? license.waitingForValidFrom : undefined;
  let replans = 0;
  for (;;) {
    if (outOfTime(deadline, progress)) {
      await announceDrawdown(deps, license, token, drawn);
      return handOver(deps, license, token, after);
    }
    const page = await deps.shipments.page('held', license.licenseId, after, pageSize);
    const now = deps.now();
    const plan = planRelease(license, parseShipments(page.items), remaining, now);
    const releasedAt = now.toISOString();
    const writes = [
      ...plan.release.map((s) => releaseWrite(license.licenseId, s, releasedAt)),
      ...plan.relabel.map((r) => relabelWrite(license.licenseId, r)),
    ];
    // Before validFrom every matching shipment stays HELD, relabelled now or by an earlier pass (a repeated
    // release request relabels nothing): the clock must still wake this license at validFrom.
    if (validity(license, now) === 'early') waiting = license.validFrom;
    if (writes.length > 0) {
      const result = await commitCounted(deps, license, writes, guard, progress);
      remaining = drawFrom(remaining, drawn, result.committed);
      if (result.skipped.some((u) => u.license) && replans < 3) {
        // A shipment we meant to release changed under us: plan this page again with what is left.
        replans++;
        continue;
      }
    }
    replans = 0;
    if (page.next === undefined) break;
    after = page.next;
  }
  await announceDrawdown(deps, license, token, drawn);
  return finish(deps, license, token, waiting);
}

/**
 * Re-holds every RELEASED shipment of an APPROVED license as
 * LICENSE_NOT_YET_VALID: a later `validFrom` makes them early. True when
 * done, false when out of time.
 */
async function reholdReleased(
  deps: LicenseEngineDeps,
  license: License,
  guard: LicenseGuard,
  drawn: { quantity: number; value: number },
  deadline: number,
  progress: Progress,
): Promise<boolean> {
  const reason: HoldReason = 'LICENSE_NOT_YET_VALID';
  let after: string | undefined;
  for (;;) {
    if (outOfTime(deadline, progress)) return false;
    const page = await deps.shipments.page('released', license.licenseId, after, deps.pageSize ?? 200);
    const shipments = parseShipments(page.items).filter((s) => s.status === 'RELEASED');
    const writes = shipments.map((shipment) =>
      reholdWrite(license.licenseId, { shipment, holdReason: reason }),
    );
    const committed =
      writes.length > 0 ? (await commitCounted(deps, license, writes, guard, progress)).committed : [];
    returnDrawn(drawn, committed);
    const reheld = committed.length;
    if (page.next === undefined) return true;
    // Re-held shipments leave the released index: read it again from the start when some did.
    after = reheld > 0 ? undefined : page.next;
  }
}

/**
 * Brings an APPROVED license back within lowered limits: RELEASED shipments
 * go back to HELD, last in hold order first, as LICENSE_QUANTITY_EXHAUSTED or
 * LICENSE_VALUE_EXHAUSTED. If SHIPPED units (or value) alone exceed a limit,
 * the license stays over it (an amendment's pass then alerts ops). True when
 * done, false when out of time.
 */
async function trim(
  deps: LicenseEngineDeps,
  license: License,
  token: string,
  guard: LicenseGuard,
  drawn: { quantity: number; value: number },
  deadline: number,
  progress: Progress,
): Promise<boolean> {
  let before: string | undefined;
  for (;;) {
    if (outOfTime(deadline, progress)) return false;
    const page = await deps.shipments.page(
      'released',
      license.licenseId,
      before,
      deps.pageSize ?? 200,
      'backward',
    );
    const plan = planTrim(license, parseShipments(page.items), drawn);
    if (plan.rehold.length > 0) {
      const result = await commitCounted(
        deps,
        license,
        plan.rehold.map((r) => reholdWrite(license.licenseId, r)),
        guard,
        progress,
      );
      returnDrawn(drawn, result.committed);
      if (result.skipped.length > 0) continue;
    }
    if (!plan.over) {
      if (token.startsWith(AMEND_TOKEN_PREFIX)) await alertTrimmed(deps.alerter, license, drawn);
      return true;
    }
    if (page.next === undefined) break;
    before = page.next;
  }
  return true;
}

async function reholdPass(
  deps: LicenseEngineDeps,
  license: License,
  status: LicenseStatus,
  token: string,
  deadline: number,
  progress: Progress,
): Promise<boolean> {
  const pageSize = deps.pageSize ?? 200;
  const guard: LicenseGuard = {
    licenseId: license.licenseId,
    expect: { appliedStatus: status, pendingWork: token },
    authorizedQuantity: license.authorizedQuantity,
  };
  const drawn = { quantity: license.releasedQuantity, value: license.releasedValue };
  for (const index of ['released', 'held'] as const) {
    let after: string | undefined;
    for (;;) {
      if (outOfTime(deadline, progress)) return handOver(deps, license, token, undefined);
      const page = await deps.shipments.page(index, license.licenseId, after, pageSize);
      const plan = planRehold(license, status, parseShipments(page.items));
      const writes = [
        ...plan.rehold.map((r) => reholdWrite(license.licenseId, r)),
        ...plan.relabel.map((r) => relabelWrite(license.licenseId, r)),
      ];
      let reheld = 0;
      if (writes.length > 0) {
        const before = progress.reheld;
        returnDrawn(drawn, (await commitCounted(deps, license, writes, guard, progress)).committed);
        reheld = progress.reheld - before;
      }
      if (page.next === undefined) break;
      // Re-held shipments leave the released index, so read it again from the start; held ones stay.
      after = index === 'released' && reheld > 0 ? undefined : page.next;
    }
  }
  await alertIfShippedOverLimit(deps.alerter, license, token, drawn);
  return finish(deps, license, token, undefined);
}
