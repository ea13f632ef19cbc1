/**
 * The seeded world and admin script of one chaos run. Every choice (sizes,
 * priorities, which shipments an admin touches, how long they wait between
 * two edits) comes from the run's seed.
 *
 * Races it stages while releases are running (RELEASE_TIME_BUDGET_MS is a
 * few milliseconds, so releases continue across invocations):
 * - two licenses of the same SKU approved at once (BIG and TWIN);
 * - approve, then suspend mid-release, then reinstate quickly (BIG);
 * - new shipments arriving under an approved license (TWIN);
 * - console edits to SHIPPED while the license is being revoked (REVOKE);
 * - cancellations of held and released shipments, an illegal HELD → SHIPPED
 *   and a mistyped license status fixed a moment later;
 * - amendments (test/chaos/amendments.ts) while BIG releases and is suspended
 *   (limits raised and lowered below what is released, the tolerance changed,
 *   validFrom moved later and back), and while logistics ships and cancels
 *   (limits lowered, now and then below what has shipped, validUntil moved into
 *   the past now and then, an identity edit and an invalid value, both to be
 *   rejected and written back);
 * - value edits of HELD shipments while they may be released;
 * - now and then the console's "Duplicate item" of a shipment in any state,
 *   counted or mid-edit (test/chaos/duplicates.ts).
 *
 * Values: BIG limits value with a tolerance, and some of its shipments have
 * none (SHIPMENT_VALUE_MISSING until an admin sets one); TWIN limits quantity
 * only and sums the values it has; REVOKE limits value to its backlog's.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { batchPut } from '../../local/batch-put.js';
import type { License, Shipment } from '../../shared/domain/model.js';
import type { RawItem } from '../../shared/domain/ports.js';
import { aLicense, anInventory, aShipment } from '../helpers/factories.js';
import {
  type Amender,
  type AmendmentLog,
  editValues,
  expire,
  firstWithShipped,
  illegalEdit,
  type Limit,
  lower,
  moveValidFrom,
  newAmendmentLog,
  raise,
  retolerate,
  untilApproved,
} from './amendments.js';
import { duplicateItems } from './duplicates.js';
import type { Rng } from './faults.js';

export const SKUS = ['CH-S1', 'CH-S2'] as const;
export const WAREHOUSES = ['WH-A', 'WH-B'] as const;
export const CUSTOMERS = ['CU-1', 'CU-2', 'CU-3'] as const;

export interface Tables {
  readonly licenses: string;
  readonly shipments: string;
  readonly inventory: string;
  readonly history: string;
}

export interface World {
  readonly licenses: Record<'big' | 'twin' | 'revoke', License>;
  readonly shipments: readonly Shipment[];
}

/** The seeded items: three PENDING licenses and their backlogs, including mismatched shipments. */
export function buildWorld(rng: Rng): World {
  const [s1, s2] = SKUS;
  const [c1, c2, c3] = CUSTOMERS;
  // `withoutValue`: the share of shipments that have no value.
  const backlog = (license: License, n: number, withoutValue: number): Shipment[] =>
    Array.from({ length: n }, (_, i) => {
      const quantity = rng.int(1, 20);
      const value = quantity * rng.int(20, 600);
      return aShipment({
        shipmentId: `${license.licenseId}-S${String(i).padStart(3, '0')}`,
        licenseId: license.licenseId,
        customerId: license.customerId,
        sku: license.sku,
        warehouseId: rng.pick(WAREHOUSES),
        quantity,
        priority: rng.int(0, 9),
        requestedAt: new Date(
          Date.parse('2026-01-01T00:00:00.000Z') + rng.int(0, 10_000) * 60_000,
        ).toISOString(),
        ...(rng.chance(withoutValue) ? {} : { value }),
      });
    });
  const big = aLicense({ licenseId: 'LIC-BIG', customerId: c1, sku: s1, status: 'PENDING' });
  const twin = aLicense({ licenseId: 'LIC-TWIN', customerId: c2, sku: s1, status: 'PENDING' });
  const revoke = aLicense({ licenseId: 'LIC-REVOKE', customerId: c3, sku: s2, status: 'PENDING' });
  const bigShipments = backlog(big, rng.int(100, 140), 0.08);
  const twinShipments = backlog(twin, rng.int(6, 14), 0.2);
  const revokeShipments = backlog(revoke, rng.int(6, 14), 0.1);
  const units = (xs: readonly Shipment[]) => xs.reduce((n, x) => n + x.quantity, 0);
  const value = (xs: readonly Shipment[]) => xs.reduce((n, x) => n + (x.value ?? 0), 0);
  // Mismatches: another customer's or another sku's shipment filed under BIG.
  const mismatched = [
    aShipment({
      shipmentId: 'LIC-BIG-MX1',
      licenseId: big.licenseId,
      customerId: c2,
      sku: s1,
      warehouseId: 'WH-A',
      value: 1_000,
    }),
    aShipment({
      shipmentId: 'LIC-BIG-MX2',
      licenseId: big.licenseId,
      customerId: c1,
      sku: s2,
      warehouseId: 'WH-B',
      value: 1_000,
    }),
  ];
  return {
    licenses: {
      big: {
        ...big,
        authorizedQuantity: Math.max(1, Math.floor(units(bigShipments) * (0.5 + rng.next() * 0.4))),
        authorizedValue: Math.max(1, Math.floor(value(bigShipments) * (0.5 + rng.next() * 0.4))),
        valueTolerancePercent: rng.pick([0, 5, 10, 25]),
      },
      twin: { ...twin, authorizedQuantity: Math.max(1, Math.floor(units(twinShipments) * 0.8)) },
      revoke: {
        ...revoke,
        authorizedQuantity: units(revokeShipments),
        authorizedValue: Math.max(1, value(revokeShipments)),
        valueTolerancePercent: rng.int(0, 25),
      },
    },
    shipments: [...bigShipments, ...mismatched, ...twinShipments, ...revokeShipments],
  };
}

/** Admin actions, written the way the console writes them (PutItem / UpdateItem of one attribute). */
export function admin(db: DynamoDBDocumentClient, tables: Tables) {
  const set = (table: string, key: RawItem, attribute: string, value: unknown) =>
    db.send(
      new UpdateCommand({
        TableName: table,
        Key: key,
        UpdateExpression: 'SET #a = :v',
        ExpressionAttributeNames: { '#a': attribute },
        ExpressionAttributeValues: { ':v': value },
      }),
    );
  return {
    setLicenseStatus: (licenseId: string, status: string) =>
      set(tables.licenses, { licenseId }, 'status', status),
    setShipmentStatus: (shipmentId: string, status: string) =>
      set(tables.shipments, { shipmentId }, 'status', status),
    setLicenseField: (licenseId: string, attribute: string, value: unknown) =>
      set(tables.licenses, { licenseId }, attribute, value),
    setShipmentField: (shipmentId: string, attribute: string, value: unknown) =>
      set(tables.shipments, { shipmentId }, attribute, value),
    putShipments: (shipments: readonly Shipment[]) => batchPut(db, tables.shipments, shipments),
    putLicense: (license: License) => db.send(new PutCommand({ TableName: tables.licenses, Item: license })),
    /** "Duplicate item": the item as read, every attribute, put under `copyId` (a new item). */
    async duplicateShipment(shipmentId: string, copyId: string): Promise<RawItem | undefined> {
      const { Item } = await db.send(new GetCommand({ TableName: tables.shipments, Key: { shipmentId } }));
      if (Item === undefined) return undefined;
      const copy = { ...Item, shipmentId: copyId };
      const create = { ConditionExpression: 'attribute_not_exists(shipmentId)' };
      await db.send(new PutCommand({ TableName: tables.shipments, Item: copy, ...create }));
      return copy;
    },
    async license(licenseId: string): Promise<RawItem | undefined> {
      const out = await db.send(
        new GetCommand({ TableName: tables.licenses, Key: { licenseId }, ConsistentRead: true }),
      );
      return out.Item;
    },
    async shipment(shipmentId: string): Promise<RawItem | undefined> {
      const out = await db.send(
        new GetCommand({ TableName: tables.shipments, Key: { shipmentId }, ConsistentRead: true }),
      );
      return out.Item;
    },
    async shipmentsOf(licenseId: string): Promise<RawItem[]> {
      const items: RawItem[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const out = await db.send(
          new ScanCommand({ TableName: tables.shipments, ConsistentRead: true, ExclusiveStartKey: start }),
        );
        items.push(...((out.Items ?? []) as RawItem[]).filter((x) => x.licenseId === licenseId));
        start = out.LastEvaluatedKey;
      } while (start);
      return items;
    },
  };
}

type Admin = ReturnType<typeof admin>;

/** Seeds inventory, licenses and backlogs. */
export async function seed(db: DynamoDBDocumentClient, tables: Tables, world: World): Promise<void> {
  await batchPut(
    db,
    tables.inventory,
    SKUS.flatMap((sku) => WAREHOUSES.map((warehouseId) => anInventory({ sku, warehouseId }))),
  );
  for (const license of Object.values(world.licenses)) {
    await db.send(new PutCommand({ TableName: tables.licenses, Item: license }));
  }
  await batchPut(db, tables.shipments, world.shipments);
}

/** What the script did, for the report of a failing run. */
export type ScriptLog = string[];

type Note = (line: string) => void;

/**
 * The admin's actions while the system works. Returns when every edit has
 * been written (the caller drains the stack afterwards), with what it did to
 * license terms and shipment values.
 */
export async function playScript(
  rng: Rng,
  db: DynamoDBDocumentClient,
  tables: Tables,
  world: World,
  log: ScriptLog,
): Promise<AmendmentLog> {
  const a = admin(db, tables);
  const { big, twin, revoke } = world.licenses;
  const note: Note = (line) => log.push(`${new Date().toISOString().slice(11, 23)} ${line}`);
  const amendments = newAmendmentLog();
  // Each concurrent branch draws from its own fork: its choices do not depend on how branches interleave.
  const amender = (name: string): Amender => ({ a, rng: rng.fork(name), log: amendments, note });

  // Two licenses of one SKU (and a third) approved at once.
  note('approve BIG, TWIN, REVOKE at once');
  await Promise.all([big, twin, revoke].map((l) => a.setLicenseStatus(l.licenseId, 'APPROVED')));

  await Promise.all([
    suspendAndReinstate(rng, a, big, note),
    newcomers(rng, a, twin, note),
    typo(rng, a, twin, note),
    earlyAmendments(amender('early'), big, twin),
    shipWhileAmended(amender('early-ship'), big),
    (async () => {
      const m = amender('early-values');
      await sleep(m.rng.int(0, 300));
      await editValues(m, big.licenseId, m.rng.int(2, 6));
      await editValues(m, twin.licenseId, m.rng.int(0, 2));
    })(),
    copies(amender('early-copies'), [big, twin], 'E'),
  ]);

  await revokeAndShip(rng, a, revoke, note);

  // Logistics ships and cancels under BIG and TWIN while amendments land and they may still be releasing.
  await Promise.all([
    logistics(rng, a, [big, twin], note),
    lateAmendments(amender('late'), big, twin),
    (async () => {
      const m = amender('late-values');
      await sleep(m.rng.int(0, 200));
      await editValues(m, big.licenseId, m.rng.int(1, 3));
    })(),
    copies(amender('late-copies'), [big, twin, revoke], 'L'),
  ]);
  return amendments;
}

/** The console's "Duplicate item", in about a third of the runs' phases: once, now and then twice. */
async function copies(m: Amender, licenses: readonly License[], tag: string): Promise<void> {
  if (!m.rng.chance(0.35)) return;
  await sleep(m.rng.int(0, 1_000));
  await duplicateItems(
    m,
    licenses.map((l) => l.licenseId),
    m.rng.chance(0.25) ? 2 : 1,
    tag,
  );
}

/** Approve then suspend mid-release, then reinstate quickly. */
async function suspendAndReinstate(rng: Rng, a: Admin, big: License, note: Note): Promise<void> {
  const suspendAfter = rng.int(0, 700);
  const reinstateAfter = rng.int(0, 150);
  await sleep(suspendAfter);
  const l = await a.license(big.licenseId);
  const phase =
    l?.appliedStatus !== 'APPROVED'
      ? 'before the approval was applied'
      : l.pendingWork !== undefined
        ? 'mid-release'
        : 'after the release';
  note(`suspend BIG (+${suspendAfter} ms, ${phase})`);
  await a.setLicenseStatus(big.licenseId, 'SUSPENDED');
  await sleep(reinstateAfter);
  note(`reinstate BIG (+${reinstateAfter} ms)`);
  await a.setLicenseStatus(big.licenseId, 'APPROVED');
}

/** New shipments under an approved license, while it releases. */
async function newcomers(rng: Rng, a: Admin, twin: License, note: Note): Promise<void> {
  const shipments = Array.from({ length: rng.int(2, 6) }, (_, i) => {
    const quantity = rng.int(1, 5);
    return aShipment({
      shipmentId: `LIC-TWIN-N${i}`,
      licenseId: twin.licenseId,
      customerId: twin.customerId,
      sku: twin.sku,
      warehouseId: rng.pick(WAREHOUSES),
      quantity,
      priority: rng.int(0, 9),
      value: quantity * rng.int(20, 600),
    });
  });
  await sleep(rng.int(0, 400));
  note(`${shipments.length} new TWIN shipments`);
  await a.putShipments(shipments);
}

/** A mistyped status, fixed a moment later. */
async function typo(rng: Rng, a: Admin, twin: License, note: Note): Promise<void> {
  await sleep(rng.int(0, 300));
  note('TWIN status typed as "approved ", then fixed');
  await a.setLicenseStatus(twin.licenseId, 'approved ');
  await sleep(rng.int(0, 200));
  await a.setLicenseStatus(twin.licenseId, 'APPROVED');
}

/**
 * The authority amends BIG (mostly) and TWIN while BIG releases and is
 * suspended and reinstated: limits raised and lowered below what is
 * released, the tolerance changed, validFrom moved later and back (once).
 */
async function earlyAmendments(m: Amender, big: License, twin: License): Promise<void> {
  await untilApproved(m, [big.licenseId, twin.licenseId], 3_000);
  let movedValidFrom = false;
  const steps = m.rng.int(3, 6);
  for (let i = 0; i < steps; i++) {
    await sleep(m.rng.int(0, 150));
    const license = m.rng.chance(0.7) ? big : twin;
    const limit: Limit = license === big && m.rng.chance(0.5) ? 'value' : 'quantity';
    const step = m.rng.pick(['raise', 'lower', 'lower', 'tolerance', 'validFrom'] as const);
    if (step === 'raise') await raise(m, license.licenseId, limit);
    else if (step === 'lower') await lower(m, license.licenseId, limit, false);
    else if (step === 'tolerance') await retolerate(m, big.licenseId);
    else if (!movedValidFrom) {
      movedValidFrom = true;
      await moveValidFrom(m, license.licenseId);
    }
  }
}

/** Logistics ships some of BIG's released shipments while its limits move. */
async function shipWhileAmended(m: Amender, big: License): Promise<void> {
  await sleep(m.rng.int(100, 500));
  const released = (await m.a.shipmentsOf(big.licenseId)).filter((x) => x.status === 'RELEASED');
  const ship = m.rng.shuffle(released).slice(0, m.rng.int(0, 3));
  m.note(`BIG: ship ${ship.length} while amendments land`);
  for (const x of ship) {
    await sleep(m.rng.int(0, 60));
    await m.a.setShipmentStatus(String(x.shipmentId), 'SHIPPED');
  }
}

/** Console edits to SHIPPED while REVOKE is being revoked. */
async function revokeAndShip(rng: Rng, a: Admin, revoke: License, note: Note): Promise<void> {
  await sleep(rng.int(100, 600));
  const released = (await a.shipmentsOf(revoke.licenseId)).filter((x) => x.status === 'RELEASED');
  const toShip = rng.shuffle(released).slice(0, rng.int(1, 4));
  const revokeFirst = rng.chance(0.5);
  note(
    `revoke REVOKE and ship ${toShip.length} of its ${released.length} released (${revokeFirst ? 'revoke first' : 'ship first'})`,
  );
  // And a typo on another one (rejected and set back to RELEASED, after the re-hold may have skipped it).
  const typo = released.find((x) => !toShip.includes(x));
  const shipAll = async () => {
    for (const x of toShip) {
      await sleep(rng.int(0, 30));
      await a.setShipmentStatus(String(x.shipmentId), 'SHIPPED');
    }
    if (typo && rng.chance(0.7)) {
      note(`typo on ${String(typo.shipmentId)}: status "Shipped"`);
      await a.setShipmentStatus(String(typo.shipmentId), 'Shipped');
    }
  };
  if (revokeFirst) {
    await a.setLicenseStatus(revoke.licenseId, 'REVOKED');
    await shipAll();
  } else {
    await Promise.all([
      shipAll(),
      sleep(rng.int(0, 40)).then(() => a.setLicenseStatus(revoke.licenseId, 'REVOKED')),
    ]);
  }
}

/** Logistics ships and cancels, and marks a HELD shipment SHIPPED now and then (rejected, loudly). */
async function logistics(rng: Rng, a: Admin, licenses: readonly License[], note: Note): Promise<void> {
  await sleep(rng.int(0, 300));
  for (const license of licenses) {
    const mine = await a.shipmentsOf(license.licenseId);
    const releasedNow = rng.shuffle(mine.filter((x) => x.status === 'RELEASED'));
    const heldNow = rng.shuffle(mine.filter((x) => x.status === 'HELD'));
    const ship = releasedNow.slice(0, rng.int(0, 3));
    const cancel = [...releasedNow.slice(3, 3 + rng.int(0, 2)), ...heldNow.slice(0, rng.int(0, 2))];
    note(`${license.licenseId}: ship ${ship.length}, cancel ${cancel.length}`);
    for (const x of ship) await a.setShipmentStatus(String(x.shipmentId), 'SHIPPED');
    for (const x of cancel) await a.setShipmentStatus(String(x.shipmentId), 'CANCELLED');
    // An illegal edit: a HELD shipment marked SHIPPED (rejected, loudly).
    const illegal = heldNow.at(-1);
    if (illegal && !cancel.includes(illegal) && rng.chance(0.5)) {
      note(`${license.licenseId}: illegal HELD → SHIPPED on ${String(illegal.shipmentId)}`);
      await a.setShipmentStatus(String(illegal.shipmentId), 'SHIPPED');
    }
  }
}

/**
 * Amendments while logistics ships and cancels: a limit of BIG or TWIN
 * lowered (now and then below what has shipped), BIG's raised or its
 * tolerance changed, TWIN's validUntil moved into the past now and then;
 * last, an identity edit and an invalid value, which must be rejected and
 * written back (nothing edits those fields after them).
 */
async function lateAmendments(m: Amender, big: License, twin: License): Promise<void> {
  await sleep(m.rng.int(50, 300));
  const belowShipped = m.rng.chance(0.4);
  const valueLimit = m.rng.chance(0.4);
  const order = m.rng.shuffle([big.licenseId, twin.licenseId]);
  const first = order[0] ?? big.licenseId;
  const lowered = belowShipped ? ((await firstWithShipped(m, order, 1_500)) ?? first) : first;
  await lower(m, lowered, valueLimit && lowered === big.licenseId ? 'value' : 'quantity', belowShipped);
  await sleep(m.rng.int(0, 100));
  if (m.rng.chance(0.5)) await raise(m, big.licenseId, m.rng.pick(['quantity', 'value'] as const));
  else await retolerate(m, big.licenseId);
  if (m.rng.chance(0.25)) await expire(m, twin.licenseId);
  await sleep(m.rng.int(0, 100));
  await illegalEdit(m, m.rng.pick([big, twin]).licenseId, 'identity');
  await illegalEdit(m, m.rng.pick([big, twin]).licenseId, 'invalid');
}
