/**
 * The I6 part of `clearance reconcile` while changes land during its scans:
 * the items are read first, then History, so History may hold the entries of
 * changes committed after their item was read. Those are not I6 violations
 * and must not be reported as such; a real gap still is. A shipment deleted
 * while HELD or CANCELLED, every change of it entered, is a note, not a gap.
 */
import { BatchGetCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { reconcile } from '../../../cli/commands/reconcile.js';
import { EXIT } from '../../../cli/errors.js';
import { holdOrderKey } from '../../../shared/domain/planning.js';
import type { RawItem } from '../../../shared/domain/ports.js';
import { GSI_ATTR } from '../../../shared/names.js';
import { stubCliContext, stubResources } from '../../helpers/cli.js';
import { aLicense, anInventory, aShipment } from '../../helpers/factories.js';

const resources = stubResources({ history: true });

const READ = '2026-05-01T10:00:05.000Z';
const LATER = '2026-05-01T10:00:09.000Z';

/**
 * The tables as the scans find them: LIC-1 with one decision, SHP-1 HELD at
 * revision 1; by the time History is read, LIC-1 was amended, SHP-1 changed
 * again and SHP-NEW was created (the scan of Shipments had passed its key).
 * `gone` adds an entry of a shipment that really is not there, whose first
 * change History lacks (r000002 only).
 */
function racingStore(gone = false) {
  const license: RawItem = {
    ...aLicense({ licenseId: 'LIC-1', appliedStatus: 'APPROVED' }),
    appliedChanges: 1,
    lastDecision: { eventType: 'LICENSE_APPROVED', actor: 'alice', at: READ },
  };
  const shipment = (shipmentId: string): RawItem => {
    const s = aShipment({ shipmentId, licenseId: 'LIC-1', holdReason: 'LICENSE_QUANTITY_EXHAUSTED' });
    return {
      ...s,
      countedStatus: 'HELD',
      [GSI_ATTR.holdOrder]: holdOrderKey(s),
      revision: 1,
      changedAt: READ,
    };
  };
  const entry = (e: Record<string, unknown>) => ({ licenseId: 'LIC-1', ...e });
  const tables: Record<string, RawItem[]> = {
    Licenses: [license],
    Shipments: [shipment('SHP-1')],
    Inventory: [anInventory({ held: 10 })],
    History: [
      entry({ entryId: `${READ}#license#a`, eventType: 'LICENSE_APPROVED', at: READ }),
      entry({ entryId: `${LATER}#license#b`, eventType: 'LICENSE_AMENDED', at: LATER }),
      entry({
        entryId: `${READ}#SHP-1#r000001`,
        eventType: 'SHIPMENT_HELD',
        shipmentId: 'SHP-1',
        at: READ,
        status: 'HELD',
        previousStatus: null,
      }),
      entry({
        entryId: `${LATER}#SHP-1#r000002`,
        eventType: 'SHIPMENT_HOLD_UPDATED',
        shipmentId: 'SHP-1',
        at: LATER,
      }),
      entry({
        entryId: `${LATER}#SHP-NEW#r000001`,
        eventType: 'SHIPMENT_HELD',
        shipmentId: 'SHP-NEW',
        at: LATER,
      }),
      ...(gone
        ? [
            entry({
              entryId: `${READ}#SHP-GONE#r000002`,
              eventType: 'SHIPMENT_HELD',
              shipmentId: 'SHP-GONE',
              at: READ,
              status: 'HELD',
            }),
          ]
        : []),
    ],
  };
  // As read after History: they have caught up with what committed during the scan.
  const now: Record<string, RawItem> = {
    'LIC-1': {
      ...license,
      appliedChanges: 2,
      lastDecision: { eventType: 'LICENSE_AMENDED', actor: 'bob', at: LATER },
    },
    'SHP-1': { ...shipment('SHP-1'), revision: 2, changedAt: LATER },
    'SHP-NEW': shipment('SHP-NEW'),
  };
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
      throw new Error(`unexpected command ${String(command)}`);
    },
  };
  const { ctx, out } = stubCliContext({ resources, clients: { db } });
  return { ctx, out };
}

describe('reconcile: I6 while changes land during the scan', () => {
  it('does not report changes committed after their item was read, nor items created meanwhile', async () => {
    const { ctx, out } = racingStore();
    expect(await reconcile(ctx, {})).toBe(EXIT.ok);
    expect(out.join('\n')).toMatch(/I6 holds/);
  });

  it('still reports the entries of a shipment that is not there when a change of it has no entry', async () => {
    const { ctx, out } = racingStore(true);
    expect(await reconcile(ctx, {})).toBe(EXIT.incomplete);
    const text = out.join('\n');
    expect(text).toMatch(
      /I6\s+shipmentId=SHP-GONE\s+1 shipment entries in History for a shipment that is not/,
    );
    expect(text).not.toMatch(/SHP-NEW|SHP-1\b|licenseId=LIC-1/);
  });
});

const T1 = '2026-05-01T10:00:00.000Z';
const T2 = '2026-05-01T10:05:00.000Z';

/**
 * SHP-GONE, deleted from the console after its last change (`status`), every
 * change of it entered; `drop` leaves one entry out. `held`: the Inventory
 * item's held counter as left (10 still counts SHP-GONE, for --fix to lower).
 */
function storeWithDeletedShipment(
  status: 'HELD' | 'CANCELLED' | 'RELEASED',
  drop?: string,
  { json = false, held = 0 }: { json?: boolean; held?: number } = {},
) {
  const license: RawItem = {
    ...aLicense({ licenseId: 'LIC-1', appliedStatus: 'APPROVED' }),
    appliedChanges: 1,
    lastDecision: { eventType: 'LICENSE_APPROVED', actor: 'alice', at: T1 },
  };
  const entry = (e: Record<string, unknown>): RawItem => ({
    licenseId: 'LIC-1',
    shipmentId: 'SHP-GONE',
    quantity: 10,
    ...e,
  });
  const changes = [
    entry({
      entryId: `${T1}#SHP-GONE#r000001`,
      eventType: 'SHIPMENT_HELD',
      at: T1,
      status: 'HELD',
      previousStatus: null,
    }),
    ...(status === 'HELD'
      ? []
      : [
          entry({
            entryId: `${T2}#SHP-GONE#r000002`,
            eventType: `SHIPMENT_${status}`,
            at: T2,
            status,
            previousStatus: 'HELD',
            drawn: status === 'RELEASED' ? { quantity: 10, value: 0 } : { quantity: 0, value: 0 },
          }),
        ]),
  ].filter((e) => e.entryId !== drop);
  const tables: Record<string, RawItem[]> = {
    Licenses: [status === 'RELEASED' ? { ...license, releasedQuantity: 10 } : license],
    Shipments: [],
    Inventory: [anInventory({ held })],
    History: [
      {
        licenseId: 'LIC-1',
        entryId: `${T1}#license#a`,
        eventType: 'LICENSE_APPROVED',
        at: T1,
        status: 'APPROVED',
      },
      ...changes,
    ],
  };
  const db = {
    async send(command: unknown) {
      if (command instanceof ScanCommand) return { Items: tables[String(command.input.TableName)] ?? [] };
      if (command instanceof BatchGetCommand) {
        const [table] = Object.keys(command.input.RequestItems ?? {});
        return { Responses: { [String(table)]: [] } };
      }
      if (command instanceof UpdateCommand) return {};
      throw new Error(`unexpected command ${String(command)}`);
    },
  };
  return stubCliContext({ resources, clients: { db }, json });
}

describe('reconcile: a deleted shipment (docs/OPERATIONS.md, "A deleted shipment")', () => {
  it.each(['CANCELLED', 'HELD'] as const)(
    'notes a shipment deleted while %s, every change entered, as nothing to fix and exits 0',
    async (status) => {
      const { ctx, out } = storeWithDeletedShipment(status);
      expect(await reconcile(ctx, {})).toBe(EXIT.ok);
      const text = out.join('\n');
      expect(text).not.toMatch(/I6\s+shipmentId|unrecorded change/);
      expect(text).toMatch(/I6 holds/);
      expect(text).toMatch(
        new RegExp(
          `Note: deleted while HELD or CANCELLED, every change in History: SHP-GONE \\(${status}, license LIC-1\\)\\. Nothing to fix`,
        ),
      );
    },
  );

  it('reports I6 for a shipment deleted while CANCELLED when a change of it has no entry', async () => {
    const { ctx, out } = storeWithDeletedShipment('CANCELLED', `${T1}#SHP-GONE#r000001`);
    expect(await reconcile(ctx, {})).toBe(EXIT.incomplete);
    const text = out.join('\n');
    expect(text).toMatch(
      /I6\s+shipmentId=SHP-GONE\s+1 shipment entries in History for a shipment that is not/,
    );
    expect(text).not.toMatch(/Note: deleted/);
  });

  it('keeps a shipment deleted while RELEASED a violation until it is put back, and exits 3', async () => {
    const { ctx, out } = storeWithDeletedShipment('RELEASED');
    expect(await reconcile(ctx, {})).toBe(EXIT.incomplete);
    const text = out.join('\n');
    expect(text).toMatch(
      /I6\s+shipmentId=SHP-GONE\s+2 shipment entries .*deleted while RELEASED \(History r000002\)/,
    );
    expect(text).toMatch(/shipment SHP-GONE was deleted from the Shipments table while RELEASED/);
    expect(text).not.toMatch(/Note: deleted/);
  });

  it.each(['CANCELLED', 'HELD'] as const)(
    'gives a shipment deleted while %s, every change entered, under undrawnDeletions with --json',
    async (status) => {
      const { ctx, out } = storeWithDeletedShipment(status, undefined, { json: true });
      expect(await reconcile(ctx, {})).toBe(EXIT.ok);
      expect(out).toHaveLength(1);
      expect(JSON.parse(out[0] ?? '{}').undrawnDeletions).toEqual([
        { shipmentId: 'SHP-GONE', status, licenseId: 'LIC-1' },
      ]);
    },
  );

  it('gives no undrawnDeletions for a shipment deleted while RELEASED (an I6 violation instead)', async () => {
    const { ctx, out } = storeWithDeletedShipment('RELEASED', undefined, { json: true });
    await reconcile(ctx, {});
    const report = JSON.parse(out[0] ?? '{}');
    expect(report.undrawnDeletions).toEqual([]);
    expect(report.violations).toContainEqual(expect.objectContaining({ key: { shipmentId: 'SHP-GONE' } }));
  });

  it('gives undrawnDeletions after --fix --json too, as the re-check finds them', async () => {
    const { ctx, out } = storeWithDeletedShipment('HELD', undefined, { json: true, held: 10 });
    await reconcile(ctx, { fix: true, yes: true }, { sealSettleMs: 0 });
    expect(out).toHaveLength(1);
    const report = JSON.parse(out[0] ?? '{}');
    expect(report.written).toBe(1);
    expect(report.undrawnDeletions).toEqual([{ shipmentId: 'SHP-GONE', status: 'HELD', licenseId: 'LIC-1' }]);
  });
});
