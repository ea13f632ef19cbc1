/**
 * One digest per customer and one per warehouse (and event type) for each
 * license event (DESIGN §6): the license passes add what they commit to the
 * event's tally (shared/domain/event-tally.ts) in their own transactions;
 * this module opens a slice's tally and sends a tally once its pass ends.
 *
 * Sending is at least once, like every notification: the digests are
 * published (PublishBatch, failed entries retried), then the tally is
 * deleted on the condition that no transaction added to it meanwhile. A
 * crash in between, or a failed publish (which throws, so the stream retries
 * the license), sends the same digests again with the same `dedupKey`.
 */
import { DependencyError } from '../domain/errors.js';
import {
  byEventTime,
  eventKeyOf,
  parseTally,
  roomOf,
  type Tally,
  type TallyTarget,
} from '../domain/event-tally.js';
import { tallyDigests } from '../domain/notifications.js';
import type { Publisher, TallyRepository } from '../domain/ports.js';

/** What sending license events' digests needs. */
export interface DigestDeps {
  tallies: TallyRepository;
  publisher: Publisher;
}

/**
 * The tally a continuing slice of the license's pass adds to: the event of
 * its last decision, with the lines it keeps already. The license's tallies
 * of other events (a pass superseded by a newer decision before it ended,
 * e.g. a release suspended half-way) are sent first, oldest first. New work's first slice
 * reads nothing ({@link freshTally}).
 */
export async function openTally(
  deps: DigestDeps,
  license: { licenseId: string; lastDecision?: unknown; pendingWork?: string },
): Promise<TallyTarget> {
  const event = eventKeyOf(license.lastDecision);
  let current: Tally | undefined;
  for (const tally of await talliesOf(deps, license.licenseId)) {
    if (tally.event === event) current = tally;
    else await sendTally(deps, tally);
  }
  return {
    licenseId: license.licenseId,
    event,
    opened: license.pendingWork ?? 'none',
    room: roomOf(current),
  };
}

/**
 * The tally of a pass's first slice, read from nothing: no line of the
 * event is kept yet (a crashed first slice's retry may add a few lines past
 * 25, which the digest does not list), and the license's tallies of older
 * events are sent with this pass's when it ends ({@link sendTallies}).
 */
export function freshTally(license: {
  licenseId: string;
  lastDecision?: unknown;
  pendingWork?: string;
}): TallyTarget {
  return {
    licenseId: license.licenseId,
    event: eventKeyOf(license.lastDecision),
    opened: license.pendingWork ?? 'none',
    room: new Map(),
  };
}

/**
 * Sends every tally of the license (its pass ended), oldest event first.
 * Throws when a digest could not be published.
 */
export async function sendTallies(deps: DigestDeps, licenseId: string): Promise<void> {
  for (const tally of await talliesOf(deps, licenseId)) await sendTally(deps, tally);
}

/**
 * The license's tallies as kept (an item that does not parse is left out), in
 * the order their events were decided ({@link byEventTime}): a customer's
 * last digest of a license then says where its shipments stand.
 */
async function talliesOf(deps: DigestDeps, licenseId: string): Promise<Tally[]> {
  return (await deps.tallies.list(licenseId)).flatMap((raw) => parseTally(raw) ?? []).sort(byEventTime);
}

/** Publishes a tally's digests to customers and warehouses, then deletes it. */
async function sendTally(deps: DigestDeps, tally: Tally): Promise<void> {
  const failed = await Promise.all(
    (['customer', 'logistics'] as const).map(async (audience) => {
      const messages = tallyDigests(tally, audience);
      return messages.length === 0 ? 0 : (await deps.publisher.publish(audience, messages)).size;
    }),
  );
  const count = failed.reduce((a, b) => a + b, 0);
  if (count > 0)
    throw new DependencyError(
      `${count} digest(s) of license ${tally.licenseId} could not be published; the license is applied again`,
    );
  // False: a transaction added to it meanwhile (a pass it did not expect): it is sent again, whole, later.
  await deps.tallies.remove(tally.licenseId, tally.event, tally.transactions);
}
