import { describe, expect, it } from 'vitest';
import { EXIT } from '../../../cli/errors.js';
import { run } from '../../../cli/program.js';
import { capturedIo as captured, OFFLINE_STACK_ENV as env } from '../../helpers/cli-offline.js';

/**
 * A flag given twice with different values (shell history edited by appending
 * the corrected flag, a wrapper script adding its own default) must be refused
 * naming the flag: commander alone keeps the last value silently, and the command
 * would go on to read and write. Refused with exit 2 before anything: a command that got
 * past validation would reach the (unreachable) stack and fail with exit 1.
 */

describe('a flag given twice with different values', () => {
  it('the same value twice (a wrapper adding its own default) passes', async () => {
    const c = captured();
    await run(
      ['license', 'amend', 'LIC-1', '--quantity', '100', '--quantity', '100', '--reason', 'BIS A-17'],
      {
        io: c.io,
        env,
      },
    );
    expect(c.text()).toMatch(/cannot reach the local stack/);
  });

  it('license amend --quantity 100 --quantity 1000 is refused, naming --quantity, before anything is read or written', async () => {
    const c = captured();
    const code = await run(
      ['license', 'amend', 'LIC-1', '--quantity', '100', '--quantity', '1000', '--reason', 'BIS A-17'],
      { io: c.io, env },
    );
    expect(c.text()).not.toMatch(/cannot reach the local stack/);
    expect(code).toBe(EXIT.usage);
    expect(c.text()).toMatch(/--quantity/);
  });

  it('license approve --reason A --reason B is refused, naming --reason (commander would keep B and drop A)', async () => {
    const c = captured();
    const code = await run(
      ['license', 'approve', 'LIC-1', '--reason', 'BIS letter 2026-117', '--reason', 'ticket 42'],
      { io: c.io, env },
    );
    expect(c.text()).not.toMatch(/cannot reach the local stack/);
    expect(code).toBe(EXIT.usage);
    expect(c.text()).toMatch(/--reason/);
  });

  it('dlq redrive --queue license-events --queue shipment-events is refused, naming --queue (only the last would be redriven)', async () => {
    const c = captured();
    const code = await run(['dlq', 'redrive', '--queue', 'license-events', '--queue', 'shipment-events'], {
      io: c.io,
      env,
    });
    expect(c.text()).not.toMatch(/cannot reach the local stack/);
    expect(code).toBe(EXIT.usage);
    expect(c.text()).toMatch(/--queue/);
  });
});
