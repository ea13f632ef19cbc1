import { type Attributed, decisionUpdate, type HistoryEntry } from '../../../shared/domain/history.js';
import { AMEND_TOKEN_PREFIX, isAmendmentPass, isTrimCursor } from '../../../shared/domain/license-rules.js';
import type {
  AlertRecordAttribute,
  DecisionRecord,
  LicenseRepository,
  RawItem,
} from '../../../shared/domain/ports.js';
import { type LicenseTerms, termsExpected } from '../../../shared/domain/terms.js';
import { SYSTEM_ACTOR } from '../../../shared/names.js';
import { putEntry } from './history-repository.js';
import { keyOf, type MemoryStore, type UpdateSpec } from './store.js';

/**
 * LicenseRepository over a MemoryStore, with the DynamoDB adapter's
 * conditions write for write: every write sets `changedBy = clearance` and
 * requires the item to exist; each method's `expect` is the adapter's.
 */
export class MemoryLicenseRepository implements LicenseRepository {
  constructor(private readonly store: MemoryStore) {}

  async get(licenseId: string): Promise<RawItem | undefined> {
    await this.store.enter('licenses.get', [licenseId]);
    return this.store.read('licenses', licenseId);
  }

  /** The token of a pass that replaces the running one: an amendment's pass stays one, as in the adapter. */
  private replacing(licenseId: string, token: string): string {
    return isAmendmentPass(this.store.read('licenses', licenseId)?.pendingWork)
      ? `${AMEND_TOKEN_PREFIX}${token}`
      : token;
  }

  /** What a requested pass removes: the cursor, unless it holds a trim's plan (TRIM_CURSOR), which goes on. */
  private cursorRemoved(licenseId: string): string[] {
    return isTrimCursor(this.store.read('licenses', licenseId)?.workCursor)
      ? ['waitingForValidFrom']
      : ['workCursor', 'waitingForValidFrom'];
  }

  private conditional(licenseId: string, spec: UpdateSpec, entry?: HistoryEntry): boolean {
    const full = {
      ...spec,
      set: { ...spec.set, changedBy: SYSTEM_ACTOR },
      expect: { licenseId, ...spec.expect },
    };
    if (!entry) return this.store.update('licenses', licenseId, full);
    // One transaction: the update and a Put under attribute_not_exists(entryId), both or neither.
    const planned = this.store.plan('licenses', licenseId, full);
    if (!planned.ok || this.store.tables.history.has(keyOf('history', entry as unknown as RawItem)))
      return false;
    this.store.write('licenses', licenseId, planned.next);
    putEntry(this.store, entry);
    return true;
  }

  /** What committing a decision adds to its update, as the adapter's `decided`. */
  private static decided(record: DecisionRecord): UpdateSpec {
    return decisionUpdate(record);
  }

  async startWork(
    licenseId: string,
    from: string | undefined,
    to: string,
    token: string,
    terms: LicenseTerms,
    record: DecisionRecord,
  ): Promise<boolean> {
    await this.store.enter('licenses.startWork', [licenseId, from, to, token, terms, record]);
    const decided = MemoryLicenseRepository.decided(record);
    return this.conditional(
      licenseId,
      {
        ...decided,
        set: { appliedStatus: to, appliedTerms: terms, pendingWork: token, ...decided.set },
        remove: ['statusError', 'workCursor', 'waitingForValidFrom'],
        expect: { status: to, appliedStatus: from ?? null, ...termsExpected(terms, ''), ...decided.expect },
      },
      record.entry,
    );
  }

  async amend(
    licenseId: string,
    appliedStatus: string,
    from: LicenseTerms | undefined,
    to: LicenseTerms,
    token: string,
    record: DecisionRecord,
  ): Promise<boolean> {
    await this.store.enter('licenses.amend', [licenseId, appliedStatus, from, to, token, record]);
    const decided = MemoryLicenseRepository.decided(record);
    return this.conditional(
      licenseId,
      {
        ...decided,
        set: { appliedTerms: to, pendingWork: token, ...decided.set },
        remove: ['statusError', 'workCursor', 'waitingForValidFrom'],
        expect: {
          status: appliedStatus,
          appliedStatus,
          ...(from === undefined ? { appliedTerms: null } : termsExpected(from, 'appliedTerms.')),
          ...termsExpected(to, ''),
          ...decided.expect,
        },
      },
      record.entry,
    );
  }

  async revertTerms(
    licenseId: string,
    revert: Readonly<Record<string, unknown>>,
    found: Readonly<Record<string, unknown>>,
    statusError: string,
    entry: HistoryEntry,
    attributed: Attributed,
  ): Promise<boolean> {
    await this.store.enter('licenses.revertTerms', [licenseId, revert, found, statusError, entry]);
    const entries = Object.entries(revert);
    return this.conditional(
      licenseId,
      {
        set: {
          ...Object.fromEntries(entries.filter(([, v]) => v !== null)),
          statusError,
          attributed: { at: entry.at, ...attributed },
        },
        remove: entries.filter(([, v]) => v === null).map(([k]) => k),
        expect: { ...found },
      },
      entry,
    );
  }

  async finishWork(
    licenseId: string,
    token: string,
    after: { waitingForValidFrom?: string | undefined; settleCheckAt?: string | undefined },
  ): Promise<boolean> {
    await this.store.enter('licenses.finishWork', [licenseId, token, after]);
    const { waitingForValidFrom, settleCheckAt } = after;
    return this.conditional(licenseId, {
      set: {
        ...(waitingForValidFrom ? { waitingForValidFrom } : {}),
        ...(settleCheckAt ? { settleCheckAt } : {}),
      },
      remove: [
        'pendingWork',
        'workCursor',
        ...(waitingForValidFrom ? [] : ['waitingForValidFrom']),
        ...(settleCheckAt ? [] : ['settleCheckAt']),
      ],
      expect: { pendingWork: token },
    });
  }

  async continueWork(licenseId: string, token: string, next: string, cursor?: string): Promise<boolean> {
    await this.store.enter('licenses.continueWork', [licenseId, token, next, cursor]);
    return this.conditional(licenseId, {
      set: { pendingWork: next, ...(cursor ? { workCursor: cursor } : {}) },
      remove: cursor ? [] : ['workCursor'],
      expect: { pendingWork: token },
    });
  }

  async requestRelease(licenseId: string, token: string): Promise<boolean> {
    await this.store.enter('licenses.requestRelease', [licenseId, token]);
    return this.conditional(licenseId, {
      set: { pendingWork: this.replacing(licenseId, token) },
      remove: this.cursorRemoved(licenseId),
      expect: { status: 'APPROVED', appliedStatus: 'APPROVED' },
    });
  }

  async requestPass(licenseId: string, appliedStatus: string, token: string): Promise<boolean> {
    await this.store.enter('licenses.requestPass', [licenseId, appliedStatus, token]);
    return this.conditional(licenseId, {
      set: { pendingWork: this.replacing(licenseId, token) },
      remove: this.cursorRemoved(licenseId),
      expect: { appliedStatus },
    });
  }

  async requestSettlePass(
    licenseId: string,
    appliedStatus: string,
    settleCheckAt: string,
    token: string,
  ): Promise<boolean> {
    await this.store.enter('licenses.requestSettlePass', [licenseId, appliedStatus, settleCheckAt, token]);
    return this.conditional(licenseId, {
      set: { pendingWork: token },
      remove: ['workCursor', 'waitingForValidFrom', 'settleCheckAt'],
      expect: { appliedStatus, status: appliedStatus, settleCheckAt, pendingWork: null },
    });
  }

  async reject(
    licenseId: string,
    status: unknown,
    statusError: string,
    entry: HistoryEntry,
    attributed: Attributed,
  ): Promise<boolean> {
    await this.store.enter('licenses.reject', [licenseId, status, statusError, entry, attributed]);
    return this.conditional(
      licenseId,
      { set: { statusError, attributed: { at: entry.at, ...attributed } }, expect: { status } },
      entry,
    );
  }

  async clearError(licenseId: string): Promise<void> {
    await this.store.enter('licenses.clearError', [licenseId]);
    this.conditional(licenseId, { remove: ['statusError'], also: (item) => item.statusError !== undefined });
  }

  async setStatus(
    licenseId: string,
    from: unknown,
    to: string,
    reason: string,
    by: string,
  ): Promise<boolean> {
    await this.store.enter('licenses.setStatus', [licenseId, from, to, reason, by]);
    return this.conditional(licenseId, {
      set: { status: to, statusReason: reason, updatedBy: by },
      expect: { status: from },
    });
  }

  async recordAlerted(
    licenseId: string,
    attribute: AlertRecordAttribute,
    value: Record<string, unknown>,
    expect: Record<string, unknown>,
  ): Promise<boolean> {
    await this.store.enter('licenses.recordAlerted', [licenseId, attribute, value, expect]);
    return this.conditional(licenseId, { set: { [attribute]: value }, expect });
  }

  scan(): AsyncIterable<RawItem[]> {
    return scanPages(this.store, 'licenses.scan', () => this.store.all('licenses'));
  }

  async batchGet(licenseIds: readonly string[]): Promise<Map<string, RawItem>> {
    await this.store.enter('licenses.batchGet', [licenseIds]);
    const found = new Map<string, RawItem>();
    for (const id of new Set(licenseIds)) {
      const item = this.store.read('licenses', id);
      if (item) found.set(id, item);
    }
    return found;
  }
}

/** Items a Scan page holds here; DynamoDB pages by 1 MB, so callers must not rely on a page size. */
export const SCAN_PAGE = 25;

/** A Scan as the adapter yields it: page after page, one empty page for an empty table. */
export async function* scanPages(
  store: MemoryStore,
  op: string,
  items: () => RawItem[],
): AsyncIterable<RawItem[]> {
  await store.enter(op, []);
  const all = items();
  if (all.length === 0) yield [];
  for (let i = 0; i < all.length; i += SCAN_PAGE) yield all.slice(i, i + SCAN_PAGE);
}
