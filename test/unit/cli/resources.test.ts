import { describe, expect, it } from 'vitest';
import { StackNotFoundError, UsageError } from '../../../cli/errors.js';
import { explainDescribeError } from '../../../cli/resources/errors.js';
import { type OutputKeys, resourcesFromOutputs } from '../../../cli/resources/outputs.js';
import { parseStackFile } from '../../../cli/resources/stack-file.js';
import { type ResolveDeps, resolveResources } from '../../../cli/resources.js';

const KEYS: OutputKeys = {
  licensesTableName: 'LicensesTableName',
  shipmentsTableName: 'ShipmentsTableName',
  inventoryTableName: 'InventoryTableName',
  historyTableName: 'HistoryTableName',
  customerTopicArn: 'CustomerTopicArn',
  logisticsTopicArn: 'LogisticsTopicArn',
  opsTopicArn: 'OpsTopicArn',
  licenseEventsDlqUrl: 'LicenseEventsDlqUrl',
  shipmentEventsDlqUrl: 'ShipmentEventsDlqUrl',
  shipmentHistoryDlqUrl: 'ShipmentHistoryDlqUrl',
  subscriptionDlqUrl: 'SubscriptionDlqUrl',
  subscriptionDlqArn: 'SubscriptionDlqArn',
  licenseEventsFunctionName: 'LicenseEventsFunctionName',
  shipmentEventsFunctionName: 'ShipmentEventsFunctionName',
  shipmentHistoryFunctionName: 'ShipmentHistoryFunctionName',
};

const arn = (name: string) => `arn:aws:sns:us-east-1:000000000000:${name}`;

/** The line `npm run stack` prints, per the CLI's contract. */
const LOCAL_LINE = {
  region: 'us-east-1',
  endpoints: {
    dynamodb: 'http://127.0.0.1:8000',
    dynamodbstreams: 'http://127.0.0.1:8000',
    sns: 'http://127.0.0.1:4566',
    sqs: 'http://sqs.us-east-1.localhost:4566',
  },
  tables: { licenses: 'p-Licenses', shipments: 'p-Shipments', inventory: 'p-Inventory' },
  topics: {
    customer: arn('p-Customer'),
    customerShards: [arn('p-Customer'), arn('p-Customer1')],
    logistics: arn('p-Logistics'),
    ops: arn('p-Ops'),
  },
  dlqs: {
    licenseEvents: 'http://sqs.us-east-1.localhost:4566/000000000000/p-ldlq',
    shipmentEvents: 'http://sqs.us-east-1.localhost:4566/000000000000/p-sdlq',
    shipmentHistory: 'http://sqs.us-east-1.localhost:4566/000000000000/p-hdlq',
    subscriptions: {
      url: 'http://sqs.us-east-1.localhost:4566/000000000000/p-subdlq',
      arn: 'arn:aws:sqs:us-east-1:000000000000:p-subdlq',
    },
  },
};

const OUTPUTS: Record<string, string> = {
  LicensesTableName: 'Clearance-Licenses',
  ShipmentsTableName: 'Clearance-Shipments',
  InventoryTableName: 'Clearance-Inventory',
  CustomerTopicArn: arn('Customer'),
  LogisticsTopicArn: arn('Logistics'),
  OpsTopicArn: arn('Ops'),
  LicenseEventsDlqUrl: 'https://sqs.eu-west-1.amazonaws.com/1/l',
  ShipmentEventsDlqUrl: 'https://sqs.eu-west-1.amazonaws.com/1/s',
  ShipmentHistoryDlqUrl: 'https://sqs.eu-west-1.amazonaws.com/1/h',
  LicenseEventsFunctionName: 'Clearance-LicenseEvents',
  ShipmentEventsFunctionName: 'Clearance-ShipmentEvents',
  ShipmentHistoryFunctionName: 'Clearance-ShipmentHistory',
};

describe('parseStackFile', () => {
  it('reads the local stack line into endpoints, tables, topics and DLQs', () => {
    const r = parseStackFile(JSON.stringify(LOCAL_LINE), 'CLEARANCE_STACK');
    expect(r).toMatchObject({
      origin: 'local',
      region: 'us-east-1',
      endpoints: { dynamodbStreams: 'http://127.0.0.1:8000', sqs: 'http://sqs.us-east-1.localhost:4566' },
      tables: LOCAL_LINE.tables,
      topics: { customerShards: LOCAL_LINE.topics.customerShards },
      dlqs: {
        licenseEvents: LOCAL_LINE.dlqs.licenseEvents,
        shipmentEvents: LOCAL_LINE.dlqs.shipmentEvents,
        shipmentHistory: LOCAL_LINE.dlqs.shipmentHistory,
      },
      subscriptionDlq: LOCAL_LINE.dlqs.subscriptions,
    });
  });

  it('reads a line without the subscription DLQ (printed before it existed) as having none', () => {
    const { subscriptions: _, ...dlqs } = LOCAL_LINE.dlqs;
    expect(parseStackFile(JSON.stringify({ ...LOCAL_LINE, dlqs }), 'x').subscriptionDlq).toBeUndefined();
  });

  it('reads tables.history when the line carries it, and a line without it (an older stack) as having none', () => {
    const tables = { ...LOCAL_LINE.tables, history: 'p-History' };
    expect(parseStackFile(JSON.stringify({ ...LOCAL_LINE, tables }), 'x').tables).toEqual(tables);
    expect(parseStackFile(JSON.stringify(LOCAL_LINE), 'x').tables).not.toHaveProperty('history');
    expect(() =>
      parseStackFile(JSON.stringify({ ...LOCAL_LINE, tables: { ...tables, history: '' } }), 'x'),
    ).toThrow(/tables.history must not be empty/);
  });

  it('rejects a subscription DLQ whose ARN is not an SQS ARN', () => {
    const dlqs = { ...LOCAL_LINE.dlqs, subscriptions: { url: LOCAL_LINE.dlqs.licenseEvents, arn: arn('x') } };
    expect(() => parseStackFile(JSON.stringify({ ...LOCAL_LINE, dlqs }), 'x')).toThrow(
      /dlqs.subscriptions.arn must be an SQS queue ARN/,
    );
  });

  it('takes the DynamoDB endpoint for streams when none is given, and no shards as one topic', () => {
    const { dynamodbstreams: _, ...endpoints } = LOCAL_LINE.endpoints;
    const { customerShards: __, ...topics } = LOCAL_LINE.topics;
    const r = parseStackFile(JSON.stringify({ ...LOCAL_LINE, endpoints, topics }), 'x');
    expect(r.endpoints?.dynamodbStreams).toBe('http://127.0.0.1:8000');
    expect(r.topics.customerShards).toEqual([]);
  });

  it('reads function names when the line carries them, as a name or an object with one', () => {
    const r = parseStackFile(
      JSON.stringify({
        ...LOCAL_LINE,
        functions: {
          licenseEvents: 'fn-l',
          shipmentEvents: { name: 'fn-s', timeoutSeconds: 120, environment: { A: 'b' } },
          shipmentHistory: 'fn-h',
        },
      }),
      'x',
    );
    expect(r.functions).toEqual({
      licenseEvents: { name: 'fn-l' },
      shipmentEvents: { name: 'fn-s' },
      shipmentHistory: { name: 'fn-h' },
    });
  });

  it("reads the gateway's Lambda endpoint, and a line without one (an older stack) as having none", () => {
    const endpoints = { ...LOCAL_LINE.endpoints, lambda: 'http://127.0.0.1:8000' };
    expect(parseStackFile(JSON.stringify({ ...LOCAL_LINE, endpoints }), 'x').endpoints?.lambda).toBe(
      'http://127.0.0.1:8000',
    );
    expect(parseStackFile(JSON.stringify(LOCAL_LINE), 'x').endpoints).not.toHaveProperty('lambda');
    expect(() =>
      parseStackFile(JSON.stringify({ ...LOCAL_LINE, endpoints: { ...endpoints, lambda: 'nope' } }), 'x'),
    ).toThrow(/endpoints.lambda must be an http\(s\) URL/);
  });

  it('rejects text that is not JSON, naming the source and the fix', () => {
    expect(() => parseStackFile('{oops', 'CLEARANCE_STACK')).toThrow(
      /CLEARANCE_STACK is not JSON.*npm run stack/,
    );
  });

  it('rejects an incomplete description, naming every missing field', () => {
    expect(() => parseStackFile(JSON.stringify({ region: 'us-east-1', tables: {} }), 'stack.json')).toThrow(
      /stack.json is not a stack description: tables.licenses is missing; .*topics is missing; dlqs is missing/,
    );
  });
});

describe('resourcesFromOutputs', () => {
  const meta = { stackName: 'Clearance', region: 'eu-west-1' };

  it('maps the outputs of a stack with one customer topic', () => {
    const r = resourcesFromOutputs(OUTPUTS, KEYS, meta);
    expect(r).toMatchObject({
      origin: 'aws',
      region: 'eu-west-1',
      tables: {
        licenses: 'Clearance-Licenses',
        shipments: 'Clearance-Shipments',
        inventory: 'Clearance-Inventory',
      },
      topics: { customer: arn('Customer'), customerShards: [], logistics: arn('Logistics'), ops: arn('Ops') },
      functions: {
        licenseEvents: { name: 'Clearance-LicenseEvents' },
        shipmentEvents: { name: 'Clearance-ShipmentEvents' },
        shipmentHistory: { name: 'Clearance-ShipmentHistory' },
      },
      dlqs: {
        licenseEvents: 'https://sqs.eu-west-1.amazonaws.com/1/l',
        shipmentEvents: 'https://sqs.eu-west-1.amazonaws.com/1/s',
        shipmentHistory: 'https://sqs.eu-west-1.amazonaws.com/1/h',
      },
    });
    expect(r.endpoints).toBeUndefined();
  });

  it('reads the History table from HistoryTableName, and none from an older stack without failing', () => {
    const r = resourcesFromOutputs({ ...OUTPUTS, HistoryTableName: 'Clearance-History' }, KEYS, meta);
    expect(r.tables.history).toBe('Clearance-History');
    const old = resourcesFromOutputs(OUTPUTS, KEYS, meta);
    expect(old.tables).not.toHaveProperty('history');
    expect(old.tables.licenses).toBe('Clearance-Licenses');
  });

  it('picks up the subscription manager role that subscribe assumes on AWS', () => {
    const role = 'arn:aws:iam::123456789012:role/Clearance-SubscriptionManager';
    expect(
      resourcesFromOutputs({ ...OUTPUTS, SubscriptionManagerRoleArn: role }, KEYS, meta)
        .subscriptionManagerRoleArn,
    ).toBe(role);
    expect(resourcesFromOutputs(OUTPUTS, KEYS, meta).subscriptionManagerRoleArn).toBeUndefined();
  });

  it('reads the subscription DLQ from SubscriptionDlqUrl and SubscriptionDlqArn, and none from an older stack', () => {
    const dlq = {
      SubscriptionDlqUrl: 'https://sqs.eu-west-1.amazonaws.com/1/sub',
      SubscriptionDlqArn: 'arn:aws:sqs:eu-west-1:1:sub',
    };
    expect(resourcesFromOutputs({ ...OUTPUTS, ...dlq }, KEYS, meta).subscriptionDlq).toEqual({
      url: dlq.SubscriptionDlqUrl,
      arn: dlq.SubscriptionDlqArn,
    });
    expect(resourcesFromOutputs(OUTPUTS, KEYS, meta).subscriptionDlq).toBeUndefined();
    expect(() =>
      resourcesFromOutputs({ ...OUTPUTS, SubscriptionDlqUrl: dlq.SubscriptionDlqUrl }, KEYS, meta),
    ).toThrow(/lacks the output SubscriptionDlqArn/);
  });

  it('reads customer topic shards from CustomerTopicArn0..N-1 in order', () => {
    const r = resourcesFromOutputs(
      {
        ...OUTPUTS,
        CustomerTopicArn2: arn('C2'),
        CustomerTopicArn0: arn('Customer'),
        CustomerTopicArn1: arn('C1'),
      },
      KEYS,
      meta,
    );
    expect(r.topics.customerShards).toEqual([arn('Customer'), arn('C1'), arn('C2')]);
  });

  it('rejects shard outputs with a gap', () => {
    expect(() =>
      resourcesFromOutputs(
        { ...OUTPUTS, CustomerTopicArn0: arn('a'), CustomerTopicArn2: arn('c') },
        KEYS,
        meta,
      ),
    ).toThrow(/not CustomerTopicArn1.*npx cdk deploy/);
  });

  it('rejects a stack that lacks outputs, naming them and the fix', () => {
    const { ShipmentEventsDlqUrl: _, OpsTopicArn: __, ...outputs } = OUTPUTS;
    expect(() => resourcesFromOutputs(outputs, KEYS, meta)).toThrow(
      /lacks the outputs OpsTopicArn, ShipmentEventsDlqUrl.*npx cdk deploy/,
    );
  });
});

describe('resolveResources', () => {
  const deps = (calls: string[]): ResolveDeps => ({
    async readFile(path) {
      calls.push(`file:${path}`);
      return JSON.stringify(LOCAL_LINE);
    },
    async describeStack(name, region) {
      calls.push(`aws:${name}:${region ?? '-'}`);
      return { outputs: OUTPUTS, region: region ?? 'eu-west-1' };
    },
    async stackConstants() {
      return { stackId: 'Clearance', outputs: KEYS };
    },
  });

  it('prefers --stack-file over everything', async () => {
    const calls: string[] = [];
    const r = await resolveResources(
      { stackFile: 'a.json' },
      { CLEARANCE_STACK: '{}', CLEARANCE_STACK_FILE: 'b.json' },
      deps(calls),
    );
    expect(calls).toEqual(['file:a.json']);
    expect(r.source).toBe('a.json (--stack-file)');
  });

  it('uses an explicit --stack-name before the environment', async () => {
    const calls: string[] = [];
    await resolveResources(
      { stackName: 'Other', region: 'us-west-2' },
      { CLEARANCE_STACK: 'x' },
      deps(calls),
    );
    expect(calls).toEqual(['aws:Other:us-west-2']);
  });

  it('then CLEARANCE_STACK_FILE, then CLEARANCE_STACK', async () => {
    const calls: string[] = [];
    await resolveResources({}, { CLEARANCE_STACK_FILE: 'b.json', CLEARANCE_STACK: 'x' }, deps(calls));
    expect(calls).toEqual(['file:b.json']);
    const r = await resolveResources({}, { CLEARANCE_STACK: JSON.stringify(LOCAL_LINE) }, deps(calls));
    expect(r.origin).toBe('local');
    expect(calls).toEqual(['file:b.json']);
  });

  it('falls back to the deployed stack named STACK_ID', async () => {
    const calls: string[] = [];
    const r = await resolveResources({}, {}, deps(calls));
    expect(calls).toEqual(['aws:Clearance:-']);
    expect(r.source).toBe('stack Clearance (eu-west-1)');
  });

  it('rejects --stack-file together with --stack-name', async () => {
    await expect(resolveResources({ stackFile: 'a', stackName: 'b' }, {}, deps([]))).rejects.toThrow(
      UsageError,
    );
  });

  it('rejects an unreadable stack file, saying how to write one', async () => {
    const failing: ResolveDeps = {
      ...deps([]),
      readFile: () => Promise.reject(new Error('ENOENT: no such file')),
    };
    await expect(resolveResources({ stackFile: 'gone.json' }, {}, failing)).rejects.toThrow(
      /cannot read the stack description gone.json.*npm run -s stack > stack.json/,
    );
  });
});

describe('explainDescribeError', () => {
  it('says how to get a stack when none exists', () => {
    const error = explainDescribeError(
      { name: 'ValidationError', message: 'Stack with id Clearance does not exist' },
      'Clearance',
      'eu-west-1',
    );
    expect(error).toBeInstanceOf(StackNotFoundError);
    expect(error.message).toMatch(
      /^no stack found .*run `npm run stack` and pass --stack-file.*deploy with `npx cdk deploy`/,
    );
  });

  it('says how to get credentials or a local stack when there are no credentials', () => {
    const error = explainDescribeError(
      { name: 'CredentialsProviderError', message: 'Could not load credentials' },
      'C',
      undefined,
    );
    expect(error.message).toMatch(/no stack found.*npm run stack.*AWS_PROFILE/);
  });

  it('says how to set a region when none is configured', () => {
    expect(explainDescribeError(new Error('Region is missing'), 'C', undefined).message).toMatch(
      /--region or set AWS_REGION/,
    );
  });
});

describe('explainDescribeError, network', () => {
  it('says to check the network and region when CloudFormation cannot be reached', () => {
    expect(
      explainDescribeError(
        new Error('getaddrinfo ENOTFOUND cloudformation.eu-west-1.amazonaws.com'),
        'C',
        'eu-west-1',
      ).message,
    ).toMatch(/cannot reach CloudFormation in eu-west-1.*--region; for the local stack pass --stack-file/);
  });
});
