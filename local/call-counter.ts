import type {
  HandlerExecutionContext,
  InitializeHandler,
  InitializeHandlerArguments,
  MiddlewareStack,
} from '@smithy/types';

/** Calls counted per `Service.Operation`, e.g. `DynamoDB.TransactWriteItems`. */
export type CallCounts = Record<string, number>;

/** Operations that write to DynamoDB (what "write calls" means in the tests and the benchmark). */
export const DYNAMODB_WRITES = [
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'TransactWriteItems',
] as const;

/** Any SDK v3 client: only its middleware stack is used. */
export interface Instrumentable {
  middlewareStack: { add(...args: never[]): unknown; remove(toRemove: string): boolean };
}

/** The service and operation of an SDK call, and its key `Service.Operation`. */
export function callName(context: HandlerExecutionContext): {
  service: string;
  operation: string;
  key: string;
} {
  const service = String(context.clientName ?? 'Unknown').replace(/Client$/, '');
  const operation = String(context.commandName ?? 'Unknown').replace(/Command$/, '');
  return { service, operation, key: `${service}.${operation}` };
}

/**
 * Counts every AWS API call a client sends, by an SDK middleware at the
 * initialize step (one count per call, not per retry). Returns a handle to
 * read, reset and detach the counter.
 */
export function countCalls(clients: readonly Instrumentable[]) {
  const counts: CallCounts = {};
  const name = `clearance-call-counter-${Math.random().toString(36).slice(2)}`;
  for (const client of clients) {
    (client.middlewareStack as unknown as MiddlewareStack<object, object>).add(
      (next: InitializeHandler<object, object>, context: HandlerExecutionContext) =>
        async (args: InitializeHandlerArguments<object>) => {
          const { key } = callName(context);
          counts[key] = (counts[key] ?? 0) + 1;
          return next(args);
        },
      { step: 'initialize', name },
    );
  }
  return {
    counts,
    /** Sum over keys for which `match` is true. */
    total(match: (key: string) => boolean = () => true): number {
      return Object.entries(counts).reduce((n, [k, v]) => (match(k) ? n + v : n), 0);
    },
    dynamoWrites(): number {
      return this.total((k) => DYNAMODB_WRITES.some((op) => k === `DynamoDB.${op}`));
    },
    reset(): void {
      for (const key of Object.keys(counts)) delete counts[key];
    },
    detach(): void {
      for (const client of clients) client.middlewareStack.remove(name);
    },
  };
}
