import { ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it, vi } from 'vitest';
import { reconcile } from '../../../cli/commands/reconcile.js';
import { EXIT } from '../../../cli/errors.js';
import { stampOf } from '../../../shared/domain/counters.js';
import type { Shipment } from '../../../shared/domain/model.js';
import { holdOrderKey } from '../../../shared/domain/planning.js';
import type { RawItem } from '../../../shared/domain/ports.js';
import { GSI_ATTR } from '../../../shared/names.js';
import { stubCliContext, stubResources } from '../../helpers/cli.js';
import { aLicense, anInventory, aShipment } from '../../helpers/factories.js';

const resources = stubResources();

const JDOE = 'arn:aws:sts::000000000000:assumed-role/ComplianceAdmin/j.doe';

/**
 * Three tables that answer Scan from `tables` and record every UpdateItem
 * (accepted without applying it: the re-check then finds the drift again).
 */
function store(
  tables: Record<'Licenses' | 'Shipments' | 'Inventory', RawItem[]>,
  failOn?: (update: UpdateCommand['input']) => Error | undefined,
) {
  const updates: UpdateCommand['input'][] = [];
  const db = {
    async send(command: unknown) {
      if (command instanceof ScanCommand)
        return { Items: tables[command.input.TableName as keyof typeof tables] ?? [] };
      if (command instanceof UpdateCommand) {
        const error = failOn?.(command.input);
        if (error) throw error;
        updates.push(command.input);
        return {};
      }
      throw new Error(`unexpected command ${String(command)}`);
    },
  };
  const { ctx, out } = stubCliContext({ resources, clients: { db }, identity: JDOE, errToOut: true });
  return { ctx, updates, out };
}

/** A shipment RELEASED and counted so, in hold order as the system keys it. */
const released = (s: Shipment): RawItem => ({
  ...s,
  status: 'RELEASED',
  countedStatus: 'RELEASED',
  [GSI_ATTR.holdOrder]: holdOrderKey(s),
  revision: 2,
});

/** One APPROVED license whose releasedQuantity (25) and Inventory's released (5) drift from one RELEASED shipment of 10. */
const drifted = (): Record<'Licenses' | 'Shipments' | 'Inventory', RawItem[]> => ({
  Licenses: [{ ...aLicense({ licenseId: 'LIC-1', appliedStatus: 'APPROVED', releasedQuantity: 25 }) }],
  Shipments: [released(aShipment({ shipmentId: 'SHP-1', licenseId: 'LIC-1', quantity: 10 }))],
  Inventory: [{ ...anInventory({ released: 5 }), counterRevision: 7 }],
});

describe('reconcile --fix', () => {
  it("records who repaired a license: changedBy = cli:<identity>, as the CLI's other license writes", async () => {
    const { ctx, updates } = store(drifted());
    await reconcile(ctx, { fix: true, yes: true });
    const license = updates.find((u) => u.TableName === 'Licenses');
    expect(license?.UpdateExpression).toMatch(/#changedBy = :set_changedBy/);
    expect(license?.ExpressionAttributeNames).toMatchObject({ '#changedBy': 'changedBy' });
    expect(license?.ExpressionAttributeValues).toMatchObject({
      ':set_releasedQuantity': 10,
      ':set_changedBy': `cli:${JDOE}`,
    });
    // updatedBy is the decision's author, which History quotes: a counter repair must not take it over.
    expect(Object.values(license?.ExpressionAttributeNames ?? {})).not.toContain('updatedBy');
    // Inventory items carry no changedBy (data contract): their fix sets the counters only.
    const inventory = updates.find((u) => u.TableName === 'Inventory');
    expect(Object.values(inventory?.ExpressionAttributeNames ?? {})).not.toContain('changedBy');
  });

  it('writes each fix on the condition that counterRevision is still the one read, and adds 1 to it', async () => {
    const { ctx, updates } = store(drifted());
    await reconcile(ctx, { fix: true, yes: true });
    const inventory = updates.find((u) => u.TableName === 'Inventory');
    expect(inventory?.ConditionExpression).toContain('#counterRevision = :read_counterRevision');
    expect(inventory?.UpdateExpression).toMatch(/ ADD #counterRevision :one$/);
    expect(inventory?.ExpressionAttributeValues).toMatchObject({ ':read_counterRevision': 7, ':one': 1 });
    // A license no system write has moved yet has none: the fix expects it absent.
    const license = updates.find((u) => u.TableName === 'Licenses');
    expect(license?.ConditionExpression).toContain('attribute_not_exists(#counterRevision)');
    expect(license?.UpdateExpression).toMatch(/ ADD #counterRevision :one$/);
  });

  it('stopped by an error after some writes, says what it wrote and what it did not, and that running it again is safe', async () => {
    const tables = drifted();
    tables.Inventory.push({ ...anInventory({ warehouseId: 'WH-2', held: 3 }) });
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    const { ctx, updates } = store(tables, (u) => (u.TableName === 'Licenses' ? throttled : undefined));
    const attempt = reconcile(ctx, { fix: true, yes: true });
    await expect(attempt).rejects.toThrow(
      /--fix stopped after 2 of 3 writes \(2 written, 0 skipped\): AWS is throttling .*\(ThrottlingException: Rate exceeded\).*\. Not written: License LIC-1: releasedQuantity 25 → 10\. Nothing else was changed; each write is conditional, so run `clearance reconcile --fix` again/,
    );
    expect(updates.map((u) => u.TableName)).toEqual(['Inventory', 'Inventory']);
  });
});

/** A settled store (no drift) whose HELD SHP-OLD keeps the millisecond key of an earlier version. */
const staleKeyed = (): Record<'Licenses' | 'Shipments' | 'Inventory', RawItem[]> => {
  const s = aShipment({
    shipmentId: 'SHP-OLD',
    licenseId: 'LIC-1',
    status: 'HELD',
    priority: 5,
    quantity: 10,
    requestedAt: '2026-01-01T00:00:00.000900Z',
  });
  return {
    Licenses: [{ ...aLicense({ licenseId: 'LIC-1', status: 'PENDING', appliedStatus: 'PENDING' }) }],
    Shipments: [
      {
        ...s,
        countedStatus: 'HELD',
        [GSI_ATTR.holdOrder]: '000005#2026-01-01T00:00:00.000Z#SHP-OLD',
        revision: 1,
      },
    ],
    Inventory: [{ ...anInventory({ held: 10 }) }],
  };
};

describe('reconcile and a stale hold order', () => {
  it('reports it with its count and ids, and exits 3 though no counter drifts', async () => {
    const tables = staleKeyed();
    const { ctx, out, updates } = store(tables);
    expect(await reconcile(ctx, {})).toBe(EXIT.incomplete);
    const text = out.join('\n');
    expect(text).toMatch(/No drift/);
    expect(text).toMatch(
      /Stale hold order: 1 HELD or RELEASED shipment has a holdOrder that is not the one its priority, requestedAt and shipmentId give \(holdOrderKey\): SHP-OLD\./,
    );
    expect(text).toMatch(/Run `clearance reconcile --fix`/);
    expect(updates).toEqual([]);
  });

  it('--fix rewrites it as shipment-events restamps, conditional on holdOrder and revision as read, with no new revision', async () => {
    const tables = staleKeyed();
    const { ctx, out, updates } = store(tables);
    // The fake applies nothing: the re-check still finds it.
    expect(await reconcile(ctx, { fix: true, yes: true })).toBe(EXIT.incomplete);
    expect(updates).toHaveLength(1);
    const [update] = updates;
    expect(update?.TableName).toBe('Shipments');
    expect(update?.Key).toEqual({ shipmentId: 'SHP-OLD' });
    const names = update?.ExpressionAttributeNames ?? {};
    const values = update?.ExpressionAttributeValues ?? {};
    const placeholder = (attr: string) => Object.keys(names).find((k) => names[k] === attr);
    const expected = (attr: string) => {
      const m = new RegExp(`${placeholder(attr)} = (:\\w+)`).exec(String(update?.ConditionExpression));
      return m?.[1] === undefined ? undefined : values[m[1]];
    };
    expect(expected('holdOrder')).toBe('000005#2026-01-01T00:00:00.000Z#SHP-OLD');
    expect(expected('revision')).toBe(1);
    expect(expected('countedStatus')).toBe('HELD');
    expect(update?.UpdateExpression).toMatch(/^SET #holdOrder = :v\d+, #changedBy = :v\d+$/);
    expect(Object.values(values)).toContain(holdOrderKey(tables.Shipments[0] as never));
    expect(out.join('\n')).toMatch(/Wrote 1 fix\.[\s\S]*Stale hold order: 1 HELD or RELEASED shipment/);
  });
});

/** A settled store (no drift) whose HELD SHP-OLD keeps the unsealed stamp of an earlier version. */
const unsealedStamped = (): Record<'Licenses' | 'Shipments' | 'Inventory', RawItem[]> => {
  const s = aShipment({ shipmentId: 'SHP-OLD', licenseId: 'LIC-1', status: 'HELD', quantity: 10 });
  return {
    Licenses: [{ ...aLicense({ licenseId: 'LIC-1', status: 'PENDING', appliedStatus: 'PENDING' }) }],
    Shipments: [
      {
        ...s,
        countedStatus: 'HELD',
        [GSI_ATTR.holdOrder]: holdOrderKey(s),
        // Key 0 of the license's held index, as items written before the spread carry it.
        [GSI_ATTR.heldLicenseId]: s.licenseId,
        countedAs: { quantity: 10, sku: s.sku, warehouseId: s.warehouseId },
        revision: 1,
      },
    ],
    Inventory: [{ ...anInventory({ held: 10 }) }],
  };
};

describe('reconcile and an unsealed stamp', () => {
  it('reports it as an upgrade note with its count and ids, and exits 0 when nothing else is found', async () => {
    const { ctx, out, updates } = store(unsealedStamped());
    expect(await reconcile(ctx, {})).toBe(EXIT.ok);
    const text = out.join('\n');
    expect(text).toMatch(/No drift/);
    expect(text).toMatch(
      /Unsealed stamps \(upgrade\): 1 HELD or RELEASED shipment has a countedAs stamp without a seal, true to its fields: SHP-OLD\./,
    );
    expect(text).toMatch(/Run `clearance reconcile --fix`/);
    expect(updates).toEqual([]);
  });

  it('--fix seals it with stampOf() of the fields, conditional on the stamp, the fields, countedStatus, status and revision as read, with no new revision', async () => {
    const tables = unsealedStamped();
    const { ctx, out, updates } = store(tables);
    // The fake applies nothing: the re-check still finds it, which alone keeps the exit code at 0.
    expect(await reconcile(ctx, { fix: true, yes: true }, { sealSettleMs: 0 })).toBe(EXIT.ok);
    expect(updates).toHaveLength(1);
    const [update] = updates;
    expect(update?.TableName).toBe('Shipments');
    expect(update?.Key).toEqual({ shipmentId: 'SHP-OLD' });
    const names = update?.ExpressionAttributeNames ?? {};
    const values = update?.ExpressionAttributeValues ?? {};
    const placeholder = (attr: string) => Object.keys(names).find((k) => names[k] === attr);
    const expected = (attr: string) => {
      const m = new RegExp(`${placeholder(attr)} = (:\\w+)`).exec(String(update?.ConditionExpression));
      return m?.[1] === undefined ? undefined : values[m[1]];
    };
    const item = tables.Shipments[0] as Shipment & RawItem;
    expect(expected('countedAs')).toEqual(item.countedAs);
    expect(expected('customerId')).toBe(item.customerId);
    expect(expected('licenseId')).toBe('LIC-1');
    expect(expected('quantity')).toBe(10);
    expect(expected('revision')).toBe(1);
    expect(expected('countedStatus')).toBe('HELD');
    expect(expected('status')).toBe('HELD');
    expect(update?.UpdateExpression).toMatch(/^SET #countedAs = (:v\d+), #changedBy = :v\d+$/);
    const set = /^SET #countedAs = (:v\d+)/.exec(String(update?.UpdateExpression))?.[1] ?? '';
    expect(values[set]).toEqual(stampOf(item));
    expect(out.join('\n')).toMatch(
      /Wrote 1 fix\.[\s\S]*Unsealed stamps \(upgrade\): 1 HELD or RELEASED shipment/,
    );
  });

  it('seals only once edits made before the scan have had time to be judged (on the clock, no seal before)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'Date'] });
    try {
      const { ctx, out, updates } = store(unsealedStamped());
      const run = reconcile(ctx, { fix: true, yes: true }, { sealSettleMs: 15_000 });
      await vi.advanceTimersByTimeAsync(14_999);
      expect(updates).toEqual([]);
      await vi.advanceTimersByTimeAsync(1);
      await run;
      expect(updates).toHaveLength(1);
      expect(out.join('\n')).toMatch(
        /Waiting 15 s for edits made before the scan to be judged before sealing\./,
      );
    } finally {
      vi.useRealTimers();
    }
  });
});
