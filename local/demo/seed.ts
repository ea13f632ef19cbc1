/**
 * The scenario's starting data: 900,000 units in three warehouses, six
 * PENDING licenses and a backlog of held shipments, each with its value, the
 * same for the same seed. One license limits value as well as quantity.
 */

import type { License, Shipment } from '../../shared/domain/model.js';
import { batchPut } from '../batch-put.js';
import {
  COUNTRIES,
  CUSTOMERS,
  EXPIRING,
  EXPIRING_IN_DAYS,
  licenseIdOf,
  type Scenario,
  SKU,
  usd,
  VALUE_LIMITED,
  VALUE_TOLERANCE_PERCENT,
  WAREHOUSES,
} from './scenario.js';

/** An H20's list price in USD; each order's unit price is within ±5 % of it (the deal's discount or premium). */
const UNIT_PRICE = 12_000;

/** A backlog of realistic orders: mostly small, a few large; priorities 1-5; requested over four months. */
function backlog(n: number, random: () => number): Shipment[] {
  const sizes = [8, 8, 16, 16, 16, 24, 32, 32, 48, 64, 96, 128, 256, 512];
  const start = Date.parse('2026-07-01T00:00:00.000Z');
  const shipments: Shipment[] = [];
  for (let i = 0; i < n; i++) {
    const c = Math.min(CUSTOMERS.length - 1, Math.floor(random() ** 1.3 * CUSTOMERS.length));
    const quantity = sizes[Math.floor(random() * sizes.length)] ?? 8;
    // One in 200 orders names the wrong customer for its license: it must stay HELD (LICENSE_MISMATCH).
    const mismatch = random() < 0.005;
    shipments.push({
      shipmentId: `SHP-${String(i + 1).padStart(6, '0')}`,
      licenseId: licenseIdOf(c),
      customerId: mismatch ? (CUSTOMERS[(c + 1) % CUSTOMERS.length] ?? 'CUST-X') : (CUSTOMERS[c] ?? 'CUST-X'),
      sku: SKU,
      warehouseId: WAREHOUSES[Math.floor(random() * WAREHOUSES.length)] ?? 'WH-AMS',
      quantity,
      priority: 1 + Math.floor(random() * 5),
      requestedAt: new Date(start + Math.floor(random() * 120 * 86_400_000)).toISOString(),
      status: 'HELD',
    });
  }
  // Values are drawn after the rest, so the backlog itself is the same as without them for a seed.
  for (const s of shipments) s.value = s.quantity * Math.round(UNIT_PRICE * (0.95 + 0.1 * random()));
  return shipments;
}

/**
 * The value-limited license's `authorizedValue`: a round USD 100,000 whose
 * cap (with the tolerance) covers about 80 % of the value its customer's
 * backlog asks for, so value, not quantity, runs out.
 */
function authorizedValueFor(shipments: readonly Shipment[], licenseId: string, customerId: string): number {
  let asked = 0;
  for (const s of shipments)
    if (s.licenseId === licenseId && s.customerId === customerId) asked += s.value ?? 0;
  const value = (0.8 * asked * 100) / (100 + VALUE_TOLERANCE_PERCENT);
  return Math.max(100_000, Math.floor(value / 100_000) * 100_000);
}

/** The end (23:59:59 UTC) of the day `days` after `now`. */
function endOfDayAfter(now: Date, days: number): string {
  const day = new Date(now.getTime() + days * 86_400_000).toISOString().slice(0, 10);
  return `${day}T23:59:59.000Z`;
}

/**
 * The backlog and six PENDING licenses for it, the same for the same seed
 * (but for the expiring license's `validUntil`, which is `now` + 20 days).
 */
export function seedData(
  n: number,
  random: () => number,
  now = new Date(),
): { shipments: Shipment[]; licenses: License[] } {
  const shipments = backlog(n, random);
  const demand = new Map<string, number>();
  for (const s of shipments) demand.set(s.licenseId, (demand.get(s.licenseId) ?? 0) + s.quantity);
  // Some licenses cover their whole backlog, some only part of it, so some run out.
  const coverage = [1.2, 0.6, 1.0, 0.45, 0.8, 1.0];
  const licenses: License[] = CUSTOMERS.map((customerId, i) => ({
    licenseId: licenseIdOf(i),
    licenseNumber: `EAR-2026-${String(4711 + i * 37).padStart(6, '0')}`,
    customerId,
    sku: SKU,
    destinationCountry: COUNTRIES[i] ?? 'AE',
    authorizedQuantity: Math.max(8, Math.round((demand.get(licenseIdOf(i)) ?? 0) * (coverage[i] ?? 1))),
    ...(i === VALUE_LIMITED
      ? {
          authorizedValue: authorizedValueFor(shipments, licenseIdOf(i), customerId),
          valueTolerancePercent: VALUE_TOLERANCE_PERCENT,
        }
      : {}),
    releasedQuantity: 0,
    releasedValue: 0,
    status: 'PENDING',
    validFrom: '2026-01-01T00:00:00.000Z',
    validUntil: i === EXPIRING ? endOfDayAfter(now, EXPIRING_IN_DAYS) : '2027-12-31T23:59:59.000Z',
  }));
  return { shipments, licenses };
}

/** Writes the inventory, the licenses and the backlog. */
export async function seed(
  scenario: Scenario,
  { shipments, licenses }: { shipments: readonly Shipment[]; licenses: readonly License[] },
): Promise<void> {
  const { tables, log } = scenario;
  await batchPut(
    scenario.ddb,
    tables.inventory,
    WAREHOUSES.map((warehouseId) => ({
      sku: SKU,
      warehouseId,
      onHand: 300_000,
      held: 0,
      released: 0,
      shipped: 0,
    })),
  );
  await batchPut(scenario.ddb, tables.licenses, licenses);
  await batchPut(scenario.ddb, tables.shipments, shipments);
  const value = shipments.reduce((v, s) => v + (s.value ?? 0), 0);
  const limited = licenses[VALUE_LIMITED];
  const expiring = licenses[EXPIRING];
  log(
    `Seeded ${SKU}: 900,000 units in ${WAREHOUSES.join(', ')}; ${licenses.length} PENDING licenses; ${shipments.length} held shipments worth ${usd(value)}.`,
  );
  if (limited?.authorizedValue !== undefined)
    log(
      `  ${limited.licenseId} limits value too: ${usd(limited.authorizedValue)} authorized, +${VALUE_TOLERANCE_PERCENT} % tolerance.`,
    );
  if (expiring)
    log(
      `  ${expiring.licenseId} is valid until ${expiring.validUntil} (within the clock's 30-day expiry lead).`,
    );
}
