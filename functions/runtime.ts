import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * Module-scope clients shared by the handlers of one bundle. Endpoints come
 * from the SDK's standard variables (AWS_ENDPOINT_URL_DYNAMODB, ..._SNS), so
 * the same code talks to AWS or to the local stack.
 */
export const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});
export const snsClient = new SNSClient({});
export const newToken = (): string => `${new Date().toISOString()}#${randomUUID().slice(0, 8)}`;
