import { parseItem, ShipmentSchema } from '../shared/domain/model.js';
import { copiedFrom, holdOrderKey } from '../shared/domain/planning.js';
import type { RawItem, ShipmentWrite } from '../shared/domain/ports.js';
import { GSI_ATTR } from '../shared/names.js';
import { listFew, plural } from './format.js';

/**
 * A HELD or RELEASED shipment whose stored `holdOrder` is not `holdOrderKey()`
 * of it: one written by an earlier version of the key (before requestedAt's
 * digits finer than the millisecond counted), or one left without it. The
 * held index releases in `holdOrder` and the released index re-holds in its
 * reverse, so such a shipment goes out of turn. shipment-events rewrites it
 * only when a stream record of that shipment comes by; `reconcile --fix`
 * rewrites it now.
 */
export interface HoldOrderFix {
  kind: 'holdOrder';
  shipmentId: string;
  /** `holdOrder` as read; undefined: absent. */
  read: string | undefined;
  set: string;
  /** `revision` as read (undefined: absent); the write is conditional on it too. */
  revision: number | undefined;
  /** What the key is made of, as read: the write is conditional on each. */
  countedStatus: 'HELD' | 'RELEASED';
  priority: number;
  requestedAt: string;
}

/**
 * The shipments whose `holdOrder` is stale, in the order read. A copy of
 * another shipment (its `holdOrder` names that one) is the copy intake's to
 * take in, and an item that does not parse has no key to compare with: both
 * are left out, as shipment-events leaves them.
 */
export function staleHoldOrders(shipments: readonly RawItem[]): HoldOrderFix[] {
  const fixes: HoldOrderFix[] = [];
  for (const raw of shipments) {
    const counted = raw.countedStatus;
    if ((counted !== 'HELD' && counted !== 'RELEASED') || copiedFrom(raw) !== undefined) continue;
    const p = parseItem(ShipmentSchema, raw);
    if (!p.ok) continue;
    const s = p.value;
    const key = holdOrderKey(s);
    const read = raw[GSI_ATTR.holdOrder];
    if (read === key) continue;
    fixes.push({
      kind: 'holdOrder',
      shipmentId: s.shipmentId,
      read: typeof read === 'string' ? read : undefined,
      set: key,
      revision: s.revision,
      countedStatus: counted,
      priority: s.priority,
      requestedAt: s.requestedAt,
    });
  }
  return fixes;
}

/**
 * The write of a fix: the one shipment-events makes when it restamps a
 * shipment (`holdOrder` set, `changedBy` = clearance, `revision` left as it
 * is, so no History entry and no notice follow), on the condition that the
 * item still has the `holdOrder`, `revision`, `countedStatus`, `priority` and
 * `requestedAt` read: a system write or an edit since the scan makes it fail.
 */
export function holdOrderWrite(fix: HoldOrderFix): ShipmentWrite {
  return {
    shipmentId: fix.shipmentId,
    set: { [GSI_ATTR.holdOrder]: fix.set },
    bumpRevision: false,
    expect: {
      [GSI_ATTR.holdOrder]: fix.read ?? null,
      revision: fix.revision ?? null,
      countedStatus: fix.countedStatus,
      priority: fix.priority,
      requestedAt: fix.requestedAt,
    },
  };
}

/** One line of a fix, for a skipped or unwritten one. */
export const describeHoldOrderFix = (fix: HoldOrderFix): string =>
  `Shipment ${fix.shipmentId}: holdOrder ${fix.read ?? 'absent'} → ${fix.set}`;

/** The stale hold order finding, with a count and a few ids. Empty when there is none. */
export function staleHoldOrderSection(fixes: readonly HoldOrderFix[]): string[] {
  if (fixes.length === 0) return [];
  const one = fixes.length === 1;
  return [
    '',
    `Stale hold order: ${plural(fixes.length, 'HELD or RELEASED shipment')} ${one ? 'has' : 'have'} a holdOrder that is not the one ${one ? 'its' : 'their'} priority, requestedAt and shipmentId give (holdOrderKey): ${listFew(fixes.map((f) => f.shipmentId))}.`,
    `Releases of ${one ? 'its' : 'their'} license, and re-holds under a lowered limit, go out of turn until it is rewritten (a key an earlier version wrote, or a priority or requestedAt edit shipment-events has not restamped yet). --fix rewrites it, without a new revision or a notice.`,
  ];
}
