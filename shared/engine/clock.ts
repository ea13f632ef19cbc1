import { LicenseSchema, parseItem } from '../domain/model.js';
import type { LicenseRepository } from '../domain/ports.js';

export interface ClockResult {
  expired: string[];
  woken: string[];
}

/**
 * The scheduled pass over Licenses: a license past `validUntil` becomes EXPIRED
 * (as if an admin had set it; license-events then re-holds its shipments), and
 * an APPROVED license that kept shipments as LICENSE_NOT_YET_VALID is asked for
 * a release pass once `validFrom` arrives.
 */
export async function clockTick(
  licenses: LicenseRepository,
  now: Date,
  newToken: () => string,
): Promise<ClockResult> {
  const result: ClockResult = { expired: [], woken: [] };
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
      }
    }
  }
  return result;
}
