/**
 * The ceiling writes releasedItems(w) (bench/workload.ts), items as large as
 * the ones clearance leaves: every attribute the release's update SETs
 * (shipmentUpdate of releaseWrite, with the decision the engine stamps) is
 * there, so the ceiling is not faster for smaller items.
 */
import { describe, expect, it } from 'vitest';
import { itemBytes, makeWorkload, RELEASE_DECISION, releasedItems } from '../../../bench/workload.js';
import { shipmentUpdate } from '../../../shared/adapters/dynamo/expressions.js';
import { releaseWrite } from '../../../shared/engine/license-work.js';

describe('the ceiling writes items as large as clearance leaves them', () => {
  it('has every attribute the release SETs', () => {
    const at = '2026-07-01T00:00:00.000Z';
    const w = makeWorkload('X0001', 20, 3);
    const s = w.shipments[0];
    if (!s) throw new Error('no shipment');
    const u = shipmentUpdate('Shipments', {
      ...releaseWrite(s.licenseId, s, at),
      decision: RELEASE_DECISION,
    });
    const names = u.ExpressionAttributeNames as Record<string, string>;
    const values = u.ExpressionAttributeValues as Record<string, unknown>;
    const setPart = (u.UpdateExpression.split(' REMOVE ')[0] ?? '').replace(/^SET /, '');
    // What the release writes, attribute by attribute (revision is a number in both).
    const written: Record<string, unknown> = {};
    for (const clause of setPart.split(/, (?=#)/)) {
      const [lhs, rhs] = clause.split(' = ');
      const name = names[lhs?.trim() ?? ''];
      if (!name) continue;
      written[name] = rhs !== undefined && rhs.trim() in values ? values[rhs.trim()] : 2;
    }
    const ceilingItem = releasedItems(w, at)[0] ?? {};
    const missing = Object.keys(written).filter((k) => !(k in ceilingItem));
    expect(missing).toEqual([]);
    // And so its size: the released item is the held item with the release's SETs (REMOVEs are GSI/hold attributes).
    const { heldLicenseId: _h, holdReason: _r, ...rest } = { ...ceilingItem } as Record<string, unknown>;
    expect(itemBytes(ceilingItem)).toBeGreaterThanOrEqual(itemBytes({ ...rest, ...written }));
  });
});
