import { GetCommand, QueryCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { licenseAction } from '../../../cli/commands/license.js';
import { licenseAmend } from '../../../cli/commands/license-amend.js';
import { licenseAttention } from '../../../cli/commands/license-attention.js';
import { shipmentAction } from '../../../cli/commands/shipment.js';
import { LostRaceError, RefusedError, UsageError } from '../../../cli/errors.js';
import { termsOf } from '../../../shared/domain/terms.js';
import { stubCliContext, stubResources } from '../../helpers/cli.js';
import { aLicense, aShipment } from '../../helpers/factories.js';

const resources = stubResources();

/** Who runs the CLI in these tests, as STS GetCallerIdentity names an assumed role's session. */
const JDOE = 'arn:aws:sts::000000000000:assumed-role/ComplianceAdmin/j.doe';

/**
 * A DynamoDB document client that answers GetItem from `reads` in turn and
 * fails every UpdateItem's condition, as when someone else wrote in between.
 */
function racingStore(reads: Record<string, unknown>[]) {
  const updates: UpdateCommand['input'][] = [];
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
  const { ctx, out } = stubCliContext({ resources, clients: { db }, identity: JDOE, errToOut: true });
  return { ctx, updates, out, gets: () => n };
}

describe('license decisions', () => {
  it('writes status, reason and author conditional on the status and appliedStatus read', async () => {
    const pending = { ...aLicense({ licenseId: 'LIC-1', status: 'PENDING', appliedStatus: 'PENDING' }) };
    const { ctx, updates } = racingStore([pending, { ...pending, status: 'DENIED' }]);
    await expect(licenseAction(ctx, 'approve', 'LIC-1', { reason: 'BIS letter' })).rejects.toThrow(
      LostRaceError,
    );
    expect(updates).toEqual([
      {
        TableName: 'Licenses',
        Key: { licenseId: 'LIC-1' },
        UpdateExpression: 'SET #status = :v0, #statusReason = :v1, #updatedBy = :v2, #changedBy = :v3',
        // The terms as read too: an amendment typed in between is not entered with this decision.
        ConditionExpression:
          'attribute_exists(#licenseId) AND #status = :v4 AND #appliedStatus = :v5 AND #customerId = :v6 AND #sku = :v7 AND #destinationCountry = :v8 AND #authorizedQuantity = :v9 AND (attribute_not_exists(#authorizedValue) OR attribute_type(#authorizedValue, :v10)) AND (attribute_not_exists(#valueTolerancePercent) OR attribute_type(#valueTolerancePercent, :v11)) AND #validFrom = :v12 AND #validUntil = :v13',
        ExpressionAttributeNames: {
          '#status': 'status',
          '#statusReason': 'statusReason',
          '#updatedBy': 'updatedBy',
          '#changedBy': 'changedBy',
          '#licenseId': 'licenseId',
          '#appliedStatus': 'appliedStatus',
          '#customerId': 'customerId',
          '#sku': 'sku',
          '#destinationCountry': 'destinationCountry',
          '#authorizedQuantity': 'authorizedQuantity',
          '#authorizedValue': 'authorizedValue',
          '#valueTolerancePercent': 'valueTolerancePercent',
          '#validFrom': 'validFrom',
          '#validUntil': 'validUntil',
        },
        ExpressionAttributeValues: {
          ':v0': 'APPROVED',
          ':v1': 'BIS letter',
          ':v2': JDOE,
          ':v3': `cli:${JDOE}`,
          ':v4': 'PENDING',
          ':v5': 'PENDING',
          ':v6': pending.customerId,
          ':v7': pending.sku,
          ':v8': pending.destinationCountry,
          ':v9': pending.authorizedQuantity,
          ':v10': 'NULL',
          ':v11': 'NULL',
          ':v12': pending.validFrom,
          ':v13': pending.validUntil,
        },
      },
    ]);
  });

  it('sets right a license whose status was removed: the condition reads "absent or NULL", with no undefined value', async () => {
    const removed: Record<string, unknown> = {
      ...aLicense({ licenseId: 'LIC-1', appliedStatus: 'APPROVED' }),
      statusError: 'status "(absent)" is not a license status',
    };
    delete removed.status;
    const { ctx, updates } = racingStore([removed]);
    await expect(licenseAction(ctx, 'suspend', 'LIC-1', { reason: 'letter 9' })).rejects.toThrow(
      LostRaceError,
    );
    const [update] = updates;
    expect(update?.ConditionExpression).toMatch(
      /^attribute_exists\(#licenseId\) AND \(attribute_not_exists\(#status\) OR attribute_type\(#status, :v4\)\) AND #appliedStatus = :v5 AND /,
    );
    expect(update?.ExpressionAttributeValues).toMatchObject({
      ':v0': 'SUSPENDED',
      ':v4': 'NULL',
      ':v5': 'APPROVED',
    });
    expect(Object.values(update?.ExpressionAttributeValues ?? {})).not.toContain(undefined);
  });

  it('reports a lost race naming what changed, and that nothing was written', async () => {
    const pending = { ...aLicense({ licenseId: 'LIC-1', status: 'PENDING', appliedStatus: 'PENDING' }) };
    const { ctx } = racingStore([pending, { ...pending, status: 'DENIED' }]);
    await expect(licenseAction(ctx, 'approve', 'LIC-1', { reason: 'r' })).rejects.toThrow(
      /license LIC-1 changed while this command ran \(status PENDING → DENIED\); nothing was written/,
    );
  });

  it('rejects an illegal decision without writing', async () => {
    const denied = { ...aLicense({ licenseId: 'LIC-1', status: 'DENIED', appliedStatus: 'DENIED' }) };
    const { ctx, updates } = racingStore([denied]);
    await expect(licenseAction(ctx, 'approve', 'LIC-1', { reason: 'r' })).rejects.toThrow(RefusedError);
    expect(updates).toEqual([]);
  });

  it('refuses, before writing, a decision History would enter as "unknown": the same author and reason as the last one', async () => {
    const approved = {
      ...aLicense({ licenseId: 'LIC-1', status: 'APPROVED', appliedStatus: 'APPROVED' }),
      updatedBy: JDOE,
      statusReason: 'BIS case 42',
      attributed: { at: '2026-12-01T00:00:00.000Z', updatedBy: JDOE, statusReason: 'BIS case 42' },
    };
    const { ctx, updates } = racingStore([approved]);
    const attempt = licenseAction(ctx, 'suspend', 'LIC-1', { reason: 'BIS case 42' });
    await expect(attempt).rejects.toThrow(UsageError);
    await expect(attempt).rejects.toThrow(/would be entered as "unknown"/);
    expect(updates).toEqual([]);
    // Another reason is credited, so it is written (and here loses the race).
    await expect(
      licenseAction(ctx, 'suspend', 'LIC-1', { reason: 'BIS case 42: suspended' }),
    ).rejects.toThrow(LostRaceError);
    expect(updates).toHaveLength(1);
  });

  it('re-run while the system applies the same decision: writes nothing and exits 0; --wait follows it to the end', async () => {
    const inFlight = {
      ...aLicense({ licenseId: 'LIC-1', status: 'SUSPENDED', appliedStatus: 'APPROVED' }),
      pendingWork: 't',
    };
    const again = racingStore([inFlight]);
    await expect(licenseAction(again.ctx, 'suspend', 'LIC-1', { reason: 'letter 9' })).resolves.toBe(0);
    expect(again.updates).toEqual([]);
    expect(again.out.join('\n')).toMatch(/already set to SUSPENDED and the system is applying it/);

    const applied = { ...inFlight, appliedStatus: 'SUSPENDED', pendingWork: undefined };
    const waited = racingStore([inFlight, applied]);
    await expect(
      licenseAction(waited.ctx, 'suspend', 'LIC-1', { reason: 'letter 9', wait: true }),
    ).resolves.toBe(0);
    expect(waited.updates).toEqual([]);
    expect(waited.out.join('\n')).toMatch(/License LIC-1 is SUSPENDED/);
  });

  it('rejects a reason longer than the contract allows', async () => {
    const { ctx, updates } = racingStore([]);
    await expect(licenseAction(ctx, 'approve', 'LIC-1', { reason: 'x'.repeat(1001) })).rejects.toThrow(
      /--reason: statusReason must be at most 1000 characters/,
    );
    expect(updates).toEqual([]);
  });
});

describe('license amend', () => {
  const settled = () => {
    const license = aLicense({ licenseId: 'LIC-1', appliedStatus: 'APPROVED', authorizedQuantity: 100 });
    return { ...license, appliedTerms: { ...termsOf(license) } };
  };
  const author = { reason: 'BIS amendment A-17' };

  it('writes the new terms in one update conditional on the terms read, and reports a lost race', async () => {
    const { ctx, updates } = racingStore([settled()]);
    await expect(licenseAmend(ctx, 'LIC-1', { quantity: '150', ...author })).rejects.toThrow(
      /license LIC-1 changed while this command ran .*; nothing was written/,
    );
    expect(updates).toHaveLength(1);
    const [update] = updates;
    const values = Object.values(update?.ExpressionAttributeValues ?? {});
    expect(values).toEqual(
      expect.arrayContaining([150, 100, 'BIS amendment A-17', JDOE, `cli:${JDOE}`, 'APPROVED']),
    );
    expect(update?.ConditionExpression).toMatch(/attribute_not_exists\(#pendingWork\)/);
  });

  it('rejects --tolerance 30 before reading or writing anything', async () => {
    const { ctx, updates, gets } = racingStore([settled()]);
    const attempt = licenseAmend(ctx, 'LIC-1', { tolerance: '30', ...author });
    await expect(attempt).rejects.toThrow(UsageError);
    await expect(attempt).rejects.toThrow(/^--tolerance must be a whole number from 0 to 25/);
    expect(gets()).toBe(0);
    expect(updates).toEqual([]);
  });

  it('refuses an amendment History would enter as "unknown" (the same author and reason as the last decision)', async () => {
    const decided = {
      ...settled(),
      updatedBy: JDOE,
      statusReason: author.reason,
      attributed: { at: '2026-12-01T00:00:00.000Z', updatedBy: JDOE, statusReason: author.reason },
    };
    const { ctx, updates } = racingStore([decided]);
    await expect(licenseAmend(ctx, 'LIC-1', { quantity: '150', ...author })).rejects.toThrow(
      /would be entered as "unknown"/,
    );
    expect(updates).toEqual([]);
  });

  it('refuses a license with work in progress without writing', async () => {
    const { ctx, updates } = racingStore([{ ...settled(), pendingWork: 'tok' }]);
    await expect(licenseAmend(ctx, 'LIC-1', { quantity: '150', ...author })).rejects.toThrow(RefusedError);
    expect(updates).toEqual([]);
  });
});

describe('shipment edits', () => {
  it('writes status conditional on everything the plan judged, as read, and reports a lost race', async () => {
    const released = {
      ...aShipment({ shipmentId: 'SHP-1', status: 'RELEASED', value: 1000 }),
      countedStatus: 'RELEASED',
      countedValue: 1000,
      revision: 2,
    };
    const { ctx, updates } = racingStore([released]);
    await expect(shipmentAction(ctx, 'ship', 'SHP-1', { reason: 'AWB 1234' })).rejects.toThrow(
      /shipment SHP-1 changed while this command ran; nothing was written/,
    );
    expect(updates).toEqual([
      {
        TableName: 'Shipments',
        Key: { shipmentId: 'SHP-1' },
        UpdateExpression: 'SET #status = :v0, #updatedBy = :v1, #changedBy = :v2, #statusReason = :v3',
        ConditionExpression:
          'attribute_exists(#shipmentId) AND #status = :v4 AND #countedStatus = :v5 AND #quantity = :v6 AND #sku = :v7 AND #warehouseId = :v8 AND #customerId = :v9 AND #licenseId = :v10 AND #value = :v11 AND #countedValue = :v12 AND #priority = :v13 AND #requestedAt = :v14 AND #revision = :v15',
        ExpressionAttributeNames: {
          '#status': 'status',
          '#updatedBy': 'updatedBy',
          '#changedBy': 'changedBy',
          '#statusReason': 'statusReason',
          '#shipmentId': 'shipmentId',
          '#countedStatus': 'countedStatus',
          '#quantity': 'quantity',
          '#sku': 'sku',
          '#warehouseId': 'warehouseId',
          '#customerId': 'customerId',
          '#licenseId': 'licenseId',
          '#value': 'value',
          '#countedValue': 'countedValue',
          '#priority': 'priority',
          '#requestedAt': 'requestedAt',
          '#revision': 'revision',
        },
        ExpressionAttributeValues: {
          ':v0': 'SHIPPED',
          ':v1': JDOE,
          ':v2': `cli:${JDOE}`,
          ':v3': 'AWB 1234',
          ':v4': 'RELEASED',
          ':v5': 'RELEASED',
          ':v6': released.quantity,
          ':v7': released.sku,
          ':v8': released.warehouseId,
          ':v9': released.customerId,
          ':v10': released.licenseId,
          ':v11': 1000,
          ':v12': 1000,
          ':v13': released.priority,
          ':v14': released.requestedAt,
          ':v15': 2,
        },
      },
    ]);
  });

  it("removes statusReason when no --reason is given, so History does not quote the creator's reason", async () => {
    const released = {
      ...aShipment({ shipmentId: 'SHP-1', status: 'RELEASED' }),
      countedStatus: 'RELEASED',
      statusReason: 'PO 4711',
    };
    const { ctx, updates } = racingStore([released]);
    await expect(shipmentAction(ctx, 'cancel', 'SHP-1', {})).rejects.toThrow(LostRaceError);
    expect(updates).toEqual([
      expect.objectContaining({
        UpdateExpression: 'SET #status = :v0, #updatedBy = :v1, #changedBy = :v2 REMOVE #statusReason',
        ExpressionAttributeNames: expect.objectContaining({ '#statusReason': 'statusReason' }),
        ExpressionAttributeValues: expect.objectContaining({
          ':v0': 'CANCELLED',
          ':v1': JDOE,
          ':v2': `cli:${JDOE}`,
        }),
      }),
    ]);
    expect(Object.values(updates[0]?.ExpressionAttributeValues ?? {})).not.toContain('PO 4711');
  });

  it('names a fixed field typed meanwhile, and says to wait until the system sets it back', async () => {
    const released = {
      ...aShipment({ shipmentId: 'SHP-1', status: 'RELEASED', quantity: 5 }),
      countedStatus: 'RELEASED',
    };
    const { ctx } = racingStore([released, { ...released, quantity: 7 }]);
    await expect(shipmentAction(ctx, 'ship', 'SHP-1', { reason: 'AWB 1234' })).rejects.toThrow(
      new LostRaceError(
        'shipment SHP-1 changed while this command ran (quantity 5 → 7 was typed meanwhile); nothing was written. Wait until the system sets it back (`clearance shipment show SHP-1`), then run the command again',
      ),
    );
  });

  it('names a status the system changed meanwhile', async () => {
    const released = {
      ...aShipment({ shipmentId: 'SHP-1', status: 'RELEASED' }),
      countedStatus: 'RELEASED',
      revision: 2,
    };
    const reheld = { ...released, status: 'HELD', countedStatus: 'HELD', revision: 3 };
    const { ctx } = racingStore([released, reheld]);
    await expect(shipmentAction(ctx, 'cancel', 'SHP-1', { reason: 'withdrawn' })).rejects.toThrow(
      /\(status RELEASED → HELD, countedStatus RELEASED → HELD, revision 2 → 3\); nothing was written\. Look at it with `clearance shipment show SHP-1` and run the command again if it still applies$/,
    );
  });
});

describe('license list --attention --status', () => {
  /** A Licenses table of two items that answers Scan, and counts every request. */
  function licensesTable() {
    const requests: unknown[] = [];
    const items = [
      aLicense({ licenseId: 'LIC-P', status: 'PENDING', appliedStatus: 'PENDING' }),
      aLicense({ licenseId: 'LIC-A', status: 'APPROVED', appliedStatus: 'APPROVED' }),
    ];
    const db = {
      async send(command: unknown) {
        requests.push(command);
        if (command instanceof ScanCommand) return { Items: items };
        if (command instanceof QueryCommand) return { Items: [{ quantity: 5, value: 0 }] };
        throw new Error(`unexpected command ${String(command)}`);
      },
    };
    const { ctx, emitted } = stubCliContext({ resources, clients: { db }, identity: JDOE, json: true });
    return { ctx, requests, emitted };
  }

  it('takes the status in any case, as `license list --status` does', async () => {
    const { ctx, emitted } = licensesTable();
    await licenseAttention(ctx, { status: 'pending' });
    const [report] = emitted as { licenses: { licenseId: string }[] }[];
    expect(report?.licenses.map((l) => l.licenseId)).toEqual(['LIC-P']);
  });

  it('refuses a status that does not exist, naming the statuses, before reading anything', async () => {
    const { ctx, requests } = licensesTable();
    await expect(licenseAttention(ctx, { status: 'PENDNG' })).rejects.toThrow(
      new UsageError(
        '--status must be one of PENDING, APPROVED, DENIED, SUSPENDED, REVOKED, EXPIRED, not "PENDNG"',
      ),
    );
    expect(requests).toEqual([]);
  });
});
