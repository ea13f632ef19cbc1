/**
 * The History adapter's appends (ARCHITECTURE.md, "History is append-only"):
 * transactions of conditional Puts; an entry already there is dropped; once
 * a transaction is throttled on a license's entries (its partition key out
 * of capacity), that license's entries go as single conditional PutItems,
 * which cost half, for a while; other licenses' stay in transactions. A
 * transaction that keeps failing names the entries it left unwritten.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  DynamoHistoryRepository,
  THROTTLED_PATIENCE_MS,
} from '../../../shared/adapters/dynamo/history-repository.js';
import { HistoryAppendError } from '../../../shared/domain/errors.js';
import type { HistoryEntry } from '../../../shared/domain/history.js';

const entries = (n: number, licenseId = 'L-1'): HistoryEntry[] =>
  Array.from({ length: n }, (_, i) => ({
    licenseId,
    entryId: `2026-12-02T00:00:00.000Z#${licenseId}-S-${String(i).padStart(4, '0')}#r000002`,
    at: '2026-12-02T00:00:00.000Z',
    eventType: 'SHIPMENT_RELEASED',
    actor: 'clearance',
  }));

const cancelled = (codes: string[]) =>
  new TransactionCanceledException({
    message: `Transaction cancelled [${codes.join(', ')}]`,
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

const conditionFailed = () =>
  Object.assign(new Error('The conditional request failed'), {
    name: 'ConditionalCheckFailedException',
  });

type Sent = { kind: 'transaction'; ids: string[] } | { kind: 'put'; id: string };

/** A document client whose answers `answer` decides; records what was sent. */
function fakeDb(answer: (sent: Sent, n: number) => Error | undefined) {
  const sent: Sent[] = [];
  const db = {
    async send(command: { input: Record<string, unknown> }) {
      const input = command.input;
      const call: Sent = Array.isArray(input.TransactItems)
        ? {
            kind: 'transaction',
            ids: (input.TransactItems as { Put: { Item: HistoryEntry } }[]).map((t) => t.Put.Item.entryId),
          }
        : { kind: 'put', id: (input.Item as HistoryEntry).entryId };
      sent.push(call);
      const error = answer(call, sent.length);
      if (error) throw error;
      return {};
    },
  };
  return { db: db as unknown as DynamoDBDocumentClient, sent };
}

describe('DynamoHistoryRepository.append', () => {
  it('writes entries in transactions of 100 conditional Puts', async () => {
    const { db, sent } = fakeDb(() => undefined);
    await new DynamoHistoryRepository(db, 'History').append(entries(250));
    expect(sent.map((s) => (s.kind === 'transaction' ? s.ids.length : 0)).sort()).toEqual([100, 100, 50]);
  });

  it("once a transaction is throttled, writes that license's entries as single conditional PutItems, an entry already there counting as written", async () => {
    const all = entries(250);
    let throttled = 0;
    const { db, sent } = fakeDb((call) => {
      if (call.kind === 'transaction') {
        throttled++;
        return cancelled(call.ids.map((_, i) => (i === 3 ? 'ThrottlingError' : 'None')));
      }
      return call.id === all[7]?.entryId ? conditionFailed() : undefined;
    });
    await new DynamoHistoryRepository(db, 'History').append(all);
    const puts = sent.flatMap((s) => (s.kind === 'put' ? [s.id] : []));
    expect(new Set(puts)).toEqual(new Set(all.map((e) => e.entryId)));
    expect(puts, 'each entry put once').toHaveLength(250);
    expect(
      throttled,
      'no transaction is tried once one was throttled, beyond those already in flight',
    ).toBeLessThanOrEqual(3);
  });

  it("keeps other licenses' entries in transactions, and the throttled license's one by one in the next append too", async () => {
    let first = true;
    const { db, sent } = fakeDb((call) => {
      if (call.kind !== 'transaction' || !first) return undefined;
      first = false;
      return cancelled(call.ids.map((id) => (id.includes('#L-1-') ? 'ThrottlingError' : 'None')));
    });
    const history = new DynamoHistoryRepository(db, 'History');
    await history.append([...entries(30, 'L-1'), ...entries(30, 'L-2')]);
    const after = sent.slice(1);
    expect(after.filter((s) => s.kind === 'put')).toHaveLength(30);
    expect(after.flatMap((s) => (s.kind === 'transaction' ? s.ids : []))).toEqual(
      entries(30, 'L-2').map((e) => e.entryId),
    );
    sent.length = 0;
    const again = entries(5, 'L-1').map((e) => ({ ...e, entryId: `${e.entryId}x` }));
    await history.append([...again, ...entries(5, 'L-3')]);
    expect(sent.filter((s) => s.kind === 'put')).toHaveLength(5);
    expect(sent.filter((s) => s.kind === 'transaction')).toHaveLength(1);
  });

  it('keeps retrying a conflicting transaction as a transaction', async () => {
    const { db, sent } = fakeDb((call, n) =>
      call.kind === 'transaction' && n === 1 ? cancelled(['TransactionConflict', 'None']) : undefined,
    );
    await new DynamoHistoryRepository(db, 'History').append(entries(2));
    expect(sent.map((s) => s.kind)).toEqual(['transaction', 'transaction']);
  });

  it('lets the transactions in flight finish when one fails, then names the entries not written', async () => {
    const all = entries(1_000);
    const failing = all[100]?.entryId;
    const { db, sent } = fakeDb((call) =>
      call.kind === 'transaction' && call.ids[0] === failing
        ? Object.assign(new Error('Item size has exceeded the maximum allowed size'), {
            name: 'ValidationException',
          })
        : undefined,
    );
    const error = await new DynamoHistoryRepository(db, 'History').append(all).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HistoryAppendError);
    const written = new Set(
      sent.flatMap((s) => (s.kind === 'transaction' && s.ids[0] !== failing ? s.ids : [])),
    );
    const unwritten = (error as HistoryAppendError).unwritten.map((e) => e.entryId);
    // Every entry of a transaction that did not commit, in order, the failed one's among them.
    expect(unwritten).toEqual(all.map((e) => e.entryId).filter((id) => !written.has(id)));
    expect(unwritten).toEqual(expect.arrayContaining(all.slice(100, 200).map((e) => e.entryId)));
    expect(written.size).toBeGreaterThanOrEqual(300);
    // None starts once the failure is known: fewer than the 10 were sent.
    expect(sent.length).toBeLessThan(10);
    expect((error as Error).message).toBe(
      `${unwritten.length} of 1000 History entries not written: History append failed: Item size has exceeded the maximum allowed size`,
    );
  });

  describe('a hot key', () => {
    afterEach(() => {
      vi.useRealTimers();
    });
    const throughputExceeded = () =>
      Object.assign(new Error('The level of configured provisioned throughput for the table was exceeded'), {
        name: 'ProvisionedThroughputExceededException',
      });
    /** A license whose transaction was throttled: its entries go as single puts, each `throttle`d as told. */
    const hotLicense = (throttle: (put: number) => boolean) => {
      let puts = 0;
      return fakeDb((call) => {
        if (call.kind === 'transaction') return cancelled(call.ids.map(() => 'ThrottlingError'));
        return throttle(++puts) ? throughputExceeded() : undefined;
      });
    };

    it('keeps putting a throttled entry past the attempt limit while within its patience', async () => {
      vi.useFakeTimers();
      const { db, sent } = hotLicense((put) => put <= 20);
      const done = new DynamoHistoryRepository(db, 'History').append(entries(1));
      await vi.runAllTimersAsync();
      await done;
      expect(
        sent.filter((s) => s.kind === 'put'),
        '20 throttled, then written',
      ).toHaveLength(21);
    });

    it(`fails the append once throttled for longer than its patience (${THROTTLED_PATIENCE_MS / 1000} s)`, async () => {
      vi.useFakeTimers();
      const start = Date.now();
      const { db } = hotLicense(() => true);
      const done = new DynamoHistoryRepository(db, 'History').append(entries(1));
      const failed = expect(done).rejects.toThrow(/History append failed: The level of configured/);
      await vi.runAllTimersAsync();
      await failed;
      expect(Date.now() - start).toBeGreaterThanOrEqual(THROTTLED_PATIENCE_MS);
      expect(Date.now() - start).toBeLessThan(THROTTLED_PATIENCE_MS + 2_000);
    });

    it('gives other errors MAX_ATTEMPTS (8), patience or not', async () => {
      vi.useFakeTimers();
      let puts = 0;
      const { db } = fakeDb((call) => {
        if (call.kind === 'transaction') return cancelled(call.ids.map(() => 'ThrottlingError'));
        puts++;
        return Object.assign(new Error('We encountered an internal error'), { name: 'InternalServerError' });
      });
      const done = new DynamoHistoryRepository(db, 'History').append(entries(1));
      const failed = expect(done).rejects.toThrow(/internal error/);
      await vi.runAllTimersAsync();
      await failed;
      expect(puts).toBe(8);
    });

    it('gives an error after throttled attempts its own MAX_ATTEMPTS (8): the wait on a hot key does not use them up', async () => {
      vi.useFakeTimers();
      let puts = 0;
      const { db } = fakeDb((call) => {
        if (call.kind === 'transaction') return cancelled(call.ids.map(() => 'ThrottlingError'));
        puts++;
        if (puts <= 20) return throughputExceeded();
        if (puts <= 23)
          return Object.assign(new Error('We encountered an internal error'), {
            name: 'InternalServerError',
          });
        return undefined;
      });
      const done = new DynamoHistoryRepository(db, 'History').append(entries(1));
      await vi.runAllTimersAsync();
      await done;
      expect(puts, '20 throttled, 3 internal errors, then written').toBe(24);
    });
  });
});
