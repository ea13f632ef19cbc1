/**
 * Seeding (never timed) and the end-state check shared by the clearance and
 * naive measurements.
 *
 * Seeding writes what an order system and an admin would: the Inventory
 * items, the PENDING licenses and the N HELD shipments, then waits until
 * shipment-events has accepted every shipment (countedStatus, GSI keys,
 * counters). That is the state an approval finds in production.
 */
import { licenseIndexPages } from '../shared/adapters/dynamo.js';
import { type BenchContext, batchGet, batchPut, fmt } from './context.js';
import { heldInventory, heldItems, type Workload } from './workload.js';

export async function seedWorkload(ctx: BenchContext, w: Workload): Promise<{ ms: number }> {
  const started = Date.now();
  await batchPut(ctx.ddb, ctx.tables.inventory, w.inventory);
  await batchPut(ctx.ddb, ctx.tables.licenses, w.licenses);
  await batchPut(ctx.ddb, ctx.tables.shipments, w.shipments);
  await ctx.stack.drain({ timeoutMs: ctx.timeoutMs(w.n) });
  const inventory = await batchGet(
    ctx.ddb,
    ctx.tables.inventory,
    w.warehouses.map((warehouseId) => ({ sku: w.sku, warehouseId })),
  );
  const held = inventory.reduce((n, i) => n + Number(i.held ?? 0), 0);
  if (held !== w.units.total) {
    throw new Error(
      `seeding ${w.tag}: the counters hold ${fmt(held)} units after the intake, expected ${fmt(w.units.total)}`,
    );
  }
  return { ms: Date.now() - started };
}

/**
 * Seeds the workload directly in the state the intake leaves it (countedStatus
 * HELD, hold reason, GSI keys, counters holding the units), without making
 * shipment-events do the intake: for the naive peer, whose seeding would
 * otherwise cost as much as a release. `revision` is left out, so the
 * handlers, which read these INSERT records, find nothing to count or
 * announce; the naive release then makes it 1 (clearance's makes it 2, after
 * the intake's 1): the items end with the same attributes.
 */
export async function seedAccepted(ctx: BenchContext, w: Workload): Promise<{ ms: number }> {
  const started = Date.now();
  await batchPut(ctx.ddb, ctx.tables.inventory, heldInventory(w));
  await batchPut(ctx.ddb, ctx.tables.licenses, w.licenses);
  await batchPut(ctx.ddb, ctx.tables.shipments, heldItems(w));
  await ctx.stack.drain({ timeoutMs: ctx.timeoutMs(w.n) });
  return { ms: Date.now() - started };
}

/** Items under one license's keys of a sparse GSI (see index-keys.ts), and their units. */
export async function indexContents(
  ctx: BenchContext,
  index: 'held' | 'released',
  licenseId: string,
): Promise<{ count: number; units: number; wrongStatus: number }> {
  let count = 0;
  let units = 0;
  let wrongStatus = 0;
  const want = index === 'held' ? 'HELD' : 'RELEASED';
  const read = { attributes: { '#q': 'quantity', '#s': 'status', '#c': 'countedStatus' } };
  for await (const out of licenseIndexPages(ctx.ddb, ctx.tables.shipments, index, licenseId, read)) {
    for (const item of out.Items ?? []) {
      count++;
      units += Number(item.quantity ?? 0);
      if (item.status !== want || item.countedStatus !== want) wrongStatus++;
    }
  }
  return { count, units, wrongStatus };
}

/**
 * The end state both release paths must reach: every shipment RELEASED (in
 * the released index, none left in the held one), every license's
 * releasedQuantity equal to its released shipments' units, every Inventory
 * counter exact. Returns the problems found (none when right).
 */
export async function checkReleasedState(ctx: BenchContext, w: Workload): Promise<string[]> {
  const problems: string[] = [];
  const expectedCount = new Map<string, number>();
  for (const s of w.shipments) expectedCount.set(s.licenseId, (expectedCount.get(s.licenseId) ?? 0) + 1);
  const licenses = await batchGet(
    ctx.ddb,
    ctx.tables.licenses,
    w.licenses.map((l) => ({ licenseId: l.licenseId })),
  );
  for (const l of w.licenses) {
    const released = await indexContents(ctx, 'released', l.licenseId);
    const held = await indexContents(ctx, 'held', l.licenseId);
    const item = licenses.find((x) => x.licenseId === l.licenseId);
    const units = w.units.byLicense.get(l.licenseId) ?? 0;
    if (held.count > 0) problems.push(`${l.licenseId}: ${held.count} shipments still HELD`);
    if (released.count !== (expectedCount.get(l.licenseId) ?? 0))
      problems.push(
        `${l.licenseId}: ${released.count} RELEASED, expected ${expectedCount.get(l.licenseId) ?? 0}`,
      );
    if (released.wrongStatus > 0)
      problems.push(`${l.licenseId}: ${released.wrongStatus} with a wrong status`);
    if (released.units !== units)
      problems.push(`${l.licenseId}: RELEASED units ${released.units}, expected ${units}`);
    if (Number(item?.releasedQuantity) !== released.units)
      problems.push(
        `${l.licenseId}: releasedQuantity ${String(item?.releasedQuantity)}, shipments hold ${released.units}`,
      );
    if (item?.status !== 'APPROVED' || item.appliedStatus !== 'APPROVED' || item.pendingWork !== undefined)
      problems.push(`${l.licenseId}: not settled (${String(item?.status)}/${String(item?.appliedStatus)})`);
  }
  const inventory = await batchGet(
    ctx.ddb,
    ctx.tables.inventory,
    w.warehouses.map((warehouseId) => ({ sku: w.sku, warehouseId })),
  );
  for (const wh of w.warehouses) {
    const i = inventory.find((x) => x.warehouseId === wh);
    const units = w.units.byWarehouse.get(wh) ?? 0;
    if (Number(i?.held) !== 0 || Number(i?.released) !== units || Number(i?.shipped ?? 0) !== 0)
      problems.push(
        `${w.sku}/${wh}: held ${String(i?.held)} released ${String(i?.released)}, expected 0 and ${units}`,
      );
  }
  return problems;
}
