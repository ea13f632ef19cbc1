/**
 * The email digests (DESIGN §6, I4): CUST-ALPHA's and each warehouse's
 * email subscription, on queues. Each digest is its subscriber's own: the
 * `customerId` or `warehouseId` it was routed on is the owner, and every
 * shipment it names is one of the owner's. And each license decision that
 * changed shipments of the owner (released, re-held, a new hold reason)
 * reached it: at least one digest per decision and kind of change.
 */
import type { RawItem } from '../../shared/domain/ports.js';
import type { Queue, Subscribers } from './subscribers.js';

/** An email queue and whose it is: a customer's (customerId) or a warehouse's (warehouseId). */
interface Owned {
  queue: Queue;
  owner: string;
  attribute: 'customerId' | 'warehouseId';
}

/** The shipment changes a license decision sets off, each of which an email subscriber hears of in a digest. */
const DECIDED = new Set(['SHIPMENT_RELEASED', 'SHIPMENT_REHELD', 'SHIPMENT_HOLD_UPDATED']);

/** The email queues with their owners. */
export function emailQueues(subscribers: Subscribers): Owned[] {
  return [
    {
      queue: subscribers.digest,
      owner: subscribers.digest.name.replace(/-email$/, ''),
      attribute: 'customerId',
    },
    ...[...subscribers.logisticsDigests].map(([owner, queue]) => ({
      queue,
      owner,
      attribute: 'warehouseId' as const,
    })),
  ];
}

/** Every digest in its owner's queue only: attributes and the shipments it names. */
function isolationProblems(owned: Owned, byId: ReadonlyMap<string, RawItem>): string[] {
  const { queue, owner, attribute } = owned;
  const problems: string[] = [];
  for (const m of queue.messages) {
    if (m.attributes.kind !== 'digest')
      problems.push(`${queue.name} received a ${m.attributes.kind} message`);
    if (m.attributes[attribute] !== owner)
      problems.push(`${queue.name} received a digest for ${attribute} ${m.attributes[attribute]}`);
    const foreign = [...new Set(m.body.match(/[\w-]+/g) ?? [])].filter((word) => {
      const s = byId.get(word);
      return s !== undefined && s[attribute] !== owner;
    });
    if (foreign.length > 0)
      problems.push(
        `${queue.name} received a digest naming ${foreign.slice(0, 5).join(', ')}, not ${owner}'s`,
      );
  }
  return problems;
}

/**
 * What each owner must have heard of: per license and kind of change, the
 * decisions (their `trigger`) that changed shipments of the owner.
 */
function decided(history: readonly RawItem[], byId: ReadonlyMap<string, RawItem>, owned: Owned) {
  const due = new Map<string, Set<string>>();
  for (const e of history) {
    const s = byId.get(String(e.shipmentId));
    if (!DECIDED.has(String(e.eventType)) || e.trigger === undefined || s?.[owned.attribute] !== owned.owner)
      continue;
    const key = `${String(e.licenseId)}|${String(e.eventType)}`;
    due.set(key, (due.get(key) ?? new Set()).add(JSON.stringify(e.trigger)));
  }
  return due;
}

/** At least one digest per decision and kind of change that touched the owner's shipments. */
function missingProblems(owned: Owned, history: readonly RawItem[], byId: ReadonlyMap<string, RawItem>) {
  const problems: string[] = [];
  for (const [key, decisions] of decided(history, byId, owned)) {
    const [licenseId, eventType] = key.split('|');
    const got = new Set(
      owned.queue.messages
        .filter(
          (m) => m.attributes.eventType === eventType && m.body.includes(`export license ${licenseId} `),
        )
        .map((m) => m.attributes.dedupKey),
    ).size;
    if (got < decisions.size)
      problems.push(
        `${owned.queue.name}: ${decisions.size} decision(s) of ${licenseId} changed ${owned.owner}'s shipments (${eventType}), ${got} digest(s) said so`,
      );
  }
  return problems;
}

/** The email digests' problems: isolation, then what is missing; none when they hold. */
export function digestProblems(
  subscribers: Subscribers,
  shipments: readonly RawItem[],
  history: readonly RawItem[],
): string[] {
  const byId = new Map(shipments.map((s) => [String(s.shipmentId), s]));
  return emailQueues(subscribers).flatMap((owned) => [
    ...isolationProblems(owned, byId),
    ...missingProblems(owned, history, byId),
  ]);
}
