import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  type DynamoDBDocumentClient,
  GetCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { AMEND_TOKEN_PREFIX } from '../../domain/license-rules.js';
import type { LicenseRepository, RawItem } from '../../domain/ports.js';
import { type LicenseTerms, termsExpected } from '../../domain/terms.js';
import { SYSTEM_ACTOR } from '../../names.js';
import { Expr } from './expressions.js';
import { scanTable } from './reads.js';
import { isConditionFailure, pause } from './transactions.js';

/** DynamoDB implementation of the Licenses port. */
export class DynamoLicenseRepository implements LicenseRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
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
    raw?: string[];
    /** One more condition, written with the update's placeholders. */
    where?: (x: Expr) => string;
  }): Promise<boolean> {
    const x = new Expr();
    const sets = Object.entries({ ...input.set, changedBy: SYSTEM_ACTOR }).map(
      ([a, v]) => `${x.name(a)} = ${x.value(v)}`,
    );
    const removes = (input.remove ?? []).map((a) => x.name(a));
    const conditions = [
      `attribute_exists(${x.name('licenseId')})`,
      ...x.conditions(input.expect),
      ...(input.raw ?? []),
      ...(input.where ? [input.where(x)] : []),
    ];
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { licenseId: input.expect.licenseId },
          UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
          ConditionExpression: conditions.join(' AND '),
          ...x.params(),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  startWork(
    licenseId: string,
    from: string | undefined,
    to: string,
    token: string,
    terms: LicenseTerms,
  ): Promise<boolean> {
    return this.conditional({
      set: { appliedStatus: to, appliedTerms: terms, pendingWork: token },
      remove: ['statusError', 'workCursor', 'waitingForValidFrom'],
      expect: { licenseId, status: to, appliedStatus: from ?? null, ...termsExpected(terms, '') },
    });
  }

  amend(
    licenseId: string,
    appliedStatus: string,
    from: LicenseTerms | undefined,
    to: LicenseTerms,
    token: string,
  ): Promise<boolean> {
    return this.conditional({
      set: { appliedTerms: to, pendingWork: token },
      remove: ['statusError', 'workCursor', 'waitingForValidFrom'],
      expect: {
        licenseId,
        status: appliedStatus,
        appliedStatus,
        ...(from === undefined ? { appliedTerms: null } : termsExpected(from, 'appliedTerms.')),
        ...termsExpected(to, ''),
      },
    });
  }

  revertTerms(
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
   * stays one (AMEND_TOKEN_PREFIX kept). If an amendment's pass starts
   * between the two writes, both fail: that pass does the work asked for.
   */
  private async requestWork(licenseId: string, token: string, expect: Record<string, unknown>) {
    const amending = (x: Expr) => `begins_with(${x.name('pendingWork')}, ${x.value(AMEND_TOKEN_PREFIX)})`;
    const request = (pendingWork: string, where: (x: Expr) => string) =>
      this.conditional({
        set: { pendingWork },
        remove: ['workCursor', 'waitingForValidFrom'],
        expect: { licenseId, ...expect },
        where,
      });
    if (await request(`${AMEND_TOKEN_PREFIX}${token}`, amending)) return true;
    return request(token, (x) => `NOT ${amending(x)}`);
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

  reject(licenseId: string, status: unknown, statusError: string): Promise<boolean> {
    return this.conditional({ set: { statusError }, expect: { licenseId, status } });
  }

  async clearError(licenseId: string): Promise<void> {
    await this.conditional({
      remove: ['statusError'],
      expect: { licenseId },
      raw: ['attribute_exists(statusError)'],
    });
  }

  setStatus(licenseId: string, from: unknown, to: string, reason: string, by: string): Promise<boolean> {
    return this.conditional({
      set: { status: to, statusReason: reason, updatedBy: by },
      expect: { licenseId, status: from },
    });
  }

  scan(): AsyncIterable<RawItem[]> {
    return scanTable(this.db, this.table);
  }

  async batchGet(licenseIds: readonly string[]): Promise<Map<string, RawItem>> {
    const found = new Map<string, RawItem>();
    const ids = [...new Set(licenseIds)];
    for (let i = 0; i < ids.length; i += 100) {
      let keys: Record<string, unknown>[] | undefined = ids
        .slice(i, i + 100)
        .map((licenseId) => ({ licenseId }));
      for (let attempt = 0; keys && keys.length > 0; attempt++) {
        const out: BatchGetCommandOutput = await this.db.send(
          new BatchGetCommand({ RequestItems: { [this.table]: { Keys: keys, ConsistentRead: true } } }),
        );
        for (const item of (out.Responses?.[this.table] ?? []) as RawItem[])
          found.set(String(item.licenseId), item);
        keys = out.UnprocessedKeys?.[this.table]?.Keys;
        if (keys && keys.length > 0) await pause(attempt);
      }
    }
    return found;
  }
}
