import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { DynamoLicenseRepository } from '../shared/adapters/dynamo.js';
import { required } from '../shared/config.js';
import { clockTick } from '../shared/engine/clock.js';
import { ENV } from '../shared/names.js';
import { documentClient, newToken } from './runtime.js';

const logger = new Logger();

const licenses = new DynamoLicenseRepository(documentClient, required(ENV.licensesTable));

/** Scheduled: expires licenses past validUntil and wakes releases whose validFrom arrived. */
export const lambdaHandler = async (): Promise<{ expired: string[]; woken: string[] }> => {
  const result = await clockTick(licenses, new Date(), newToken);
  logger.info('clock tick', { ...result });
  return result;
};

export const handler = middy(lambdaHandler).use(injectLambdaContext(logger));
