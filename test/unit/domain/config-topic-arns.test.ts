/**
 * CUSTOMER_TOPIC_ARNS is checked at cold start for what would be "a shard
 * whose customers are never told" (shared/config.ts): besides an empty entry,
 * a repeated ARN (the customers hashed to the second copy's shard would be
 * published to another shard's topic, where no subscription of theirs is) and
 * an entry that is no SNS topic ARN (every publish to that shard would fail at
 * run time instead of the cold start failing with the variable named).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { notificationTopicsConfig } from '../../../shared/config.js';
import { ConfigError } from '../../../shared/domain/errors.js';

const NAMES = ['CUSTOMER_TOPIC_ARNS', 'LOGISTICS_TOPIC_ARN'] as const;
const saved: Record<string, string | undefined> = {};
const A = 'arn:aws:sns:us-east-1:123456789012:Clearance-TopicsCustomerTopic-ABC';
const B = 'arn:aws:sns:us-east-1:123456789012:Clearance-TopicsCustomer1Topic-DEF';

describe('CUSTOMER_TOPIC_ARNS validation at cold start', () => {
  beforeEach(() => {
    for (const n of NAMES) saved[n] = process.env[n];
    process.env.LOGISTICS_TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:Clearance-Logistics-XYZ';
  });
  afterEach(() => {
    for (const n of NAMES) {
      if (saved[n] === undefined) delete process.env[n];
      else process.env[n] = saved[n];
    }
  });

  it('refuses a shard list that repeats an ARN, which would send one shard’s customers to another shard’s topic', () => {
    process.env.CUSTOMER_TOPIC_ARNS = `${A},${B},${A}`;
    expect(() => notificationTopicsConfig()).toThrow(ConfigError);
    expect(() => notificationTopicsConfig()).toThrow(/CUSTOMER_TOPIC_ARNS/);
  });

  it('refuses an entry that is not an SNS topic ARN (a bare topic name), which would fail every publish to that shard later', () => {
    process.env.CUSTOMER_TOPIC_ARNS = `${A},Clearance-TopicsCustomer1Topic-DEF`;
    expect(() => notificationTopicsConfig()).toThrow(ConfigError);
    expect(() => notificationTopicsConfig()).toThrow(/CUSTOMER_TOPIC_ARNS/);
  });

  it('takes distinct topic ARNs, spaces around the commas allowed', () => {
    process.env.CUSTOMER_TOPIC_ARNS = `${A}, ${B}`;
    expect(notificationTopicsConfig().customerShards).toEqual([A, B]);
  });
});
