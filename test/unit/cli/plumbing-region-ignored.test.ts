import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../cli/errors.js';
import { type ResolveDeps, resolveResources } from '../../../cli/resources.js';

// `--region` names the region of a deployed stack: when a local description is selected (--stack-file, or
// CLEARANCE_STACK_FILE / CLEARANCE_STACK left in the shell) it is refused, as --stack-file with --stack-name
// is, rather than dropped while the command runs (and writes) against the local stack.
const LINE = JSON.stringify({
  region: 'us-east-1',
  endpoints: { dynamodb: 'http://127.0.0.1:9', sns: 'http://127.0.0.1:9', sqs: 'http://127.0.0.1:9' },
  tables: { licenses: 'L', shipments: 'S', inventory: 'I' },
  topics: {
    customer: 'arn:aws:sns:us-east-1:000000000000:C',
    logistics: 'arn:aws:sns:us-east-1:000000000000:Lg',
    ops: 'arn:aws:sns:us-east-1:000000000000:O',
  },
  dlqs: { licenseEvents: 'http://q/l', shipmentEvents: 'http://q/s', shipmentHistory: 'http://q/h' },
});

const deps = (calls: string[]): ResolveDeps => ({
  async readFile(path) {
    calls.push(`file:${path}`);
    return LINE;
  },
  async describeStack() {
    throw new Error('not reached in these tests');
  },
  async stackConstants() {
    throw new Error('not reached in these tests');
  },
});

describe('--region with a local stack description', () => {
  it('refuses --stack-file with --region instead of dropping the region', async () => {
    const calls: string[] = [];
    await expect(
      resolveResources({ stackFile: 'stack.json', region: 'eu-west-1' }, {}, deps(calls)),
    ).rejects.toBeInstanceOf(UsageError);
  });

  it('refuses --region when CLEARANCE_STACK_FILE picks a local stack', async () => {
    const calls: string[] = [];
    await expect(
      resolveResources({ region: 'eu-west-1' }, { CLEARANCE_STACK_FILE: 'stack.json' }, deps(calls)),
    ).rejects.toBeInstanceOf(UsageError);
  });
});
