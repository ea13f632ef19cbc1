import { ConfigError } from './domain/errors.js';
import { ENV } from './names.js';

/** Reads a required environment variable; a missing one is a deployment bug, so fail loudly. */
export function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value.trim() === '') {
    throw new ConfigError(
      `environment variable ${name} is not set; the CDK stack sets it on every function that needs it`,
    );
  }
  return value;
}

/** Reads a required positive integer environment variable. */
export function requiredInt(name: string): number {
  const raw = required(name);
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    throw new ConfigError(`environment variable ${name} must be a positive whole number, got "${raw}"`);
  }
  return value;
}

/** The tables, read once per cold start. */
export const tablesConfig = () => ({
  licenses: required(ENV.licensesTable),
  shipments: required(ENV.shipmentsTable),
  inventory: required(ENV.inventoryTable),
  history: required(ENV.historyTable),
});
