/**
 * `clearance reconcile --fix` while a deleted RELEASED shipment is put back
 * (docs/OPERATIONS.md, "A deleted shipment", step 4) between the scan of
 * Shipments and the read of History. The put-back moves no counter, so
 * neither the counter values nor `counterRevision` catch the race. The read
 * after History (toReadAgain) finds the shipment, so it is not "deleted" and
 * its draw is not kept; the scan did not see it either, so a fix recomputed
 * from the scan would lower the license's releasedQuantity and Inventory's
 * released below what the restored shipment holds, and free its units to be
 * released again (I2). Those fixes wait for the next run, and the shipment is
 * listed as busy.
 */
import { BatchGetCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { reconcile } from '../../../cli/commands/reconcile.js';
import { RefusedError } from '../../../cli/errors.js';
import { planReconcile } from '../../../cli/reconcile-plan.js';
import { checkInvariants } from '../../../shared/domain/invariants.js';
import type { RawItem } from '../../../shared/domain/ports.js';
import { stubCliContext, stubResources } from '../../helpers/cli.js';
import { aLicense, anInventory, aShipment } from '../../helpers/factories.js';

const resources = stubResources({ history: true });
const T1 = '2026-05-01T10:00:00.000Z';
const T2 = '2026-05-01T10:00:01.000Z';

const license: RawItem = {
  ...aLicense({ licenseId: 'LIC-1', appliedStatus: 'APPROVED', releasedQuantity: 10 }),
  appliedChanges: 1,
  lastDecision: { eventType: 'LICENSE_APPROVED', actor: 'alice', at: T1 },
  counterRevision: 1,
};
/** SHP-BACK as put back from point-in-time recovery: every attribute as it was. */
const restored: RawItem = {
  ...aShipment({ shipmentId: 'SHP-BACK', licenseId: 'LIC-1', status: 'RELEASED', quantity: 10 }),
  countedStatus: 'RELEASED',
  revision: 2,
  countedValue: 0,
  changedAt: T2,
};

/**
 * The scan of Shipments ran while SHP-BACK was still deleted; by the time
 * History was read it was back. WH-SIN-2 drifted on its own (held 4, no
 * shipment), so there is a fix to make. Records every UpdateItem.
 */
function store() {
  const tables: Record<string, RawItem[]> = {
    Licenses: [license],
    Shipments: [],
    Inventory: [
      { ...anInventory({ released: 10 }), counterRevision: 1 },
      { ...anInventory({ warehouseId: 'WH-SIN-2', held: 4 }), counterRevision: 3 },
    ],
    History: [
      { licenseId: 'LIC-1', entryId: `${T1}#license#a`, eventType: 'LICENSE_APPROVED', at: T1 },
      {
        licenseId: 'LIC-1',
        entryId: `${T1}#SHP-BACK#r000001`,
        eventType: 'SHIPMENT_HELD',
        shipmentId: 'SHP-BACK',
        status: 'HELD',
        quantity: 10,
        at: T1,
      },
      {
        licenseId: 'LIC-1',
        entryId: `${T2}#SHP-BACK#r000002`,
        eventType: 'SHIPMENT_RELEASED',
        shipmentId: 'SHP-BACK',
        status: 'RELEASED',
        previousStatus: 'HELD',
        quantity: 10,
        drawn: { quantity: 10, value: 0 },
        at: T2,
      },
    ],
  };
  const now: Record<string, RawItem> = { 'LIC-1': license, 'SHP-BACK': restored };
  const updates: UpdateCommand['input'][] = [];
  const db = {
    async send(command: unknown) {
      if (command instanceof ScanCommand) return { Items: tables[String(command.input.TableName)] ?? [] };
      if (command instanceof BatchGetCommand) {
        const [table, request] = Object.entries(command.input.RequestItems ?? {})[0] ?? [];
        const items = (request?.Keys ?? []).flatMap((key) => {
          const item = now[String(Object.values(key)[0])];
          return item ? [item] : [];
        });
        return { Responses: { [String(table)]: items } };
      }
      if (command instanceof UpdateCommand) {
        updates.push(command.input);
        return {};
      }
      throw new Error(`unexpected command ${String(command)}`);
    },
  };
  const { ctx, out } = stubCliContext({ resources, clients: { db }, identity: 'alice', errToOut: true });
  return { ctx, out, updates };
}

const BUSY =
  /1 shipment changed during the scan \(put back, or created after the scan of Shipments passed it\), so the fixes of its license and Inventory item wait: run reconcile again: SHP-BACK/;

describe('reconcile --fix: a deleted shipment put back during the scan', () => {
  it('refuses to fix while it is listed as busy, and writes nothing', async () => {
    const { ctx, updates, out } = store();
    await expect(reconcile(ctx, { fix: true, yes: true })).rejects.toBeInstanceOf(RefusedError);
    expect(out.join('\n')).toMatch(BUSY);
    expect(updates).toEqual([]);
  });

  it('with --force, makes the other fixes and lowers nothing that holds the restored shipment', async () => {
    const { ctx, updates, out } = store();
    await reconcile(ctx, { fix: true, yes: true, force: true });
    expect(
      updates.map((u) => u.Key),
      out.join('\n'),
    ).toEqual([{ sku: 'H20', warehouseId: 'WH-SIN-2' }]);
    // Its I2 and I3 drift is the next run's to judge, not a person's.
    expect(out.join('\n')).not.toMatch(/needs? a person/);
  });
});

describe('planReconcile and shipments the scan did not see', () => {
  const items = {
    licenses: [license],
    shipments: [] as RawItem[],
    inventory: [{ ...anInventory({ released: 10 }), counterRevision: 1 } as RawItem],
  };

  it('holds back the fixes of their license and Inventory item, and lists them as busy', () => {
    const p = planReconcile(items, checkInvariants(items), [], [restored]);
    expect(p.fixes).toEqual([]);
    expect(p.busy).toEqual([expect.stringMatching(BUSY)]);
    expect(p.manual).toEqual([]);
  });

  it('lists none that holds no fix back (a shipment of another license and item, created meanwhile)', () => {
    const other = { ...restored, shipmentId: 'SHP-NEW', licenseId: 'LIC-2', warehouseId: 'WH-SIN-2' };
    const p = planReconcile(items, checkInvariants(items), [], [other]);
    expect(p.fixes.map((f) => f.kind).sort()).toEqual(['inventory', 'license']);
    expect(p.busy).toEqual([]);
  });
});
