/**
 * `license amend` waits for the system and reports "N shipments released (units of authorized, value of cap)".
 * With the license over its value cap (shipped goods above a lowered value limit, or while the trim has not
 * run yet), the value part must still quote the cap, as the units part quotes authorizedQuantity.
 */
import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { licenseAmend } from '../../../cli/commands/license-amend.js';
import { termsOf } from '../../../shared/domain/terms.js';
import { stubCliContext, stubResources } from '../../helpers/cli.js';
import { aLicense } from '../../helpers/factories.js';

const JDOE = 'arn:aws:sts::000000000000:assumed-role/ComplianceAdmin/j.doe';

function store(reads: Record<string, unknown>[]) {
  let n = 0;
  const db = {
    async send(command: unknown) {
      if (command instanceof GetCommand) return { Item: reads[Math.min(n++, reads.length - 1)] };
      if (command instanceof QueryCommand) return { Count: 0 };
      if (command instanceof UpdateCommand) return {};
      throw new Error(`unexpected command ${String(command)}`);
    },
  };
  return stubCliContext({ resources: stubResources(), clients: { db }, identity: JDOE });
}

describe('license amend: what it reports when the license ends over its value cap', () => {
  it('quotes the value cap ($500), not what is drawn ($600), when shipped goods exceed a lowered value limit', async () => {
    // 10 units worth $600 shipped under a value limit of $1,000; the authority lowers it to $500.
    const before = aLicense({
      licenseId: 'LIC-1',
      appliedStatus: 'APPROVED',
      authorizedQuantity: 100,
      authorizedValue: 1000,
      releasedQuantity: 10,
      releasedValue: 600,
    });
    const settled = { ...before, appliedTerms: { ...termsOf(before) } };
    const amended = { ...before, authorizedValue: 500 };
    const applied = {
      ...amended,
      appliedTerms: { ...termsOf(amended) },
      updatedBy: JDOE,
      statusReason: 'A-20',
    };
    const { ctx, err } = store([settled, applied]);

    await licenseAmend(ctx, 'LIC-1', { value: '500', reason: 'A-20' });

    const done = err.find((l) => l.includes('done:'));
    expect(done).toContain('10 of 100 units');
    expect(done).toContain('$600 of $500');
  });
});
