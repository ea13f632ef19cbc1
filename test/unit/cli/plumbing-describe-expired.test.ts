import { describe, expect, it } from 'vitest';
import type { Io } from '../../../cli/io.js';
import { run } from '../../../cli/program.js';
import { explainDescribeError } from '../../../cli/resources/errors.js';
import { STACK_ID, STACK_OUTPUTS } from '../../../infra/outputs.js';

// Every AWS command reads the stack's outputs first: an expired or invalid session there is told as such,
// with how to log in again (not "could not read stack X: <message>").
describe('explainDescribeError, bad session', () => {
  it.each([
    ['ExpiredToken', 'The security token included in the request is expired'],
    ['InvalidClientTokenId', 'The security token included in the request is invalid.'],
  ])('%s while reading the stack tells to log in again', (name, message) => {
    const error = Object.assign(new Error(message), { name });
    expect(explainDescribeError(error, 'Clearance', 'eu-west-1').message).toMatch(
      /aws sso login|log in again/i,
    );
  });

  it('clearance license list with an expired session says to log in again', async () => {
    const err: string[] = [];
    const io: Io = { out: () => {}, err: (t) => err.push(t), interactive: false, confirm: async () => false };
    const code = await run(['license', 'list'], {
      io,
      env: {},
      resolveDeps: {
        readFile: async () => '',
        stackConstants: async () => ({ stackId: STACK_ID, outputs: STACK_OUTPUTS }),
        describeStack: async (stackName, region) => {
          throw explainDescribeError(
            Object.assign(new Error('The security token included in the request is expired'), {
              name: 'ExpiredToken',
            }),
            stackName,
            region,
          );
        },
      },
    });
    expect(code).toBe(1);
    expect(err.join('\n')).toMatch(/aws sso login|log in again/i);
  });
});
