import { createHash } from 'node:crypto';
import { countedAsStamp } from './counters.js';
import type { Tally } from './event-tally.js';
import type { HoldReason, ShipmentStatus } from './model.js';
import type { OutgoingMessage, RawItem } from './ports.js';

/** Event types on the customer and logistics topics (attribute `eventType`). */
export type ShipmentEventType =
  | 'SHIPMENT_HELD'
  | 'SHIPMENT_RELEASED'
  | 'SHIPMENT_REHELD'
  | 'SHIPMENT_HOLD_UPDATED'
  | 'SHIPMENT_SHIPPED'
  | 'SHIPMENT_CANCELLED';

/** The versioned machine message schema, documented in docs/messages.md. */
export const SHIPMENT_MESSAGE_SCHEMA = 'clearance.shipment-change.v1';

/** A committed shipment change, as customers and warehouses are told about it. */
/** The shipment a per-shipment notice's `dedupKey` (`<shipmentId>#r<revision>`) names, if it is one. */
export const shipmentOfDedupKey = (dedupKey: string | undefined): string | undefined =>
  /^(.+)#r\d+$/.exec(dedupKey ?? '')?.[1];

export interface ShipmentChange {
  dedupKey: string;
  eventType: ShipmentEventType;
  shipmentId: string;
  licenseId: string;
  customerId: string;
  warehouseId: string;
  sku: string;
  quantity: number;
  status: ShipmentStatus;
  previousStatus: ShipmentStatus | null;
  holdReason: HoldReason | null;
  revision: number;
  occurredAt: string;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * A stream record is a committed change iff the system bumped `revision`: every
 * system write that changes `countedStatus` or `holdReason` does, and nothing
 * else does. Rejected or rolled-back edits never bump it, so they are never
 * announced. The dedup key is `shipmentId` plus the revision, stable across
 * redelivery. The license, customer, warehouse, sku and quantity are the
 * shipment's as counted (its `countedAs`, where the stamp has them): a manual
 * edit committed after an admin changed those fields, before the change is
 * rejected and set back, is still told to the counted customer and warehouse
 * only, and entered under the counted license.
 */
export function detectChange(
  oldImage: RawItem | undefined,
  newImage: RawItem | undefined,
  occurredAt: string,
): ShipmentChange | undefined {
  if (!newImage) return undefined;
  const revision = num(newImage.revision);
  const status = str(newImage.countedStatus) as ShipmentStatus | undefined;
  if (revision === undefined || status === undefined) return undefined;
  if (revision <= (num(oldImage?.revision) ?? 0)) return undefined;
  const previous = (str(oldImage?.countedStatus) as ShipmentStatus | undefined) ?? null;
  const shipmentId = str(newImage.shipmentId) ?? '';
  const counted = countedAsStamp(newImage);
  const fixed = (field: 'licenseId' | 'customerId' | 'warehouseId' | 'sku') =>
    counted?.[field] ?? str(newImage[field]) ?? '';
  return {
    dedupKey: `${shipmentId}#r${revision}`,
    eventType: eventTypeOf(previous, status),
    shipmentId,
    licenseId: fixed('licenseId'),
    customerId: fixed('customerId'),
    warehouseId: fixed('warehouseId'),
    sku: fixed('sku'),
    quantity: counted?.quantity ?? num(newImage.quantity) ?? 0,
    status,
    previousStatus: previous,
    holdReason: status === 'HELD' ? ((str(newImage.holdReason) as HoldReason | undefined) ?? null) : null,
    revision,
    // When the revision was committed (`changedAt`, also its History entry's `at`); the stream record's time,
    // cut to the second, only for an item written before changedAt was stamped.
    occurredAt:
      str(newImage.changedAt) ??
      (str(newImage.releasedAt) && status === 'RELEASED' ? String(newImage.releasedAt) : occurredAt),
  };
}

function eventTypeOf(previous: ShipmentStatus | null, status: ShipmentStatus): ShipmentEventType {
  if (status === 'RELEASED') return 'SHIPMENT_RELEASED';
  if (status === 'SHIPPED') return 'SHIPMENT_SHIPPED';
  if (status === 'CANCELLED') return 'SHIPMENT_CANCELLED';
  if (previous === 'RELEASED') return 'SHIPMENT_REHELD';
  if (previous === 'HELD') return 'SHIPMENT_HOLD_UPDATED';
  return 'SHIPMENT_HELD';
}

const REASON_TEXT: Record<HoldReason, string> = {
  LICENSE_PENDING: 'the export license is still pending',
  LICENSE_NOT_YET_VALID: 'the export license is not valid yet',
  LICENSE_QUANTITY_EXHAUSTED: 'the export license has no quantity left for it',
  // Value is the exporter's commercial data: customers and logistics learn that the license is used up, not by how much.
  LICENSE_VALUE_EXHAUSTED: 'the export license has no room left for it',
  SHIPMENT_VALUE_MISSING: 'the shipment lacks details the export license needs',
  LICENSE_DENIED: 'the export license was denied',
  LICENSE_SUSPENDED: 'the export license was suspended',
  LICENSE_REVOKED: 'the export license was revoked',
  LICENSE_EXPIRED: 'the export license has expired',
  LICENSE_MISMATCH: 'the shipment does not match its export license (customer or product)',
};

/**
 * What re-held shipments wait for, by hold reason, in a customer's "put back
 * on hold" digest (docs/messages.md, "Digests"): DENIED, REVOKED and EXPIRED
 * are final (DESIGN §3); a limit used up needs room; a later window and a
 * reinstatement release them again without anyone asking.
 */
const REHELD_NEXT: Record<HoldReason, string> = {
  LICENSE_PENDING: 'They are released again if the export license is approved.',
  LICENSE_NOT_YET_VALID:
    'The export license now becomes valid later: they are released again when it does, as far as its limits allow.',
  LICENSE_QUANTITY_EXHAUSTED:
    'Those the export license has no quantity left for are released again only if it gets room (an amendment raising its limit, or shipments released under it cancelled).',
  LICENSE_VALUE_EXHAUSTED:
    'Those the export license has no room left for are released again only if it gets room (an amendment raising its limit, or shipments released under it cancelled).',
  SHIPMENT_VALUE_MISSING:
    'Those that lack details the export license needs are released again once the details are added, as far as its limits allow.',
  LICENSE_DENIED: 'The export license was denied, which is final: they will not be released under it.',
  LICENSE_SUSPENDED:
    'The export license is suspended: if it is reinstated, they are released again as far as its limits allow.',
  LICENSE_REVOKED: 'The export license was revoked, which is final: they will not be released under it.',
  LICENSE_EXPIRED: 'The export license has expired, which is final: they will not be released under it.',
  LICENSE_MISMATCH: 'They do not match their export license and will not be released under it.',
};

const VERB: Record<ShipmentEventType, string> = {
  SHIPMENT_HELD: 'placed on hold',
  SHIPMENT_RELEASED: 'released',
  SHIPMENT_REHELD: 'put back on hold',
  SHIPMENT_HOLD_UPDATED: 'still on hold',
  SHIPMENT_SHIPPED: 'shipped',
  SHIPMENT_CANCELLED: 'cancelled',
};

/** One JSON message per shipment change, for machine subscribers. */
export function shipmentMessage(change: ShipmentChange, audience: 'customer' | 'logistics'): OutgoingMessage {
  const scope: Record<string, string> =
    audience === 'customer' ? { customerId: change.customerId } : { warehouseId: change.warehouseId };
  return {
    id: `${audience}:${change.dedupKey}`,
    body: JSON.stringify({ schema: SHIPMENT_MESSAGE_SCHEMA, ...change }),
    covers: [change.dedupKey],
    attributes: { ...scope, eventType: change.eventType, kind: 'shipment', dedupKey: change.dedupKey },
  };
}

/** How many shipments a digest lists before it says "and N more". */
export const DIGEST_LIST_LIMIT = 25;

const plural = (n: number, one: string, many = `${one}s`) =>
  `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/**
 * Event types only a license pass commits (a release, a re-hold, a relabel):
 * their digests come from the license event's tally, one per customer and
 * one per warehouse for the whole event (shared/engine/event-digests.ts),
 * not from the stream batch that carries them.
 */
export const PASS_EVENT_TYPES: ReadonlySet<ShipmentEventType> = new Set([
  'SHIPMENT_RELEASED',
  'SHIPMENT_REHELD',
  'SHIPMENT_HOLD_UPDATED',
]);

/**
 * `subject` as an SNS subject (at most 99 characters): `head` then `tail`,
 * `head` cut short if need be so that `tail` (what happened, a deadline) is
 * never cut.
 */
export const cutBefore = (head: string, tail: string): string =>
  head.length + tail.length > 99 ? `${head.slice(0, Math.max(0, 96 - tail.length))}...${tail}` : head + tail;

/** A new shipment held as LICENSE_PENDING: queued for a release pass when its license is APPROVED. */
const awaitsPass = (c: ShipmentChange) =>
  c.eventType === 'SHIPMENT_HELD' && c.holdReason === 'LICENSE_PENDING';

/** The changes of a batch that a later revision of the same shipment in the batch follows. */
function superseded(changes: readonly ShipmentChange[]): Set<ShipmentChange> {
  const last = new Map<string, number>();
  for (const c of changes) last.set(c.shipmentId, Math.max(c.revision, last.get(c.shipmentId) ?? 0));
  return new Set(changes.filter((c) => c.revision < (last.get(c.shipmentId) ?? 0)));
}

/**
 * The licenses of a batch's new LICENSE_PENDING shipments whose applied
 * status is APPROVED, read with `read` (no read when there are none): a pass
 * of theirs tells those shipments, so {@link digests} leaves them out
 * (`releasing`).
 */
export async function releasingLicenses(
  changes: readonly ShipmentChange[],
  read: (licenseIds: readonly string[]) => Promise<ReadonlyMap<string, RawItem>>,
): Promise<Set<string>> {
  const later = superseded(changes);
  const asked = new Set(changes.filter((c) => awaitsPass(c) && !later.has(c)).map((c) => c.licenseId));
  if (asked.size === 0) return new Set();
  const licenses = await read([...asked]);
  // As the intake asks for a pass: APPROVED as typed and as applied (a rejected status typo asks for none).
  return new Set(
    [...licenses]
      .filter(([, raw]) => raw.status === 'APPROVED' && raw.appliedStatus === 'APPROVED')
      .map(([id]) => id),
  );
}

/**
 * Groups the changes of one stream batch that no license pass made (a new
 * shipment held, a manual SHIPPED or CANCELLED) into readable digests: one
 * per (customer, license, event type) or (warehouse, license, event type).
 * Each customer digest holds only that customer's shipments. Left out (their
 * per-shipment messages are still sent): a change the batch holds a later
 * revision of (the later one tells where the shipment stands), and a new
 * shipment held as LICENSE_PENDING under a license in `releasing` (APPROVED
 * as typed and as applied, read after the batch): the intake queued it for that license's release
 * pass, whose digest tells it, released or still on hold with its reason.
 */
export function digests(
  changes: readonly ShipmentChange[],
  audience: 'customer' | 'logistics',
  releasing: ReadonlySet<string> = new Set(),
): OutgoingMessage[] {
  const groups = new Map<string, ShipmentChange[]>();
  const later = superseded(changes);
  for (const c of changes) {
    if (PASS_EVENT_TYPES.has(c.eventType) || later.has(c)) continue;
    if (awaitsPass(c) && releasing.has(c.licenseId)) continue;
    const scope = audience === 'customer' ? c.customerId : c.warehouseId;
    const key = `${scope}\u0000${c.licenseId}\u0000${c.eventType}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  return [...groups.values()].map((group) => {
    const [first] = group;
    if (!first) throw new RangeError('digests: empty group');
    const dedupKey = `digest#${hashOf(group.map((c) => c.dedupKey).sort())}`;
    return renderDigest(
      {
        ...first,
        count: group.length,
        units: group.reduce((n, c) => n + c.quantity, 0),
        lines: group,
        dedupKey,
        covers: group.map((c) => c.dedupKey),
      },
      audience,
    );
  });
}

/** One shipment line of a digest. */
export type DigestLine = Pick<
  ShipmentChange,
  'shipmentId' | 'quantity' | 'sku' | 'warehouseId' | 'customerId' | 'holdReason'
>;

/** What a digest tells: one audience's shipments of one license and event type, with the totals. */
export interface DigestContent {
  licenseId: string;
  customerId: string;
  warehouseId: string;
  eventType: ShipmentEventType;
  count: number;
  units: number;
  /**
   * Some or all of the shipments, of which the first DIGEST_LIST_LIMIT by id are listed: a stream batch's
   * are all of them; a tally's are the first TALLY_LINES each (customer, warehouse) group committed.
   */
  lines: readonly DigestLine[];
  dedupKey: string;
  covers: readonly string[];
}

const hashOf = (parts: readonly string[]) =>
  createHash('sha256').update(parts.join(',')).digest('hex').slice(0, 32);

/**
 * The digests of a license event's tally (shared/domain/event-tally.ts): one
 * per (customer, event type) and one per (warehouse, event type), each with
 * the whole event's count and units. `key` names the tally as sent (license,
 * event, nonce, transactions): the same tally sent again has the same
 * `dedupKey`.
 */
export function tallyDigests(tally: Tally, audience: 'customer' | 'logistics'): OutgoingMessage[] {
  const merged = new Map<string, DigestContent & { lines: DigestLine[] }>();
  for (const g of tally.groups) {
    const scope = audience === 'customer' ? g.customerId : g.warehouseId;
    const key = `${scope}\u0000${g.eventType}`;
    const entry = merged.get(key) ?? {
      licenseId: tally.licenseId,
      customerId: g.customerId,
      warehouseId: g.warehouseId,
      eventType: g.eventType,
      count: 0,
      units: 0,
      lines: [],
      dedupKey: `digest#${hashOf([tally.licenseId, tally.event, tally.opened, String(tally.transactions), audience, scope, g.eventType])}`,
      covers: [],
    };
    entry.count += g.count;
    entry.units += g.quantity;
    for (const line of g.lines)
      entry.lines.push({
        ...line,
        customerId: g.customerId,
        warehouseId: g.warehouseId,
        holdReason: line.holdReason ?? null,
      });
    merged.set(key, entry);
  }
  return [...merged.values()].map((content) => renderDigest(content, audience));
}

function renderDigest(content: DigestContent, audience: 'customer' | 'logistics'): OutgoingMessage {
  const { count, licenseId, warehouseId, customerId, eventType } = content;
  const verb = VERB[eventType];
  // The ids are cut, never what happened: "released" and "put back on hold" must read apart in an inbox.
  const subject =
    audience === 'customer'
      ? cutBefore(
          `${count === 1 ? '1 of your shipments' : `${count.toLocaleString('en-US')} of your shipments`} under license ${licenseId}`,
          ` ${count === 1 ? 'was' : 'were'} ${verb}`,
        )
      : cutBefore(
          `Warehouse ${warehouseId}: ${plural(count, 'shipment')} under license ${licenseId}`,
          ` ${verb}`,
        );
  const listed = [...content.lines]
    .sort((a, b) => a.shipmentId.localeCompare(b.shipmentId))
    .slice(0, DIGEST_LIST_LIMIT);
  const lines = listed.map((c) => {
    const reason = c.holdReason ? ` (${REASON_TEXT[c.holdReason]})` : '';
    const where =
      audience === 'customer' ? `from warehouse ${c.warehouseId}` : `for customer ${c.customerId}`;
    return `  - ${c.shipmentId}: ${c.quantity} × ${c.sku} ${where}${reason}`;
  });
  const more =
    count > listed.length
      ? [
          `  … and ${(count - listed.length).toLocaleString('en-US')} more (${count.toLocaleString('en-US')} in total).`,
        ]
      : [];
  const units = content.units.toLocaleString('en-US');
  const intro =
    audience === 'customer'
      ? `Hello,\n\n${plural(count, 'shipment')} (${units} units) under export license ${licenseId} ${count === 1 ? 'was' : 'were'} ${verb}.`
      : `${plural(count, 'shipment')} (${units} units) at warehouse ${warehouseId} under export license ${licenseId} ${count === 1 ? 'was' : 'were'} ${verb}.`;
  const action = actionOf(eventType, audience, listed);
  const body = [intro, '', ...lines, ...more, ...(action ? ['', action] : []), '', '— clearance'].join('\n');
  const { dedupKey } = content;
  const scope: Record<string, string> = audience === 'customer' ? { customerId } : { warehouseId };
  return {
    id: `${audience}:${dedupKey}`,
    subject,
    body,
    attributes: { ...scope, eventType, kind: 'digest', dedupKey },
    covers: content.covers,
  };
}

/**
 * What to do, closing a digest: pick and pack, or stop; a customer's re-hold
 * also says what the shipments wait for, by the hold reasons of those listed.
 */
function actionOf(
  eventType: ShipmentEventType,
  audience: 'customer' | 'logistics',
  listed: readonly DigestLine[],
): string {
  if (eventType === 'SHIPMENT_RELEASED')
    return audience === 'customer'
      ? 'These shipments are cleared for export and will be picked and packed.'
      : 'Please pick and pack these shipments.';
  if (eventType !== 'SHIPMENT_REHELD') return '';
  if (audience === 'logistics') return 'Do not ship these: stop picking and return them to the held area.';
  const reasons = new Set(listed.flatMap((c) => (c.holdReason ? [c.holdReason] : [])));
  const next = (Object.keys(REHELD_NEXT) as HoldReason[])
    .filter((r) => reasons.has(r))
    .map((r) => REHELD_NEXT[r]);
  return ['These shipments may not leave the warehouse.', ...next].join(' ');
}
