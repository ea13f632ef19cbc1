import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { shipmentList } from '../../../cli/commands/shipment.js';
import { compareHoldOrder } from '../../../shared/domain/planning.js';
import { stubCliContext, stubResources } from '../../helpers/cli.js';
import { aShipment } from '../../helpers/factories.js';

const resources = stubResources();

function shipmentsTable(items: Record<string, unknown>[]) {
  const db = {
    async send(command: unknown) {
      if (command instanceof ScanCommand) return { Items: items, ScannedCount: items.length };
      throw new Error(`unexpected command ${String(command)}`);
    },
  };
  return stubCliContext({ resources, clients: { db }, json: true });
}

describe('shipment list (scanned statuses) orders as the system does: (priority, requestedAt, shipmentId)', () => {
  it('orders requestedAt by time, not by its text, when fractional seconds differ', async () => {
    const early = aShipment({
      shipmentId: 'SHP-EARLY',
      status: 'SHIPPED',
      priority: 1,
      requestedAt: '2026-01-01T00:00:00Z',
    });
    const late = aShipment({
      shipmentId: 'SHP-LATE',
      status: 'SHIPPED',
      priority: 1,
      requestedAt: '2026-01-01T00:00:00.500Z',
    });
    const system = [late, early].sort(compareHoldOrder).map((s) => s.shipmentId);
    expect(system).toEqual(['SHP-EARLY', 'SHP-LATE']);
    const { ctx, emitted } = shipmentsTable([late, early]);
    await shipmentList(ctx, { license: early.licenseId, status: 'SHIPPED', limit: 0 });
    const [out] = emitted as { shipments: { shipmentId: string }[] }[];
    expect(out?.shipments.map((s) => s.shipmentId)).toEqual(system);
  });

  it('breaks ties by shipmentId as the system does (code-unit order, not locale order)', async () => {
    const a = aShipment({
      shipmentId: 'SHP-C',
      status: 'CANCELLED',
      priority: 1,
      requestedAt: '2026-01-01T00:00:00Z',
    });
    const b = aShipment({
      shipmentId: 'SHP-b',
      status: 'CANCELLED',
      priority: 1,
      requestedAt: '2026-01-01T00:00:00Z',
    });
    const system = [b, a].sort(compareHoldOrder).map((s) => s.shipmentId);
    expect(system).toEqual(['SHP-C', 'SHP-b']);
    const { ctx, emitted } = shipmentsTable([b, a]);
    await shipmentList(ctx, { license: a.licenseId, status: 'CANCELLED', limit: 0 });
    const [out] = emitted as { shipments: { shipmentId: string }[] }[];
    expect(out?.shipments.map((s) => s.shipmentId)).toEqual(system);
  });
});

describe('shipment list --json notes', () => {
  it('says on stderr that a scanned page is not the first N in hold order, keeping stdout the JSON', async () => {
    const shipped = ['SHP-1', 'SHP-2', 'SHP-3'].map((shipmentId) =>
      aShipment({ shipmentId, status: 'SHIPPED', priority: 1 }),
    );
    const { ctx, out, err, emitted } = shipmentsTable(shipped);
    await shipmentList(ctx, { license: String(shipped[0]?.licenseId), status: 'SHIPPED', limit: 2 });
    expect(out).toHaveLength(1);
    expect(emitted[0]).toMatchObject({ more: true });
    expect(err).toEqual([
      'Note: Showing 2 of the matches, not the first 2 in hold order: only HELD and RELEASED shipments are indexed, and the scan stopped at 3 matches. Pass --limit 0 for all of them, in order.',
    ]);
  });

  it('writes no note when the page is complete', async () => {
    const shipped = [aShipment({ shipmentId: 'SHP-1', status: 'SHIPPED' })];
    const { ctx, err } = shipmentsTable(shipped);
    await shipmentList(ctx, { license: String(shipped[0]?.licenseId), status: 'SHIPPED', limit: 2 });
    expect(err).toEqual([]);
  });
});
