/**
 * The scenario's starting data: 900,000 units in three warehouses, six
 * PENDING licenses and a backlog of held shipments, the same for the same
 * seed.
 */

import type { License, Shipment } from '../../shared/domain/model.js';
import { batchPut } from '../batch-put.js';
import { COUNTRIES, CUSTOMERS, licenseIdOf, type Scenario, SKU, WAREHOUSES } from './scenario.js';

/** A backlog of realistic orders: mostly small, a few large; priorities 1-5; requested over four months. */
export function seedData(n: number, random: () => number): { shipments: Shipment[]; licenses: License[] } {
  const sizes = [8, 8, 16, 16, 16, 24, 32, 32, 48, 64, 96, 128, 256, 512];
  const start = Date.parse('2026-07-01T00:00:00.000Z');
  const shipments: Shipment[] = [];
  const demand = new Array<number>(CUSTOMERS.length).fill(0);
  for (let i = 0; i < n; i++) {
    const c = Math.min(CUSTOMERS.length - 1, Math.floor(random() ** 1.3 * CUSTOMERS.length));
    const quantity = sizes[Math.floor(random() * sizes.length)] ?? 8;
    demand[c] = (demand[c] ?? 0) + quantity;
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
  // Some licenses cover their whole backlog, some only part of it, so some run out.
  const coverage = [1.2, 0.6, 1.0, 0.45, 0.8, 1.0];
  const licenses: License[] = CUSTOMERS.map((customerId, i) => ({
    licenseId: licenseIdOf(i),
    licenseNumber: `EAR-2026-${String(4711 + i * 37).padStart(6, '0')}`,
    customerId,
    sku: SKU,
    destinationCountry: COUNTRIES[i] ?? 'AE',
    authorizedQuantity: Math.max(8, Math.round((demand[i] ?? 0) * (coverage[i] ?? 1))),
    releasedQuantity: 0,
    releasedValue: 0,
    status: 'PENDING',
    validFrom: '2026-01-01T00:00:00.000Z',
    validUntil: '2027-12-31T23:59:59.000Z',
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
  log(
    `Seeded ${SKU}: 900,000 units in ${WAREHOUSES.join(', ')}; ${licenses.length} PENDING licenses; ${shipments.length} held shipments.`,
  );
}
