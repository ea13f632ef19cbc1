/**
 * The console's "Duplicate item" in a chaos run: an admin copies a shipment,
 * every attribute (the system's too) under a new `shipmentId`, while licenses
 * release, re-hold and ship. The shipment may be in any state (HELD,
 * RELEASED, SHIPPED, CANCELLED), counted or mid-edit (its `status` edited a
 * moment before and not yet applied). A copy of a counted shipment
 * (`copiedFrom`) must be taken in by shipment-events as a new HELD shipment
 * (shared/engine/shipment-copies.ts); {@link checkCopies} proves it at the end.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { copiedFrom } from '../../shared/domain/planning.js';
import type { RawItem } from '../../shared/domain/ports.js';
import type { ReceivedMessage } from '../helpers/stack.js';
import type { Amender } from './amendments.js';
import type { Store } from './checks.js';

/** One "Duplicate item" the script made. */
export interface ConsoleCopy {
  readonly copyId: string;
  /** The item copied. */
  readonly sourceId: string;
  /** The shipment the copy names in its holdOrder (`copiedFrom`); none when the item copied was not counted yet. */
  readonly from: string | undefined;
  /** The copy as put. */
  readonly item: RawItem;
}

const STATES = ['HELD', 'RELEASED', 'SHIPPED', 'CANCELLED', 'mid-edit'] as const;

/**
 * Up to `count` "Duplicate item"s of shipments under `licenseIds`, each of a
 * shipment in a state picked by the seed (one the licenses have now), or
 * mid-edit: a HELD or RELEASED shipment's status edited (CANCELLED, or
 * SHIPPED when RELEASED) and copied right after, before shipment-events has
 * applied the edit. A shipment already counted is chosen where there is one
 * (waiting up to 3 s for the intake to count one): a copy of one not counted
 * yet is a plain new shipment. `tag` keeps copy ids of concurrent branches apart.
 */
export async function duplicateItems(
  m: Amender,
  licenseIds: readonly string[],
  count: number,
  tag: string,
): Promise<void> {
  for (let i = 0; i < count; i++) {
    await sleep(m.rng.int(0, 400));
    const licenseId = m.rng.pick(licenseIds);
    const state = m.rng.pick(STATES);
    const items = await countedOf(m, licenseId, 3_000);
    const movable = (s: RawItem) =>
      s.status === s.countedStatus && ['HELD', 'RELEASED'].includes(String(s.status));
    const inState = items.filter((s) => (state === 'mid-edit' ? movable(s) : s.status === state));
    const counted = (xs: RawItem[]) => m.rng.shuffle(xs.filter((s) => s.countedStatus !== undefined))[0];
    const source = counted(inState) ?? counted(items) ?? m.rng.shuffle(items)[0];
    if (source === undefined) continue;
    const sourceId = String(source.shipmentId);
    if (state === 'mid-edit' && movable(source)) {
      const to = source.status === 'RELEASED' && m.rng.chance(0.5) ? 'SHIPPED' : 'CANCELLED';
      m.note(`console: ${sourceId} status ${String(source.status)} → ${to}, then "Duplicate item"`);
      await m.a.setShipmentStatus(sourceId, to);
    }
    const copyId = `${sourceId}-C${tag}${i}`;
    const item = await m.a.duplicateShipment(sourceId, copyId);
    if (item === undefined) continue;
    const from = copiedFrom(item);
    m.note(
      `console: "Duplicate item" ${sourceId} → ${copyId} (status ${String(item.status)}, counted ${String(item.countedStatus ?? '(not yet)')}, revision ${String(item.revision ?? '(none)')})`,
    );
    m.log.copies.push({ copyId, sourceId, from, item });
  }
}

/** The license's shipments, once one of them is counted or `ms` have passed. */
async function countedOf(m: Amender, licenseId: string, ms: number): Promise<RawItem[]> {
  const end = Date.now() + ms;
  for (;;) {
    const items = await m.a.shipmentsOf(licenseId);
    if (items.some((s) => s.countedStatus !== undefined) || Date.now() >= end) return items;
    await sleep(100);
  }
}

/** The Shipments stream's new images of `ids`, oldest first per shard (read by chaos-run). */
export function imagesOf(
  records: readonly DynamoDBRecord[],
  ids: ReadonlySet<string>,
): Map<string, RawItem[]> {
  const out = new Map<string, RawItem[]>();
  for (const r of records) {
    const image = r.dynamodb?.NewImage;
    if (!image) continue;
    const item = unmarshall(image as Parameters<typeof unmarshall>[0]) as RawItem;
    const id = String(item.shipmentId);
    if (ids.has(id)) out.set(id, [...(out.get(id) ?? []), item]);
  }
  return out;
}

const revisionOf = (entryId: unknown): number | undefined => {
  const m = /#r(\d+)$/.exec(String(entryId));
  return m ? Number(m[1]) : undefined;
};

/**
 * Each copy of a counted shipment, once the stack is quiet:
 * - was taken in: no longer a copy, its own `holdOrder`, counted (or its
 *   edit rejected), so checkInvariants and the History check count it (I2,
 *   I3, I6 over the whole store then include it);
 * - was counted HELD once: History holds one entry per revision 1..revision
 *   of its own, the first SHIPMENT_HELD from nothing; later ones are the
 *   releases, re-holds and edits of any shipment;
 * - moved no counter while it was a copy: every stream image in which it was
 *   still a copy has the `countedStatus`, `revision` and `countedValue` it was
 *   put with (a license pass or intake that moved it would have changed them);
 * - was alerted to ops, naming the shipment it copies.
 * A copy of a shipment not yet counted is a plain new shipment, and the
 * ordinary checks cover it.
 */
export function checkCopies(
  store: Store,
  copies: readonly ConsoleCopy[],
  opsMessages: readonly ReceivedMessage[],
  images: ReadonlyMap<string, readonly RawItem[]>,
): string[] {
  const problems: string[] = [];
  const shipments = new Map(store.shipments.map((s) => [String(s.shipmentId), s]));
  for (const c of copies) {
    const what = `console copy ${c.copyId} of ${c.sourceId}`;
    const s = shipments.get(c.copyId);
    if (s === undefined) {
      problems.push(`${what}: gone from the Shipments table`);
      continue;
    }
    if (c.from === undefined) continue;
    if (copiedFrom(s) !== undefined)
      problems.push(
        `${what}: never taken in (holdOrder ${String(s.holdOrder)}, counted ${String(s.countedStatus)})`,
      );
    else if (!String(s.holdOrder).endsWith(`#${c.copyId}`) && s.countedStatus !== undefined)
      problems.push(`${what}: counted under holdOrder ${String(s.holdOrder)}, not its own`);
    if (s.countedStatus === undefined && s.statusError === undefined)
      problems.push(`${what}: taken in but never counted`);
    const entries = store.history.filter(
      (e) => e.shipmentId === c.copyId && revisionOf(e.entryId) !== undefined,
    );
    const revision = typeof s.revision === 'number' ? s.revision : 0;
    const revisions = entries.map((e) => revisionOf(e.entryId) ?? 0).sort((a, b) => a - b);
    const expected = Array.from({ length: revision }, (_, i) => i + 1);
    if (JSON.stringify(revisions) !== JSON.stringify(expected))
      problems.push(
        `${what}: History revisions [${revisions.join(', ')}], its item is at revision ${revision}`,
      );
    const first = entries.find((e) => revisionOf(e.entryId) === 1);
    if (
      revision > 0 &&
      (first?.eventType !== 'SHIPMENT_HELD' || first.status !== 'HELD' || first.previousStatus)
    )
      problems.push(
        `${what}: its first History entry is ${first ? `${String(first.eventType)} ${String(first.previousStatus)} → ${String(first.status)}` : 'missing'}, not SHIPMENT_HELD from nothing`,
      );
    for (const image of images.get(c.copyId) ?? []) {
      if (copiedFrom(image) === undefined) continue;
      const moved = ['countedStatus', 'revision', 'countedValue'].filter(
        (k) => JSON.stringify(image[k] ?? null) !== JSON.stringify(c.item[k] ?? null),
      );
      if (moved.length > 0)
        problems.push(
          `${what}: moved while still a copy (${moved.map((k) => `${k} ${String(c.item[k])} → ${String(image[k])}`).join(', ')})`,
        );
    }
    if (
      !opsMessages.some(
        (m) => m.attributes.shipmentId === c.copyId && m.body.includes(`copy of shipment ${c.from}`),
      )
    )
      problems.push(`${what}: ops was never alerted that it was taken in as a new shipment`);
  }
  return problems;
}
