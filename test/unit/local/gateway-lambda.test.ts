/**
 * Lambda Invoke at the local stack's gateway (local/gateway/wire.ts,
 * local/gateway/lambda.ts): how the REST call is decoded, how the function it
 * names is found, and what the AWS SDK's own LambdaClient makes of each answer
 * (through test/helpers/lambda-wire.ts: the SDK's real serialization and
 * parsing, the gateway's decoding, limits and answer, no socket).
 */
import {
  InvalidParameterValueException,
  InvalidRequestContentException,
  InvokeCommand,
  LambdaClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { invokeTarget, LambdaCallError } from '../../../local/gateway/lambda.js';
import { accessDenied, decodeRequest, errorResponse, WireError } from '../../../local/gateway/wire.js';
import { iamRequestsFor, type ResourceLookup } from '../../../local/iam/requests.js';
import {
  arnOf,
  type DecodedCalls,
  fakeFunctions,
  gatewayLambdaHandler,
  WHERE,
} from '../../helpers/lambda-wire.js';

const invokePath = (name: string) => `/2015-03-31/functions/${name}/invocations`;
const json = (body: { body: Buffer }) => JSON.parse(body.body.toString('utf8')) as Record<string, unknown>;

describe('decodeRequest: Lambda Invoke', () => {
  it('reads the function from the path, the payload from the body, and leaves absent headers out', () => {
    const body = Buffer.from('{"Records":[]}');
    const call = decodeRequest({ method: 'POST', url: invokePath('my-fn'), headers: {} }, body);
    expect(call).toEqual({
      service: 'lambda',
      operation: 'Invoke',
      input: { FunctionName: 'my-fn', Payload: '{"Records":[]}' },
      bodyBytes: body.length,
    });
  });

  it('URL-decodes an ARN, and reads the qualifier from the query and the types from the headers', () => {
    const arn = arnOf('my-fn');
    const call = decodeRequest(
      {
        method: 'POST',
        url: `${invokePath(encodeURIComponent(arn))}?Qualifier=%24LATEST`,
        headers: {
          'x-amz-invocation-type': 'DryRun',
          'x-amz-log-type': 'None',
          'x-amz-client-context': 'e30=',
        },
      },
      Buffer.alloc(0),
    );
    expect(call.input).toEqual({
      FunctionName: arn,
      Qualifier: '$LATEST',
      InvocationType: 'DryRun',
      LogType: 'None',
      ClientContext: 'e30=',
      Payload: '',
    });
  });

  it.each([
    ['GET', invokePath('f')],
    ['GET', '/2015-03-31/functions/f'],
    ['POST', '/2014-11-13/functions/f/invoke-async'],
  ])('refuses %s %s as a Lambda call the gateway does not serve', (method, url) => {
    const attempt = () => decodeRequest({ method, url, headers: {} }, Buffer.alloc(0));
    expect(attempt).toThrow(WireError);
    expect(attempt).toThrow(/serves only Lambda Invoke/);
    try {
      attempt();
    } catch (error) {
      expect(error).toMatchObject({ service: 'lambda', code: 'UnknownOperationException', status: 404 });
    }
  });

  it('still decodes the JSON and query protocols by their headers and body', () => {
    const dynamo = decodeRequest(
      { method: 'POST', url: '/', headers: { 'x-amz-target': 'DynamoDB_20120810.GetItem' } },
      Buffer.from('{"TableName":"T"}'),
    );
    expect(dynamo).toMatchObject({ service: 'dynamodb', operation: 'GetItem', input: { TableName: 'T' } });
    const sns = decodeRequest(
      { method: 'POST', url: '/', headers: {} },
      Buffer.from('Action=Publish&Version=2010-03-31&TopicArn=t&Message=m'),
    );
    expect(sns).toMatchObject({ service: 'sns', operation: 'Publish', input: { TopicArn: 't' } });
  });
});

describe('invokeTarget', () => {
  it('names the same function by name, partial ARN and ARN', () => {
    const arn = arnOf('fn');
    for (const name of ['fn', `${WHERE.account}:function:fn`, arn]) {
      expect(invokeTarget(name, undefined, WHERE)).toEqual({ name: 'fn', arn, qualifiedArn: arn });
    }
  });

  it('takes the qualifier from the name or the parameter, and refuses two that disagree', () => {
    const arn = arnOf('fn');
    const latest = { name: 'fn', arn, qualifier: '$LATEST', qualifiedArn: `${arn}:$LATEST` };
    expect(invokeTarget('fn:$LATEST', undefined, WHERE)).toEqual(latest);
    expect(invokeTarget(arn, '$LATEST', WHERE)).toEqual(latest);
    expect(invokeTarget(`${arn}:$LATEST`, '$LATEST', WHERE)).toEqual(latest);
    expect(() => invokeTarget('fn:live', '$LATEST', WHERE)).toThrow(
      /derived qualifier from the function name does not match/,
    );
  });

  it("keeps an ARN's own region and account", () => {
    const other = 'arn:aws:lambda:eu-west-1:111122223333:function:fn';
    expect(invokeTarget(other, undefined, WHERE).arn).toBe(other);
  });

  it.each(['', 'has space', 'a/b', 'arn:aws:s3:::bucket', `x${'y'.repeat(64)}`])(
    'refuses the malformed name %j with ValidationException',
    (name) => {
      expect(() => invokeTarget(name, undefined, WHERE)).toThrow(LambdaCallError);
      expect(() => invokeTarget(name, undefined, WHERE)).toThrow(/failed to satisfy constraint/);
    },
  );
});

describe('iamRequestsFor: Lambda Invoke', () => {
  const none = () => {
    throw new Error('not used');
  };
  const lookup: ResourceLookup = {
    tableArn: none,
    queueArn: none,
    topicKeyArn: none,
    functionArn: (name, qualifier) => invokeTarget(name, qualifier, WHERE).qualifiedArn,
  };
  const invoke = (input: Record<string, unknown>, with_: ResourceLookup = lookup) =>
    iamRequestsFor({ service: 'lambda', operation: 'Invoke', input }, with_);

  it('is lambda:InvokeFunction on the function ARN, qualified when the call is', () => {
    expect(invoke({ FunctionName: 'fn', Payload: '{}' })).toEqual([
      { action: 'lambda:InvokeFunction', resource: arnOf('fn'), context: { 'aws:SecureTransport': 'true' } },
    ]);
    expect(invoke({ FunctionName: arnOf('fn'), Qualifier: '$LATEST' })[0]?.resource).toBe(
      `${arnOf('fn')}:$LATEST`,
    );
    expect(invoke({ FunctionName: 'fn', InvocationType: 'DryRun' })[0]?.action).toBe('lambda:InvokeFunction');
  });

  it('throws for other Lambda operations, a call without a function, and a lookup without functionArn', () => {
    expect(() =>
      iamRequestsFor({ service: 'lambda', operation: 'ListFunctions', input: {} }, lookup),
    ).toThrow(/lambda ListFunctions is not mapped/);
    expect(() => invoke({})).toThrow(/no FunctionName/);
    const { functionArn: _, ...withoutFunctions } = lookup;
    expect(() => invoke({ FunctionName: 'fn' }, withoutFunctions)).toThrow(/no functionArn/);
  });
});

describe("Lambda's error shape", () => {
  it('names the code in x-amzn-errortype, with Type and the message field the SDK model reads', () => {
    const notFound = errorResponse('lambda', 'ResourceNotFoundException', 'Function not found: x', 404);
    expect(notFound.status).toBe(404);
    expect(notFound.headers).toMatchObject({
      'content-type': 'application/json',
      'x-amzn-errortype': 'ResourceNotFoundException',
    });
    expect(json(notFound)).toEqual({ Type: 'User', Message: 'Function not found: x' });
    const tooLarge = errorResponse('lambda', 'RequestEntityTooLargeException', 'too big', 413);
    expect(json(tooLarge)).toEqual({ Type: 'User', message: 'too big' });
    expect(json(errorResponse('lambda', 'ServiceException', 'down', 500))).toEqual({
      Type: 'Service',
      Message: 'down',
    });
  });

  it('answers a denial with 403 AccessDeniedException', () => {
    const denied = accessDenied('lambda', 'role R may not lambda:InvokeFunction');
    expect(denied.status).toBe(403);
    expect(denied.headers['x-amzn-errortype']).toBe('AccessDeniedException');
  });
});

describe('what the SDK makes of the answers', () => {
  const clients: LambdaClient[] = [];
  afterEach(() => {
    for (const c of clients.splice(0)) c.destroy();
  });
  const clientFor = (functions: ReturnType<typeof fakeFunctions>, decoded: DecodedCalls = []) => {
    const client = new LambdaClient({
      region: WHERE.region,
      endpoint: 'http://gateway.invalid',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
      requestHandler: gatewayLambdaHandler(functions, decoded),
    });
    clients.push(client);
    return client;
  };
  const payload = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
  const text = (p: Uint8Array | undefined) => (p ? new TextDecoder().decode(p) : '');

  it("returns the handler's result with status 200 and $LATEST, invoking the function by ARN", async () => {
    const functions = fakeFunctions(['shipment-events'], () => ({ result: { batchItemFailures: [] } }));
    const decoded: DecodedCalls = [];
    const out = await clientFor(functions, decoded).send(
      new InvokeCommand({ FunctionName: 'shipment-events', Payload: payload({ Records: [] }) }),
    );
    expect(out.StatusCode).toBe(200);
    expect(out.ExecutedVersion).toBe('$LATEST');
    expect(out.FunctionError).toBeUndefined();
    expect(JSON.parse(text(out.Payload))).toEqual({ batchItemFailures: [] });
    expect(functions.calls).toEqual([
      { arn: arnOf('shipment-events'), event: { Records: [] }, requestId: expect.any(String) },
    ]);
    expect(out.$metadata.requestId).toBe(functions.calls[0]?.requestId);
    expect(decoded[0]).toMatchObject({ service: 'lambda', operation: 'Invoke' });
  });

  it('finds the function by its URL-encoded ARN and $LATEST, and gives an empty payload as {}', async () => {
    const functions = fakeFunctions(['fn']);
    const out = await clientFor(functions).send(
      new InvokeCommand({ FunctionName: arnOf('fn'), Qualifier: '$LATEST' }),
    );
    expect(out.StatusCode).toBe(200);
    expect(text(out.Payload)).toBe('null');
    expect(functions.calls[0]?.event).toEqual({});
  });

  it('reports a handler that threw as FunctionError Unhandled, with errorType, errorMessage and trace', async () => {
    const functions = fakeFunctions(['fn'], () => ({
      error: { errorType: 'TypeError', errorMessage: 'boom', trace: ['TypeError: boom', '    at x'] },
    }));
    const out = await clientFor(functions).send(new InvokeCommand({ FunctionName: 'fn' }));
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBe('Unhandled');
    expect(JSON.parse(text(out.Payload))).toEqual({
      errorType: 'TypeError',
      errorMessage: 'boom',
      trace: ['TypeError: boom', '    at x'],
    });
  });

  it('answers an unknown function, or a version the stack does not have, with ResourceNotFoundException', async () => {
    const client = clientFor(fakeFunctions(['fn']));
    const unknown = client.send(new InvokeCommand({ FunctionName: 'nope' }));
    await expect(unknown).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(unknown).rejects.toMatchObject({
      message: `Function not found: ${arnOf('nope')}`,
      $metadata: { httpStatusCode: 404 },
    });
    await expect(client.send(new InvokeCommand({ FunctionName: 'fn', Qualifier: '3' }))).rejects.toThrow(
      `Function not found: ${arnOf('fn')}:3`,
    );
  });

  it('answers a dry run with 204 without running the function', async () => {
    const functions = fakeFunctions(['fn']);
    const out = await clientFor(functions).send(
      new InvokeCommand({ FunctionName: 'fn', InvocationType: 'DryRun' }),
    );
    expect(out.StatusCode).toBe(204);
    expect(functions.calls).toEqual([]);
  });

  it('refuses asynchronous invocations and log tails, which it does not serve, saying so', async () => {
    const functions = fakeFunctions(['fn']);
    const client = clientFor(functions);
    const event = client.send(new InvokeCommand({ FunctionName: 'fn', InvocationType: 'Event' }));
    await expect(event).rejects.toBeInstanceOf(InvalidParameterValueException);
    await expect(event).rejects.toThrow(/Event\) invocation is not served by the local stack/);
    await expect(client.send(new InvokeCommand({ FunctionName: 'fn', LogType: 'Tail' }))).rejects.toThrow(
      /LogType Tail is not served by the local stack/,
    );
    expect(functions.calls).toEqual([]);
  });

  it('refuses a payload that is not JSON with InvalidRequestContentException', async () => {
    const send = clientFor(fakeFunctions(['fn'])).send(
      new InvokeCommand({ FunctionName: 'fn', Payload: new TextEncoder().encode('{not json') }),
    );
    await expect(send).rejects.toBeInstanceOf(InvalidRequestContentException);
    await expect(send).rejects.toThrow(/Could not parse request body into json/);
  });

  it('takes a 6 MB payload and refuses one byte more with 413 RequestEntityTooLargeException', async () => {
    const functions = fakeFunctions(['fn']);
    const client = clientFor(functions);
    const sized = (bytes: number) => new TextEncoder().encode(JSON.stringify('x'.repeat(bytes - 2)));
    const atLimit = await client.send(new InvokeCommand({ FunctionName: 'fn', Payload: sized(6_291_456) }));
    expect(atLimit.StatusCode).toBe(200);
    const over = client.send(new InvokeCommand({ FunctionName: 'fn', Payload: sized(6_291_457) }));
    await expect(over).rejects.toMatchObject({
      name: 'RequestEntityTooLargeException',
      message: 'Request must be smaller than 6291456 bytes for the InvokeFunction operation',
      $metadata: { httpStatusCode: 413 },
    });
    expect(functions.calls).toHaveLength(1);
  });
});
