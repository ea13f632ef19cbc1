/**
 * What a simulation shows: the engine's run on the copy (./run.ts) compared
 * with the snapshot it started from. Shipments that go HELD → RELEASED are
 * releases, RELEASED → HELD re-holds, HELD → HELD holds with their (new)
 * reason; totals, warehouses, the license's drawdown and what remains, the
 * alerts the engine raised, and the drawdown thresholds it announced.
 */
import { DEFAULT_DRAWDOWN_THRESHOLDS } from '../../shared/domain/compliance.js';
import { type License, LicenseSchema, parseItem } from '../../shared/domain/model.js';
import { holdOrderKey, type Remaining, remainingOf, valueCap } from '../../shared/domain/planning.js';
import type { RawItem } from '../../shared/domain/ports.js';
import { underAppliedTerms } from '../../shared/domain/terms.js';
import type { EngineRun, RunningPass, SimulatedEdit, Snapshot } from './run.js';

/** Shipments, units and value in one bucket. */
export interface Tally {
  shipments: number;
  units: number;
  value: number;
}

/** A HELD shipment after the run: its hold reason now and before (absent: it was RELEASED). */
export interface Hold {
  shipmentId: string;
  holdReason: string;
  previousHoldReason?: string;
}

/** One shipment of the result, for the rows people read. */
export interface ShipmentRow {
  shipmentId: string;
  warehouseId: string;
  priority: number;
  units: number;
  value?: number;
  before: string;
  after: string;
}

/** The license as the result leaves it. */
export interface LicenseState {
  status: unknown;
  appliedStatus: unknown;
  authorizedQuantity: unknown;
  authorizedValue: unknown;
  valueTolerancePercent: unknown;
  /** The value limit with its tolerance; null: quantity only. */
  valueCap: number | null;
  releasedQuantity: number;
  releasedValue: number;
  remaining: Remaining | null;
  statusError?: unknown;
  waitingForValidFrom?: unknown;
}

/** A drawdown threshold the engine announced (a LICENSE_DRAWDOWN alert). */
export interface Crossing {
  limit: 'quantity' | 'value';
  thresholdPercent: number;
  /** What the license drew of that limit when the work that crossed it began: the snapshot's, or the edit's. */
  drawnBefore: number;
  /** What it drew when the threshold was announced. */
  drawnAfter: number;
  /** authorizedQuantity, or the value cap (authorizedValue with its tolerance), as in force then. */
  of: number;
  /** Crossed by the work before the edit (the clock's by `at`, a running pass finished first), under the terms then. */
  beforeEdit: boolean;
}

export interface SimulationReport {
  licenseId: string;
  at: string;
  edit: { status?: string; set?: Record<string, unknown>; remove?: string[] };
  /** Edits the engine rejected (a status the rules do not allow from the applied one). */
  rejected: string[];
  /** The applied status the clock had left by `at`, before the edit, when it changed it (EngineRun.clockFirst). */
  clockFirst?: string;
  /** The license was being applied when read (pendingWork): that pass finished first, or the status edit replaced it. */
  runningPass?: RunningPass;
  license: { before: LicenseState; after: LicenseState };
  releases: string[];
  reholds: string[];
  /** The hold reason each re-held shipment would get. */
  reholdReasons: Hold[];
  holds: Hold[];
  totals: {
    released: Tally;
    reheld: Tally;
    stillHeld: Tally;
    stillReleased: Tally;
    heldByReason: Record<string, Tally>;
  };
  warehouses: { warehouseId: string; released: Tally; reheld: Tally; held: Tally }[];
  remaining: { before: Remaining | null; after: Remaining | null };
  /** `beforeEdit`: raised by the work before the edit (the clock's by `at`, a running pass finished first). */
  alerts: { severity: string; subject: string; message: string; alertType?: string; beforeEdit?: true }[];
  drawdown: {
    method: string;
    thresholdsPercent: number[];
    /** The thresholds the engine announced, in order: its LICENSE_DRAWDOWN alerts, one each. */
    crossed: Crossing[];
    /** The engine raised LICENSE_DRAWDOWN alerts (they are in `alerts`, one per crossing). */
    sentByEngine: boolean;
  };
  /** The rows people read: releases, re-holds and holds, each in hold order. */
  rows: { released: ShipmentRow[]; reheld: ShipmentRow[]; held: ShipmentRow[] };
  /** What the simulation read and wrote (in memory only). */
  cost: { shipmentsRead: number; writesInMemory: number };
}

/**
 * LICENSE_DRAWDOWN's thresholds as the simulation judges them: the default
 * ones (docs/data-contract.md, "Notifications"). A stack deployed with
 * `-c drawdownThresholds` alerts at its own.
 */
export const DRAWDOWN_THRESHOLDS = DEFAULT_DRAWDOWN_THRESHOLDS;

export const DRAWDOWN_METHOD =
  "the thresholds the simulated engine announced, one LICENSE_DRAWDOWN alert each (listed in alerts), so by its own rules: only a release pass of a license applied APPROVED announces; a threshold counts when what the license draws reaches it, against authorizedQuantity and the value cap (authorizedValue with its tolerance) as the pass applies them, and its drawdownAlerted record does not list it (carried over to an amended limit, a new approval starting an empty one). In order: the work before the edit (the clock's by --at, a pass running when read finished first; beforeEdit), under the terms then, then the edit's pass, under the terms it applies; a rejected edit announces none. Thresholds are the defaults (80, 90, 100 %); a stack deployed with -c drawdownThresholds alerts at its own";

const num = (v: unknown) => (typeof v === 'number' ? v : 0);
const emptyTally = (): Tally => ({ shipments: 0, units: 0, value: 0 });

function addTo(t: Tally, s: RawItem): void {
  t.shipments++;
  t.units += num(s.quantity);
  t.value += num(s.value);
}

const parsed = (raw: RawItem): License | undefined => {
  const p = parseItem(LicenseSchema, raw);
  return p.ok ? p.value : undefined;
};

/** The license item's state, its limits as the system applies them (a rejected edit's typed terms are not). */
export function licenseState(raw: RawItem): LicenseState {
  const applied = underAppliedTerms(raw);
  const l = parsed(applied);
  return {
    status: raw.status,
    appliedStatus: raw.appliedStatus,
    authorizedQuantity: applied.authorizedQuantity,
    authorizedValue: applied.authorizedValue,
    valueTolerancePercent: applied.valueTolerancePercent,
    valueCap: (l && valueCap(l)) ?? null,
    releasedQuantity: num(raw.releasedQuantity),
    releasedValue: num(raw.releasedValue),
    remaining: l ? remainingOf(l) : null,
    ...(raw.statusError === undefined ? {} : { statusError: raw.statusError }),
    ...(raw.waitingForValidFrom === undefined ? {} : { waitingForValidFrom: raw.waitingForValidFrom }),
  };
}

/**
 * The thresholds the engine announced (EngineRun.drawdown), each with what
 * the license drew when the work that crossed it began: the snapshot (the
 * work before the edit, or all of it when only time passes), or the license
 * as the work before the edit left it.
 */
function crossingsOf(snapshot: Snapshot, edit: SimulatedEdit, run: EngineRun): Crossing[] {
  const edited = edit.status !== undefined || edit.terms !== undefined;
  const drawn = (raw: RawItem, limit: Crossing['limit']) =>
    num(limit === 'quantity' ? raw.releasedQuantity : raw.releasedValue);
  return run.drawdown.map((a) => ({
    limit: a.limit,
    thresholdPercent: a.thresholdPercent,
    drawnBefore: drawn(a.beforeEdit || !edited ? snapshot.license : run.licenseBeforeEdit, a.limit),
    drawnAfter: a.drawn,
    of: a.of,
    beforeEdit: a.beforeEdit,
  }));
}

const orderOf = (s: RawItem): string =>
  typeof s.holdOrder === 'string'
    ? s.holdOrder
    : holdOrderKey({
        priority: num(s.priority),
        requestedAt: String(s.requestedAt ?? '1970-01-01T00:00:00Z'),
        shipmentId: String(s.shipmentId),
      });

const stateOf = (s: RawItem) =>
  s.status === 'HELD' ? `HELD ${String(s.holdReason ?? '(no reason)')}` : String(s.status);

function row(before: RawItem, after: RawItem): ShipmentRow {
  return {
    shipmentId: String(after.shipmentId),
    warehouseId: String(after.warehouseId),
    priority: num(after.priority),
    units: num(after.quantity),
    ...(typeof after.value === 'number' ? { value: after.value } : {}),
    before: stateOf(before),
    after: stateOf(after),
  };
}

type Warehouse = SimulationReport['warehouses'][number];

/** The reasons of the edits the engine rejected, in its words: the edit's, not the clock's work before it. */
const rejectionsOf = (run: EngineRun): string[] =>
  run.outcomes
    .slice(run.outcomesBeforeEdit)
    .flatMap((o) => (o.kind === 'rejected' ? [o.reason] : 'rejected' in o && o.rejected ? [o.rejected] : []));

/** The alerts the engine raised, those of the work before the edit marked. */
const alertsOf = (run: EngineRun): SimulationReport['alerts'] =>
  run.alerts.map((a, i) => ({
    severity: a.severity,
    subject: a.subject,
    message: a.message,
    ...(a.alertType ? { alertType: a.alertType } : {}),
    ...(i < run.alertsBeforeEdit ? { beforeEdit: true as const } : {}),
  }));

/** Compares the run with the snapshot. */
export function buildReport(
  snapshot: Snapshot,
  edit: SimulatedEdit,
  at: Date,
  run: EngineRun,
): SimulationReport {
  const before = [...snapshot.shipments].sort((a, b) => (orderOf(a) < orderOf(b) ? -1 : 1));
  const totals: SimulationReport['totals'] = {
    released: emptyTally(),
    reheld: emptyTally(),
    stillHeld: emptyTally(),
    stillReleased: emptyTally(),
    heldByReason: {},
  };
  const warehouses = new Map<string, Warehouse>();
  const warehouse = (id: string) => {
    const w = warehouses.get(id) ?? {
      warehouseId: id,
      released: emptyTally(),
      reheld: emptyTally(),
      held: emptyTally(),
    };
    warehouses.set(id, w);
    return w;
  };
  const rows: SimulationReport['rows'] = { released: [], reheld: [], held: [] };
  const holds: Hold[] = [];
  const reholdReasons: Hold[] = [];
  for (const was of before) {
    const now = run.shipments.get(String(was.shipmentId)) ?? was;
    const w = warehouse(String(now.warehouseId));
    const id = String(now.shipmentId);
    if (now.status === 'HELD') {
      const reason = String(now.holdReason ?? '');
      const bucket = totals.heldByReason[reason] ?? emptyTally();
      totals.heldByReason[reason] = bucket;
      addTo(bucket, now);
      addTo(w.held, now);
    }
    if (was.status === 'HELD' && now.status === 'RELEASED') {
      addTo(totals.released, now);
      addTo(w.released, now);
      rows.released.push(row(was, now));
    } else if (was.status === 'RELEASED' && now.status === 'HELD') {
      addTo(totals.reheld, now);
      addTo(w.reheld, now);
      reholdReasons.push({ shipmentId: id, holdReason: String(now.holdReason) });
      rows.reheld.push(row(was, now));
    } else if (now.status === 'HELD') {
      addTo(totals.stillHeld, now);
      holds.push({
        shipmentId: id,
        holdReason: String(now.holdReason),
        ...(was.holdReason === undefined ? {} : { previousHoldReason: String(was.holdReason) }),
      });
      rows.held.push(row(was, now));
    } else if (now.status === 'RELEASED') addTo(totals.stillReleased, now);
  }
  const licenseBefore = licenseState(snapshot.license);
  const licenseAfter = licenseState(run.license);
  const rejected = rejectionsOf(run);
  return {
    licenseId: String(snapshot.license.licenseId),
    at: at.toISOString(),
    edit: {
      ...(edit.status ? { status: edit.status } : {}),
      ...(edit.terms && Object.keys(edit.terms.set).length > 0 ? { set: edit.terms.set } : {}),
      ...(edit.terms && edit.terms.remove.length > 0 ? { remove: edit.terms.remove } : {}),
    },
    rejected,
    ...(run.clockFirst === undefined ? {} : { clockFirst: run.clockFirst }),
    ...(run.runningPass === undefined ? {} : { runningPass: run.runningPass }),
    license: { before: licenseBefore, after: licenseAfter },
    releases: rows.released.map((r) => r.shipmentId),
    reholds: rows.reheld.map((r) => r.shipmentId),
    reholdReasons,
    holds,
    totals,
    warehouses: [...warehouses.values()]
      .filter((w) => w.released.shipments + w.reheld.shipments + w.held.shipments > 0)
      .sort((a, b) => (a.warehouseId < b.warehouseId ? -1 : 1)),
    remaining: { before: licenseBefore.remaining, after: licenseAfter.remaining },
    alerts: alertsOf(run),
    drawdown: {
      method: DRAWDOWN_METHOD,
      thresholdsPercent: [...DRAWDOWN_THRESHOLDS],
      crossed: crossingsOf(snapshot, edit, run),
      sentByEngine: run.alerts.some((a) => a.alertType === 'LICENSE_DRAWDOWN'),
    },
    rows,
    cost: {
      shipmentsRead: snapshot.shipments.length,
      writesInMemory: run.writes.licenses + run.writes.shipments,
    },
  };
}
