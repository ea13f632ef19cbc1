import { MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { DynamoHistoryRepository } from '../shared/adapters/dynamo.js';
import { shipmentRecordsOf } from '../shared/adapters/stream.js';
import { required } from '../shared/config.js';
import { HistoryAppendError } from '../shared/domain/errors.js';
import { recordShipmentHistory } from '../shared/engine/shipment-engine.js';
import { ENV } from '../shared/names.js';
import { documentClient, observability, observe } from './runtime.js';

const o = observability();
const { logger, metrics } = o;

const history = new DynamoHistoryRepository(documentClient, required(ENV.historyTable));

/**
 * Shipments stream → the History entry of every committed shipment change
 * (I6). The stream's second consumer: shipment-events notifies the same
 * changes, and neither waits for the other. When an append writes only some
 * entries, the records of the others are reported as failed, so the stream
 * reads again from the first of them, not the whole batch; when it writes
 * none, the invocation fails. Either way HistoryEntriesFailed counts the
 * entries not written. Entries are deterministic, so records read again
 * write nothing twice.
 */
export const lambdaHandler = async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  const records = shipmentRecordsOf(event);
  const { appended, failed, reason } = await recordShipmentHistory({ history }, records).catch(
    (error: unknown) => {
      // History refused the batch's first entry: the whole batch is read again, its entries count as failed.
      if (error instanceof HistoryAppendError)
        metrics.addMetric('HistoryEntriesFailed', MetricUnit.Count, error.unwritten.length);
      throw error;
    },
  );
  metrics.addMetric('HistoryEntriesAppended', MetricUnit.Count, appended);
  if (failed.length > 0) {
    metrics.addMetric('HistoryEntriesFailed', MetricUnit.Count, failed.length);
    logger.warn('History entries not written; the stream reads their records again', {
      failed: failed.length,
      reason,
    });
  }
  logger.info('shipment history recorded', { records: records.length, appended, failed: failed.length });
  return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
};

export const handler = observe(middy(lambdaHandler), o);

export { sdkClients } from './runtime.js';
