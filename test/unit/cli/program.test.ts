import { describe, expect, it } from 'vitest';
import { EXIT } from '../../../cli/errors.js';
import { buildProgram, run } from '../../../cli/program.js';
import { capturedIo as captured, OFFLINE_STACK_ENV as env } from '../../helpers/cli-offline.js';

const leafCommands = () => {
  const program = buildProgram(captured().io, {}, { code: 0 });
  const paths: string[][] = [];
  const walk = (c: typeof program, path: string[]) => {
    if (c.commands.length === 0) paths.push(path);
    for (const sub of c.commands) walk(sub, [...path, sub.name()]);
  };
  walk(program, []);
  return paths;
};

describe('help', () => {
  it('describes the stack selection, exit codes and examples at the top level', async () => {
    const c = captured();
    expect(await run(['--help'], { io: c.io, env: {} })).toBe(EXIT.ok);
    expect(c.text()).toMatch(/Which stack \(first match wins\)/);
    expect(c.text()).toMatch(/Exit codes: 0 done/);
    expect(c.text()).toMatch(/Examples:\n {2}\$ clearance/);
  });

  it.each(leafCommands())('gives %s a description, the global options and an example', async (...path) => {
    const c = captured();
    expect(await run([...path, '--help'], { io: c.io, env: {} })).toBe(EXIT.ok);
    const text = c.text();
    expect(text).toMatch(new RegExp(`Usage: clearance ${path.join(' ')}`));
    expect(text).toMatch(/Global Options:[\s\S]*--stack-file/);
    expect(text).toMatch(/Examples:\n {2}\$ clearance /);
  });

  it('covers every command the issue asks for', () => {
    expect(
      leafCommands()
        .map((p) => p.join(' '))
        .sort(),
    ).toEqual([
      'dlq list',
      'dlq redrive',
      'inventory show',
      'license amend',
      'license approve',
      'license deny',
      'license history',
      'license list',
      'license reinstate',
      'license revoke',
      'license show',
      'license simulate',
      'license suspend',
      'licenses',
      'reconcile',
      'report usage',
      'shipment cancel',
      'shipment history',
      'shipment list',
      'shipment ship',
      'shipment show',
      'subscribe customer',
      'subscribe logistics',
      'subscriptions list',
      'unsubscribe',
    ]);
  });
});

describe('usage errors', () => {
  it('checks the options of license simulate before looking for a stack', async () => {
    for (const [args, message] of [
      [
        ['--status', 'APROVED'],
        /--status must be one of APPROVED, DENIED, SUSPENDED, REVOKED, EXPIRED, not "APROVED"/,
      ],
      [
        ['--quantity', '-3'],
        /--quantity must be a whole number of units from 1 to \d+ \(digits only\), not "-3"/,
      ],
      [['--tolerance', '26'], /--tolerance must be a whole number from 0 to 25 \(percent\), not "26"/],
      [['--at', 'next week'], /--at must be an ISO-8601 time with its zone/],
      [['--limit', '-1'], /option '--limit <rows>' argument '-1' is invalid/],
    ] as const) {
      const c = captured();
      expect(await run(['license', 'simulate', 'LIC-1', ...args], { io: c.io, env: {} })).toBe(EXIT.usage);
      expect(c.text()).toMatch(message);
    }
  });

  it('rejects a license decision without --reason', async () => {
    const c = captured();
    expect(await run(['license', 'approve', 'LIC-1'], { io: c.io, env })).toBe(EXIT.usage);
    expect(c.text()).toMatch(/required option '--reason <text>' not specified/);
  });

  it('refuses --by, which the caller identity replaced, naming the fix', async () => {
    for (const args of [
      ['license', 'approve', 'LIC-1', '--reason', 'r', '--by', 'me'],
      ['license', 'amend', 'LIC-1', '--quantity', '5', '--reason', 'r', '--by', 'me'],
      ['shipment', 'ship', 'SHP-1', '--by', 'me'],
    ]) {
      const c = captured();
      expect(await run(args, { io: c.io, env })).toBe(EXIT.usage);
      expect(c.text()).toMatch(/--by is gone: the author recorded as updatedBy is who runs the command/);
    }
  });

  it('refuses --yes or --force without --fix, which would otherwise be ignored, naming the command to run', async () => {
    const c = captured();
    expect(await run(['reconcile', '--yes'], { io: c.io, env })).toBe(EXIT.usage);
    expect(c.text()).toMatch(
      /--yes only applies with --fix: run `clearance reconcile --fix --yes` to repair/,
    );
    expect(await run(['reconcile', '--yes', '--force'], { io: c.io, env })).toBe(EXIT.usage);
    expect(c.text()).toMatch(/--yes and --force only apply with --fix/);
  });

  it('refuses --timeout where nothing waits (a decision without --wait, an amendment with --no-wait), naming the fix', async () => {
    const c = captured();
    expect(
      await run(['license', 'approve', 'LIC-1', '--reason', 'r', '--timeout', '60'], { io: c.io, env }),
    ).toBe(EXIT.usage);
    expect(c.text()).toMatch(/--timeout only applies with --wait: add --wait, or drop --timeout/);
    expect(
      await run(
        ['license', 'amend', 'LIC-1', '--quantity', '5', '--reason', 'r', '--no-wait', '--timeout', '60'],
        {
          io: c.io,
          env,
        },
      ),
    ).toBe(EXIT.usage);
    expect(c.text()).toMatch(/--timeout does not apply with --no-wait: drop one of them/);
  });

  it('refuses an id outside the contract before reading anything (DynamoDB would refuse an empty one in its own words)', async () => {
    for (const [args, field] of [
      [['license', 'approve', '', '--reason', 'r'], 'licenseId'],
      [['license', 'amend', 'LIC 1', '--quantity', '5', '--reason', 'r'], 'licenseId'],
      [['shipment', 'cancel', 'x'.repeat(200)], 'shipmentId'],
    ] as const) {
      const c = captured();
      expect(await run(args, { io: c.io, env })).toBe(EXIT.usage);
      expect(c.text()).toMatch(
        new RegExp(`<${field}> ".*" is not a ${field}: ${field} must be 1-128 characters`),
      );
    }
  });

  it('rejects a customer subscription without --customer', async () => {
    const c = captured();
    const code = await run(
      ['subscribe', 'customer', '--protocol', 'sqs', '--endpoint', 'arn:aws:sqs:us-east-1:000000000000:q'],
      {
        io: c.io,
        env,
      },
    );
    expect(code).toBe(EXIT.usage);
    expect(c.text()).toMatch(/required option '--customer <customerId>' not specified/);
  });

  it('rejects a customer subscription with an empty --customer before calling SNS', async () => {
    const c = captured();
    const code = await run(
      [
        'subscribe',
        'customer',
        '--customer',
        '',
        '--protocol',
        'sqs',
        '--endpoint',
        'arn:aws:sqs:us-east-1:000000000000:q',
      ],
      { io: c.io, env },
    );
    expect(code).toBe(EXIT.usage);
    expect(c.text()).toMatch(/must be scoped to one customer/);
  });

  it('rejects a logistics subscription without --warehouse or --all-warehouses', async () => {
    const c = captured();
    const code = await run(
      ['subscribe', 'logistics', '--protocol', 'email', '--endpoint', 'ops@example.com'],
      {
        io: c.io,
        env,
      },
    );
    expect(code).toBe(EXIT.usage);
    expect(c.text()).toMatch(/--all-warehouses to receive notices for every warehouse/);
  });

  it('rejects an unknown protocol and status with the allowed values', async () => {
    const c = captured();
    expect(
      await run(['subscribe', 'customer', '--customer', 'C', '--protocol', 'sms', '--endpoint', 'x'], {
        io: c.io,
        env,
      }),
    ).toBe(EXIT.usage);
    expect(c.text()).toMatch(/Allowed choices are email, sqs, https/);
    expect(await run(['license', 'list', '--status', 'OPEN'], { io: c.io, env })).toBe(EXIT.usage);
    expect(c.text()).toMatch(
      /--status must be one of PENDING, APPROVED, DENIED, SUSPENDED, REVOKED, EXPIRED, not "OPEN"/,
    );
    expect(await run(['shipment', 'list', '--license', 'L', '--status', 'GONE'], { io: c.io, env })).toBe(
      EXIT.usage,
    );
    expect(c.text()).toMatch(/--status must be one of HELD, RELEASED, SHIPPED, CANCELLED, not "GONE"/);
  });

  it('fails with a message naming the fix when the local stack is not running', async () => {
    const c = captured();
    const code = await run(['reconcile', '--fix'], { io: c.io, env });
    expect(code).toBe(EXIT.error);
    expect(c.err.join('\n')).toMatch(/cannot reach the local stack.*npm run stack/);
  });
});
