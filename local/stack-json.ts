import type { LocalResources } from './resources.js';
import type { ServiceEndpoints } from './services.js';

/**
 * The one JSON line `npm run stack` prints: how any AWS client reaches the
 * local stack. The CLI reads the same shape (CLEARANCE_STACK).
 */
export interface StackDescription {
  region: string;
  endpoints: { dynamodb: string; dynamodbstreams: string; sns: string; sqs: string };
  tables: { licenses: string; shipments: string; inventory: string };
  streams: { licenses: string; shipments: string };
  topics: { customer: string; customerShards: string[]; logistics: string; ops: string };
  /** Stream DLQs by URL; the subscription DLQ by URL and ARN (its ARN goes into each RedrivePolicy). */
  dlqs: { licenseEvents: string; shipmentEvents: string; subscriptions: { url: string; arn: string } };
  /** Process ids, so a supervisor can check that nothing outlives the stack. */
  processes: { node: number; dynamodbLocal: number };
}

/**
 * Describes a running local stack. SQS is given as 127.0.0.1: a client with an
 * explicit endpoint sends every call there, whatever host the queue URLs name.
 */
export function describeStack(
  endpoints: ServiceEndpoints,
  resources: LocalResources,
  dynamodbLocalPid?: number,
): StackDescription {
  const sqsPort = new URL(endpoints.sqs).port;
  return {
    region: endpoints.region,
    endpoints: {
      dynamodb: endpoints.dynamodb,
      dynamodbstreams: endpoints.dynamodbStreams,
      sns: endpoints.sns,
      sqs: `http://127.0.0.1:${sqsPort}`,
    },
    tables: {
      licenses: resources.tables.licenses.name,
      shipments: resources.tables.shipments.name,
      inventory: resources.tables.inventory.name,
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
      subscriptions: { url: resources.dlqs.subscriptions.url, arn: resources.dlqs.subscriptions.arn },
    },
    processes: { node: process.pid, dynamodbLocal: dynamodbLocalPid ?? 0 },
  };
}
