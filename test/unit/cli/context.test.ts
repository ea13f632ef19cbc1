import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { clientBase, localhostLookup } from '../../../cli/clients.js';
import { explainError } from '../../../cli/context.js';
import { CliError, RefusedError } from '../../../cli/errors.js';
import { parseStackFile } from '../../../cli/resources/stack-file.js';
import type { Resources } from '../../../cli/resources.js';

const arn = (name: string) => `arn:aws:sns:us-east-1:000000000000:${name}`;
const local: Resources = parseStackFile(
  JSON.stringify({
    region: 'us-east-1',
    endpoints: {
      dynamodb: 'http://127.0.0.1:8000',
      sns: 'http://127.0.0.1:4566',
      sqs: 'http://sqs.us-east-1.localhost:4566',
    },
    tables: { licenses: 'L', shipments: 'S', inventory: 'I' },
    topics: { customer: arn('C'), logistics: arn('Lg'), ops: arn('O') },
    dlqs: { licenseEvents: 'http://q/l', shipmentEvents: 'http://q/s', shipmentHistory: 'http://q/h' },
  }),
  'CLEARANCE_STACK',
);
const { endpoints: _, ...aws } = { ...local, origin: 'aws' as const, source: 'stack Clearance (eu-west-1)' };

describe('explainError', () => {
  it('passes CLI errors through', () => {
    const error = new RefusedError('no');
    expect(explainError(error, local)).toBe(error);
  });

  it('tells to restart the local stack when it cannot be reached', () => {
    const error = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8000'), { code: 'ECONNREFUSED' });
    expect(explainError(error, local).message).toMatch(
      /cannot reach the local stack \(stack from CLEARANCE_STACK\).*`npm run stack`/,
    );
  });

  it('points to a stale description or a redeploy when a resource is missing', () => {
    const missing = Object.assign(new Error('Requested resource not found'), {
      name: 'ResourceNotFoundException',
    });
    expect(explainError(missing, local).message).toMatch(/description is stale/);
    expect(explainError(missing, aws).message).toMatch(/npx cdk deploy/);
  });

  it('names the fix for missing credentials and denied access', () => {
    expect(
      explainError(
        Object.assign(new Error('Could not load credentials'), { name: 'CredentialsProviderError' }),
        aws,
      ).message,
    ).toMatch(/aws sso login/);
    expect(
      explainError(Object.assign(new Error('not allowed'), { name: 'AccessDeniedException' }), aws),
    ).toBeInstanceOf(CliError);
  });
});

describe('clientBase', () => {
  it('gives a local stack dummy credentials unless the environment has some', () => {
    expect(clientBase(local, {}).credentials).toEqual({ accessKeyId: 'local', secretAccessKey: 'local' });
    expect(
      clientBase(local, { AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' }).credentials,
    ).toBeUndefined();
  });

  it('leaves AWS clients to the default credential chain', () => {
    expect(clientBase(aws, {})).toEqual({ region: 'us-east-1' });
  });
});

describe('localhostLookup', () => {
  const lookup = (host: string, all: boolean) =>
    new Promise<string | LookupAddress[]>((resolve, reject) =>
      localhostLookup(host, { all }, (err, address) => (err ? reject(err) : resolve(address))),
    );

  it('resolves *.localhost to the loopback address, as fauxqs queue URLs need', async () => {
    expect(await lookup('sqs.us-east-1.localhost', false)).toBe('127.0.0.1');
    expect(await lookup('sqs.us-east-1.localhost', true)).toEqual([{ address: '127.0.0.1', family: 4 }]);
  });
});
