import { describe, expect, it } from 'vitest';
import { explainError } from '../../../cli/context.js';

// After the SDK's own retries, a throttled call is told as throttling, with what to do (wait, run again).
describe('explainError, throttling', () => {
  it.each([
    ['ThrottlingException', 'Rate exceeded'],
    [
      'ProvisionedThroughputExceededException',
      'The level of configured provisioned throughput for the table was exceeded.',
    ],
    ['Throttling', 'Rate exceeded'],
  ])('explains %s as throttling and says to retry', (name, message) => {
    const error = Object.assign(new Error(message), { name });
    expect(explainError(error, undefined).message).toMatch(/throttl[\s\S]*(retry|try again|wait)/i);
  });
});
