/**
 * The normal-severity alert an amendment's trim sends ops ("amendment put
 * shipments back on hold") is sent after the re-holds and before the release
 * pass that the same amendment runs at once: when that pass releases a HELD
 * shipment that sat ahead of the trimmed ones in hold order, the license ends
 * drawing more than the alert's figure (docs/data-contract.md, "Amendment":
 * first-fit then releases what fits, in hold order). The alert says its figure
 * is the one after the re-holds, and that the pass may release more; it names
 * no value for a license without a value limit.
 */
import { describe, expect, it } from 'vitest';
import {
  amend,
  expectInvariants,
  idsWith,
  setStatus,
  shipmentEvents,
  withBacklog,
} from '../../helpers/fakes/engine-kit.js';
import { memoryWorld } from '../../helpers/fakes/world.js';

describe('amendment trim alert', () => {
  it('does not tell ops the license "now draws" 30 units while the same amendment leaves it drawing 42', async () => {
    const w = memoryWorld();
    const { lut, ids } = withBacklog(w, { authorizedQuantity: 60 }, [
      { quantity: 30, priority: 10 },
      { quantity: 20, priority: 30 },
      { quantity: 10, priority: 40 },
    ]);
    await setStatus(w, lut.licenseId, 'APPROVED');
    await shipmentEvents(w);
    // Accepted while the license had no room: HELD, ahead of the second and third in hold order.
    const early = lut.shipment({ quantity: 12, priority: 20 });
    w.seed.accepted([early]);

    await amend(w, lut, 'authorizedQuantity', 45);
    expect(idsWith(w, lut.licenseId, 'RELEASED')).toEqual([ids[0], early.shipmentId].sort());
    expect(w.license(lut.licenseId).releasedQuantity).toBe(42);
    expectInvariants(w);

    const alert = w.alerter
      .about(lut.licenseId)
      .find((a) => a.subject === `License ${lut.licenseId}: amendment put shipments back on hold`);
    expect(alert?.message).not.toContain('now draws');
    expect(alert?.message).toContain('after the re-holds it drew 30 units.');
    expect(alert?.message).toContain('The release pass that follows releases HELD shipments that fit');
    expect(alert?.message).not.toContain('USD');
  });
});
