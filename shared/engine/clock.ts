import { SETTLE_TOKEN_PREFIX } from '../domain/license-rules.js';
import { LicenseSchema, parseItem } from '../domain/model.js';
import type { LicenseRepository, ShipmentRepository } from '../domain/ports.js';

export interface ClockResult {
  expired: string[];
  woken: string[];
  /** Licenses asked for their settling pass (see SETTLE_TOKEN_PREFIX). */
  settling: string[];
}

/**
 * The held backlog by hold reason over all licenses, for the dashboard. Reads
 * only `holdReason` through the held index, so it costs one read unit per
 * ~8,000 held shipments (eventually consistent, 4 KB pages).
 */
export async function heldBacklog(
  licenses: LicenseRepository,
  shipments: ShipmentRepository,
): Promise<Map<string, number>> {
  const total = new Map<string, number>();
  for await (const page of licenses.scan()) {
    for (const raw of page) {
      if (typeof raw.licenseId !== 'string') continue;
      for (const [reason, n] of await shipments.countHeldByReason(raw.licenseId))
        total.set(reason, (total.get(reason) ?? 0) + n);
    }
  }
  return total;
}

/**
 * The scheduled pass over Licenses: a license past `validUntil` becomes EXPIRED
 * (as if an admin had set it; license-events then re-holds its shipments), an
 * APPROVED license that kept shipments as LICENSE_NOT_YET_VALID is asked for
 * a release pass once `validFrom` arrives, and a license whose work finished
 * before `settleCheckAt` is asked for its settling pass.
 */
export async function clockTick(
  licenses: LicenseRepository,
  now: Date,
  newToken: () => string,
): Promise<ClockResult> {
  const result: ClockResult = { expired: [], woken: [], settling: [] };
  for await (const page of licenses.scan()) {
    for (const raw of page) {
      const parsed = parseItem(LicenseSchema, raw);
      if (!parsed.ok) continue;
      const l = parsed.value;
      if ((l.status === 'APPROVED' || l.status === 'SUSPENDED') && now.getTime() > Date.parse(l.validUntil)) {
        const reason = `validity window ended at ${l.validUntil}`;
        if (await licenses.setStatus(l.licenseId, l.status, 'EXPIRED', reason, 'license-clock'))
          result.expired.push(l.licenseId);
      } else if (
        l.status === 'APPROVED' &&
        l.appliedStatus === 'APPROVED' &&
        l.waitingForValidFrom !== undefined &&
        now.getTime() >= Date.parse(l.waitingForValidFrom)
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
  return result;
}
