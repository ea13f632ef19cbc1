import { countedAsOf, counterDelta, inventoryKey, stampExpected, stampOf } from '../domain/counters.js';
import { shipmentEditDecision } from '../domain/history.js';
import { indexKey } from '../domain/index-keys.js';
import { holdReasonFor } from '../domain/license-rules.js';
import {
  type HoldReason,
  type License,
  LicenseSchema,
  parseItem,
  type Shipment,
  type ShipmentStatus,
} from '../domain/model.js';
import { drawnValue, holdOrderKey, mismatch, roomOf, takeFit, validity } from '../domain/planning.js';
import type { InventoryRepository, LicenseRepository, OpsAlert, ShipmentWrite } from '../domain/ports.js';
import { underAppliedTerms } from '../domain/terms.js';
import { GSI_ATTR } from '../names.js';
import { invalidRejection, type Rejection } from './shipment-rejections.js';

/** What the intake phase decided for the new HELD shipments of a batch. */
export interface Intake {
  /** The writes that count each accepted shipment as HELD, with its hold reason. */
  accepted: ShipmentWrite[];
  /** Shipments with no Inventory item for their (sku, warehouse). */
  rejections: Rejection[];
  /** Licenses APPROVED and applied when read, with room left: they get a release request. */
  release: Set<string>;
  /** Licenses not yet releasing when read: read again once their shipments are accepted. */
  recheck: Set<string>;
  /** One per license id that no license has: its shipments wait unseen otherwise (I5). */
  alerts: OpsAlert[];
}

/**
 * The intake phase: reads the licenses and Inventory items of new HELD
 * shipments (one batch read each), and accepts every shipment whose
 * (sku, warehouse) exists, with the hold reason its license's state implies.
 */
export async function intakeShipments(
  deps: { licenses: LicenseRepository; inventory: InventoryRepository; now: () => Date },
  shipments: readonly Shipment[],
): Promise<Intake> {
  const intake: Intake = { accepted: [], rejections: [], release: new Set(), recheck: new Set(), alerts: [] };
  const unknown = new Map<string, Shipment[]>();
  if (shipments.length === 0) return intake;
  const [licenses, stocked] = await Promise.all([
    deps.licenses.batchGet(shipments.map((s) => s.licenseId)),
    deps.inventory.existing(shipments.map((s) => ({ sku: s.sku, warehouseId: s.warehouseId }))),
  ]);
  for (const s of shipments) {
    if (!stocked.has(inventoryKey(s))) {
      intake.rejections.push(
        invalidRejection(s.shipmentId, s, [
          `there is no Inventory item for sku ${s.sku} at warehouse ${s.warehouseId}; correct sku/warehouseId, or create the item (with onHand) and then edit this shipment (removing its statusError will do): it is taken in only on its next edit`,
        ]),
      );
      continue;
    }
    // Judged under the terms in force: an identity or limit typed and not yet judged (a customerId
    // typo about to be set back) must not label the shipment for good (LICENSE_MISMATCH asks for no pass).
    const raw = licenses.get(s.licenseId);
    const parsedLicense = raw ? parseItem(LicenseSchema, underAppliedTerms(raw)) : undefined;
    const license = parsedLicense?.ok ? parsedLicense.value : undefined;
    const reason = holdReasonOf(license, s, deps.now());
    if (reason !== 'LICENSE_MISMATCH') {
      if (license?.status !== 'APPROVED' || license.appliedStatus !== 'APPROVED')
        intake.recheck.add(s.licenseId);
      // A license that could release nothing as read (no room at all, or outside its window) asks for no pass,
      // which would read the whole held backlog to write nothing: what frees room (a cancellation, a raised
      // limit) asks for its own pass, the clock wakes it at validFrom, and the settling pass after a pass finds
      // a shipment its read raced with. Otherwise a pass runs even if this shipment does not fit: other HELD
      // ones may (DESIGN §4), in room freed by a path that asked for no pass too.
      else if (canRelease(license, deps.now())) intake.release.add(s.licenseId);
    }
    intake.accepted.push(acceptedWrite(s, reason));
    if (!licenses.has(s.licenseId)) {
      const named = unknown.get(s.licenseId) ?? [];
      unknown.set(s.licenseId, named);
      named.push(s);
    }
  }
  for (const [licenseId, list] of unknown) intake.alerts.push(unknownLicenseAlert(licenseId, list));
  return intake;
}

/** Shipments listed by id in one alert, at most. */
const LISTED = 20;

/**
 * Shipments accepted under a `licenseId` no license has: most likely a typo.
 * They are counted HELD as LICENSE_PENDING and are released if a license of
 * that id is created; otherwise they would wait with nobody told.
 */
export function unknownLicenseAlert(licenseId: string, shipments: readonly Shipment[]): OpsAlert {
  const units = shipments.reduce((n, s) => n + s.quantity, 0);
  const ids = shipments.slice(0, LISTED).map((s) => s.shipmentId);
  const more = shipments.length > LISTED ? ` and ${shipments.length - LISTED} more` : '';
  return {
    severity: 'normal',
    subject: `License ${licenseId} does not exist: ${shipments.length} shipment(s) held under it`,
    message: [
      `${shipments.length} new shipment(s), ${units} units, name license ${licenseId}, and no license has that id: ${ids.join(', ')}${more}.`,
      'They are counted HELD as LICENSE_PENDING, and are released if a license with that id is created and approved.',
      'If the id is a typo: cancel each shipment (status CANCELLED) and create it again with the right licenseId; licenseId cannot change once a shipment is accepted.',
    ].join('\n'),
    subjectKey: { licenseId },
  };
}

/**
 * The hold reason of a new shipment under `license` as read. Under an
 * APPROVED license: why the release pass would hold it now (not yet valid,
 * expired, no value, quantity or value exhausted), so that its customer's
 * first notice says so and the pass has nothing to relabel. A shipment that
 * fits waits for that pass as LICENSE_PENDING (the contract has no reason for
 * "queued"); the pass, asked for by the intake, releases it within seconds.
 */
function holdReasonOf(license: License | undefined, s: Shipment, now: Date): HoldReason {
  if (license && mismatch(license, s)) return 'LICENSE_MISMATCH';
  if (license?.appliedStatus === 'APPROVED' && license.status === 'APPROVED')
    return takeFit(license, s, validity(license, now), roomOf(license)) ?? 'LICENSE_PENDING';
  if (license?.appliedStatus) return holdReasonFor(license.appliedStatus) ?? 'LICENSE_PENDING';
  return 'LICENSE_PENDING';
}

function acceptedWrite(s: Shipment, reason: HoldReason): ShipmentWrite {
  return {
    shipmentId: s.shipmentId,
    set: {
      countedStatus: 'HELD',
      // The system sets the reason from the license's state; a reason typed in is not trusted.
      holdReason: reason,
      [GSI_ATTR.heldLicenseId]: indexKey(s.licenseId, s.shipmentId),
      [GSI_ATTR.holdOrder]: holdOrderKey(s),
      countedAs: stampOf(s),
    },
    remove: ['statusError'],
    bumpRevision: true,
    // Whoever wrote the new shipment (its updatedBy and statusReason, if any).
    decision: shipmentEditDecision(s, undefined),
    // The fixed fields as read, customerId included: an edit landing after the read fails the write.
    expect: { countedStatus: null, status: 'HELD', ...countedAsOf(s) },
    counters: {
      sku: s.sku,
      warehouseId: s.warehouseId,
      delta: counterDelta(undefined, 'HELD', s.quantity),
    },
  };
}

/**
 * Whether a release pass could release anything under `license` as read: it
 * is inside its window (before `validFrom` the clock wakes it; past
 * `validUntil` it expires), with a unit left and no value drawn over its cap.
 */
function canRelease(license: License, now: Date): boolean {
  const room = roomOf(license);
  return (
    validity(license, now) === 'valid' && room.quantity >= 1 && (room.value === undefined || room.value >= 0)
  );
}

/** The write of a legal manual edit (SHIPPED, CANCELLED): counters moved, a cancelled RELEASED one's units given back. */
export function manualWrite(s: Shipment, from: ShipmentStatus, to: ShipmentStatus): ShipmentWrite {
  const index = from === 'HELD' ? GSI_ATTR.heldLicenseId : GSI_ATTR.releasedLicenseId;
  return {
    shipmentId: s.shipmentId,
    set: { countedStatus: to },
    remove: [index, 'holdReason', 'statusError'],
    bumpRevision: true,
    expect: { status: to, countedStatus: from, ...stampExpected(s) },
    counters: { sku: s.sku, warehouseId: s.warehouseId, delta: counterDelta(from, to, s.quantity) },
    ...(from === 'RELEASED' && to === 'CANCELLED'
      ? { license: { licenseId: s.licenseId, quantity: -s.quantity, value: -drawnValue(s) } }
      : {}),
  };
}
