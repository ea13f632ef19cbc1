/**
 * The units a RELEASED shipment cancelled in the console gives back to its
 * license (`releasedQuantity`, `releasedValue`), and only to a license the
 * system has applied: an item with `appliedStatus`. One without it is not the
 * license those units were drawn from: deleted and created again from its
 * JSON (refused while shipments are RELEASED under it, its drawdown starting
 * at 0), or replaced by a whole-item put that license-events has not set back
 * yet. An ADD of -30 there took its `releasedQuantity` below 0, and the item
 * was then rejected a second time for it ("must not be negative"), an edit
 * nobody made. A missing item cannot take the ADD either (the batch failed
 * every retry). So the cancellation is committed without the license's
 * counter (the Inventory counters move), and ops is told: once the license is
 * back as the system applied it, `clearance reconcile --fix` sets its
 * drawdown from its shipments (docs/OPERATIONS.md, "A deleted license").
 */
import { ConflictError } from '../domain/errors.js';
import { showValue } from '../domain/model.js';
import type {
  Alerter,
  LicenseRepository,
  OpsAlert,
  RawItem,
  ShipmentRepository,
  ShipmentWrite,
} from '../domain/ports.js';

/** Reads of a license whose applied status moved under a give-back, before the batch fails and is retried. */
const ATTEMPTS = 5;

/**
 * Commits `writes` (each gives units back to `write.license`): per license,
 * under a guard that the license still has the `appliedStatus` it was read
 * with, or, when it has none (or is missing), without its counter, after an
 * alert (a crash in between repeats the alert rather than losing it). A
 * guard that fails (the license applied, deleted or put over meanwhile) reads
 * it again.
 */
export async function commitGiveBacks(
  deps: { shipments: ShipmentRepository; licenses: LicenseRepository; alerter: Alerter },
  writes: readonly ShipmentWrite[],
): Promise<void> {
  const byLicense = new Map<string, ShipmentWrite[]>();
  for (const w of writes) {
    const licenseId = w.license?.licenseId ?? '';
    byLicense.set(licenseId, [...(byLicense.get(licenseId) ?? []), w]);
  }
  const read = await deps.licenses.batchGet([...byLicense.keys()]);
  for (const [licenseId, list] of byLicense) {
    let license = read.get(licenseId);
    for (let attempt = 0; ; attempt++) {
      if (await commitTo(deps, licenseId, list, license)) break;
      if (attempt + 1 >= ATTEMPTS)
        throw new ConflictError(
          `license ${licenseId}: its applied status kept changing under a cancellation`,
        );
      license = await deps.licenses.get(licenseId);
    }
  }
}

/** One attempt for one license's writes; false when its guard failed. */
async function commitTo(
  deps: { shipments: ShipmentRepository; alerter: Alerter },
  licenseId: string,
  writes: readonly ShipmentWrite[],
  license: RawItem | undefined,
): Promise<boolean> {
  const applied = license?.appliedStatus;
  if (applied === undefined || applied === null) {
    await deps.alerter.alert([notGivenBack(licenseId, writes, license)]);
    await deps.shipments.commit(writes.map(({ license: _drawn, ...w }) => w));
    return true;
  }
  try {
    // The limits guard draws only (a give-back is negative): they are not looked at here.
    const guard = { licenseId, expect: { appliedStatus: applied }, authorizedQuantity: 0 };
    await deps.shipments.commit(writes, guard);
    return true;
  } catch (error) {
    if (error instanceof ConflictError) return false;
    throw error;
  }
}

/** The alert of cancellations committed without giving their units back to `licenseId` (as read: `license`). */
function notGivenBack(
  licenseId: string,
  writes: readonly ShipmentWrite[],
  license: RawItem | undefined,
): OpsAlert {
  const quantity = writes.reduce((n, w) => n + (w.license ? -w.license.quantity : 0), 0);
  const value = writes.reduce((n, w) => n + (w.license ? -w.license.value : 0), 0);
  const ids = writes.map((w) => w.shipmentId);
  const why =
    license === undefined
      ? `the Licenses table has no item ${licenseId} (deleted)`
      : `the item ${licenseId} has no appliedStatus (deleted and created again, or replaced by a whole-item put not set back yet${typeof license.statusError === 'string' ? `; its statusError: ${showValue(license.statusError, 200)}` : ''})`;
  return {
    severity: 'normal',
    subject: `License ${licenseId}: ${quantity} cancelled units not given back`,
    message: [
      `${ids.length} RELEASED shipment(s) of license ${licenseId} were cancelled and the cancellation committed (Inventory counters moved): ${ids.join(', ')}; ${quantity} units, value ${value}.`,
      `Their units were NOT given back to the license (releasedQuantity, releasedValue): ${why}. Those counters belong to the license as the system applied it; given to this item they would take its releasedQuantity below what its shipments draw.`,
      `Once license ${licenseId} is back as the system applied it (a whole-item put is set back by the system within seconds; a deleted license is put back from point-in-time recovery: docs/OPERATIONS.md, "A deleted license"), run \`clearance reconcile\`: it reports the license's releasedQuantity and releasedValue, and \`clearance reconcile --fix\` sets them from its shipments.`,
    ].join('\n'),
    subjectKey: { licenseId },
  };
}
