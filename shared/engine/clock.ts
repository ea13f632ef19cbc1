import { forEachConcurrent } from '../domain/concurrency.js';
import { appliedInEffect, SETTLE_TOKEN_PREFIX } from '../domain/license-rules.js';
import { type License, LicenseSchema, LicenseStatusSchema, parseItem } from '../domain/model.js';
import type { LicenseRepository, RawItem, ShipmentRepository } from '../domain/ports.js';
import { fnv1a } from '../domain/routing.js';
import { failSafeLicense, termsSettled, underAppliedTerms } from '../domain/terms.js';
import {
  awaitsRecheck,
  type ExpiryVerdict,
  type ExpiryWatchDeps,
  recheckQuiet,
  watchExpiry,
  watched,
} from './expiry-watch.js';

export interface ClockResult {
  expired: string[];
  /**
   * Licenses whose release pass was asked for at `validFrom`: at least once. A
   * tick that read the license before an overlapping tick's request asks
   * again (a pass from the start, which releases nothing twice); both count it.
   */
  woken: string[];
  /** Licenses asked for their settling pass (see SETTLE_TOKEN_PREFIX). */
  settling: string[];
  /** Licenses a LICENSE_EXPIRING alert went out for (see watchExpiry). */
  expiring: string[];
  /** Licenses whose expiry watch failed this tick; the next tick tries again. */
  expiryFailed: string[];
  /** Licenses whose quiet lead was not re-checked for lack of time (see recheckQuiet); a later tick does. */
  quietRechecksSkipped: number;
  /** Licenses whose due expiry watch did not start for lack of time (see watchDue); the next tick does. */
  expiryWatchesDeferred: number;
}

/** The expiry watch as the clock runs it, and where a license's failure is reported. */
export interface ClockWatch extends ExpiryWatchDeps {
  onError?: (licenseId: string, error: unknown) => void;
  /** Whether a re-check of a quiet lead started now would end in time (the invocation's budget). @default always */
  inTime?: () => boolean;
  /**
   * Kept by the caller from tick to tick: the license the last tick's
   * re-checks of quiet leads reached. The next tick begins after it, so
   * when time runs short every license still gets its turn.
   */
  recheckCursor?: { after?: string };
  /**
   * Re-check a license's quiet lead on one tick in this many: its turn comes
   * when the tick's minute (of `slot`) plus a hash of its licenseId divides
   * by it, so the reads spread evenly over the ticks. @default 1
   */
  recheckEvery?: number;
  /** The tick's schedule slot (EventBridge's `time`), whose minute picks whose turn it is. @default now */
  slot?: Date;
}

/** Quiet leads re-checked at once (each 8 Queries of `Limit` 1: 48 in flight, under the SDK's 50 sockets). */
export const RECHECK_CONCURRENCY = 6;

/** Licenses whose held index is counted at once by {@link heldBacklog}. */
export const BACKLOG_CONCURRENCY = 16;

/**
 * The held backlog by hold reason over all licenses, for the dashboard: each
 * license's held index (4 Queries, one per index key), BACKLOG_CONCURRENCY
 * licenses at once. Read units follow the items read, whole: the held index
 * projects every attribute. Undefined once `deadline` (epoch ms) has passed:
 * a partial sum would draw a false line, and a tick that ran into its
 * timeout would fail, alarm and lose its other metrics.
 */
export async function heldBacklog(
  licenses: LicenseRepository,
  shipments: ShipmentRepository,
  deadline = Number.POSITIVE_INFINITY,
): Promise<Map<string, number> | undefined> {
  const total = new Map<string, number>();
  let late = false;
  for await (const page of licenses.scan()) {
    const ids = page.flatMap((raw) => (typeof raw.licenseId === 'string' ? [raw.licenseId] : []));
    await forEachConcurrent(ids, BACKLOG_CONCURRENCY, async (licenseId) => {
      if (Date.now() > deadline) late = true;
      if (late) return;
      for (const [reason, n] of await shipments.countHeldByReason(licenseId))
        total.set(reason, (total.get(reason) ?? 0) + n);
    });
    if (late) return undefined;
  }
  return total;
}

/**
 * The scheduled pass over Licenses: a license past `validUntil` becomes EXPIRED
 * (as if an admin had set it; license-events then re-holds its shipments), an
 * APPROVED license that kept shipments as LICENSE_NOT_YET_VALID is asked for
 * a release pass once `validFrom` arrives, and a license whose work finished
 * before `settleCheckAt` is asked for its settling pass. With `watch`, the
 * same scan finds the licenses whose expiry lead time has come due; after the
 * scan, as time allows, it runs their expiry watch (watchExpiry: it reads
 * their shipments; one license's failure does not stop the others), then
 * re-checks the licenses whose nearest due lead was quiet (recheckQuiet: two
 * cheap reads each).
 */
export async function clockTick(
  licenses: LicenseRepository,
  now: Date,
  newToken: () => string,
  watch?: ClockWatch,
): Promise<ClockResult> {
  const result: ClockResult = {
    expired: [],
    woken: [],
    settling: [],
    expiring: [],
    expiryFailed: [],
    quietRechecksSkipped: 0,
    expiryWatchesDeferred: 0,
  };
  const quiet: License[] = [];
  const due: License[] = [];
  for await (const page of licenses.scan()) {
    for (const raw of page) {
      const read = asApplied(raw);
      if (read === undefined) continue;
      const l = read.license;
      if (watch && read.watchable && watched(l, now)) {
        if (awaitsRecheck(watch, l, now)) {
          if (recheckTurn(l.licenseId, watch.slot ?? now, watch.recheckEvery ?? 1)) quiet.push(l);
        } else due.push(l);
      }
      if (
        (l.appliedStatus === 'APPROVED' || l.appliedStatus === 'SUSPENDED') &&
        appliedInEffect(l) &&
        // Already EXPIRED, not yet applied (a rejected typo's statusError stays until then): asked
        // for already, by an earlier or overlapping tick or an admin, whose reason and author stay.
        l.status !== 'EXPIRED' &&
        now.getTime() > Date.parse(l.validUntil)
      ) {
        // A rejected typo in `status` must not keep an applied license alive past its window:
        // the expiry replaces it (the condition matches the status as it stands).
        const reason = `validity window ended at ${l.validUntil}`;
        // On the validUntil found passed: an extension typed since the scan read it wins.
        const unchanged = { validUntil: raw.validUntil };
        if (
          await licenses.setStatus(
            l.licenseId,
            raw.status ?? null,
            'EXPIRED',
            reason,
            'license-clock',
            unchanged,
          )
        )
          result.expired.push(l.licenseId);
      } else if (
        l.status === 'APPROVED' &&
        l.appliedStatus === 'APPROVED' &&
        l.waitingForValidFrom !== undefined &&
        // The current validFrom, not the one the pass saw: an amendment may have moved it.
        now.getTime() >= Date.parse(l.validFrom)
      ) {
        if (await licenses.requestRelease(l.licenseId, newToken())) result.woken.push(l.licenseId);
      } else if (
        l.settleCheckAt !== undefined &&
        l.pendingWork === undefined &&
        l.appliedStatus === l.status &&
        now.getTime() >= Date.parse(l.settleCheckAt)
      ) {
        const token = `${SETTLE_TOKEN_PREFIX}${newToken()}`;
        if (await licenses.requestSettlePass(l.licenseId, l.status, l.settleCheckAt, token))
          result.settling.push(l.licenseId);
      }
    }
  }
  if (watch) {
    await watchDue(watch, due, now, result);
    await recheckAll(watch, quiet, now, result);
  }
  return result;
}

/**
 * The expiry watches whose lead came due, after the scan: a watch reads the
 * license's RELEASED shipments, which a large backlog makes long, and must not
 * hold up the expiries, wake-ups and settling passes of the licenses scanned
 * after it. In scan order, one at a time; once `inTime` says no, the rest wait
 * for the next tick (their leads are not recorded, so it finds them due again).
 */
async function watchDue(watch: ClockWatch, due: readonly License[], now: Date, result: ClockResult) {
  for (const l of due) {
    if (!(watch.inTime?.() ?? true)) {
      result.expiryWatchesDeferred++;
      continue;
    }
    await runWatch(watch, () => watchExpiry(watch, l, now), l, result);
  }
}

/** Whether the tick of `slot` is the license's turn for the re-check of its quiet lead (one in `every`). */
export function recheckTurn(licenseId: string, slot: Date, every: number): boolean {
  return (Math.floor(slot.getTime() / 60_000) + (fnv1a(licenseId) % every)) % every === 0;
}

/**
 * The re-checks of quiet leads, after the scan (they never delay an expiry):
 * RECHECK_CONCURRENCY at once, in licenseId order from after the cursor
 * round to it; once `inTime` says no, the rest wait for a later tick.
 */
async function recheckAll(watch: ClockWatch, quiet: License[], now: Date, result: ClockResult) {
  const sorted = quiet.sort((a, b) => (a.licenseId < b.licenseId ? -1 : a.licenseId > b.licenseId ? 1 : 0));
  const after = watch.recheckCursor?.after;
  const from = after === undefined ? -1 : sorted.findIndex((l) => l.licenseId > after);
  const order = from <= 0 ? sorted : [...sorted.slice(from), ...sorted.slice(0, from)];
  let late = false;
  await forEachConcurrent(order, RECHECK_CONCURRENCY, async (l) => {
    late ||= !(watch.inTime?.() ?? true);
    if (late) {
      result.quietRechecksSkipped++;
      return;
    }
    if (watch.recheckCursor) watch.recheckCursor.after = l.licenseId;
    await runWatch(watch, () => recheckQuiet(watch, l, now), l, result);
  });
}

async function runWatch(
  watch: ClockWatch,
  judge: () => Promise<ExpiryVerdict>,
  l: License,
  result: ClockResult,
): Promise<void> {
  try {
    if ((await judge()).kind === 'alerted') result.expiring.push(l.licenseId);
  } catch (error) {
    result.expiryFailed.push(l.licenseId);
    watch.onError?.(l.licenseId, error);
  }
}

/**
 * A license item as the clock judges it: parsed as it stands, or, when a
 * rejected edit left it invalid or with terms typed beside it (`statusError`
 * and terms not settled), as an applied license reads
 * for a restrictive change (failSafeLicense: a `status` that is not one read
 * as its `appliedStatus`, a mistyped `licenseNumber`, `updatedBy` or
 * `statusReason` left aside), so the window still ends and the expiry is
 * still watched. Its window is the applied one: terms typed beside the typo
 * are not (their amendment cannot be judged), and then it is not watched
 * either, since the watch's record is conditional on the window's text as
 * read (the expiry still comes, on time). Undefined otherwise.
 */
function asApplied(raw: RawItem): { license: License; watchable: boolean } | undefined {
  const parsed = parseItem(LicenseSchema, raw);
  // A readable item whose rejected edit carried terms (a status typo saved with an extension of
  // validUntil) is judged under the applied terms too: the typed window is not in force.
  if (parsed.ok && (raw.statusError === undefined || termsSettled(raw)))
    return { license: parsed.value, watchable: true };
  const applied = LicenseStatusSchema.safeParse(raw.appliedStatus);
  if (!applied.success || raw.statusError === undefined) return undefined;
  const status = LicenseStatusSchema.safeParse(raw.status);
  const settled = termsSettled(raw);
  const license = failSafeLicense(
    settled ? raw : underAppliedTerms(raw),
    status.success ? status.data : applied.data,
  );
  return license === undefined ? undefined : { license, watchable: settled };
}
