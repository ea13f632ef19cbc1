/**
 * Lambda Invoke at the local stack's gateway: a plain LambdaClient pointed at
 * the stack runs a function from its deployed bundle, in its sandbox, and
 * gets Lambda's answers (the result, a function error, ResourceNotFound, the
 * 6 MB payload limit); a role session that invokes a function is judged as
 * `lambda:InvokeFunction` like any other request, and refused as AWS would.
 */
import {
  InvokeCommand,
  type InvokeCommandOutput,
  LambdaClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-lambda';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { SUBSCRIPTION_MANAGER_ROLE_OUTPUT } from '../../infra/outputs.js';
import type { FunctionBundle } from '../../local/lambda-host.js';
import type { FunctionResource } from '../../local/resources.js';
import { useLocalStack } from '../helpers/stack.js';

/** Every line the functions logged, with the function that logged it. */
const logged: { fn: FunctionBundle; line: string }[] = [];

const local = useLocalStack({
  // The last test provokes one denial on purpose, and checks it is the only one.
  expectDenials: true,
  // The handlers' INFO lines name the request id each invocation ran as.
  environmentOverrides: { POWERTOOLS_LOG_LEVEL: 'INFO' },
  functionLogs: (fn, _stream, line) => logged.push({ fn, line }),
  log: () => undefined,
});

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const clients: LambdaClient[] = [];
const lambdaClient = (extra: Partial<ConstructorParameters<typeof LambdaClient>[0]> = {}) => {
  const client = new LambdaClient({
    region: local.stack.endpoints.region,
    endpoint: local.stack.endpoints.lambda,
    credentials,
    maxAttempts: 1,
    ...extra,
  });
  clients.push(client);
  return client;
};
afterAll(() => {
  for (const c of clients) c.destroy();
});

function fn(name: string): FunctionResource {
  const found = Object.values(local.resources.functionsByLogicalId).find(
    (f) => f.entry === `functions/${name}.ts`,
  );
  if (found === undefined) throw new Error(`no function ${name}`);
  return found;
}

/** The log line of the invocation `requestId` (sandbox output arrives on its own stream, maybe after the answer). */
async function lineOf(requestId: string): Promise<{ fn: FunctionBundle; line: string } | undefined> {
  for (let i = 0; i < 100; i++) {
    const found = logged.find((l) => l.line.includes(requestId));
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return undefined;
}

const payload = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const parsed = (out: InvokeCommandOutput) =>
  JSON.parse(new TextDecoder().decode(out.Payload)) as Record<string, unknown>;

describe('Lambda Invoke on the local stack', () => {
  it('runs the deployed bundle of the function named, in its sandbox, and returns its result', async () => {
    const shipments = fn('shipment-events');
    const out = await lambdaClient().send(
      new InvokeCommand({ FunctionName: shipments.name, Payload: payload({ Records: [] }) }),
    );
    expect(out.StatusCode).toBe(200);
    expect(out.ExecutedVersion).toBe('$LATEST');
    expect(out.FunctionError).toBeUndefined();
    expect(parsed(out)).toEqual({ batchItemFailures: [] });
    // The handler logged from the bundle in cdk.out, under the invocation's request id.
    const requestId = out.$metadata.requestId ?? '';
    expect(requestId).not.toBe('');
    const line = await lineOf(requestId);
    expect(line?.fn.bundleFile).toBe(shipments.bundleFile);
    expect(shipments.bundleFile.startsWith(inject('clearanceAssembly').dir)).toBe(true);
    expect(JSON.parse(line?.line ?? '{}')).toMatchObject({
      message: 'shipment batch processed',
      records: 0,
      function_name: shipments.name,
      function_request_id: requestId,
    });
  });

  it('finds the function by ARN, and reaches the gateway from a client built with {} (AWS_ENDPOINT_URL_LAMBDA)', async () => {
    expect(process.env.AWS_ENDPOINT_URL_LAMBDA).toBe(local.stack.gateway.url);
    const client = new LambdaClient({ maxAttempts: 1 });
    clients.push(client);
    const out = await client.send(
      new InvokeCommand({ FunctionName: fn('license-events').arn, Payload: payload({ Records: [] }) }),
    );
    expect(parsed(out)).toEqual({ batchItemFailures: [] });
  });

  it('answers a handler that throws with FunctionError Unhandled and its errorType and errorMessage', async () => {
    const out = await lambdaClient().send(
      new InvokeCommand({ FunctionName: fn('shipment-events').name, Payload: payload({}) }),
    );
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBe('Unhandled');
    expect(parsed(out)).toMatchObject({
      errorType: 'TypeError',
      errorMessage: expect.stringMatching(/iterable/),
    });
  });

  it('answers an unknown function with ResourceNotFoundException', async () => {
    const name = `${local.resources.prefix}-nope`;
    const send = lambdaClient().send(new InvokeCommand({ FunctionName: name }));
    await expect(send).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(send).rejects.toMatchObject({
      message: `Function not found: arn:aws:lambda:${local.resources.region}:000000000000:function:${name}`,
      $metadata: { httpStatusCode: 404 },
    });
  });

  it('refuses a synchronous payload over 6 MB with 413, as a limit, before the function runs', async () => {
    const send = lambdaClient().send(
      new InvokeCommand({
        FunctionName: fn('shipment-events').name,
        Payload: payload({ Records: [], pad: 'x'.repeat(6_291_456) }),
      }),
    );
    await expect(send).rejects.toMatchObject({
      name: 'RequestEntityTooLargeException',
      $metadata: { httpStatusCode: 413 },
    });
    expect(local.stack.refusals()).toContainEqual(
      expect.objectContaining({ service: 'lambda', kind: 'limit', limit: 'lambda.Invoke.payload' }),
    );
  });

  it('judges a role session that invokes a function as lambda:InvokeFunction, and refuses what AWS would deny', async () => {
    const roleArn = local.stack.outputs[SUBSCRIPTION_MANAGER_ROLE_OUTPUT] ?? '';
    const endpoint = local.stack.endpoints.lambda;
    const session = lambdaClient({
      credentials: fromTemporaryCredentials({
        params: { RoleArn: roleArn, RoleSessionName: 'invoke-test' },
        masterCredentials: credentials,
        clientConfig: { region: local.resources.region, endpoint },
      }),
    });
    const shipments = fn('shipment-events');
    const send = session.send(new InvokeCommand({ FunctionName: shipments.name }));
    await expect(send).rejects.toMatchObject({
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 403 },
    });
    const { denied } = local.stack.requests();
    expect(denied).toEqual([
      expect.objectContaining({ action: 'lambda:InvokeFunction', resource: shipments.arn, allowed: false }),
    ]);
    expect(denied[0]?.caller).toMatch(/\(assumed\)$/);
  });
});
