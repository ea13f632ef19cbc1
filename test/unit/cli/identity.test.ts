import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliError } from '../../../cli/errors.js';
import { callerIdentity, localActor, subscriptionSessionName } from '../../../cli/identity.js';

const ARN = 'arn:aws:sts::123456789012:assumed-role/ComplianceAdmin/alice';
const OK = `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>${ARN}</Arn><UserId>AROA:alice</UserId><Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>`;
const error = (code: string, message: string) =>
  `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error></ErrorResponse>`;

/** An STS endpoint on localhost answering each request with the next of `answers`; the real SDK client talks to it. */
let server: Server;
let answer: { status: number; body: string } = { status: 200, body: OK };
const received: string[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += String(c);
    });
    req.on('end', () => {
      received.push(body);
      res.writeHead(answer.status, { 'content-type': 'text/xml' }).end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const sts = () =>
  new STSClient({
    region: 'eu-west-1',
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    maxAttempts: 1,
  });
const endpoints = {
  dynamodb: 'http://l',
  dynamodbStreams: 'http://l',
  sns: 'http://l',
  sqs: 'http://l',
  sts: 'http://gw',
};

describe('callerIdentity', () => {
  it('asks STS GetCallerIdentity with the credentials the CLI writes with, and records the Arn', async () => {
    answer = { status: 200, body: OK };
    expect(await callerIdentity({ resources: {}, env: {}, sts: sts() })).toBe(ARN);
    expect(received.at(-1)).toContain('Action=GetCallerIdentity');
  });

  it('names the OS user on a local stack whose gateway serves only AssumeRole', async () => {
    answer = { status: 400, body: error('InvalidAction', 'the local stack serves only sts:AssumeRole') };
    expect(await callerIdentity({ resources: { endpoints }, env: { USER: 'alice' }, sts: sts() })).toBe(
      'local:alice',
    );
  });

  it('uses what a local gateway answers, if it serves GetCallerIdentity', async () => {
    answer = { status: 200, body: OK };
    expect(await callerIdentity({ resources: { endpoints }, env: { USER: 'alice' }, sts: sts() })).toBe(ARN);
  });

  it('fails on AWS with the fix when STS refuses: a decision is never written without its author', async () => {
    answer = { status: 403, body: error('ExpiredToken', 'expired') };
    const attempt = callerIdentity({ resources: {}, env: { USER: 'alice' }, sts: sts() });
    await expect(attempt).rejects.toThrow(CliError);
    await expect(attempt).rejects.toThrow(
      /cannot tell who you are \(STS GetCallerIdentity: ExpiredToken: expired\).*aws sso login/,
    );
  });

  it('does not fall back to the OS user on AWS, even for InvalidAction', async () => {
    answer = { status: 400, body: error('InvalidAction', 'no') };
    await expect(callerIdentity({ resources: {}, env: { USER: 'alice' }, sts: sts() })).rejects.toThrow(
      CliError,
    );
  });
});

describe('localActor', () => {
  it('names the OS user from the environment, else from the system', () => {
    expect(localActor({ USER: 'bob' })).toBe('local:bob');
    expect(localActor({ USERNAME: 'carol' })).toBe('local:carol');
    expect(localActor({})).toMatch(/^local:.+/);
  });
});

describe('subscriptionSessionName', () => {
  it("names the role session after the operator: the last part of the caller's ARN, or the local user", () => {
    expect(subscriptionSessionName(ARN)).toBe('clearance-alice');
    expect(subscriptionSessionName('arn:aws:iam::123456789012:user/ops/bob')).toBe('clearance-bob');
    expect(subscriptionSessionName('arn:aws:iam::123456789012:root')).toBe('clearance-root');
    expect(subscriptionSessionName('local:carol')).toBe('clearance-carol');
  });

  it('keeps to what STS accepts: 2-64 characters of [\\w+=,.@-]', () => {
    expect(subscriptionSessionName('local:erin smith(ü)')).toBe('clearance-erin-smith---');
    const long = subscriptionSessionName(`arn:aws:sts::1:assumed-role/R/${'x'.repeat(80)}@example.com`);
    expect(long).toHaveLength(64);
    for (const name of [long, subscriptionSessionName('local:')]) expect(name).toMatch(/^[\w+=,.@-]{2,64}$/);
  });
});
