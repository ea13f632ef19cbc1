import { ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { reconcile } from '../../../cli/commands/reconcile.js';
import type { RawItem } from '../../../shared/domain/ports.js';
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

/** One APPROVED license whose releasedQuantity (25) and Inventory's released (5) drift from one RELEASED shipment of 10. */
const drifted = (): Record<'Licenses' | 'Shipments' | 'Inventory', RawItem[]> => ({
  Licenses: [{ ...aLicense({ licenseId: 'LIC-1', appliedStatus: 'APPROVED', releasedQuantity: 25 }) }],
  Shipments: [
    {
      ...aShipment({ shipmentId: 'SHP-1', licenseId: 'LIC-1', status: 'RELEASED', quantity: 10 }),
      countedStatus: 'RELEASED',
    },
  ],
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
