/**
 * A license item removed from the Licenses table (its stream's REMOVE):
 * what ops is told.
 */
import { insteadOfDeleting, isReplacedRefusal } from '../domain/license-rules.js';
import type { RawItem } from '../domain/ports.js';
import type { LicenseEngineDeps } from './license-passes.js';

/**
 * Reports a deleted license to ops. One the system applied: high severity
 * (deleting is not supported; its shipments keep their state). One it never
 * applied, if shipments are HELD under it: they wait as LICENSE_PENDING for
 * a license of that id, unseen otherwise (I5), so ops is told how many and
 * the two ways out. `old` is the stream's old image.
 */
export async function licenseRemoved(
  deps: Pick<LicenseEngineDeps, 'alerter' | 'licenses' | 'shipments'>,
  licenseId: string,
  old: RawItem | undefined,
): Promise<void> {
  if (old?.appliedStatus) {
    await deps.alerter.alert([
      {
        severity: 'high',
        subject: `License ${licenseId} was deleted`,
        message: `License ${licenseId} (applied status ${String(old.appliedStatus)}, released quantity ${String(old.releasedQuantity ?? 0)}) was deleted from the Licenses table. Its shipments keep their state. Deleting licenses is not supported (${insteadOfDeleting(old.appliedStatus)}). Do not create it again from its JSON: approved afresh, it would release again what its shipments draw. Put it back as it was from point-in-time recovery (docs/OPERATIONS.md, "A deleted license"), then run \`clearance reconcile\`.`,
        subjectKey: { licenseId },
      },
    ]);
    return;
  }
  // Created again since (a stream delivers the REMOVE before the new item's INSERT): it takes them on.
  if (await deps.licenses.get(licenseId)) return;
  const held = await deps.shipments.sumHeld(licenseId);
  if (held.shipments === 0) return;
  await deps.alerter.alert([
    {
      severity: 'normal',
      subject: `License ${licenseId} was deleted with ${held.shipments} shipment(s) held under it`,
      message: [
        `License ${licenseId} was deleted from the Licenses table before the system applied it. ${held.shipments} shipment(s), ${held.units} units, are HELD under it as LICENSE_PENDING, and nothing releases them until a license with that id exists again.`,
        isReplacedRefusal(old?.statusError)
          ? 'It was an item refused as a replacement of a license the system applied (its statusError said so): put that license back as it was from point-in-time recovery (docs/OPERATIONS.md, "A deleted license"), or cancel the shipments (status CANCELLED). Created again from its JSON, it is refused again.'
          : 'Create the license again (its shipments are released once it is approved), or cancel the shipments (status CANCELLED).',
      ].join('\n'),
      subjectKey: { licenseId },
    },
  ]);
}
