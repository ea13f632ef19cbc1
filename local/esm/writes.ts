/**
 * The tables a request writes to: the local stack's gateway tells the
 * emulator of each (see EsmOptions.quietReadIntervalMs).
 */
import type { DecodedCall } from '../gateway/wire.js';

const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

/** The tables (names or ARNs, as the request gives them) a DynamoDB request writes to; none for any other. */
export function tablesWrittenBy(call: Pick<DecodedCall, 'service' | 'operation' | 'input'>): string[] {
  if (call.service !== 'dynamodb' || !WRITES.has(call.operation)) return [];
  const { input } = call;
  if (call.operation === 'BatchWriteItem') return Object.keys((input.RequestItems ?? {}) as object);
  if (call.operation === 'TransactWriteItems') {
    const actions = (input.TransactItems ?? []) as Record<string, { TableName?: unknown } | undefined>[];
    return actions.flatMap((a) =>
      [a.Put, a.Update, a.Delete].flatMap((x) => (typeof x?.TableName === 'string' ? [x.TableName] : [])),
    );
  }
  return typeof input.TableName === 'string' ? [input.TableName] : [];
}
