/**
 * The chaos suite's I4 and I5 checks (test/chaos/checks.ts) judge what the
 * system did, not what a message says of itself:
 * - I4 "no customer ever receives another customer's notification": a
 *   message's own customerId is what the topic's filter routed it on, so a
 *   change of CUST-ALPHA's shipment published with customerId CUST-BRAVO
 *   lands in CUST-BRAVO's queue looking like its own. The shipment its dedup
 *   key names tells whose it is.
 * - I5 "an admin alert with a reason a person can act on": a compliance
 *   notice (alertType) naming the license is not the alert of its rejected
 *   edit; the alert must give the reason the item's statusError keeps.
 */
import { describe, expect, it } from 'vitest';
import type { RawItem } from '../../../shared/domain/ports.js';
import { checkI4, checkI5, type Store } from '../../chaos/checks.js';
import { aLicense, aShipment } from '../../helpers/factories.js';

const shipment: RawItem = {
  ...aShipment({ shipmentId: 'S-A', customerId: 'CUST-ALPHA', warehouseId: 'WH-AMS', status: 'HELD' }),
  countedStatus: 'HELD',
  revision: 1,
};
const message = (customerId: string, warehouseId: string) => ({
  messageId: `${customerId}-${warehouseId}`,
  body: JSON.stringify({ shipmentId: 'S-A', customerId, warehouseId, status: 'HELD', revision: 1 }),
  attributes: { customerId, warehouseId, kind: 'shipment', eventType: 'SHIPMENT_HELD', dedupKey: 'S-A#r1' },
});

describe("I4: a change of one customer's shipment in another customer's queue", () => {
  const store: Store = { licenses: [], shipments: [shipment], inventory: [], history: [] };
  const warehouses = new Map([['WH-AMS', [message('CUST-ALPHA', 'WH-AMS')]]]);

  it('is reported, though the message names the queue owner', () => {
    const customers = new Map([
      ['CUST-ALPHA', [message('CUST-ALPHA', 'WH-AMS')]],
      // CUST-ALPHA's change, published as CUST-BRAVO's.
      ['CUST-BRAVO', [message('CUST-BRAVO', 'WH-AMS')]],
    ]);
    expect(checkI4(store, customers, warehouses)).toEqual([
      expect.stringMatching(
        /customer CUST-BRAVO received S-A#r1, a change of customerId CUST-ALPHA's shipment/,
      ),
    ]);
  });

  it('holds when each change is in its own customer and warehouse queues only', () => {
    const customers = new Map([['CUST-ALPHA', [message('CUST-ALPHA', 'WH-AMS')]]]);
    expect(checkI4(store, customers, warehouses)).toEqual([]);
  });
});

describe('I5: a rejected edit still on an item', () => {
  const license: RawItem = {
    ...aLicense({ licenseId: 'LIC-1', appliedStatus: 'APPROVED' }),
    status: 'PENDING',
    statusError: 'APPROVED → PENDING is not allowed',
  };
  const store: Store = { licenses: [license], shipments: [], inventory: [], history: [] };
  const drawdown = {
    messageId: 'm1',
    body: 'License LIC-1 has used 80 % of its authorized quantity.',
    attributes: { licenseId: 'LIC-1', alertType: 'LICENSE_DRAWDOWN', severity: 'normal' },
  };
  const rejection = (body: string) => ({
    messageId: 'm2',
    body,
    attributes: { licenseId: 'LIC-1', severity: 'normal' },
  });

  it('is reported when its only ops message is a compliance notice', () => {
    expect(checkI5(store, [], [drawdown])).toContainEqual(expect.stringMatching(/LIC-1/));
  });

  it("is reported when the alert does not give the item's reason", () => {
    expect(checkI5(store, [], [drawdown, rejection('License LIC-1 was edited.')])).toContainEqual(
      expect.stringMatching(/LIC-1/),
    );
  });

  it('holds for a shipment whose alert gives the reason its statusError frames (Rejected status …: reason. Set back.)', () => {
    const reason =
      'HELD → SHIPPED is not allowed: the shipment has no approved license. Escalate to compliance.';
    const shipped: RawItem = {
      ...shipment,
      statusError: `Rejected status SHIPPED: ${reason} The status was set back to HELD.`,
    };
    const alert = (body: string) => ({
      messageId: 'm3',
      body,
      attributes: { shipmentId: 'S-A', severity: 'high' },
    });
    const s: Store = { licenses: [], shipments: [shipped], inventory: [], history: [] };
    expect(
      checkI5(s, [], [alert(`Shipment S-A was edited from HELD to "SHIPPED".\nRejected because ${reason}`)]),
    ).toEqual([]);
    expect(checkI5(s, [], [alert('Shipment S-A was edited from HELD to "SHIPPED".')])).toHaveLength(1);
  });

  it('holds with an alert that gives the reason', () => {
    const body =
      'License LIC-1 was edited to status "PENDING".\nRejected because APPROVED → PENDING is not allowed.';
    expect(checkI5(store, [], [drawdown, rejection(body)])).toEqual([]);
  });
});
