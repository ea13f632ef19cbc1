import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { licenseAction } from '../../../cli/commands/license.js';
import { licenseAmend } from '../../../cli/commands/license-amend.js';
import { shipmentAction } from '../../../cli/commands/shipment.js';
import { LostRaceError, RefusedError, UsageError } from '../../../cli/errors.js';
import { termsOf } from '../../../shared/domain/terms.js';
import { stubCliContext, stubResources } from '../../helpers/cli.js';
import { aLicense, aShipment } from '../../helpers/factories.js';

/**
 * What the decision commands check before they write, beyond the status
 * rules (transitions.test.ts): that the engine will do what the command
 * promises, and that History credits the decision to the one who ran it.
 */
const JDOE = 'arn:aws:sts::000000000000:assumed-role/ComplianceAdmin/j.doe';

/** A table of one item; `conflict`: every UpdateItem fails its condition. */
function store(
  item: Record<string, unknown>,
  opts: { conflict?: boolean; reads?: Record<string, unknown>[] } = {},
) {
  const updates: UpdateCommand['input'][] = [];
  let n = 0;
  const db = {
    async send(command: unknown) {
      if (command instanceof GetCommand) {
        const reads = opts.reads ?? [item];
        return { Item: reads[Math.min(n++, reads.length - 1)] };
      }
      if (command instanceof QueryCommand) return { Count: 3 };
      if (command instanceof UpdateCommand) {
        updates.push(command.input);
        if (opts.conflict)
          throw Object.assign(new Error('The conditional request failed'), {
            name: 'ConditionalCheckFailedException',
          });
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
  return { ctx, updates, out };
}

const appliedLicense = (overrides: Parameters<typeof aLicense>[0]) => {
  const base = aLicense({ licenseId: 'LIC-1', ...overrides });
  return { ...base, appliedTerms: { ...termsOf(base) } };
};

describe('license decisions and an amendment in flight', () => {
  it('refuses to suspend while someone else’s amendment (terms ≠ appliedTerms) is not applied yet: it would be entered with the decision, as the caller’s', async () => {
    // Bob raised authorizedQuantity in the console; the system has not applied it yet.
    const item = {
      ...appliedLicense({ status: 'APPROVED', appliedStatus: 'APPROVED', authorizedQuantity: 100 }),
      authorizedQuantity: 500,
      updatedBy: 'bob',
    };
    const { ctx, updates } = store(item);
    await expect(licenseAction(ctx, 'suspend', 'LIC-1', { reason: 'investigation 7' })).rejects.toThrow(
      /amendment the system has not applied yet \(authorizedQuantity 100 → 500\)/,
    );
    expect(updates).toEqual([]);
  });

  it('makes the decision conditional on the terms read, so a console amendment in between loses the race', async () => {
    const { ctx, updates } = store(appliedLicense({ status: 'APPROVED', appliedStatus: 'APPROVED' }), {
      conflict: true,
    });
    await expect(licenseAction(ctx, 'suspend', 'LIC-1', { reason: 'investigation 7' })).rejects.toThrow(
      LostRaceError,
    );
    const [update] = updates;
    expect(Object.values(update?.ExpressionAttributeNames ?? {})).toContain('authorizedQuantity');
    expect(update?.ConditionExpression).toMatch(/#authorizedQuantity = /);
  });

  it('names the amendment it lost to, not only a status that did not change', async () => {
    const read = appliedLicense({ status: 'APPROVED', appliedStatus: 'APPROVED', authorizedQuantity: 100 });
    const reread = { ...read, authorizedQuantity: 500, updatedBy: 'bob' };
    const { ctx } = store(read, { conflict: true, reads: [read, reread] });
    await expect(licenseAction(ctx, 'suspend', 'LIC-1', { reason: 'investigation 7' })).rejects.toThrow(
      /someone amended it meanwhile \(authorizedQuantity 100 → 500\)/,
    );
  });
});

describe('approving a license the engine would not release under', () => {
  it('refuses an item the system cannot read, naming the field, before writing', async () => {
    // licenseNumber emptied in the console: the engine would reject the approval and release nothing.
    const item = {
      ...aLicense({ licenseId: 'LIC-1', status: 'PENDING', appliedStatus: 'PENDING' }),
      licenseNumber: '',
    };
    const { ctx, updates, out } = store(item);
    await expect(licenseAction(ctx, 'approve', 'LIC-1', { reason: 'BIS letter 2026-117' })).rejects.toThrow(
      /licenseNumber/,
    );
    expect(updates).toEqual([]);
    expect(out.join('\n')).not.toMatch(/releases held shipments/);
  });

  it('still writes a suspension on such an item: the engine applies a restrictive status all the same', async () => {
    const item = {
      ...aLicense({ licenseId: 'LIC-1', status: 'APPROVED', appliedStatus: 'APPROVED' }),
      licenseNumber: '',
    };
    const { ctx, updates } = store(item);
    await expect(licenseAction(ctx, 'suspend', 'LIC-1', { reason: 'investigation 8' })).resolves.toBe(0);
    expect(updates).toHaveLength(1);
  });

  it.each(['approve', 'reinstate'] as const)(
    '%s: refuses a license whose validUntil has passed, pointing to amend',
    async (action) => {
      const from = action === 'approve' ? 'PENDING' : 'SUSPENDED';
      const item = aLicense({
        licenseId: 'LIC-1',
        status: from,
        appliedStatus: from,
        validFrom: '2024-01-01T00:00:00.000Z',
        validUntil: '2025-01-01T00:00:00.000Z',
      });
      const { ctx, updates } = store(item);
      await expect(licenseAction(ctx, action, 'LIC-1', { reason: 'BIS letter 9' })).rejects.toThrow(
        /validUntil \(2025-01-01T00:00:00.000Z\) has passed.*license amend LIC-1 --valid-until/,
      );
      expect(updates).toEqual([]);
    },
  );
});

describe('license amend of a final license', () => {
  it.each(['EXPIRED', 'REVOKED', 'DENIED'] as const)(
    '%s: refused before writing, as final',
    async (status) => {
      const item = appliedLicense({ status, appliedStatus: status, validUntil: '2026-01-01T00:00:00.000Z' });
      const { ctx, updates } = store(item);
      await expect(
        licenseAmend(ctx, 'LIC-1', {
          validUntil: '2099-06-30T23:59:59Z',
          reason: 'extension E-3',
          wait: false,
        }),
      ).rejects.toThrow(new RegExp(`is ${status}, which is final`));
      expect(updates).toEqual([]);
    },
  );
});

describe('license decision --wait', () => {
  it('prints authorizedQuantity grouped like releasedQuantity', async () => {
    const pending = aLicense({
      licenseId: 'LIC-1',
      status: 'PENDING',
      appliedStatus: 'PENDING',
      authorizedQuantity: 15000,
    });
    const applied = { ...pending, status: 'APPROVED', appliedStatus: 'APPROVED', releasedQuantity: 12000 };
    const { ctx, out } = store(pending, { reads: [pending, applied] });
    await expect(licenseAction(ctx, 'approve', 'LIC-1', { reason: 'BIS 1', wait: true })).resolves.toBe(0);
    expect(out.join('\n')).toMatch(/12,000 of 15,000 units/);
  });
});

const releasedShipment = () => {
  const s = aShipment({ shipmentId: 'SHP-1', status: 'RELEASED', quantity: 30 });
  return {
    ...s,
    countedStatus: 'RELEASED',
    countedAs: {
      quantity: 30,
      sku: s.sku,
      warehouseId: s.warehouseId,
      customerId: s.customerId,
      licenseId: s.licenseId,
    },
  };
};

describe('shipment ship/cancel while the system has not caught up with the item', () => {
  it('refuses when quantity differs from what the counters hold (countedAs): the edit would be set back with the status', async () => {
    const { ctx, updates } = store({ ...releasedShipment(), quantity: 25 });
    await expect(shipmentAction(ctx, 'ship', 'SHP-1', { reason: 'AWB 1' })).rejects.toThrow(
      /fields it may not change.*not set back yet/,
    );
    expect(updates).toEqual([]);
  });

  it('refuses when the item is out of the contract (priority typed as text), naming the field', async () => {
    const { ctx, updates } = store({ ...releasedShipment(), priority: 'x' });
    await expect(shipmentAction(ctx, 'ship', 'SHP-1', { reason: 'AWB 1' })).rejects.toThrow(RefusedError);
    await expect(shipmentAction(ctx, 'ship', 'SHP-1', { reason: 'AWB 1' })).rejects.toThrow(/priority/);
    expect(updates).toEqual([]);
  });
});

describe('shipment ship/cancel by the editor who last set updatedBy', () => {
  const held = () => ({
    ...aShipment({ shipmentId: 'SHP-1', status: 'HELD', holdReason: 'SHIPMENT_VALUE_MISSING' }),
    countedStatus: 'HELD',
    value: 1200,
    updatedBy: JDOE,
  });

  it('refuses without a --reason of its own: History would enter the edit as "unknown"', async () => {
    const { ctx, updates } = store(held());
    await expect(shipmentAction(ctx, 'cancel', 'SHP-1', {})).rejects.toThrow(UsageError);
    await expect(shipmentAction(ctx, 'cancel', 'SHP-1', {})).rejects.toThrow(/--reason/);
    expect(updates).toEqual([]);
  });

  it('writes with a reason of its own', async () => {
    const { ctx, updates } = store(held());
    await expect(shipmentAction(ctx, 'cancel', 'SHP-1', { reason: 'order withdrawn' })).resolves.toBe(0);
    expect(updates).toHaveLength(1);
  });
});
