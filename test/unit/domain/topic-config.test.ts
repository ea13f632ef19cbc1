/**
 * The customer topic shards' variable is read once, and a bad value fails the
 * cold start naming the variable, rather than route some customers'
 * notifications to an empty topic ARN.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { notificationTopicsConfig } from '../../../shared/config.js';

const saved: Record<string, string | undefined> = {};
const NAMES = ['CUSTOMER_TOPIC_ARNS', 'LOGISTICS_TOPIC_ARN'] as const;

describe('notificationTopicsConfig', () => {
  beforeEach(() => {
    for (const n of NAMES) saved[n] = process.env[n];
    process.env.LOGISTICS_TOPIC_ARN = 'arn:aws:sns:us-east-1:000000000000:l';
  });
  afterEach(() => {
    for (const n of NAMES) {
      if (saved[n] === undefined) delete process.env[n];
      else process.env[n] = saved[n];
    }
  });

  it('rejects a customer shard list with an empty ARN (a doubled comma), naming the variable', () => {
    process.env.CUSTOMER_TOPIC_ARNS =
      'arn:aws:sns:us-east-1:000000000000:c0,,arn:aws:sns:us-east-1:000000000000:c2';
    expect(() => notificationTopicsConfig()).toThrow(/CUSTOMER_TOPIC_ARNS/);
  });

  it('rejects a customer shard list with a trailing comma, naming the variable', () => {
    process.env.CUSTOMER_TOPIC_ARNS = 'arn:aws:sns:us-east-1:000000000000:c0,';
    expect(() => notificationTopicsConfig()).toThrow(/CUSTOMER_TOPIC_ARNS/);
  });
});
