import { counterDelta } from '../domain/counters.js';
import { ConflictError } from '../domain/errors.js';
import { judgeLicenseStatus, SETTLE_TOKEN_PREFIX, settleCheckAt, workFor } from '../domain/license-rules.js';
import {
  type License,
  LicenseSchema,
  type LicenseStatus,
  LicenseStatusSchema,
  parseItem,
  type Shipment,
  ShipmentSchema,
  showValue,
} from '../domain/model.js';
import { type HoldReasonChange, planRehold, planRelease, validity } from '../domain/planning.js';
import type {
  Alerter,
  InventoryRepository,
  LicenseGuard,
  LicenseRepository,
  RawItem,
  ShipmentRepository,
  ShipmentWrite,
} from '../domain/ports.js';
import { GSI_ATTR } from '../names.js';

/** What the license engine needs. */
export interface LicenseEngineDeps {
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

/** What one call of `applyLicense` did. */
export type LicenseOutcome =
  | { kind: 'missing' }
  | { kind: 'noop' }
  | { kind: 'rejected'; reason: string }
  | {
      kind: 'completed' | 'continued';
      released: number;
      unitsReleased: number;
      reheld: number;
      relabelled: number;
      /** Set when this invocation also rejected a status edit (the re-hold went on regardless). */
      rejected?: string;
    };

interface Progress {
  released: number;
  unitsReleased: number;
  reheld: number;
  relabelled: number;
  /** Shipment writes committed (releases, re-holds and relabels): the continuation checks progress by it. */
  writes: number;
}

/**
 * Brings a license's shipments in line with its `status`. Reads the license
 * fresh (the stream image is only a trigger), judges `appliedStatus → status`,
 * commits to the work (`appliedStatus`, `pendingWork`), then releases or
 * re-holds in transactions until done or until `deadline`, when it hands the
 * rest to a later invocation by rewriting `pendingWork`. Every step is
 * conditional, so a crash or a duplicate delivery loses and doubles nothing.
 */
export async function applyLicense(
  deps: LicenseEngineDeps,
  licenseId: string,
  deadline: number,
): Promise<LicenseOutcome> {
  const progress: Progress = { released: 0, unitsReleased: 0, reheld: 0, relabelled: 0, writes: 0 };
  for (let round = 0; round < 20; round++) {
    const raw = await deps.licenses.get(licenseId);
    if (!raw) return { kind: 'missing' };
    const applied = asLicenseStatus(raw.appliedStatus);
    const verdict = judgeLicenseStatus(applied, raw.status);
    let license: License;
    let rejected: string | undefined;
    if (verdict.kind === 'illegal') {
      const outcome = await reject(deps, raw, applied, verdict.reason);
      const pending = pendingRehold(raw, applied);
      if (pending === undefined) return outcome;
      // A suspension, revocation or expiry being applied finishes re-holding whatever the
      // console shows now: a typo must not leave shipments RELEASED under it (I1).
      license = pending;
      if (outcome.kind === 'rejected') rejected = outcome.reason;
    } else {
      const parsed = parseItem(LicenseSchema, raw);
      if (!parsed.ok)
        return reject(deps, raw, applied, `the license item is invalid: ${parsed.problems.join('; ')}`);
      license = parsed.value;
      if (verdict.kind === 'legal') {
        if (verdict.from === undefined && !(await deps.inventory.skuExists(license.sku))) {
          return reject(
            deps,
            raw,
            applied,
            `sku ${license.sku} has no Inventory item in any warehouse; create the Inventory item first or correct the sku`,
          );
        }
        const token = deps.newToken();
        if (!(await deps.licenses.startWork(licenseId, verdict.from, verdict.to, token))) continue;
        license = {
          ...license,
          appliedStatus: verdict.to,
          pendingWork: token,
          waitingForValidFrom: undefined,
        };
      } else {
        if (raw.statusError !== undefined) await deps.licenses.clearError(licenseId);
        if (license.pendingWork === undefined) return { kind: 'noop' };
      }
    }
    try {
      const cursor = verdict.kind === 'legal' ? undefined : license.workCursor;
      const done = await runWork(deps, license, cursor, deadline, progress);
      const { writes: _writes, ...counts } = progress;
      return { kind: done ? 'completed' : 'continued', ...counts, ...(rejected ? { rejected } : {}) };
    } catch (error) {
      if (error instanceof ConflictError) continue;
      throw error;
    }
  }
  throw new ConflictError(`license ${licenseId} kept changing while being applied; the stream will retry`);
}

/**
 * Reports a deleted license to ops (high severity): deleting is not
 * supported, its shipments keep their state. `old` is the stream's old image;
 * a license the system never applied is not reported.
 */
export async function licenseRemoved(
  deps: Pick<LicenseEngineDeps, 'alerter'>,
  licenseId: string,
  old: RawItem | undefined,
): Promise<void> {
  if (!old?.appliedStatus) return;
  await deps.alerter.alert([
    {
      severity: 'high',
      subject: `License ${licenseId} was deleted`,
      message: `License ${licenseId} (applied status ${String(old.appliedStatus)}, released quantity ${String(old.releasedQuantity ?? 0)}) was deleted from the Licenses table. Its shipments keep their state. Deleting licenses is not supported: set status to REVOKED instead, then run \`clearance reconcile\`.`,
      subjectKey: { licenseId },
    },
  ]);
}

/**
 * The license as its applied status sees it, when that status's re-hold work
 * is still pending; otherwise undefined. Release work is not resumed: the
 * release transaction requires `status` APPROVED, so it waits for the admin.
 */
function pendingRehold(raw: RawItem, applied: LicenseStatus | undefined): License | undefined {
  if (applied === undefined || raw.pendingWork === undefined || workFor(applied) !== 'rehold')
    return undefined;
  const parsed = parseItem(LicenseSchema, { ...raw, status: applied });
  return parsed.ok ? parsed.value : undefined;
}

const asLicenseStatus = (v: unknown): LicenseStatus | undefined => {
  const parsed = LicenseStatusSchema.safeParse(v);
  return parsed.success ? parsed.data : undefined;
};

async function reject(
  deps: LicenseEngineDeps,
  raw: RawItem,
  applied: LicenseStatus | undefined,
  reason: string,
): Promise<LicenseOutcome> {
  // Already rejected and alerted (this record is our own statusError write, or a redelivery).
  if (raw.statusError === reason) return { kind: 'noop' };
  const licenseId = String(raw.licenseId);
  const shown = showValue(raw.status);
  // Alert first, then record: a crash between the two repeats the alert, never loses it.
  await deps.alerter.alert([
    {
      severity: 'normal',
      subject: `License ${licenseId}: status edit rejected`,
      message: [
        `License ${licenseId} was edited to status "${shown}", but the system last applied ${applied ?? '(nothing yet)'}.`,
        `Rejected because ${reason}.`,
        'No shipment or counter moved. The reason is also written to statusError on the item;',
        'set a legal status in the console (or with `clearance license`) and the system proceeds.',
      ].join('\n'),
      subjectKey: { licenseId },
    },
  ]);
  await deps.licenses.reject(licenseId, raw.status, reason);
  return { kind: 'rejected', reason };
}

/** Runs the work of `license.appliedStatus`. True when finished, false when continued later. */
async function runWork(
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
  if (work === 'release') return releasePass(deps, license, token, cursor, deadline, progress);
  if (work === 'rehold') return reholdPass(deps, license, status, token, deadline, progress);
  return finish(deps, license, token, undefined);
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
  // A settling pass stays one when it continues, so it does not ask for another.
  const next = `${token.startsWith(SETTLE_TOKEN_PREFIX) ? SETTLE_TOKEN_PREFIX : ''}${deps.newToken()}`;
  if (!(await deps.licenses.continueWork(license.licenseId, token, next, cursor))) {
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

async function releasePass(
  deps: LicenseEngineDeps,
  license: License,
  token: string,
  cursor: string | undefined,
  deadline: number,
  progress: Progress,
): Promise<boolean> {
  const pageSize = deps.pageSize ?? 200;
  const guard: LicenseGuard = {
    licenseId: license.licenseId,
    expect: {
      status: 'APPROVED',
      appliedStatus: 'APPROVED',
      pendingWork: token,
      authorizedQuantity: license.authorizedQuantity,
    },
    authorizedQuantity: license.authorizedQuantity,
  };
  let remaining = Math.max(0, license.authorizedQuantity - license.releasedQuantity);
  let after = cursor;
  let waiting = cursor !== undefined ? license.waitingForValidFrom : undefined;
  let replans = 0;
  for (;;) {
    if (outOfTime(deadline, progress)) return handOver(deps, license, token, after);
    const page = await deps.shipments.page('held', license.licenseId, after, pageSize);
    const now = deps.now();
    const plan = planRelease(license, parseShipments(page.items), remaining, now);
    const releasedAt = now.toISOString();
    const writes: ShipmentWrite[] = [
      ...plan.release.map(
        (s): ShipmentWrite => ({
          shipmentId: s.shipmentId,
          set: {
            status: 'RELEASED',
            countedStatus: 'RELEASED',
            releasedAt,
            [GSI_ATTR.releasedLicenseId]: license.licenseId,
          },
          remove: [GSI_ATTR.heldLicenseId, 'holdReason', 'statusError'],
          bumpRevision: true,
          expect: { status: 'HELD', countedStatus: 'HELD', licenseId: license.licenseId },
          counters: {
            sku: s.sku,
            warehouseId: s.warehouseId,
            delta: counterDelta('HELD', 'RELEASED', s.quantity),
          },
          license: { licenseId: license.licenseId, delta: s.quantity },
        }),
      ),
      ...plan.relabel.map((r) => relabelWrite(license.licenseId, r)),
    ];
    // Before validFrom every matching shipment stays HELD, relabelled now or by an earlier pass (a repeated
    // release request relabels nothing): the clock must still wake this license at validFrom.
    if (validity(license, now) === 'early') waiting = license.validFrom;
    if (writes.length > 0) {
      const result = await deps.shipments.commit(writes, guard);
      const releasedNow = result.committed.filter((u) => u.license);
      progress.released += releasedNow.length;
      progress.relabelled += result.committed.length - releasedNow.length;
      progress.writes += result.committed.length;
      const unitsNow = releasedNow.reduce((n, u) => n + (u.license?.delta ?? 0), 0);
      remaining -= unitsNow;
      progress.unitsReleased += unitsNow;
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
  return finish(deps, license, token, waiting);
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
  for (const index of ['released', 'held'] as const) {
    let after: string | undefined;
    for (;;) {
      if (outOfTime(deadline, progress)) return handOver(deps, license, token, undefined);
      const page = await deps.shipments.page(index, license.licenseId, after, pageSize);
      const plan = planRehold(license, status, parseShipments(page.items));
      const writes: ShipmentWrite[] = [
        ...plan.rehold.map(
          (r): ShipmentWrite => ({
            shipmentId: r.shipment.shipmentId,
            set: {
              status: 'HELD',
              countedStatus: 'HELD',
              holdReason: r.holdReason,
              [GSI_ATTR.heldLicenseId]: license.licenseId,
            },
            remove: [GSI_ATTR.releasedLicenseId, 'releasedAt'],
            bumpRevision: true,
            expect: { status: 'RELEASED', countedStatus: 'RELEASED', licenseId: license.licenseId },
            counters: {
              sku: r.shipment.sku,
              warehouseId: r.shipment.warehouseId,
              delta: counterDelta('RELEASED', 'HELD', r.shipment.quantity),
            },
            license: { licenseId: license.licenseId, delta: -r.shipment.quantity },
          }),
        ),
        ...plan.relabel.map((r) => relabelWrite(license.licenseId, r)),
      ];
      let reheld = 0;
      if (writes.length > 0) {
        const result = await deps.shipments.commit(writes, guard);
        reheld = result.committed.filter((u) => u.license).length;
        progress.reheld += reheld;
        progress.relabelled += result.committed.length - reheld;
        progress.writes += result.committed.length;
      }
      if (page.next === undefined) break;
      // Re-held shipments leave the released index, so read it again from the start; held ones stay.
      after = index === 'released' && reheld > 0 ? undefined : page.next;
    }
  }
  return finish(deps, license, token, undefined);
}
