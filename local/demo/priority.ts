/**
 * Priority order (DESIGN §4): what each APPROVED license released is what
 * first-fit in hold order takes of its backlog, worked out again with the
 * domain's own planning (planRelease, roomOf) from the backlog and the
 * limits History shows: the approval's pass under the limits before the
 * amendment, then the amendment's pass over what was still HELD. Only a
 * license whose whole backlog was there before its approval, and whose
 * History the replay follows (local/demo/replay.ts).
 */
import { parseItem, type Shipment, ShipmentSchema } from '../../shared/domain/model.js';
import { compareHoldOrder, planRelease, roomOf } from '../../shared/domain/planning.js';
import type { RawItem } from '../../shared/domain/ports.js';
import { type Phase, phasesOf } from './replay.js';

/** When each shipment first appears in History (its intake). */
function arrivals(history: readonly RawItem[]): Map<string, number> {
  const first = new Map<string, number>();
  for (const e of history) {
    if (typeof e.shipmentId !== 'string') continue;
    const at = Date.parse(String(e.at));
    first.set(e.shipmentId, Math.min(at, first.get(e.shipmentId) ?? at));
  }
  return first;
}

/** The ids first-fit in hold order releases of `backlog` (HELD again, as before the approval), phase by phase. */
function firstFit(phases: readonly Phase[], backlog: readonly Shipment[]): Set<string> {
  const released = new Set<string>();
  const drawn = { quantity: 0, value: 0 };
  let held = backlog.map((s) => ({ ...s, status: 'HELD' as const })).sort(compareHoldOrder);
  for (const { license, at } of phases) {
    const room = roomOf({ ...license, releasedQuantity: drawn.quantity, releasedValue: drawn.value });
    const plan = planRelease(license, held, room, at);
    for (const s of plan.release) {
      released.add(s.shipmentId);
      drawn.quantity += s.quantity;
      drawn.value += s.value ?? 0;
    }
    held = held.filter((s) => !released.has(s.shipmentId));
  }
  return released;
}

const listed = (ids: readonly string[]) =>
  ids.length === 0 ? '-' : `${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ` (${ids.length} in all)` : ''}`;

/** Each APPROVED license's RELEASED (and SHIPPED) shipments against first-fit in hold order: problems, none when they agree. */
export function priorityProblems(
  licenses: readonly RawItem[],
  shipments: readonly RawItem[],
  history: readonly RawItem[],
): string[] {
  const arrived = arrivals(history);
  const problems: string[] = [];
  for (const raw of licenses) {
    const phases = raw.appliedStatus === 'APPROVED' ? phasesOf(raw, history) : undefined;
    const approval = phases?.[0]?.at.getTime();
    if (phases === undefined || approval === undefined) continue;
    const own = shipments.filter((s) => s.licenseId === raw.licenseId);
    const backlog = own.flatMap((s) => {
      const p = parseItem(ShipmentSchema, s);
      return p.ok && (arrived.get(p.value.shipmentId) ?? Number.POSITIVE_INFINITY) <= approval
        ? [p.value]
        : [];
    });
    // A shipment that came later, or was shipped or cancelled by hand: no longer the backlog first-fit planned.
    if (backlog.length !== own.length || backlog.some((s) => s.status === 'CANCELLED')) continue;
    const expected = firstFit(phases, backlog);
    const actual = new Set(backlog.filter((s) => s.status !== 'HELD').map((s) => s.shipmentId));
    const missing = [...expected].filter((id) => !actual.has(id));
    const extra = [...actual].filter((id) => !expected.has(id));
    if (missing.length + extra.length > 0)
      problems.push(
        `${String(raw.licenseId)}: first-fit in hold order releases ${expected.size} shipments, ${actual.size} are released; not released: ${listed(missing)}; released out of order: ${listed(extra)}`,
      );
  }
  return problems;
}
