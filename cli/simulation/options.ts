/**
 * The options of `clearance license simulate`, checked before anything is
 * read: each error names the option and how to fix it. Terms are checked by
 * `license amend`'s own parser (the engine's schema), and against the license
 * once read by its own whole-item check, so a simulated amendment is one
 * `license amend` would enter.
 */
import { LicenseSchema, type LicenseStatus, parseItem } from '../../shared/domain/model.js';
import type { RawItem } from '../../shared/domain/ports.js';
import { type AmendOptions, parseAmendOptions, wholeItemProblem } from '../amend-plan.js';
import { UsageError } from '../errors.js';
import { editedLicense, type SimulatedEdit } from './run.js';

/** The statuses an admin can set on an existing license, so the ones a simulation takes. */
export const SIMULATED_STATUSES = ['APPROVED', 'DENIED', 'SUSPENDED', 'REVOKED', 'EXPIRED'] as const;

export interface SimulateOptions extends AmendOptions {
  status?: string;
  at?: string;
}

export function parseSimulatedStatus(text: string): LicenseStatus {
  const upper = text.trim().toUpperCase();
  if ((SIMULATED_STATUSES as readonly string[]).includes(upper)) return upper as LicenseStatus;
  const hint =
    upper === 'PENDING'
      ? ' (a license only starts as PENDING; nothing moves to it)'
      : upper === 'REINSTATED' || upper === 'REINSTATE'
        ? ' (reinstating a suspension is APPROVED)'
        : '';
  throw new UsageError(
    `--status must be one of ${SIMULATED_STATUSES.join(', ')}, not "${text.slice(0, 40)}"${hint}`,
  );
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

/** `--at`: an ISO-8601 time with its zone (2026-07-01T09:00:00Z), or a date (2026-07-01, midnight UTC). */
export function parseAt(text: string): Date {
  const typed = text.trim();
  const parts = DATE.exec(typed) ?? TIME.exec(typed);
  const ms = parts ? Date.parse(DATE.test(typed) ? `${typed}T00:00:00Z` : typed) : Number.NaN;
  // Date.parse rolls 2026-02-30 over into March: check the calendar date it read.
  const [, y, m, d] = parts ?? [];
  const calendar = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  const real =
    calendar.getUTCFullYear() === Number(y) &&
    calendar.getUTCMonth() === Number(m) - 1 &&
    calendar.getUTCDate() === Number(d);
  if (Number.isNaN(ms) || !real) {
    throw new UsageError(
      `--at must be an ISO-8601 time with its zone, such as 2026-07-01T09:00:00Z, or a date such as 2026-07-01 (midnight UTC), not "${text.slice(0, 40)}"`,
    );
  }
  return new Date(ms);
}

/** The edit and the time to simulate, from the options as typed. */
export function parseSimulateOptions(opts: SimulateOptions, now: Date): { edit: SimulatedEdit; at: Date } {
  const status = opts.status === undefined ? undefined : parseSimulatedStatus(opts.status);
  const at = opts.at === undefined ? now : parseAt(opts.at);
  const termOptions = [opts.quantity, opts.value, opts.tolerance, opts.validFrom, opts.validUntil];
  const terms = termOptions.some((o) => o !== undefined) ? parseAmendOptions(opts) : undefined;
  return {
    edit: { ...(status === undefined ? {} : { status }), ...(terms === undefined ? {} : { terms }) },
    at,
  };
}

/**
 * The amended terms against the license as read, as `license amend` judges
 * them (wholeItemProblem): a window that would end before it starts is
 * refused, naming the option to fix, rather than simulated as a rejected
 * amendment. A license already invalid as stored is simulated as it is: the
 * engine's rejection of it is the prediction.
 */
export function checkAmendedLicense(license: RawItem, edit: SimulatedEdit): void {
  const terms = edit.terms;
  if (terms === undefined || !parseItem(LicenseSchema, license).ok) return;
  const problem = wholeItemProblem(license, editedLicense(license, { terms }), terms);
  if (problem !== undefined) throw new UsageError(problem);
}
