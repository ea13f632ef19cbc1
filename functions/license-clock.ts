import { MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import { DynamoLicenseRepository } from '../shared/adapters/dynamo.js';
import { required } from '../shared/config.js';
import { clockTick } from '../shared/engine/clock.js';
import { ENV } from '../shared/names.js';
import { documentClient, newToken, observability, observe } from './runtime.js';

const o = observability();
const { logger, metrics } = o;

const licenses = new DynamoLicenseRepository(documentClient, required(ENV.licensesTable));

/** Scheduled: expires licenses past validUntil and wakes releases whose validFrom arrived. */
export const lambdaHandler = async (): Promise<{ expired: string[]; woken: string[] }> => {
  const result = await clockTick(licenses, new Date(), newToken);
  logger.info('clock tick', { ...result });
  metrics.addMetric('LicensesExpired', MetricUnit.Count, result.expired.length);
  metrics.addMetric('ReleasesWoken', MetricUnit.Count, result.woken.length);
  return result;
};

export const handler = observe(middy(lambdaHandler), o);
