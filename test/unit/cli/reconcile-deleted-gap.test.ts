/**
 * A shipment deleted while HELD or CANCELLED with every change entered is a
 * note, not I6. "Every change entered" includes the last one: a deleted
 * shipment whose last committed change has no entry (HELD r1 entered, its
 * RELEASED r2 missing, then deleted while RELEASED, as the deletion's own
 * EDIT_REJECTED entry says: previousStatus RELEASED) is the History gap I6
 * reports.
 */
import { BatchGetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { reconcile } from '../../../cli/commands/reconcile.js';
import type { RawItem } from '../../../shared/domain/ports.js';
import { stubCliContext, stubResources } from '../../helpers/cli.js';
import { aLicense, anInventory } from '../../helpers/factories.js';

const resources = stubResources({ history: true });
const T1 = '2026-05-01T10:00:00.000Z';
const T3 = '2026-05-01T10:09:00.000Z';

function store() {
  const license: RawItem = {
    ...aLicense({ licenseId: 'LIC-1', appliedStatus: 'APPROVED' }),
    appliedChanges: 1,
    lastDecision: { eventType: 'LICENSE_APPROVED', actor: 'alice', at: T1 },
    releasedQuantity: 10,
  };
  const tables: Record<string, RawItem[]> = {
    Licenses: [license],
    Shipments: [],
    Inventory: [anInventory()],
    History: [
      {
        licenseId: 'LIC-1',
        entryId: `${T1}#license#a`,
        eventType: 'LICENSE_APPROVED',
        at: T1,
        status: 'APPROVED',
      },
      {
        licenseId: 'LIC-1',
        shipmentId: 'SHP-GONE',
        quantity: 10,
        entryId: `${T1}#SHP-GONE#r000001`,
        eventType: 'SHIPMENT_HELD',
        at: T1,
        status: 'HELD',
        previousStatus: null,
      },
      // r000002 (HELD → RELEASED) was never entered. Then the item was deleted while RELEASED:
      {
        licenseId: 'LIC-1',
        shipmentId: 'SHP-GONE',
        entryId: `${T3}#SHP-GONE#rejected#000000000000000000000123`,
        eventType: 'EDIT_REJECTED',
        at: T3,
        actor: 'unknown',
        reason:
          'Shipment SHP-GONE (10 × H20 at WH-1, license LIC-1, counted as RELEASED) was deleted from the Shipments table.',
        status: null,
        previousStatus: 'RELEASED',
      },
    ],
  };
  const db = {
    async send(command: unknown) {
      if (command instanceof ScanCommand) return { Items: tables[String(command.input.TableName)] ?? [] };
      if (command instanceof BatchGetCommand) {
        const [table] = Object.keys(command.input.RequestItems ?? {});
        return { Responses: { [String(table)]: [] } };
      }
      throw new Error(`unexpected command ${String(command)}`);
    },
  };
  return stubCliContext({ resources, clients: { db } });
}

describe('reconcile: a deleted shipment whose last change has no History entry', () => {
  it('reports the missing entry (I6), not a note that it was deleted while HELD', async () => {
    const { ctx, out } = store();
    await reconcile(ctx, {});
    const text = out.join('\n');
    expect(text).not.toMatch(/Note: deleted while HELD or CANCELLED, every change in History: SHP-GONE/);
    expect(text).toMatch(/I6\s+shipmentId=SHP-GONE/);
  });
});
