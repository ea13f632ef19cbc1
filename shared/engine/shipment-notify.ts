import { digests, releasingLicenses, type ShipmentChange, shipmentMessage } from '../domain/notifications.js';
import type { LicenseRepository, OutgoingMessage, Publisher, ShipmentRecord } from '../domain/ports.js';

/** What the notify phase sent: the records whose messages failed (read again), counts per audience, the changes. */
export interface Notified {
  failed: string[];
  counts: { customer: number; logistics: number };
  changes: ShipmentChange[];
}

/** The committed change each record carries (its `revision` went up), with the record. */
export interface RecordedChange {
  change: ShipmentChange;
  record: ShipmentRecord;
}

/**
 * The notify phase of shipment-events: one message per committed change to
 * each audience (customer, logistics) and the digests, both audiences at
 * once. A message that still failed maps back, through the dedupKeys it
 * covers, to the stream records to read again.
 */
export async function notify(
  deps: { licenses: LicenseRepository; publisher: Publisher },
  recorded: readonly RecordedChange[],
): Promise<Notified> {
  const changes: ShipmentChange[] = [];
  const sequenceOf = new Map<string, string>();
  for (const { change, record } of recorded) {
    changes.push(change);
    sequenceOf.set(change.dedupKey, record.sequence);
  }
  const counts = { customer: 0, logistics: 0 };
  if (changes.length === 0) return { failed: [], counts, changes };
  const failed = new Set<string>();
  const releasing = await releasingLicenses(changes, (ids) => deps.licenses.batchGet(ids));
  // Both audiences at once: neither waits for the other's calls.
  await Promise.all(
    (['customer', 'logistics'] as const).map(async (audience) => {
      const messages: OutgoingMessage[] = [
        ...changes.map((c) => shipmentMessage(c, audience)),
        ...digests(changes, audience, releasing),
      ];
      const failedIds = await deps.publisher.publish(audience, messages);
      counts[audience] = messages.length - failedIds.size;
      for (const m of messages) {
        if (!failedIds.has(m.id)) continue;
        for (const key of m.covers) {
          const sequence = sequenceOf.get(key);
          if (sequence) failed.add(sequence);
        }
      }
    }),
  );
  return { failed: [...failed], counts, changes };
}
