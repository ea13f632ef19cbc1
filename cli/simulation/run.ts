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
import { DEFAULT_EXPIRY_LEAD_DAYS, readDrawdownRecord } from '../../shared/domain/compliance.js';
import { isSettledImage } from '../../shared/domain/license-rules.js';
import type { LicenseStatus } from '../../shared/domain/model.js';
import type {
  AlertRecordAttribute,
  OpsAlert,
  RawItem,
  ShipmentRepository,
} from '../../shared/domain/ports.js';
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

/** A LICENSE_DRAWDOWN threshold the simulated engine announced (alerted, then recorded in drawdownAlerted). */
export interface Announced {
  limit: 'quantity' | 'value';
  thresholdPercent: number;
  /** What the license drew of that limit when it was announced. */
  drawn: number;
  /** The limit as the announcing pass applied it: authorizedQuantity, or the value cap. */
  of: number;
  /** Announced by the work done before the edit (the clock's by `at`, a running pass finished first). */
  beforeEdit: boolean;
}

/**
 * What became of a release pass still running in the snapshot (pendingWork):
 * finished before the edit (an amendment: `license amend` waits for it; time
 * alone; or the clock's ticks on the way to `at`), or replaced by the status
 * edit made while it runs, as the system takes a status at once.
 */
export type RunningPass = 'finished-first' | 'replaced-by-edit';

/** What the engine did to the copy. */
export interface EngineRun {
  /** The license item after the run. */
  license: RawItem;
  /** The license item as the work before the edit left it, just before the edit was made. */
  licenseBeforeEdit: RawItem;
  /** Each shipment of the snapshot after the run, by id. */
  shipments: Map<string, RawItem>;
  alerts: OpsAlert[];
  /** How many of `alerts` the work before the edit raised (0 without an edit). */
  alertsBeforeEdit: number;
  /** The drawdown thresholds the engine announced, in order: the LICENSE_DRAWDOWN alerts among `alerts`. */
  drawdown: Announced[];
  /** Every applyLicense outcome, in order (rejections name their reason). */
  outcomes: LicenseOutcome[];
  /** How many of `outcomes` came before the edit: the clock's work by `at`, a running pass finished first. */
  outcomesBeforeEdit: number;
  /** The applied status the clock left by `at`, before the edit, when it changed it (an expiry, a wake-up). */
  clockFirst?: string;
  /** The snapshot caught a release pass running (pendingWork): what the simulation did with it. */
  runningPass?: RunningPass;
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
 * `at`, then with the edit made at `at`. A release pass running in the
 * snapshot (pendingWork) ends within seconds of the read: it is finished
 * before the clock's next edge, and before an amendment (`license amend`
 * waits for it); a status is taken at once, on the running pass, whose work
 * its own pass replaces. The clock runs every minute, so by `at` it has
 * already done what time alone does to the license as it stands (expiry past
 * validUntil, the wake-up at validFrom, the settling pass): the edit is made
 * on the license that leaves, and judged from its status then.
 */
export async function runEngine(
  snapshot: Snapshot,
  edit: SimulatedEdit,
  at: Date,
  onProgress: RunProgress = () => {},
): Promise<EngineRun> {
  const editing = edit.status !== undefined || edit.terms !== undefined;
  const sim = simulation(snapshot, at, onProgress, editing);
  const { tables, licenseId } = sim;
  const start = { ...tables.writes };
  const outcomes = await workBeforeEdit(sim, snapshot, edit, at);
  const outcomesBeforeEdit = outcomes.length;
  const alertsBeforeEdit = editing ? sim.alerts.length : 0;
  const current = tables.get('licenses', licenseId) ?? snapshot.license;
  const clockFirst =
    current.appliedStatus !== snapshot.license.appliedStatus ? String(current.appliedStatus) : undefined;
  const runningPass = runningPassOf(snapshot.license, current, edit);
  if (editing) {
    tables.put('licenses', editedLicense(current, edit));
    start.licenses++; // the admin's write, not the engine's
  }
  sim.beforeEdit = false;
  outcomes.push(...(await settle(sim.deps, tables, licenseId)));
  const shipments = new Map<string, RawItem>();
  for (const s of snapshot.shipments) {
    const id = String(s.shipmentId);
    shipments.set(id, tables.get('shipments', id) ?? s);
  }
  return {
    license: tables.get('licenses', licenseId) ?? snapshot.license,
    licenseBeforeEdit: current,
    shipments,
    alerts: sim.alerts,
    alertsBeforeEdit,
    drawdown: sim.drawdown,
    outcomes,
    outcomesBeforeEdit,
    ...(clockFirst === undefined ? {} : { clockFirst }),
    ...(runningPass === undefined ? {} : { runningPass }),
    writes: {
      licenses: tables.writes.licenses - start.licenses,
      shipments: tables.writes.shipments - start.shipments,
    },
  };
}

/** The copy the engine runs on, its deps, and what it announces. */
interface Simulation {
  tables: MemoryTables;
  licenseId: string;
  deps: SimulationDeps;
  setClock(ms: number): void;
  alerts: OpsAlert[];
  drawdown: Announced[];
  /** Whether what the engine does now is the work before the edit. */
  beforeEdit: boolean;
}

/** The snapshot copied into memory tables, with the engine's deps over them, its clock at `at`. */
function simulation(snapshot: Snapshot, at: Date, onProgress: RunProgress, editing: boolean): Simulation {
  const tables = new MemoryTables();
  for (const item of snapshot.inventory) tables.put('inventory', item);
  for (const item of snapshot.shipments) tables.put('shipments', item);
  tables.put('licenses', snapshot.license);
  let clock = at.getTime();
  const now = () => new Date(clock);
  let tokens = 0;
  const alerter = new RecordingAlerter();
  const sim: Simulation = {
    tables,
    licenseId: String(snapshot.license.licenseId),
    setClock: (ms) => {
      clock = ms;
    },
    alerts: alerter.alerts,
    drawdown: [],
    beforeEdit: true,
    deps: {
      licenses: new AnnouncingLicenses(tables, (before, record) =>
        sim.drawdown.push(...announcedIn(before, record, editing && sim.beforeEdit)),
      ),
      shipments: observed(new MemoryShipmentRepository(tables, now), tables, onProgress),
      inventory: new MemoryInventoryRepository(tables),
      alerter,
      now,
      newToken: () => `simulation-${++tokens}`,
      settleDelayMs: SETTLE_DELAY_MS,
      // The clock's expiry watch as deployed (LICENSE_EXPIRING to ops, digests to warehouses), at the default leads.
      watch: { publisher: new MemoryPublisher(), leadDays: DEFAULT_EXPIRY_LEAD_DAYS },
    },
  };
  return sim;
}

/**
 * What happens before the edit: a running pass finished first when time
 * passes an edge of the window before `at`, or the edit is an amendment (see
 * runEngine); then what the clock does by `at`, tick by tick at each edge of
 * the window on the way (each of its writes is a record license-events
 * applies). The applyLicense outcomes, in order.
 */
async function workBeforeEdit(
  sim: Simulation,
  snapshot: Snapshot,
  edit: SimulatedEdit,
  at: Date,
): Promise<LicenseOutcome[]> {
  const outcomes: LicenseOutcome[] = [];
  const ticks = ticksUntil(snapshot, at);
  const amendment = edit.status === undefined && edit.terms !== undefined;
  if (snapshot.license.pendingWork !== undefined && (ticks.length > 1 || amendment)) {
    sim.setClock(Math.min(snapshot.readAt?.getTime() ?? at.getTime(), at.getTime()));
    outcomes.push(...(await settle(sim.deps, sim.tables, sim.licenseId)));
  }
  for (const tick of ticks) {
    sim.setClock(tick);
    if (await clockActed(sim.deps)) outcomes.push(...(await settle(sim.deps, sim.tables, sim.licenseId)));
  }
  return outcomes;
}

/** What became of the pass the snapshot caught running, if it caught one: still running at the edit, a status replaces it. */
function runningPassOf(read: RawItem, current: RawItem, edit: SimulatedEdit): RunningPass | undefined {
  if (read.pendingWork === undefined) return undefined;
  return current.pendingWork !== undefined && edit.status !== undefined
    ? 'replaced-by-edit'
    : 'finished-first';
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/**
 * The thresholds one drawdownAlerted write records as announced: those the
 * new record lists for its limit and the license's record (`before`) did not
 * list for that same limit; the engine alerts exactly these, then records
 * them (shared/engine/license-drawdown.ts). Each with what the license drew
 * then and the limit the announcing pass applied.
 */
export function announcedIn(before: RawItem, value: unknown, beforeEdit: boolean): Announced[] {
  const had = readDrawdownRecord(before.drawdownAlerted);
  const next = readDrawdownRecord(value);
  const drawn = { quantity: num(before.releasedQuantity), value: num(before.releasedValue) };
  return (['quantity', 'value'] as const).flatMap((limit) => {
    const of = limit === 'quantity' ? next.quantityLimit : next.valueLimit;
    const was = limit === 'quantity' ? had.quantityLimit : had.valueLimit;
    if (of === undefined) return [];
    const listed = was === of ? had[limit] : [];
    return next[limit]
      .filter((t) => !listed.includes(t))
      .sort((a, b) => a - b)
      .map((thresholdPercent) => ({ limit, thresholdPercent, drawn: drawn[limit], of, beforeEdit }));
  });
}

/** The license repository, reporting each drawdownAlerted record the engine writes with the item it replaced. */
class AnnouncingLicenses extends MemoryLicenseRepository {
  constructor(
    private readonly store: MemoryTables,
    private readonly onRecorded: (before: RawItem, record: Record<string, unknown>) => void,
  ) {
    super(store);
  }

  override async recordAlerted(
    licenseId: string,
    attribute: AlertRecordAttribute,
    value: Record<string, unknown>,
    expect: Record<string, unknown>,
  ): Promise<boolean> {
    const before = this.store.get('licenses', licenseId);
    const recorded = await super.recordAlerted(licenseId, attribute, value, expect);
    if (recorded && attribute === 'drawdownAlerted' && before !== undefined) this.onRecorded(before, value);
    return recorded;
  }
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
