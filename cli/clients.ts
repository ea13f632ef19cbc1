import { lookup as dnsLookup } from 'node:dns';
import { Agent } from 'node:http';
import type { LookupFunction } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { documentTranslation } from '../shared/adapters/numbers.js';
import { subscriptionSessionName } from './identity.js';
import type { Resources } from './resources.js';

/** SDK clients for one stack. */
export interface Clients {
  dynamodb: DynamoDBClient;
  db: DynamoDBDocumentClient;
  streams: DynamoDBStreamsClient;
  sns: SNSClient;
  sqs: SQSClient;
  /** Options every further client (e.g. Lambda) is built with. */
  base: ClientBase;
  destroy(): void;
}

/** Region, and for a local stack credentials and the request handler. */
export interface ClientBase {
  region: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  requestHandler?: { httpAgent: Agent };
}

/**
 * `*.localhost` resolves to 127.0.0.1 (RFC 6761) even where the system
 * resolver does not do it: fauxqs hands out queue URLs such as
 * `http://sqs.us-east-1.localhost:4566/...`, and the SQS client sends each
 * call to its queue URL's host.
 */
export const localhostLookup: LookupFunction = (hostname, options, callback) => {
  if (hostname === 'localhost' || hostname.endsWith('.localhost')) {
    if (options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
    else callback(null, '127.0.0.1', 4);
    return;
  }
  dnsLookup(hostname, options, callback);
};

/**
 * Base client options. A local stack gets its endpoints' resolver and, unless
 * the environment has credentials, dummy ones (the emulators accept any).
 */
export function clientBase(
  resources: Resources,
  env: Readonly<Record<string, string | undefined>>,
): ClientBase {
  if (!resources.endpoints) return { region: resources.region };
  const haveCredentials = Boolean(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY);
  return {
    region: resources.region,
    ...(haveCredentials ? {} : { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
    requestHandler: { httpAgent: new Agent({ keepAlive: true, lookup: localhostLookup }) },
  };
}

/**
 * @param operator who runs the CLI (cli/identity.ts), asked only when the SNS
 *   client first needs the role's credentials: it names the role session.
 */
export function createClients(
  resources: Resources,
  env: Readonly<Record<string, string | undefined>>,
  operator: () => Promise<string>,
): Clients {
  const base = clientBase(resources, env);
  const endpoint = (url: string | undefined) => (url === undefined ? {} : { endpoint: url });
  const dynamodb = new DynamoDBClient({ ...base, ...endpoint(resources.endpoints?.dynamodb) });
  const streams = new DynamoDBStreamsClient({ ...base, ...endpoint(resources.endpoints?.dynamodbStreams) });
  // Subscriptions are managed as the stack's SubscriptionManager role, on AWS and on a local
  // stack alike (whose gateway serves AssumeRole and judges the role's requests): the customer
  // topic policies deny sns:Subscribe to every other principal.
  const role = resources.subscriptionManagerRoleArn;
  const sns = new SNSClient({
    ...base,
    ...endpoint(resources.endpoints?.sns),
    ...(role
      ? {
          credentials: lazily(async () =>
            fromTemporaryCredentials({
              params: { RoleArn: role, RoleSessionName: subscriptionSessionName(await operator()) },
              ...(base.credentials ? { masterCredentials: base.credentials } : {}),
              clientConfig: { region: base.region, ...endpoint(resources.endpoints?.sts) },
            }),
          ),
        }
      : {}),
  });
  const sqs = new SQSClient({ ...base, ...endpoint(resources.endpoints?.sqs) });
  return {
    dynamodb,
    // Numbers as the handlers read them (shared/adapters/numbers.ts): the CLI shows an item as they judged it.
    db: DynamoDBDocumentClient.from(dynamodb, documentTranslation()),
    streams,
    sns,
    sqs,
    base,
    destroy() {
      dynamodb.destroy();
      streams.destroy();
      sns.destroy();
      sqs.destroy();
      base.requestHandler?.httpAgent.destroy();
    },
  };
}

/** A credentials provider built on first use (the SDK client caches what it returns until it expires). */
function lazily(build: () => Promise<AwsCredentialIdentityProvider>): AwsCredentialIdentityProvider {
  let provider: Promise<AwsCredentialIdentityProvider> | undefined;
  return async (options) => {
    provider ??= build();
    return (await provider)(options);
  };
}
