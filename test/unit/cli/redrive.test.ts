/**
 * `clearance dlq redrive` invokes the stream functions with Lambda Invoke, on
 * AWS and on a local stack alike (whose gateway serves Invoke). Here the
 * CLI's LambdaClient is real but answered by the gateway's own Lambda code
 * without a socket (test/helpers/lambda-wire.ts), so what the CLI sends and
 * how it reads each answer is what it would be against `npm run stack`.
 */
import type { LambdaClientConfig } from '@aws-sdk/client-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { clientBase } from '../../../cli/clients.js';
import { CliError } from '../../../cli/errors.js';
import { lambdaEndpoint, lambdaInvoker } from '../../../cli/redrive.js';
import { parseStackFile } from '../../../cli/resources/stack-file.js';
import type { LambdaFunctions } from '../../../local/gateway/lambda.js';
import { arnOf, type DecodedCalls, fakeFunctions, gatewayLambdaHandler } from '../../helpers/lambda-wire.js';

/** The LambdaClient configs the CLI built, and the gateway code answering its requests. */
const sdk = vi.hoisted(() => ({
  configs: [] as unknown[],
  handler: undefined as unknown,
}));

vi.mock('@aws-sdk/client-lambda', async (importOriginal) => {
  const real = await importOriginal<typeof import('@aws-sdk/client-lambda')>();
  class LambdaClient extends real.LambdaClient {
    constructor(config: LambdaClientConfig) {
      sdk.configs.push(config);
      super({ ...config, requestHandler: sdk.handler as LambdaClientConfig['requestHandler'] });
    }
  }
  return { ...real, LambdaClient };
});

const snsArn = (name: string) => `arn:aws:sns:us-east-1:000000000000:${name}`;
const GATEWAY = 'http://127.0.0.1:40093';
const line = (extra: Record<string, unknown> = {}, endpoints: Record<string, unknown> = {}) =>
  parseStackFile(
    JSON.stringify({
      region: 'us-east-1',
      endpoints: { dynamodb: GATEWAY, sns: GATEWAY, sqs: GATEWAY, lambda: GATEWAY, ...endpoints },
      tables: { licenses: 'L', shipments: 'S', inventory: 'I' },
      topics: { customer: snsArn('C'), logistics: snsArn('Lg'), ops: snsArn('O') },
      dlqs: { licenseEvents: 'http://q/l', shipmentEvents: 'http://q/s', shipmentHistory: 'http://q/h' },
      functions: { licenseEvents: 'p-license-fn', shipmentEvents: { name: 'p-shipment-fn' } },
      ...extra,
    }),
    'CLEARANCE_STACK',
  );
const withoutEndpoints = (r: ReturnType<typeof line>) => {
  const { endpoints: _, ...aws } = r;
  return { ...aws, origin: 'aws' as const };
};
const event = { Records: [{ eventID: '1' }, { eventID: '2' }] } as never;

/** Wires the CLI's LambdaClient to the gateway's Lambda code with `functions`; returns the calls it decodes. */
function gatewayWith(functions: LambdaFunctions): DecodedCalls {
  const decoded: DecodedCalls = [];
  sdk.handler = gatewayLambdaHandler(functions, decoded);
  return decoded;
}

afterEach(() => {
  sdk.configs.length = 0;
  sdk.handler = undefined;
});

describe('lambdaEndpoint', () => {
  it("is the local stack's gateway when the description names it, and AWS's own endpoint otherwise", () => {
    expect(lambdaEndpoint(line())).toEqual({ endpoint: GATEWAY });
    expect(lambdaEndpoint(withoutEndpoints(line()))).toEqual({});
  });

  it('refuses a local stack description without endpoints.lambda, saying to restart `npm run stack`', () => {
    const old = line({}, { lambda: undefined });
    expect(old.endpoints?.lambda).toBeUndefined();
    expect(() => lambdaEndpoint(old)).toThrow(CliError);
    expect(() => lambdaEndpoint(old)).toThrow(
      /CLEARANCE_STACK\) has no endpoints\.lambda.*Restart `npm run stack`/,
    );
  });
});

describe('lambdaInvoker', () => {
  it("invokes the description's function at the gateway, with the local agent and credentials, and reads its failures", async () => {
    const functions = fakeFunctions(['p-shipment-fn'], () => ({
      result: { batchItemFailures: [{ itemIdentifier: '2' }] },
    }));
    const decoded = gatewayWith(functions);
    const resources = line();
    const base = clientBase(resources, {});
    const invoker = await lambdaInvoker(resources, base);
    try {
      expect(await invoker.invoke('shipmentEvents', event)).toEqual({ failures: ['2'] });
    } finally {
      invoker.close();
    }
    expect(functions.calls).toEqual([
      {
        arn: arnOf('p-shipment-fn'),
        event: JSON.parse(JSON.stringify(event)),
        requestId: expect.any(String),
      },
    ]);
    expect(decoded[0]?.input).toMatchObject({
      FunctionName: 'p-shipment-fn',
      InvocationType: 'RequestResponse',
    });
    expect(sdk.configs).toEqual([
      expect.objectContaining({
        region: 'us-east-1',
        endpoint: GATEWAY,
        credentials: expect.objectContaining({ accessKeyId: 'local', secretAccessKey: 'local' }),
        requestHandler: { httpAgent: base.requestHandler?.httpAgent, requestTimeout: 16 * 60 * 1000 },
      }),
    ]);
  });

  it("reports a function that threw as the invocation's error, with Lambda's errorMessage", async () => {
    gatewayWith(
      fakeFunctions(['p-license-fn'], () => ({
        error: { errorType: 'TypeError', errorMessage: 'event.Records is not iterable', trace: [] },
      })),
    );
    const invoker = await lambdaInvoker(line(), clientBase(line(), {}));
    try {
      expect(await invoker.invoke('licenseEvents', event)).toEqual({
        failures: [],
        error: 'p-license-fn failed (Unhandled): event.Records is not iterable',
      });
    } finally {
      invoker.close();
    }
  });

  it('lets a function the stack does not have fail as ResourceNotFoundException (the message stays in the DLQ)', async () => {
    gatewayWith(fakeFunctions(['someone-else']));
    const invoker = await lambdaInvoker(line(), clientBase(line(), {}));
    try {
      await expect(invoker.invoke('shipmentEvents', event)).rejects.toMatchObject({
        name: 'ResourceNotFoundException',
        message: `Function not found: ${arnOf('p-shipment-fn')}`,
      });
    } finally {
      invoker.close();
    }
  });

  it('fails before building a client on a local stack description without endpoints.lambda', async () => {
    const old = line({}, { lambda: undefined });
    await expect(lambdaInvoker(old, clientBase(old, {}))).rejects.toThrow(/Restart `npm run stack`/);
    expect(sdk.configs).toEqual([]);
  });

  it('names the fix when the description has no function name: restart the local stack, or redeploy on AWS', async () => {
    gatewayWith(fakeFunctions([]));
    const local = line({ functions: undefined });
    const localInvoker = await lambdaInvoker(local, clientBase(local, {}));
    await expect(localInvoker.invoke('licenseEvents', event)).rejects.toThrow(
      /names no functions\.licenseEvents.*restart `npm run stack`/,
    );
    localInvoker.close();
    const aws = withoutEndpoints(local);
    const awsInvoker = await lambdaInvoker(aws, clientBase(aws, {}));
    await expect(awsInvoker.invoke('shipmentEvents', event)).rejects.toThrow(
      /no ShipmentEventsFunctionName output.*npx cdk deploy/,
    );
    awsInvoker.close();
    expect(sdk.configs[1]).not.toHaveProperty('endpoint');
  });
});
