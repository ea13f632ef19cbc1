/** `npm run bench -- --trace FILE` (bench/trace.ts): one JSON line per request of a function, and marks, from the requests timeCalls times. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { timeCalls } from '../../../bench/context.js';
import { traceCalls } from '../../../bench/trace.js';
import type { Caller, Gateway, GatewayCall, Interceptor } from '../../../local/gateway/gateway.js';

/** A gateway that keeps its one interceptor, so the test can send calls through it. */
function fakeGateway() {
  let interceptor: Interceptor | undefined;
  const gateway = {
    use(i: Interceptor) {
      interceptor = i;
      return () => {
        interceptor = undefined;
      };
    },
  } as unknown as Gateway;
  const send = (call: Partial<GatewayCall>, answer: () => Promise<{ status: number }>) =>
    interceptor?.(call as GatewayCall, answer as never);
  return { gateway, send, attached: () => interceptor !== undefined };
}

describe('traceCalls', () => {
  it('writes a line per request of a function timeCalls times, with its table, index, Limit and actions, and the marks; not other callers, nothing after close', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'trace-')), 'calls.jsonl');
    const g = fakeGateway();
    const trace = traceCalls(file);
    const timer = timeCalls(g.gateway, () => true, trace.record);
    const fn: Caller = {
      kind: 'function',
      label: 'license-events',
      functionLogicalId: 'L',
      accessKeyId: 'k',
    };
    trace.mark({ mark: 'approval', tag: 'A0001' });
    await g.send(
      {
        caller: fn,
        service: 'dynamodb',
        operation: 'Query',
        input: { TableName: 'T', IndexName: 'I', Limit: 5 },
      },
      async () => ({ status: 200 }),
    );
    await g.send(
      {
        caller: fn,
        service: 'dynamodb',
        operation: 'TransactWriteItems',
        input: { TransactItems: [{}, {}, {}] },
      },
      async () => ({ status: 400 }),
    );
    await g.send(
      {
        caller: { kind: 'outside' } as never,
        service: 'dynamodb',
        operation: 'Scan',
        input: { TableName: 'T' },
      },
      async () => ({ status: 200 }),
    );
    await expect(
      g.send({ caller: fn, service: 'sns', operation: 'PublishBatch', input: {} }, async () => {
        throw new Error('connection closed');
      }),
    ).rejects.toThrow('connection closed');
    await trace.close();
    await g.send({ caller: fn, service: 'dynamodb', operation: 'GetItem', input: {} }, async () => ({
      status: 200,
    }));
    expect(Object.keys(timer.times), 'one timing, shared with the trace').toEqual([
      'DynamoDB.Query',
      'DynamoDB.TransactWriteItems',
      'DynamoDB.Scan',
      'SNS.PublishBatch',
      'DynamoDB.GetItem',
    ]);
    timer.detach();
    expect(g.attached()).toBe(false);
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([
      { t: expect.any(Number), mark: 'approval', tag: 'A0001' },
      {
        t: expect.any(Number),
        fn: 'license-events',
        op: 'DynamoDB.Query',
        table: 'T',
        index: 'I',
        limit: 5,
        ms: expect.any(Number),
        status: 200,
      },
      {
        t: expect.any(Number),
        fn: 'license-events',
        op: 'DynamoDB.TransactWriteItems',
        actions: 3,
        ms: expect.any(Number),
        status: 400,
      },
      {
        t: expect.any(Number),
        fn: 'license-events',
        op: 'SNS.PublishBatch',
        ms: expect.any(Number),
        status: 'no answer',
      },
    ]);
  });
});
