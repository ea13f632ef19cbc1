import { MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import {
  DynamoHistoryRepository,
  DynamoInventoryRepository,
  DynamoLicenseRepository,
  DynamoShipmentRepository,
} from '../shared/adapters/dynamo.js';
import { SnsAlerter, SnsPublisher } from '../shared/adapters/sns.js';
import { shipmentRecordsOf } from '../shared/adapters/stream.js';
import { notificationTopicsConfig, required, tablesConfig } from '../shared/config.js';
import { processShipmentRecords, type ShipmentEngineDeps } from '../shared/engine/shipment-engine.js';
import { ENV } from '../shared/names.js';
import { countedAlerter, documentClient, newToken, observability, observe, snsClient } from './runtime.js';

const o = observability();
const { logger, metrics } = o;

const tables = tablesConfig();
/**
 * The ops alerter, counting the high-severity alerts (HELD → SHIPPED, a deleted
 * counted shipment, a put-back with an edited stamp) in EditsRejected{Severity=high},
 * which HeldToShippedRejected reads, as each is sent and at once: SnsAlerter throws
 * when the ops topic refuses them, and the batch fails before it reports anything,
 * so a count left to the batch's end would leave the alarm silent exactly when the
 * ops email does not come. Its record is retried, and counts again.
 */
const alerter = countedAlerter(new SnsAlerter(snsClient, required(ENV.opsTopicArn)), (alerts) => {
  const high = alerts.filter((a) => a.severity === 'high');
  if (high.length === 0) return;
  for (const a of high) logger.warn('high-severity ops alert', { ...a.subjectKey });
  const m = metrics.singleMetric();
  m.addDimension('Severity', 'high');
  m.addMetric('EditsRejected', MetricUnit.Count, high.length);
});
const deps: ShipmentEngineDeps = {
  shipments: new DynamoShipmentRepository(documentClient, tables),
  licenses: new DynamoLicenseRepository(documentClient, tables.licenses),
  inventory: new DynamoInventoryRepository(documentClient, tables.inventory),
  alerter,
  history: new DynamoHistoryRepository(documentClient, tables.history),
  publisher: new SnsPublisher(snsClient, notificationTopicsConfig(), (failure) =>
    logger.warn('messages not published; their records are read again', failure),
  ),
  newToken,
  now: () => new Date(),
};

/**
 * Shipments stream → counters for manual changes, rejections, release
 * requests, and notifications of every committed change. Their History
 * entries are shipment-history's, the stream's other consumer.
 */
export const lambdaHandler = async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  const records = shipmentRecordsOf(event);
  const result = await processShipmentRecords(deps, records);
  metrics.addMetric('ShipmentsAccepted', MetricUnit.Count, result.accepted);
  metrics.addMetric('ManualEditsApplied', MetricUnit.Count, result.manual);
  // The high-severity ones were counted as they were sent (the alerter above).
  metrics.addMetric('EditsRejected', MetricUnit.Count, result.rejected);
  for (const audience of ['customer', 'logistics'] as const) {
    const m = metrics.singleMetric();
    m.addDimension('Audience', audience);
    m.addMetric('NotificationsPublished', MetricUnit.Count, result.notified[audience]);
  }
  logger.info('shipment batch processed', {
    records: records.length,
    accepted: result.accepted,
    manual: result.manual,
    rejected: result.rejected,
    notified: result.notified,
    failed: result.failed.length,
  });
  return { batchItemFailures: result.failed.map((itemIdentifier) => ({ itemIdentifier })) };
};

export const handler = observe(middy(lambdaHandler), o);

export { sdkClients } from './runtime.js';
