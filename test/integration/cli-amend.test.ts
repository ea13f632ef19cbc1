/**
 * `clearance license amend`, the value columns and `clearance reconcile` with
 * value limits, run as an operator runs them against this file's local stack;
 * the system reacts through the real streams and handlers.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../cli/errors.js';
import { adminConsole } from '../helpers/admin-console.js';
import { runCli } from '../helpers/cli.js';
import { aLicense, anInventory, aShipmentFor, heldBacklog } from '../helpers/factories.js';
import { useLocalStack } from '../helpers/stack.js';

const local = useLocalStack();
const s = adminConsole(local);

const amend = (licenseId: string, ...options: string[]) =>
  runCli(
    local,
    ['license', 'amend', licenseId, ...options, '--reason', 'BIS amendment A-17', '--timeout', '60'],
    { env: { USER: 'j.doe' } },
  );

beforeAll(async () => {
  await s.putInventory(anInventory());
});

describe('clearance license amend', () => {
  it('raises the quantity of an applied license, and the system releases more held shipments', async () => {
    const license = aLicense({ licenseId: 'LIC-AMEND-QTY', status: 'APPROVED', authorizedQuantity: 20 });
    await s.putLicense(license);
    await s.putShipments(heldBacklog(5, { licenseId: license.licenseId, quantity: 10 }));
    await local.drain();
    expect(await s.license('LIC-AMEND-QTY')).toMatchObject({
      appliedStatus: 'APPROVED',
      releasedQuantity: 20,
    });

    const result = await amend('LIC-AMEND-QTY', '--quantity', '40');

    expect(result.code).toBe(EXIT.ok);
    expect(result.stdout).toMatch(/License LIC-AMEND-QTY amended and applied: authorizedQuantity 20 → 40\./);
    expect(result.stdout).toMatch(/RELEASED shipments: 2 → 4 \(2 more released\)\./);
    expect(result.stdout).toMatch(/Remaining: 0 units\./);
    expect(await s.license('LIC-AMEND-QTY')).toMatchObject({
      authorizedQuantity: 40,
      releasedQuantity: 40,
      appliedTerms: { authorizedQuantity: 40 },
      statusReason: 'BIS amendment A-17',
      updatedBy: 'local:j.doe',
    });
    const shown = (await runCli(local, ['--json', 'license', 'show', 'LIC-AMEND-QTY'])).json();
    expect(shown).toMatchObject({
      shipments: { byStatus: { RELEASED: { shipments: 4, units: 40 }, HELD: { shipments: 1, units: 10 } } },
      derived: { valueCap: null, remaining: { quantity: 0 }, unappliedAmendment: null },
    });
    await s.expectInvariants();
  });

  it('rejects --tolerance 30 before writing anything, naming the option and its range', async () => {
    await s.putLicense(
      aLicense({ licenseId: 'LIC-AMEND-TOL', authorizedValue: 50_000, valueTolerancePercent: 5 }),
    );
    await local.drain();
    const before = await s.license('LIC-AMEND-TOL');

    const result = await amend('LIC-AMEND-TOL', '--tolerance', '30');

    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toMatch(/--tolerance must be a whole number from 0 to 25 \(percent\), not "30"/);
    expect(await s.license('LIC-AMEND-TOL')).toEqual(before);
  });

  it('raises a value limit with a tolerance, releases what now fits, and lists the value columns', async () => {
    const license = aLicense({ licenseId: 'LIC-AMEND-VAL', status: 'PENDING', authorizedValue: 30_000 });
    await s.putLicense(license);
    await s.putShipments(
      [1, 2, 3].map((priority) =>
        aShipmentFor(license, {
          shipmentId: `SHP-AMEND-VAL-${priority}`,
          quantity: 1,
          value: 20_000,
          priority,
        }),
      ),
    );
    await local.drain();
    // Approved once all three are held, so priority decides. (Created APPROVED beside its backlog, it once
    // released the second and held the first in a full run: probably its pass ran while the intake
    // committed and read the held index's four keys at different moments.)
    await s.setLicenseStatus(license.licenseId, 'APPROVED');
    await local.drain();
    expect(await s.license('LIC-AMEND-VAL')).toMatchObject({ releasedValue: 20_000 });
    expect(await s.shipment('SHP-AMEND-VAL-2')).toMatchObject({ holdReason: 'LICENSE_VALUE_EXHAUSTED' });

    const result = await amend('LIC-AMEND-VAL', '--value', '50000', '--tolerance', '20');

    expect(result.code).toBe(EXIT.ok);
    expect(result.stdout).toMatch(
      /authorizedValue \$30,000 → \$50,000, valueTolerancePercent \(none\) → 20%/,
    );
    expect(result.stdout).toMatch(/RELEASED shipments: 1 → 3 \(2 more released\)\./);
    expect(await s.license('LIC-AMEND-VAL')).toMatchObject({ releasedValue: 60_000, releasedQuantity: 3 });
    const listed = await runCli(local, ['license', 'list']);
    expect(listed.stdout).toMatch(/REL\. VALUE\s+VALUE LIMIT/);
    expect(listed.stdout).toMatch(/LIC-AMEND-VAL .*\s\$60,000\s+\$60,000 \(\$50,000 \+20%\)\s/);
    expect(listed.stdout).toMatch(/LIC-AMEND-QTY .*\s\$0\s+none\s/);
    await s.expectInvariants();
  });

  it('refuses a license the system has not applied, and writes nothing', async () => {
    // A license the system rejected stays without appliedStatus: there is nothing to amend.
    await s.putLicense(aLicense({ licenseId: 'LIC-AMEND-NEW', status: 'SUSPENDED' }));
    await local.drain();
    const before = await s.license('LIC-AMEND-NEW');
    expect(before.appliedStatus).toBeUndefined();

    const result = await amend('LIC-AMEND-NEW', '--quantity', '5');

    expect(result.code).toBe(EXIT.error);
    expect(result.stderr).toMatch(/license LIC-AMEND-NEW has no appliedStatus.*Nothing was changed\./);
    expect(await s.license('LIC-AMEND-NEW')).toEqual(before);
  });
});

describe('clearance reconcile with value limits', () => {
  it('repairs a tampered releasedValue with --fix, conditional on both counters read', async () => {
    await local.drain();
    await local.ddb.send(
      new UpdateCommand({
        TableName: local.resources.tables.licenses.name,
        Key: { licenseId: 'LIC-AMEND-VAL' },
        UpdateExpression: 'SET releasedValue = :v',
        ExpressionAttributeValues: { ':v': 999 },
      }),
    );
    await local.drain();

    const report = await runCli(local, ['reconcile']);
    expect(report.code).toBe(EXIT.incomplete);
    expect(report.stdout).toMatch(
      /I2\s+licenseId=LIC-AMEND-VAL\s+releasedValue is 999 but its released and shipped shipments draw 60000/,
    );
    expect(report.stdout).toMatch(/License LIC-AMEND-VAL: releasedValue 999 → 60000$/m);

    const fixed = await runCli(local, ['--json', 'reconcile', '--fix', '--yes']);
    expect(fixed.code).toBe(EXIT.ok);
    expect(fixed.json()).toMatchObject({
      written: 1,
      skipped: [],
      remaining: [],
      shippedOverLimit: [],
      plan: {
        fixes: [
          {
            licenseId: 'LIC-AMEND-VAL',
            read: { releasedQuantity: 3, releasedValue: 999 },
            set: { releasedQuantity: 3, releasedValue: 60_000 },
          },
        ],
      },
    });
    expect(await s.license('LIC-AMEND-VAL')).toMatchObject({ releasedValue: 60_000, releasedQuantity: 3 });
    await s.expectInvariants();
  });

  it('asks for a release pass when --fix gives units back, so a HELD shipment that fits them is released', async () => {
    const license = aLicense({ licenseId: 'LIC-AMEND-FREED', authorizedQuantity: 15, status: 'APPROVED' });
    await s.putLicense(license);
    await s.putShipments([
      aShipmentFor(license, { shipmentId: 'SHP-AMEND-FREED-1', quantity: 10, priority: 1 }),
    ]);
    await local.drain();
    expect(await s.license('LIC-AMEND-FREED')).toMatchObject({ releasedQuantity: 10 });
    // A tampered counter leaves no room; a shipment arriving then is held as exhausted and asks for no pass.
    await local.ddb.send(
      new UpdateCommand({
        TableName: local.resources.tables.licenses.name,
        Key: { licenseId: 'LIC-AMEND-FREED' },
        UpdateExpression: 'SET releasedQuantity = :q',
        ExpressionAttributeValues: { ':q': 15 },
      }),
    );
    await local.drain();
    await s.putShipments([
      aShipmentFor(license, { shipmentId: 'SHP-AMEND-FREED-2', quantity: 5, priority: 2 }),
    ]);
    await local.drain();
    expect(await s.shipment('SHP-AMEND-FREED-2')).toMatchObject({ holdReason: 'LICENSE_QUANTITY_EXHAUSTED' });

    const fixed = await runCli(local, ['reconcile', '--fix', '--yes']);
    expect(fixed.stdout).toMatch(
      /Note: license LIC-AMEND-FREED has 5 units free again; if it is APPROVED, the release pass the fix asked for releases held shipments that fit them\./,
    );
    await local.drain();
    expect(await s.shipment('SHP-AMEND-FREED-2')).toMatchObject({ status: 'RELEASED' });
    expect(await s.license('LIC-AMEND-FREED')).toMatchObject({ releasedQuantity: 15 });
    await s.expectInvariants();
  });

  it('reports shipped goods above a lowered limit in their own section, not as an I2 violation', async () => {
    const license = aLicense({ licenseId: 'LIC-AMEND-SHIPPED', authorizedQuantity: 20 });
    await s.putLicense(license);
    await s.putShipments([
      aShipmentFor(license, { shipmentId: 'SHP-AMEND-SHIPPED-1', quantity: 10, priority: 1 }),
      aShipmentFor(license, { shipmentId: 'SHP-AMEND-SHIPPED-2', quantity: 10, priority: 2 }),
    ]);
    await local.drain();
    for (const id of ['SHP-AMEND-SHIPPED-1', 'SHP-AMEND-SHIPPED-2']) {
      expect((await runCli(local, ['shipment', 'ship', id])).code).toBe(EXIT.ok);
    }
    await local.drain();

    const lowered = await amend('LIC-AMEND-SHIPPED', '--quantity', '10');
    expect(lowered.code).toBe(EXIT.ok);
    expect(lowered.stderr).toMatch(/note: the new limit is below what is already released/);
    await local.drain();

    const report = await runCli(local, ['reconcile']);
    expect(report.code).toBe(EXIT.incomplete);
    expect(report.stdout).toMatch(/No drift: every counter, releasedQuantity and releasedValue matches/);
    expect(report.stdout).toMatch(
      /HIGH SEVERITY: shipped goods exceed a lowered limit on 1 license\. Escalate to compliance\.\nNot an I2 violation and not something --fix can repair/,
    );
    expect(report.stdout).toMatch(/ {2}- LIC-AMEND-SHIPPED: 20 units shipped, above authorizedQuantity 10$/m);
    expect(report.stdout).not.toMatch(/I2\s+licenseId=LIC-AMEND-SHIPPED/);

    const json = (await runCli(local, ['--json', 'reconcile', '--fix', '--yes'])).json();
    expect(json).toMatchObject({
      violations: [],
      plan: { fixes: [] },
      shippedOverLimit: [{ licenseId: 'LIC-AMEND-SHIPPED', limit: 'quantity', shipped: 20, authorized: 10 }],
    });
  });
});
