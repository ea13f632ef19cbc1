/**
 * Helpers of the engine unit tests (test/unit/engine): a license under test
 * in a memory world, the engines invoked as the handlers invoke them, and the
 * store read back by license.
 */
import { expect } from 'vitest';
import type { Snapshot } from '../../../cli/simulation/run.js';
import { licenseOfIndexKey } from '../../../shared/domain/index-keys.js';
import { isSettledImage } from '../../../shared/domain/license-rules.js';
import type { License, Shipment } from '../../../shared/domain/model.js';
import type { RawItem } from '../../../shared/domain/ports.js';
import { type ClockWatch, clockTick } from '../../../shared/engine/clock.js';
import { applyLicense, type LicenseOutcome } from '../../../shared/engine/license-engine.js';
import {
  processShipmentRecords,
  recordShipmentHistory,
  type ShipmentBatchResult,
} from '../../../shared/engine/shipment-engine.js';
import { GSI_ATTR } from '../../../shared/names.js';
import { aLicense, anInventory, aShipmentFor, nextId } from '../factories.js';
import type { MemoryWorld } from './world.js';

export const ON_HAND = 900_000;

/** A deadline no test reaches. */
export const LATER = () => Date.now() + 60_000;
/** A deadline already past: a pass hands over after each page that wrote something. */
export const PAST = () => Date.now() - 1;

/** A license under test: its item as seeded and a builder of matching shipments. */
export interface LicenseUnderTest {
  readonly license: License;
  readonly licenseId: string;
  /** A HELD shipment matching the license at WH-1 (nothing written). */
  shipment(overrides?: Partial<Shipment>): Shipment;
}

/**
 * Seeds a license for a sku of its own, applied as PENDING unless the
 * overrides say otherwise, with that sku stocked at WH-1 and WH-2.
 */
export function givenLicense(w: MemoryWorld, overrides: Partial<License> = {}): LicenseUnderTest {
  const sku = overrides.sku ?? nextId('SKU');
  const license = aLicense({
    licenseId: nextId('LIC'),
    sku,
    status: 'PENDING',
    appliedStatus: 'PENDING',
    ...overrides,
  });
  w.seed.inventory(anInventory({ sku, warehouseId: 'WH-1' }), anInventory({ sku, warehouseId: 'WH-2' }));
  w.seed.license(license);
  return {
    license,
    licenseId: license.licenseId,
    shipment: (o = {}) => aShipmentFor(license, { warehouseId: 'WH-1', ...o }),
  };
}

/** applyLicense as license-events calls it, for one license. */
export const apply = (
  w: MemoryWorld,
  licenseId: string,
  deadline = LATER(),
  deps: { pageSize?: number } = {},
): Promise<LicenseOutcome> => applyLicense(w.licenseDeps(deps), licenseId, deadline);

/**
 * A license (see givenLicense) with a backlog accepted as HELD, one shipment
 * per entry of `backlog`, in hold order: priority `step`, 2 × `step`, ...
 * (a step above 1 leaves room for shipments added between them).
 */
export function withBacklog(
  w: MemoryWorld,
  license: Partial<License>,
  backlog: readonly Partial<Shipment>[],
  step = 1,
): { lut: LicenseUnderTest; ids: string[] } {
  const lut = givenLicense(w, license);
  const shipments = backlog.map((o, i) => lut.shipment({ priority: (i + 1) * step, ...o }));
  w.seed.accepted(shipments);
  return { lut, ids: shipments.map((s) => s.shipmentId) };
}

/** The admin edits one attribute of the license in the console; license-events applies it. */
export function amend(
  w: MemoryWorld,
  lut: LicenseUnderTest,
  attribute: string,
  value: unknown,
  deps: { deadline?: number; pageSize?: number } = {},
): Promise<LicenseOutcome> {
  w.console.edit('licenses', lut.licenseId, attribute, value);
  const { deadline, ...rest } = deps;
  return apply(w, lut.licenseId, deadline, rest);
}

/**
 * Runs the license's pending work to its end in slices that are out of time
 * once they have written (each hands over after its first page that wrote),
 * failing the test past `maxSlices`.
 */
export async function applyInSlices(
  w: MemoryWorld,
  licenseId: string,
  deps: { pageSize?: number } = {},
  maxSlices = 20,
): Promise<void> {
  for (let slice = 0; w.license(licenseId).pendingWork !== undefined; slice++) {
    expect(slice, 'slices before the pass ends').toBeLessThan(maxSlices);
    await apply(w, licenseId, PAST(), deps);
  }
}

/** The admin sets a license's status in the console, and license-events applies it. */
export function setStatus(w: MemoryWorld, licenseId: string, status: unknown): Promise<LicenseOutcome> {
  w.console.edit('licenses', licenseId, 'status', status);
  return apply(w, licenseId);
}

/**
 * The Shipments stream's two consumers on every record written since they
 * last ran: shipment-history records the committed changes in History, then
 * shipment-events counts, rejects, asks for releases and notifies.
 */
export async function shipmentEvents(w: MemoryWorld): Promise<ShipmentBatchResult> {
  const records = w.shipmentRecords();
  await recordShipmentHistory(w.shipmentDeps(), records);
  return processShipmentRecords(w.shipmentDeps(), records);
}

/**
 * Both Shipments stream consumers until a round finds no record; how many
 * rounds found some. Throws if the stream never goes quiet: the system would
 * be answering its own writes.
 */
export async function settleShipments(w: MemoryWorld): Promise<number> {
  for (let round = 0; round < 10; round++) {
    const records = w.shipmentRecords();
    if (records.length === 0) return round;
    await recordShipmentHistory(w.shipmentDeps(), records);
    await processShipmentRecords(w.shipmentDeps(), records);
  }
  throw new Error('the Shipments stream never went quiet: the system keeps answering its own writes');
}

/**
 * The whole system after a write, until nothing is left to do: license-events
 * on every Licenses record that is not a settled write-back, both Shipments
 * stream consumers, and the clock (with its expiry watch, as deployed) at the world's time, then at each settling
 * pass's time (a delay no validity boundary of these tests falls in).
 */
export async function settleSystem(w: MemoryWorld, licenseId: string): Promise<void> {
  for (let round = 0; round < 40; round++) {
    if (w.licenseRecords().some((rec) => !isSettledImage(rec.newImage))) {
      await apply(w, licenseId);
      continue;
    }
    const records = w.shipmentRecords();
    if (records.length > 0) {
      await recordShipmentHistory(w.shipmentDeps(), records);
      await processShipmentRecords(w.shipmentDeps(), records);
      continue;
    }
    // The clock as deployed, with its expiry watch (functions/license-clock.ts).
    const tick = await clockTick(w.licenses, w.now(), w.newToken, clockWatchOf(w));
    if (tick.expired.length + tick.woken.length + tick.settling.length > 0) continue;
    const license = w.license(licenseId);
    // A license with work pending (waiting for a damaged seal's fix) is never settled by the clock.
    if (license.settleCheckAt === undefined || license.pendingWork !== undefined) return;
    w.setNow(new Date(Math.max(w.now().getTime(), Date.parse(String(license.settleCheckAt)))));
  }
  throw new Error('did not settle');
}

/** Every shipment of a license, by id. */
export const shipmentsOf = (w: MemoryWorld, licenseId: string): Map<string, RawItem> =>
  new Map(
    w
      .items('shipments')
      .filter((s) => s.licenseId === licenseId)
      .map((s) => [String(s.shipmentId), s]),
  );

/** Ids of a license's shipments with `status`, sorted. */
export const idsWith = (w: MemoryWorld, licenseId: string, status: string): string[] =>
  [...shipmentsOf(w, licenseId).values()]
    .filter((s) => s.status === status)
    .map((s) => String(s.shipmentId))
    .sort();

/** `{ shipmentId: holdReason }` of a license's HELD shipments. */
export const holdReasons = (w: MemoryWorld, licenseId: string): Record<string, unknown> =>
  Object.fromEntries(
    [...shipmentsOf(w, licenseId).values()]
      .filter((s) => s.status === 'HELD')
      .map((s) => [String(s.shipmentId), s.holdReason]),
  );

/** Expects the Inventory counters of (sku, warehouse); `onHand` defaults to untouched stock. */
export function expectCounters(
  w: MemoryWorld,
  sku: string,
  warehouseId: string,
  expected: { held: number; released: number; shipped?: number; onHand?: number },
): void {
  const inv = w.counters(sku, warehouseId);
  expect(
    { held: inv.held, released: inv.released, shipped: inv.shipped, onHand: inv.onHand },
    `counters of ${sku}/${warehouseId}`,
  ).toEqual({ shipped: 0, onHand: ON_HAND, ...expected });
}

/** Expects I1–I3 to hold over the whole store. */
export const expectInvariants = (w: MemoryWorld): void => expect(w.violations()).toEqual([]);

/** How many committed changes of each shipment carried `status` (from the Shipments stream). */
export function changesTo(w: MemoryWorld, status: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of w.store.streams.shipments) {
    const before = Number(e.oldImage?.revision ?? 0);
    if (e.newImage?.countedStatus !== status || Number(e.newImage.revision ?? 0) <= before) continue;
    counts.set(e.key, (counts.get(e.key) ?? 0) + 1);
  }
  return counts;
}

/** What `license simulate` reads (cli/simulation/run.ts): the license, its HELD and RELEASED shipments (the two indexes) and the Inventory. */
export function snapshotOf(w: MemoryWorld, licenseId: string): Snapshot {
  return {
    license: w.license(licenseId),
    shipments: w
      .items('shipments')
      .filter((s) =>
        [s[GSI_ATTR.heldLicenseId], s[GSI_ATTR.releasedLicenseId]].some(
          (key) => typeof key === 'string' && licenseOfIndexKey(key) === licenseId,
        ),
      ),
    inventory: w.items('inventory'),
    readAt: w.now(),
  };
}

/** The clock's expiry watch over the world's ports, with the default lead times (30, 7 and 1 days) and `more`. */
export const clockWatchOf = (w: MemoryWorld, more: Partial<ClockWatch> = {}): ClockWatch => ({
  licenses: w.licenses,
  shipments: w.shipments,
  alerter: w.alerter,
  publisher: w.publisher,
  leadDays: [30, 7, 1],
  ...more,
});

/** The LICENSE_DRAWDOWN alerts of a license as `dimension threshold` (e.g. `quantity 80`), in order. */
export const drawdownsOf = (w: MemoryWorld, lut: LicenseUnderTest): string[] =>
  w.alerter.compliance(lut.licenseId, 'LICENSE_DRAWDOWN').map(
    (a) =>
      a.subject
        .match(/(\d+) % of its (quantity|value) limit/)
        ?.slice(1, 3)
        .reverse()
        .join(' ') ?? a.subject,
  );

/** A new shipment entered in the console; intake asks for a release pass, which license-events runs. */
export async function newShipment(
  w: MemoryWorld,
  lut: LicenseUnderTest,
  overrides: Partial<Shipment>,
): Promise<LicenseOutcome> {
  w.console.put('shipments', lut.shipment({ priority: 50, ...overrides }));
  await shipmentEvents(w);
  return apply(w, lut.licenseId);
}
