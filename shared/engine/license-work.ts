/**
 * What the passes of a license's work share (license-passes.ts,
 * release-pipeline.ts): the engine's deps, its progress counts, the shipment
 * writes a pass commits, the guard they are committed under, and the end of
 * a pass: finished, or handed over to a later invocation.
 */

import { type FirstRound, type Limiter, unlimited } from '../domain/concurrency.js';
import { countedAsItIs, countedAsOf, counterDelta, stampExpected } from '../domain/counters.js';
import { ConflictError } from '../domain/errors.js';
import type { TallyNotice, TallyTarget } from '../domain/event-tally.js';
import { systemDecision } from '../domain/history.js';
import { indexKey } from '../domain/index-keys.js';
import { AMEND_TOKEN_PREFIX, SETTLE_TOKEN_PREFIX, settleCheckAt, workFor } from '../domain/license-rules.js';
import { type HoldReason, type License, parseItem, type Shipment, ShipmentSchema } from '../domain/model.js';
import { copiedFrom, drawnValue, type HoldReasonChange, valueCap } from '../domain/planning.js';
import type {
  Alerter,
  CommitResult,
  InventoryRepository,
  LicenseGuard,
  LicenseRepository,
  RawItem,
  ShipmentRepository,
  ShipmentWrite,
} from '../domain/ports.js';
import { termsExpected, termsOf } from '../domain/terms.js';
import { GSI_ATTR } from '../names.js';
import { type DigestDeps, sendTallies } from './event-digests.js';
import type { DrawdownDeps } from './license-drawdown.js';

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
  /**
   * The slice of work just committed to (an approval, a suspension, an
   * amendment), in ms: it then hands over and resumes with the whole slice,
   * so a burst of approvals is served in turn. Undefined: the whole slice.
   */
  firstSliceMs?: number;
  /**
   * Releases in the first transaction of a release pass from the first page
   * (FIRST_TRANSACTION in release-pipeline.ts). Set by `applyLicense` for the
   * first slice of new work only; undefined: the first is cut as the others.
   */
  firstTransaction?: number;
  /** Shipments read per GSI page. @default 200 */
  pageSize?: number;
  /**
   * Bounds the transactions in flight across the licenses applied together
   * (see license-batch.ts). @default unlimited (one license at a time)
   */
  limiter?: Limiter;
  /**
   * The first round of the licenses applied together (license-batch.ts):
   * each license's first transaction is sent before any license's later
   * ones, and resumed work has no first. @default none (one license at a time)
   */
  firstRound?: FirstRound;
  /**
   * The license events' digests (shared/engine/event-digests.ts): their
   * tallies and the publisher that sends them. Undefined (the simulator, the
   * bench's AWS model): no tally is kept, no digest sent.
   */
  digests?: DigestDeps;
  /** The tally the current slice adds to; set by runWork. */
  tally?: TallyTarget;
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
  /** TransactWriteItems attempts. */
  transactions: number;
  /** Attempts cancelled by TransactionConflict and retried. */
  conflicts: number;
}

/** A Progress with nothing done yet. */
export const noProgress = (): Progress => ({
  released: 0,
  unitsReleased: 0,
  valueReleased: 0,
  reheld: 0,
  relabelled: 0,
  writes: 0,
  transactions: 0,
  conflicts: 0,
});

/** Takes what committed re-holds returned off `drawn`. */
export function returnDrawn(
  drawn: { quantity: number; value: number },
  committed: readonly ShipmentWrite[],
): void {
  for (const w of committed) {
    drawn.quantity += w.license?.quantity ?? 0;
    drawn.value += w.license?.value ?? 0;
  }
}

/** The conditions of every write of an APPROVED license's pass: still approved, this pass, these terms. */
/**
 * The guard of a re-hold, which needs no terms (a suspension's, or one under
 * a damaged applied-terms seal): the pass as read (its applied status,
 * `pendingWork`), not the terms.
 */
export const holdGuard = (license: License, token: string, appliedStatus = 'APPROVED'): LicenseGuard => ({
  licenseId: license.licenseId,
  expect: { appliedStatus, pendingWork: token },
  authorizedQuantity: license.authorizedQuantity,
});

export function approvedGuard(license: License, token: string): LicenseGuard {
  return {
    licenseId: license.licenseId,
    expect: {
      status: 'APPROVED',
      appliedStatus: 'APPROVED',
      pendingWork: token,
      ...termsExpected(termsOf(license)),
    },
    authorizedQuantity: license.authorizedQuantity,
    ...(valueCap(license) === undefined ? {} : { valueCap: valueCap(license) }),
  };
}

/**
 * Asks for the applied status's pass once a status typo is set back: while it
 * stood nothing could (a shipment taken in meanwhile waits as LICENSE_PENDING,
 * a cancellation's freed room goes unused, as the release's condition is
 * status APPROVED). True when asked: read the license again.
 */
export async function passAfterTypo(deps: LicenseEngineDeps, license: License): Promise<boolean> {
  const applied = license.appliedStatus;
  if (applied === undefined || license.pendingWork !== undefined || workFor(applied) === 'none') return false;
  return deps.licenses.requestPass(license.licenseId, applied, deps.newToken());
}

/** Ends the work of `token`; a pass's first finish asks the clock for a settling pass. */
export async function finish(
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
  // The event's digests before the work ends: a failure to publish them leaves it pending, so it is retried.
  await sendDigests(deps, license);
  if (!(await deps.licenses.finishWork(license.licenseId, token, after)))
    throw new ConflictError('pendingWork changed');
  return true;
}

/** Sends the digests of the license's events' tallies (with the pass's own). */
async function sendDigests(deps: LicenseEngineDeps, license: License): Promise<void> {
  const digests = deps.digests;
  if (!digests) return;
  // After every license of the batch had its first transaction: a digest waits, another license's
  // first release does not (issue 17's fairness). Leaving ends this license's own round first: one that
  // committed nothing would otherwise wait for itself.
  await deps.firstRound?.leave(license.licenseId);
  await (deps.limiter ?? unlimited).run(() => sendTallies(digests, license.licenseId));
}

/**
 * Leaves an APPROVED license's pass pending, its token and cursor as they
 * are, once the re-holds that run under a damaged seal of its applied terms
 * are done (reholdCut, a re-hold under way): what is left of the pass (the
 * release, an amendment's alerts) needs the terms, and runs once a person
 * fixes the seal, whose edit resumes it. Nothing is written, so a later read
 * finds nothing to re-hold and writes nothing either. The shipments re-held
 * are told now: the event's digests are sent.
 */
export async function waitForFix(deps: LicenseEngineDeps, license: License): Promise<false> {
  await sendDigests(deps, license);
  return false;
}

/**
 * The shipments of a page that parse and whose fixed fields (quantity, sku,
 * warehouse, customer, license) are what their `countedAs` holds. Others are
 * left alone: an invalid item is the reconciler's to report, and an edit of
 * those fields is shipment-events' to reject and set back, after which it
 * asks the license for another pass. Moving counters with the edited values
 * would break I2 and I3; releasing or notifying under an edited customer
 * would break I1 and I4. The release, re-hold and relabel writes are also
 * conditional on those fields as read (`countedAsOf`), so an edit landing
 * after the read fails them. A copy of another shipment (`copiedFrom`: the
 * console's "Duplicate item") is left alone too: nothing counted it, and
 * shipment-events takes it in as a new shipment with its own keys.
 */
export function parseShipments(items: readonly RawItem[]): Shipment[] {
  const out: Shipment[] = [];
  for (const item of items) {
    const parsed = parseItem(ShipmentSchema, item);
    if (parsed.ok && countedAsItIs(parsed.value) && copiedFrom(item) === undefined)
      out.push({ ...parsed.value, holdReason: parsed.value.holdReason });
  }
  return out;
}

/** Whether a pass must hand over: past `deadline`, once it has written something (so every slice progresses). */
export const outOfTime = (deadline: number, progress: Progress) =>
  progress.writes > 0 && Date.now() >= deadline;

/**
 * Hands the rest of the work to a later invocation, to resume after `cursor`.
 * An amendment's pass stays one unless `amendmentAlerted` (its end-of-trim
 * alert is given: the next slice must not give it again).
 */
export async function handOver(
  deps: LicenseEngineDeps,
  license: License,
  token: string,
  cursor: string | undefined,
  amendmentAlerted = false,
): Promise<false> {
  // A settling pass stays one when it continues, so it does not ask for another; an amendment's stays one too.
  const kept = amendmentAlerted ? [SETTLE_TOKEN_PREFIX] : [SETTLE_TOKEN_PREFIX, AMEND_TOKEN_PREFIX];
  const prefix = kept.find((p) => token.startsWith(p)) ?? '';
  // After every license of the batch had its first transaction: a hand-over can wait, a first release cannot.
  await deps.firstRound?.leave(license.licenseId);
  if (!(await deps.licenses.continueWork(license.licenseId, token, `${prefix}${deps.newToken()}`, cursor))) {
    throw new ConflictError('pendingWork changed');
  }
  return false;
}

/** What a pass's change of `s` tells its event's tally (shared/domain/event-tally.ts). */
function noticeOf(s: Shipment, eventType: TallyNotice['eventType'], holdReason?: HoldReason): TallyNotice {
  return {
    customerId: s.customerId,
    warehouseId: s.warehouseId,
    eventType,
    line: {
      shipmentId: s.shipmentId,
      quantity: s.quantity,
      sku: s.sku,
      ...(holdReason ? { holdReason } : {}),
    },
  };
}

/**
 * What a license pass's write requires of a shipment: counted as `status`
 * under `licenseId`, with its fixed fields and its `countedAs` stamp as read.
 */
const asRead = (status: 'HELD' | 'RELEASED', s: Shipment, licenseId: string): Record<string, unknown> => ({
  status,
  countedStatus: status,
  ...countedAsOf(s),
  ...stampExpected(s),
  licenseId,
});

/** A HELD shipment's new hold reason. */
export function relabelWrite(licenseId: string, r: HoldReasonChange): ShipmentWrite {
  return {
    shipmentId: r.shipment.shipmentId,
    set: { holdReason: r.holdReason },
    bumpRevision: true,
    expect: asRead('HELD', r.shipment, licenseId),
    notice: noticeOf(r.shipment, 'SHIPMENT_HOLD_UPDATED', r.holdReason),
  };
}

/** A HELD shipment released under `licenseId`, with its counters and drawdown. */
export function releaseWrite(licenseId: string, s: Shipment, releasedAt: string): ShipmentWrite {
  return {
    shipmentId: s.shipmentId,
    set: {
      status: 'RELEASED',
      countedStatus: 'RELEASED',
      releasedAt,
      [GSI_ATTR.releasedLicenseId]: indexKey(licenseId, s.shipmentId),
      countedValue: s.value ?? 0,
    },
    remove: [GSI_ATTR.heldLicenseId, 'holdReason', 'statusError'],
    bumpRevision: true,
    expect: { ...asRead('HELD', s, licenseId), value: s.value ?? null },
    counters: { sku: s.sku, warehouseId: s.warehouseId, delta: counterDelta('HELD', 'RELEASED', s.quantity) },
    license: { licenseId, quantity: s.quantity, value: s.value ?? 0 },
    notice: noticeOf(s, 'SHIPMENT_RELEASED'),
  };
}

/** A RELEASED shipment held again, returning its counters and drawdown. */
export function reholdWrite(licenseId: string, r: HoldReasonChange): ShipmentWrite {
  const s = r.shipment;
  return {
    shipmentId: s.shipmentId,
    set: {
      status: 'HELD',
      countedStatus: 'HELD',
      holdReason: r.holdReason,
      [GSI_ATTR.heldLicenseId]: indexKey(licenseId, s.shipmentId),
    },
    remove: [GSI_ATTR.releasedLicenseId, 'releasedAt', 'countedValue'],
    bumpRevision: true,
    expect: asRead('RELEASED', s, licenseId),
    counters: { sku: s.sku, warehouseId: s.warehouseId, delta: counterDelta('RELEASED', 'HELD', s.quantity) },
    license: { licenseId, quantity: -s.quantity, value: -drawnValue(s) },
    notice: noticeOf(s, 'SHIPMENT_REHELD', r.holdReason),
  };
}

/**
 * Commits `writes` under `guard` and counts what moved. Each is the system's
 * decision, set off by the license's last decision (its History trigger).
 */
export async function commitCounted(
  deps: LicenseEngineDeps,
  license: License,
  writes: ShipmentWrite[],
  guard: LicenseGuard,
  progress: Progress,
) {
  const decision = systemDecision(license.lastDecision);
  const limiter = deps.limiter ?? unlimited;
  // A license's first transaction goes at once; any later one waits until every license of the batch has
  // had its first commit (or failed, or has none), so that a burst's first releases commit before anyone's bulk.
  const round = deps.firstRound;
  const first = round?.claim(license.licenseId) ?? false;
  if (round && !first) await round.passed;
  // The slice's tally (see runWork): every transaction adds its writes to the license event's tally.
  const tallied = deps.tally && !guard.tally ? { ...guard, tally: deps.tally } : guard;
  let result: CommitResult;
  try {
    result = await limiter.run(() =>
      deps.shipments.commit(
        writes.map((w) => ({ ...w, decision })),
        tallied,
      ),
    );
  } finally {
    if (first) round?.done(license.licenseId);
  }
  progress.transactions += result.transactions ?? 0;
  progress.conflicts += result.conflicts ?? 0;
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
