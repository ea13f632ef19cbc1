import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { DeleteCommand, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, DynamoDBStreamEvent } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../cli/errors.js';
import type { Io } from '../../cli/io.js';
import { run } from '../../cli/program.js';
import { inventoryUpdate } from '../../shared/adapters/dynamo/expressions.js';
import { adminConsole } from '../helpers/admin-console.js';
import { runCli, stackDescription } from '../helpers/cli.js';
import { aLicense, anInventory, aShipmentFor, heldBacklog } from '../helpers/factories.js';
import { useLocalStack } from '../helpers/stack.js';

/** While set, license-events waits for it: an edit stays unapplied for as long as a test needs. */
let licenseEventsGate: Promise<void> | undefined;
const local = useLocalStack({
  handlerOverrides: {
    licenses: async (event: DynamoDBStreamEvent, context: Context): Promise<unknown> => {
      await licenseEventsGate;
      return (await local.loadHandler('license-events'))(event as never, context);
    },
  },
});
const s = adminConsole(local);

describe('clearance license', () => {
  beforeAll(async () => {
    await s.putInventory(anInventory());
  });

  it('approves a PENDING license, and the system releases its held shipments after the stream drains', async () => {
    const license = aLicense({ licenseId: 'LIC-APPROVE', status: 'PENDING', authorizedQuantity: 40 });
    await s.putLicense(license);
    await s.putShipments(heldBacklog(5, { licenseId: license.licenseId, quantity: 10 }));
    await local.drain();

    // The local gateway serves no GetCallerIdentity: the author is the OS user.
    const approved = await runCli(
      local,
      ['license', 'approve', 'LIC-APPROVE', '--reason', 'BIS letter 117'],
      {
        env: { USER: 'j.doe' },
      },
    );
    expect(approved.code).toBe(EXIT.ok);
    expect(approved.stdout).toMatch(
      /License LIC-APPROVE: PENDING → APPROVED \(approve, by local:j\.doe: "BIS letter 117"\)/,
    );
    await local.drain();

    const stored = await s.license('LIC-APPROVE');
    expect(stored).toMatchObject({
      status: 'APPROVED',
      appliedStatus: 'APPROVED',
      statusReason: 'BIS letter 117',
      updatedBy: 'local:j.doe',
      releasedQuantity: 40,
    });
    const shown = await runCli(local, ['--json', 'license', 'show', 'LIC-APPROVE']);
    expect(shown.json()).toMatchObject({
      license: { licenseId: 'LIC-APPROVE', appliedStatus: 'APPROVED' },
      shipments: {
        source: 'index',
        byStatus: { RELEASED: { shipments: 4, units: 40 }, HELD: { shipments: 1, units: 10 } },
        heldByReason: { LICENSE_QUANTITY_EXHAUSTED: { shipments: 1, units: 10 } },
      },
    });
    await s.expectInvariants();
  });

  it('waits with --wait until the system has applied the approval', async () => {
    const license = aLicense({ licenseId: 'LIC-WAIT', status: 'PENDING', authorizedQuantity: 1000 });
    await s.putLicense(license);
    await s.putShipments(heldBacklog(3, { licenseId: license.licenseId, quantity: 10 }));
    await local.drain();

    const result = await runCli(local, [
      'license',
      'approve',
      'LIC-WAIT',
      '--reason',
      'ok',
      '--wait',
      '--timeout',
      '60',
    ]);
    expect(result.code).toBe(EXIT.ok);
    expect(result.stdout).toMatch(/License LIC-WAIT is APPROVED: 3 shipments released \(30 of 1,000 units\)/);
  });

  it('rejects an illegal transition before writing anything', async () => {
    await s.putLicense(aLicense({ licenseId: 'LIC-PENDING', status: 'PENDING' }));
    await local.drain();
    const result = await runCli(local, ['license', 'suspend', 'LIC-PENDING', '--reason', 'x']);
    expect(result.code).toBe(EXIT.error);
    expect(result.stderr).toMatch(
      /cannot suspend license LIC-PENDING: it is PENDING, and suspend applies only to a APPROVED license\. Nothing was changed/,
    );
    const stored = await s.license('LIC-PENDING');
    expect(stored.status).toBe('PENDING');
    expect(stored.statusReason).toBeUndefined();
  });

  it("refuses to overwrite someone's edit the system has not applied yet, whatever an old statusError says", async () => {
    await s.putLicense(aLicense({ licenseId: 'LIC-STALE', status: 'PENDING' }));
    await local.drain();
    await s.setLicenseStatus('LIC-STALE', 'APPROVD');
    await local.drain();
    expect((await s.license('LIC-STALE')).statusError).toMatch(/not a license status/);
    // Someone's legal edit, not applied yet (license-events waits); the typo's statusError is still on the item.
    let open = () => {};
    licenseEventsGate = new Promise((resolve) => {
      open = resolve;
    });
    try {
      await s.edit('licenses', { licenseId: 'LIC-STALE' }, 'updatedBy', 'bob');
      await s.setLicenseStatus('LIC-STALE', 'APPROVED');

      const result = await runCli(local, ['license', 'deny', 'LIC-STALE', '--reason', 'no']);
      expect(result.code).toBe(EXIT.error);
      expect(result.stderr).toMatch(
        /license LIC-STALE has status APPROVED that the system has not applied yet \(applied: PENDING\)/,
      );
    } finally {
      open();
      licenseEventsGate = undefined;
    }
    await local.drain();
    expect(await s.license('LIC-STALE')).toMatchObject({ status: 'APPROVED', appliedStatus: 'APPROVED' });
  });

  it.each([
    ['removed', 'LIC-REMOVED'],
    ['emptied to NULL', 'LIC-NULL'],
  ])('sets right a license whose status was %s in the console', async (how, licenseId) => {
    await s.putLicense(aLicense({ licenseId, status: 'APPROVED', authorizedQuantity: 40 }));
    await local.drain();
    if (how === 'removed') {
      await local.ddb.send(
        new UpdateCommand({
          TableName: local.resources.tables.licenses.name,
          Key: { licenseId },
          UpdateExpression: 'REMOVE #s',
          ExpressionAttributeNames: { '#s': 'status' },
        }),
      );
    } else {
      await s.setLicenseStatus(licenseId, null);
    }
    await local.drain();
    expect(await s.license(licenseId)).toMatchObject({
      appliedStatus: 'APPROVED',
      statusError: expect.any(String),
    });

    const result = await runCli(local, ['license', 'suspend', licenseId, '--reason', 'letter 9']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(EXIT.ok);
    await local.drain();
    const stored = await s.license(licenseId);
    expect(stored).toMatchObject({
      status: 'SUSPENDED',
      appliedStatus: 'SUSPENDED',
      statusReason: 'letter 9',
    });
    expect(stored.statusError).toBeUndefined();
  });

  it('fails with a pointer to `license list` for an unknown license', async () => {
    const result = await runCli(local, ['license', 'show', 'LIC-NOPE']);
    expect(result.code).toBe(EXIT.error);
    expect(result.stderr).toMatch(/no license LIC-NOPE .*clearance license list/);
  });

  it('lists licenses as a table and as JSON, filtered by status', async () => {
    const table = await runCli(local, ['license', 'list', '--status', 'APPROVED']);
    expect(table.code).toBe(EXIT.ok);
    expect(table.stdout).toMatch(/^LICENSE\s+CUSTOMER/);
    expect(table.stdout).toMatch(/LIC-APPROVE\s/);
    expect(table.stdout).not.toMatch(/LIC-PENDING/);
    const json = (await runCli(local, ['license', 'list', '--json'])).json() as { licenseId: string }[];
    expect(json.map((l) => l.licenseId)).toEqual(
      expect.arrayContaining(['LIC-APPROVE', 'LIC-PENDING', 'LIC-WAIT']),
    );
  });
});

describe('clearance shipment', () => {
  it('lists by index, ships a RELEASED shipment and cancels a HELD one; the system moves the counters', async () => {
    await s.putInventory(anInventory({ warehouseId: 'WH-SHIP', onHand: 100 }));
    const license = aLicense({ licenseId: 'LIC-SHIP', status: 'PENDING', authorizedQuantity: 10 });
    await s.putLicense(license);
    const [first, second] = [
      aShipmentFor(license, { shipmentId: 'SHP-SHIP-1', warehouseId: 'WH-SHIP', quantity: 10, priority: 1 }),
      aShipmentFor(license, { shipmentId: 'SHP-SHIP-2', warehouseId: 'WH-SHIP', quantity: 10, priority: 2 }),
    ];
    await s.putShipments([first, second]);
    await local.drain();
    // Approved once both are held, so priority decides (arrivals under an approved license go as delivered).
    await s.setLicenseStatus(license.licenseId, 'APPROVED');
    await local.drain();

    const released = (
      await runCli(local, ['--json', 'shipment', 'list', '--license', 'LIC-SHIP', '--status', 'RELEASED'])
    ).json();
    expect(released).toMatchObject({ shipments: [{ shipmentId: 'SHP-SHIP-1' }], more: false });
    const held = await runCli(local, ['shipment', 'list', '--license', 'LIC-SHIP', '--status', 'HELD']);
    expect(held.stdout).toMatch(/SHP-SHIP-2\s+HELD\s+LICENSE_QUANTITY_EXHAUSTED/);

    const refused = await runCli(local, ['shipment', 'ship', 'SHP-SHIP-2']);
    expect(refused.code).toBe(EXIT.error);
    expect(refused.stderr).toMatch(/possible export violation/);

    expect((await runCli(local, ['shipment', 'ship', 'SHP-SHIP-1'])).code).toBe(EXIT.ok);
    expect((await runCli(local, ['shipment', 'cancel', 'SHP-SHIP-2'])).code).toBe(EXIT.ok);
    await local.drain();

    expect(await s.shipment('SHP-SHIP-1')).toMatchObject({
      status: 'SHIPPED',
      countedStatus: 'SHIPPED',
      changedBy: expect.any(String),
    });
    expect(await s.shipment('SHP-SHIP-2')).toMatchObject({ status: 'CANCELLED', countedStatus: 'CANCELLED' });
    // No index for SHIPPED and CANCELLED: a scan cut at --limit says its rows are not the first in hold order.
    const cut = await runCli(local, ['shipment', 'list', '--license', 'LIC-SHIP', '--limit', '1']);
    expect(cut.stdout).toMatch(/Showing 1 of the matches, not the first 1 in hold order/);
    expect(cut.stdout).not.toMatch(/Showing the first/);
    const inventory = (await runCli(local, ['--json', 'inventory', 'show', '--sku', 'H20'])).json() as Record<
      string,
      unknown
    >[];
    expect(inventory.find((i) => i.warehouseId === 'WH-SHIP')).toEqual({
      sku: 'H20',
      warehouseId: 'WH-SHIP',
      onHand: 90,
      held: 0,
      released: 0,
      shipped: 10,
      available: 90,
    });
    const shown = await runCli(local, ['shipment', 'show', 'SHP-SHIP-1']);
    expect(shown.stdout).toMatch(/Changed by:\s+/);
    await s.expectInvariants();
  });
});

describe('clearance shipment without --reason', () => {
  it("removes the creator's statusReason, so History does not quote it as the admin's reason", async () => {
    await s.putInventory(anInventory({ warehouseId: 'WH-REASON', onHand: 100 }));
    const license = aLicense({ licenseId: 'LIC-REASON', status: 'APPROVED', authorizedQuantity: 10 });
    await s.putLicense(license);
    await local.drain();
    for (const id of ['SHP-REASON-1', 'SHP-REASON-2']) {
      await s.putShipment({
        ...aShipmentFor(license, { shipmentId: id, warehouseId: 'WH-REASON', quantity: 5 }),
        updatedBy: 'order-intake',
        statusReason: 'PO 4711',
      });
    }
    await local.drain();

    const env = { env: { USER: 'amy' } };
    expect((await runCli(local, ['shipment', 'ship', 'SHP-REASON-1'], env)).code).toBe(EXIT.ok);
    expect((await runCli(local, ['shipment', 'cancel', 'SHP-REASON-2'], env)).code).toBe(EXIT.ok);
    await local.drain();

    const decisions = (await s.history('LIC-REASON'))
      .filter((e) => e.eventType === 'SHIPMENT_SHIPPED' || e.eventType === 'SHIPMENT_CANCELLED')
      .map((e) => ({ shipmentId: e.shipmentId, actor: e.actor, reason: e.reason }));
    expect(decisions).toEqual([
      { shipmentId: 'SHP-REASON-1', actor: 'local:amy', reason: undefined },
      { shipmentId: 'SHP-REASON-2', actor: 'local:amy', reason: undefined },
    ]);
    for (const id of ['SHP-REASON-1', 'SHP-REASON-2']) {
      const shipment = await s.shipment(id);
      expect(shipment).toMatchObject({ updatedBy: 'local:amy' });
      expect(shipment).not.toHaveProperty('statusReason');
    }
    await s.expectInvariants();
  });
});

describe('clearance reconcile', () => {
  it('reports no drift on a clean store', async () => {
    await local.drain();
    const result = await runCli(local, ['reconcile']);
    expect(result.stdout).toMatch(/No drift/);
    expect(result.code).toBe(EXIT.ok);
  });

  it('reports planted drift, refuses --fix without --yes when not interactive, and repairs it with --fix --yes', async () => {
    await local.drain();
    const inventoryTable = local.resources.tables.inventory.name;
    await local.ddb.send(
      new UpdateCommand({
        TableName: inventoryTable,
        Key: { sku: 'H20', warehouseId: 'WH-AMS-1' },
        UpdateExpression: 'ADD held :five',
        ExpressionAttributeValues: { ':five': 5 },
      }),
    );
    await local.ddb.send(
      new UpdateCommand({
        TableName: local.resources.tables.licenses.name,
        Key: { licenseId: 'LIC-APPROVE' },
        UpdateExpression: 'SET releasedQuantity = :q',
        ExpressionAttributeValues: { ':q': 25 },
      }),
    );
    await local.drain();

    const report = await runCli(local, ['reconcile']);
    expect(report.code).toBe(EXIT.incomplete);
    expect(report.stdout).toMatch(/I3\s+sku=H20 warehouseId=WH-AMS-1\s+held is \d+ but shipments sum to \d+/);
    expect(report.stdout).toMatch(
      /I2\s+licenseId=LIC-APPROVE\s+releasedQuantity is 25 but its released and shipped shipments draw 40/,
    );
    expect(report.stdout).toMatch(/License LIC-APPROVE: releasedQuantity 25 → 40/);

    const refused = await runCli(local, ['reconcile', '--fix']);
    expect(refused.code).toBe(EXIT.error);
    expect(refused.stderr).toMatch(/stdin is not a terminal.*--fix --yes/);
    expect((await s.license('LIC-APPROVE')).releasedQuantity).toBe(25);

    const declined = await runCli(local, ['reconcile', '--fix'], { interactive: true, answer: false });
    expect(declined.code).toBe(EXIT.incomplete);
    expect((await s.license('LIC-APPROVE')).releasedQuantity).toBe(25);

    const fixed = await runCli(local, ['--json', 'reconcile', '--fix', '--yes']);
    expect(fixed.code).toBe(EXIT.ok);
    expect(fixed.json()).toMatchObject({ written: 2, skipped: [], remaining: [] });
    expect((await s.license('LIC-APPROVE')).releasedQuantity).toBe(40);
    await s.expectInvariants();
  });
});

describe('clearance reconcile and a deleted SHIPPED shipment', () => {
  it('keeps its units drawn from the license, names it, and is clean once it is put back as it was', async () => {
    await s.putInventory(anInventory({ sku: 'SKU-GONE' }));
    await s.putLicense(
      aLicense({
        licenseId: 'LIC-GONE',
        sku: 'SKU-GONE',
        status: 'APPROVED',
        appliedStatus: 'PENDING',
        authorizedQuantity: 100,
      }),
    );
    const [gone] = heldBacklog(1, { licenseId: 'LIC-GONE', sku: 'SKU-GONE', quantity: 30 });
    if (!gone) throw new Error('no shipment');
    await s.putShipment(gone);
    await local.drain();
    await s.setShipmentStatus(gone.shipmentId, 'SHIPPED');
    await local.drain();
    const asItWas = await s.shipment(gone.shipmentId);
    expect(asItWas).toMatchObject({ countedStatus: 'SHIPPED' });
    expect((await s.license('LIC-GONE')).releasedQuantity).toBe(30);
    await local.ddb.send(
      new DeleteCommand({
        TableName: local.resources.tables.shipments.name,
        Key: { shipmentId: gone.shipmentId },
      }),
    );
    await local.drain();

    // Before: --fix set releasedQuantity 30 → 0, and the license could release 30 more units than it authorizes.
    const fixed = await runCli(local, ['reconcile', '--fix', '--yes']);
    expect(fixed.code).toBe(EXIT.incomplete);
    expect(fixed.stdout).toMatch(
      new RegExp(
        `I2 LIC-GONE/${gone.shipmentId}: shipment ${gone.shipmentId} was deleted from the Shipments table while SHIPPED`,
      ),
    );
    expect(fixed.stdout).not.toMatch(/License LIC-GONE: releasedQuantity/);
    expect(fixed.stdout).not.toMatch(/Inventory SKU-GONE @ WH-AMS-1: shipped/);
    expect((await s.license('LIC-GONE')).releasedQuantity).toBe(30);

    await s.putShipment(asItWas);
    await local.drain();
    const clean = await runCli(local, ['reconcile']);
    expect(clean.stdout).toMatch(/No drift/);
    expect(clean.code).toBe(EXIT.ok);
    expect((await s.license('LIC-GONE')).releasedQuantity).toBe(30);
  });
});

describe('clearance reconcile --fix and a system write in between', () => {
  it('skips a fix whose counter a system write moved away and back since the scan (counterRevision), and fixes it on the next run', async () => {
    await local.drain();
    const table = local.resources.tables.inventory.name;
    const key = { sku: 'H20', warehouseId: 'WH-AMS-1' };
    const held = async () =>
      (await local.ddb.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item?.held;
    const truth = await held();
    // Drift planted by hand (no system write): held 5 too high.
    await local.ddb.send(
      new UpdateCommand({
        TableName: table,
        Key: key,
        UpdateExpression: 'ADD held :five',
        ExpressionAttributeValues: { ':five': 5 },
      }),
    );
    // While the operator reads the plan, the system re-holds 2 units and releases 2 of another license's:
    // the counter is back to the value the scan read, and the plan (made from that scan) may be wrong.
    const out: string[] = [];
    const io: Io = {
      out: (t) => out.push(t),
      err: () => undefined,
      interactive: true,
      confirm: async () => {
        for (const held of [2, -2])
          await local.ddb.send(new UpdateCommand(inventoryUpdate(table, key.sku, key.warehouseId, { held })));
        return true;
      },
    };
    const env = { ...process.env, CLEARANCE_STACK: stackDescription(local) };
    expect(await run(['--json', 'reconcile', '--fix'], { io, env })).toBe(EXIT.incomplete);
    expect(JSON.parse(out.join('\n'))).toMatchObject({
      written: 0,
      skipped: [expect.stringMatching(/H20 @ WH-AMS-1/)],
    });
    expect(await held()).toBe(Number(truth) + 5);

    const again = await runCli(local, ['--json', 'reconcile', '--fix', '--yes']);
    expect(again.json()).toMatchObject({ written: 1, skipped: [], remaining: [] });
    expect(await held()).toBe(truth);
  });
});

describe('clearance subscribe', () => {
  it("creates a customer subscription that receives only that customer's shipment messages", async () => {
    const created = await local.sqs.send(
      new CreateQueueCommand({ QueueName: `${local.resources.prefix}-acme` }),
    );
    const queueUrl = created.QueueUrl ?? '';
    const attrs = await local.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
    );
    const queueArn = attrs.Attributes?.QueueArn ?? '';

    const sub = await runCli(local, [
      '--json',
      'subscribe',
      'customer',
      '--customer',
      'CUST-ACME',
      '--protocol',
      'sqs',
      '--endpoint',
      queueArn,
    ]);
    expect(sub.code).toBe(EXIT.ok);
    const { subscriptionArn, filterPolicy } = sub.json() as {
      subscriptionArn: string;
      filterPolicy: unknown;
    };
    expect(filterPolicy).toEqual({ customerId: ['CUST-ACME'], kind: ['shipment'] });

    await s.putInventory(anInventory({ warehouseId: 'WH-SUB' }));
    const acme = aLicense({ licenseId: 'LIC-SUB-ACME', customerId: 'CUST-ACME', status: 'APPROVED' });
    const other = aLicense({ licenseId: 'LIC-SUB-OTHER', customerId: 'CUST-OTHER', status: 'APPROVED' });
    await s.putLicense(acme);
    await s.putLicense(other);
    await local.drain();
    await s.putShipments([
      aShipmentFor(acme, { shipmentId: 'SHP-SUB-ACME', warehouseId: 'WH-SUB' }),
      aShipmentFor(other, { shipmentId: 'SHP-SUB-OTHER', warehouseId: 'WH-SUB' }),
    ]);
    await local.drain();

    const messages = await local.receiveAll(queueUrl);
    expect(messages.length).toBeGreaterThan(0);
    for (const m of messages) {
      expect(m.attributes).toMatchObject({ customerId: 'CUST-ACME', kind: 'shipment' });
      expect((JSON.parse(m.body) as { shipmentId: string }).shipmentId).toBe('SHP-SUB-ACME');
    }

    const listed = (
      await runCli(local, ['--json', 'subscriptions', 'list', '--topic', 'customer'])
    ).json() as {
      subscriptionArn: string;
      scope: string;
      unscoped: boolean;
    }[];
    expect(listed.find((x) => x.subscriptionArn === subscriptionArn)).toMatchObject({
      scope: 'customer CUST-ACME',
      unscoped: false,
    });

    const removed = await runCli(local, ['unsubscribe', subscriptionArn]);
    expect(removed.code).toBe(EXIT.ok);
    expect(removed.stdout).toMatch(/Unsubscribed sqs .* \(customer CUST-ACME, kind shipment\)/);
    const after = (await runCli(local, ['--json', 'subscriptions', 'list'])).json() as {
      subscriptionArn: string;
    }[];
    expect(after.map((x) => x.subscriptionArn)).not.toContain(subscriptionArn);
  });

  it('masks email addresses when listing subscriptions', async () => {
    const sub = await runCli(local, [
      'subscribe',
      'logistics',
      '--warehouse',
      'WH-AMS-1',
      '--protocol',
      'email',
      '--endpoint',
      'dispatch@example.com',
    ]);
    expect(sub.code).toBe(EXIT.ok);
    expect(sub.stdout).toMatch(/Subscribed warehouse WH-AMS-1: email digests to d\*\*\*@example.com/);
    expect(sub.stdout).not.toMatch(/dispatch@/);
    const listed = await runCli(local, ['subscriptions', 'list', '--topic', 'logistics']);
    expect(listed.stdout).toMatch(/email\s+d\*\*\*@example.com\s+warehouse WH-AMS-1\s+digest/);
    expect(listed.stdout).not.toMatch(/dispatch@/);
  });

  it('refuses to remove a subscription of a topic outside the stack', async () => {
    const result = await runCli(local, [
      'unsubscribe',
      'arn:aws:sns:us-east-1:000000000000:someone-elses-topic:1234-abcd',
    ]);
    expect(result.code).toBe(EXIT.error);
    expect(result.stderr).toMatch(/not one of this stack's topics/);
  });
});

describe('clearance dlq', () => {
  it('says the DLQs are empty when nothing failed', async () => {
    const listed = await runCli(local, ['dlq', 'list']);
    expect(listed.code).toBe(EXIT.ok);
    expect(listed.stdout).toMatch(/^No messages\./);
    const redriven = await runCli(local, ['dlq', 'redrive']);
    expect(redriven.stdout).toMatch(/Nothing to redrive/);
  });
});

describe('the clearance executable', () => {
  it('runs as its own process from cli/bin.js, reaching DynamoDB and the fauxqs queues by itself', async () => {
    const stack = stackDescription(local);
    // A clean environment: no endpoint variables or DNS interception inherited from this test process.
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', CLEARANCE_STACK: stack };
    const exec = promisify(execFile);
    const licenses = await exec(
      process.execPath,
      ['cli/bin.js', '--json', 'license', 'list', '--status', 'APPROVED'],
      { env },
    );
    expect((JSON.parse(licenses.stdout) as { licenseId: string }[]).map((l) => l.licenseId)).toContain(
      'LIC-APPROVE',
    );
    // One queue (a listing ends with a 1 s long poll per queue; all three are listed in-process above).
    const dlq = await exec(
      process.execPath,
      ['cli/bin.js', '--json', 'dlq', 'list', '--queue', 'shipment-events'],
      { env },
    );
    expect(JSON.parse(dlq.stdout)).toEqual([]);
    expect(dlq.stderr).toBe('');
  });
});
