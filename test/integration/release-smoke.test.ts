import { describe, expect, it } from 'vitest';
import { adminConsole } from '../helpers/admin-console.js';
import { aLicense, anInventory, heldBacklog } from '../helpers/factories.js';
import { useLocalStack } from '../helpers/stack.js';

const local = useLocalStack();
const s = adminConsole(local);

describe('approval', () => {
  it('releases held shipments first-fit up to the licensed quantity', async () => {
    await s.putInventory(anInventory());
    const license = aLicense({ licenseId: 'LIC-A', status: 'PENDING', authorizedQuantity: 100 });
    await s.putLicense(license);
    const backlog = heldBacklog(15, (i) => ({ licenseId: 'LIC-A', quantity: i === 2 ? 50 : 10 }));
    await s.putShipments(backlog);
    await local.drain();
    await s.setLicenseStatus('LIC-A', 'APPROVED');
    await local.drain();
    const l = await s.license('LIC-A');
    expect(l.appliedStatus).toBe('APPROVED');
    expect(l.pendingWork).toBeUndefined();
    expect(l.releasedQuantity).toBe(100);
    const all = await s.shipments();
    expect(all.filter((x) => x.status === 'RELEASED')).toHaveLength(6);
    expect(new Set(all.filter((x) => x.status === 'HELD').map((x) => x.holdReason))).toEqual(
      new Set(['LICENSE_QUANTITY_EXHAUSTED']),
    );
    const inv = await s.inventory('H20', 'WH-AMS-1');
    expect(inv).toMatchObject({ held: 90, released: 100 });
    await s.expectInvariants();
  });
});
