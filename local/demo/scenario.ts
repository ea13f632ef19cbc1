/**
 * The cast of `npm start`: one SKU in three warehouses, six customers with
 * one license each (one of them value-limited, one amended), and the clients
 * and repositories the scenario acts with (History's to read it back).
 */
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type {
  DynamoHistoryRepository,
  DynamoInventoryRepository,
  DynamoLicenseRepository,
  DynamoShipmentRepository,
} from '../../shared/adapters/dynamo.js';
import type { LocalStack } from '../stack.js';

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
/** The license (by index) that limits value as well as quantity, and its shipping tolerance on value. */
export const VALUE_LIMITED = 2;
export const VALUE_TOLERANCE_PERCENT = 10;
/** The quantity-limited license (by index) whose `authorizedQuantity` the authority raises mid-scenario. */
export const AMENDED = 3;
/**
 * The license (by index) that expires within the clock's first lead time
 * (30 days): APPROVED and left so, its RELEASED shipments make the clock's
 * expiry watch warn ops and each warehouse holding them.
 */
export const EXPIRING = 0;
/** Days from the run to the end of the expiring license's `validUntil` day: inside the 30-day lead, outside the 7-day one. */
export const EXPIRING_IN_DAYS = 20;
/** The license (by index) whose approval the admin simulates first (`clearance license simulate`). */
export const SIMULATED = 0;

/** A count or quantity for people: 12,345. */
export const num = (n: number) => n.toLocaleString('en-US');

/** Whole US dollars for people: USD 950,000 below a million, USD 3.6M, USD 1.25B. */
export function usd(dollars: number): string {
  if (Math.abs(dollars) < 1e6) return `USD ${num(dollars)}`;
  return `USD ${dollarsShort(dollars)}`;
}

/** Millions or billions, without the currency: 0, 3.6M, 412.3M, 1.25B. */
export function dollarsShort(dollars: number): string {
  if (dollars === 0) return '0';
  if (Math.abs(dollars) >= 1e9) return `${(dollars / 1e9).toFixed(2)}B`;
  return `${(dollars / 1e6).toFixed(1)}M`;
}

/** The stack the scenario runs on, and what it acts with. */
export interface Scenario {
  readonly stack: LocalStack;
  readonly ddb: DynamoDBDocumentClient;
  readonly sns: SNSClient;
  readonly sqs: SQSClient;
  /** Physical table names. */
  readonly tables: {
    readonly licenses: string;
    readonly shipments: string;
    readonly inventory: string;
    readonly history: string;
  };
  readonly repos: {
    readonly licenses: DynamoLicenseRepository;
    readonly shipments: DynamoShipmentRepository;
    readonly inventory: DynamoInventoryRepository;
    readonly history: DynamoHistoryRepository;
  };
  /** A line on stderr (the story as it runs; the report goes to stdout). */
  readonly log: (line: string) => void;
}
