/**
 * What `clearance reconcile --fix` says after its writes: "Deleted shipments
 * whose draw was kept, until put back" lists the shipments deleted while
 * RELEASED or SHIPPED only, not a shipment that is in the table (a
 * broken-stamp I5, an I1 release under a suspended license).
 */
import { ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { reconcile } from '../../../cli/commands/reconcile.js';
import { stampOf } from '../../../shared/domain/counters.js';
import { holdOrderKey } from '../../../shared/domain/planning.js';
import type { RawItem } from '../../../shared/domain/ports.js';
import { GSI_ATTR } from '../../../shared/names.js';
import { stubCliContext, stubResources } from '../../helpers/cli.js';
import { aLicense, anInventory, aShipment } from '../../helpers/factories.js';

const resources = stubResources();

function store(tables: Record<'Licenses' | 'Shipments' | 'Inventory', RawItem[]>) {
  const updates: UpdateCommand['input'][] = [];
  const db = {
    async send(command: unknown) {
      if (command instanceof ScanCommand)
        return { Items: tables[command.input.TableName as keyof typeof tables] ?? [] };
      if (command instanceof UpdateCommand) {
        updates.push(command.input);
        return {};
      }
      throw new Error(`unexpected command ${String(command)}`);
    },
  };
  const { ctx, out } = stubCliContext({ resources, clients: { db }, identity: 'tester', errToOut: true });
  return { ctx, updates, out };
}

describe('reconcile --fix: the closing list of deleted shipments', () => {
  it('does not name a shipment that is in the table (its countedAs seal broken by a find and replace) as a deleted shipment to put back', async () => {
    const a = aShipment({ shipmentId: 'SHP-EDITED', licenseId: 'LIC-1', quantity: 10, customerId: 'CUST-A' });
    const edited: RawItem = {
      ...a,
      customerId: 'CUST-B',
      status: 'RELEASED',
      countedStatus: 'RELEASED',
      revision: 2,
      [GSI_ATTR.holdOrder]: holdOrderKey(a),
      // The find and replace changed the stamp's customerId too; its seal is CUST-A's.
      countedAs: { ...stampOf(a), customerId: 'CUST-B' },
    };
    const b = aShipment({ shipmentId: 'SHP-OLD', licenseId: 'LIC-1', quantity: 5 });
    const old: RawItem = {
      ...b,
      status: 'HELD',
      countedStatus: 'HELD',
      revision: 1,
      [GSI_ATTR.holdOrder]: holdOrderKey(b),
      [GSI_ATTR.heldLicenseId]: b.licenseId,
      // Written before the seal: a fix (the seal) makes --fix run and print its closing lines.
      countedAs: { quantity: b.quantity, sku: b.sku, warehouseId: b.warehouseId },
    };
    const { ctx, out } = store({
      Licenses: [aLicense({ licenseId: 'LIC-1', appliedStatus: 'APPROVED', releasedQuantity: 10 })],
      Shipments: [edited, old],
      Inventory: [anInventory({ held: 5, released: 10 })],
    });
    await reconcile(ctx, { fix: true, yes: true }, { sealSettleMs: 0 });
    const text = out.join('\n');
    expect(text).toMatch(/I5 SHP-EDITED/);
    // --fix reached its closing lines (the seal of SHP-OLD was written).
    expect(text).toMatch(/Wrote 1 fix\./);
    // SHP-EDITED was never deleted: it is in the Shipments table.
    expect(text).not.toMatch(
      /Deleted shipments whose draw was kept, until put back \(see above\): .*SHP-EDITED/,
    );
  });
});
