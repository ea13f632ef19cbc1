import type { Caller, Gateway } from './gateway/gateway.js';
import type { ServiceName } from './gateway/wire.js';

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

const SERVICE_NAMES: Readonly<Record<ServiceName, string>> = {
  dynamodb: 'DynamoDB',
  dynamodbstreams: 'DynamoDBStreams',
  lambda: 'Lambda',
  sns: 'SNS',
  sqs: 'SQS',
  sts: 'STS',
};

/** The key of a call in {@link CallCounts}, e.g. `DynamoDB.TransactWriteItems`. */
export const callKey = (service: ServiceName, operation: string): string =>
  `${SERVICE_NAMES[service]}.${operation}`;

/** The functions' own requests (not the stream-mapping emulator's, not outside clients'). */
export const fromFunctions = (caller: Caller): boolean => caller.kind === 'function';

/**
 * Counts the AWS API requests that pass the stack's gateway from the callers
 * `select` picks (by default, the functions' sandboxes). A request is one
 * attempt: an SDK retry counts again, as AWS bills it. Returns a handle to
 * read, reset and detach the counter.
 */
export function countCalls(gateway: Gateway, select: (caller: Caller) => boolean = fromFunctions) {
  const counts: CallCounts = {};
  const detach = gateway.use((call, forward) => {
    if (select(call.caller)) {
      const key = callKey(call.service, call.operation);
      counts[key] = (counts[key] ?? 0) + 1;
    }
    return forward();
  });
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
    detach,
  };
}
