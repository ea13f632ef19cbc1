import { describe, expect, it } from 'vitest';
import { handlerEnvironment } from '../../../cli/redrive.js';
import { parseStackFile } from '../../../cli/resources/stack-file.js';
import { ENV } from '../../../shared/names.js';

const arn = (name: string) => `arn:aws:sns:us-east-1:000000000000:${name}`;
const local = (extra: Record<string, unknown> = {}) =>
  parseStackFile(
    JSON.stringify({
      region: 'us-east-1',
      endpoints: {
        dynamodb: 'http://127.0.0.1:8000',
        sns: 'http://127.0.0.1:4566',
        sqs: 'http://sqs.us-east-1.localhost:4566',
      },
      tables: { licenses: 'L', shipments: 'S', inventory: 'I' },
      topics: {
        customer: arn('C'),
        customerShards: [arn('C'), arn('C1')],
        logistics: arn('Lg'),
        ops: arn('O'),
      },
      dlqs: { licenseEvents: 'http://q/l', shipmentEvents: 'http://q/s' },
      ...extra,
    }),
    'test',
  );

describe('handlerEnvironment', () => {
  it('gives an in-process handler the variables it reads, pointed at the local stack', () => {
    const env = handlerEnvironment(local(), 'shipmentEvents', 60_000, {});
    expect(env).toMatchObject({
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:8000',
      AWS_ENDPOINT_URL_DYNAMODB_STREAMS: 'http://127.0.0.1:8000',
      AWS_ENDPOINT_URL_SNS: 'http://127.0.0.1:4566',
      AWS_ENDPOINT_URL_SQS: 'http://sqs.us-east-1.localhost:4566',
      AWS_ACCESS_KEY_ID: 'local',
      [ENV.licensesTable]: 'L',
      [ENV.shipmentsTable]: 'S',
      [ENV.inventoryTable]: 'I',
      [ENV.customerTopicArns]: `${arn('C')},${arn('C1')}`,
      [ENV.logisticsTopicArn]: arn('Lg'),
      [ENV.opsTopicArn]: arn('O'),
      [ENV.releaseTimeBudgetMs]: '60000',
      POWERTOOLS_SERVICE_NAME: 'shipment-events',
      POWERTOOLS_LOG_LEVEL: 'WARN',
    });
  });

  it('keeps credentials and a log level that are already set', () => {
    const env = handlerEnvironment(local(), 'licenseEvents', 1, {
      AWS_ACCESS_KEY_ID: 'k',
      AWS_SECRET_ACCESS_KEY: 's',
      POWERTOOLS_LOG_LEVEL: 'DEBUG',
    });
    expect(env.AWS_ACCESS_KEY_ID).toBeUndefined();
    expect(env.POWERTOOLS_LOG_LEVEL).toBe('DEBUG');
  });

  it("lets the description's own function environment win", () => {
    const env = handlerEnvironment(
      local({ functions: { licenseEvents: { environment: { [ENV.releaseTimeBudgetMs]: '5' } } } }),
      'licenseEvents',
      60_000,
      {},
    );
    expect(env[ENV.releaseTimeBudgetMs]).toBe('5');
  });

  it('rejects a deployed stack: its functions run on AWS', () => {
    const { endpoints: _, ...aws } = local();
    expect(() => handlerEnvironment(aws, 'licenseEvents', 1, {})).toThrow(/needs a local stack/);
  });
});
