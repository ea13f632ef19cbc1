/**
 * A release longer than its time slice (RELEASE_TIME_BUDGET_MS = 1 ms here),
 * on the local stack with the real handlers. One 2,500-shipment approval
 * serves both claims, which keeps the suite short:
 *
 * - it continues in later invocations through new `pendingWork` tokens on
 *   the Licenses stream, and does not hold up another license approved
 *   right after it;
 * - it reaches shipment-events in several stream batches (1,000 changes a
 *   batch at most) and is still announced in one digest to the customer's
 *   email subscription and one to each warehouse's, with the whole event's
 *   totals (DESIGN §6), while the machine subscription gets one JSON
 *   message per shipment.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import type { License, Shipment } from '../../shared/domain/model.js';
import type { RawItem } from '../../shared/domain/ports.js';
import { adminConsole } from '../helpers/admin-console.js';
import { heldBacklog } from '../helpers/factories.js';
import { emailStandIn, machineQueue, parseMachineMessages } from '../helpers/notify.js';
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

const BIG = 2_500;
const CUSTOMER = 'CUST-EVD';

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

const units = (shipments: readonly Shipment[], wh?: string) =>
  shipments.filter((x) => wh === undefined || x.warehouseId === wh).reduce((n, x) => n + x.quantity, 0);
const fmt = (n: number) => n.toLocaleString('en-US');

/** What the approvals left to check, gathered while they ran. */
let run: {
  big: License;
  backlog: Shipment[];
  small: License;
  smallBacklog: Shipment[];
  seen: Awaited<ReturnType<ReturnType<typeof watchPair>['result']>>;
  licenseEvents: number;
  shipmentEvents: number;
  email: Awaited<ReturnType<typeof emailStandIn>>;
  warehouseEmail: Map<string, Awaited<ReturnType<typeof emailStandIn>>>;
  machine: Awaited<ReturnType<typeof machineQueue>>;
};

beforeAll(async () => {
  const big = await givenLicense(s, { customerId: CUSTOMER, authorizedQuantity: 10 * BIG });
  const backlog = heldBacklog(BIG, (i) => ({
    licenseId: big.license.licenseId,
    customerId: CUSTOMER,
    sku: big.license.sku,
    quantity: 1 + (i % 3),
    warehouseId: i % 5 === 0 ? 'WH-2' : 'WH-1',
  }));
  await seedAcceptedBacklog(local, big.license, backlog);
  const small = await givenLicense(s, { authorizedQuantity: 50 });
  expect(small.license.customerId, 'the small license is another customer’s').not.toBe(CUSTOMER);
  const smallBacklog = [
    small.shipment({ quantity: 20 }),
    small.shipment({ quantity: 30, warehouseId: 'WH-2' }),
  ];
  await s.putShipments(smallBacklog);
  await local.drain({ timeoutMs: 60_000 });
  // Subscribed once the seed's records are processed: only the approvals' messages reach them.
  const email = await emailStandIn(local, { customer: CUSTOMER });
  const warehouseEmail = new Map([
    ['WH-1', await emailStandIn(local, { warehouse: 'WH-1' })],
    ['WH-2', await emailStandIn(local, { warehouse: 'WH-2' })],
  ]);
  const machine = await machineQueue(local, { customer: CUSTOMER });
  const licenseEvents = invocationsOf(local, 'license-events');
  const shipmentEvents = invocationsOf(local, 'shipment-events');

  await s.setLicenseStatus(big.license.licenseId, 'APPROVED');
  await s.setLicenseStatus(small.license.licenseId, 'APPROVED');
  const watch = watchPair(s, small.license.licenseId, big.license.licenseId);
  await local.drain({ timeoutMs: 180_000 });
  run = {
    big: big.license,
    backlog,
    small: small.license,
    smallBacklog,
    seen: await watch.result(),
    licenseEvents: invocationsOf(local, 'license-events') - licenseEvents,
    shipmentEvents: invocationsOf(local, 'shipment-events') - shipmentEvents,
    email,
    warehouseEmail,
    machine,
  };
}, 400_000); // 2,500 releases in 1 ms slices, their notices and History: 30-60 s alone, up to 3x that beside other files

describe(`a release of ${BIG} shipments longer than its time slice`, () => {
  it('continues over several invocations, while a license approved right after it finishes first', async ({
    annotate,
  }) => {
    const { big, backlog, small, smallBacklog, seen } = run;
    await annotate(
      `small done after ${seen.firstDoneAt} ms, big after ${seen.secondDoneAt} ms; ${run.licenseEvents} license-events invocations; ` +
        `${seen.secondTokens.size} pendingWork tokens and ${seen.secondCursors.size} cursors of the big one seen`,
    );

    // The small approval was done while the big release was still under way.
    expect(seen.firstDoneAt, 'the small license was seen done').toBeGreaterThan(0);
    expect(seen.secondWhenFirstDone?.pendingWork, 'big still had work when small was done').toEqual(
      expect.any(String),
    );
    expect(Number(seen.secondWhenFirstDone?.releasedQuantity)).toBeLessThan(units(backlog));
    // The big release went on in slices: each hand-over is a new token and a new invocation. Its cursor is
    // the page of the earliest write planned and not sent (here mostly the first page: a 1 ms slice commits
    // the transaction in flight and hands over, so the next slice reads the held index from the start).
    expect(seen.secondTokens.size).toBeGreaterThanOrEqual(3);
    expect(run.licenseEvents).toBeGreaterThanOrEqual(BIG / 200);

    // And it finished with everything right.
    const l = await settledLicense(s, big.licenseId);
    expect(l).toMatchObject({ appliedStatus: 'APPROVED', releasedQuantity: units(backlog) });
    expect(l.workCursor).toBeUndefined();
    expect(idsWith(await shipmentsOf(s, big.licenseId), 'RELEASED')).toHaveLength(BIG);
    await expectCounters(s, big.sku, 'WH-1', { held: 0, released: units(backlog, 'WH-1') });
    await expectCounters(s, big.sku, 'WH-2', { held: 0, released: units(backlog, 'WH-2') });
    expect(await settledLicense(s, small.licenseId)).toMatchObject({ releasedQuantity: 50 });
    expect(idsWith(await shipmentsOf(s, small.licenseId), 'RELEASED')).toEqual(
      smallBacklog.map((x) => x.shipmentId).sort(),
    );
    await s.expectInvariants();
  });

  it('is announced in one digest to the customer and one to each warehouse, over several stream batches', async () => {
    const { big, backlog } = run;
    expect(run.shipmentEvents, 'several stream batches').toBeGreaterThanOrEqual(3);

    const mails = await run.email.receiveAll();
    expect(mails.map((m) => m.subject)).toEqual([
      `${fmt(BIG)} of your shipments under license ${big.licenseId} were released`,
    ]);
    const [mail] = mails;
    expect(mail?.attributes).toMatchObject({
      customerId: CUSTOMER,
      kind: 'digest',
      eventType: 'SHIPMENT_RELEASED',
    });
    expect(mail?.text).toContain(`${fmt(BIG)} shipments (${fmt(units(backlog))} units)`);
    expect(mail?.text.match(/^ {2}- \S+: \d+ × \S+ from warehouse WH-[12]$/gm)).toHaveLength(25);
    expect(mail?.text).toContain(`… and ${fmt(BIG - 25)} more (${fmt(BIG)} in total).`);

    // Each warehouse also hears of the small license's release, in a digest of its own.
    for (const [wh, count] of [
      ['WH-1', (BIG * 4) / 5],
      ['WH-2', BIG / 5],
    ] as const) {
      const digests = await run.warehouseEmail.get(wh)?.receiveAll();
      expect(digests?.map((m) => m.subject).sort()).toEqual(
        [
          `Warehouse ${wh}: ${fmt(count)} shipments under license ${big.licenseId} released`,
          `Warehouse ${wh}: 1 shipment under license ${run.small.licenseId} released`,
        ].sort(),
      );
      const digest = digests?.find((m) => m.subject?.includes(big.licenseId));
      expect(digest?.text).toContain(`(${fmt(units(backlog, wh))} units)`);
    }

    const json = parseMachineMessages(await run.machine.receiveAll());
    expect(json.filter((m) => m.eventType === 'SHIPMENT_RELEASED')).toHaveLength(BIG);
    // Sent and deleted: no tally is left behind.
    const { Count } = await local.ddb.send(
      new ScanCommand({ TableName: local.resources.tables.tallies.name, Select: 'COUNT' }),
    );
    expect(Count).toBe(0);
  });
});
