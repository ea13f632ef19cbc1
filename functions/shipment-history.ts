import { MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { DynamoHistoryRepository } from '../shared/adapters/dynamo.js';
import { required } from '../shared/config.js';
import { recordShipmentHistory } from '../shared/engine/shipment-engine.js';
import { ENV } from '../shared/names.js';
import { documentClient, observability, observe, shipmentRecordsOf } from './runtime.js';

const o = observability();
const { logger, metrics } = o;

const history = new DynamoHistoryRepository(documentClient, required(ENV.historyTable));

/**
 * Shipments stream → the History entry of every committed shipment change
 * (I6). The stream's second consumer: shipment-events notifies the same
 * changes, and neither waits for the other. A failed append fails the whole
 * batch, which the stream reads again; entries are deterministic, so a batch
 * read again writes nothing twice.
 */
export const lambdaHandler = async (event: DynamoDBStreamEvent): Promise<void> => {
  const records = shipmentRecordsOf(event);
  const { appended } = await recordShipmentHistory({ history }, records);
  metrics.addMetric('HistoryEntriesAppended', MetricUnit.Count, appended);
  logger.info('shipment history recorded', { records: records.length, appended });
};

export const handler = observe(middy(lambdaHandler), o);

export { sdkClients } from './runtime.js';
