import { describe, expect, it } from 'vitest';
import { CliError } from '../../../cli/errors.js';
import {
  callerIdentity,
  parseCallerIdentity,
  StsError,
  signPost,
  stsEndpoint,
} from '../../../cli/identity.js';

const EXAMPLE = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const ARN = 'arn:aws:sts::123456789012:assumed-role/ComplianceAdmin/alice';
const OK = `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>${ARN}</Arn><UserId>AROA:alice</UserId><Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>`;
const error = (code: string, message: string) =>
  `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error></ErrorResponse>`;

describe('signPost', () => {
  it('signs as AWS SigV4 does (the post-x-www-form-urlencoded case of the AWS test suite)', () => {
    const headers = signPost({
      url: 'https://example.amazonaws.com/',
      body: 'Param1=value1',
      region: 'us-east-1',
      service: 'service',
      credentials: EXAMPLE,
      now: new Date('2015-08-30T12:36:00Z'),
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a',
    );
    expect(headers['x-amz-date']).toBe('20150830T123600Z');
  });

  it('signs the session token of temporary credentials', () => {
    const headers = signPost({
      url: 'https://sts.us-east-1.amazonaws.com/',
      body: 'x',
      region: 'us-east-1',
      service: 'sts',
      credentials: { ...EXAMPLE, sessionToken: 'TOKEN' },
      now: new Date('2015-08-30T12:36:00Z'),
    });
    expect(headers['x-amz-security-token']).toBe('TOKEN');
    expect(headers.authorization).toMatch(/SignedHeaders=content-type;host;x-amz-date;x-amz-security-token,/);
  });
});

describe('stsEndpoint', () => {
  it('is the regional endpoint on AWS, the environment override, or the local stack', () => {
    expect(stsEndpoint({ region: 'eu-west-1' }, {})).toBe('https://sts.eu-west-1.amazonaws.com/');
    expect(stsEndpoint({ region: 'cn-north-1' }, {})).toBe('https://sts.cn-north-1.amazonaws.com.cn/');
    expect(stsEndpoint({ region: 'eu-west-1' }, { AWS_ENDPOINT_URL_STS: 'https://vpce' })).toBe(
      'https://vpce',
    );
    const endpoints = { dynamodb: 'http://l', dynamodbStreams: 'http://l', sns: 'http://l', sqs: 'http://l' };
    expect(stsEndpoint({ region: 'us-east-1', endpoints: { ...endpoints, sts: 'http://gw' } }, {})).toBe(
      'http://gw',
    );
    expect(stsEndpoint({ region: 'us-east-1', endpoints }, {})).toBeUndefined();
  });
});

describe('parseCallerIdentity', () => {
  it('returns the Arn, or raises the error STS answered', () => {
    expect(parseCallerIdentity(200, OK)).toBe(ARN);
    expect(() =>
      parseCallerIdentity(
        403,
        error('ExpiredToken', 'The security token included in the request is expired'),
      ),
    ).toThrow(StsError);
  });
});

describe('callerIdentity', () => {
  const endpoints = {
    dynamodb: 'http://l',
    dynamodbStreams: 'http://l',
    sns: 'http://l',
    sqs: 'http://l',
    sts: 'http://gw',
  };
  const answer = (status: number, body: string) => {
    const sent: { url: string; init: RequestInit }[] = [];
    const fetch = (async (url: string, init: RequestInit) => {
      sent.push({ url, init });
      return new Response(body, { status });
    }) as unknown as typeof globalThis.fetch;
    return { fetch, sent };
  };

  it('asks AWS with the credentials the CLI writes with', async () => {
    const { fetch, sent } = answer(200, OK);
    const arn = await callerIdentity({
      resources: { region: 'eu-west-1', origin: 'aws' },
      env: {},
      credentials: async () => EXAMPLE,
      fetch,
    });
    expect(arn).toBe(ARN);
    expect(sent[0]?.url).toBe('https://sts.eu-west-1.amazonaws.com/');
    expect(sent[0]?.init.body).toBe('Action=GetCallerIdentity&Version=2011-06-15');
  });

  it('names the OS user on a local stack whose gateway serves only AssumeRole', async () => {
    const { fetch } = answer(
      400,
      error('InvalidAction', 'the local stack serves only sts:AssumeRole, not GetCallerIdentity'),
    );
    const who = await callerIdentity({
      resources: { region: 'us-east-1', origin: 'local', endpoints },
      env: { USER: 'alice' },
      credentials: async () => ({ accessKeyId: 'local', secretAccessKey: 'local' }),
      fetch,
    });
    expect(who).toBe('local:alice');
  });

  it('uses what a local gateway answers, if it serves GetCallerIdentity', async () => {
    const { fetch } = answer(200, OK);
    const who = await callerIdentity({
      resources: { region: 'us-east-1', origin: 'local', endpoints },
      env: { USER: 'alice' },
      credentials: async () => EXAMPLE,
      fetch,
    });
    expect(who).toBe(ARN);
  });

  it('fails on AWS with the fix when STS refuses: a decision is never written without its author', async () => {
    const { fetch } = answer(403, error('ExpiredToken', 'expired'));
    const attempt = callerIdentity({
      resources: { region: 'eu-west-1', origin: 'aws' },
      env: { USER: 'alice' },
      credentials: async () => EXAMPLE,
      fetch,
    });
    await expect(attempt).rejects.toThrow(CliError);
    await expect(attempt).rejects.toThrow(
      /cannot tell who you are \(STS GetCallerIdentity: ExpiredToken: expired\).*aws sso login/,
    );
  });
});
