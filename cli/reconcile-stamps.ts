import {
  type CountedAs,
  countedAsItIs,
  countedAsOf,
  countedAsStamp,
  stampOf,
} from '../shared/domain/counters.js';
import { indexKeys } from '../shared/domain/index-keys.js';
import { type CountedAsStamp, parseItem, ShipmentSchema } from '../shared/domain/model.js';
import { copiedFrom } from '../shared/domain/planning.js';
import type { RawItem, ShipmentWrite } from '../shared/domain/ports.js';
import { GSI_ATTR } from '../shared/names.js';
import { listFew, plural } from './format.js';

/**
 * A HELD or RELEASED shipment whose `countedAs` stamp carries no `seal` (one
 * written before the seal existed, with five fields or with three) while its
 * fixed fields are what the stamp holds (`countedAsItIs`). A license pass, the
 * expiry watch and a manual SHIPPED or CANCELLED commit read only HELD and
 * RELEASED shipments (SHIPPED and CANCELLED are final and out of the held and
 * released indexes), and compare an unsealed stamp on its fields alone: a find
 * and replace over the item's JSON, stamp too, can still reach a pass before
 * shipment-events sets it back (an I4 leak). `reconcile --fix` seals it.
 */
export interface SealFix {
  kind: 'seal';
  shipmentId: string;
  /** `countedAs` as read, the whole map: the write is conditional on it. */
  read: Record<string, unknown>;
  /** The sealed stamp of the fields as read (`stampOf`): all five, so a 3-field stamp gets customerId and licenseId. */
  set: CountedAsStamp;
  /** The five fixed fields as read: the write is conditional on each. */
  fields: CountedAs;
  /** `revision` as read (undefined: absent); the write is conditional on it too. */
  revision: number | undefined;
  countedStatus: 'HELD' | 'RELEASED';
  /** `status` as read: a status edit since the scan fails the write too. */
  status: string;
}

/** The unsealed stamps to seal, and the 3-field ones left unsealed ({@link unsealedStamps}). */
export interface UnsealedStamps {
  fixes: SealFix[];
  /** Shipments whose 3-field stamp is left unsealed: their customer, sku or index key is not their license's. */
  left: string[];
}

/**
 * The shipments whose stamp is unsealed but true to their fields, in the
 * order read. A stamp whose fields do not match is an edit still to reject
 * (not sealed: that would vouch for the edit); a copy of another shipment
 * (its stamp is the original's) is the copy intake's; an item that does not
 * parse, or without a stamp, has nothing to seal. A 3-field stamp (written
 * before customerId and licenseId were added) cannot show an edit of either
 * still to be set back (its batch waiting in the DLQ), and its seal takes
 * them from the item: it is sealed only when its license (among `licenses`,
 * as scanned) has the item's customerId and sku, else it is left unsealed
 * (`left`). The seal would otherwise vouch for an edited customer for good.
 */
export function unsealedStampsOf(
  shipments: readonly RawItem[],
  licenses: readonly RawItem[] | undefined,
): UnsealedStamps {
  const licenseOf = new Map(licenses?.map((l) => [l.licenseId, l]));
  const found: UnsealedStamps = { fixes: [], left: [] };
  for (const raw of shipments) {
    const counted = raw.countedStatus;
    if ((counted !== 'HELD' && counted !== 'RELEASED') || copiedFrom(raw) !== undefined) continue;
    const stamp = countedAsStamp(raw);
    if (stamp === undefined || stamp.seal !== undefined) continue;
    const p = parseItem(ShipmentSchema, raw);
    if (!p.ok || !countedAsItIs(p.value)) continue;
    const s = p.value;
    const license = licenseOf.get(s.licenseId);
    // The index key is the system's own record of the license it counts the shipment under: an edit of
    // licenseId (to a renewal of the same customer and sku) leaves it as it was.
    const key = raw[counted === 'HELD' ? GSI_ATTR.heldLicenseId : GSI_ATTR.releasedLicenseId];
    if (
      licenses !== undefined &&
      (stamp.customerId === undefined || stamp.licenseId === undefined) &&
      (license?.customerId !== s.customerId ||
        license?.sku !== s.sku ||
        typeof key !== 'string' ||
        !indexKeys(s.licenseId).includes(key))
    ) {
      found.left.push(s.shipmentId);
      continue;
    }
    found.fixes.push({
      kind: 'seal',
      shipmentId: s.shipmentId,
      read: raw.countedAs as Record<string, unknown>,
      set: stampOf(s),
      fields: countedAsOf(s),
      revision: s.revision,
      countedStatus: counted,
      status: s.status,
    });
  }
  return found;
}

/**
 * The seals of {@link unsealedStampsOf} (the plan's, and the re-check's after
 * `--fix`, both with the scanned licenses). Without `licenses` no 3-field
 * stamp is checked against its license.
 */
export const unsealedStamps = (shipments: readonly RawItem[], licenses?: readonly RawItem[]): SealFix[] =>
  unsealedStampsOf(shipments, licenses).fixes;

/**
 * The write of a seal: `countedAs` set to the sealed stamp, `changedBy` =
 * clearance, `revision` left as it is (no History entry, no notice), on the
 * condition that the item still has the stamp (the whole map), the five
 * fields, `countedStatus`, `status` and `revision` read: an edit or a system
 * write since the scan makes it fail. shipment-events takes the record of a
 * stamp that only gained the seal of the fields it counted as no edit.
 */
export function sealWrite(fix: SealFix): ShipmentWrite {
  return {
    shipmentId: fix.shipmentId,
    set: { countedAs: fix.set },
    bumpRevision: false,
    expect: {
      countedAs: fix.read,
      ...fix.fields,
      countedStatus: fix.countedStatus,
      status: fix.status,
      revision: fix.revision ?? null,
    },
  };
}

/** One line of a fix, for a skipped or unwritten one. */
export const describeSealFix = (fix: SealFix): string =>
  `Shipment ${fix.shipmentId}: countedAs sealed (${fix.set.seal})`;

/**
 * The unsealed stamps, an upgrade note with a count and a few ids, and the
 * 3-field stamps left unsealed (`left`, {@link unsealedStampsOf}). Empty when
 * there is neither. Not a wrong result: the exit code does not count it.
 */
export function unsealedStampSection(fixes: readonly SealFix[], left: readonly string[] = []): string[] {
  if (fixes.length === 0 && left.length === 0) return [];
  const one = fixes.length === 1;
  const sealed =
    fixes.length === 0
      ? []
      : [
          `Unsealed stamps (upgrade): ${plural(fixes.length, 'HELD or RELEASED shipment')} ${one ? 'has' : 'have'} a countedAs stamp without a seal, true to ${one ? 'its' : 'their'} fields: ${listFew(fixes.map((f) => f.shipmentId))}.`,
          `Until sealed, a find and replace over ${one ? 'its' : 'their'} JSON (stamp too) could reach a license pass before it is set back. --fix seals ${one ? 'it' : 'them'}, without a new revision or a notice; nothing is wrong meanwhile, so ${one ? 'it does' : 'they do'} not change the exit code.`,
        ];
  const unsure =
    left.length === 0
      ? []
      : [
          `${plural(left.length, 'three-field stamp')} left unsealed: ${left.length === 1 ? 'its customer, sku or index key (the license the system counts it under) differs from its licenseId' : 'their customer, sku or index key (the license the system counts them under) differs from their licenseId'}'s license; check ${left.length === 1 ? 'it' : 'them'} (an edit of customerId or licenseId may wait in the DLQ: \`clearance dlq list\`): ${listFew(left)}.`,
        ];
  return ['', ...sealed, ...unsure];
}
