import { describe, expect, it } from 'vitest';
import { checkReason, checkReasonIsText } from '../../../cli/commands/license-common.js';
import { EXIT } from '../../../cli/errors.js';
import { run } from '../../../cli/program.js';
import { capturedIo as captured, OFFLINE_STACK_ENV as env } from '../../helpers/cli-offline.js';

/**
 * `--reason <text>` takes the next word whatever it is (commander), so a
 * forgotten text (`--reason --wait`) would become the statusReason History
 * quotes for good, and the --wait (or --no-wait) would be lost. Every command
 * with --reason refuses it as bad usage before the stack is touched.
 */

describe('--reason followed by a flag instead of its text', () => {
  it.each([
    [['license', 'approve', 'LIC-1', '--reason', '--wait'], '--wait', 'is an option'],
    // --timeout given with the --wait the reason took: the reason is named, not "--timeout only applies with --wait".
    [['license', 'suspend', 'LIC-1', '--reason', '--wait', '--timeout', '60'], '--wait', 'is an option'],
    [['license', 'amend', 'LIC-1', '--quantity', '5', '--reason', '--no-wait'], '--no-wait', 'is an option'],
    [['license', 'revoke', 'LIC-1', '--reason', '--wait', '--timeout', '60'], '--wait', 'is an option'],
    [['license', 'deny', 'LIC-1', '--reason', '--timeout=60', '--wait'], '--timeout=60', 'is an option'],
    [['license', 'reinstate', 'LIC-1', '--reason', '--no-wait'], '--no-wait', 'looks like an option'],
    [['shipment', 'ship', 'SHP-1', '--reason', '--by'], '--by', 'is an option'],
    [['shipment', 'cancel', 'SHP-1', '--reason', '-h'], '-h', 'is an option'],
  ])('%j is refused as a missing reason (exit 2) before the stack is touched', async (args, took, what) => {
    const c = captured();
    const code = await run(args, { io: c.io, env });
    expect(c.text()).not.toMatch(/cannot reach the local stack/);
    expect(c.text()).not.toMatch(/--timeout only applies/);
    expect(code).toBe(EXIT.usage);
    expect(c.text()).toContain(`--reason needs its text: --reason "`);
    expect(c.text()).toContain(`(it took "${took}", which ${what})`);
  });

  it('suggests a reason that fits the command', async () => {
    const c = captured();
    expect(await run(['shipment', 'cancel', 'SHP-1', '--reason', '--by'], { io: c.io, env })).toBe(
      EXIT.usage,
    );
    expect(c.text()).toContain('--reason "picked up by DHL, AWB 1234"');
  });

  it('lets a reason in words through to the command (which then reaches for the stack)', async () => {
    for (const args of [
      ['license', 'approve', 'LIC-1', '--reason', 'BIS letter 2026-117', '--wait'],
      ['shipment', 'ship', 'SHP-1', '--reason', '--- picked up, AWB 1234'],
    ]) {
      const c = captured();
      expect(await run(args, { io: c.io, env })).toBe(EXIT.error);
      expect(c.text()).toMatch(/cannot reach the local stack/);
    }
  });

  it('takes a reason that only contains dashes, or starts with them and goes on in words', () => {
    for (const reason of ['--', '-- see BIS letter 2026-117', 'A-17 --urgent', '—wait for BIS']) {
      expect(() => checkReasonIsText(reason, new Set(['--wait']))).not.toThrow();
      expect(() => checkReason(reason)).not.toThrow();
    }
  });

  it('refuses a long option as the reason of a handler called directly (checkReason)', () => {
    expect(() => checkReason('--wait')).toThrow(
      /--reason needs its text: .*"--wait", which looks like an option/,
    );
  });
});
