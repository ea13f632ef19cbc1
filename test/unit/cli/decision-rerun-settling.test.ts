/**
 * A decision run again while the license has pendingWork: an APPROVED license
 * has pendingWork for passes that are not its approval, the clock's settling
 * pass (`settle#…`) among them, which is never a decision's. An operator who
 * re-runs `approve` on a license approved last week while only that pass runs
 * is told "nothing to do", not that the approval is still being applied.
 */
import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { licenseAction } from '../../../cli/commands/license.js';
import { stubCliContext, stubResources } from '../../helpers/cli.js';
import { aLicense } from '../../helpers/factories.js';

const JDOE = 'arn:aws:sts::000000000000:assumed-role/ComplianceAdmin/j.doe';

function store(item: Record<string, unknown>) {
  const updates: unknown[] = [];
  const db = {
    async send(command: unknown) {
      if (command instanceof GetCommand) return { Item: item };
      if (command instanceof QueryCommand) return { Count: 0 };
      if (command instanceof UpdateCommand) {
        updates.push(command.input);
        return {};
      }
      throw new Error(`unexpected command ${String(command)}`);
    },
  };
  const { ctx, out } = stubCliContext({
    resources: stubResources(),
    clients: { db },
    identity: JDOE,
    errToOut: true,
  });
  return { ctx, out, updates };
}

describe('approve run again on a license approved long ago', () => {
  it("says 'nothing to do' while only the clock's settling pass runs, not that the approval is still being applied", async () => {
    const settling = {
      ...aLicense({ licenseId: 'LIC-1', status: 'APPROVED', appliedStatus: 'APPROVED' }),
      lastDecision: { eventType: 'LICENSE_APPROVED', actor: JDOE, at: '2026-01-01T00:00:00.000Z' },
      // The clock's settling pass (SETTLE_TOKEN_PREFIX): no decision is being applied.
      pendingWork: 'settle#tok-9',
    };
    const { ctx, out, updates } = store(settling);
    const code = await licenseAction(ctx, 'approve', 'LIC-1', { reason: 'BIS letter 117' });
    expect(code).toBe(0);
    expect(updates).toEqual([]);
    expect(out.join('\n')).toContain('license LIC-1 is already APPROVED; nothing to do');
  });
});
