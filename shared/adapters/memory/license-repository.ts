import { type Attributed, decisionUpdate, type HistoryEntry } from '../../domain/history.js';
import {
  AMEND_TOKEN_PREFIX,
  isAmendmentPass,
  isTrimCursor,
  reholdCursorReason,
} from '../../domain/license-rules.js';
import type { AlertRecordAttribute, DecisionRecord, LicenseRepository, RawItem } from '../../domain/ports.js';
import {
  appliedTermsItem,
  type LicenseTerms,
  SEALED_TERMS,
  sealTerms,
  termsExpected,
} from '../../domain/terms.js';
import { SYSTEM_ACTOR } from '../../names.js';
import type { ItemStore, MemoryRepositoryOptions } from './tables.js';
import { conditionHolds, type MemoryUpdate } from './update.js';

/** Items a Scan page holds here; DynamoDB pages by 1 MB, so callers must not rely on a page size. */
const SCAN_PAGE = 100;

/** A Scan as the DynamoDB adapters yield it: page after page, one empty page for an empty table. */
export async function* scanPages(
  items: () => RawItem[],
  options: MemoryRepositoryOptions = {},
  op = 'scan',
): AsyncIterable<RawItem[]> {
  await options.gate?.(op, []);
  const all = items();
  const size = options.scanPage ?? SCAN_PAGE;
  if (all.length === 0) yield [];
  for (let i = 0; i < all.length; i += size) yield all.slice(i, i + size);
}

/** Puts a History entry unless its key is taken (`attribute_not_exists(entryId)`); false when it was. */
export function putEntry(tables: ItemStore, entry: HistoryEntry): boolean {
  const item = structuredClone(entry) as unknown as RawItem;
  if (tables.holds('history', item)) return false;
  tables.put('history', item);
  return true;
}

/**
 * As the DynamoDB adapter's amend condition says it: the item's applied terms
 * are `from`, by their sealed copy when `appliedTerms` has one (its plain
 * members may have been edited beside it), else by each plain member (an
 * `appliedTerms` written before the seal).
 */
function appliedTermsAre(item: RawItem, licenseId: string, from: LicenseTerms): boolean {
  const map = item.appliedTerms;
  const sealed = typeof map === 'object' && map !== null ? (map as RawItem)[SEALED_TERMS] : undefined;
  if (sealed !== undefined) return sealed === sealTerms(licenseId, from);
  return conditionHolds(item, { expectIn: { appliedTerms: termsExpected(from) } });
}

/**
 * LicenseRepository in memory, with the DynamoDB adapter's conditions write
 * for write (shared/adapters/dynamo/license-repository.ts): every write sets
 * `changedBy = clearance` and requires the item to exist, and a decision
 * commits with its History entry or not at all. The engine tests run it on
 * their store (test/helpers/fakes/world.ts), through a gate.
 */
export class MemoryLicenseRepository implements LicenseRepository {
  constructor(
    private readonly tables: ItemStore,
    private readonly options: MemoryRepositoryOptions = {},
  ) {}

  private async enter(op: string, args: readonly unknown[]): Promise<void> {
    await this.options.gate?.(`licenses.${op}`, args);
  }

  async get(licenseId: string): Promise<RawItem | undefined> {
    await this.enter('get', [licenseId]);
    return this.tables.get('licenses', licenseId);
  }

  /** The token of a pass that replaces the running one: an amendment's pass stays one. */
  private replacing(licenseId: string, token: string): string {
    return isAmendmentPass(this.tables.get('licenses', licenseId)?.pendingWork)
      ? `${AMEND_TOKEN_PREFIX}${token}`
      : token;
  }

  /**
   * What a requested pass removes: the cursor, unless it holds a trim's plan
   * (TRIM_CURSOR) or a re-hold under way (REHOLD_CURSOR), which go on.
   */
  private cursorRemoved(licenseId: string): string[] {
    const cursor = this.tables.get('licenses', licenseId)?.workCursor;
    return isTrimCursor(cursor) || reholdCursorReason(cursor) !== undefined
      ? ['waitingForValidFrom']
      : ['workCursor', 'waitingForValidFrom'];
  }

  private conditional(licenseId: string, update: MemoryUpdate, entry?: HistoryEntry): boolean {
    const full = {
      ...update,
      set: { ...update.set, changedBy: SYSTEM_ACTOR },
      expect: { licenseId, ...update.expect },
    };
    if (!entry) return this.tables.update('licenses', licenseId, full);
    // One transaction: the update and a Put under attribute_not_exists(entryId), both or neither.
    const next = this.tables.plan('licenses', licenseId, full);
    if (next === undefined || this.tables.holds('history', entry as unknown as RawItem)) return false;
    this.tables.write('licenses', licenseId, next);
    putEntry(this.tables, entry);
    return true;
  }

  /** What committing a decision adds to its update: it is counted, kept, and was read as it is. */
  private static decided(record: DecisionRecord): MemoryUpdate {
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
    await this.enter('startWork', [licenseId, from, to, token, terms, record]);
    const decided = MemoryLicenseRepository.decided(record);
    return this.conditional(
      licenseId,
      {
        ...decided,
        set: {
          appliedStatus: to,
          appliedTerms: appliedTermsItem(licenseId, terms),
          pendingWork: token,
          ...decided.set,
        },
        // What the record sets (a statusError kept on an item applied despite it) is not also removed.
        remove: ['statusError', 'workCursor', 'waitingForValidFrom'].filter(
          (a) => !(a in (decided.set ?? {})),
        ),
        expect: { status: to, appliedStatus: from ?? null, ...termsExpected(terms), ...decided.expect },
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
    await this.enter('amend', [licenseId, appliedStatus, from, to, token, record]);
    const decided = MemoryLicenseRepository.decided(record);
    return this.conditional(
      licenseId,
      {
        ...decided,
        set: { appliedTerms: appliedTermsItem(licenseId, to), pendingWork: token, ...decided.set },
        remove: ['statusError', 'workCursor', 'waitingForValidFrom'],
        expect: {
          status: appliedStatus,
          appliedStatus,
          ...(from === undefined ? { appliedTerms: null } : {}),
          ...termsExpected(to),
          ...decided.expect,
        },
        ...(from === undefined ? {} : { also: (item: RawItem) => appliedTermsAre(item, licenseId, from) }),
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
    await this.enter('revertTerms', [licenseId, revert, found, statusError, entry]);
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
    await this.enter('finishWork', [licenseId, token, after]);
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
    await this.enter('continueWork', [licenseId, token, next, cursor]);
    return this.conditional(licenseId, {
      set: { pendingWork: next, ...(cursor ? { workCursor: cursor } : {}) },
      remove: cursor ? [] : ['workCursor'],
      expect: { pendingWork: token },
    });
  }

  async requestRelease(licenseId: string, token: string): Promise<boolean> {
    await this.enter('requestRelease', [licenseId, token]);
    return this.conditional(licenseId, {
      set: { pendingWork: this.replacing(licenseId, token) },
      remove: this.cursorRemoved(licenseId),
      expect: { status: 'APPROVED', appliedStatus: 'APPROVED' },
    });
  }

  async requestPass(licenseId: string, appliedStatus: string, token: string): Promise<boolean> {
    await this.enter('requestPass', [licenseId, appliedStatus, token]);
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
    await this.enter('requestSettlePass', [licenseId, appliedStatus, settleCheckAt, token]);
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
    await this.enter('reject', [licenseId, status, statusError, entry, attributed]);
    return this.conditional(
      licenseId,
      { set: { statusError, attributed: { at: entry.at, ...attributed } }, expect: { status } },
      entry,
    );
  }

  async clearError(licenseId: string): Promise<void> {
    await this.enter('clearError', [licenseId]);
    this.conditional(licenseId, { remove: ['statusError'], also: (item) => item.statusError !== undefined });
  }

  async recordAlerted(
    licenseId: string,
    attribute: AlertRecordAttribute,
    value: Record<string, unknown>,
    expect: Record<string, unknown>,
  ): Promise<boolean> {
    await this.enter('recordAlerted', [licenseId, attribute, value, expect]);
    return this.conditional(licenseId, { set: { [attribute]: value }, expect });
  }

  async setStatus(
    licenseId: string,
    from: unknown,
    to: string,
    reason: string,
    by: string,
    unchanged: Readonly<Record<string, unknown>> = {},
  ): Promise<boolean> {
    await this.enter('setStatus', [licenseId, from, to, reason, by, unchanged]);
    return this.conditional(licenseId, {
      set: { status: to, statusReason: reason, updatedBy: by },
      expect: { ...unchanged, status: from },
    });
  }

  scan(): AsyncIterable<RawItem[]> {
    return scanPages(() => this.tables.all('licenses'), this.options, 'licenses.scan');
  }

  /** As the adapter's: of the license's History entries in key order (time first), the first `LICENSE_*` one. */
  async firstDecision(licenseId: string): Promise<{ eventType: string; at: string } | undefined> {
    await this.enter('firstDecision', [licenseId]);
    // `all` is in key order: by license, then entryId.
    const found = this.tables
      .all('history')
      .find((e) => e.licenseId === licenseId && String(e.eventType).startsWith('LICENSE_'));
    return found === undefined ? undefined : { eventType: String(found.eventType), at: String(found.at) };
  }

  async restoreRefused(
    licenseId: string,
    revert: Readonly<Record<string, unknown>>,
    found: Readonly<Record<string, unknown>>,
    statusError: string,
  ): Promise<boolean> {
    await this.enter('restoreRefused', [licenseId, revert, found, statusError]);
    const entries = Object.entries(revert);
    return this.conditional(licenseId, {
      set: { ...Object.fromEntries(entries.filter(([, v]) => v !== null)), statusError },
      remove: entries.filter(([, v]) => v === null).map(([k]) => k),
      expect: { ...found },
    });
  }

  async batchGet(licenseIds: readonly string[]): Promise<Map<string, RawItem>> {
    await this.enter('batchGet', [licenseIds]);
    const found = new Map<string, RawItem>();
    for (const id of new Set(licenseIds)) {
      const item = this.tables.get('licenses', id);
      if (item) found.set(id, item);
    }
    return found;
  }
}
