/**
 * The demo's world in memory, for tests of its verdict (local/demo/checks.ts
 * checkLines): the demo's own seedData and the admin's acts as
 * local/demo/admin.ts plays them, worked through by the real engines, and
 * each published message delivered to the queue its subscription's filter
 * lets it into.
 */
import { type Acted, releasedIn } from '../../../local/demo/admin.js';
import { checkLines } from '../../../local/demo/checks.js';
import { AMENDED, licenseIdOf, type Scenario } from '../../../local/demo/scenario.js';
import { seedData } from '../../../local/demo/seed.js';
import type { Queue, Subscribers } from '../../../local/demo/subscribers.js';
import { mulberry32 } from '../../../local/random.js';
import { isSettledImage } from '../../../shared/domain/license-rules.js';
import { clockTick } from '../../../shared/engine/clock.js';
import { scanAndCheck } from '../../../shared/engine/invariant-checker.js';
import { applyLicense } from '../../../shared/engine/license-engine.js';
import { processShipmentRecords, recordShipmentHistory } from '../../../shared/engine/shipment-engine.js';
import { clockWatchOf } from '../../helpers/fakes/engine-kit.js';
import { type MemoryWorld, memoryWorld } from '../../helpers/fakes/world.js';

const WAREHOUSES = ['WH-AMS', 'WH-SIN', 'WH-DAL'];

/** Everything until nothing is left to do: license-events, both Shipments consumers, the clock. */
async function settle(w: MemoryWorld, ignored: ReadonlySet<string> = new Set()): Promise<void> {
  for (let round = 0; round < 200; round++) {
    const pending = [
      ...new Set(
        w
          .licenseRecords()
          .filter((r) => !isSettledImage(r.newImage) && !ignored.has(r.key))
          .map((r) => r.key),
      ),
    ];
    if (pending.length > 0) {
      for (const id of pending) await applyLicense(w.licenseDeps(), id, Date.now() + 60_000);
      continue;
    }
    const records = w.shipmentRecords();
    if (records.length > 0) {
      await recordShipmentHistory(w.shipmentDeps(), records);
      await processShipmentRecords(w.shipmentDeps(), records);
      continue;
    }
    const tick = await clockTick(w.licenses, w.now(), w.newToken);
    if (tick.expired.length + tick.woken.length + tick.settling.length > 0) continue;
    const checks = w
      .items('licenses')
      .map((l) => l.settleCheckAt)
      .filter((t): t is string => typeof t === 'string')
      .map((t) => Date.parse(t));
    if (checks.length === 0) return;
    w.setNow(new Date(Math.max(w.now().getTime(), ...checks)));
  }
  throw new Error('did not settle');
}

export interface Played {
  w: MemoryWorld;
  subscribers: Subscribers;
  acted: Acted;
}

/** The demo's story on a memory world, its messages delivered as the subscriptions' filters route them. */
export async function play(ignored: ReadonlySet<string> = new Set()): Promise<Played> {
  const w = memoryWorld({ now: '2026-06-01T12:00:00.000Z' });
  const { shipments, licenses } = seedData(300, mulberry32(42), w.now());
  for (const warehouseId of WAREHOUSES)
    w.store.seed('inventory', { sku: 'H20', warehouseId, onHand: 300_000, held: 0, released: 0, shipped: 0 });
  for (const l of licenses) w.console.put('licenses', l);
  for (const s of shipments) w.console.put('shipments', s);
  await settle(w);
  const edit = (i: number, status: string, reason: string) => {
    const id = licenseIdOf(i);
    w.console.put('licenses', { ...w.license(id), status, statusReason: reason, updatedBy: 'admin' });
  };
  for (let i = 0; i < 4; i++) edit(i, 'APPROVED', 'BIS license granted');
  edit(4, 'DENIED', 'End user on the Entity List');
  edit(5, 'SUSPENDED', 'typo: meant to leave it pending');
  await settle(w, ignored);
  const clock = await clockTick(w.licenses, w.now(), w.newToken, clockWatchOf(w));
  await settle(w, ignored);
  const amendedId = licenseIdOf(AMENDED);
  const from = Number(w.license(amendedId).authorizedQuantity);
  const amendment: Acted['amendment'] = {
    licenseId: amendedId,
    field: 'authorizedQuantity',
    from,
    to: Math.max(from + 100, Math.round((from * 1.25) / 100) * 100),
    reason: 'amendment 2 from BIS',
    before: releasedIn(w.items('shipments'), amendedId),
  };
  edit(5, 'PENDING', 'corrected');
  edit(1, 'SUSPENDED', 'Investigation opened');
  w.console.put('licenses', {
    ...w.license(amendedId),
    authorizedQuantity: amendment.to,
    statusReason: amendment.reason,
    updatedBy: 'admin',
  });
  await settle(w, ignored);
  return {
    w,
    subscribers: deliver(w),
    acted: { amendment, predictionProblems: [], clock } as unknown as Acted,
  };
}

/** Each published message in the queue its subscription's filter policy lets it into (raw delivery), ops alerts as SNS envelopes. */
function deliver(w: MemoryWorld): Subscribers {
  const queues = new Map<string, Queue>();
  const queue = (name: string) => {
    const q = queues.get(name) ?? { name, url: name, messages: [] };
    queues.set(name, q);
    return q;
  };
  for (const name of [
    ...Array.from(
      { length: 6 },
      (_, i) => `CUST-${['ALPHA', 'BRAVO', 'CHARLIE', 'DELTA', 'ECHO', 'FOXTROT'][i]}`,
    ),
    ...WAREHOUSES,
    'CUST-ALPHA-email',
    ...WAREHOUSES.map((wh) => `${wh}-email`),
    'ops',
  ])
    queue(name);
  for (const m of w.publisher.published) {
    const owner = m.topic === 'customer' ? m.attributes.customerId : m.attributes.warehouseId;
    const name = m.attributes.kind === 'shipment' ? owner : `${owner}-email`;
    const q = queues.get(name ?? '');
    q?.messages.push({ body: m.body, attributes: { ...m.attributes } });
  }
  for (const a of w.alerter.alerts) {
    const attributes = {
      kind: 'alert',
      severity: a.severity,
      ...(a.alertType ? { alertType: a.alertType } : {}),
      ...a.subjectKey,
    };
    queue('ops').messages.push({
      body: JSON.stringify({
        Subject: a.subject,
        Message: a.message,
        MessageAttributes: Object.fromEntries(
          Object.entries(attributes).map(([k, v]) => [k, { Type: 'String', Value: v }]),
        ),
      }),
      attributes: {},
    });
  }
  const all = [...queues.values()];
  return {
    queues: all,
    digest: queue('CUST-ALPHA-email'),
    logisticsDigests: new Map(WAREHOUSES.map((wh) => [wh, queue(`${wh}-email`)])),
    ops: queue('ops'),
  };
}

/** checkLines as local/demo/run.ts calls it, on the world: its DLQs empty, no request denied or refused. */
export async function verdict({ w, subscribers, acted }: Played) {
  const scenario = {
    stack: {
      requests: () => ({ judged: [], denied: [] }),
      refusals: () => [],
      resources: { dlqs: { licenses: { url: 'dlq-l' }, shipments: { url: 'dlq-s' } } },
    },
    sqs: { send: async () => ({ Attributes: { ApproximateNumberOfMessages: '0' } }) },
    repos: { licenses: w.licenses, shipments: w.shipments, inventory: w.inventory, history: w.history },
  } as unknown as Scenario;
  const check = await scanAndCheck(scenario.repos, { quiescentAt: w.now() });
  return checkLines(scenario, subscribers, check, w.items('shipments'), acted, w.entries());
}

export const byStatus = (w: MemoryWorld, licenseId: string, status: string, reason?: string) =>
  w
    .items('shipments')
    .filter(
      (s) =>
        s.licenseId === licenseId && s.status === status && (reason === undefined || s.holdReason === reason),
    );
