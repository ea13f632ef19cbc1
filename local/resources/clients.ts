/** SDK clients of the local services themselves, behind no gateway. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { enableLocalhostDns, type ServiceEndpoints } from '../services.js';

/** SDK clients pointed explicitly at the local services. */
export interface LocalClients {
  readonly dynamodb: DynamoDBClient;
  readonly streams: DynamoDBStreamsClient;
  readonly sns: SNSClient;
  readonly sqs: SQSClient;
}

/**
 * Clients with explicit endpoints and dummy credentials (independent of
 * `process.env`). Enables `*.localhost` resolution for fauxqs queue URLs.
 */
export function localClients(endpoints: ServiceEndpoints): LocalClients {
  enableLocalhostDns();
  const base = {
    region: endpoints.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  };
  return {
    dynamodb: new DynamoDBClient({ ...base, endpoint: endpoints.dynamodb }),
    streams: new DynamoDBStreamsClient({ ...base, endpoint: endpoints.dynamodbStreams }),
    sns: new SNSClient({ ...base, endpoint: endpoints.sns }),
    sqs: new SQSClient({ ...base, endpoint: endpoints.sqs }),
  };
}

/** Closes the clients' sockets. */
export function destroyClients(clients: LocalClients): void {
  clients.dynamodb.destroy();
  clients.streams.destroy();
  clients.sns.destroy();
  clients.sqs.destroy();
}
