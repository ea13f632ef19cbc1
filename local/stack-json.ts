import { STACK_OUTPUTS, SUBSCRIPTION_MANAGER_ROLE_OUTPUT } from '../infra/outputs.js';
import type { LocalStack } from './stack.js';

/**
 * The one JSON line `npm run stack` prints: how any AWS client reaches the
 * local stack. The CLI reads the same shape (CLEARANCE_STACK).
 */
export interface StackDescription {
  region: string;
  /**
   * Every service is served by the stack's request gateway; `sts` answers
   * AssumeRole for the stack's roles, `lambda` Invoke of its functions (run
   * from their bundles, as `clearance dlq redrive` invokes them).
   */
  endpoints: {
    dynamodb: string;
    dynamodbstreams: string;
    sns: string;
    sqs: string;
    sts: string;
    lambda: string;
  };
  /** The role `clearance subscribe` assumes (the customer topics deny sns:Subscribe to everyone else). */
  subscriptionManagerRoleArn: string;
  /** `history`: the append-only audit trail (DESIGN.md §3, docs/data-contract.md). */
  tables: { licenses: string; shipments: string; inventory: string; history: string };
  streams: { licenses: string; shipments: string };
  topics: { customer: string; customerShards: string[]; logistics: string; ops: string };
  /** Stream DLQs by URL; the subscription DLQ by URL and ARN (its ARN goes into each RedrivePolicy). */
  dlqs: {
    licenseEvents: string;
    shipmentEvents: string;
    shipmentHistory: string;
    subscriptions: { url: string; arn: string };
  };
  /** The stream functions' names (the stack outputs `clearance dlq redrive` reads on AWS). */
  functions: { licenseEvents: string; shipmentEvents: string; shipmentHistory: string };
  /** Process ids, so a supervisor can check that nothing outlives the stack. */
  processes: { node: number; dynamodbLocal: number };
}

/** Describes a running local stack. */
export function describeStack(stack: LocalStack, dynamodbLocalPid?: number): StackDescription {
  const { endpoints, resources } = stack;
  const output = (key: string): string => {
    const value = stack.outputs[key];
    if (value === undefined) throw new Error(`the template has no ${key} output`);
    return value;
  };
  const role = output(SUBSCRIPTION_MANAGER_ROLE_OUTPUT);
  return {
    region: endpoints.region,
    endpoints: {
      dynamodb: endpoints.dynamodb,
      dynamodbstreams: endpoints.dynamodbStreams,
      sns: endpoints.sns,
      sqs: endpoints.sqs,
      sts: endpoints.sns,
      lambda: stack.gateway.url,
    },
    subscriptionManagerRoleArn: role,
    tables: {
      licenses: resources.tables.licenses.name,
      shipments: resources.tables.shipments.name,
      inventory: resources.tables.inventory.name,
      history: resources.tables.history.name,
    },
    streams: {
      licenses: resources.tables.licenses.streamArn ?? '',
      shipments: resources.tables.shipments.streamArn ?? '',
    },
    topics: {
      customer: resources.topics.customer.arn,
      customerShards: resources.topics.customerShards.map((t) => t.arn),
      logistics: resources.topics.logistics.arn,
      ops: resources.topics.ops.arn,
    },
    dlqs: {
      licenseEvents: resources.dlqs.licenses.url,
      shipmentEvents: resources.dlqs.shipments.url,
      shipmentHistory: resources.dlqs.shipmentHistory.url,
      subscriptions: { url: resources.dlqs.subscriptions.url, arn: resources.dlqs.subscriptions.arn },
    },
    functions: {
      licenseEvents: output(STACK_OUTPUTS.licenseEventsFunctionName),
      shipmentEvents: output(STACK_OUTPUTS.shipmentEventsFunctionName),
      shipmentHistory: output(STACK_OUTPUTS.shipmentHistoryFunctionName),
    },
    processes: { node: process.pid, dynamodbLocal: dynamodbLocalPid ?? 0 },
  };
}
