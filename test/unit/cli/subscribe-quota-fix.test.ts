import { describe, expect, it } from 'vitest';
import { filterPolicyQuotaMessage, planCustomerSubscription } from '../../../cli/subscriptions.js';

const ACCOUNT = '123456789012';
const topic = (name: string) => `arn:aws:sns:eu-west-1:${ACCOUNT}:${name}`;
const QUEUE = `arn:aws:sqs:eu-west-1:${ACCOUNT}:acme-shipments`;

describe('the filter-policy quota fix for customer topics', () => {
  // README ("A -c value applies to the deploy it is given to ... For customerTopicShards this is not
  // optional") and OPERATIONS: set it in cdk.json, not with -c, or the next deploy without -c goes back to
  // one shard and deletes the other customer topics with their subscriptions.
  it('tells the operator to set customerTopicShards in cdk.json, never to deploy with -c', () => {
    const plan = planCustomerSubscription(
      { customerId: 'CUST-ACME', protocol: 'sqs', endpoint: QUEUE },
      { customer: topic('Customer'), customerShards: [] },
    );
    const message = filterPolicyQuotaMessage(plan, 'customer', 200);
    expect(message).not.toMatch(/cdk deploy -c customerTopicShards/);
    expect(message).toMatch(/cdk\.json/);
  });
});
