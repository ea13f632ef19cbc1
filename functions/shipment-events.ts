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
import { documentClient, newToken, observability, observe, snsClient } from './runtime.js';

const o = observability();
const { logger, metrics } = o;

const tables = tablesConfig();
const deps: ShipmentEngineDeps = {
  shipments: new DynamoShipmentRepository(documentClient, tables),
  licenses: new DynamoLicenseRepository(documentClient, tables.licenses),
  inventory: new DynamoInventoryRepository(documentClient, tables.inventory),
  alerter: new SnsAlerter(snsClient, required(ENV.opsTopicArn)),
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
  metrics.addMetric('EditsRejected', MetricUnit.Count, result.rejected);
  if (result.rejectedHigh > 0) {
    const high = metrics.singleMetric();
    high.addDimension('Severity', 'high');
    high.addMetric('EditsRejected', MetricUnit.Count, result.rejectedHigh);
  }
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
