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
import type { CallListener } from './context.js';

export interface CallTrace {
  /** Writes a request's line: give it to `timeCalls` as its listener, which times the requests once for both. */
  readonly record: CallListener;
  /** Writes a line of its own, e.g. `{ mark: 'approval', kind, tag }` when a measurement starts. */
  mark(fields: Record<string, unknown>): void;
  /** Stops tracing (later requests write nothing) and flushes the file. */
  close(): Promise<void>;
}

/** Traces into `file` (created or truncated) the requests it is told of: `timeCalls(gateway, fromFunctions, trace.record)`. */
export function traceCalls(file: string): CallTrace {
  const out = createWriteStream(file);
  let open = true;
  const write = (line: Record<string, unknown>) => {
    if (open) out.write(`${JSON.stringify(line)}\n`);
  };
  return {
    record: (call, t, ms, status) => {
      if (call.caller.kind !== 'function') return;
      const input = call.input;
      write({
        t,
        fn: call.caller.label,
        op: callKey(call.service, call.operation),
        ...(typeof input.TableName === 'string' ? { table: input.TableName } : {}),
        ...(typeof input.IndexName === 'string' ? { index: input.IndexName } : {}),
        ...(typeof input.Limit === 'number' ? { limit: input.Limit } : {}),
        ...(Array.isArray(input.TransactItems) ? { actions: input.TransactItems.length } : {}),
        ms: Math.round(ms * 10) / 10,
        status,
      });
    },
    mark: (fields) => write({ t: Date.now(), ...fields }),
    close: () => {
      open = false;
      return new Promise((resolve, reject) =>
        out.end((error?: Error | null) => (error ? reject(error) : resolve())),
      );
    },
  };
}
