/**
 * Runs the license engine itself (`applyLicense`, with its real passes, and
 * the license clock) on an in-memory copy of one license, its HELD and
 * RELEASED shipments and their Inventory items, as if the admin had made an
 * edit at time `at`. The ports are the memory adapters of
 * shared/adapters/memory: writes land in the copy, alerts are recorded.
 * Nothing reaches DynamoDB or SNS: the caller reads the tables once, and
 * this module never sees a client.
 */
import {
  MemoryInventoryRepository,
  MemoryLicenseRepository,
  MemoryPublisher,
  MemoryShipmentRepository,
  MemoryTables,
  RecordingAlerter,
} from '../../shared/adapters/memory.js';
import { DEFAULT_EXPIRY_LEAD_DAYS } from '../../shared/domain/compliance.js';
import { isSettledImage } from '../../shared/domain/license-rules.js';
import type { LicenseStatus } from '../../shared/domain/model.js';
import type { OpsAlert, RawItem, ShipmentRepository } from '../../shared/domain/ports.js';
import { type ClockWatch, clockTick } from '../../shared/engine/clock.js';
import {
  applyLicense,
  type LicenseEngineDeps,
  type LicenseOutcome,
} from '../../shared/engine/license-engine.js';
import type { AmendRequest } from '../amend-plan.js';
import { CliError } from '../errors.js';

/** What the tables hold of one license, read once. */
export interface Snapshot {
  license: RawItem;
  /** HELD and RELEASED shipments of the license (its two sparse indexes). */
  shipments: readonly RawItem[];
  /** Inventory items of the skus the shipments name. */
  inventory: readonly RawItem[];
  /**
   * When it was read: the clock's ticks between then and `at` are run in turn
   * (a wake-up at `validFrom`, then an expiry at `validUntil`). Without it,
   * one tick at `at` stands for them all.
   */
  readAt?: Date;
}

/** The edit to simulate: a status, amended terms, or both; neither lets only time pass (`at`). */
export interface SimulatedEdit {
  status?: LicenseStatus;
  terms?: AmendRequest;
}

/** Who the simulated edit records as its author (`updatedBy`) in the copy. */
export const SIMULATION_ACTOR = 'simulation';

/** What the engine did to the copy. */
export interface EngineRun {
  /** The license item after the run. */
  license: RawItem;
  /** Each shipment of the snapshot after the run, by id. */
  shipments: Map<string, RawItem>;
  alerts: OpsAlert[];
  /** Every applyLicense outcome, in order (rejections name their reason). */
  outcomes: LicenseOutcome[];
  /** How many of `outcomes` came before the edit: the clock's work by `at` on the license as it stood. */
  outcomesBeforeEdit: number;
  /** The applied status the clock left by `at`, before the edit, when it changed it (an expiry, a wake-up). */
  clockFirst?: string;
  /** License and shipment items the engine wrote in the copy. */
  writes: { licenses: number; shipments: number };
}

/** Calls on the way, to show progress: pages read and writes committed in memory. */
export type RunProgress = (state: { pagesRead: number; shipmentWrites: number }) => void;

/** applyLicense and clock rounds before the simulation gives up: the real system settles in a few. */
const MAX_ROUNDS = 12;
/**
 * From the end of a pass to its settling pass: none, so that the clock tick
 * at `at` asks for it. The settling pass is part of what the system does: it
 * names the limit a HELD shipment is short of once the releases after it in
 * hold order have drawn (short of value when the pass reached it, of quantity
 * by the end), and tells its customer. Without it the simulation showed the
 * first pass's reasons, not the ones the shipments keep.
 */
const SETTLE_DELAY_MS = 0;

/** The license item with the edit made as the admin would make it in the console. */
export function editedLicense(license: RawItem, edit: SimulatedEdit): RawItem {
  const item: RawItem = { ...license };
  if (edit.status !== undefined) item.status = edit.status;
  for (const [term, value] of Object.entries(edit.terms?.set ?? {})) item[term] = value;
  for (const term of edit.terms?.remove ?? []) delete item[term];
  if (edit.status !== undefined || edit.terms !== undefined) item.updatedBy = SIMULATION_ACTOR;
  return item;
}

/**
 * Runs the engine on the snapshot as the streams and the clock would up to
 * `at`, then with the edit made at `at`. The clock runs every minute, so by
 * `at` it has already done what time alone does to the license as it stands
 * (expiry past validUntil, the wake-up at validFrom, the settling pass): the
 * edit is made on the license that leaves, and judged from its status then.
 */
export async function runEngine(
  snapshot: Snapshot,
  edit: SimulatedEdit,
  at: Date,
  onProgress: RunProgress = () => {},
): Promise<EngineRun> {
  const tables = new MemoryTables();
  const licenseId = String(snapshot.license.licenseId);
  for (const item of snapshot.inventory) tables.put('inventory', item);
  for (const item of snapshot.shipments) tables.put('shipments', item);
  tables.put('licenses', snapshot.license);
  const start = { ...tables.writes };
  let clock = at.getTime();
  const now = () => new Date(clock);
  let tokens = 0;
  const newToken = () => `simulation-${++tokens}`;
  const alerter = new RecordingAlerter();
  const deps = {
    licenses: new MemoryLicenseRepository(tables),
    shipments: observed(new MemoryShipmentRepository(tables, now), tables, onProgress),
    inventory: new MemoryInventoryRepository(tables),
    alerter,
    now,
    newToken,
    settleDelayMs: SETTLE_DELAY_MS,
    // The clock's expiry watch as deployed (LICENSE_EXPIRING to ops, digests to warehouses), at the default leads.
    watch: { publisher: new MemoryPublisher(), leadDays: DEFAULT_EXPIRY_LEAD_DAYS },
  };
  // First what the clock has done by `at` to the license as it stands, tick by tick at each edge of its window
  // on the way (each of its writes is a record license-events applies).
  const outcomes: LicenseOutcome[] = [];
  for (const tick of ticksUntil(snapshot, at)) {
    clock = tick;
    if (await clockActed(deps)) outcomes.push(...(await settle(deps, tables, licenseId)));
  }
  const outcomesBeforeEdit = outcomes.length;
  const current = tables.get('licenses', licenseId);
  const clockFirst =
    current !== undefined && current.appliedStatus !== snapshot.license.appliedStatus
      ? String(current.appliedStatus)
      : undefined;
  if (current !== undefined && (edit.status !== undefined || edit.terms !== undefined)) {
    tables.put('licenses', editedLicense(current, edit));
    start.licenses++; // the admin's write, not the engine's
  }
  outcomes.push(...(await settle(deps, tables, licenseId)));
  const shipments = new Map<string, RawItem>();
  for (const s of snapshot.shipments) {
    const id = String(s.shipmentId);
    shipments.set(id, tables.get('shipments', id) ?? s);
  }
  return {
    license: tables.get('licenses', licenseId) ?? snapshot.license,
    shipments,
    alerts: alerter.alerts,
    outcomes,
    outcomesBeforeEdit,
    ...(clockFirst === undefined ? {} : { clockFirst }),
    writes: {
      licenses: tables.writes.licenses - start.licenses,
      shipments: tables.writes.shipments - start.shipments,
    },
  };
}

/**
 * As the Licenses stream and the clock would: applyLicense, again while the
 * license shows work (a continued pass, a status the engine set, a rejection
 * to record), then one clock tick, and again until neither has anything to
 * do. The applyLicense outcomes, in order.
 */
async function settle(
  deps: SimulationDeps,
  tables: MemoryTables,
  licenseId: string,
): Promise<LicenseOutcome[]> {
  const outcomes: LicenseOutcome[] = [];
  for (let round = 0; ; round++) {
    if (round >= MAX_ROUNDS)
      throw new CliError(
        `the simulation of license ${licenseId} did not settle after ${MAX_ROUNDS} passes; nothing was written. Report this with the license's item (\`clearance --json license show ${licenseId}\`)`,
      );
    const outcome = await applyLicense(deps, licenseId, Number.POSITIVE_INFINITY);
    outcomes.push(outcome);
    if (outcome.kind === 'missing') break;
    if (outcome.kind !== 'noop' && !isSettledImage(tables.get('licenses', licenseId))) continue;
    if (!(await clockActed(deps))) break;
  }
  return outcomes;
}

/** The engine's deps, and what the clock's expiry watch needs besides them. */
type SimulationDeps = LicenseEngineDeps & { watch: Pick<ClockWatch, 'publisher' | 'leadDays'> };

/** One clock tick at `now`: whether it expired the license, woke it at validFrom or asked for its settling pass. */
async function clockActed(deps: SimulationDeps): Promise<boolean> {
  const watch: ClockWatch = {
    ...deps.watch,
    licenses: deps.licenses,
    shipments: deps.shipments,
    alerter: deps.alerter,
  };
  const tick = await clockTick(deps.licenses, deps.now(), deps.newToken, watch);
  return tick.expired.length + tick.woken.length + tick.settling.length > 0;
}

/**
 * The clock's ticks up to `at` that can change the license as it stands or
 * warn of it: at `validFrom`, at each expiry lead before `validUntil` and just
 * past `validUntil`, where they fall after the snapshot was read and before
 * `at`, in time order, and then `at`.
 */
function ticksUntil(snapshot: Snapshot, at: Date): number[] {
  const from = snapshot.readAt?.getTime();
  const until = Date.parse(String(snapshot.license.validUntil));
  const leads = DEFAULT_EXPIRY_LEAD_DAYS.map((days) => until - days * 86_400_000);
  const edges = [Date.parse(String(snapshot.license.validFrom)), ...leads, until + 1];
  const between = from === undefined ? [] : edges.filter((t) => t > from && t < at.getTime());
  return [...between.sort((a, b) => a - b), at.getTime()];
}

/** The shipment repository, reporting each page read and each commit to `onProgress`. */
function observed(
  repo: MemoryShipmentRepository,
  tables: MemoryTables,
  onProgress: RunProgress,
): ShipmentRepository {
  let pagesRead = 0;
  const before = tables.writes.shipments;
  const report = () => onProgress({ pagesRead, shipmentWrites: tables.writes.shipments - before });
  return {
    async page(...args) {
      pagesRead++;
      report();
      return repo.page(...args);
    },
    async commit(...args) {
      const result = await repo.commit(...args);
      report();
      return result;
    },
    update: (write, entry) => repo.update(write, entry),
    get: (shipmentId) => repo.get(shipmentId),
    scan: () => repo.scan(),
    countHeldByReason: (licenseId) => repo.countHeldByReason(licenseId),
    sumHeld: (licenseId) => repo.sumHeld(licenseId),
  };
}
