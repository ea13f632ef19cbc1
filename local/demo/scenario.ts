/**
 * The cast of `npm start`: one SKU in three warehouses, six customers with
 * one license each, and the clients and repositories the scenario acts with.
 */
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type {
  DynamoInventoryRepository,
  DynamoLicenseRepository,
  DynamoShipmentRepository,
} from '../../shared/adapters/dynamo.js';
import type { StandaloneLocalStack } from '../stack.js';

export const SKU = 'H20';
export const WAREHOUSES = ['WH-AMS', 'WH-SIN', 'WH-DAL'] as const;
export const CUSTOMERS = [
  'CUST-ALPHA',
  'CUST-BRAVO',
  'CUST-CHARLIE',
  'CUST-DELTA',
  'CUST-ECHO',
  'CUST-FOXTROT',
] as const;
export const COUNTRIES = ['AE', 'SG', 'IN', 'SA', 'MY', 'VN'] as const;
export const licenseIdOf = (i: number) => `LIC-H20-000${i + 1}`;

/** The stack the scenario runs on, and what it acts with. */
export interface Scenario {
  readonly stack: StandaloneLocalStack;
  readonly ddb: DynamoDBDocumentClient;
  readonly sns: SNSClient;
  readonly sqs: SQSClient;
  /** Physical table names. */
  readonly tables: { readonly licenses: string; readonly shipments: string; readonly inventory: string };
  readonly repos: {
    readonly licenses: DynamoLicenseRepository;
    readonly shipments: DynamoShipmentRepository;
    readonly inventory: DynamoInventoryRepository;
  };
  /** A line on stderr (the story as it runs; the report goes to stdout). */
  readonly log: (line: string) => void;
}
