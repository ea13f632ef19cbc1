/**
 * LICENSE_DRAWDOWN alerts (docs/messages.md): at the end of each slice of a
 * release pass, the thresholds (80, 90, 100 % by default) of the quantity or
 * value limit that the license has reached and `drawdownAlerted` does not list
 * are announced to ops, one alert each, then recorded. The check compares what
 * the license draws now with what was announced, not before with after, so a
 * pass that crashed between the alert and the record (or whose stream record
 * is redelivered) announces exactly what is still unrecorded: at least once,
 * never lost, and never again once recorded. An amendment of a limit carries
 * the record over to the new limit in its own write (carryDrawdown), so what
 * the license already stood above is not announced again.
 */
import {
  carriedOver,
  DEFAULT_DRAWDOWN_THRESHOLDS,
  drawdownCrossings,
  readDrawdownRecord,
  withAnnounced,
  withoutUnreached,
} from '../domain/compliance.js';
import { drawdownAlert } from '../domain/compliance-notices.js';
import { ConflictError } from '../domain/errors.js';
import type { License } from '../domain/model.js';
import type { Remaining } from '../domain/planning.js';
import type {
  Alerter,
  DecisionRecord,
  LicenseRepository,
  RawItem,
  ShipmentRepository,
  ShipmentWrite,
} from '../domain/ports.js';

/** What a license draws: `releasedQuantity` and `releasedValue`. */
export interface Drawn {
  quantity: number;
  value: number;
}

/** What announcing needs of the license engine's deps. */
export interface DrawdownDeps {
  licenses: LicenseRepository;
  shipments: ShipmentRepository;
  alerter: Alerter;
  /** Percentages of a limit ops is told about (DRAWDOWN_THRESHOLDS). @default 80, 90, 100 */
  drawdownThresholds?: readonly number[];
}

/**
 * Takes what committed releases drew off `remaining` and adds it to `drawn`
 * (what the license draws as the pass's transactions commit).
 */
export function drawFrom(remaining: Remaining, drawn: Drawn, committed: readonly ShipmentWrite[]): Remaining {
  let next = remaining;
  for (const w of committed) {
    const quantity = Math.max(0, w.license?.quantity ?? 0);
    const value = Math.max(0, w.license?.value ?? 0);
    drawn.quantity += quantity;
    drawn.value += value;
    next = {
      quantity: next.quantity - quantity,
      ...(next.value === undefined ? {} : { value: next.value - value }),
    };
  }
  return next;
}

const count = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/**
 * An amendment's decision (`record`) with `drawdownAlerted` carried over to
 * the amended limits (carriedOver), judged with what the license draws as
 * read: the thresholds it stood above under the old limit and still does
 * under the new one are not announced again. The write requires the record
 * (and, when it carries one over, the draw) to be as read, so an alert
 * recorded, a release or a cancellation meanwhile has the amendment judged
 * again. `record` as it is unless the license is APPROVED (a reinstatement
 * starts a fresh record).
 */
export function carryDrawdown(raw: RawItem, license: License, record: DecisionRecord): DecisionRecord {
  if (license.appliedStatus !== 'APPROVED') return record;
  const drawn = { quantity: count(raw.releasedQuantity), value: count(raw.releasedValue) };
  const carried = carriedOver(readDrawdownRecord(raw.drawdownAlerted), license, drawn);
  const expect = { ...record.expect, drawdownAlerted: raw.drawdownAlerted ?? null };
  if (carried === undefined) return { ...record, expect };
  return {
    ...record,
    set: { ...record.set, drawdownAlerted: carried },
    expect: {
      ...expect,
      releasedQuantity: raw.releasedQuantity ?? null,
      releasedValue: raw.releasedValue ?? null,
    },
  };
}

/**
 * Announces the thresholds the license has reached and not yet recorded, then
 * records them, if the pass `token` still runs (a new approval or amendment
 * replaced it otherwise: ConflictError, and the license is read again).
 * `drawn` is what the pass counted; only when it says a threshold is due is
 * the license read again, so the alert quotes what it draws as it stands
 * (a cancellation may have returned units meanwhile). After a trim back
 * within lowered limits (`trimmed`), the thresholds the license no longer
 * reaches are dropped from the record too, so a release that reaches one
 * again announces it again.
 */
export async function announceDrawdown(
  deps: DrawdownDeps,
  license: License,
  token: string,
  drawn: Drawn,
  trimmed = false,
): Promise<void> {
  const thresholds = deps.drawdownThresholds ?? DEFAULT_DRAWDOWN_THRESHOLDS;
  const had = readDrawdownRecord(license.drawdownAlerted);
  const due = drawdownCrossings(license, drawn, had, thresholds).length > 0;
  if (!due && !(trimmed && withoutUnreached(had, license, drawn) !== had)) return;
  const raw = await deps.licenses.get(license.licenseId);
  if (raw?.pendingWork !== token) throw new ConflictError('pendingWork changed');
  const now = { quantity: count(raw.releasedQuantity), value: count(raw.releasedValue) };
  const read = readDrawdownRecord(raw.drawdownAlerted);
  const record = trimmed ? withoutUnreached(read, license, now) : read;
  const crossings = drawdownCrossings(license, now, record, thresholds);
  if (crossings.length === 0 && record === read) return;
  if (crossings.length > 0) {
    const backlog = await deps.shipments.sumHeld(license.licenseId);
    await deps.alerter.alert(
      crossings.map((crossing) => drawdownAlert({ license, crossing, drawn: now, backlog, thresholds })),
    );
  }
  const next = { ...withAnnounced(record, license, crossings) };
  const expect = { appliedStatus: 'APPROVED', pendingWork: token };
  if (!(await deps.licenses.recordAlerted(license.licenseId, 'drawdownAlerted', next, expect)))
    throw new ConflictError('pendingWork changed');
}
