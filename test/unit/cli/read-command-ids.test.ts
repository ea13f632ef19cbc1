import { describe, expect, it } from 'vitest';
import { checkReadId } from '../../../cli/commands/license-common.js';
import { EXIT } from '../../../cli/errors.js';
import { run } from '../../../cli/program.js';
import { capturedIo as captured, OFFLINE_STACK_ENV as env } from '../../helpers/cli-offline.js';

/**
 * The read commands check their id before anything is read, as the write
 * commands do (checkId), but more weakly (an item or History entry out of the
 * contract can still be looked at): an empty id, or one longer than any
 * DynamoDB key (2048 bytes), is bad usage (exit 2) naming the argument, not a
 * ValidationException in AWS's words (exit 1).
 */

const tooLong = 'L'.repeat(3000);

async function refused(args: string[], named: string) {
  const c = captured();
  const code = await run(args, { io: c.io, env });
  expect(c.text()).not.toMatch(/cannot reach the local stack/);
  expect(code).toBe(EXIT.usage);
  expect(c.text()).toContain(named);
}

describe('read commands and an id no item can have', () => {
  it.each([
    ['license show ""', ['license', 'show', ''], '<licenseId> is empty'],
    ['license show <3000 characters>', ['license', 'show', tooLong], '<licenseId> "'],
    ['license history ""', ['license', 'history', ''], '<licenseId> is empty'],
    ['license history " "', ['license', 'history', ' '], '<licenseId> is empty'],
    ['license history <3000 characters>', ['license', 'history', tooLong], 'is 3000 bytes long'],
    [
      'license simulate "" --status APPROVED',
      ['license', 'simulate', '', '--status', 'APPROVED'],
      '<licenseId> is empty',
    ],
    ['license simulate <3000 characters>', ['license', 'simulate', tooLong], 'is 3000 bytes long'],
    ['shipment history ""', ['shipment', 'history', ''], '<shipmentId> is empty'],
    ['shipment history <3000 characters>', ['shipment', 'history', tooLong], '<shipmentId> "'],
    ['report usage --license ""', ['report', 'usage', '--license', ''], '--license is empty'],
    ['shipment show ""', ['shipment', 'show', ''], '<shipmentId> is empty'],
    ['report usage --license <3000 characters>', ['report', 'usage', '--license', tooLong], '--license "'],
  ])(
    '%s is refused as bad usage (exit 2) naming the argument, before DynamoDB is asked',
    async (_label, args, named) => {
      await refused(args, named);
    },
  );

  it('counts bytes, not characters, against the 2048-byte key limit, and takes an id out of the contract', () => {
    expect(() => checkReadId('licenseId', 'é'.repeat(1024))).not.toThrow();
    expect(() => checkReadId('licenseId', 'é'.repeat(1025))).toThrow(
      /is 2050 bytes long: no licenseId can be/,
    );
    expect(() => checkReadId('shipmentId', 'shp 42 (typed by hand)')).not.toThrow();
    expect(() => checkReadId('shipmentId', '\t')).toThrow(
      /<shipmentId> is empty: give the shipmentId, e.g. SHP-000042/,
    );
  });
});
