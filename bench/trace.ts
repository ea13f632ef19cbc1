/**
 * `--trace FILE`: every request the functions' sandboxes send through the
 * stack's gateway, one JSON line each, and a line at each measurement's
 * approval. This is how BENCHMARKS.md's fairness analysis was made: what
 * license-events did, call by call, while a burst waited for its first
 * releases. A line per request costs the measured process time, so
 * figures of a traced run are kept apart from the others.
 *
 * A request line: `t` (epoch ms when it was sent), `fn` (the function's
 * label), `op` (`Service.Operation`), `table`, `index`, `limit` and
 * `actions` (a TransactWriteItems' action count) where the input has them,
 * `ms` (sent → answered) and `status` (the HTTP status of the answer, or
 * `no answer`). A mark line: `t` and the fields given to {@link CallTrace.mark}.
 */
import { createWriteStream } from 'node:fs';
import { callKey } from '../local/call-counter.js';
import type { Gateway } from '../local/gateway/gateway.js';

export interface CallTrace {
  /** Writes a line of its own, e.g. `{ mark: 'approval', kind, tag }` when a measurement starts. */
  mark(fields: Record<string, unknown>): void;
  /** Stops tracing and flushes the file. */
  close(): Promise<void>;
}

/** Traces the functions' requests at `gateway` into `file` (created or truncated). */
export function traceCalls(gateway: Gateway, file: string): CallTrace {
  const out = createWriteStream(file);
  const write = (line: Record<string, unknown>) => out.write(`${JSON.stringify(line)}\n`);
  const detach = gateway.use(async (call, forward) => {
    const caller = call.caller;
    if (caller.kind !== 'function') return forward();
    const t = Date.now();
    const input = call.input;
    const started = performance.now();
    let status: number | 'no answer' = 'no answer';
    try {
      const answer = await forward();
      status = answer.status;
      return answer;
    } finally {
      write({
        t,
        fn: caller.label,
        op: callKey(call.service, call.operation),
        ...(typeof input.TableName === 'string' ? { table: input.TableName } : {}),
        ...(typeof input.IndexName === 'string' ? { index: input.IndexName } : {}),
        ...(typeof input.Limit === 'number' ? { limit: input.Limit } : {}),
        ...(Array.isArray(input.TransactItems) ? { actions: input.TransactItems.length } : {}),
        ms: Math.round((performance.now() - started) * 10) / 10,
        status,
      });
    }
  });
  return {
    mark: (fields) => write({ t: Date.now(), ...fields }),
    close: () => {
      detach();
      return new Promise((resolve, reject) =>
        out.end((error?: Error | null) => (error ? reject(error) : resolve())),
      );
    },
  };
}
