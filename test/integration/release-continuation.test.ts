/**
 * A release longer than its time slice (RELEASE_TIME_BUDGET_MS = 1 ms here)
 * continues in later invocations through new `pendingWork` tokens on the
 * Licenses stream, and does not hold up another license's approval.
 */
import { describe, expect, it } from 'vitest';
import type { RawItem } from '../../shared/domain/ports.js';
import { adminConsole } from '../helpers/admin-console.js';
import { heldBacklog } from '../helpers/factories.js';
import {
  type AdminConsole,
  expectCounters,
  givenLicense,
  idsWith,
  invocationsOf,
  seedAcceptedBacklog,
  settledLicense,
  shipmentsOf,
  sleep,
} from '../helpers/release-kit.js';
import { useLocalStack } from '../helpers/stack.js';

const local = useLocalStack({ environmentOverrides: { RELEASE_TIME_BUDGET_MS: '1' } });
const s = adminConsole(local);

const BIG = 2_000;

const isDone = (l: RawItem) => l.appliedStatus === 'APPROVED' && l.pendingWork === undefined;

/**
 * Polls two licenses until both are done. `first` is read before `second` in
 * every poll (consistent reads), so "first done while second is not" in one
 * poll proves first finished before second did.
 */
function watchPair(s: AdminConsole, first: string, second: string) {
  const seen = {
    secondTokens: new Set<string>(),
    secondCursors: new Set<string>(),
    /** `second` as read right after `first` was first seen done. */
    secondWhenFirstDone: undefined as RawItem | undefined,
    firstDoneAt: 0,
    secondDoneAt: 0,
  };
  const started = Date.now();
  let stop = false;
  const loop = (async () => {
    while (!stop && (seen.firstDoneAt === 0 || seen.secondDoneAt === 0)) {
      const a = await s.license(first);
      const b = await s.license(second);
      if (typeof b.pendingWork === 'string') seen.secondTokens.add(b.pendingWork);
      if (typeof b.workCursor === 'string') seen.secondCursors.add(b.workCursor);
      if (seen.firstDoneAt === 0 && isDone(a)) {
        seen.firstDoneAt = Date.now() - started;
        seen.secondWhenFirstDone = b;
      }
      if (seen.secondDoneAt === 0 && isDone(b)) seen.secondDoneAt = Date.now() - started;
      // Each poll is two reads on the DynamoDB Local the release itself is waiting for: 50 ms
      // apart, still many per slice of the big release (each a second or more here).
      await sleep(50);
    }
  })();
  return {
    async result() {
      stop = true;
      await loop;
      return seen;
    },
  };
}

describe('long release', () => {
  it(`releases ${BIG} shipments over several invocations, while a license approved right after it finishes first`, async ({
    annotate,
  }) => {
    const big = await givenLicense(s, { authorizedQuantity: 3 * BIG });
    const backlog = heldBacklog(BIG, (i) => ({
      licenseId: big.license.licenseId,
      sku: big.license.sku,
      quantity: 1 + (i % 3),
      warehouseId: i % 2 === 0 ? 'WH-1' : 'WH-2',
    }));
    await seedAcceptedBacklog(local, big.license, backlog);
    const small = await givenLicense(s, { authorizedQuantity: 50 });
    const smallBacklog = [
      small.shipment({ quantity: 20 }),
      small.shipment({ quantity: 30, warehouseId: 'WH-2' }),
    ];
    await s.putShipments(smallBacklog);
    await local.drain({ timeoutMs: 60_000 });
    const invocationsBefore = invocationsOf(local, 'license-events');

    await s.setLicenseStatus(big.license.licenseId, 'APPROVED');
    await s.setLicenseStatus(small.license.licenseId, 'APPROVED');
    const watch = watchPair(s, small.license.licenseId, big.license.licenseId);
    await local.drain({ timeoutMs: 120_000 });
    const seen = await watch.result();
    const invocations = invocationsOf(local, 'license-events') - invocationsBefore;
    await annotate(
      `small done after ${seen.firstDoneAt} ms, big after ${seen.secondDoneAt} ms; ${invocations} license-events invocations; ` +
        `${seen.secondTokens.size} pendingWork tokens and ${seen.secondCursors.size} cursors of the big one seen`,
    );

    // The small approval was done while the big release was still under way.
    expect(seen.firstDoneAt, 'the small license was seen done').toBeGreaterThan(0);
    expect(seen.secondWhenFirstDone?.pendingWork, 'big still had work when small was done').toEqual(
      expect.any(String),
    );
    expect(Number(seen.secondWhenFirstDone?.releasedQuantity)).toBeLessThan(
      backlog.reduce((n, x) => n + x.quantity, 0),
    );
    // The big release went on in slices: each hand-over is a new token and a new invocation. Its cursor is
    // the page of the earliest write planned and not sent (here mostly the first page: a 1 ms slice commits
    // the transaction in flight and hands over, so the next slice reads the held index from the start).
    expect(seen.secondTokens.size).toBeGreaterThanOrEqual(3);
    expect(invocations).toBeGreaterThanOrEqual(BIG / 200);

    // And it finished with everything right.
    const units = (wh: string) =>
      backlog.filter((x) => x.warehouseId === wh).reduce((n, x) => n + x.quantity, 0);
    const l = await settledLicense(s, big.license.licenseId);
    expect(l).toMatchObject({ appliedStatus: 'APPROVED', releasedQuantity: units('WH-1') + units('WH-2') });
    expect(l.workCursor).toBeUndefined();
    expect(idsWith(await shipmentsOf(s, big.license.licenseId), 'RELEASED')).toHaveLength(BIG);
    await expectCounters(s, big.license.sku, 'WH-1', { held: 0, released: units('WH-1') });
    await expectCounters(s, big.license.sku, 'WH-2', { held: 0, released: units('WH-2') });
    expect(await settledLicense(s, small.license.licenseId)).toMatchObject({ releasedQuantity: 50 });
    expect(idsWith(await shipmentsOf(s, small.license.licenseId), 'RELEASED')).toEqual(
      smallBacklog.map((x) => x.shipmentId).sort(),
    );
    await s.expectInvariants();
  });
});
