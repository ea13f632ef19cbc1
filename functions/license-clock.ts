import { MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import { DynamoLicenseRepository, DynamoShipmentRepository } from '../shared/adapters/dynamo.js';
import { required } from '../shared/config.js';
import { type ClockResult, clockTick, heldBacklog } from '../shared/engine/clock.js';
import { ENV } from '../shared/names.js';
import { documentClient, newToken, observability, observe } from './runtime.js';

const o = observability();
const { logger, metrics } = o;

const licensesTable = required(ENV.licensesTable);
const licenses = new DynamoLicenseRepository(documentClient, licensesTable);
// Read-only here: the clock only counts the held backlog.
const shipments = new DynamoShipmentRepository(documentClient, { shipments: required(ENV.shipmentsTable) });
/** Sample the held backlog every this many minutes (it reads the held index of every license). */
const BACKLOG_EVERY_MINUTES = 5;

/**
 * Scheduled: expires licenses past validUntil, wakes releases whose validFrom
 * arrived, and asks for settling passes (see clockTick).
 */
export const lambdaHandler = async (): Promise<ClockResult> => {
  const now = new Date();
  const result = await clockTick(licenses, now, newToken);
  logger.info('clock tick', { ...result });
  metrics.addMetric('LicensesExpired', MetricUnit.Count, result.expired.length);
  metrics.addMetric('ReleasesWoken', MetricUnit.Count, result.woken.length);
  metrics.addMetric('SettlingPasses', MetricUnit.Count, result.settling.length);
  if (now.getUTCMinutes() % BACKLOG_EVERY_MINUTES === 0) {
    for (const [reason, count] of await heldBacklog(licenses, shipments)) {
      const gauge = metrics.singleMetric();
      gauge.addDimension('HoldReason', reason);
      gauge.addMetric('HeldShipments', MetricUnit.Count, count);
    }
  }
  return result;
};

export const handler = observe(middy(lambdaHandler), o);

export { sdkClients } from './runtime.js';
