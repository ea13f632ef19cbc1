import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { licenseAction } from '../../../cli/commands/license.js';
import { stubCliContext, stubResources } from '../../helpers/cli.js';
import { aLicense } from '../../helpers/factories.js';

/**
 * docs/OPERATIONS.md ("Approve in the console or with the CLI"): "The same decision run again while
 * the system applies it (a retried script, or someone's identical edit) writes nothing and exits 0,
 * keeping the reason and author written first; with `--wait` it follows the system to the end".
 *
 * The system commits `appliedStatus` at the START of the work (with `pendingWork`), so for almost the
 * whole of a large release or re-hold the item reads status = appliedStatus = the decision, with
 * `pendingWork` set. A script whose first `--wait` timed out (exit 3, "it continues in the
 * background") and that runs the decision again with `--wait` to keep following it follows the
 * release to its end; without --wait it is told the system is still working on it, not "nothing to do".
 */

const JDOE = 'arn:aws:sts::000000000000:assumed-role/ComplianceAdmin/j.doe';

/** GetItem answers `reads` in turn (the last one repeats); every UpdateItem is recorded and refused. */
function store(reads: Record<string, unknown>[]) {
  const updates: unknown[] = [];
  let n = 0;
  const db = {
    async send(command: unknown) {
      if (command instanceof GetCommand) return { Item: reads[Math.min(n++, reads.length - 1)] };
      if (command instanceof QueryCommand) return { Count: 0 };
      if (command instanceof UpdateCommand) {
        updates.push(command.input);
        throw Object.assign(new Error('The conditional request failed'), {
          name: 'ConditionalCheckFailedException',
        });
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
  return { ctx, out, updates, gets: () => n };
}

describe('a decision run again with --wait while the system is still applying it', () => {
  it('approve --wait on a license whose approval is applied but still releasing (pendingWork set) follows the release to the end', async () => {
    const releasing = {
      ...aLicense({ licenseId: 'LIC-1', status: 'APPROVED', appliedStatus: 'APPROVED' }),
      pendingWork: 'tok-1',
      workCursor: '0005#2026-01-01T00:00:00.000Z#SHP-000100',
    };
    const finished = { ...releasing, pendingWork: undefined, workCursor: undefined };
    const { ctx, out, updates, gets } = store([releasing, finished]);

    const code = await licenseAction(ctx, 'approve', 'LIC-1', { reason: 'BIS letter 117', wait: true });

    expect(code).toBe(0);
    expect(updates).toEqual([]);
    const text = out.join('\n');
    // What the runbook promises: it follows the system until the work is done.
    expect(text).not.toMatch(/nothing to do/);
    expect(text).toMatch(/License LIC-1 is APPROVED/);
    expect(gets()).toBeGreaterThanOrEqual(2);
  });

  it('approve without --wait there says the system is still working on it, not "nothing to do"', async () => {
    const releasing = {
      ...aLicense({ licenseId: 'LIC-1', status: 'APPROVED', appliedStatus: 'APPROVED' }),
      pendingWork: 'tok-1',
    };
    const { ctx, out, updates } = store([releasing]);
    const code = await licenseAction(ctx, 'approve', 'LIC-1', { reason: 'BIS letter 117' });
    expect(code).toBe(0);
    expect(updates).toEqual([]);
    expect(out.join('\n')).toContain(
      'license LIC-1 is already APPROVED and the system is still working on it (pendingWork); nothing was written',
    );
  });
});
