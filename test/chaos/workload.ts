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
 *   and a mistyped license status fixed a moment later.
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
import type { Rng } from './faults.js';

export const SKUS = ['CH-S1', 'CH-S2'] as const;
export const WAREHOUSES = ['WH-A', 'WH-B'] as const;
export const CUSTOMERS = ['CU-1', 'CU-2', 'CU-3'] as const;

export interface Tables {
  readonly licenses: string;
  readonly shipments: string;
  readonly inventory: string;
}

export interface World {
  readonly licenses: Record<'big' | 'twin' | 'revoke', License>;
  readonly shipments: readonly Shipment[];
}

/** The seeded items: three PENDING licenses and their backlogs, including mismatched shipments. */
export function buildWorld(rng: Rng): World {
  const [s1, s2] = SKUS;
  const [c1, c2, c3] = CUSTOMERS;
  const backlog = (license: License, n: number): Shipment[] =>
    Array.from({ length: n }, (_, i) =>
      aShipment({
        shipmentId: `${license.licenseId}-S${String(i).padStart(3, '0')}`,
        licenseId: license.licenseId,
        customerId: license.customerId,
        sku: license.sku,
        warehouseId: rng.pick(WAREHOUSES),
        quantity: rng.int(1, 20),
        priority: rng.int(0, 9),
        requestedAt: new Date(
          Date.parse('2026-01-01T00:00:00.000Z') + rng.int(0, 10_000) * 60_000,
        ).toISOString(),
      }),
    );
  const big = aLicense({ licenseId: 'LIC-BIG', customerId: c1, sku: s1, status: 'PENDING' });
  const twin = aLicense({ licenseId: 'LIC-TWIN', customerId: c2, sku: s1, status: 'PENDING' });
  const revoke = aLicense({ licenseId: 'LIC-REVOKE', customerId: c3, sku: s2, status: 'PENDING' });
  const bigShipments = backlog(big, rng.int(100, 140));
  const twinShipments = backlog(twin, rng.int(6, 14));
  const revokeShipments = backlog(revoke, rng.int(6, 14));
  const units = (xs: readonly Shipment[]) => xs.reduce((n, x) => n + x.quantity, 0);
  // Mismatches: another customer's or another sku's shipment filed under BIG.
  const mismatched = [
    aShipment({
      shipmentId: 'LIC-BIG-MX1',
      licenseId: big.licenseId,
      customerId: c2,
      sku: s1,
      warehouseId: 'WH-A',
    }),
    aShipment({
      shipmentId: 'LIC-BIG-MX2',
      licenseId: big.licenseId,
      customerId: c1,
      sku: s2,
      warehouseId: 'WH-B',
    }),
  ];
  return {
    licenses: {
      big: {
        ...big,
        authorizedQuantity: Math.max(1, Math.floor(units(bigShipments) * (0.5 + rng.next() * 0.4))),
      },
      twin: { ...twin, authorizedQuantity: Math.max(1, Math.floor(units(twinShipments) * 0.8)) },
      revoke: { ...revoke, authorizedQuantity: units(revokeShipments) },
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
    putShipments: (shipments: readonly Shipment[]) => batchPut(db, tables.shipments, shipments),
    putLicense: (license: License) => db.send(new PutCommand({ TableName: tables.licenses, Item: license })),
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

/**
 * The admin's actions while the system works. Returns when every edit has
 * been written; the caller drains the stack afterwards.
 */
export async function playScript(
  rng: Rng,
  db: DynamoDBDocumentClient,
  tables: Tables,
  world: World,
  log: ScriptLog,
): Promise<void> {
  const a = admin(db, tables);
  const { big, twin, revoke } = world.licenses;
  const note = (line: string) => log.push(`${new Date().toISOString().slice(11, 23)} ${line}`);

  // Two licenses of one SKU (and a third) approved at once.
  note('approve BIG, TWIN, REVOKE at once');
  await Promise.all([big, twin, revoke].map((l) => a.setLicenseStatus(l.licenseId, 'APPROVED')));

  // Approve then suspend mid-release, then reinstate quickly.
  const suspendAfter = rng.int(0, 700);
  const reinstateAfter = rng.int(0, 150);
  const newcomers = Array.from({ length: rng.int(2, 6) }, (_, i) =>
    aShipment({
      shipmentId: `LIC-TWIN-N${i}`,
      licenseId: twin.licenseId,
      customerId: twin.customerId,
      sku: twin.sku,
      warehouseId: rng.pick(WAREHOUSES),
      quantity: rng.int(1, 5),
      priority: rng.int(0, 9),
    }),
  );
  await Promise.all([
    (async () => {
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
    })(),
    (async () => {
      // New shipments under an approved license, while it releases.
      await sleep(rng.int(0, 400));
      note(`${newcomers.length} new TWIN shipments`);
      await a.putShipments(newcomers);
    })(),
    (async () => {
      // A mistyped status, fixed a moment later.
      await sleep(rng.int(0, 300));
      note('TWIN status typed as "approved ", then fixed');
      await a.setLicenseStatus(twin.licenseId, 'approved ');
      await sleep(rng.int(0, 200));
      await a.setLicenseStatus(twin.licenseId, 'APPROVED');
    })(),
  ]);

  // Console edits to SHIPPED while REVOKE is being revoked.
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

  // Logistics ships and cancels under BIG and TWIN while they may still be releasing.
  await sleep(rng.int(0, 300));
  for (const license of [big, twin]) {
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
