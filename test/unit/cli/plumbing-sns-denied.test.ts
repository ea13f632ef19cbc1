import { describe, expect, it } from 'vitest';
import { explainError } from '../../../cli/context.js';

// SDK v3 names SNS's 403 AuthorizationErrorException (@aws-sdk/client-sns): `subscriptions list` and
// `unsubscribe` denied by IAM get the access-denied fix.
describe('explainError, SNS access denied', () => {
  it('translates SNS AuthorizationErrorException into the access-denied fix', () => {
    const error = Object.assign(
      new Error(
        'User: arn:aws:sts::123456789012:assumed-role/ReadOnly/alice is not authorized to perform: SNS:ListSubscriptionsByTopic',
      ),
      { name: 'AuthorizationErrorException' },
    );
    expect(explainError(error, undefined).message).toMatch(/not allowed to do this.*admin role/);
  });
});
