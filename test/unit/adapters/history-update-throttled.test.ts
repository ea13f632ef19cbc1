/**
 * A decision or write-back committed with its History entry (updateWithEntry,
 * used by DynamoLicenseRepository and DynamoShipmentRepository.update) goes to
 * the license's History key, which shipment-history keeps near its 1,000 WCU/s
 * for minutes during a large release (ARCHITECTURE.md, "Throttled, a license's
 * entries go one by one"). DynamoDB then cancels the transaction with
 * ThrottlingError (or ProvisionedThroughputExceeded) at the Put's index, and
 * the SDK does not retry a TransactionCanceledException: busy, not broken, so
 * it is retried for up to THROTTLED_PATIENCE_MS, as the History append's
 * writes are; conflicts and transient errors get MAX_ATTEMPTS (8) of their own.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  THROTTLED_PATIENCE_MS,
  updateWithEntry,
} from '../../../shared/adapters/dynamo/history-repository.js';
import { DynamoLicenseRepository, DynamoShipmentRepository } from '../../../shared/adapters/dynamo.js';
import type { HistoryEntry } from '../../../shared/domain/history.js';

const cancelled = (codes: string[]) =>
  new TransactionCanceledException({
    message: `Transaction cancelled [${codes.join(', ')}]`,
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

const throttledPut = () => cancelled(['None', 'ThrottlingError']);

const entry = (extra: Partial<HistoryEntry> = {}): HistoryEntry => ({
  licenseId: 'L-1',
  entryId: '2026-12-02T00:00:00.000Z#S-1#rejected',
  at: '2026-12-02T00:00:00.000Z',
  eventType: 'EDIT_REJECTED',
  actor: 'clearance',
  shipmentId: 'S-1',
  ...extra,
});

/** A document client whose n-th call (from 1) fails with `answer(n)`, or succeeds if it gives nothing. */
function answeringDb(answer: (n: number) => Error | undefined) {
  let calls = 0;
  const db = {
    async send() {
      calls++;
      const error = answer(calls);
      if (error) throw error;
      return {};
    },
  };
  return { db: db as unknown as DynamoDBDocumentClient, calls: () => calls };
}

/** A History key busy for the first `throttled` attempts, then free. */
const throttlingDb = (throttled: number) => answeringDb((n) => (n <= throttled ? throttledPut() : undefined));

/** A rejected HELD → SHIPPED edit's write-back, with its entry. */
const writeBack = (db: DynamoDBDocumentClient) =>
  new DynamoShipmentRepository(db, { shipments: 'Shipments', history: 'History' }).update(
    {
      shipmentId: 'S-1',
      set: { status: 'HELD', statusError: 'rejected' },
      bumpRevision: false,
      expect: { status: 'SHIPPED', countedStatus: 'HELD' },
    },
    entry({ entryId: '2026-12-02T00:00:00.000Z#S-1#rejected#1' }),
  );

/** A suspension decision, with its LICENSE_SUSPENDED entry. */
function suspension(db: DynamoDBDocumentClient) {
  const at = '2026-12-02T00:00:00.000Z';
  return new DynamoLicenseRepository(db, 'Licenses', 'History').startWork(
    'L-1',
    'APPROVED',
    'SUSPENDED',
    'tok-1',
    {
      customerId: 'C-1',
      sku: 'H20',
      destinationCountry: 'CN',
      authorizedQuantity: 100,
      validFrom: '2026-01-01T00:00:00.000Z',
      validUntil: '2027-01-01T00:00:00.000Z',
    },
    {
      entry: entry({
        shipmentId: undefined,
        entryId: `${at}#license#tok-1`,
        eventType: 'LICENSE_SUSPENDED',
        status: 'SUSPENDED',
      }),
      lastDecision: { eventType: 'LICENSE_SUSPENDED', actor: 'alice', at, updatedBy: 'alice' },
      expect: { updatedBy: 'alice', statusReason: null },
    },
  );
}

type Settled<T> = { ok: true; value: T; afterMs: number } | { ok: false; error: unknown; afterMs: number };

/** Runs `work` on fake timers until it settles (at most the patience and 5 s more): no real waiting. */
async function settle<T>(work: () => Promise<T>): Promise<Settled<T>> {
  vi.useFakeTimers();
  const start = Date.now();
  let result: Settled<T> | undefined;
  work().then(
    (value) => {
      result = { ok: true, value, afterMs: Date.now() - start };
    },
    (error: unknown) => {
      result = { ok: false, error, afterMs: Date.now() - start };
    },
  );
  for (let ms = 0; result === undefined && ms < THROTTLED_PATIENCE_MS + 5_000; ms += 100)
    await vi.advanceTimersByTimeAsync(100);
  if (result === undefined) throw new Error('did not settle');
  return result;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('updateWithEntry on a throttled History key', () => {
  it('retries a transaction cancelled with ThrottlingError and commits the write-back', async () => {
    const { db, calls } = throttlingDb(2);
    const result = await settle(() => writeBack(db));
    expect(result).toMatchObject({ ok: true, value: true });
    expect(calls()).toBe(3);
  });

  it('commits the write-back of a rejected edit throttled for more attempts than MAX_ATTEMPTS (8), within its patience', async () => {
    const { db, calls } = throttlingDb(12);
    const result = await settle(() => writeBack(db));
    expect(result, `gave up after ${calls()} throttled attempts`).toMatchObject({ ok: true, value: true });
    expect(calls()).toBe(13);
  });

  it('commits a suspension decision with its LICENSE_SUSPENDED entry on a key throttled past MAX_ATTEMPTS', async () => {
    const { db, calls } = throttlingDb(12);
    const result = await settle(() => suspension(db));
    expect(result, `gave up after ${calls()} throttled attempts`).toMatchObject({ ok: true, value: true });
    expect(calls()).toBe(13);
  });

  it('treats ProvisionedThroughputExceeded on the Update as throttled too', async () => {
    const { db, calls } = answeringDb((n) =>
      n <= 12 ? cancelled(['ProvisionedThroughputExceeded', 'None']) : undefined,
    );
    const result = await settle(() => writeBack(db));
    expect(result).toMatchObject({ ok: true, value: true });
    expect(calls()).toBe(13);
  });

  it(`throws the cancellation once throttled for longer than its patience (${THROTTLED_PATIENCE_MS / 1000} s)`, async () => {
    const { db, calls } = throttlingDb(Number.POSITIVE_INFINITY);
    const result = await settle(() => writeBack(db));
    expect(result.ok).toBe(false);
    expect((result as { error: unknown }).error).toBeInstanceOf(TransactionCanceledException);
    expect(result.afterMs).toBeGreaterThanOrEqual(THROTTLED_PATIENCE_MS);
    expect(result.afterMs).toBeLessThan(THROTTLED_PATIENCE_MS + 2_000);
    expect(calls()).toBeGreaterThan(8);
  });

  it('gives up on a throttled key after MAX_ATTEMPTS (8) when its patience is 0', async () => {
    const { db, calls } = throttlingDb(Number.POSITIVE_INFINITY);
    const result = await settle(() =>
      updateWithEntry(
        db,
        { TableName: 'Shipments', Key: { shipmentId: 'S-1' }, UpdateExpression: 'SET #s = :s' },
        'History',
        entry(),
        { throttledPatienceMs: 0 },
      ),
    );
    expect(result.ok).toBe(false);
    expect(calls()).toBe(8);
  });
});

describe('updateWithEntry on other failures', () => {
  it('retries a conflict MAX_ATTEMPTS (8) times, however long it waited on a throttled key before', async () => {
    const { db, calls } = answeringDb((n) =>
      n <= 12 ? throttledPut() : cancelled(['TransactionConflict', 'None']),
    );
    const result = await settle(() => writeBack(db));
    expect(result.ok).toBe(false);
    expect((result as { error: Error }).error.message).toMatch(/TransactionConflict/);
    expect(calls(), '12 throttled, then 8 conflicts').toBe(20);
  });

  it('commits once a conflict clears after throttled attempts beyond MAX_ATTEMPTS', async () => {
    const { db, calls } = answeringDb((n) => {
      if (n <= 12) return throttledPut();
      return n <= 15 ? cancelled(['TransactionConflict', 'None']) : undefined;
    });
    const result = await settle(() => writeBack(db));
    expect(result).toMatchObject({ ok: true, value: true });
    expect(calls()).toBe(16);
  });

  it('answers false at once when a condition failed, and throws an error not worth retrying at once', async () => {
    const failed = answeringDb(() => cancelled(['ConditionalCheckFailed', 'None']));
    expect(await settle(() => writeBack(failed.db))).toMatchObject({ ok: true, value: false });
    expect(failed.calls()).toBe(1);
    const invalid = answeringDb(() => cancelled(['ValidationError', 'None']));
    expect((await settle(() => writeBack(invalid.db))).ok).toBe(false);
    expect(invalid.calls()).toBe(1);
  });
});
