import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ConfigError } from '../../domain/errors.js';
import { type Attributed, decisionUpdate, type HistoryEntry } from '../../domain/history.js';
import { AMEND_TOKEN_PREFIX, REHOLD_CURSOR, TRIM_CURSOR } from '../../domain/license-rules.js';
import type { AlertRecordAttribute, DecisionRecord, LicenseRepository, RawItem } from '../../domain/ports.js';
import {
  appliedTermsItem,
  type LicenseTerms,
  SEALED_TERMS,
  sealTerms,
  termsExpected,
} from '../../domain/terms.js';
import { SYSTEM_ACTOR } from '../../names.js';
import { Expr } from './expressions.js';
import { updateWithEntry } from './history-repository.js';
import { batchGetItems, scanTable } from './reads.js';
import { isConditionFailure } from './transactions.js';

type TransactUpdate = NonNullable<NonNullable<TransactWriteCommandInput['TransactItems']>[number]['Update']>;

/**
 * Entries the first page of `firstDecision` reads (a filter applies after
 * `Limit`): a license's first decision is most often among its first
 * entries, only the shipments taken in before it was applied coming first.
 * Later pages read up to 1 MB each.
 */
export const FIRST_DECISION_PAGE = 25;

/**
 * The condition that the item's applied terms are `from`: its sealed copy is
 * theirs when `appliedTerms` has one (the plain members beside it may have
 * been edited by a find and replace over the item's JSON), else each plain
 * member is (an `appliedTerms` written before the seal).
 */
function appliedTermsAre(x: Expr, licenseId: string, from: LicenseTerms): string {
  const sealed = x.path('appliedTerms', SEALED_TERMS);
  const plain = x.conditions(termsExpected(from), 'appliedTerms').join(' AND ');
  return `(${sealed} = ${x.value(sealTerms(licenseId, from))} OR (attribute_not_exists(${sealed}) AND ${plain}))`;
}

/** DynamoDB implementation of the Licenses port. */
export class DynamoLicenseRepository implements LicenseRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    /** The History table: decisions and rejections are committed with their entry. */
    private readonly historyTable?: string,
  ) {}

  async get(licenseId: string): Promise<RawItem | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { licenseId }, ConsistentRead: true }),
    );
    return out.Item as RawItem | undefined;
  }

  private async conditional(input: {
    set?: Record<string, unknown>;
    remove?: string[];
    expect: Record<string, unknown>;
    /** Conditions on the members of a map attribute, as `expect` says them: `{ appliedTerms: { sku: … } }`. */
    expectIn?: Record<string, Record<string, unknown>>;
    raw?: string[];
    /** One more condition, written with the update's placeholders. */
    where?: (x: Expr) => string;
    /** Numbers to add (`ADD`). */
    add?: Record<string, number>;
    /** A History entry committed in the same transaction. */
    entry?: HistoryEntry;
  }): Promise<boolean> {
    const x = new Expr();
    const sets = Object.entries({ ...input.set, changedBy: SYSTEM_ACTOR }).map(
      ([a, v]) => `${x.name(a)} = ${x.value(v)}`,
    );
    const removes = (input.remove ?? []).map((a) => x.name(a));
    const adds = Object.entries(input.add ?? {}).map(([a, v]) => `${x.name(a)} ${x.value(v)}`);
    const conditions = [
      `attribute_exists(${x.name('licenseId')})`,
      ...x.conditions(input.expect),
      ...Object.entries(input.expectIn ?? {}).flatMap(([map, members]) => x.conditions(members, map)),
      ...(input.raw ?? []),
      ...(input.where ? [input.where(x)] : []),
    ];
    const update: TransactUpdate = {
      TableName: this.table,
      Key: { licenseId: input.expect.licenseId },
      UpdateExpression: [
        `SET ${sets.join(', ')}`,
        removes.length ? `REMOVE ${removes.join(', ')}` : '',
        adds.length ? `ADD ${adds.join(', ')}` : '',
      ]
        .filter(Boolean)
        .join(' '),
      ConditionExpression: conditions.join(' AND '),
      ...x.params(),
    };
    if (input.entry) return updateWithEntry(this.db, update, this.historyTable, input.entry);
    try {
      await this.db.send(new UpdateCommand(update));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** The conditions and attributes of committing a decision: it is counted, kept, and was read as it is. */
  private static decided(record: DecisionRecord) {
    return { ...decisionUpdate(record), entry: record.entry };
  }

  startWork(
    licenseId: string,
    from: string | undefined,
    to: string,
    token: string,
    terms: LicenseTerms,
    record: DecisionRecord,
  ): Promise<boolean> {
    const decided = DynamoLicenseRepository.decided(record);
    return this.conditional({
      ...decided,
      set: {
        appliedStatus: to,
        appliedTerms: appliedTermsItem(licenseId, terms),
        pendingWork: token,
        ...decided.set,
      },
      // What the record sets (a statusError kept on an item applied despite it) is not also removed.
      remove: ['statusError', 'workCursor', 'waitingForValidFrom'].filter((a) => !(a in decided.set)),
      expect: {
        licenseId,
        status: to,
        appliedStatus: from ?? null,
        ...termsExpected(terms),
        ...decided.expect,
      },
    });
  }

  amend(
    licenseId: string,
    appliedStatus: string,
    from: LicenseTerms | undefined,
    to: LicenseTerms,
    token: string,
    record: DecisionRecord,
  ): Promise<boolean> {
    const decided = DynamoLicenseRepository.decided(record);
    return this.conditional({
      ...decided,
      set: { appliedTerms: appliedTermsItem(licenseId, to), pendingWork: token, ...decided.set },
      remove: ['statusError', 'workCursor', 'waitingForValidFrom'],
      expect: {
        licenseId,
        status: appliedStatus,
        appliedStatus,
        ...(from === undefined ? { appliedTerms: null } : {}),
        ...termsExpected(to),
        ...decided.expect,
      },
      ...(from === undefined ? {} : { where: (x: Expr) => appliedTermsAre(x, licenseId, from) }),
    });
  }

  revertTerms(
    licenseId: string,
    revert: Readonly<Record<string, unknown>>,
    found: Readonly<Record<string, unknown>>,
    statusError: string,
    entry: HistoryEntry,
    attributed: Attributed,
  ): Promise<boolean> {
    const entries = Object.entries(revert);
    return this.conditional({
      set: {
        ...Object.fromEntries(entries.filter(([, v]) => v !== null)),
        statusError,
        attributed: { at: entry.at, ...attributed },
      },
      remove: entries.filter(([, v]) => v === null).map(([k]) => k),
      expect: { licenseId, ...found },
      entry,
    });
  }

  finishWork(
    licenseId: string,
    token: string,
    after: { waitingForValidFrom?: string | undefined; settleCheckAt?: string | undefined },
  ): Promise<boolean> {
    const { waitingForValidFrom, settleCheckAt } = after;
    return this.conditional({
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
      expect: { licenseId, pendingWork: token },
    });
  }

  continueWork(licenseId: string, token: string, next: string, cursor?: string): Promise<boolean> {
    return this.conditional({
      set: { pendingWork: next, ...(cursor ? { workCursor: cursor } : {}) },
      remove: cursor ? [] : ['workCursor'],
      expect: { licenseId, pendingWork: token },
    });
  }

  requestRelease(licenseId: string, token: string): Promise<boolean> {
    return this.requestWork(licenseId, token, { status: 'APPROVED', appliedStatus: 'APPROVED' });
  }

  requestPass(licenseId: string, appliedStatus: string, token: string): Promise<boolean> {
    return this.requestWork(licenseId, token, { appliedStatus });
  }

  /**
   * A new pass from the start, replacing any running one; an amendment's pass
   * stays one (AMEND_TOKEN_PREFIX kept), and a trim's plan goes on (a
   * `workCursor` starting with TRIM_CURSOR kept; the trim ends in a release
   * pass from the start). One write per combination, each conditional on it:
   * if the item changes between them so that none holds, the pass that
   * changed it does the work asked for.
   */
  private async requestWork(licenseId: string, token: string, expect: Record<string, unknown>) {
    const amending = (x: Expr) => `begins_with(${x.name('pendingWork')}, ${x.value(AMEND_TOKEN_PREFIX)})`;
    // A trim's plan and a re-hold under way are kept (license-rules.ts, TRIM_CURSOR and REHOLD_CURSOR).
    const trimming = (x: Expr) =>
      `(begins_with(${x.name('workCursor')}, ${x.value(TRIM_CURSOR)}) OR begins_with(${x.name('workCursor')}, ${x.value(REHOLD_CURSOR)}))`;
    const not = (yes: boolean) => (yes ? '' : 'NOT ');
    // The common case first (no amendment, no trim): one write, where each failed guess costs one.
    for (const amend of [false, true]) {
      for (const trim of [false, true]) {
        const done = await this.conditional({
          set: { pendingWork: amend ? `${AMEND_TOKEN_PREFIX}${token}` : token },
          remove: trim ? ['waitingForValidFrom'] : ['workCursor', 'waitingForValidFrom'],
          expect: { licenseId, ...expect },
          where: (x) => `${not(amend)}${amending(x)} AND ${not(trim)}${trimming(x)}`,
        });
        if (done) return true;
      }
    }
    return false;
  }

  requestSettlePass(
    licenseId: string,
    appliedStatus: string,
    settleCheckAt: string,
    token: string,
  ): Promise<boolean> {
    return this.conditional({
      set: { pendingWork: token },
      remove: ['workCursor', 'waitingForValidFrom', 'settleCheckAt'],
      expect: { licenseId, appliedStatus, status: appliedStatus, settleCheckAt, pendingWork: null },
    });
  }

  reject(
    licenseId: string,
    status: unknown,
    statusError: string,
    entry: HistoryEntry,
    attributed: Attributed,
  ): Promise<boolean> {
    return this.conditional({
      set: { statusError, attributed: { at: entry.at, ...attributed } },
      expect: { licenseId, status },
      entry,
    });
  }

  async clearError(licenseId: string): Promise<void> {
    await this.conditional({
      remove: ['statusError'],
      expect: { licenseId },
      raw: ['attribute_exists(statusError)'],
    });
  }

  setStatus(
    licenseId: string,
    from: unknown,
    to: string,
    reason: string,
    by: string,
    unchanged: Readonly<Record<string, unknown>> = {},
  ): Promise<boolean> {
    return this.conditional({
      set: { status: to, statusReason: reason, updatedBy: by },
      expect: { ...unchanged, licenseId, status: from },
    });
  }

  recordAlerted(
    licenseId: string,
    attribute: AlertRecordAttribute,
    value: Record<string, unknown>,
    expect: Record<string, unknown>,
  ): Promise<boolean> {
    return this.conditional({ set: { [attribute]: value }, expect: { licenseId, ...expect } });
  }

  scan(): AsyncIterable<RawItem[]> {
    return scanTable(this.db, this.table);
  }

  batchGet(licenseIds: readonly string[]): Promise<Map<string, RawItem>> {
    return batchGetItems(this.db, this.table, 'licenseId', licenseIds);
  }

  /**
   * A Query of the license's History partition in entry order (time first),
   * filtered to `LICENSE_*` entries and projected to `eventType` and `at`,
   * page by page until the first match: FIRST_DECISION_PAGE entries first,
   * then 1 MB pages. Strongly consistent: a decision committed a moment ago
   * is seen. license-events' role may Query the table (not its index) for
   * this, and read nothing else of History.
   */
  async firstDecision(licenseId: string): Promise<{ eventType: string; at: string } | undefined> {
    if (!this.historyTable)
      throw new ConfigError('the History table is not configured: set HISTORY_TABLE (tables.history)');
    let start: Record<string, unknown> | undefined;
    let first = true;
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.historyTable,
          KeyConditionExpression: '#licenseId = :licenseId',
          FilterExpression: 'begins_with(#eventType, :decision)',
          ProjectionExpression: '#eventType, #at',
          ExpressionAttributeNames: { '#licenseId': 'licenseId', '#eventType': 'eventType', '#at': 'at' },
          ExpressionAttributeValues: { ':licenseId': licenseId, ':decision': 'LICENSE_' },
          ConsistentRead: true,
          ...(first ? { Limit: FIRST_DECISION_PAGE } : {}),
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      const found = out.Items?.[0];
      if (found) return { eventType: String(found.eventType), at: String(found.at) };
      start = out.LastEvaluatedKey;
      first = false;
    } while (start);
    return undefined;
  }

  restoreRefused(
    licenseId: string,
    revert: Readonly<Record<string, unknown>>,
    found: Readonly<Record<string, unknown>>,
    statusError: string,
  ): Promise<boolean> {
    const entries = Object.entries(revert);
    return this.conditional({
      set: { ...Object.fromEntries(entries.filter(([, v]) => v !== null)), statusError },
      remove: entries.filter(([, v]) => v === null).map(([k]) => k),
      expect: { licenseId, ...found },
    });
  }
}
