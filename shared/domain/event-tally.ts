/**
 * The tally of a license event (docs/messages.md, "Digests"): what a
 * license's passes committed under one decision (an approval, a suspension,
 * an amendment...), counted per (customer, warehouse, event type) in one
 * item of the Tallies table. Every transaction of a pass adds its own
 * shipments to it in the same TransactWriteItems, so a crash, a retried
 * transaction or a dropped write can neither lose nor double-count one. When
 * the pass ends, the license engine sends one digest per customer and one per
 * warehouse (and event type) from it, then deletes it (see
 * shared/engine/event-digests.ts).
 */
import type { HoldReason } from './model.js';
import type { ShipmentEventType } from './notifications.js';
import type { RawItem } from './ports.js';

/** How many shipment lines a tally keeps per (customer, warehouse, event type): the digest lists 25. */
export const TALLY_LINES = 25;
/**
 * Lines a tally item keeps in all, across its groups: with ids at their
 * longest (128 characters, ID_PATTERN) a line is about 260 bytes, so 800
 * keep the item well under DynamoDB's 400 KB beside its groups' counts. A
 * group past it is counted, with no lines listed (the digest says how many).
 */
export const TALLY_ITEM_LINES = 800;
/**
 * Groups one transaction's tally update may name: each is about 75
 * characters of UpdateExpression, which DynamoDB caps at 4 KB. A relabel of
 * shipments of many warehouses is cut into more transactions
 * (shared/domain/transactions.ts); a release moves one Inventory item a
 * transaction where it can, so it names one or two.
 */
export const MAX_TALLY_GROUPS = 32;
/** Days a tally item lives if it is never sent (TTL): a license deleted mid-pass leaves one. */
export const TALLY_TTL_DAYS = 30;

/** One shipment as a digest lists it. */
export interface TallyLine {
  shipmentId: string;
  quantity: number;
  sku: string;
  holdReason?: HoldReason;
}

/** What a shipment write of a license pass tells its event's tally. */
export interface TallyNotice {
  customerId: string;
  warehouseId: string;
  eventType: Extract<ShipmentEventType, 'SHIPMENT_RELEASED' | 'SHIPMENT_REHELD' | 'SHIPMENT_HOLD_UPDATED'>;
  line: TallyLine;
}

/**
 * The tally a slice of a pass writes to: the license, its event (the
 * license's last decision), a nonce the first write keeps (`opened`: the
 * pass's token, so the digests of two tallies of one event, sent one after
 * the other, have different `dedupKey`s), and the lines each group may still
 * keep. `room` is lowered as transactions commit (one is in flight per
 * license, so the next is built after the last committed).
 */
export interface TallyTarget {
  licenseId: string;
  event: string;
  opened: string;
  room: Map<string, number>;
}

/** What one transaction adds to its event's tally. */
export interface TallyUpdate {
  licenseId: string;
  event: string;
  opened: string;
  /** Count and units to ADD, per group. */
  add: Map<string, { count: number; quantity: number }>;
  /** Lines to append, per group (only while the group keeps fewer than TALLY_LINES). */
  lines: Map<string, TallyLine[]>;
  /** Epoch seconds after which DynamoDB may delete the item. */
  expiresAt: number;
}

/** One group of a tally, as the digests read it. */
export interface TallyGroup {
  customerId: string;
  warehouseId: string;
  eventType: TallyNotice['eventType'];
  count: number;
  quantity: number;
  lines: TallyLine[];
}

/** A tally as read back: its groups, and what makes its digests' `dedupKey`. */
export interface Tally {
  licenseId: string;
  event: string;
  opened: string;
  /** Transactions that added to it (`ADD 1` each): the delete after sending is conditional on it. */
  transactions: number;
  groups: TallyGroup[];
}

/** The event key of a license's passes: its last decision, or `none` for a license applied before decisions were kept. */
export function eventKeyOf(lastDecision: unknown): string {
  if (typeof lastDecision !== 'object' || lastDecision === null) return 'none';
  const { eventType, at } = lastDecision as Record<string, unknown>;
  return typeof at === 'string' && at !== '' ? `${String(eventType ?? 'LICENSE')}@${at}` : 'none';
}

/**
 * Orders tallies by the time of their event (the `at` after `@` in
 * `<eventType>@<at>`; `none`, a license applied before decisions were kept,
 * first), so their digests leave in the order the decisions were taken. The
 * Tallies table's sort key is the event, so a Query lists them by event
 * type's name instead: a suspension's re-hold after the reinstatement's release.
 */
export function byEventTime(a: Pick<Tally, 'event'>, b: Pick<Tally, 'event'>): number {
  const at = (event: string) => (event.includes('@') ? event.slice(event.indexOf('@') + 1) : '');
  const [x, y] = [at(a.event), at(b.event)];
  if (x !== y) return x < y ? -1 : 1;
  return a.event < b.event ? -1 : a.event > b.event ? 1 : 0;
}

/** A group's name: customer, warehouse and event type (ids never hold `|`, see ID_PATTERN). */
export const groupName = (n: Pick<TallyNotice, 'customerId' | 'warehouseId' | 'eventType'>): string =>
  `${n.customerId}|${n.warehouseId}|${n.eventType}`;

/** The item attributes of a group: count, units, lines. */
export const tallyAttrs = (group: string) => ({
  count: `n|${group}`,
  quantity: `q|${group}`,
  lines: `l|${group}`,
});

/** The tally update of the writes of one transaction, or undefined when none of them is a pass's. */
export function tallyUpdateOf(
  target: TallyTarget,
  writes: readonly { notice?: TallyNotice }[],
  now: Date,
): TallyUpdate | undefined {
  const add = new Map<string, { count: number; quantity: number }>();
  const lines = new Map<string, TallyLine[]>();
  let budget = TALLY_ITEM_LINES - linesKept(target.room);
  for (const { notice } of writes) {
    if (!notice) continue;
    const group = groupName(notice);
    const sum = add.get(group) ?? { count: 0, quantity: 0 };
    sum.count++;
    sum.quantity += notice.line.quantity;
    add.set(group, sum);
    const kept = lines.get(group) ?? [];
    if (kept.length < (target.room.get(group) ?? TALLY_LINES) && budget > 0) {
      kept.push(notice.line);
      budget--;
    }
    lines.set(group, kept);
  }
  if (add.size === 0) return undefined;
  for (const [group, kept] of lines) if (kept.length === 0) lines.delete(group);
  return {
    licenseId: target.licenseId,
    event: target.event,
    opened: target.opened,
    add,
    lines,
    expiresAt: Math.floor(now.getTime() / 1000) + TALLY_TTL_DAYS * 86_400,
  };
}

/** The lines a tally keeps in all, from the room its groups have left. */
const linesKept = (room: ReadonlyMap<string, number>): number =>
  [...room.values()].reduce((kept, left) => kept + (TALLY_LINES - left), 0);

/** Records the lines of a committed update as kept. */
export function tallyCommitted(target: TallyTarget, update: TallyUpdate): void {
  for (const [group, kept] of update.lines)
    target.room.set(group, (target.room.get(group) ?? TALLY_LINES) - kept.length);
}

const EVENT_TYPES = new Set(['SHIPMENT_RELEASED', 'SHIPMENT_REHELD', 'SHIPMENT_HOLD_UPDATED']);

/** A tally item as read, or undefined when it is not one (edited by hand). */
export function parseTally(raw: RawItem): Tally | undefined {
  const { licenseId, event, opened } = raw;
  if (typeof licenseId !== 'string' || typeof event !== 'string') return undefined;
  const groups: TallyGroup[] = [];
  for (const [attr, v] of Object.entries(raw)) {
    if (!attr.startsWith('n|') || typeof v !== 'number') continue;
    const group = attr.slice(2);
    const [customerId, warehouseId, eventType] = group.split('|');
    if (!customerId || !warehouseId || !eventType || !EVENT_TYPES.has(eventType)) continue;
    const attrs = tallyAttrs(group);
    const quantity = raw[attrs.quantity];
    const lines = Array.isArray(raw[attrs.lines]) ? (raw[attrs.lines] as unknown[]) : [];
    groups.push({
      customerId,
      warehouseId,
      eventType: eventType as TallyGroup['eventType'],
      count: v,
      quantity: typeof quantity === 'number' ? quantity : 0,
      lines: lines.flatMap(lineOf),
    });
  }
  return {
    licenseId,
    event,
    opened: typeof opened === 'string' ? opened : '',
    transactions: typeof raw.transactions === 'number' ? raw.transactions : 0,
    groups,
  };
}

function lineOf(v: unknown): TallyLine[] {
  if (typeof v !== 'object' || v === null) return [];
  const r = v as Record<string, unknown>;
  if (typeof r.shipmentId !== 'string' || typeof r.quantity !== 'number' || typeof r.sku !== 'string')
    return [];
  return [
    {
      shipmentId: r.shipmentId,
      quantity: r.quantity,
      sku: r.sku,
      ...(typeof r.holdReason === 'string' ? { holdReason: r.holdReason as HoldReason } : {}),
    },
  ];
}

/** The lines each group may still keep, from the event's tally item as read (undefined: none yet). */
export function roomOf(tally: Tally | undefined): Map<string, number> {
  const room = new Map<string, number>();
  for (const g of tally?.groups ?? []) room.set(groupName(g), Math.max(0, TALLY_LINES - g.lines.length));
  return room;
}
