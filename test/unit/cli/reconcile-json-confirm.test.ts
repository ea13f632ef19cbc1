import { ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { reconcile } from '../../../cli/commands/reconcile.js';
import type { CliContext } from '../../../cli/context.js';
import { EXIT } from '../../../cli/errors.js';
import { holdOrderKey } from '../../../shared/domain/planning.js';
import type { RawItem } from '../../../shared/domain/ports.js';
import { GSI_ATTR } from '../../../shared/names.js';
import { stubResources } from '../../helpers/cli.js';
import { aLicense, anInventory, aShipment } from '../../helpers/factories.js';

/**
 * `clearance --json reconcile --fix` run by a person at a terminal (stdin a
 * TTY, e.g. `clearance --json reconcile --fix | jq .`): stdout is the one
 * JSON object docs/OPERATIONS.md promises, so the writes asked about go to
 * stderr before "Apply N writes? [y/N]", and a "no" still prints the object.
 */ const JDOE = 'arn:aws:sts::000000000000:assumed-role/ComplianceAdmin/j.doe';

function drifted(): Record<string, RawItem[]> {
  const s = aShipment({ shipmentId: 'SHP-1', licenseId: 'LIC-1', quantity: 10 });
  return {
    Licenses: [{ ...aLicense({ licenseId: 'LIC-1', appliedStatus: 'APPROVED', releasedQuantity: 25 }) }],
    Shipments: [
      {
        ...s,
        status: 'RELEASED',
        countedStatus: 'RELEASED',
        [GSI_ATTR.holdOrder]: holdOrderKey(s),
        revision: 2,
      },
    ],
    Inventory: [{ ...anInventory({ released: 5 }), counterRevision: 7 }],
  };
}

/** A --json context at a terminal whose operator answers `answer`, recording what was shown before the prompt. */
function terminal(answer: boolean) {
  const tables = drifted();
  const out: string[] = [];
  const err: string[] = [];
  const updates: unknown[] = [];
  const shownBeforePrompt: string[] = [];
  const db = {
    async send(command: unknown) {
      if (command instanceof ScanCommand) return { Items: tables[String(command.input.TableName)] ?? [] };
      if (command instanceof UpdateCommand) {
        updates.push(command.input);
        return {};
      }
      throw new Error(`unexpected command ${String(command)}`);
    },
  };
  const ctx: CliContext = {
    io: {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
      interactive: true,
      confirm: async (question) => {
        shownBeforePrompt.push(...out, ...err, question);
        return answer;
      },
    },
    env: {},
    json: true,
    resources: async () => stubResources(),
    clients: async () => ({ db }) as never,
    identity: async () => JDOE,
    emit: (data) => out.push(JSON.stringify(data, null, 2)),
    close: () => undefined,
  };
  return { ctx, out, err, updates, shownBeforePrompt };
}

describe('--json reconcile --fix at a terminal', () => {
  it('lists the writes it asks the operator to approve on stderr before asking, none on stdout', async () => {
    const t = terminal(false);
    await reconcile(t.ctx, { fix: true });
    const shown = t.shownBeforePrompt.join('\n');
    expect(shown).toMatch(/--fix would make 2 writes \(each only if the value is still the one read\):/);
    expect(shown).toMatch(/ {2}- License LIC-1: releasedQuantity 25 → 10/);
    expect(shown).toMatch(/ {2}- Inventory .* @ .*: released 5 → 10/);
    expect(t.err.join('\n')).toMatch(/releasedQuantity 25 → 10/);
    expect(t.shownBeforePrompt.at(-1)).toBe('Apply 2 writes?');
  });

  it('declined, still prints the one JSON object (findings, plan, declined: true) on stdout, exit 3, nothing written', async () => {
    const t = terminal(false);
    expect(await reconcile(t.ctx, { fix: true })).toBe(EXIT.incomplete);
    expect(t.updates).toEqual([]);
    expect(t.out).toHaveLength(1);
    const stdout = t.out.join('\n');
    expect(() => JSON.parse(stdout)).not.toThrow();
    const json = JSON.parse(stdout);
    expect(json).toMatchObject({ declined: true, plan: expect.anything(), violations: expect.any(Array) });
    expect(json.plan.fixes).toHaveLength(2);
    expect(json.written).toBeUndefined();
    expect(t.err.at(-1)).toBe('Nothing was changed.');
  });

  it('approved, prints the one object of the fix, not declined', async () => {
    const t = terminal(true);
    await reconcile(t.ctx, { fix: true }, { sealSettleMs: 0 });
    expect(t.out).toHaveLength(1);
    const json = JSON.parse(t.out.join('\n'));
    expect(json.declined).toBeUndefined();
    expect(json.written).toBe(2);
  });
});
